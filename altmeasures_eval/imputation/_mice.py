"""Multiple imputation by chained equations (fully conditional specification), vectorised.

Each incomplete covariate is imputed in turn from every other covariate and from the auxiliary
variables (treatment, outcome indicators, and for a time-to-event outcome the event indicator and
the Nelson-Aalen cumulative hazard at the observed time; White & Royston 2009): numeric covariates
by predictive mean matching with a Bayesian parameter draw (mice's ``pmm``, type 1 matching), or by
Bayesian linear regression (mice's ``norm``); binary and categorical covariates by a logistic or
multinomial logistic model whose coefficients are drawn from their approximate (normal) posterior,
as mice's ``logreg`` does, so that the parameter uncertainty enters the draws, the category then
drawn from the probabilities under the drawn coefficients. Each of the m imputations runs its own
chain from its own seed. A fit is reused while its predictors and observed values are unchanged:
with one incomplete covariate the model is fitted once and each imputation draws from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError, ConfigError

__all__ = ["ImputedData", "impute_chained", "missing_summary", "nelson_aalen"]

METHODS = ("pmm", "norm", "logreg")


def nelson_aalen(duration: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Nelson-Aalen cumulative hazard at each person's own observed time (ties handled together).

    White & Royston (2009) show that the imputation model of a covariate in a Cox analysis should
    include the event indicator and this cumulative hazard (rather than the time or its log).

    Parameters
    ----------
    duration, event : array_like
        Observed times and event indicators (event > 0 counts as an event).

    Returns
    -------
    numpy.ndarray
        ``H(T_i)``, aligned with the input.
    """
    t = np.asarray(duration, float)
    d = (np.asarray(event, float) > 0).astype(float)
    ok = np.isfinite(t)
    times, inv = np.unique(t[ok], return_inverse=True)
    deaths = np.bincount(inv, weights=d[ok], minlength=len(times))
    at_risk = np.bincount(inv, minlength=len(times))[::-1].cumsum()[::-1]
    h = np.cumsum(deaths / at_risk)
    out = np.full(len(t), np.nan)
    out[ok] = h[inv]
    return out


def missing_summary(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """How much is missing in each column: ``column, n_missing, share_missing, n``.

    Counts are raw: publish them through disclosure control.
    """
    n = len(data)
    miss = [int(data[c].isna().sum()) for c in columns]
    return pd.DataFrame({"column": list(columns), "n_missing": miss,
                         "share_missing": [x / n if n else np.nan for x in miss], "n": n})


def _kind(col: pd.Series) -> str:
    if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col):
        return "categorical"
    if pd.api.types.is_numeric_dtype(col):
        return "binary" if col.dropna().nunique() <= 2 else "numeric"
    raise AltMeasuresError(f"cannot impute column {col.name!r} of type {col.dtype}: make it numeric or categorical")


@dataclass(frozen=True)
class ImputedData:
    """m completed versions of a data set (multiple imputation by chained equations).

    Only the imputed values are stored; :meth:`complete` builds the l-th completed data set.

    Attributes
    ----------
    data : pandas.DataFrame
        The incomplete data, as given.
    imputed : tuple of dict
        For each imputation, ``{column: values}`` for the rows where ``column`` is missing (in
        row order).
    m : int
        Number of imputations.
    columns : tuple of str
        The columns imputed (those of the imputation model with missing values).
    methods : dict
        Method per imputed column: ``pmm``, ``norm`` or ``logreg`` (logistic or multinomial).
    predictors : tuple of str
        Every variable of the imputation model (covariates and auxiliaries).
    missing : pandas.DataFrame
        ``column, n_missing, share_missing, n`` for every covariate of the model (raw counts).
    seeds : tuple of int
        The seed of each imputation's chain.
    iterations : int
        Cycles through the incomplete columns in each chain.
    notes : tuple of str
    """

    data: pd.DataFrame = field(repr=False)
    imputed: tuple[dict[str, np.ndarray], ...] = field(repr=False)
    m: int
    columns: tuple[str, ...]
    methods: dict[str, str]
    predictors: tuple[str, ...]
    missing: pd.DataFrame = field(repr=False)
    seeds: tuple[int, ...] = ()
    iterations: int = 0
    notes: tuple[str, ...] = ()

    def complete(self, i: int) -> pd.DataFrame:
        """The ``i``-th completed data set (0-based), a copy of ``data`` with its gaps filled."""
        if not 0 <= i < self.m:
            raise IndexError(f"imputation {i} does not exist: there are m = {self.m} (0 to {self.m - 1})")
        out = self.data.copy()
        for c, vals in self.imputed[i].items():
            mask = out[c].isna().to_numpy()
            col = out[c]
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.copy()
                col[mask] = vals
                out[c] = col
            else:
                arr = col.to_numpy(dtype=object if col.dtype == object else float, copy=True)
                arr[mask] = vals
                out[c] = pd.Series(arr, index=out.index, name=c).astype(col.dtype if col.dtype == object else
                                                                          _numeric_dtype(col, vals))
        return out

    def completed(self) -> list[pd.DataFrame]:
        """All m completed data sets."""
        return [self.complete(i) for i in range(self.m)]

    @property
    def summary(self) -> pd.DataFrame:
        """The missing-data table with the method used for each imputed column."""
        return self.missing.assign(method=self.missing["column"].map(self.methods).fillna("(complete)"))


