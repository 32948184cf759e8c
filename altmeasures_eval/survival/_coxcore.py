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

from collections.abc import Callable
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


def _efron_derivatives(ts: np.ndarray, es: np.ndarray, xs: np.ndarray, ws: np.ndarray, starts: np.ndarray,
                       beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Hessian, gradient and value of the weighted Efron log partial likelihood of one stratum.

    Rows sorted by time; ``starts`` the first row of each distinct time. The same quantities as
    lifelines' ``CoxPHFitter._get_efron_values_single`` (and R ``coxph``): with risk scores
    :math:`\\phi_i = w_i e^{x_i^\\top\\beta}`, at each event time the :math:`d` tied events are split
    into steps :math:`k = 0..d-1` with denominators :math:`S_0 - \\tfrac{k}{d} E_0`, each weighted by
    the mean event weight. Vectorised over (time, step) pairs: no loop over rows.
    """
    p = xs.shape[1]
    phi = ws * np.exp(xs @ beta)
    phx = phi[:, None] * xs
    phxx = phx[:, :, None] * xs[:, None, :]  # (n, p, p)

    def by_time(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, starts, axis=0)

    def at_risk(values: np.ndarray) -> np.ndarray:
        return by_time(values)[::-1].cumsum(axis=0)[::-1]

    s0, s1, s2 = at_risk(phi), at_risk(phx), at_risk(phxx)
    e0, e1, e2 = by_time(es * phi), by_time(es[:, None] * phx), by_time(es[:, None, None] * phxx)
    nd = by_time(es).round().astype(np.int64)
    wd = by_time(es * ws)
    xd = by_time((es * ws)[:, None] * xs)
    jt = np.flatnonzero(nd > 0)
    steps = nd[jt]
    rep = np.repeat(jt, steps)
    k = np.arange(rep.size) - np.repeat(np.cumsum(steps) - steps, steps)
    frac = k / nd[rep]
    den = s0[rep] - frac * e0[rep]
    mean_w = (wd / np.maximum(nd, 1))[rep]  # mean event weight of the tie
    xbar = (s1[rep] - frac[:, None] * e1[rep]) / den[:, None]
    a1 = (s2[rep] - frac[:, None, None] * e2[rep]) / den[:, None, None]
    a2 = xbar[:, :, None] * xbar[:, None, :]
    grad = xd[jt].sum(axis=0) - (mean_w[:, None] * xbar).sum(axis=0)
    hess = (mean_w[:, None, None] * (a2 - a1)).sum(axis=0).reshape(p, p)
    ll = float(xd[jt].sum(axis=0) @ beta - mean_w @ np.log(den))
    return hess, grad, ll


def _efron_by_strata(t: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, strata: np.ndarray | None
                     ) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, float]]:
    """The rows sorted by time once per stratum; returns beta -> (hessian, gradient, log likelihood)
    summed over strata."""
    n, p = x.shape
    codes = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata)
    parts = []
    for s in np.unique(codes):
        rows = np.flatnonzero(codes == s)
        order = rows[np.lexsort((d[rows], t[rows]))]
        ts = t[order]
        starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
        parts.append((ts, d[order].astype(float), x[order], w[order].astype(float), starts))

    def derivatives(beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        h, g, ll = np.zeros((p, p)), np.zeros(p), 0.0
        for ts, es, xs, ws, starts in parts:
            _h, _g, _ll = _efron_derivatives(ts, es, xs, ws, starts, beta)
            h, g, ll = h + _h, g + _g, ll + _ll
        return h, g, ll

    return derivatives


def efron_values(t: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, beta: np.ndarray,
                 strata: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Hessian, gradient and value of the weighted Efron log partial likelihood at ``beta``.

    Summed over ``strata`` (integer codes; None: one stratum). The observed information is minus
    the hessian.
    """
    return _efron_by_strata(t, d, np.asarray(x, dtype=float), w, strata)(np.asarray(beta, dtype=float))


def efron_fit(t: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, strata: np.ndarray | None = None,
              precision: float = 1e-10, r_precision: float = 1e-9, max_steps: int = 500
              ) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Maximum (weighted) Efron partial-likelihood fit of a Cox model, by lifelines' Newton-Raphson.

    The iterations of lifelines' ``CoxPHFitter`` (covariates standardised; step sizes of its
    ``StepSizer`` starting at 0.95; stop when the norm of the Newton step is below ``precision``, the
    relative change of the log likelihood below ``r_precision`` or the Newton decrement below
    ``precision``), with the derivatives of :func:`_efron_derivatives` computed over distinct times
    instead of a Python loop over rows. Strata have separate risk sets.

    Returns
    -------
    tuple or None
        Coefficients, model-based variance (inverse of the observed information), log partial
        likelihood at the estimate and at zero; ``None`` when the data are degenerate for this
        path (a constant covariate, a singular or non-finite information, no convergence), so that
        the caller can let lifelines fit and report the problem in its own words.
    """
    from scipy.linalg import solve

    n, p = x.shape
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1)
    if n < 2 or not np.all(np.isfinite(std)) or np.any(std == 0):
        return None
    derivatives = _efron_by_strata(t, d, (x - mean) / std, w, strata)
    beta = np.zeros(p)
    delta = np.zeros(p)
    step, temper, norms = 0.95, False, []
    previous_ll, ll_null = 0.0, None
    for i in range(1, max_steps + 1):
        beta = beta + step * delta
        h, g, ll = derivatives(beta)
        if ll_null is None:
            ll_null = ll
        try:  # a non-finite or singular information: ValueError, LinAlgError
            delta = solve(-h, g, assume_a="pos", check_finite=True)
        except (ValueError, np.linalg.LinAlgError):
            return None
        hessian = h
        norm_delta = float(np.linalg.norm(delta))
        decrement = g.dot(delta) / 2
        if (norm_delta < precision or (previous_ll != 0 and abs(ll - previous_ll) / (-previous_ll) < r_precision)
                or decrement < precision):
            break
        if step <= 0.00001 or (abs(ll) < 0.0001 and norm_delta > 1.0):
            return None
        previous_ll = ll
        # lifelines.utils.StepSizer
        norms.append(norm_delta)
        if temper:
            step = min(step * 1.3, 0.95)
        if norm_delta > 5.0:  # only small steps: x 0.1 from a step of 15 up, x 0.25 between 5 and 15
            step, temper = step * (0.1 if norm_delta >= 15.0 else 0.25), True
        if len(norms) >= 3:
            last = norms[-3:]
            if all(a > b for a, b in zip(last, last[1:])):  # strictly decreasing
                step = min(step * 1.3, 1.0)
            else:
                step *= 0.98
    else:
        return None
    if norm_delta > 0.1:  # converged by the likelihood while still stepping: a flat or unbounded likelihood
        return None
    var = -np.linalg.inv(hessian) / np.outer(std, std)
    return beta / std, var, ll, float(ll_null)
