"""Separation in a propensity model: groups that the covariates decide completely.

Two checks. (1) Levels of a categorical covariate held by one group only: the coefficient of that
level runs to +/- infinity under maximum likelihood and nobody in the other group is comparable.
(2) Konis's (2007) linear program, the check behind R's ``detectseparation``: a direction b with
(2y - 1) x'b >= 0 for every row and > 0 for some exists exactly when the maximum likelihood estimate
does not exist (complete or quasi-complete separation, Albert & Anderson 1984); the rows with
(2y - 1) x'b > 0 are those whose fitted probability runs to 0 or 1, and the non-zero entries of b
name the coefficients that run away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.special import expit

from altmeasures_eval.matching._design import is_categorical
from altmeasures_eval.matching._logistic import LogisticFit, find_aliased, fit_logistic

__all__: list[str] = []

#: Signs of separation in the maximum likelihood iterations that prompt the separation linear program:
#: fitted probabilities beyond [EXTREME, 1 - EXTREME], or a last Newton step above RUNAWAY_STEP on the
#: standardised scale (at a finite maximum Newton converges quadratically and its last step is below
#: 1e-6 on the fixtures; under separation the coefficients keep growing by about 0.4-80 per step).
EXTREME = 1e-7
RUNAWAY_STEP = 1e-3

#: Plain names of the two groups (treatment 1 and 0).
GROUP = {1: "alternative", 0: "custody"}

#: Margin above which a row counts as separated by the linear program (standardised covariates,
#: direction bounded by 1: a separated row's margin is of order 1, solver noise of order 1e-9).
LP_MARGIN = 1e-6


def has_levels(col: pd.Series) -> bool:
    """Categorical, string or boolean columns: checked level by level."""
    return is_categorical(col) or pd.api.types.is_bool_dtype(col)


@dataclass(frozen=True)
class LevelGap:
    """One level (or combination of levels) of categorical covariates held by one group only."""

    covariates: tuple[str, ...]
    levels: tuple[str, ...]
    group: int  # the group that holds the level (1 alternative, 0 custody)
    n: int

    @property
    def where(self) -> str:
        return " and ".join(f"{c} = {v}" for c, v in zip(self.covariates, self.levels))

    def sentence(self) -> str:
        held, other = GROUP[self.group], GROUP[1 - self.group]
        return (f"{self.where}: all {self.n:,} people are in the {held} group and nobody in the {other} group "
                f"(no comparable {other} case)")


def level_gaps(data: pd.DataFrame, t: np.ndarray, covariates: Sequence[str]) -> tuple[list[LevelGap], np.ndarray]:
    """Levels of each categorical covariate held by one group only, and the rows at those levels."""
    gaps: list[LevelGap] = []
    rows = np.zeros(len(t), dtype=bool)
    for c in covariates:
        if c not in data.columns or not has_levels(data[c]):
            continue
        codes, uniques = pd.factorize(data[c], sort=True)
        ok = codes >= 0
        k = len(uniques)
        n1 = np.bincount(codes[ok], weights=(t[ok] == 1), minlength=k)
        n0 = np.bincount(codes[ok], weights=(t[ok] == 0), minlength=k)
        for j in np.flatnonzero((n1 == 0) ^ (n0 == 0)):
            g = 1 if n0[j] == 0 else 0
            gaps.append(LevelGap((c,), (str(uniques[j]),), g, int(n1[j] + n0[j])))
            rows |= codes == j
    return gaps, rows


def combination_gaps(data: pd.DataFrame, t: np.ndarray, covariates: Sequence[str],
                     among: np.ndarray) -> list[LevelGap]:
    """Pairs of levels held by one group only whose every member is in ``among`` (separated rows)."""
    cats = [c for c in covariates if c in data.columns and has_levels(data[c])]
    out: list[LevelGap] = []
    for a, b in combinations(cats, 2):
        ca, ua = pd.factorize(data[a], sort=True)
        cb, ub = pd.factorize(data[b], sort=True)
        cell = ca.astype(np.int64) * len(ub) + cb
        k = len(ua) * len(ub)
        n1 = np.bincount(cell, weights=(t == 1), minlength=k)
        n0 = np.bincount(cell, weights=(t == 0), minlength=k)
        inside = np.bincount(cell, weights=among, minlength=k)
        for j in np.flatnonzero(((n1 == 0) ^ (n0 == 0)) & (inside == n1 + n0)):
            g = 1 if n0[j] == 0 else 0
            out.append(LevelGap((a, b), (str(ua[j // len(ub)]), str(ub[j % len(ub)])), g, int(n1[j] + n0[j])))
    return out


def lp_separation(Z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Konis's linear program on the (standardised, full-rank) design ``Z``.

    Returns the direction b (zeros when there is no separation) and the boolean mask of rows whose
    margin (2y - 1) z'b is positive, i.e. whose fitted probability runs to 0 or 1.
    """
    s = np.where(y == 1, 1.0, -1.0)
    A = Z * s[:, None]
    uniq, inv, counts = np.unique(A, axis=0, return_inverse=True, return_counts=True)
    inv = np.asarray(inv).reshape(-1)
    c = -(counts[:, None] * uniq).sum(axis=0)
    res = linprog(c, A_ub=-uniq, b_ub=np.zeros(len(uniq)), bounds=[(-1.0, 1.0)] * Z.shape[1], method="highs")
    if res.status != 0 or res.x is None:
        return np.zeros(Z.shape[1]), np.zeros(len(y), dtype=bool)
    b = np.asarray(res.x)
    margin = A @ b
    rows = margin > LP_MARGIN
    if not rows.any():
        return np.zeros(Z.shape[1]), rows
    if not rows.all():
        # complete separation when some direction gives every row a positive margin:
        # maximise the smallest margin tau (second LP, variables b and tau)
        k = Z.shape[1]
        res2 = linprog(np.r_[np.zeros(k), -1.0], A_ub=np.column_stack([-uniq, np.ones(len(uniq))]),
                       b_ub=np.zeros(len(uniq)), bounds=[(-1.0, 1.0)] * k + [(0.0, 1.0)], method="highs")
        if res2.status == 0 and res2.x is not None and res2.x[-1] > LP_MARGIN:
            b = np.asarray(res2.x[:k])
            rows = np.ones(len(y), dtype=bool)
    b = np.where(np.abs(b) > LP_MARGIN, b, 0.0)
    essential = _essential(uniq, A, b, rows)
    if essential.any():
        b = np.where(essential, b, 0.0)
    return b, rows


