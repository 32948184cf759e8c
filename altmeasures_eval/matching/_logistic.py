"""Logistic regression for propensity scores: aliased columns, maximum likelihood, Firth and ridge.

The fitting code works on a design matrix with an intercept in column 0. Numeric work is done on
standardised columns (intercept kept) and coefficients are transformed back, which leaves the maximum
likelihood and Firth fits unchanged (both are invariant to affine reparametrisation) and defines the
ridge penalty on the standardised scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sl
from scipy.special import expit

__all__: list[str] = []

#: Relative tolerance of the aliasing test: a column is aliased when the part of it not explained by
#: the earlier kept columns has a norm below ``ALIAS_TOL`` times its own norm (R's ``lm``/``qr``
#: default tol = 1e-7, LINPACK dqrdc2's rule).
ALIAS_TOL = 1e-7


@dataclass(frozen=True)
class Aliasing:
    """Result of the aliasing test: kept and aliased column positions and one sentence per alias."""

    kept: tuple[int, ...]
    aliased: tuple[int, ...]
    descriptions: tuple[str, ...]


def _fmt(v: float) -> str:
    s = f"{v:.4g}"
    return s


def find_aliased(X: np.ndarray, names: list[str], tol: float = ALIAS_TOL) -> Aliasing:
    """Columns of ``X`` that are linear combinations of earlier columns (R ``glm`` marks them NA).

    One pivoted Householder QR of ``X`` (LAPACK ``dgeqp3`` through :func:`scipy.linalg.qr`) gives a
    small triangular factor whose columns have the same lengths and angles as those of ``X``; columns
    are then taken left to right, as LINPACK ``dqrdc2`` does in R, and a column is aliased when its
    residual on the kept columns is below ``tol`` times its norm. So the column dropped is the later
    one in model-matrix order, exactly the coefficient R reports as ``NA``.
    """
    n, p = X.shape
    if p == 0:
        return Aliasing((), (), ())
    (_, _), R, piv = sl.qr(X, mode="raw", pivoting=True)
    C = np.zeros((p, p))
    k = R.shape[0]
    C[:k, piv] = np.triu(R)  # C'C = X'X
    kept: list[int] = []
    aliased: list[int] = []
    desc: list[str] = []
    Q = np.zeros((p, 0))
    for j in range(p):
        c = C[:, j]
        nrm = float(np.linalg.norm(c))
        res = c - Q @ (Q.T @ c) if kept else c
        if nrm == 0.0 or float(np.linalg.norm(res)) < tol * nrm:
            aliased.append(j)
            desc.append(_describe_alias(C, names, kept, j))
            continue
        kept.append(j)
        Q = np.linalg.qr(C[:, kept])[0]
    return Aliasing(tuple(kept), tuple(aliased), tuple(desc))


def _describe_alias(C: np.ndarray, names: list[str], kept: list[int], j: int) -> str:
    name = names[j]
    nrm = float(np.linalg.norm(C[:, j]))
    if nrm == 0.0:
        return f"{name} is zero for everyone and was left out (as R glm marks it NA)"
    if kept == [0] or not kept:
        return f"{name} takes one value for everyone in these data and was left out (as R glm marks it NA)"
    b = np.linalg.lstsq(C[:, kept], C[:, j], rcond=None)[0]
    col_norm = np.linalg.norm(C[:, kept], axis=0)
    terms: list[str] = []
    for coef, k, cn in zip(b, kept, col_norm):
        if abs(coef) * cn <= 1e-6 * nrm:
            continue
        if names[k] == "Intercept":
            terms.append(_fmt(coef))
        else:
            terms.append(f"{_fmt(coef)} x {names[k]}")
    others = [names[k] for k, coef, cn in zip(kept, b, col_norm)
              if names[k] != "Intercept" and abs(coef) * cn > 1e-6 * nrm]
    if not others:
        return f"{name} takes one value for everyone in these data and was left out (as R glm marks it NA)"
    formula = " + ".join(terms).replace("+ -", "- ")
    return (f"{name} is an exact linear combination of {', '.join(others)} ({name} = {formula}) and was left "
            "out (as R glm marks it NA)")


def _standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu = X[:, 1:].mean(axis=0)
    sd = X[:, 1:].std(axis=0)
    sd[sd == 0] = 1.0
    Z = np.column_stack([np.ones(len(X)), (X[:, 1:] - mu) / sd])
    return Z, mu, sd


def _back(gamma: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    beta = gamma.copy()
    if len(gamma) > 1:
        beta[1:] = gamma[1:] / sd
        beta[0] = gamma[0] - np.sum(gamma[1:] * mu / sd)
    return beta


def _loglik(y: np.ndarray, eta: np.ndarray) -> float:
    # log p = -log(1 + exp(-eta)), log(1 - p) = -log(1 + exp(eta)): no overflow, no clipping
    return float(-np.sum(y * np.logaddexp(0.0, -eta) + (1.0 - y) * np.logaddexp(0.0, eta)))


@dataclass(frozen=True)
class LogisticFit:
    """Coefficients (on the original scale of X), linear predictor, convergence and iterations."""

    coef: np.ndarray
    linear: np.ndarray
    converged: bool
    iterations: int
    last_step: float = 0.0  # largest change of a standardised coefficient in the last iteration


def _solve(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    try:
        return sl.cho_solve(sl.cho_factor(H, lower=True), g)
    except (np.linalg.LinAlgError, sl.LinAlgError):
        return np.linalg.lstsq(H, g, rcond=None)[0]


def fit_logistic(X: np.ndarray, y: np.ndarray, *, penalty: str | None = None, ridge_lambda: float = 1.0,
                 max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Logistic regression of ``y`` on ``X`` (intercept in column 0, full column rank).

    ``penalty=None``: maximum likelihood by Newton-Raphson (IRLS), stopping when the relative change
    in deviance is below ``tol`` (R ``glm.fit`` uses 1e-8). ``"firth"``: Firth's (1993) modified score
    U*(b) = X'(y - p + h (1/2 - p)), h the leverages of W^1/2 X, solved by Newton steps with step
    halving on the penalised log-likelihood l(b) + log|X'WX| / 2 (as ``logistf``/``brglm2``).
    ``"ridge"``: l(b) - ridge_lambda |b|^2 / 2 on standardised covariates, intercept unpenalised.
    """
    Z, mu, sd = _standardise(X)
    p_dim = Z.shape[1]
    gamma = np.zeros(p_dim)
    pen = np.full(p_dim, float(ridge_lambda) if penalty == "ridge" else 0.0)
    pen[0] = 0.0
    converged = False
    it = 0
    last_step = np.inf

    def objective(g: np.ndarray) -> float:
        eta = Z @ g
        val = _loglik(y, eta) - 0.5 * float(np.sum(pen * g * g))
        if penalty == "firth":
            w = expit(eta) * expit(-eta)
            sign, logdet = np.linalg.slogdet((Z * w[:, None]).T @ Z)
            val += 0.5 * logdet if sign > 0 else -np.inf
        return val

    obj = objective(gamma)
    for it in range(1, max_iter + 1):
        eta = Z @ gamma
        prob = expit(eta)
        w = prob * expit(-eta)
        H = (Z * w[:, None]).T @ Z
        resid = y - prob
        if penalty == "firth":
            try:
                L = np.linalg.cholesky(H)
            except np.linalg.LinAlgError:
                break
            A = sl.solve_triangular(L, (Z * np.sqrt(w)[:, None]).T, lower=True)
            h = np.einsum("ij,ij->j", A, A)
            resid = resid + h * (0.5 - prob)
        grad = Z.T @ resid - pen * gamma
        step = _solve(H + np.diag(pen), grad)
        last_step = float(np.max(np.abs(step))) if len(step) else 0.0
        if penalty == "firth":
            # logistf's safeguards: at most 5 per step, halve while the penalised likelihood falls
            big = np.max(np.abs(step))
            if big > 5.0:
                step = step * (5.0 / big)
            new_obj = objective(gamma + step)
            halvings = 0
            while not (new_obj >= obj - 1e-12 * abs(obj)) and halvings < 30:
                step = step / 2.0
                new_obj = objective(gamma + step)
                halvings += 1
            gamma = gamma + step
            obj = new_obj
            if np.max(np.abs(step)) < tol and np.max(np.abs(grad)) < 1e-6:
                converged = True
                break
        else:
            gamma = gamma + step
            new_obj = objective(gamma)
            # relative change in deviance, R glm.fit's rule (deviance = -2 loglik)
            if 2.0 * abs(new_obj - obj) <= tol * (abs(2.0 * new_obj) + 0.1):
                obj = new_obj
                converged = True
                break
            obj = new_obj
    beta = _back(gamma, mu, sd)
    return LogisticFit(coef=beta, linear=Z @ gamma, converged=converged, iterations=it, last_step=last_step)
