"""Abadie-Imbens (2006) variance for nearest-neighbour matching with replacement, and the
Abadie-Imbens (2016) adjustment for matching on an estimated logistic propensity score."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.matching import MatchResult, PropensityScore

__all__: list[str] = []  # private: reached through estimate_effect


def _within_group_variance(dist: np.ndarray, y: np.ndarray, group: np.ndarray, strata: np.ndarray,
                           need: np.ndarray, J: int) -> np.ndarray:
    """sigma^2(X_i) for rows in ``need``: the sample variance (ddof 1) of Y over unit i and its J
    nearest units (on the distance) of the same group and stratum (Abadie & Imbens 2006, eq. 14;
    with J = 1 it is (Y_i - Y_l)^2 / 2 as in their paper; for J > 1 the sample-variance form used by
    R's Matching::Match). NaN where the cell has fewer than J + 1 units."""
    from sklearn.neighbors import NearestNeighbors

    out = np.full(len(y), np.nan)
    keys = pd.Series(list(zip(group, strata)))
    for _, rows in keys.groupby(keys, sort=False).groups.items():
        rows = np.asarray(rows)
        want = rows[need[rows]]
        if len(want) == 0 or len(rows) < J + 1:
            continue
        nn = NearestNeighbors(n_neighbors=J + 1).fit(dist[rows, None])
        idx = nn.kneighbors(dist[want, None], return_distance=False)
        # drop the unit itself (it is its own nearest neighbour unless an exact duplicate comes first)
        nb = rows[idx]
        self_pos = (nb == want[:, None])
        keep_cols = np.where(self_pos.any(axis=1)[:, None], ~self_pos, np.arange(J + 1)[None, :] < J)
        neigh = nb[keep_cols].reshape(len(want), J)
        vals = np.column_stack([y[want], y[neigh]])
        out[want] = vals.var(axis=1, ddof=1)
    return out


def abadie_imbens_variance(data: pd.DataFrame, y: np.ndarray, match: MatchResult, scale: tuple[float, float] = (1.0, 1.0),
                           J: int = 1, propensity: PropensityScore | None = None,
                           L: int = 2, cache: dict[Any, np.ndarray] | None = None,
                           ) -> tuple[float, int, dict[str, Any] | None]:
    """Variance of the matching estimator of the focal-group effect (ATT or ATC), population version.

    V = (1/N_f^2) [ sum_focal (Y_i - Yhat_i - tau)^2 + sum_nonfocal (K_j^2 - Q_j) sigma^2(X_j) ], where
    Yhat_i is the mean outcome of focal unit i's k_i matches, K_j = sum over focal units using j of
    1/k_i (j's weight), Q_j = sum of 1/k_i^2 (with M matches each: K_M(K_M - 1)/M^2, Abadie, Drukker,
    Herr & Imbens 2004). ``scale`` divides treated and control outcomes (for the log ratio by the
    delta method, pass (mu_1, mu_0)).

    With ``propensity`` (the logistic :class:`PropensityScore` whose logit was the matching
    distance) the Abadie-Imbens (2016) adjustment for the estimated score is added
    (:func:`ps_estimation_adjustment`, L neighbours for the conditional covariances, the match
    ratio for the imputed effects); without it the score is treated as known.
    Returns (variance, number of matched focal units, adjustment pieces or None).
    """
    t = match.treatment.reindex(data.index).to_numpy()
    focal_value = 1 if match.estimand == "ATT" else 0
    pos = pd.Series(np.arange(len(data)), index=data.index)
    mm = match.match_matrix
    rows_f = pos.loc[mm.index].to_numpy()
    M = mm.shape[1]
    cols = np.full((len(mm), M), -1, dtype=np.int64)
    for j, c in enumerate(mm.columns):
        lab = mm[c]
        ok = lab.notna().to_numpy()
        cols[ok, j] = pos.loc[lab[ok].to_numpy()].to_numpy()
    k = (cols >= 0).sum(axis=1)
    has = k > 0
    rows_f, cols, k = rows_f[has], cols[has], k[has]
    ys = y / np.where(t == 1, scale[0], scale[1])
    yhat = np.where(cols >= 0, ys[np.maximum(cols, 0)], 0.0).sum(axis=1) / k
    diff = (ys[rows_f] - yhat) if focal_value == 1 else (yhat - ys[rows_f])
    tau = diff.mean()
    n_f = len(rows_f)
    share = np.where(cols >= 0, 1.0 / k[:, None], 0.0)
    K = np.bincount(cols[cols >= 0], weights=share[cols >= 0], minlength=len(y))
    Q = np.bincount(cols[cols >= 0], weights=share[cols >= 0] ** 2, minlength=len(y))
    need = K > 0
    exact = match.settings.get("exact", ())
    strata = (data.groupby(list(exact), sort=True, observed=True).ngroup().to_numpy()
              if exact else np.zeros(len(y), dtype=np.int64))
    s2 = _within_group_variance(match.distance.reindex(data.index).to_numpy(), ys, t, strata, need, J)
    term_nf = (K**2 - Q)[need] * s2[need]
    v = (np.sum((diff - tau) ** 2) + np.nansum(term_nf)) / n_f**2
    if propensity is None:
        return float(v), n_f, None
    at = propensity.score.index.get_indexer(data.index)
    if (at < 0).any() or propensity.design is None:
        raise ConfigError("the Abadie-Imbens (2016) adjustment needs the logistic PropensityScore fitted on these "
                          "rows (estimate_propensity without `estimator=`), with the same index as the data")
    X_fit = propensity.design
    e_fit = propensity.score.to_numpy()
    H = (X_fit * (e_fit * (1 - e_fit))[:, None]).T @ X_fit
    keep = ~match.discarded.reindex(data.index).fillna(False).to_numpy(dtype=bool)
    pieces = ps_estimation_adjustment(
        ys[keep], t[keep], e_fit[at][keep], X_fit[at][keep], match.estimand, float(tau), M=M, L=L,
        score=match.distance.reindex(data.index).to_numpy()[keep], strata=strata[keep], H=H, cache=cache)
    return float(v + pieces["adjustment"]), n_f, pieces


def _neighbours(points: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Positions (into the full arrays) of the k units of ``pool`` nearest to each unit of ``query``
    on ``points`` (1-D score or n x q matrix); -1 where the pool has fewer than k units."""
    from sklearn.neighbors import NearestNeighbors

    pts = points[:, None] if points.ndim == 1 else points
    out = np.full((len(query), k), -1, dtype=np.int64)
    if len(pool) < k or len(query) == 0:
        return out
    nn = NearestNeighbors(n_neighbors=k).fit(pts[pool])
    out[:] = pool[nn.kneighbors(pts[query], return_distance=False)]
    return out


def ps_estimation_adjustment(y: np.ndarray, t: np.ndarray, e: np.ndarray, X: np.ndarray, estimand: str,
                             tau: float, M: int = 1, L: int = 2, score: np.ndarray | None = None,
                             strata: np.ndarray | None = None, H: np.ndarray | None = None,
                             impute_on: np.ndarray | None = None,
                             cache: dict[Any, np.ndarray] | None = None) -> dict[str, Any]:
    """Abadie & Imbens (2016) adjustment of the matching variance for an estimated logistic score.

    Matching on p(X) = F(X'theta) with theta estimated by maximum likelihood changes the large-sample
    variance of the matching estimator (their Theorems 1 and 2): with f = p(1 - p) the logistic
    density at X'theta, I = E[f X X'] the information matrix, cov_w = cov(X, mu_w(X) | p(X)) and
    N the sample size,

    - ATE: V_adj = V - c' I^-1 c / N, c = E[f (cov_1 / p + cov_0 / (1 - p))] (AI 2016, Theorem 1);
    - ATT: V_adj = V - c_t' I^-1 c_t / N + d_t' I^-1 d_t / N, with
      d_t = dtau_t/dtheta = E[f X (mu_1(X) - mu_0(X) - tau_t)] / E[p] and c_t the covariance of the
      estimator's influence function with the score X (W - p),
      c_t = E[p cov_0] / E[p] + d_t
      (= E[f (cov_1 + p/(1 - p) cov_0)] / E[p] + E[f E[X | p] (tau(p) - tau_t)] / E[p]);
    - ATC by symmetry (relabel the groups): c_c = E[(1 - p) cov_1] / E[1 - p] - d_c,
      d_c = E[f X (mu_1 - mu_0 - tau_c)] / E[1 - p].

    The ATT/ATC c-terms are our derivation (influence function of the matching estimator on the
    known score, Abadie & Imbens 2006/2016, and the derivative of its probability limit in theta;
    the same argument gives exactly AI's ATE term); see docs/methods/effects.md.

    Estimation (AI 2016, Section 4): expectations by sample means; cov_w at unit i by the sample
    covariance (ddof 1) of (X, Y) over the L units of group w nearest to i on the score (unit i
    itself when it is in group w); mu_1 - mu_0 at unit i by its own outcome and the mean of its M
    nearest units of the other group on the covariates (columns of X standardised; matching on the
    score would impute E[Y(w) | p] instead of mu_w(X)); I^-1 / N by H^-1, H = sum f X X' (the inverse Hessian of the
    log likelihood, the estimated variance of theta-hat).

    Parameters
    ----------
    y, t, e : ndarray
        Outcome, 0/1 treatment and estimated score of the units in the matching sample.
    X : ndarray
        Design matrix of the logistic score model for the same units (intercept included).
    estimand : {"ATE", "ATT", "ATC"}
    tau : float
        The matching estimate (for d).
    M, L : int
        Matches used to impute mu_1 - mu_0, and neighbours for the conditional covariances (L >= 2).
    score : ndarray, optional
        The 1-D distance neighbours are found on (default: the logit of ``e``); any strictly
        monotone transform of p gives the same conditional moments.
    strata : ndarray, optional
        Integer codes of exact-matching strata; neighbours are searched within a stratum.
    H : ndarray, optional
        Hessian sum f X X' over the sample the score was fitted on (default: these units).
    impute_on : ndarray, optional
        Points (n or n x q) on which mu_1 - mu_0 is imputed by matching (default: the non-constant
        columns of X, standardised).
    cache : dict, optional
        Neighbour indices from an earlier call on the same units (filled when empty), so that
        several outcomes (a difference and a ratio) share one neighbour search.

    Returns
    -------
    dict
        ``adjustment`` (to add to the variance of tau-hat), ``c``, ``d`` (zeros for ATE), ``H``,
        and ``cov1``, ``cov0`` (n x p conditional covariances), ``mu_diff`` (n).
    """
    if estimand not in ("ATE", "ATT", "ATC"):
        raise ConfigError(f"estimand must be ATE, ATT or ATC for the Abadie-Imbens (2016) adjustment, got {estimand!r}")
    if L < 2:
        raise ConfigError(f"the conditional covariances need at least 2 neighbours, got L = {L}")
    n, p = X.shape
    e = np.asarray(e, dtype=float)
    f = e * (1.0 - e)
    s = np.log(e) - np.log1p(-e) if score is None else np.asarray(score, dtype=float)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata)
    cov = {0: np.full((n, p), np.nan), 1: np.full((n, p), np.nan)}
    yhat = {0: np.where(t == 0, y, np.nan), 1: np.where(t == 1, y, np.nan)}
    # mu_w(X_i) is imputed by matching on the covariates (inverse-variance metric), not on the score:
    # matching on the score would impute E[Y(w) | p], and d needs mu_w(X)
    if impute_on is None:
        Z = X[:, X.std(axis=0) > 0]
        Z = (Z - Z.mean(axis=0)) / Z.std(axis=0) if Z.shape[1] else s[:, None]
    else:
        Z = np.asarray(impute_on, dtype=float)
    cache = {} if cache is None else cache
    for st in np.unique(strata):
        cell = np.flatnonzero(strata == st)
        for w in (0, 1):
            pool = cell[t[cell] == w]
            if ("cov", st, w) not in cache:
                cache[("cov", st, w)] = _neighbours(s, pool, cell, L)
            nb = cache[("cov", st, w)]
            ok = nb[:, 0] >= 0
            if ok.any():
                xs, ys = X[nb[ok]], y[nb[ok]]  # (m, L, p), (m, L)
                xc = xs - xs.mean(axis=1, keepdims=True)
                yc = ys - ys.mean(axis=1, keepdims=True)
                cov[w][cell[ok]] = np.einsum("mlp,ml->mp", xc, yc) / (L - 1)
            other = cell[t[cell] != w]
            if ("mu", st, w) not in cache:
                cache[("mu", st, w)] = _neighbours(Z, pool, other, M)
            mb = cache[("mu", st, w)]
            okm = mb[:, 0] >= 0
            yhat[w][other[okm]] = y[mb[okm]].mean(axis=1)
    mu_diff = yhat[1] - yhat[0]
    if H is None:
        H = (X * f[:, None]).T @ X
    if estimand == "ATE":
        c = np.nanmean(f[:, None] * (cov[1] / e[:, None] + cov[0] / (1 - e)[:, None]), axis=0)
        d = np.zeros(p)
    elif estimand == "ATT":
        share = np.mean(e)  # E[p]; at the ML fit equal to the sample share of treated
        d = np.nanmean(f[:, None] * X * (mu_diff - tau)[:, None], axis=0) / share
        c = np.nanmean(e[:, None] * cov[0], axis=0) / share + d
    else:
        share = np.mean(1 - e)
        d = np.nanmean(f[:, None] * X * (mu_diff - tau)[:, None], axis=0) / share
        c = np.nanmean((1 - e)[:, None] * cov[1], axis=0) / share - d
    Hc, Hd = np.linalg.solve(H, c), np.linalg.solve(H, d)
    adjustment = float(-c @ Hc + d @ Hd)
    return dict(adjustment=adjustment, c=c, d=d, H=H, cov1=cov[1], cov0=cov[0], mu_diff=mu_diff)