def _essential(uniq: np.ndarray, A: np.ndarray, b: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Coefficients without which the same rows can no longer be separated (they must run away).

    For each covariate moved by ``b``: maximise the smallest margin tau of the separated rows over
    directions with that coefficient fixed at 0 (margins of all rows >= 0); tau = 0 means the
    coefficient is needed. Where several covariates could each separate alone, none is essential
    and the caller keeps the direction found.
    """
    k = A.shape[1]
    sep_u = np.unique(A[rows], axis=0)
    A_ub = np.vstack([np.column_stack([-uniq, np.zeros(len(uniq))]), np.column_stack([-sep_u, np.ones(len(sep_u))])])
    b_ub = np.zeros(len(A_ub))
    out = np.zeros(k, dtype=bool)
    for j in np.flatnonzero(b[1:]) + 1:
        bounds = [(-1.0, 1.0)] * k + [(0.0, 1.0)]
        bounds[j] = (0.0, 0.0)
        res = linprog(np.r_[np.zeros(k), -1.0], A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
        out[j] = not (res.status == 0 and res.x is not None and res.x[-1] > LP_MARGIN)
    return out


def suspects_separation(fit: LogisticFit) -> bool:
    """Whether the maximum likelihood iterations show signs of separation."""
    prob = expit(fit.linear)
    return (not fit.converged or fit.last_step > RUNAWAY_STEP
            or bool(((prob < EXTREME) | (prob > 1 - EXTREME)).any()))


def model_separation(data: pd.DataFrame, t: np.ndarray, used: Sequence[str], Xk: np.ndarray, names: list[str],
                     gap_rows: np.ndarray, max_iter: int) -> tuple[list[str], np.ndarray, list[str]]:
    """Separation beyond the levels held by one group: Konis's linear program on the other rows.

    The rows at such levels are set aside first (their indicator separates trivially and would make
    the program large for nothing); if the maximum likelihood fit on the rest shows no sign of
    separation, the program is not run. Returns the sentences, the rows and the covariates concerned.
    """
    y = t.astype(float)
    inside = ~gap_rows
    X, cols = Xk[inside], list(names)
    if gap_rows.any():
        if not inside.any() or y[inside].min() == y[inside].max():
            return [], np.zeros(len(y), dtype=bool), []
        varying = np.r_[True, X[:, 1:].std(axis=0) > 0]
        X, cols = X[:, varying], [c for c, v in zip(cols, varying) if v]
        al = find_aliased(X, cols)
        X, cols = X[:, list(al.kept)], [cols[j] for j in al.kept]
        if X.shape[1] < 2 or not suspects_separation(fit_logistic(X, y[inside], max_iter=max_iter)):
            return [], np.zeros(len(y), dtype=bool), []
    Z = X[:, 1:]
    sd = Z.std(axis=0)
    sd[sd == 0] = 1.0
    Z = np.column_stack([np.ones(len(Z)), (Z - Z.mean(axis=0)) / sd])
    b, found = lp_separation(Z, y[inside])
    rows = np.zeros(len(y), dtype=bool)
    rows[inside] = found
    if not rows.any():
        return [], rows, []
    out: list[str] = []
    concerned: list[str] = []
    combos = combination_gaps(data, t, used, rows.astype(float))
    out.extend(g.sentence() for g in combos)
    concerned += [c for g in combos for c in g.covariates]
    covered = np.zeros(len(y), dtype=bool)
    for g in combos:
        m = np.ones(len(y), dtype=bool)
        for c, v in zip(g.covariates, g.levels):
            m &= data[c].astype(str).to_numpy() == v
        covered |= m
    rest = rows & ~covered
    if rest.any():
        named = [cols[j] for j in np.flatnonzero(b) if cols[j] != "Intercept"]
        concerned += [next((c for c in used if n == c or n.startswith(f"{c}=") or n.startswith(f"{c}_bs")), n)
                      for n in named]
        kind = "complete" if found.all() else "quasi-complete"
        n1, n0 = int((rest & (t == 1)).sum()), int((rest & (t == 0)).sum())
        who = " and ".join(f"{n:,} people in the {GROUP[g]} group have a fitted probability running to {g}"
                           for n, g in ((n1, 1), (n0, 0)) if n)
        out.append(f"{kind} separation: the coefficients of {', '.join(named) or 'the intercept'} run away; {who} "
                   "(nobody comparable in the other group)")
    return out, rows, concerned
