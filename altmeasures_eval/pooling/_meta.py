"""Random-effects meta-analysis of one indicator across countries, or across years of one country."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.pooling._tau2 import METHODS, estimate_tau2

__all__ = ["POOLED_KEYS", "PooledEffect", "heterogeneity_in_words", "random_effects"]


#: The pooled quantities of a random-effects result, in the order of ``to_dict`` and of
#: ``unodc_pooled.csv`` (whose header is written from it even when nothing could be pooled).
POOLED_KEYS = ("estimate", "se", "ci_low", "ci_high", "p_value", "tau2", "i2", "h2", "q", "q_df", "q_pvalue",
               "pi_low", "pi_high", "fixed_estimate", "fixed_se", "method", "hksj", "level", "k")

@dataclass(frozen=True)
class PooledEffect:
    """The result of a random-effects meta-analysis.

    Attributes
    ----------
    summary : pandas.DataFrame
        Tidy: one row per study (``label``, ``estimate``, ``se``, ``ci_low``, ``ci_high``,
        ``weight`` = share of the random-effects weight) and a last row ``label = "pooled"`` with the
        pooled estimate, its standard error and interval (``weight`` 1).
    estimate, se, ci_low, ci_high, p_value : float
        Pooled (random-effects) estimate, its standard error (HKSJ-scaled when ``hksj``), the
        interval at ``level`` and the two-sided p-value of estimate = 0.
    tau2 : float
        Between-study variance, by ``method``.
    i2 : float
        I^2 in percent: ``100 * tau2 / (tau2 + s2)`` with ``s2`` the typical within-study variance
        (Higgins & Thompson 2002; as R metafor). Equals ``(Q - df) / Q`` for DerSimonian-Laird.
    h2 : float
        ``(tau2 + s2) / s2``.
    q, q_df, q_pvalue : float, int, float
        Cochran's Q test of homogeneity (chi-square with k - 1 degrees of freedom).
    pi_low, pi_high : float
        Prediction interval for the effect in a new country (or year): ``estimate +/- crit *
        sqrt(tau2 + se^2)``, with the normal quantile, or Student's t with k - 1 degrees of freedom
        under HKSJ (as R metafor 3.8 ``predict.rma``).
    fixed_estimate, fixed_se : float
        The common-effect (inverse-variance) estimate and standard error, for comparison.
    method : str
        ``"DL"``, ``"REML"`` or ``"PM"``.
    hksj : bool
        Whether the Hartung-Knapp-Sidik-Jonkman interval was used.
    level : float
    k : int
        Number of studies (countries or years).
    notes : tuple of str
        Caveats in words (few studies, heterogeneity, HKSJ narrower than the normal interval ...).
    """

    summary: pd.DataFrame
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_pvalue: float
    pi_low: float
    pi_high: float
    fixed_estimate: float
    fixed_se: float
    method: str
    hksj: bool
    level: float
    k: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tau(self) -> float:
        """Between-study standard deviation."""
        return float(np.sqrt(self.tau2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready pooled quantities (no study rows)."""
        return {k: getattr(self, k) for k in POOLED_KEYS} | {"notes": list(self.notes)}

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False) + "".join(f"<p>{n}</p>" for n in self.notes)


def _as_array(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(arr)):
        bad = [i for i, x in enumerate(arr) if not np.isfinite(x)]
        raise AltMeasuresError(f"random_effects: {name} must be finite numbers; not at positions {bad}")
    return arr


