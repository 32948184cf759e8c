"""Sensitivity to unmeasured confounding: E-values and Rosenbaum bounds for matched pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching import MatchResult
from altmeasures_eval.matching._design import numeric_column

__all__ = ["evalue", "EValue", "rosenbaum_bounds", "RosenbaumResult"]


@dataclass(frozen=True)
class EValue:
    """E-value of a ratio estimate and of the CI limit closest to the null (VanderWeele & Ding 2017).

    ``point``: the minimum strength of association, on the risk-ratio scale, that an unmeasured
    confounder would need with both treatment and outcome, above and beyond the measured
    covariates, to fully explain away the estimate; ``ci``: the same for the confidence limit
    (1 when the CI already includes the null).
    """

    point: float
    ci: float
    rr: float
    measure: str
    note: str


def _e(rr: float) -> float:
    rr = 1.0 / rr if rr < 1 else rr
    return float(rr + np.sqrt(rr * (rr - 1.0)))


def _to_rr(x: float, measure: str, rare: bool) -> float:
    if measure == "rr" or (measure in ("hr", "or") and rare):
        return x
    if measure == "hr":  # common outcome: VanderWeele (2017) square-root transformation
        return float((1 - 0.5 ** np.sqrt(x)) / (1 - 0.5 ** np.sqrt(1 / x)))
    if measure == "or":
        return float(np.sqrt(x))
    raise ConfigError(f"measure must be 'rr', 'hr' or 'or', got {measure!r}")


def evalue(
    estimate: float,
    ci_low: float | None = None,
    ci_high: float | None = None,
    *,
    measure: Literal["rr", "hr", "or"] = "rr",
    rare: bool = True,
) -> EValue:
    """E-value for a risk ratio, hazard ratio or odds ratio.

    E = RR + sqrt(RR (RR - 1)) for RR >= 1 (use 1/RR below 1). Hazard and odds ratios are used as
    risk ratios when the outcome is rare (< 15% by the end of follow-up); otherwise HR is converted
    with RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) and OR with sqrt(OR).

    References
    ----------
    VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research: introducing the
    E-value. Annals of Internal Medicine 167(4):268-274. VanderWeele TJ (2017). On a square-root
    transformation of the odds ratio for a common outcome. Epidemiology 28(6):e58-e60.
    """
    if not (estimate > 0 and np.isfinite(estimate)):
        raise ConfigError(f"E-value needs a positive ratio estimate, got {estimate!r}")
    rr = _to_rr(estimate, measure, rare)
    point = _e(rr)
    ci = np.nan
    if ci_low is not None and ci_high is not None:
        lo, hi = _to_rr(ci_low, measure, rare), _to_rr(ci_high, measure, rare)
        if lo <= 1 <= hi:
            ci = 1.0
        else:
            ci = _e(lo if rr > 1 else hi)
    note = f"{measure.upper()} treated as RR (rare outcome)" if measure != "rr" and rare else (
        f"{measure.upper()} converted to RR (common outcome)" if measure != "rr" else "")
    return EValue(point=point, ci=float(ci), rr=rr, measure=measure, note=note)


@dataclass(frozen=True)
class RosenbaumResult:
    """Rosenbaum bounds for a matched-pairs binary outcome (McNemar sign test).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per Gamma: ``p_upper`` and ``p_lower`` bounds of the one-sided p-value.
    discordant : dict
        ``treated_only`` (pairs where only the treated unit had the event) and ``control_only``.
    gamma_critical : float
        Smallest Gamma on the grid at which ``p_upper`` exceeds ``alpha`` (NaN if none).
    alternative : str
    """

    table: pd.DataFrame
    discordant: dict[str, int]
    gamma_critical: float
    alternative: str
    alpha: float


def rosenbaum_bounds(
    data: pd.DataFrame,
    outcome: str,
    match: MatchResult,
    *,
    gammas: Sequence[float] = (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.75, 2.0, 2.5, 3.0),
    alternative: Literal["less", "greater"] = "less",
    alpha: float = 0.05,
) -> RosenbaumResult:
    """Bounds on the McNemar p-value under hidden bias Gamma for 1:1 matched pairs, binary outcome.

    Among D discordant pairs, under no effect and hidden bias at most Gamma (the odds of treatment
    of two matched units differ by at most a factor Gamma), the number of pairs in which the treated
    unit had the event lies between Binomial(D, 1/(1+Gamma)) and Binomial(D, Gamma/(1+Gamma)).
    ``alternative="less"`` tests whether the alternative measure *reduces* the outcome (the
    statistic is the count of pairs where only the control, custody, unit had the event).

    References
    ----------
    Rosenbaum PR (2002). Observational Studies, 2nd ed., Springer, section 4.3.2.
    """
    if match.replace or match.settings["ratio"] != 1:
        raise ConfigError("Rosenbaum bounds here need 1:1 matching without replacement")
    y = numeric_column(data, outcome, "outcome data", allow_nan=True)
    ok = np.isfinite(y)
    if not np.isin(y[ok], (0.0, 1.0)).all():
        raise DataContractError(f"outcome {outcome!r} must be binary (0/1) for Rosenbaum bounds")
    sub = match.subclass.to_numpy(dtype=float, na_value=np.nan)
    t = match.treatment.to_numpy()
    frame = pd.DataFrame({"s": sub, "t": t, "y": y})
    frame = frame[np.isfinite(frame["s"])]
    wide = frame.pivot_table(index="s", columns="t", values="y", aggfunc="first").dropna()
    yt, yc = wide[1].to_numpy(), wide[0].to_numpy()
    a = int(((yt == 1) & (yc == 0)).sum())
    b = int(((yt == 0) & (yc == 1)).sum())
    d = a + b
    stat = b if alternative == "less" else a
    rows = []
    for g in gammas:
        if g < 1:
            raise ConfigError(f"Gamma must be >= 1, got {g}")
        p_hi, p_lo = g / (1 + g), 1 / (1 + g)
        rows.append({"gamma": float(g),
                     "p_upper": float(stats.binom.sf(stat - 1, d, p_hi)) if d else 1.0,
                     "p_lower": float(stats.binom.sf(stat - 1, d, p_lo)) if d else 1.0})
    table = pd.DataFrame(rows)
    crossing = table.loc[table["p_upper"] > alpha, "gamma"]
    crit = float(crossing.iloc[0]) if len(crossing) else np.nan
    return RosenbaumResult(table=table, discordant={"treated_only": a, "control_only": b},
                           gamma_critical=crit, alternative=alternative, alpha=alpha)
