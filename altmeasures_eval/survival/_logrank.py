"""Log-rank test, optionally stratified (statsmodels ``survdiff``), with observed and expected counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._results import SurvivalResult


@dataclass(frozen=True, repr=False)
class LogRankResult(SurvivalResult):
    """Log-rank test of equal hazards across groups.

    ``summary``: one row, ``test``, ``statistic`` (chi-square), ``df``, ``p_value``, ``n``.
    ``groups``: ``group``, ``n``, ``observed`` events, ``expected`` events under the null (summed
    over strata when stratified).
    """

    groups: pd.DataFrame

    _title = "Log-rank test"


def logrank_test(
    data: pd.DataFrame,
    duration: str,
    event: str,
    group: str = "treatment",
    *,
    strata: str | None = None,
    table: str = "data",
) -> LogRankResult:
    """Log-rank test that the hazard is the same in every group, optionally within strata.

    The statistic is :math:`(O - E)^\\top V^{-1} (O - E)` on *G - 1* degrees of freedom, *O* and *E*
    observed and expected events per group (Mantel 1966); the stratified version sums O, E and V over
    strata (e.g. jurisdictions), comparing groups within strata only. Most powerful under proportional
    hazards; unweighted (for weighted comparisons use :func:`risk_difference` or :func:`rmst`).
    Computed with statsmodels' ``survdiff``, equal to R ``survdiff``.

    References
    ----------
    Mantel N (1966). Cancer Chemother Rep 50:163-170. Peto R, Peto J (1972). JRSS A 135:185-207.
    """
    from statsmodels.duration.survfunc import survdiff

    v.require_columns(data, [duration, event, group, strata], table)
    t = v.duration_array(data, duration, table)
    d = v.event_array(data, event, table)
    codes, labels = v.code_array(data, group, table)
    if labels.size < 2:
        raise DataContractError(f"table {table!r}, column {group!r}: only one group; the log-rank test needs two or more.")
    st = None if strata is None else v.code_array(data, strata, table)[0]
    stat, p = survdiff(t, d, codes, strata=st)
    # observed and expected per group: E_g = sum_j d_j Y_gj / Y_j within strata
    obs = np.bincount(codes, weights=d, minlength=labels.size)
    exp = np.zeros(labels.size)
    for s in np.unique(st) if st is not None else [None]:
        rows = slice(None) if s is None else st == s
        tt, dd, gg = t[rows], d[rows], codes[rows]
        time, idx = np.unique(tt, return_inverse=True)
        m = time.size
        y = np.bincount(idx, minlength=m)[::-1].cumsum()[::-1]
        dj = np.bincount(idx, weights=dd, minlength=m)
        for g in range(labels.size):
            yg = np.bincount(idx[gg == g], minlength=m)[::-1].cumsum()[::-1]
            exp[g] += np.sum(dj * yg / y)
    groups = pd.DataFrame({"group": labels, "n": np.bincount(codes, minlength=labels.size), "observed": obs,
                           "expected": exp})
    summary = pd.DataFrame({"test": ["stratified log-rank" if strata else "log-rank"], "statistic": [float(stat)],
                            "df": [labels.size - 1], "p_value": [float(p)], "n": [t.size]})
    notes = (f"stratified by {strata!r}" if strata else "unstratified",)
    return LogRankResult(summary=summary, variance="hypergeometric (Mantel)", notes=notes, groups=groups)
