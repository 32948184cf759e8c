"""Log-rank test, optionally stratified (statsmodels ``survdiff``), with observed and expected counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

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
    weights: str | None = None,
    cluster: str | None = None,
    table: str = "data",
) -> LogRankResult:
    """Log-rank test that the hazard is the same in every group, optionally within strata.

    Unweighted: :math:`(O - E)^\\top V^{-1} (O - E)` on *G - 1* degrees of freedom, *O* and *E*
    observed and expected events per group, *V* hypergeometric (Mantel 1966); the stratified version
    sums O, E and V over strata (e.g. jurisdictions), comparing groups within strata only. Computed
    with statsmodels' ``survdiff``, equal to R ``survdiff``. Most powerful under proportional hazards.

    With ``weights`` or ``cluster``: the robust score test of the Cox model with group indicators at
    :math:`\\beta = 0` (Efron ties), :math:`U^\\top (D^\\top D)^{-1} U` with *U* the weighted score and
    *D* the cluster sums of weighted score residuals (Lin and Wei 1989) — the log-rank test for
    weighted (adjusted) and clustered data, R ``coxph(..., weights=, cluster=)$rscore``.

    References
    ----------
    Mantel N (1966). Cancer Chemother Rep 50:163-170. Lin DY, Wei LJ (1989). JASA 84:1074-1078.
    """
    from statsmodels.duration.survfunc import survdiff

    from altmeasures_eval.survival import _coxcore

    v.require_columns(data, [duration, event, group, strata, weights, cluster], table)
    t = v.duration_array(data, duration, table)
    d = v.event_array(data, event, table)
    w = v.weight_array(data, weights, table)
    cl = v.code_array(data, cluster, table)
    codes, labels = v.code_array(data, group, table)
    if labels.size < 2:
        raise DataContractError(f"table {table!r}, column {group!r}: only one group; the log-rank test needs two or more.")
    st = None if strata is None else v.code_array(data, strata, table)[0]
    ww = np.ones_like(t) if w is None else w
    robust = w is not None or cl is not None
    if robust:
        x = (codes[:, None] == np.arange(1, labels.size)[None, :]).astype(float)
        score = np.zeros_like(x)
        for s in np.unique(st) if st is not None else [None]:
            rows = np.arange(t.size) if s is None else np.flatnonzero(st == s)
            score[rows] = _coxcore.stratum_residuals(t[rows], d[rows], x[rows], ww[rows], np.zeros(x.shape[1])).score
        contrib = ww[:, None] * score
        u = contrib.sum(axis=0)
        if cl is not None:
            contrib = np.stack([np.bincount(cl[0], weights=contrib[:, q]) for q in range(contrib.shape[1])], axis=1)
        stat = float(u @ np.linalg.solve(contrib.T @ contrib, u))
        p = float(stats.chi2.sf(stat, labels.size - 1))
    else:
        stat, p = survdiff(t, d, codes, strata=st)
    # observed and expected (weighted) events per group: E_g = sum_j D_j Y_gj / Y_j within strata
    obs = np.bincount(codes, weights=ww * d, minlength=labels.size)
    exp = np.zeros(labels.size)
    for s in np.unique(st) if st is not None else [None]:
        rows = slice(None) if s is None else st == s
        tt, dd, gg, wr = t[rows], d[rows], codes[rows], ww[rows]
        time, idx = np.unique(tt, return_inverse=True)
        m = time.size
        y = np.bincount(idx, weights=wr, minlength=m)[::-1].cumsum()[::-1]
        dj = np.bincount(idx, weights=wr * dd, minlength=m)
        for g in range(labels.size):
            yg = np.bincount(idx[gg == g], weights=wr[gg == g], minlength=m)[::-1].cumsum()[::-1]
            exp[g] += np.sum(np.divide(dj * yg, y, out=np.zeros(m), where=y > 0))
    groups = pd.DataFrame({"group": labels, "n": np.bincount(codes, minlength=labels.size), "observed": obs,
                           "expected": exp})
    name = "robust score (log-rank type)" if robust else "log-rank"
    summary = pd.DataFrame({"test": [f"stratified {name}" if strata else name], "statistic": [float(stat)],
                            "df": [labels.size - 1], "p_value": [float(p)], "n": [t.size]})
    notes = [f"stratified by {strata!r}" if strata else "unstratified"]
    if w is not None:
        notes.append(f"weighted by {weights!r}: observed and expected are weighted counts.")
    variance = ("Lin-Wei robust variance of the score at beta = 0, "
                + (f"clusters of {cluster!r}" if cluster else "each row as its own cluster")) if robust \
        else "hypergeometric (Mantel)"
    return LogRankResult(summary=summary, variance=variance, notes=tuple(notes), groups=groups)
