"""Vectorised Kaplan-Meier building blocks: the weighted risk table and influence functions.

Notation (one sample, unique observed times :math:`t_j`): :math:`Y_j` weighted number at risk,
:math:`D_j` weighted events, :math:`h_j = D_j / Y_j`, :math:`S(t) = \\prod_{t_j \\le t}(1 - h_j)`.
The influence (infinitesimal-jackknife) contribution of row *i* with weight :math:`w_i` to
:math:`\\log S(t)` is

.. math:: -\\sum_{t_j \\le t} g_{ij}, \\qquad g_{ij} = w_i \\frac{dN_i(t_j) - Y_i(t_j) h_j}{Y_j - D_j},

the derivative of :math:`\\log S(t)` with respect to :math:`w_i`. Summed by cluster and squared it gives
the robust variance of R's ``survfit(..., robust=TRUE, cluster=)`` (Xie and Liu 2005 for weights).
All sums are cumulative sums over sorted times: O(n log n), no per-person loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RiskTable:
    """Weighted risk table of one sample, plus the per-row data needed for influence functions."""

    time: np.ndarray  # unique observed times, ascending (m,)
    n_at_risk: np.ndarray  # unweighted number at risk at time[j]
    n_events: np.ndarray
    n_censored: np.ndarray
    at_risk: np.ndarray  # weighted Y_j
    events: np.ndarray  # weighted D_j
    hazard: np.ndarray  # h_j
    survival: np.ndarray  # S(time[j])
    inv_surviving: np.ndarray  # u_j = 1 / (Y_j - D_j), 0 where nobody survives t_j
    idx: np.ndarray  # per row: index of its time in ``time``
    event: np.ndarray  # per row 0/1
    weight: np.ndarray  # per row


def risk_table(t: np.ndarray, d: np.ndarray, w: np.ndarray | None) -> RiskTable:
    """Build the risk table from durations ``t``, event indicators ``d`` and weights ``w``."""
    w = np.ones_like(t) if w is None else w
    time, idx = np.unique(t, return_inverse=True)
    m = time.size
    n_rows = np.bincount(idx, minlength=m)
    n_ev = np.bincount(idx, weights=d, minlength=m).round().astype(np.int64)
    n_at_risk = n_rows[::-1].cumsum()[::-1]
    at_risk = np.bincount(idx, weights=w, minlength=m)[::-1].cumsum()[::-1]
    events = np.bincount(idx, weights=w * d, minlength=m)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, events / at_risk, 0.0)
        surviving = at_risk - events
        # Relative tolerance: a last-time where everyone fails must give exactly zero survivors.
        alive = surviving > 1e-12 * np.maximum(at_risk, 1e-300)
        inv = np.where(alive, 1.0 / np.where(alive, surviving, 1.0), 0.0)
    hazard = np.where(alive, hazard, np.where(events > 0, 1.0, hazard))
    survival = np.cumprod(1.0 - hazard)
    return RiskTable(time, n_at_risk, n_ev, n_rows - n_ev, at_risk, events, hazard, survival, inv,
                     idx, d.astype(float), w.astype(float))


def step_index(time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the last ``time`` <= each ``at`` (-1 if none): evaluates right-continuous steps."""
    return np.searchsorted(time, at, side="right") - 1


def step_value(time: np.ndarray, values: np.ndarray, at: np.ndarray, before: float) -> np.ndarray:
    """Right-continuous step function ``values`` on ``time`` evaluated at ``at``; ``before`` prior to time[0]."""
    j = step_index(time, at)
    return np.where(j >= 0, values[np.maximum(j, 0)], before)


