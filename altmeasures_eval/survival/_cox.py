"""Cox proportional-hazards regression: vectorised Efron fit (lifelines' iterations), Lin-Wei variance, PH tests."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.survival import _coxcore as core
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._results import SurvivalResult, wald

_TRANSFORMS = ("km", "rank", "identity", "log")


@dataclass(frozen=True, repr=False)
class PHTestResult(SurvivalResult):
    """Tests of proportional hazards: score tests for :math:`g(t) x` terms (R survival >= 3.0 ``cox.zph``).

    ``summary`` has one row per design column and a final ``GLOBAL`` row: ``term``, ``statistic``
    (chi-square), ``df``, ``p_value``; ``residuals`` holds the scaled Schoenfeld residuals
    :math:`D \\hat V s_k + \\hat\\beta` and the (centred) transformed event times, for plots.
    """

    residuals: pd.DataFrame
    transform: str

    _title = "Proportional-hazards test (scaled Schoenfeld residuals)"


@dataclass(frozen=True, repr=False)
class CoxResult(SurvivalResult):
    """A fitted Cox model.

    Attributes
    ----------
    summary : DataFrame
        ``term``, ``estimate`` (log hazard ratio), ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``n``,
        ``hazard_ratio``, ``hr_ci_low``, ``hr_ci_high``, ``se_model`` (model-based SE, for reference).
    tests : DataFrame
        Global tests: likelihood ratio (model-based) and Wald (using the reported variance).
    ph_test : PHTestResult or None
    ph_violated : tuple of str
        Terms whose PH test has p < 0.05. When it holds the treatment term, report RMST first.
    variance_matrix : DataFrame
        The variance used for ``se``.
    n_events : int
    """

    tests: pd.DataFrame
    ph_test: PHTestResult | None
    ph_violated: tuple[str, ...]
    variance_matrix: pd.DataFrame
    n_events: int
    log_likelihood: float

    _title = "Cox proportional-hazards model"


def _design(data: pd.DataFrame, covariates: Sequence[str], table: str) -> pd.DataFrame:
    """Numeric design matrix; categorical columns become indicators of every level but the first."""
    parts = []
    for col in covariates:
        s = data[col]
        missing = s.isna().to_numpy()
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            missing |= ~np.isfinite(s.to_numpy(dtype=float, na_value=np.nan))
        if missing.any():
            bad = np.flatnonzero(missing)
            raise DataContractError(
                f"table {table!r}, column {col!r}: {bad.size} missing or infinite value(s), first at row "
                f"{v.plain(data.index[bad[0]])!r} ({v.plain(s.iloc[bad[0]])!r}). Impute, add a missing-indicator level, "
                "or drop those rows before the Cox fit."
            )
        if pd.api.types.is_bool_dtype(s):
            parts.append(s.astype(float).rename(col))
        elif pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float))
        else:
            levels = sorted(pd.unique(s), key=str)
            dummies = pd.DataFrame({f"{col}[{lev}]": (s == lev).astype(float) for lev in levels[1:]}, index=data.index)
            parts.append(dummies)
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=data.index)
    arr = x.to_numpy()
    const = [c for c, lo, hi in zip(x.columns, arr.min(axis=0), arr.max(axis=0)) if lo == hi]
    if const:
        raise DataContractError(f"table {table!r}: covariate column(s) {const} are constant; drop them from covariates.")
    centred = arr - arr.mean(axis=0)
    cross = centred.T @ centred
    scale = np.sqrt(np.diag(cross))
    corr = cross / np.outer(scale, scale)
    if np.linalg.matrix_rank(corr, tol=1e-10) < corr.shape[0]:
        eigval, eigvec = np.linalg.eigh(corr)
        involved = [c for c, load in zip(x.columns, eigvec[:, 0]) if abs(load) > 1e-3]
        raise DataContractError(
            f"table {table!r}: covariates {involved} are linearly dependent (one is a combination of the others); "
            "drop one of them or merge categories."
        )
    return x


def _transformed_times(t: np.ndarray, d: np.ndarray, transform: str) -> np.ndarray:
    """g(t) for every row, centred at its mean over event rows (R ``cox.zph``)."""
    if transform == "identity":
        g = t.copy()
    elif transform == "log":
        g = np.log(t)
    elif transform == "rank":
        g = stats.rankdata(t)
    else:  # 'km': one minus the pooled, unweighted Kaplan-Meier just before t
        from altmeasures_eval.survival._kmcore import risk_table

        rt = risk_table(t, d.astype(float), None)
        j = np.searchsorted(rt.time, t, side="left") - 1
        g = 1.0 - np.where(j >= 0, rt.survival[np.maximum(j, 0)], 1.0)
    return g - g[d > 0].mean()


def _ph_test(parts: list[tuple[np.ndarray, core.StratumResiduals]], t: np.ndarray, d: np.ndarray,
             w: np.ndarray, beta: np.ndarray, var: np.ndarray, terms: list[str], transform: str) -> PHTestResult:
    r"""Score test of :math:`\gamma = 0` in :math:`x^\top\beta + g(t) x^\top\gamma` (R survival >= 3.0 ``cox.zph``)."""
    g = _transformed_times(t, d, transform)
    p = len(terms)
    info = np.zeros((2 * p, 2 * p))
    u = np.zeros(2 * p)
    ev_t, ev_g, schoen_all = [], [], []
    order = np.argsort(t, kind="stable")
    for rows, res in parts:
        er = rows[res.event_rows]
        u[p:] += (w[er] * g[er]) @ res.schoenfeld
        # g is a function of time only: look it up at each stratum event time
        gj = g[order][np.searchsorted(t[order], res.event_times)]
        info[:p, :p] += res.information.sum(axis=0)
        info[:p, p:] += np.einsum("j,jab->ab", gj, res.information)
        info[p:, p:] += np.einsum("j,jab->ab", gj**2, res.information)
        ev_t.append(t[er])
        ev_g.append(g[er])
        schoen_all.append(res.schoenfeld)
    info[p:, :p] = info[:p, p:].T
    stat = np.empty(p + 1)
    for i in range(p):
        kk = np.r_[np.arange(p), p + i]
        stat[i] = u[kk] @ np.linalg.solve(info[np.ix_(kk, kk)], u[kk])
    stat[p] = u @ np.linalg.solve(info, u)
    summary = pd.DataFrame({"term": [*terms, "GLOBAL"], "statistic": stat, "df": [1] * p + [p],
                            "p_value": stats.chi2.sf(stat, [1] * p + [p])})
    schoen = np.concatenate(schoen_all)
    resid = pd.DataFrame(len(schoen) * schoen @ var + beta, columns=terms)
    resid.insert(0, "transformed_time", np.concatenate(ev_g))
    resid.insert(0, "time", np.concatenate(ev_t))
    return PHTestResult(summary=summary, variance="model-based (observed information of beta and g(t) x terms)",
                        notes=("score test of time-varying coefficients (Grambsch and Therneau 1994; R survival >= 3.0 "
                               "cox.zph), one test per design column and a global test.",),
                        residuals=resid, transform=transform)


def _fit(x: pd.DataFrame, t: np.ndarray, d: np.ndarray, w: np.ndarray | None, strata: np.ndarray | None,
         ties: str) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Coefficients, model-based variance, log partial likelihood at the estimate and at zero."""
    terms = list(x.columns)
    if ties == "breslow":
        from statsmodels.duration.hazard_regression import PHReg

        model = PHReg(t, x.to_numpy(), status=d, strata=strata, ties="breslow")
        fit = model.fit(tol=1e-12)
        return (np.asarray(fit.params), np.asarray(fit.cov_params()), float(fit.llf),
                float(model.loglike(np.zeros(len(terms)))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ill-conditioned steps, as lifelines' fit below: the result says
        fit = core.efron_fit(t, d, x.to_numpy(dtype=float), np.ones(len(t)) if w is None else w, strata,
                             precision=1e-10)
    if fit is not None:
        return fit
    # degenerate data (e.g. monotone likelihood): lifelines fits and warns or fails in its own words
    from lifelines import CoxPHFitter

    frame = x.reset_index(drop=True).copy()
    frame["__T"], frame["__E"] = t, d
    if w is not None:
        frame["__W"] = w
    if strata is not None:
        frame["__S"] = strata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about non-integer weights; we compute the robust variance
        cph = CoxPHFitter().fit(frame, "__T", "__E", weights_col="__W" if w is not None else None,
                                strata=["__S"] if strata is not None else None, fit_options={"precision": 1e-10})
    ll = float(cph.log_likelihood_)
    return (cph.params_.loc[terms].to_numpy(), cph.variance_matrix_.loc[terms, terms].to_numpy(), ll,
            ll - float(cph.log_likelihood_ratio_test().test_statistic) / 2)


def cox_ph(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool | None = None,
    alpha: float = 0.05,
    ties: str = "efron",
    ph_test: bool = True,
    transform: str = "km",
    table: str = "data",
) -> CoxResult:
    """Fit a Cox proportional-hazards model and report hazard ratios.

    Estimates log hazard ratios :math:`\\beta` in :math:`\\lambda(t \\mid x) = \\lambda_{0s}(t) \\exp(x^\\top\\beta)`
    (baseline hazard per stratum *s*) by maximising the weighted Efron partial likelihood (lifelines'
    Newton-Raphson with its derivatives vectorised over distinct times; lifelines itself on degenerate data),
    or the Breslow one (statsmodels ``PHReg``, unweighted only). The robust variance is the Lin-Wei
    sandwich :math:`D^\\top D` computed here, vectorised, with the same tie method (equal to R
    ``coxph(..., robust=TRUE, cluster=)``); lifelines' own ``robust=True`` is slow and ignores ties.
    Assumes proportional hazards (tested with ``ph_test``) and independent censoring; with weights,
    that the weights remove confounding (the hazard ratio is then marginal, not conditional).

    Parameters
    ----------
    data : DataFrame
    duration, event : str
        Days at risk and event indicator (1 event, 0 censored).
    covariates : sequence of str
        Covariate columns; non-numeric columns enter as indicators (first level is the reference).
    strata : str or sequence of str, optional
        Stratification columns (separate baseline hazards, e.g. jurisdiction or matched set).
    weights : str, optional
        Case weights (matching or IPW), treated as fixed.
    cluster : str, optional
        Cluster identifier (matched set or person) for the robust variance.
    robust : bool, optional
        Default: True when ``weights`` or ``cluster`` is given, else False (model-based variance).
    alpha : float
        1 - confidence level.
    ties : {'efron', 'breslow'}
        Approximation for tied event times (days: always ties). Breslow needs no weights.
    ph_test : bool
        Run the proportional-hazards score test (per term and global, as R ``cox.zph``).
    transform : {'km', 'rank', 'identity', 'log'}
        Time transform for the PH test.
    table : str
        Table name for error messages.

    Returns
    -------
    CoxResult

    References
    ----------
    Cox DR (1972). JRSS B 34:187-220. Efron B (1977). JASA 72:557-565. Lin DY, Wei LJ (1989). The
    robust inference for the Cox proportional hazards model. JASA 84:1074-1078. Grambsch PM, Therneau TM
    (1994). Biometrika 81:515-526.
    """
    alpha = v.check_alpha(alpha)
    if ties not in ("efron", "breslow"):
        raise ConfigError(f"ties must be 'efron' or 'breslow', got {ties!r}.")
    if ties == "breslow" and weights is not None:
        raise ConfigError("ties='breslow' is available for unweighted fits only (statsmodels PHReg has no case "
                          "weights); use ties='efron' (the default, as R coxph) with weights.")
    if transform not in _TRANSFORMS:
        raise ConfigError(f"transform must be one of {_TRANSFORMS}, got {transform!r}.")
    covariates = list(covariates)
    if not covariates:
        raise ConfigError("cox_ph needs at least one covariate (e.g. covariates=['treatment']).")
    strata_cols = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    v.require_columns(data, [duration, event, weights, cluster, *covariates, *strata_cols], table)
    t = v.duration_array(data, duration, table)
    d = v.event_array(data, event, table)
    w = v.weight_array(data, weights, table)
    cl = v.code_array(data, cluster, table)
    clusters = None if cl is None else cl[0]
    if w is not None and (w == 0).any():  # zero weight (e.g. unmatched): no contribution to the fit
        keep = w > 0
        data, t, d, w = data.loc[keep], t[keep], d[keep], w[keep]
        clusters = None if clusters is None else clusters[keep]
    if d.sum() == 0:
        raise DataContractError(f"table {table!r}, column {event!r}: no events; a Cox model cannot be fitted.")
    x = _design(data, covariates, table)
    terms = list(x.columns)
    if strata_cols:
        st_codes = pd.MultiIndex.from_frame(data[strata_cols].astype(str)).factorize()[0] if len(strata_cols) > 1 \
            else v.code_array(data, strata_cols[0], table)[0]
    else:
        st_codes = np.zeros(t.size, dtype=np.int64)
    use_robust = (w is not None or clusters is not None) if robust is None else bool(robust)

    beta, naive, loglik, loglik_null = _fit(x, t, d, w, st_codes if strata_cols else None, ties)
    xa = x.to_numpy()
    ww = np.ones_like(t) if w is None else w
    score = np.zeros((t.size, len(terms)))
    parts = []
    for s in np.unique(st_codes):
        rows = np.flatnonzero(st_codes == s)
        res = core.stratum_residuals(t[rows], d[rows], xa[rows], ww[rows], beta, ties, information=ph_test)
        score[rows] = res.score
        parts.append((rows, res))
    if use_robust:
        var = core.sandwich(score, ww, naive, clusters)
        unit = f"clusters of {cluster!r}" if cluster else "each row as its own cluster"
        label = f"Lin-Wei robust sandwich ({ties.capitalize()} ties), {unit}"
        if w is not None:
            label += f", weights {weights!r} treated as fixed"
    else:
        var = naive
        label = "model-based (inverse of the observed information)"
    se = np.sqrt(np.diag(var))
    lo, hi, p = wald(beta, se, alpha)
    with np.errstate(over="ignore"):  # diverging coefficients give inf hazard ratios (noted below)
        summary = pd.DataFrame({
            "term": terms, "estimate": beta, "se": se, "ci_low": lo, "ci_high": hi, "p_value": p, "n": t.size,
            "hazard_ratio": np.exp(beta), "hr_ci_low": np.exp(lo), "hr_ci_high": np.exp(hi),
            "se_model": np.sqrt(np.diag(naive)),
        })
    lr_stat = 2 * (loglik - loglik_null)
    wald_stat = float(beta @ np.linalg.solve(var, beta))
    tests = pd.DataFrame({
        "test": ["likelihood ratio", "wald"], "statistic": [lr_stat, wald_stat],
        "df": [len(terms)] * 2, "p_value": stats.chi2.sf([lr_stat, wald_stat], len(terms)),
    })
    notes = [f"ties: {ties.capitalize()}; {int(d.sum())} events in {t.size} rows"
             + (f"; stratified by {strata_cols}" if strata_cols else "")]
    diverged = [term for term, b, s_ in zip(terms, beta, summary["se_model"]) if s_ > 100 * max(1.0, abs(b))]
    if diverged:
        notes.append(f"coefficients of {diverged} did not converge to finite values (monotone likelihood: the covariate "
                     "separates events from non-events); their hazard ratios and intervals are meaningless — drop or "
                     "combine those covariates.")
    if w is not None:
        notes.append(f"weighted by {weights!r}: marginal hazard ratio; likelihood-ratio test is model-based.")
    pht, violated = None, ()
    if ph_test:
        pht = _ph_test(parts, t, d, ww, beta, naive, terms, transform)
        per = pht.summary.iloc[:-1]
        violated = tuple(per.loc[per["p_value"] < 0.05, "term"])
        if violated:
            notes.append(f"proportional hazards rejected (p < 0.05) for {list(violated)}: the hazard ratio is an "
                         "average over follow-up; lead with RMST and risk differences.")
    vm = pd.DataFrame(var, index=terms, columns=terms)
    return CoxResult(summary=summary, variance=label, notes=tuple(notes), tests=tests, ph_test=pht,
                     ph_violated=violated, variance_matrix=vm, n_events=int(d.sum()),
                     log_likelihood=loglik)


def hazard_ratio(
    data: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str = "treatment",
    covariates: Sequence[str] = (),
    **kwargs: object,
) -> CoxResult:
    """Hazard ratio of ``treatment`` (first row of ``summary``), optionally adjusted for ``covariates``.

    A thin wrapper of :func:`cox_ph` for the effects layer: pass ``weights=`` and ``cluster=`` for a
    weighted (marginal) hazard ratio with the cluster-robust variance. Other keywords go to
    :func:`cox_ph`.
    """
    covs = [treatment, *[c for c in covariates if c != treatment]]
    return cox_ph(data, duration, event, covs, **kwargs)  # type: ignore[arg-type]


