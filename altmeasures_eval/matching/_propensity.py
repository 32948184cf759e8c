"""Propensity scores: P(treatment = 1 | covariates), by logistic regression or any classifier.

The logistic fit cannot diverge silently: linearly dependent design columns are found by a pivoted
QR and left out (named in ``aliased``, as R ``glm`` marks them ``NA``); separation (levels or
combinations held by one group, coefficients running away) is found and described in
``separation``; convergence is reported in ``converged``; and every score moved to [1e-8, 1 - 1e-8]
is flagged in ``clipped``. Firth's bias-reduced fit and a ridge fit are available for sparse data.
"""

from __future__ import annotations

import functools

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching._design import covariate_frame, score_range_keep, treatment_array
from altmeasures_eval.matching._logistic import find_aliased, fit_logistic
from altmeasures_eval.matching._separation import level_gaps, model_separation, suspects_separation

__all__ = ["PropensityScore", "PropensityModel", "estimate_propensity"]

#: Scores are kept inside [CLIP, 1 - CLIP]; every score moved there is flagged in ``clipped``.
CLIP = 1e-8


@dataclass(frozen=True)
class PropensityScore:
    """A fitted propensity score and the diagnostics of its fit.

    Attributes
    ----------
    score : pandas.Series
        Estimated P(treatment = 1 | X) for every row, indexed like the input data, inside
        [1e-8, 1 - 1e-8] (rows moved there are flagged in ``clipped``).
    linear : pandas.Series
        The logit of ``score`` (the linear predictor of a logistic model): the default matching distance.
    treatment : pandas.Series
        The 0/1 treatment (int8).
    covariates : tuple of str
        Covariates the model used.
    method : str
        ``"logistic"``, ``"logistic (Firth)"``, ``"logistic (ridge, lambda=...)"`` or the class name of
        the scikit-learn classifier.
    model : object
        The fitted model: for logistic models the coefficients of the columns kept (a Series; aliased
        columns are left out), else the classifier.
    design : numpy.ndarray or None
        Design matrix of a maximum-likelihood logistic model (intercept and kept columns), kept so that
        weighting variances can account for the estimated score (M-estimation sandwich). ``None`` for
        penalised fits and classifiers, whose estimating equations are not the likelihood's.
    notes : tuple of str
        Caveats in plain words (aliased columns, separation, convergence, clipping).
    aliased : tuple of str
        Design columns left out because they are exact linear combinations of earlier columns (R's
        ``glm`` reports their coefficients as ``NA``), e.g. ``"prior_bed_days"``.
    separation : tuple of str
        One plain sentence per separation found: a covariate level or combination of levels held by
        one group only, or coefficients running away (complete or quasi-complete separation). Empty
        when the groups overlap. The people concerned are in ``separated``; :func:`common_support`
        leaves them out of the comparison.
    converged : bool
        Whether the fitting iterations met their criterion. Under separation the iterations may
        converge while the maximum likelihood estimate does not exist: check ``separation`` too.
    clipped : pandas.Series of bool or None
        Rows whose score was moved into [1e-8, 1 - 1e-8]; see ``n_clipped``.
    separated : pandas.Series of bool or None
        Rows whose group the covariates decide (a level held by their group only, or a fitted
        probability that runs to 0 or 1).
    penalty : str or None
        ``None`` (maximum likelihood), ``"firth"`` or ``"ridge"``.
    """

    score: pd.Series
    linear: pd.Series
    treatment: pd.Series
    covariates: tuple[str, ...]
    method: str
    model: Any
    design: np.ndarray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    aliased: tuple[str, ...] = ()
    separation: tuple[str, ...] = ()
    converged: bool = True
    clipped: pd.Series | None = field(default=None, repr=False)
    separated: pd.Series | None = field(default=None, repr=False)
    penalty: str | None = None

    @functools.cached_property
    def information(self) -> np.ndarray | None:
        """The information of the logistic fit, H = X' diag(e (1 - e)) X over the rows it was fitted
        on (``design``; ``None`` without one): the one matrix every sandwich variance of a design on
        this score needs, computed once per score."""
        if self.design is None:
            return None
        e = self.score.to_numpy()
        X = np.asarray(self.design)
        return (X * (e * (1 - e))[:, None]).T @ X

    @property
    def n_clipped(self) -> int:
        """Number of scores moved into [1e-8, 1 - 1e-8] (0 when none)."""
        return 0 if self.clipped is None else int(self.clipped.sum())

    @property
    def n_separated(self) -> int:
        """Number of people whose group the covariates decide (0 when none)."""
        return 0 if self.separated is None else int(self.separated.sum())

    @property
    def overlap_note(self) -> str | None:
        """A sentence for designs built on this score when some people have nobody comparable
        (separation or clipped scores), else ``None``."""
        if not (self.n_clipped or self.n_separated):
            return None
        n = max(self.n_clipped, self.n_separated)
        return (f"the propensity score used has {n:,} people with nobody comparable in the other group "
                f"({self.n_clipped:,} clipped scores): restrict the data to common support (common_support) "
                "and refit the score before matching or weighting")

    def common_support(self, discard: Literal["both", "treated", "control", "none"] = "both") -> pd.Series:
        """Rows inside the score range of the other group (MatchIt's ``discard`` rule).

        For the full common-support step (covariate levels, Crump trimming, counts and the estimand
        label) use :func:`altmeasures_eval.matching.common_support`.
        """
        keep = score_range_keep(self.score.to_numpy(dtype=float), self.treatment.to_numpy(), discard)
        return pd.Series(keep, index=self.score.index, name="in_support")

    def support_table(self) -> pd.DataFrame:
        """Counts of units inside and outside common support (discard="both") by group."""
        inside = self.common_support("both")
        t = self.treatment.to_numpy()
        rows = {
            "treated": [int((t == 1).sum()), int(((t == 1) & inside.to_numpy()).sum())],
            "control": [int((t == 0).sum()), int(((t == 0) & inside.to_numpy()).sum())],
        }
        out = pd.DataFrame(rows, index=["all", "inside_support"]).T
        out["outside_support"] = out["all"] - out["inside_support"]
        return out


