"""Abadie-Imbens (2006) variance for nearest-neighbour matching with replacement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.matching import MatchResult

__all__: list[str] = []


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
                           J: int = 1) -> tuple[float, int]:
    """Variance of the matching estimator of the focal-group effect (ATT or ATC), population version.

    V = (1/N_f^2) [ sum_focal (Y_i - Yhat_i - tau)^2 + sum_nonfocal (K_j^2 - Q_j) sigma^2(X_j) ], where
    Yhat_i is the mean outcome of focal unit i's k_i matches, K_j = sum over focal units using j of
    1/k_i (j's weight), Q_j = sum of 1/k_i^2 (with M matches each: K_M(K_M - 1)/M^2, Abadie, Drukker,
    Herr & Imbens 2004). ``scale`` divides treated and control outcomes (for the log ratio by the
    delta method, pass (mu_1, mu_0)). Returns (variance, number of matched focal units).
    The propensity score is treated as known (no Abadie-Imbens 2016 correction).
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
    return float(v), n_f
