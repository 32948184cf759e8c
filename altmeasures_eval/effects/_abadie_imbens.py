"""Abadie-Imbens (2006) variance for nearest-neighbour matching with replacement, and the
Abadie-Imbens (2016) adjustment for matching on an estimated logistic propensity score."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.matching import MatchResult, PropensityScore

__all__: list[str] = []  # private: reached through estimate_effect


#: Within-group neighbours for the conditional variances of the Abadie-Imbens variance by default
#: (Stata's ``vce(robust, nn(#))``; 1 is R Matching's ``Var.calc`` choice). With 1 neighbour the
#: binary-outcome SE was about right on average but noisy enough to cover 91.1-93.2% under the null
#: in the first matching-inference study (docs/simulation-study.md); 4 covered 92.9-93.9% there.
DEFAULT_AI_NEIGHBORS = 4


def default_variance_with_replacement(binary: bool) -> tuple[str, str]:
    """The standard error ``estimate_effect(variance="auto")`` uses after matching with replacement,
    and the sentence that says why (for the result's notes).

    Chosen by the matching-inference study (benchmarks/bench_matching_inference.py, 1,000
    replications per cell, 18 well-posed cells with replacement; docs/methods/effects.md and
    docs/simulation-study.md give the measured coverage). With the design's logistic score passed
    (``propensity=``, as the evaluation does) the estimate is also bias-corrected by regression
    on the score model's covariates (Abadie & Imbens 2011), and then:

    - binary outcome: ``robust`` (HC1 with the matching weights taken as fixed, MOVER-Wilson
      interval for the risk difference): the Abadie-Imbens SE's conditional variances from a few
      neighbours are often exactly 0 for a 0/1 outcome, which makes it too small in the data sets
      whose estimate is far out (coverage 92.9-95.8% against 94.2-96.6% for robust);
    - other outcomes: ``abadie-imbens`` with ``DEFAULT_AI_NEIGHBORS`` neighbours and the AI 2016
      adjustment: the fixed-weight variances ignore that the covariates explain part of the outcome
      and were 1.5-2.4 times too large for a continuous outcome (coverage 99-100%).
    """
    if binary:
        return "robust", ("matching with replacement, binary outcome: robust variance with the matching weights "
                          "taken as fixed, the default the matching-inference study supports (docs/methods/effects.md)")
    return "abadie-imbens", ("matching with replacement: Abadie-Imbens variance, the default the matching-inference "
                             "study supports for a non-binary outcome (docs/methods/effects.md)")


def _within_group_variance(dist: np.ndarray, y: np.ndarray, group: np.ndarray, strata: np.ndarray,
                           need: np.ndarray, J: int, ties: bool = False) -> np.ndarray:
    """sigma^2(X_i) for rows in ``need``: the sample variance (ddof 1) of Y over unit i and its J
    nearest units (on the distance) of the same group and stratum (Abadie & Imbens 2006, eq. 14;
    with J = 1 it is (Y_i - Y_l)^2 / 2 as in their paper; for J > 1 the sample-variance form used by
    R's Matching::Match). With ``ties`` the J nearest and every unit tied with the J-th (Stata's
    ``vce(robust, nn(J))`` neighbourhoods, teffects-r). NaN where the cell has fewer than J + 1 units."""
    out = np.full(len(y), np.nan)
    cell = np.unique(np.column_stack([group, strata]), axis=0, return_inverse=True)[1].ravel()
    for c in np.unique(cell[need]):
        rows = np.flatnonzero(cell == c)
        want = rows[need[rows]]
        neigh = _sets(dist, rows, want, J, ties, exclude_self=True)
        ok = neigh[:, 0] >= 0
        out[want[ok]] = _row_var(y, np.column_stack([want[ok], neigh[ok]]))
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
    mm = match.match_matrix
    rows_f = data.index.get_indexer(mm.index)
    M = int(match.settings.get("ratio", mm.shape[1]))  # matches asked for; a set with ties averaged can hold more
    ties = match.settings.get("ties") == "average"  # then every neighbourhood below keeps its ties too
    cols = np.full(mm.shape, -1, dtype=np.int64)
    for j, c in enumerate(mm.columns):
        lab = mm[c]
        ok = lab.notna().to_numpy()
        cols[ok, j] = data.index.get_indexer(lab[ok].to_numpy())
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
    if J == 0:
        # constant conditional variance (R Matching's default Var.calc = 0): half the mean squared
        # deviation of the matched differences Y_i - Y_j from tau, each pair weighted 1/k_i
        # (Matching 4.10-8, RmatchLoop: Sigs <- 0.5 * t(eps.sq) %*% W / sum(W))
        y_pair = np.where(cols >= 0, ys[np.maximum(cols, 0)], np.nan)
        d_pair = (ys[rows_f][:, None] - y_pair) if focal_value == 1 else (y_pair - ys[rows_f][:, None])
        s2 = np.full(len(y), 0.5 * float(np.nansum(share * (d_pair - tau) ** 2) / share.sum()))
    else:
        s2 = _within_group_variance(match.distance.reindex(data.index).to_numpy(), ys, t, strata, need, J, ties)
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
    H = propensity.information
    keep = ~match.discarded.reindex(data.index).fillna(False).to_numpy(dtype=bool)
    pieces = ps_estimation_adjustment(
        ys[keep], t[keep], e_fit[at][keep], X_fit[at][keep], match.estimand, float(tau), M=M, L=L,
        score=match.distance.reindex(data.index).to_numpy()[keep], strata=strata[keep], H=H, cache=cache,
        ties=ties)
    return float(v + pieces["adjustment"]), n_f, pieces


def _knn_1d(values: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Exact k nearest neighbours on a line: the k nearest pool values lie within k sorted positions
    on either side of the query's insertion point; ties go to the lower sorted position."""
    order = pool[np.argsort(values[pool], kind="stable")]
    sv = values[order]
    q = values[query]
    cand = np.searchsorted(sv, q)[:, None] + np.arange(-k, k)[None, :]
    valid = (cand >= 0) & (cand < len(sv))
    dist = np.where(valid, np.abs(sv[np.clip(cand, 0, len(sv) - 1)] - q[:, None]), np.inf)
    pick = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order[np.take_along_axis(cand, pick, axis=1)]


def _neighbours(points: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Positions (into the full arrays) of the k units of ``pool`` nearest to each unit of ``query``
    on ``points`` (1-D score or n x q matrix); -1 where the pool has fewer than k units."""
    out = np.full((len(query), k), -1, dtype=np.int64)
    if len(pool) < k or len(query) == 0:
        return out
    if points.ndim == 1:
        out[:] = _knn_1d(points, pool, query, k)
        return out
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k).fit(points[pool])
    out[:] = pool[nn.kneighbors(points[query], return_distance=False)]
    return out


def _whiten(X: np.ndarray) -> np.ndarray:
    """Non-constant columns of X centred and whitened, so that Euclidean distance on the result is
    the Mahalanobis distance with the inverse sample covariance (pseudo-inverse when singular)."""
    Z = X[:, X.std(axis=0) > 0]
    if Z.shape[1] == 0:
        return np.zeros((len(X), 1))
    Z = Z - Z.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.atleast_2d(np.cov(Z, rowvar=False)))
    ok = vals > vals.max() * 1e-10
    return Z @ (vecs[:, ok] / np.sqrt(vals[ok]))


def _neighbours_excluding_self(points: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """Like :func:`_neighbours` for query units that belong to ``pool``: their k nearest pool units
    other than themselves (-1 where the pool has k units or fewer)."""
    out = np.full((len(query), k), -1, dtype=np.int64)
    if len(pool) <= k or len(query) == 0:
        return out
    nb = _neighbours(points, pool, query, k + 1)
    self_pos = nb == query[:, None]
    keep = np.where(self_pos.any(axis=1)[:, None], ~self_pos, np.arange(k + 1)[None, :] < k)
    return nb[keep].reshape(len(query), k)


#: Relative tolerance under which a neighbour counts as tied with the k-th (teffects-r's
#: ``.teffects_select_neighbors``: cutoff + sqrt(eps) * max(1, cutoff)).
TIE_RTOL = float(np.sqrt(np.finfo(float).eps))


def _with_ties(dist: np.ndarray, cand: np.ndarray, k: int) -> np.ndarray:
    """From candidates sorted by distance per row (dist, cand: (m, c), inf / -1 where none), the k
    nearest and every candidate tied with the k-th, -1 padded."""
    cut = dist[:, k - 1] + TIE_RTOL * np.maximum(1.0, dist[:, k - 1])
    keep = dist <= cut[:, None]
    width = max(int(keep.sum(axis=1).max()), k)
    out = np.full((len(cand), width), -1, dtype=np.int64)
    rank = np.cumsum(keep, axis=1) - 1
    r, c = np.nonzero(keep)
    out[r, rank[r, c]] = cand[r, c]
    return out


def _tied_neighbours(points: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int,
                     exclude_self: bool = False) -> np.ndarray:
    """The k units of ``pool`` nearest to each unit of ``query`` and every pool unit as near as the
    k-th (up to ``TIE_RTOL``), other than the unit itself when ``exclude_self``: the neighbourhoods
    of Stata's ``teffects psmatch`` / teffects-r when matches are tied. Rows are -1 padded to the
    largest set; -1 throughout where the pool has too few units."""
    need = k + int(exclude_self)
    if len(pool) < need or len(query) == 0:
        return np.full((len(query), k), -1, dtype=np.int64)
    if points.ndim == 1:
        order = pool[np.argsort(points[pool], kind="stable")]
        sv = points[order]
        q = points[query]
        kth = _neighbours_excluding_self(points, pool, query, k) if exclude_self else _neighbours(points, pool, query, k)
        dk = np.abs(points[kth] - q[:, None]).max(axis=1)
        cut = dk + TIE_RTOL * np.maximum(1.0, dk)
        lo = np.searchsorted(sv, q - cut * (1 + 1e-12), side="left")
        hi = np.searchsorted(sv, q + cut * (1 + 1e-12), side="right")
        cnt = hi - lo
        width = int(cnt.max())
        pos = lo[:, None] + np.arange(width)[None, :]
        valid = pos < hi[:, None]
        cand = np.where(valid, order[np.minimum(pos, len(order) - 1)], -1)
        dist = np.where(valid, np.abs(points[np.maximum(cand, 0)] - q[:, None]), np.inf)
        if exclude_self:
            dist = np.where(cand == query[:, None], np.inf, dist)
        srt = np.argsort(dist, axis=1, kind="stable")
        return _with_ties(np.take_along_axis(dist, srt, 1), np.take_along_axis(cand, srt, 1), k)
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors().fit(points[pool])
    rows = np.arange(len(query))
    sets: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(query)
    width = min(need + 1, len(pool))
    while len(rows):
        dist, idx = nn.kneighbors(points[query[rows]], n_neighbors=width)
        cand = pool[idx]
        if exclude_self:
            dist = np.where(cand == query[rows][:, None], np.inf, dist)
            srt = np.argsort(dist, axis=1, kind="stable")
            dist, cand = np.take_along_axis(dist, srt, 1), np.take_along_axis(cand, srt, 1)
        got = _with_ties(dist, cand, k)
        done = (got[:, -1] < 0) | (width >= len(pool))  # a set that ends before the last column is complete
        for j in np.flatnonzero(done):
            sets[rows[j]] = got[j][got[j] >= 0]
        rows = rows[~done]
        width = min(2 * width, len(pool))
    out = np.full((len(query), max(len(x) for x in sets)), -1, dtype=np.int64)
    for i, x in enumerate(sets):
        out[i, :len(x)] = x
    return out


def _sets(points: np.ndarray, pool: np.ndarray, query: np.ndarray, k: int, ties: bool,
          exclude_self: bool = False) -> np.ndarray:
    """Neighbour sets: exactly k (``ties=False``) or k with ties (``ties=True``), -1 padded."""
    if ties:
        return _tied_neighbours(points, pool, query, k, exclude_self)
    return _neighbours_excluding_self(points, pool, query, k) if exclude_self else _neighbours(points, pool, query, k)


def _row_mean(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Mean of v over each row's set (idx -1 padded)."""
    ok = idx >= 0
    return np.where(ok, v[np.maximum(idx, 0)], 0.0).sum(axis=1) / ok.sum(axis=1)


def _row_var(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sample variance (ddof 1) of v over each row's set (idx -1 padded)."""
    ok = idx >= 0
    vals = np.where(ok, v[np.maximum(idx, 0)], 0.0)
    n = ok.sum(axis=1)
    dev = np.where(ok, vals - (vals.sum(axis=1) / n)[:, None], 0.0)
    return (dev**2).sum(axis=1) / (n - 1)


def _local_cov(X: np.ndarray, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sample covariance (ddof 1) of each covariate with the outcome within each row's neighbour
    set: idx (m, k) of row positions, -1 padded -> (m, p)."""
    ok = idx >= 0
    safe = np.maximum(idx, 0)
    n = ok.sum(axis=1)
    xs = np.where(ok[:, :, None], X[safe], 0.0)
    ys = np.where(ok, y[safe], 0.0)
    xc = np.where(ok[:, :, None], xs - (xs.sum(axis=1) / n[:, None])[:, None, :], 0.0)
    yc = np.where(ok, ys - (ys.sum(axis=1) / n)[:, None], 0.0)
    return np.einsum("mlp,ml->mp", xc, yc) / (n - 1)[:, None]


def ps_estimation_adjustment(y: np.ndarray, t: np.ndarray, e: np.ndarray, X: np.ndarray, estimand: str,
                             tau: float, M: int = 1, L: int = 2, score: np.ndarray | None = None,
                             strata: np.ndarray | None = None, H: np.ndarray | None = None,
                             impute_on: np.ndarray | None = None,
                             cache: dict[Any, np.ndarray] | None = None, ties: bool = False) -> dict[str, Any]:
    """Abadie & Imbens (2016) adjustment of the matching variance for an estimated logistic score.

    Matching on p(X) = F(X'theta) with theta estimated by maximum likelihood changes the large-sample
    variance of the matching estimator. With f = p(1 - p) the logistic density at X'theta,
    I = E[f X X'] the information matrix, cov_w = cov(X, mu_w(X) | p(X)), mu_w(x) = E[Y(w) | X = x],
    mubar_w(p) = E[Y(w) | p(X) = p] and N the sample size:

    - ATE (AI 2016, Theorem 1): V_adj = V - c' I^-1 c / N, c = E[f (cov_1 / p + cov_0 / (1 - p))];
    - ATT (AI 2016, Theorem 2): V_adj = V - c_t' I^-1 c_t / N + (dtau_t/dtheta)' I^-1 (dtau_t/dtheta) / N,
      with c_t = E[X f (mubar_1(p) - mubar_0(p) - tau_t)] / E[p]
                 + E[f (cov_1 + p/(1 - p) cov_0)] / E[p]
      and dtau_t/dtheta = E[X f (mu_1(X) - mu_0(X) - tau_t)] / E[p];
    - ATC: the ATT formula with the groups relabelled (T -> 1 - T, p -> 1 - p, tau -> -tau;
      f, X and I are unchanged).

    Source of the ATT term: Theorem 2 of Abadie & Imbens (2016), whose text could not be read
    here, as implemented for Stata's ``teffects psmatch, atet`` robust SE in
    ``.teffects_psmatch_adjustment`` of the R package teffects (K. Butts,
    github.com/kylebutts/teffects-r, R/internal_matching_inference.R): c_t = c1 + c2 and the
    derivative there are the two lines above term by term. In population c_t equals
    E[p cov_0] / E[p] + dtau_t/dtheta (the form this module used before, derived from the
    influence function); the estimators differ in finite samples. No published ATET with this
    adjusted SE was found to check it against; Stata's ATE examples (Theorem 1, same covariances
    and neighbourhoods) are reproduced (below).

    Estimation (AI 2016, Section 4; the same choices as the implementation above, which follows
    Stata's ``teffects psmatch, vce(robust, nn(L))``): expectations by sums over the matching
    sample divided by the number of focal units; cov_w at unit i: sample covariance (ddof 1) of
    (X, Y) over L units of group w counting i itself (i and its L - 1 nearest others on the score)
    when i is in group w, over its L nearest units of group w when it is not; mubar_w(p_i): mean
    outcome of the L units of group w nearest to i on the score, other than i itself; mu_1(X_i) -
    mu_0(X_i): unit i's own outcome against the mean of its M nearest units of the other group on
    the covariates (Mahalanobis distance on the non-constant columns of X); I^-1 / N by H^-1,
    H = sum f X X'. These sets are those of teffects-r's ``psmatch()`` (its same-group plan has
    ``nn`` units including the unit, ``same_neighbor_offset = 0``) and they reproduce Stata's
    ``teffects psmatch`` robust SEs of the ATE on cattaneo2 to every printed digit (29.88627 with
    nneighbor(4), 32.021 with caliper(0.1); a check, the data are StataCorp's), which use the
    Theorem 1 adjustment and these covariances; with the unit and L others (the choice made on
    2026-12-06 morning, reverted the same evening) they gave 29.22209 and 32.60340.

    Parameters
    ----------
    y, t, e : ndarray
        Outcome, 0/1 treatment and estimated score of the units in the matching sample.
    X : ndarray
        Design matrix of the logistic score model for the same units (intercept included).
    estimand : {"ATE", "ATT", "ATC"}
    tau : float
        The matching estimate (for c_t and the derivative).
    M, L : int
        Matches used to impute mu_1(X) - mu_0(X), and neighbours for the conditional moments given
        the score (L >= 2).
    score : ndarray, optional
        The 1-D distance neighbours are found on (default: the logit of ``e``).
    strata : ndarray, optional
        Integer codes of exact-matching strata; neighbours are searched within a stratum.
    H : ndarray, optional
        Hessian sum f X X' over the sample the score was fitted on (default: these units).
    impute_on : ndarray, optional
        Points (n or n x q) on which mu_1(X) - mu_0(X) is imputed by matching (default: the
        non-constant columns of X, Mahalanobis metric).
    cache : dict, optional
        Neighbour indices from an earlier call on the same units (filled when empty), so that
        several outcomes (a difference and a ratio) share one neighbour search.
    ties : bool
        Keep in every neighbour set the units tied with its last member (for a match whose ties
        were averaged, ``match_nearest(ties="average")``), as Stata and teffects-r do.

    Returns
    -------
    dict
        ``adjustment`` (to add to the variance of tau-hat), ``c``, ``d`` (the derivative; zeros
        for ATE), ``H``, and ``cov1``, ``cov0`` (n x p conditional covariances), ``mubar_diff``
        (mubar_1 - mubar_0 at each unit), ``mu_diff`` (mu_1 - mu_0 at each unit).

    References
    ----------
    Abadie A, Imbens GW (2016). Matching on the estimated propensity score. *Econometrica*
    84(2):781-807.
    """
    if estimand not in ("ATE", "ATT", "ATC"):
        raise ConfigError(f"estimand must be ATE, ATT or ATC for the Abadie-Imbens (2016) adjustment, got {estimand!r}")
    if L < 2:
        raise ConfigError(f"the conditional covariances need at least 2 neighbours, got L = {L}")
    n, p = X.shape
    e = np.asarray(e, dtype=float)
    t = np.asarray(t).astype(np.int64)
    f = e * (1.0 - e)
    s = np.log(e) - np.log1p(-e) if score is None else np.asarray(score, dtype=float)
    strata = np.zeros(n, dtype=np.int64) if strata is None else np.asarray(strata)
    cov = {0: np.full((n, p), np.nan), 1: np.full((n, p), np.nan)}
    mubar = {0: np.full(n, np.nan), 1: np.full(n, np.nan)}
    yhat = {0: np.where(t == 0, y, np.nan), 1: np.where(t == 1, y, np.nan)}
    Z = _whiten(X) if impute_on is None else np.asarray(impute_on, dtype=float)
    cache = {} if cache is None else cache
    for st in np.unique(strata):
        cell = np.flatnonzero(strata == st)
        for w in (0, 1):
            pool = cell[t[cell] == w]
            other = cell[t[cell] != w]
            # units of the other group: their L nearest units of group w (covariance and mubar_w)
            if ("opp", st, w) not in cache:
                cache[("opp", st, w)] = _sets(s, pool, other, L, ties)
            nb = cache[("opp", st, w)]
            ok = nb[:, 0] >= 0
            cov[w][other[ok]] = _local_cov(X, y, nb[ok])
            mubar[w][other[ok]] = _row_mean(y, nb[ok])
            # units of group w: L units of group w counting the unit itself (the unit and its L - 1
            # nearest others) for the covariance, as Stata's teffects psmatch vce(robust, nn(L))
            # (reproduced: its ATE robust SEs on cattaneo2, docs/methods/effects.md); the L nearest
            # others, the unit excluded, for mubar_w
            if ("same", st, w) not in cache:
                cache[("same", st, w)] = _sets(s, pool, pool, L, ties, exclude_self=True)
                cache[("same_cov", st, w)] = _sets(s, pool, pool, L - 1, ties, exclude_self=True)
            sb, sc = cache[("same", st, w)], cache[("same_cov", st, w)]
            oks = sb[:, 0] >= 0
            okc = sc[:, 0] >= 0
            cov[w][pool[okc]] = _local_cov(X, y, np.column_stack([pool[okc], sc[okc]]))
            mubar[w][pool[oks]] = _row_mean(y, sb[oks])
            if ("mu", st, w) not in cache:
                cache[("mu", st, w)] = _sets(Z, pool, other, M, ties)
            mb = cache[("mu", st, w)]
            okz = mb[:, 0] >= 0
            yhat[w][other[okz]] = _row_mean(y, mb[okz])
    mu_diff = yhat[1] - yhat[0]
    mubar_diff = mubar[1] - mubar[0]
    if H is None:
        H = (X * f[:, None]).T @ X
    if estimand == "ATE":
        c = np.nanmean(f[:, None] * (cov[1] / e[:, None] + cov[0] / (1 - e)[:, None]), axis=0)
        d = np.zeros(p)
    else:
        # ATC = ATT of the relabelled groups: focal group g, its score q = P(T = g | X)
        g, sign = (1, 1.0) if estimand == "ATT" else (0, -1.0)
        q = e if g == 1 else 1.0 - e
        n_focal = int((t == g).sum())
        tau_g = sign * tau
        c1 = np.nansum(X * (f * (sign * mubar_diff - tau_g))[:, None], axis=0) / n_focal
        c2 = np.nansum(f[:, None] * (cov[g] + (q / (1 - q))[:, None] * cov[1 - g]), axis=0) / n_focal
        c = c1 + c2
        d = np.nansum(X * (f * (sign * mu_diff - tau_g))[:, None], axis=0) / n_focal
    Hc, Hd = np.linalg.solve(H, c), np.linalg.solve(H, d)
    adjustment = float(-c @ Hc + d @ Hd)
    return dict(adjustment=adjustment, c=c, d=d, H=H, cov1=cov[1], cov0=cov[0], mubar_diff=mubar_diff,
                mu_diff=mu_diff)


def regression_bias_shift(X: np.ndarray, y: np.ndarray, t: np.ndarray, w: np.ndarray, estimand: str) -> tuple[int, float]:
    """Regression bias correction of a matching estimator (Abadie & Imbens 2011), as a shift of the
    imputed mean of the non-focal group.

    Each matched non-focal outcome Y_j imputes the focal unit i's missing potential outcome; the
    correction replaces it by Y_j + mu_hat(X_i) - mu_hat(X_j), where mu_hat is the least-squares
    regression of Y on X (intercept included) in the non-focal group, weighted by the number of
    times each unit is used (Abadie & Imbens 2011, J Bus Econ Stat 29(1):1-11, Section 3; R
    ``Matching::Match(BiasAdjust = TRUE)``; Stata ``teffects nnmatch, biasadj()``). Averaged over
    the focal units, that adds mean_focal mu_hat(X) - weighted mean_nonfocal mu_hat(X) to the
    non-focal group's mean. It removes the bias that comes from matching discrepancies (the
    matched units' covariates differ from the focal unit's), which grows with the number of
    matches and where the other group is sparse; the variance of the corrected estimator has the
    same large-sample form (Abadie & Imbens 2011, Theorem 1).

    Parameters
    ----------
    X : ndarray
        Covariates (n x q, no intercept) of the units with positive weight.
    y, t, w : ndarray
        Outcome, 0/1 treatment and matching weights of the same units.
    estimand : {"ATT", "ATC"}

    Returns
    -------
    (group, shift)
        The group whose mean is shifted (0 for the ATT, 1 for the ATC) and the shift.
    """
    if estimand not in ("ATT", "ATC"):
        raise ConfigError(f"the regression bias correction is for the ATT or ATC of a match, got {estimand!r}")
    focal = 1 if estimand == "ATT" else 0
    other = 1 - focal
    Z = np.column_stack([np.ones(len(y)), np.asarray(X, dtype=float)])
    nf = (t == other) & (w > 0)
    sw = np.sqrt(w[nf])
    beta, *_ = np.linalg.lstsq(Z[nf] * sw[:, None], y[nf] * sw, rcond=None)
    fit = Z @ beta
    f = (t == focal) & (w > 0)
    shift = float(np.average(fit[f], weights=w[f]) - np.average(fit[nf], weights=w[nf]))
    return other, shift