def _numeric_dtype(col: pd.Series, vals: np.ndarray) -> Any:
    # predictive mean matching returns observed values: an integer column stays integer
    if pd.api.types.is_integer_dtype(col.dtype) or (np.all(np.mod(vals, 1) == 0)
                                                     and np.all(np.mod(col.dropna().to_numpy(float), 1) == 0)):
        return "int64"
    return "float64"


def _design(frame: dict[str, np.ndarray], kinds: dict[str, str], levels: dict[str, np.ndarray],
            names: Sequence[str], aux: np.ndarray) -> np.ndarray:
    """Standardised design matrix (intercept, numeric columns, dummies of categories, auxiliaries)."""
    cols = [np.ones(len(aux))]
    for c in names:
        v = frame[c]
        if kinds[c] == "categorical":
            codes = v.astype(int)
            k = len(levels[c])
            if k > 1:
                cols.extend((codes == j).astype(float) for j in range(1, k))
        else:
            cols.append(v.astype(float))
    X = np.column_stack([*cols, aux]) if aux.size else np.column_stack(cols)
    sd = X[:, 1:].std(axis=0)
    mu = X[:, 1:].mean(axis=0)
    sd[sd == 0] = 1.0
    X[:, 1:] = (X[:, 1:] - mu) / sd
    return X


def _pmm(X: np.ndarray, y: np.ndarray, obs: np.ndarray, rng: np.random.Generator, donors: int,
         match: bool = True) -> np.ndarray:
    """mice.impute.pmm (type 1 matching) / mice.impute.norm: Bayesian linear regression draw."""
    Xo, yo = X[obs], y[obs]
    # ridge 1e-5 as mice's norm.draw, for near-collinear predictors
    xtx = Xo.T @ Xo
    xtx += np.diag(np.maximum(np.diag(xtx), 1e-12) * 1e-5)
    inv = np.linalg.inv(xtx)
    beta = inv @ Xo.T @ yo
    resid = yo - Xo @ beta
    df = max(len(yo) - X.shape[1], 1)
    sigma = np.sqrt(resid @ resid / rng.chisquare(df))
    chol = np.linalg.cholesky((inv + inv.T) / 2)
    beta_star = beta + sigma * chol @ rng.standard_normal(len(beta))
    Xm = X[~obs]
    if not match:
        return Xm @ beta_star + sigma * rng.standard_normal(len(Xm))
    yhat_obs = Xo @ beta
    yhat_mis = Xm @ beta_star
    order = np.argsort(yhat_obs, kind="stable")
    s = yhat_obs[order]
    d = min(donors, len(s))
    pos = np.searchsorted(s, yhat_mis)
    # candidates: the d closest on each side, then the d nearest of those
    win = pos[:, None] + np.arange(-d, d)[None, :]
    win = np.clip(win, 0, len(s) - 1)
    dist = np.abs(s[win] - yhat_mis[:, None]) + rng.uniform(0, 1e-12, win.shape)  # random tie-break
    nearest = np.argsort(dist, axis=1)[:, :d]
    pick = nearest[np.arange(len(yhat_mis)), rng.integers(0, d, len(yhat_mis))]
    return yo[order][win[np.arange(len(yhat_mis)), pick]]


