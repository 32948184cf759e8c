"""Vectorised Kaplan-Meier building blocks: the weighted risk table and influence functions.

Notation (one sample, unique observed times :math:`t_j`): :math:`Y_j` weighted number at risk,
:math:`D_j` weighted events, :math:`h_j = D_j / Y_j`, :math:`S(t) = \\prod_{t_j \\le t}(1 - h_j)`.
The influence (infinitesimal-jackknife) contribution of row *i* with weight :math:`w_i` to
:math:`\\log S(t)` is

.. math:: -\\sum_{t_j \\le t} g_{ij}, \\qquad g_{ij} = w_i \\frac{dN_i(t_j) - Y_i(t_j) h_j}{Y_j - D_j},

the derivative of :math:`\\log S(t)` with respect to :math:`w_i`. Summed by cluster and squared it gives
the robust variance of R's ``survfit(..., robust=TRUE, cluster=)``.
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


def cluster_moments(t: np.ndarray, idx: np.ndarray, m: int, departed: np.ndarray, w: np.ndarray,
                    clusters: np.ndarray | None) -> np.ndarray:
    r"""Cumulative cross-products :math:`M(t_j) = \sum_c v_c(t_j) v_c(t_j)^\top` of cluster states.

    A row's influence on a curve at time *t* is linear in a few time-dependent coefficients: it
    contributes ``departed[i]`` (k values) once it has left the risk set (:math:`T_i \le t`) and
    ``w[i]`` to a last "still at risk" component before. A cluster's state :math:`v_c(t)` sums its
    members; the robust variance at *t* is then :math:`a(t)^\top M(t) a(t)` for the coefficient vector
    :math:`a(t)`. :math:`M` changes only when a member leaves, so it is a cumulative sum over times of
    per-row changes :math:`v_{after} v_{after}^\top - v_{before} v_{before}^\top`: O(n k^2), no loop.
    Returns an array (m, k+1, k+1) evaluated after all departures at each unique time.
    """
    n, k = departed.shape
    if clusters is None:  # one row per cluster: before = (0, w), after = (departed, 0)
        outer_after = departed[:, :, None] * departed[:, None, :]
        delta = np.zeros((n, k + 1, k + 1))
        delta[:, :k, :k] = outer_after
        delta[:, k, k] = -(w**2)
        start = np.zeros((k + 1, k + 1))
        start[k, k] = np.dot(w, w)
    else:
        order = np.lexsort((t, clusters))
        c, dep, ww, idx = clusters[order], departed[order], w[order], idx[order]
        first = np.r_[True, c[1:] != c[:-1]]
        grp = np.cumsum(first) - 1
        cs = np.cumsum(dep, axis=0)
        dep_after = cs - (cs - dep)[first][grp]
        cw = np.cumsum(ww)
        total = np.bincount(grp, weights=ww)
        w_after = total[grp] - (cw - (cw - ww)[first][grp])
        after = np.column_stack([dep_after, w_after])
        before = np.column_stack([dep_after - dep, w_after + ww])
        delta = after[:, :, None] * after[:, None, :] - before[:, :, None] * before[:, None, :]
        start = np.zeros((k + 1, k + 1))
        start[k, k] = np.dot(total, total)
    flat = delta.reshape(n, -1)
    per_time = np.stack([np.bincount(idx, weights=flat[:, q], minlength=m) for q in range(flat.shape[1])], axis=1)
    return start + np.cumsum(per_time, axis=0).reshape(m, k + 1, k + 1)


def quadratic_form(moments: np.ndarray, coef: np.ndarray) -> np.ndarray:
    r""":math:`a_j^\top M_j a_j` for each time *j* (coef: (m, k+1)); clipped at 0 against rounding."""
    return np.maximum(np.einsum("mi,mij,mj->m", coef, moments, coef), 0.0)


def robust_var_log_survival(rt: RiskTable, t: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    r"""Robust (cluster) variance of :math:`\log S(t_j)` at every time of the risk table.

    Row *i* influences :math:`\log S(t)` by :math:`-w_i (d_i u(T_i) - B(T_i))` once :math:`T_i \le t`
    and by :math:`w_i B(t)` while at risk, :math:`B(t) = \sum_{t_j \le t} h_j / (Y_j - D_j)`; the cluster
    sums are accumulated by :func:`cluster_moments`.
    """
    B = np.cumsum(rt.hazard * rt.inv_surviving)
    departed = (rt.weight * (rt.event * rt.inv_surviving[rt.idx] - B[rt.idx]))[:, None]
    mom = cluster_moments(t, rt.idx, rt.time.size, departed, rt.weight, clusters)
    return quadratic_form(mom, np.column_stack([np.ones_like(B), -B]))


def area_under(rt: RiskTable, tau: float) -> tuple[float, np.ndarray]:
    """Restricted mean :math:`\\int_0^\\tau S` and, per time, :math:`A_j = \\int_{t_j}^{\\tau} S` (0 after tau)."""
    knots = np.r_[0.0, np.minimum(rt.time, tau), tau]
    s_left = np.r_[1.0, rt.survival]  # S on [knot_k, knot_k+1)
    pieces = s_left * np.diff(knots)
    cum = np.cumsum(pieces)  # cum[k] = integral from 0 to knots[k+1]
    total = float(cum[-1])
    area_after = total - cum[:-1]  # integral from time[j] to tau
    return total, np.where(rt.time <= tau, area_after, 0.0)