def random_effects(
    estimates: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray | None = None,
    *,
    variances: Sequence[float] | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    method: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
) -> PooledEffect:
    """Pool one effect across countries or years with a random-effects model.

    Model: ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau2)`` (the true effect differs between
    countries) and ``e_i ~ N(0, v_i)`` (sampling error, ``v_i`` known). ``mu`` is estimated by
    inverse-variance weighting with weights ``1 / (v_i + tau2)``.

    Parameters
    ----------
    estimates : array-like of float
        One estimate per country (or year), on a scale where it is roughly normal (a risk
        difference, a log risk ratio ...).
    se : array-like of float, optional
        Their standard errors; give ``se`` or ``variances``.
    variances : array-like of float, optional
        Their sampling variances.
    labels : sequence of str, optional
        Names of the studies (country codes, years); default ``"1"``, ``"2"``, ...
    method : {"REML", "DL", "PM"}, default "REML"
        Estimator of tau^2: restricted maximum likelihood (Viechtbauer 2005), DerSimonian & Laird
        (1986) moments, or Paule & Mandel (1982).
    hksj : bool, default False
        Hartung-Knapp-Sidik-Jonkman interval and test: the variance of the pooled estimate is
        scaled by the weighted residual variance and Student's t with k - 1 degrees of freedom is
        used (IntHout et al. 2014 recommend it when k is small).
    level : float, default 0.95
        Confidence level of every interval.

    Returns
    -------
    PooledEffect

    Raises
    ------
    AltMeasuresError
        Fewer than two studies, non-finite or non-positive variances, or an unknown method.

    Notes
    -----
    Cochran's Q and the common-effect estimate come from
    :func:`statsmodels.stats.meta_analysis.combine_effects`; tau^2 is estimated here because
    statsmodels offers no REML, leaves the DerSimonian-Laird tau^2 untruncated (negative when
    Q < k - 1) and iterates Paule-Mandel only to 1e-5. Every quantity equals R
    ``metafor::rma(yi, vi, method=, test="z" | "knha")`` (``tests/pooling/reference/``).

    References
    ----------
    DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical Trials 7:177-188.
    Paule RC, Mandel J (1982). Consensus values and weighting factors. J Res Natl Bur Stand 87:377-385.
    Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
    random-effects model. J Educ Behav Stat 30:261-293.
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw 36(3).
    Hartung J, Knapp G (2001). A refined method for the meta-analysis of controlled clinical trials
    with binary outcome. Stat Med 20:3875-3889. Sidik K, Jonkman JN (2002). Stat Med 21:3153-3159.
    Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis. Stat Med 21:1539-1558.
    IntHout J, Ioannidis JPA, Borm GF (2014). BMC Med Res Methodol 14:25.

    Examples
    --------
    >>> from altmeasures_eval.pooling import random_effects
    >>> res = random_effects([-0.06, -0.02, 0.00, -0.09], se=[0.018, 0.015, 0.022, 0.025],
    ...                      labels=["AAA", "BBB", "CCC", "DDD"], method="REML")
    >>> round(res.estimate, 3), res.k
    (-0.041, 4)
    """
    method = str(method).upper()
    if method not in METHODS:
        raise AltMeasuresError(f"random_effects: method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 < level < 1:
        raise AltMeasuresError(f"random_effects: level must be between 0 and 1, got {level!r}")
    y = _as_array("estimates", estimates)
    if (se is None) == (variances is None):
        raise AltMeasuresError("random_effects: give either se or variances (one of them)")
    v = _as_array("se", se) ** 2 if se is not None else _as_array("variances", variances)
    if len(v) != len(y):
        raise AltMeasuresError(f"random_effects: {len(y)} estimates but {len(v)} standard errors/variances")
    if np.any(v <= 0):
        raise AltMeasuresError("random_effects: every standard error must be positive "
                               f"(positions {list(np.flatnonzero(v <= 0))}); an estimate without sampling "
                               "error cannot be weighted")
    k = len(y)
    if k < 2:
        raise AltMeasuresError(f"random_effects: pooling needs at least two countries or years, got {k}")
    names = [str(x) for x in labels] if labels is not None else [str(i + 1) for i in range(k)]
    if len(names) != k:
        raise AltMeasuresError(f"random_effects: {k} estimates but {len(names)} labels")

    with np.errstate(invalid="ignore"):  # statsmodels' untruncated DL tau^2 may be negative; unused here
        fixed = combine_effects(y, v, method_re="chi2")
    q, df = float(fixed.q), k - 1
    tau2 = estimate_tau2(y, v, method)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    if hksj:
        se_mu = float(np.sqrt(np.sum(w * (y - mu) ** 2) / (df * np.sum(w))))
        crit = float(stats.t.ppf(0.5 + level / 2, df))
        p = float(2 * stats.t.sf(abs(mu / se_mu), df)) if se_mu > 0 else float("nan")
    else:
        se_mu = float(np.sqrt(1.0 / np.sum(w)))
        crit = float(stats.norm.ppf(0.5 + level / 2))
        p = float(2 * stats.norm.sf(abs(mu / se_mu)))
    w0 = 1.0 / v
    s2 = df * w0.sum() / (w0.sum() ** 2 - np.sum(w0**2))
    i2 = 100 * tau2 / (tau2 + s2)
    pred = crit * np.sqrt(tau2 + se_mu**2)
    z = float(stats.norm.ppf(0.5 + level / 2))
    sd = np.sqrt(v)
    rows = pd.DataFrame({"label": names, "estimate": y, "se": sd, "ci_low": y - z * sd, "ci_high": y + z * sd,
                         "weight": w / w.sum()})
    pooled = pd.DataFrame({"label": ["pooled"], "estimate": [mu], "se": [se_mu], "ci_low": [mu - crit * se_mu],
                           "ci_high": [mu + crit * se_mu], "weight": [1.0]})
    notes = []
    if k < 5:
        notes.append(f"Only {k} estimates: the between-study variance \u03c4\u00b2 and the prediction interval are very "
                     "imprecise" + ("." if hksj else "; the Hartung-Knapp-Sidik-Jonkman interval (hksj=True, "
                                    "unodc-summary --hksj) is safer with so few."))
    if hksj and crit * se_mu < float(stats.norm.ppf(0.5 + level / 2)) * np.sqrt(1.0 / np.sum(w)):
        notes.append("The HKSJ interval is narrower than the usual one (the estimates agree more than their "
                     "standard errors suggest); it may be too narrow (Jackson et al. 2017).")
    return PooledEffect(
        summary=pd.concat([rows, pooled], ignore_index=True), estimate=mu, se=se_mu, ci_low=mu - crit * se_mu,
        ci_high=mu + crit * se_mu, p_value=p, tau2=float(tau2), i2=float(i2), h2=float((tau2 + s2) / s2), q=q,
        q_df=df, q_pvalue=float(stats.chi2.sf(q, df)), pi_low=float(mu - pred), pi_high=float(mu + pred),
        fixed_estimate=float(fixed.mean_effect_fe), fixed_se=float(np.sqrt(fixed.var_eff_w_fe)), method=method,
        hksj=bool(hksj), level=float(level), k=k, notes=tuple(notes))


def heterogeneity_in_words(result: PooledEffect, scale: float = 100.0, unit: str = "percentage points") -> str:
    """One plain sentence on how much the effect differs between the pooled countries or years.

    Thresholds for I^2 follow the Cochrane Handbook (section 10.10.2: 0-40% might not be important,
    30-60% moderate, 50-90% substantial, 75-100% considerable); the between-study standard
    deviation and the prediction interval are given in ``unit`` (values multiplied by ``scale``).

    Parameters
    ----------
    result : PooledEffect
    scale : float, default 100
        Multiplier from the estimate's scale to ``unit`` (100: proportions to percentage points).
    unit : str
        Unit in words.

    Returns
    -------
    str
    """
    i2 = result.i2
    degree = ("little or no" if i2 < 30 else "moderate" if i2 < 60 else "substantial" if i2 < 75
              else "considerable")
    q = (f"the test of equal effects gives p = {result.q_pvalue:.2g}" if result.q_pvalue >= 0.001
         else "the test of equal effects gives p < 0.001")
    return (f"There is {degree} heterogeneity between the {result.k} estimates (I\u00b2 = {i2:.0f}%; {q}): "
            f"the true effect is estimated to vary with a standard deviation of {scale * result.tau:.1f} {unit}, "
            f"so that in a further country or year it would lie between {scale * result.pi_low:+.1f} and "
            f"{scale * result.pi_high:+.1f} {unit} ({100 * result.level:.0f}% prediction interval).")