def greenwood_terms(rt: RiskTable) -> np.ndarray:
    """Greenwood increments :math:`D_j / (Y_j (Y_j - D_j))` (0 where nobody survives)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rt.inv_surviving > 0, rt.events / rt.at_risk * rt.inv_surviving, 0.0)


def linear_influence(rt: RiskTable, c: np.ndarray) -> np.ndarray:
    """Per-row influence :math:`-\\sum_j c_j g_{ij}` of a functional with coefficients ``c`` on times.

    With ``c_j = S(h) 1(t_j <= h)`` this is the influence of :math:`S(h)`; with
    ``c_j = \\int_{t_j}^{\\tau} S 1(t_j <= \\tau)`` that of the restricted mean survival time.
    """
    cu = c * rt.inv_surviving
    cum = np.cumsum(cu * rt.hazard)
    return -rt.weight * (rt.event * cu[rt.idx] - cum[rt.idx])


def cluster_variance(influence: np.ndarray, clusters: np.ndarray | None) -> float:
    """Sum over clusters of the squared summed influence (each row its own cluster if None)."""
    if clusters is None:
        return float(np.dot(influence, influence))
    s = np.bincount(clusters, weights=influence)
    return float(np.dot(s, s))


def robust_var_log_survival(rt: RiskTable, t: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """Robust (cluster) variance of :math:`\\log S(t_j)` at every time of the risk table.

    For cluster *c*, the influence on :math:`\\log S(t)` is :math:`-(a_c(t) - b_c(t) B(t))` with
    :math:`B(t) = \\sum_{t_j \\le t} h_j / (Y_j - D_j)`, :math:`a_c(t)` the sum over members that left
    by *t* of :math:`w_i (d_i u(T_i) - B(T_i))` and :math:`b_c(t)` the weight of members still at risk.
    The variance :math:`\\sum_c (a_c - b_c B)^2 = \\sum a^2 - 2B\\sum ab + B^2 \\sum b^2` only changes
    when a member leaves, so the three sums are cumulative sums of per-row changes.
    """
    m = rt.time.size
    B = np.cumsum(rt.hazard * rt.inv_surviving)
    w = rt.weight
    alpha = w * (rt.event * rt.inv_surviving[rt.idx] - B[rt.idx])
    if clusters is None:
        sa2 = np.cumsum(np.bincount(rt.idx, weights=alpha**2, minlength=m))
        sb2 = np.bincount(rt.idx, weights=w**2, minlength=m)[::-1].cumsum()[::-1]
        sb2 = np.r_[sb2[1:], 0.0]  # weight still at risk strictly after t_j
        return sa2 + B**2 * sb2
    order = np.lexsort((t, clusters))
    c, al, ww, ix = clusters[order], alpha[order], w[order], rt.idx[order]
    start = np.r_[True, c[1:] != c[:-1]]
    grp = np.cumsum(start) - 1
    cs_a = np.cumsum(al)
    a_after = cs_a - (cs_a - al)[start][grp]
    cs_w = np.cumsum(ww)
    total_w = np.bincount(grp, weights=ww)
    b_after = total_w[grp] - (cs_w - (cs_w - ww)[start][grp])
    a_before, b_before = a_after - al, b_after + ww
    sa2 = np.cumsum(np.bincount(ix, weights=a_after**2 - a_before**2, minlength=m))
    sab = np.cumsum(np.bincount(ix, weights=a_after * b_after - a_before * b_before, minlength=m))
    sb2 = np.dot(total_w, total_w) + np.cumsum(np.bincount(ix, weights=b_after**2 - b_before**2, minlength=m))
    return np.maximum(sa2 - 2 * B * sab + B**2 * sb2, 0.0)


def area_under(rt: RiskTable, tau: float) -> tuple[float, np.ndarray]:
    """Restricted mean :math:`\\int_0^\\tau S` and, per time, :math:`A_j = \\int_{t_j}^{\\tau} S` (0 after tau)."""
    knots = np.r_[0.0, np.minimum(rt.time, tau), tau]
    s_left = np.r_[1.0, rt.survival]  # S on [knot_k, knot_k+1)
    pieces = s_left * np.diff(knots)
    cum = np.cumsum(pieces)  # cum[k] = integral from 0 to knots[k+1]
    total = float(cum[-1])
    area_after = total - cum[:-1]  # integral from time[j] to tau
    return total, np.where(rt.time <= tau, area_after, 0.0)