def _logreg_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit a (multinomial) logistic model of ``y`` on ``X`` (intercept first) and the Cholesky
    factor of its approximate posterior covariance.

    Returns ``classes``, ``B`` (``p x (K-1)``: coefficients of each class against the first,
    intercept first) and ``L`` (lower Cholesky factor of the inverse information of ``vec(B)``,
    column-major: class after class).
    """
    from sklearn.linear_model import LogisticRegression

    C = 100.0  # weak ridge penalty on standardised predictors: finite fits under separation
    # Newton's method on the exact Hessian (scikit-learn's newton-cholesky solver, multinomial since
    # 1.6). With a weak penalty and rare categories held by few people, the likelihood is nearly flat
    # along some directions and lbfgs crawls: it took 225 iterations on the sample's substance
    # model and 457-523 on 600-1,500-person extracts (so the old limit of 500 raised scikit-learn's
    # ConvergenceWarning) and stopped short of the optimum at tol 1e-6 (coefficients 0.015 away from
    # it in tests/imputation/test_mice.py); Newton reaches it in 10-12 iterations, in a third of the
    # CPU time or less on those extracts.
    model = LogisticRegression(C=C, solver="newton-cholesky", max_iter=100, tol=1e-10)
    model.fit(X[:, 1:], y)
    classes = model.classes_
    coef = np.column_stack([model.intercept_, model.coef_])  # (1 or K) x p
    if len(classes) == 2:
        B = coef.T  # class 1 against class 0
    else:
        B = (coef[1:] - coef[0]).T
    eta = X @ B
    ex = np.exp(eta - np.maximum(eta.max(axis=1, keepdims=True), 0))
    P = ex / (np.exp(-np.maximum(eta.max(axis=1, keepdims=True), 0)) + ex.sum(axis=1, keepdims=True))
    k1, p = B.shape[1], X.shape[1]
    H = np.empty((k1 * p, k1 * p))
    for a in range(k1):
        for b in range(a, k1):
            w = P[:, a] * ((a == b) - P[:, b])
            blk = X.T @ (X * w[:, None])
            H[a * p:(a + 1) * p, b * p:(b + 1) * p] = blk
            H[b * p:(b + 1) * p, a * p:(a + 1) * p] = blk.T
    ridge = np.tile(np.r_[0.0, np.full(p - 1, 1 / C)], k1)
    H[np.diag_indices_from(H)] += ridge + np.maximum(np.diag(H), 1e-12) * 1e-5
    V = np.linalg.inv(H)
    L = np.linalg.cholesky((V + V.T) / 2)
    return classes, B, L


def _logreg(X: np.ndarray, codes: np.ndarray, obs: np.ndarray, k: int, rng: np.random.Generator,
            cache: dict[str, Any] | None = None, key: str = "") -> np.ndarray:
    """Logistic (k = 2) or multinomial logistic imputation, as mice's ``logreg``: the model is
    fitted on the observed rows, its coefficients drawn from their approximate posterior (normal,
    centred on the estimate, with the inverse information as covariance), and a category drawn for
    each missing row from the probabilities under the drawn coefficients.

    ``cache``: fits by column, reused while the predictors and the observed values are the same
    (with one incomplete covariate they are the same in every imputation, so the model is fitted
    once and each imputation draws its own coefficients: the multinomial fits were most of the
    time of a multiple imputation).
    """
    yo = codes[obs]
    present = np.unique(yo)
    if len(present) == 1:
        return np.full(int((~obs).sum()), present[0])
    import hashlib

    h = hashlib.sha1(np.ascontiguousarray(X[obs]).tobytes())
    h.update(np.ascontiguousarray(yo).tobytes())
    fp = f"{key}:{h.hexdigest()}"
    if cache is not None and fp in cache:
        classes, B, L = cache[fp]
    else:
        classes, B, L = _logreg_fit(X[obs], yo)
        if cache is not None:
            cache.clear() if len(cache) > 16 else None
            cache[fp] = (classes, B, L)
    k1, p = B.shape[1], B.shape[0]
    Bs = B + (L @ rng.standard_normal(k1 * p)).reshape(k1, p).T
    eta = X[~obs] @ Bs
    top = np.maximum(eta.max(axis=1, keepdims=True), 0)
    ex = np.column_stack([np.exp(-top), np.exp(eta - top)])
    prob = ex / ex.sum(axis=1, keepdims=True)
    u = rng.uniform(size=(len(prob), 1))
    draw = (prob.cumsum(axis=1) < u).sum(axis=1)
    return classes[np.minimum(draw, len(classes) - 1)]


def impute_chained(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    auxiliary: Sequence[str] = (),
    duration: str | None = None,
    event: str | None = None,
    m: int = 20,
    iterations: int = 5,
    methods: Mapping[str, str] | None = None,
    donors: int = 5,
    random_state: int | None = None,
) -> ImputedData:
    """Impute the missing values of ``columns`` m times by chained equations.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person.
    columns : sequence of str
        The covariates: those with missing values are imputed, all of them are predictors.
    auxiliary : sequence of str
        Complete or incomplete variables that enter every imputation model as predictors but are
        not imputed: the treatment and the outcome indicators, as the literature recommends
        (Moons et al. 2006; White, Royston & Wood 2011). A missing auxiliary value (an outcome not
        observable) enters as its mean plus a missing-value indicator.
    duration, event : str, optional
        A time-to-event outcome: the event indicator and the Nelson-Aalen cumulative hazard at the
        observed time are added as predictors (White & Royston 2009).
    m : int, default 20
        Number of imputations.
    iterations : int, default 5
        Cycles of the chained equations in each chain (mice's default 5; 1 when only one column is incomplete:
        there is nothing to iterate).
    methods : mapping, optional
        Method per column: ``pmm`` (default for numeric), ``norm`` (Bayesian linear regression,
        values not restricted to observed ones), ``logreg`` (default for binary and categorical).
    donors : int, default 5
        Donors of predictive mean matching (mice's default).
    random_state : int, optional
        Seed; each imputation's chain gets its own seed derived from it (recorded in ``seeds``).

    Returns
    -------
    ImputedData

    Raises
    ------
    ConfigError
        A column that does not exist, m < 2, an unknown method, or a column with no observed value.

    Notes
    -----
    Missing at random (MAR) given the variables of the imputation model is assumed: whether a
    value is missing may depend on observed covariates, the treatment and the outcome, not on the
    missing value itself.

    References
    ----------
    van Buuren, S. (2018). *Flexible Imputation of Missing Data* (2nd ed.). CRC Press.
    White, I. R., & Royston, P. (2009). Imputing missing covariate values for the Cox model.
    *Statistics in Medicine*, 28(15), 1982-1998.
    Rubin, D. B., & Schenker, N. (1986). Multiple imputation for interval estimation from simple
    random samples with ignorable nonresponse. *JASA*, 81(394), 366-374.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=200), "g": rng.choice(["a", "b"], 200)})
    >>> df["y"] = df["x"] + rng.normal(size=200)
    >>> df.loc[:39, "x"] = np.nan
    >>> imp = impute_chained(df, ["x", "g"], auxiliary=["y"], m=3, random_state=1)
    >>> int(imp.complete(0)["x"].isna().sum())
    0
    """
    columns = list(dict.fromkeys(columns))
    auxiliary = [a for a in dict.fromkeys(auxiliary) if a not in columns]
    absent = [c for c in [*columns, *auxiliary, *(x for x in (duration, event) if x)] if c not in data.columns]
    if absent:
        raise ConfigError(f"imputation: column(s) {absent} are not in the data; available: {list(data.columns)[:30]}")
    if int(m) < 2:
        raise ConfigError(f"imputation: m = {m}; multiple imputation needs m >= 2 (20 is the default)")
    methods = dict(methods or {})
    bad = {c: v for c, v in methods.items() if v not in METHODS}
    if bad:
        raise ConfigError(f"imputation: unknown method(s) {bad}; use one of {list(METHODS)}")
    n = len(data)
    kinds = {c: _kind(data[c]) for c in columns}
    incomplete = [c for c in columns if data[c].isna().any()]
    for c in incomplete:
        if data[c].notna().sum() == 0:
            raise ConfigError(f"imputation: column {c!r} has no observed value; it cannot be imputed "
                              "(remove it from [design] covariates)")
        methods.setdefault(c, "pmm" if kinds[c] == "numeric" else "logreg")
        if methods[c] == "logreg" and kinds[c] == "numeric":
            raise ConfigError(f"imputation: {c!r} is numeric with more than two values; use pmm or norm")
        if kinds[c] != "numeric" and methods[c] != "logreg":
            kinds[c] = "numeric"  # a binary column imputed by pmm/norm as asked
    methods = {c: methods[c] for c in incomplete}
    # encode: categories as integer codes (missing -1), numeric as float (missing nan)
    levels: dict[str, np.ndarray] = {}
    base: dict[str, np.ndarray] = {}
    for c in columns:
        col = data[c]
        if kinds[c] in ("categorical", "binary"):
            codes, uniq = pd.factorize(col, sort=True)
            levels[c] = np.asarray(uniq, dtype=object)
            if kinds[c] == "binary":
                kinds[c] = "categorical"
            base[c] = codes.astype(float)
            base[c][codes < 0] = np.nan
        else:
            base[c] = col.to_numpy(dtype=float, na_value=np.nan)
    aux_cols: list[np.ndarray] = []
    for a in auxiliary:
        v = pd.to_numeric(data[a], errors="coerce").to_numpy(float)
        miss = ~np.isfinite(v)
        if miss.all():
            continue
        aux_cols.append(np.where(miss, np.nanmean(v[~miss]), v))
        if miss.any():
            aux_cols.append(miss.astype(float))
    notes: list[str] = []
    if duration and event:
        ev = pd.to_numeric(data[event], errors="coerce").fillna(0).to_numpy(float) > 0
        aux_cols += [ev.astype(float), np.nan_to_num(nelson_aalen(data[duration].to_numpy(float), ev))]
        notes.append(f"imputation model includes the event indicator {event!r} and the Nelson-Aalen cumulative "
                     f"hazard at {duration!r} (White & Royston 2009)")
    aux = np.column_stack(aux_cols) if aux_cols else np.empty((n, 0))
    iters = 1 if len(incomplete) <= 1 else int(iterations)
    seeds = tuple(int(s) for s in np.random.SeedSequence(random_state).generate_state(int(m)))
    masks = {c: np.isnan(base[c]) for c in incomplete}
    imputed: list[dict[str, np.ndarray]] = []
    fits: dict[str, Any] = {}  # logistic fits, reused while predictors and observed values are unchanged
    for seed in seeds:
        rng = np.random.default_rng(seed)
        frame = {c: base[c].copy() for c in columns}
        for c in incomplete:  # start from random draws of the observed values
            obs_vals = frame[c][~masks[c]]
            frame[c][masks[c]] = rng.choice(obs_vals, int(masks[c].sum()))
        for _ in range(iters):
            for c in incomplete:
                others = [o for o in columns if o != c]
                X = _design(frame, kinds, levels, others, aux)
                obs = ~masks[c]
                if methods[c] == "logreg":
                    frame[c][masks[c]] = _logreg(X, frame[c].astype(int), obs, len(levels[c]), rng, fits, c)
                else:
                    frame[c][masks[c]] = _pmm(X, frame[c], obs, rng, donors, match=methods[c] == "pmm")
        out = {}
        for c in incomplete:
            vals = frame[c][masks[c]]
            out[c] = levels[c][vals.astype(int)] if c in levels else vals
        imputed.append(out)
    if incomplete:
        notes.insert(0, f"{m} imputations by chained equations ({iters} iteration(s) per chain) of "
                        + ", ".join(f"{c} ({methods[c]})" for c in incomplete)
                        + f"; predictors: the other covariates and {', '.join(auxiliary) or 'no auxiliary variable'}")
    return ImputedData(data=data, imputed=tuple(imputed), m=int(m), columns=tuple(incomplete), methods=methods,
                       predictors=tuple([*columns, *auxiliary, *(x for x in (event, duration) if x)]),
                       missing=missing_summary(data, columns), seeds=seeds, iterations=iters, notes=tuple(notes))
