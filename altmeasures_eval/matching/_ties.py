"""Tie-averaging for nearest-neighbour matching with replacement (Abadie & Imbens 2006, R ``Matching``'s
``ties = TRUE``): every non-focal unit as close as a focal unit's k-th match joins its matched set."""

from __future__ import annotations

import numpy as np

__all__: list[str] = []  # private: reached through match_nearest(ties="average")


def expand_ties(mm_rows: np.ndarray, focal_rows: np.ndarray, d: np.ndarray, strata: np.ndarray,
                pool: np.ndarray, tie: np.ndarray, caliper: float, tol: float,
                tie_tolerance: float | None, sd: float) -> np.ndarray:
    """Matched sets with ties averaged, from the k nearest matches found one per slot.

    For focal unit i with distance d_i, let D_i be the distance |d_i - d_m| of its farthest match m
    among the ``k`` found (its k-th nearest non-focal unit in the same stratum, within the caliper).
    Its matched set becomes every non-focal unit j of its stratum within the caliper with

    - ``tie_tolerance=None``: |d_i - d_j| <= D_i + ``tol`` (exact ties, floating-point noise of the
      distance aside), the set J_M(i) of Abadie & Imbens (2006, Section 2);
    - ``tie_tolerance=t``: ((d_i - d_j) / s)^2 <= (D_i / s)^2 + t with s = ``sd``, the sample SD of
      the distance: R ``Matching::Match``'s rule, whose ``distance.tolerance`` (default 1e-5) is
      this t on the squared standardised distance (``FastMatchC``/``MatchLoopC``:
      ``Dist <= Distmax + cdd``, the covariate scaled by its SD in ``MatchGenoudStage1caliper``).

    Each unit of a set of size k_i then imputes 1 / k_i of the focal unit's missing outcome (the
    weights :func:`match_nearest` already computes from the set sizes).

    Parameters
    ----------
    mm_rows : ndarray (n_focal, k)
        Rows of the matches found one per slot (-1 where none), in the order of ``focal_rows``.
    focal_rows, d, strata, pool, tie
        Focal rows; the distance, exact-stratum code, non-focal-and-kept mask and tie rank of every row.
    caliper : float
        Caliper in distance units (``inf`` for none); ``tol`` the distance-noise tolerance.
    Returns
    -------
    ndarray (n_focal, max set size)
        Rows of each focal unit's matched set, nearest first (equal distances by tie rank), -1 padded.
    """
    n_f = len(focal_rows)
    found = mm_rows >= 0
    has = found.any(axis=1)
    if not has.any():
        return mm_rows
    di = d[focal_rows]
    gap = np.where(found, np.abs(di[:, None] - d[np.maximum(mm_rows, 0)]), -np.inf).max(axis=1)
    if tie_tolerance is None:
        reach = gap + tol
    else:
        s = sd if sd > 0 else 1.0
        reach = s * np.sqrt((gap / s) ** 2 + tie_tolerance) * (1 + 1e-12) + tol  # a margin; tested exactly below
    reach = np.minimum(reach, caliper + tol)
    pool_rows = np.flatnonzero(pool)
    f_parts, j_parts = [], []
    for st in np.unique(strata[focal_rows[has]]):
        cand = pool_rows[strata[pool_rows] == st]
        if len(cand) == 0:
            continue
        cand = cand[np.lexsort((tie[cand], d[cand]))]
        dc = d[cand]
        fi = np.flatnonzero(has & (strata[focal_rows] == st))
        lo = np.searchsorted(dc, di[fi] - reach[fi], side="left")
        hi = np.searchsorted(dc, di[fi] + reach[fi], side="right")
        cnt = hi - lo
        f_rep = np.repeat(fi, cnt)
        start = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
        j_rep = cand[start + np.arange(int(cnt.sum()))]
        f_parts.append(f_rep)
        j_parts.append(j_rep)
    f_all = np.concatenate(f_parts) if f_parts else np.zeros(0, dtype=np.int64)
    j_all = np.concatenate(j_parts) if j_parts else np.zeros(0, dtype=np.int64)
    delta = np.abs(di[f_all] - d[j_all])
    if tie_tolerance is None:
        keep = delta <= gap[f_all] + tol
    else:
        s = sd if sd > 0 else 1.0
        keep = (delta / s) ** 2 <= (gap[f_all] / s) ** 2 + tie_tolerance
    keep &= delta <= caliper + tol
    f_all, j_all, delta = f_all[keep], j_all[keep], delta[keep]
    # the matches found one per slot are in the set by construction; keep them even if rounding says otherwise
    extra_f, extra_j = np.nonzero(found)
    f_all = np.concatenate([f_all, extra_f])
    j_all = np.concatenate([j_all, mm_rows[extra_f, extra_j]])
    pair = np.unique(np.column_stack([f_all, j_all]), axis=0)
    f_all, j_all = pair[:, 0], pair[:, 1]
    order = np.lexsort((tie[j_all], np.abs(di[f_all] - d[j_all]), f_all))
    f_all, j_all = f_all[order], j_all[order]
    size = np.bincount(f_all, minlength=n_f)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    col = np.arange(len(f_all)) - first[f_all]
    out = np.full((n_f, max(int(size.max()), mm_rows.shape[1])), -1, dtype=np.int64)
    out[f_all, col] = j_all
    return out
