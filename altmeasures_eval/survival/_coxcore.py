"""Vectorised Cox-model residuals with tied times: score residuals, Schoenfeld residuals, sandwich.

For one stratum sorted by time, with risk scores :math:`r_i = \\exp(x_i^\\top\\beta)` and weights
:math:`w_i`, define at each unique event time *j* the risk-set sums :math:`S_0 = \\sum w r`,
:math:`S_1 = \\sum w r x` and the sums over the :math:`d_j` tied events :math:`E_0, E_1`. Efron's
approximation splits the tie into :math:`k = 0..d_j-1` steps with

.. math:: \\lambda_k = \\frac{\\bar w_j}{S_0 - \\tfrac{k}{d_j} E_0}, \\qquad
          \\bar x_k = \\frac{S_1 - \\tfrac{k}{d_j} E_1}{S_0 - \\tfrac{k}{d_j} E_0},

:math:`\\bar w_j` the mean event weight. The score residual of row *i* is
:math:`\\delta_i (x_i - \\tfrac1{d}\\sum_k \\bar x_k) - r_i \\sum_{j: t_j \\le T_i} \\sum_k c_{ik} \\lambda_k (x_i - \\bar x_k)`,
with :math:`c_{ik} = 1 - k/d_j` for an event of row *i* at :math:`t_j` and 1 otherwise (Breslow:
:math:`d_j` treated as one step). These are R ``residuals(coxph, 'score')`` (``coxscore2.c``). The
Lin-Wei sandwich is :math:`D^\\top D` with :math:`D` the cluster sums of :math:`w_i\\,U_i V` (R's
``dfbeta``). Everything is expanded over (time, step) pairs — at most the number of events — and
accumulated with cumulative sums; there is no loop over persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StratumResiduals:
    """Score residuals (rows in input order) and Schoenfeld residuals at event rows of one stratum."""

    score: np.ndarray  # (n, p)
    event_rows: np.ndarray  # indices (input order) of event rows
    schoenfeld: np.ndarray  # (n_events, p)
    event_times: np.ndarray  # unique event times (J,)
    information: np.ndarray | None  # (J, p, p): each event time's contribution to the information


def stratum_residuals(t: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, beta: np.ndarray,
                      ties: str = "efron", information: bool = False) -> StratumResiduals:
    r"""Score and Schoenfeld residuals of one stratum (see module docstring).

    With ``information``, also each event time's contribution
    :math:`\sum_k \bar w_j \{S_2^{(k)}/S_0^{(k)} - \bar x_k \bar x_k^\top\}` to the observed information
    (summed over times it is the information matrix; weighted by g(t) it gives the blocks of the
    proportional-hazards score test).
    """
    n, p = x.shape
    order = np.argsort(t, kind="stable")
    ts, ds, xs, ws = t[order], d[order].astype(float), x[order], w[order]
    lp = (xs - xs.mean(axis=0)) @ beta  # centring leaves residuals unchanged, avoids overflow
    r = np.exp(lp - lp.max())
    time, idx = np.unique(ts, return_inverse=True)
    m = time.size
    starts = np.searchsorted(idx, np.arange(m))
    wr = ws * r

    def by_time(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts, axis=0)

    s0 = by_time(wr)[::-1].cumsum()[::-1]
    s1 = by_time(wr[:, None] * xs)[::-1].cumsum(axis=0)[::-1]
    dwr = ds * wr
    e0 = by_time(dwr)
    e1 = by_time(dwr[:, None] * xs)
    nd = by_time(ds).round().astype(np.int64)
    wd = by_time(ds * ws)
    jt = np.flatnonzero(nd > 0)
    steps = nd[jt] if ties == "efron" else np.ones(jt.size, dtype=np.int64)
    rep = np.repeat(jt, steps)
    first = np.repeat(np.cumsum(steps) - steps, steps)
    k = np.arange(rep.size) - first
    frac = k / nd[rep] if ties == "efron" else np.zeros(rep.size)
    den = s0[rep] - frac * e0[rep]
    haz = (wd[rep] / steps[np.repeat(np.arange(jt.size), steps)]) / den
    xbar = (s1[rep] - frac[:, None] * e1[rep]) / den[:, None]
    bounds = np.cumsum(steps) - steps
    h1 = np.zeros(m)
    h2 = np.zeros(m)
    m1 = np.zeros((m, p))
    m2 = np.zeros((m, p))
    m3 = np.zeros((m, p))
    down = 1.0 - frac
    h1[jt] = np.add.reduceat(haz, bounds)
    h2[jt] = np.add.reduceat(down * haz, bounds)
    m1[jt] = np.add.reduceat(haz[:, None] * xbar, bounds, axis=0)
    m2[jt] = np.add.reduceat((down * haz)[:, None] * xbar, bounds, axis=0)
    m3[jt] = np.add.reduceat(xbar, bounds, axis=0) / steps[:, None]
    # cumulative hazard terms over event times strictly before each row's time, then the row's own time
    ch_before = np.cumsum(h1) - h1
    cm_before = np.cumsum(m1, axis=0) - m1
    own_h = np.where(ds > 0, h2[idx], h1[idx])
    own_m = np.where(ds[:, None] > 0, m2[idx], m1[idx])
    risk = r[:, None] * (xs * (ch_before[idx] + own_h)[:, None] - (cm_before[idx] + own_m))
    ev = ds[:, None] * (xs - m3[idx])
    score_sorted = ev - risk
    score = np.empty_like(score_sorted)
    score[order] = score_sorted
    ev_sorted = np.flatnonzero(ds > 0)
    info = None
    if information:
        meanwt = wd[rep] / steps[np.repeat(np.arange(jt.size), steps)]
        info = np.zeros((jt.size, p, p))
        for a in range(p):  # loop over covariate pairs only: p(p+1)/2 vectorised passes
            for b in range(a, p):
                xab = xs[:, a] * xs[:, b]
                s2 = by_time(wr * xab)[::-1].cumsum()[::-1]
                e2 = by_time(dwr * xab)
                val = np.add.reduceat(meanwt * ((s2[rep] - frac * e2[rep]) / den - xbar[:, a] * xbar[:, b]), bounds)
                info[:, a, b] = info[:, b, a] = val
    return StratumResiduals(score, order[ev_sorted], (xs - m3[idx])[ev_sorted], time[jt], info)


def sandwich(score: np.ndarray, w: np.ndarray, naive_var: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """Lin-Wei robust variance :math:`D^\\top D`, D = cluster sums of weighted dfbetas."""
    dfbeta = (w[:, None] * score) @ naive_var
    if clusters is not None:
        dfbeta = np.stack([np.bincount(clusters, weights=dfbeta[:, q]) for q in range(dfbeta.shape[1])], axis=1)
    return dfbeta.T @ dfbeta