# Kept unchanged for the outcome model of effects/_aipw.py (which imports it); propensity scores are
# fitted by _logistic.fit_logistic.
def _logistic_newton(X: np.ndarray, y: np.ndarray, max_iter: int = 50, tol: float = 1e-10) -> tuple[np.ndarray, bool]:
    """Maximum-likelihood logistic regression by Newton-Raphson (IRLS). Returns (beta, converged)."""
    beta = np.zeros(X.shape[1])
    dev_old = np.inf
    for _ in range(max_iter):
        eta = X @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        w = p * (1.0 - p)
        grad = X.T @ (y - p)
        hess = (X * w[:, None]).T @ X
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta = beta + step
        p = np.clip(1.0 / (1.0 + np.exp(-(X @ beta))), 1e-12, 1 - 1e-12)
        dev = -2.0 * np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
        if abs(dev_old - dev) <= tol * (abs(dev) + 0.1):
            return beta, True
        dev_old = dev
    return beta, False


class PropensityModel:
    """Propensity-score model: logistic regression (default) or any scikit-learn classifier.

    Parameters
    ----------
    covariates : sequence of str, optional
        Covariate columns. Numeric columns enter linearly (or as splines, see ``splines``);
        string/categorical columns enter as indicators (first level dropped).
    formula : str, optional
        A patsy right-hand side instead of ``covariates``, e.g. ``"bs(age, df=4) + C(substance)"``.
    estimator : scikit-learn classifier, optional
        Any object with ``fit(X, y)`` and ``predict_proba(X)`` (e.g. ``HistGradientBoostingClassifier``);
        default: logistic regression.
    splines : sequence of str
        Numeric covariates to expand in natural-shape cubic B-splines (scikit-learn
        ``SplineTransformer``, ``spline_knots`` knots at quantiles).
    spline_knots : int
        Number of knots for ``splines``.
    max_iter : int
        Newton iterations for the logistic model.
    penalty : {None, "firth", "ridge"}
        ``None``: maximum likelihood (R ``glm``). ``"firth"``: Firth's (1993) bias-reduced logistic
        regression (R ``brglm2`` ``type = "AS_mean"``, ``logistf``), finite under separation
        (Heinze & Schemper 2002). ``"ridge"``: an L2 penalty ``ridge_lambda |b|^2 / 2`` on the
        coefficients of standardised covariates, intercept unpenalised.
    ridge_lambda : float
        Strength of the ridge penalty (the inverse of scikit-learn's ``C``).

    Notes
    -----
    The score estimates e(X) = P(T = 1 | X). Its use for adjustment assumes no unmeasured
    confounding given X and overlap (0 < e(X) < 1). Where overlap fails for a level of a covariate
    the model says so in ``separation`` instead of returning scores of 0 or 1 without comment.
    """

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        *,
        formula: str | None = None,
        estimator: Any | None = None,
        splines: Sequence[str] = (),
        spline_knots: int = 4,
        max_iter: int = 100,
        penalty: Literal["firth", "ridge"] | None = None,
        ridge_lambda: float = 1.0,
    ) -> None:
        self.covariates = covariates
        self.formula = formula
        self.estimator = estimator
        self.splines = splines
        self.spline_knots = spline_knots
        self.max_iter = max_iter
        self.penalty = penalty
        self.ridge_lambda = ridge_lambda

    def _design(self, data: pd.DataFrame) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
        if self.formula is not None:
            import patsy

            try:
                dm = patsy.dmatrix(self.formula, data, return_type="dataframe", NA_action="raise")
            except patsy.PatsyError as exc:
                raise DataContractError(f"propensity formula {self.formula!r} failed on the data: {exc}") from exc
            names = list(dm.columns)
            X = dm.to_numpy(dtype=float)
            used = tuple(sorted({c for c in data.columns if c in self.formula}))
            return X, names, used
        if not self.covariates:
            raise ConfigError("PropensityModel needs `covariates` or `formula`.")
        covs = list(self.covariates)
        linear = [c for c in covs if c not in set(self.splines)]
        frame = covariate_frame(data, linear, "propensity data") if linear else pd.DataFrame(index=data.index)
        # indicators of categories nobody has (unused levels of a Categorical) carry no information
        used_any = frame.to_numpy().any(axis=0)
        empty = [c for c, used in zip(frame.columns, used_any) if c not in linear and not used]
        if empty:
            frame = frame.drop(columns=empty)
        parts = [frame]
        if self.splines:
            from sklearn.preprocessing import SplineTransformer

            sp = covariate_frame(data, list(self.splines), "propensity data")
            for name in sp.columns:
                tr = SplineTransformer(n_knots=self.spline_knots, degree=3, knots="quantile", include_bias=False)
                basis = tr.fit_transform(sp[[name]].to_numpy())
                parts.append(pd.DataFrame(basis, index=data.index, columns=[f"{name}_bs{j}" for j in range(basis.shape[1])]))
        if len(parts) > 1:
            frame = pd.concat(parts, axis=1)
        names = ["Intercept", *frame.columns]
        X = np.column_stack([np.ones(len(frame)), frame.to_numpy(dtype=float)])
        return X, names, tuple(covs)

    def fit(self, data: pd.DataFrame, treatment: str) -> PropensityModel:
        """Fit the model; the result is in ``self.propensity_`` (a :class:`PropensityScore`)."""
        if self.penalty not in (None, "firth", "ridge"):
            raise ConfigError(f"penalty must be None, 'firth' or 'ridge', got {self.penalty!r}")
        if self.penalty is not None and self.estimator is not None:
            raise ConfigError("penalty applies to the logistic model; leave it out when passing `estimator`")
        t = treatment_array(data, treatment, "propensity data")
        X, names, used = self._design(data)
        y = t.astype(float)
        notes: list[str] = []
        design: np.ndarray | None = None
        aliased: tuple[str, ...] = ()
        converged = True
        gaps, gap_rows = level_gaps(data, t, used)
        separation = [g.sentence() for g in gaps]
        separated = gap_rows.copy()
        if self.estimator is None:
            al = find_aliased(X, names)
            if al.aliased:
                aliased = tuple(names[j] for j in al.aliased)
                notes.extend(al.descriptions)
            Xk = X[:, list(al.kept)]
            kept_names = [names[j] for j in al.kept]
            fit = fit_logistic(Xk, y, penalty=self.penalty, ridge_lambda=self.ridge_lambda, max_iter=self.max_iter)
            converged = fit.converged
            lin = fit.linear
            prob = expit(lin)
            if not converged:
                notes.append(f"logistic model did not converge in {fit.iterations} iterations; "
                             "its scores are not to be used")
                warnings.warn("propensity model did not converge", RuntimeWarning, stacklevel=2)
            concerned = [c for g in gaps for c in g.covariates]
            if Xk.shape[1] > 1 and suspects_separation(
                    fit if self.penalty is None else fit_logistic(Xk, y, max_iter=self.max_iter)):
                more, rows, cols = model_separation(data, t, used, Xk, kept_names, gap_rows, self.max_iter)
                separation.extend(more)
                separated |= rows
                concerned += cols
            if separation:
                head = ("Firth's penalty keeps the coefficients finite, but " if self.penalty == "firth" else "")
                names_c = list(dict.fromkeys(concerned))
                which = " and ".join(names_c) or "the covariates concerned"
                verb = "does" if len(names_c) == 1 else "do"
                notes.append(
                    f"{head}the covariates decide the group of {int(separated.sum()):,} people, who have nobody "
                    "comparable in the other group: " + "; ".join(separation)
                    + f". Leave these people out of the comparison (common_support) and say so, or leave {which} "
                    f"out of the covariates if {'it' if verb == 'does' else 'they'} {verb} not confound the comparison")
            model: Any = pd.Series(fit.coef, index=kept_names, name="coef")
            if self.penalty is None:
                method = "logistic"
                design = Xk
            elif self.penalty == "firth":
                method = "logistic (Firth)"
            else:
                method = f"logistic (ridge, lambda={self.ridge_lambda:g})"
            score = prob
        else:
            est = self.estimator
            est.fit(X[:, 1:] if names[0] == "Intercept" else X, t)
            score = est.predict_proba(X[:, 1:] if names[0] == "Intercept" else X)[:, 1]
            model = est
            method = type(est).__name__
            if separation:
                notes.append("the covariates decide the group of " f"{int(separated.sum()):,} people: "
                             + "; ".join(separation))
        clipped = (score < CLIP) | (score > 1 - CLIP)
        if clipped.any():
            notes.append(
                f"{int(clipped.sum()):,} scores were beyond [1e-8, 1 - 1e-8] and were clipped to it "
                f"({int((clipped & (t == 1)).sum()):,} in the alternative group, "
                f"{int((clipped & (t == 0)).sum()):,} in the custody group): those people have nobody "
                "comparable in the other group, and their scores are bounds, not estimates")
            score = np.clip(score, CLIP, 1 - CLIP)
        lin = np.log(score) - np.log1p(-score)
        idx = data.index
        self.propensity_ = PropensityScore(
            score=pd.Series(score, index=idx, name="propensity"),
            linear=pd.Series(lin, index=idx, name="propensity_logit"),
            treatment=pd.Series(t, index=idx, name=treatment),
            covariates=used,
            method=method,
            model=model,
            design=design,
            notes=tuple(notes),
            aliased=aliased,
            separation=tuple(separation),
            converged=bool(converged),
            clipped=pd.Series(clipped, index=idx, name="clipped"),
            separated=pd.Series(separated, index=idx, name="separated"),
            penalty=self.penalty,
        )
        return self


def estimate_propensity(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str] | None = None,
    *,
    penalty: Literal["firth", "ridge"] | None = None,
    **kwargs: Any,
) -> PropensityScore:
    """Estimate propensity scores; shorthand for ``PropensityModel(covariates, **kwargs).fit(...)``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    treatment : str
        0/1 column (1 = alternative measure, 0 = custody).
    covariates : sequence of str, optional
        Covariate columns (or pass ``formula=``).
    penalty : {None, "firth", "ridge"}
        Maximum likelihood (default), Firth's bias-reduced fit or ridge; see :class:`PropensityModel`.
    **kwargs
        Further arguments of :class:`PropensityModel`.

    Returns
    -------
    PropensityScore
        Scores with their diagnostics (``aliased``, ``separation``, ``converged``, ``clipped``).

    Examples
    --------
    >>> ps = estimate_propensity(cohort, "treatment", ["age", "sex", "prior_proven"])  # doctest: +SKIP
    >>> ps.aliased, ps.separation  # doctest: +SKIP
    """
    return PropensityModel(covariates, penalty=penalty, **kwargs).fit(data, treatment).propensity_
