"""Kernel for greedy nearest-neighbour matching on a sorted score, plain Python that numba compiles.

Units are sorted once by (exact stratum, distance, tie key). Available controls are found with two
"next available" pointer forests (union-find with path compression), so a search costs amortised
near-constant time and no treated x control distance matrix is ever built.

:func:`greedy_match` is the plain Python kernel; :func:`compiled_greedy_match` the same code
compiled by numba (when installed; else the Python one); :func:`kernel_for` chooses. Importing
numba and loading its cached machine code cost about 0.4 s of CPU per process, compiling it (a
fresh checkout) about 2 s, while the Python kernel matches a few thousand units in a few
milliseconds at about 3 microseconds a unit: a process that matches a few small problems never
needs numba, and one that matches many switches to the compiled kernel once the Python kernel
has spent about what the compiled one costs to load. Both run the same statements on the same
float64 and int64 values, so their matches are equal (tests/matching/test_kernels.py).
"""

from __future__ import annotations

import types
from collections.abc import Callable

import numpy as np

__all__: list[str] = []

#: Largest problem (units) the plain Python kernel takes; larger ones, and any with a Mahalanobis
#: distance (a scan per candidate), use the compiled kernel.
PYTHON_KERNEL_MAX_UNITS = 5_000
#: Units the Python kernel matches in one process before the compiled kernel takes over (~0.3 s).
PYTHON_KERNEL_BUDGET = 100_000

_COMPILED: list[Callable[..., np.ndarray]] = []
_PYTHON_UNITS = [0]  # units matched by the Python kernel in this process


def kernel_for(n_units: int, mahalanobis: bool) -> Callable[..., np.ndarray]:
    """The kernel for a problem of ``n_units`` units: Python for a small problem without a
    Mahalanobis distance while the process has not spent :data:`PYTHON_KERNEL_BUDGET` units in it
    and has not compiled the kernel already, else the compiled kernel (same matches either way)."""
    if (mahalanobis or n_units > PYTHON_KERNEL_MAX_UNITS or _COMPILED
            or _PYTHON_UNITS[0] + n_units > PYTHON_KERNEL_BUDGET):
        return compiled_greedy_match()
    _PYTHON_UNITS[0] += n_units
    return greedy_match


def compiled_greedy_match() -> Callable[..., np.ndarray]:
    """:func:`greedy_match` compiled by numba (cached on disk), or the Python kernel without numba."""
    if not _COMPILED:
        try:
            from numba import njit
        except ImportError:  # pragma: no cover - exercised only where numba is absent
            _COMPILED.append(greedy_match)
            return greedy_match
        # the compiled kernel calls the compiled helpers: the same code with its own globals
        space = {"__name__": __name__, "np": np, "_find": njit(cache=True)(_find),
                 "_in_row": njit(cache=True)(_in_row)}
        code = greedy_match.__code__
        _COMPILED.append(njit(cache=True)(types.FunctionType(code, space, code.co_name)))
    return _COMPILED[0]


def _find(parent: np.ndarray, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        nxt = parent[x]
        parent[x] = root
        x = nxt
    return root


def _in_row(mm: np.ndarray, row: int, upto: int, k: int) -> bool:
    for j in range(upto):
        if mm[row, j] == k:
            return True
    return False


def greedy_match(
    focal_order: np.ndarray,
    dist: np.ndarray,
    available: np.ndarray,
    block_lo: np.ndarray,
    block_hi: np.ndarray,
    ratio: int,
    reuse_max: int,
    caliper: float,
    mah: np.ndarray,
    use_mah: bool,
    tol: float,
    tie_rank: np.ndarray,
) -> np.ndarray:
    """Greedy nearest-neighbour matching in rounds (MatchIt's ``nn_matchC`` rule).

    All arrays are in sorted order. ``focal_order`` lists focal positions in matching order.
    Round r gives each focal unit, in order, its r-th match: the nearest available control in the
    same block within the caliper, the lower-distance side winning a tie between left and right.
    With ``use_mah`` the control with the smallest Mahalanobis distance (rows of ``mah`` are
    whitened covariates) among those within the caliper is taken instead, equal Mahalanobis
    distances (within a relative 1e-9) going to the lowest ``tie_rank``. Distances that differ by
    at most ``tol`` count as equal (floating-point noise must not decide a tie). Returns an
    (n_focal, ratio) array of sorted positions, -1 where unmatched.
    """
    n = dist.shape[0]
    nf = focal_order.shape[0]
    mm = np.full((nf, ratio), -1, dtype=np.int64)
    times = np.zeros(n, dtype=np.int64)
    # right[k]: smallest available position >= k (n = none); left[k+1]: largest <= k (0 = none)
    right = np.empty(n + 1, dtype=np.int64)
    left = np.empty(n + 1, dtype=np.int64)
    for k in range(n):
        right[k] = k if available[k] else k + 1
        left[k + 1] = k + 1 if available[k] else k
    right[n] = n
    left[0] = 0
    for r in range(ratio):
        for f in range(nf):
            ii = focal_order[f]
            if r > 0 and mm[f, r - 1] < 0:
                continue  # no earlier match: later rounds cannot find one either
            lo = block_lo[ii]
            hi = block_hi[ii]
            d0 = dist[ii]
            best = -1
            if not use_mah:
                # nearest available on the left and right, skipping controls already in this row
                kl = _find(left, ii) - 1
                while kl >= lo and r > 0 and _in_row(mm, f, r, kl):
                    kl = _find(left, kl) - 1
                if kl >= lo and abs(d0 - dist[kl]) > caliper + tol:
                    kl = -1
                kr = _find(right, ii + 1)
                while kr < hi and r > 0 and _in_row(mm, f, r, kr):
                    kr = _find(right, kr + 1)
                if kr < hi and abs(dist[kr] - d0) > caliper + tol:
                    kr = hi
                if kl >= lo and kr < hi:
                    best = kl if abs(dist[kl] - d0) <= abs(dist[kr] - d0) + tol else kr
                elif kl >= lo:
                    best = kl
                elif kr < hi:
                    best = kr
            else:
                best_d = np.inf
                kl = _find(left, ii) - 1
                while kl >= lo and abs(d0 - dist[kl]) <= caliper + tol:
                    if not (r > 0 and _in_row(mm, f, r, kl)):
                        s = 0.0
                        for j in range(mah.shape[1]):
                            s += (mah[ii, j] - mah[kl, j]) ** 2
                        if best < 0 or s < best_d * (1 - 1e-9) or (s <= best_d * (1 + 1e-9) and tie_rank[kl] < tie_rank[best]):
                            best_d = min(s, best_d)
                            best = kl
                    kl = _find(left, kl) - 1
                kr = _find(right, ii + 1)
                while kr < hi and abs(dist[kr] - d0) <= caliper + tol:
                    if not (r > 0 and _in_row(mm, f, r, kr)):
                        s = 0.0
                        for j in range(mah.shape[1]):
                            s += (mah[ii, j] - mah[kr, j]) ** 2
                        if best < 0 or s < best_d * (1 - 1e-9) or (s <= best_d * (1 + 1e-9) and tie_rank[kr] < tie_rank[best]):
                            best_d = min(s, best_d)
                            best = kr
                    kr = _find(right, kr + 1)
            if best < 0:
                continue
            mm[f, r] = best
            times[best] += 1
            if times[best] >= reuse_max:
                right[best] = best + 1
                left[best + 1] = best
    return mm
