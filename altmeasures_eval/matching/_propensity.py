"""Propensity scores: P(treatment = 1 | covariates), by logistic regression or any classifier."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching._design import covariate_frame, treatment_array

__all__ = ["PropensityScore", "PropensityModel", "estimate_propensity", "common_support"]

_EPS = 1e-12


@dataclass(frozen=True)
class PropensityScore:
    """A fitted propensity score.

    Attributes
    ----------
    score : pandas.Series
        Estimated P(treatment = 1 | X) for every row, indexed like the input data.
    linear : pandas.Series
        The logit of ``score`` (the linear predictor of a logistic model): the default matching distance.
    treatment : pandas.Series
        The 0/1 treatment (int8).
    covariates : tuple of str
        Covariates the model used.
    method : str
        ``"logistic"`` or the class name of the scikit-learn classifier.
    model : object
        The fitted model (coefficients as a Series for the logistic model, else the classifier).
    design : numpy.ndarray or None
        Design matrix of the logistic model (with intercept column), kept so that weighting
        variances can account for the estimated score (M-estimation sandwich). ``None`` otherwise.
    notes : tuple of str
        Caveats (convergence, separation, clipping).
    """

    score: pd.Series
    linear: pd.Series
    treatment: pd.Series
    covariates: tuple[str, ...]
    method: str
    model: Any
    design: np.ndarray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    def common_support(self, discard: Literal["both", "treated", "control", "none"] = "both") -> pd.Series:
        """Rows inside the region of common support; see :func:`common_support`."""
        return common_support(self.score, self.treatment, discard)

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


def common_support(
    score: pd.Series, treatment: pd.Series, discard: Literal["both", "treated", "control", "none"] = "both"
) -> pd.Series:
    """Flag rows inside the region of common support of the propensity score.

    The support of a group is the closed interval [min, max] of its scores (MatchIt's ``discard``
    rule). ``"both"`` keeps rows inside the intersection of both groups' supports, ``"treated"``
    drops treated rows outside the control support, ``"control"`` drops control rows outside the
    treated support and ``"none"`` keeps everything.

    Returns
    -------
    pandas.Series of bool
        True for rows kept.
    """
    s = np.asarray(score, dtype=float)
    t = np.asarray(treatment)
    lo1, hi1 = s[t == 1].min(), s[t == 1].max()
    lo0, hi0 = s[t == 0].min(), s[t == 0].max()
    keep = np.ones(len(s), dtype=bool)
    if discard in ("both", "treated"):
        keep &= ~((t == 1) & ((s < lo0) | (s > hi0)))
    if discard in ("both", "control"):
        keep &= ~((t == 0) & ((s < lo1) | (s > hi1)))
    if discard not in ("both", "treated", "control", "none"):
        raise ConfigError(f"discard must be 'both', 'treated', 'control' or 'none', got {discard!r}")
    return pd.Series(keep, index=getattr(score, "index", None), name="in_support")


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
        p = np.clip(1.0 / (1.0 + np.exp(-(X @ beta))), _EPS, 1 - _EPS)
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
        default: unpenalised maximum-likelihood logistic regression.
    splines : sequence of str
        Numeric covariates to expand in natural-shape cubic B-splines (scikit-learn
        ``SplineTransformer``, ``spline_knots`` knots at quantiles).
    spline_knots : int
        Number of knots for ``splines``.
    max_iter : int
        Newton iterations for the logistic model.

    Notes
    -----
    The score estimates e(X) = P(T = 1 | X). Its use for adjustment assumes no unmeasured
    confounding given X and overlap (0 < e(X) < 1).
    """

    def __init__(
        self,
        covariates: Sequence[str] | None = None,
        *,
        formula: str | None = None,
        estimator: Any | None = None,
        splines: Sequence[str] = (),
        spline_knots: int = 4,
        max_iter: int = 50,
    ) -> None:
        self.covariates = covariates
        self.formula = formula
        self.estimator = estimator
        self.splines = splines
        self.spline_knots = spline_knots
        self.max_iter = max_iter

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
        parts = [frame]
        if self.splines:
            from sklearn.preprocessing import SplineTransformer

            sp = covariate_frame(data, list(self.splines), "propensity data")
            for name in sp.columns:
                tr = SplineTransformer(n_knots=self.spline_knots, degree=3, knots="quantile", include_bias=False)
                basis = tr.fit_transform(sp[[name]].to_numpy())
                parts.append(pd.DataFrame(basis, index=data.index, columns=[f"{name}_bs{j}" for j in range(basis.shape[1])]))
        frame = pd.concat(parts, axis=1)
        X = frame.to_numpy(dtype=float)
        # drop constant columns (e.g. a level absent from this sample), then add the intercept
        keep = X.std(axis=0) > 0
        names = ["Intercept", *[c for c, k in zip(frame.columns, keep) if k]]
        X = np.column_stack([np.ones(len(X)), X[:, keep]])
        return X, names, tuple(covs)

    def fit(self, data: pd.DataFrame, treatment: str) -> PropensityModel:
        """Fit the model; the result is in ``self.propensity_`` (a :class:`PropensityScore`)."""
        t = treatment_array(data, treatment, "propensity data")
        X, names, used = self._design(data)
        notes: list[str] = []
        design: np.ndarray | None = None
        if self.estimator is None:
            # Newton on standardised columns for numerical stability, then back-transform
            mu = X[:, 1:].mean(axis=0)
            sd = X[:, 1:].std(axis=0)
            sd[sd == 0] = 1.0
            Z = np.column_stack([np.ones(len(X)), (X[:, 1:] - mu) / sd]) if X.shape[1] > 1 else X
            gamma, ok = _logistic_newton(Z, t.astype(float), self.max_iter)
            if not ok:
                notes.append("logistic model did not converge (possible separation); scores near 0 or 1")
                warnings.warn("propensity model did not converge (possible separation)", RuntimeWarning, stacklevel=2)
            beta = gamma.copy()
            if X.shape[1] > 1:
                beta[1:] = gamma[1:] / sd
                beta[0] = gamma[0] - np.sum(gamma[1:] * mu / sd)
            lin = Z @ gamma
            score = 1.0 / (1.0 + np.exp(-lin))
            model: Any = pd.Series(beta, index=names, name="coef")
            method = "logistic"
            design = X
        else:
            est = self.estimator
            est.fit(X[:, 1:] if names[0] == "Intercept" else X, t)
            score = est.predict_proba(X[:, 1:] if names[0] == "Intercept" else X)[:, 1]
            model = est
            method = type(est).__name__
        clipped = (score < 1e-8) | (score > 1 - 1e-8)
        if clipped.any():
            notes.append(f"{int(clipped.sum())} scores clipped to [1e-8, 1 - 1e-8]")
            score = np.clip(score, 1e-8, 1 - 1e-8)
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
        )
        return self


def estimate_propensity(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str] | None = None,
    **kwargs: Any,
) -> PropensityScore:
    """Estimate propensity scores; shorthand for ``PropensityModel(covariates, **kwargs).fit(...)``.

    Examples
    --------
    >>> ps = estimate_propensity(cohort, "treatment", ["age", "sex", "prior_proven"])  # doctest: +SKIP
    >>> ps.support_table()  # doctest: +SKIP
    """
    return PropensityModel(covariates, **kwargs).fit(data, treatment).propensity_
