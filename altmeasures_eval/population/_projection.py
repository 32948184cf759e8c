"""Monthly stock-flow projection of the prison population, with diversion scenarios.

The population at the end of month ``t`` is the sum over past admissions of the probability that
each is still held: ``P(t) = sum_s A(s) k(t - s)``, with ``k`` the stay kernel from the Kaplan-Meier
curve of time served (:func:`~altmeasures_eval.population.stay_kernel`). This is the convolution of
inflows with time-served profiles used by the Ministry of Justice's prisons ready reckoner, here
per jurisdiction and for two admission streams (eligible minor drug cases, all other admissions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.population._base import ResultMixin
from altmeasures_eval.population._los import LengthOfStay, stay_kernel
from altmeasures_eval.population._spells import DAYS_PER_MONTH, STREAM_ELIGIBLE, STREAM_OTHER

__all__ = ["ReadmissionRates", "Projection", "project_population"]

BASELINE = "baseline"


def _draws(value: ArrayLike, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name} must be a finite number or a 1-D array of bootstrap draws")
    if np.any((arr < 0) | (arr > 1)):
        raise ConfigError(f"{name} is a probability; got values outside [0, 1] (e.g. {arr.max():g})")
    return arr


@dataclass(frozen=True)
class ReadmissionRates:
    """Probabilities of a later custody admission by arm, as point values or bootstrap draws.

    Each field is a number or a 1-D array of bootstrap draws of the estimated quantity (from the
    effects layer, e.g. the adjusted reoffending rate of each arm under the ATC, the estimand for
    "diverting those now sent to custody"). Arrays of equal length are paired draw by draw (the same
    bootstrap replicate); a scalar is broadcast.

    Attributes
    ----------
    reoffend_custody, reoffend_alternative : float or array
        Proven reoffending within ``horizon_days`` of the start of time at risk.
    custody_on_reoffence_custody, custody_on_reoffence_alternative : float or array
        Probability that a proven reoffence leads to custody.
    breach_custody_alternative : float or array
        Probability that the alternative ends in custody for breach or recall (counted against it).
    horizon_days : int
        Horizon of the rates; re-admissions are spread evenly over it.
    """

    reoffend_custody: ArrayLike
    reoffend_alternative: ArrayLike
    custody_on_reoffence_custody: ArrayLike
    custody_on_reoffence_alternative: ArrayLike
    breach_custody_alternative: ArrayLike = 0.0
    horizon_days: int = 365

    def arms(self) -> tuple[np.ndarray, np.ndarray]:
        """Draws of the re-admission probability ``(alternative, custody)``, broadcast together."""
        a = _draws(self.reoffend_alternative, "reoffend_alternative") * _draws(
            self.custody_on_reoffence_alternative, "custody_on_reoffence_alternative"
        ) + _draws(self.breach_custody_alternative, "breach_custody_alternative")
        c = _draws(self.reoffend_custody, "reoffend_custody") * _draws(
            self.custody_on_reoffence_custody, "custody_on_reoffence_custody"
        )
        try:
            a, c = np.broadcast_arrays(a, c)
        except ValueError as exc:
            raise ConfigError("bootstrap draws of the rates must have equal lengths") from exc
        return np.minimum(a, 1.0), c


@dataclass(frozen=True)
class Projection(ResultMixin):
    """Baseline and scenario population paths per jurisdiction.

    Attributes
    ----------
    paths : pandas.DataFrame
        ``jurisdiction`` (``"all"`` = sum), ``month`` (Period), ``scenario`` (``baseline``,
        ``divert_10`` ...), ``share``, ``projected`` (False over the observed months), ``population``
        (model point value), ``low``, ``high`` (band over the effect draws; equal to the point for the
        baseline), ``observed`` (observed population, observed months only), ``capacity``,
        ``occupancy`` (population / capacity).
    occupancy : pandas.DataFrame
        Over the projected months, per jurisdiction and scenario: ``mean_occupancy``,
        ``peak_occupancy``, ``months_over_capacity`` (point path) and ``months_over_capacity_high``.
    backcast : pandas.DataFrame
        Per jurisdiction: ``months`` compared, ``mae``, ``mape``, ``mean_error`` (model minus
        observed), ``observed_source``.
    admissions : pandas.DataFrame
        Observed and projected admissions by jurisdiction, month and stream.
    settings : dict
    notes : tuple of str
    """

    paths: pd.DataFrame
    occupancy: pd.DataFrame
    backcast: pd.DataFrame
    admissions: pd.DataFrame
    settings: dict
    notes: tuple[str, ...] = field(default=())
    _title = "Prison population projection"

    @property
    def summary(self) -> pd.DataFrame:
        """Population at the end of the projection by jurisdiction and scenario, with the change."""
        last = self.paths[self.paths["month"] == self.paths["month"].max()]
        out = last[["jurisdiction", "scenario", "share", "population", "low", "high"]].copy()
        base = out[out["scenario"] == BASELINE].set_index("jurisdiction")["population"]
        out["change_vs_baseline"] = out["population"] - out["jurisdiction"].map(base)
        return out.reset_index(drop=True)


def _trend(history: np.ndarray, n_future: int, trend: str, fit_months: int) -> tuple[np.ndarray, float]:
    """Future monthly admissions and the fitted annual growth rate."""
    y = history[-fit_months:].astype(float)
    if trend == "flat" or y.sum() == 0:
        return np.full(n_future, y[-12:].mean()), 0.0
    # statsmodels' GLM module alone: ``statsmodels.api`` also imports its time-series and graphics
    # modules (about 0.2 s of CPU in every process that imports the package, issue #14)
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    x = np.arange(len(y), dtype=float)
    fit = GLM(y, add_constant(x), family=Poisson()).fit()
    a, b = fit.params
    xf = np.arange(len(y), len(y) + n_future, dtype=float)
    return np.exp(a + b * xf), float(np.expm1(12 * b))


def _lag_kernel(offset_months: float, horizon_months: float, n: int) -> np.ndarray:
    """Re-admission timing: uniform over ``[offset, offset + horizon)`` months after admission."""
    edges = np.arange(n + 1, dtype=float)
    lo, hi = offset_months, offset_months + horizon_months
    mass = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None)
    return mass / horizon_months


def _conv(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.convolve(x, k)[: len(x)]


def _capacity_frame(capacity: pd.DataFrame | None) -> pd.DataFrame | None:
    if capacity is None:
        return None
    cap = capacity.copy()
    try:
        cap["month"] = pd.PeriodIndex(cap["month"].astype(str), freq="M")
    except (ValueError, TypeError) as exc:
        raise DataContractError(
            f"table 'prison_capacity', column 'month': values must be 'YYYY-MM' ({exc})"
        ) from exc
    return cap


def project_population(
    admissions: pd.DataFrame,
    los: LengthOfStay,
    extract_date: pd.Timestamp | str,
    years: int = 5,
    trend: str = "flat",
    fit_months: int = 36,
    shares: Sequence[float] = (0.10, 0.25, 0.50),
    rates: ReadmissionRates | None = None,
    capacity: pd.DataFrame | None = None,
    observed: pd.DataFrame | None = None,
    interval: float = 0.95,
    burn_in_months: int | None = None,
    readmission_stream: str = STREAM_ELIGIBLE,
    observed_until: pd.Timestamp | str | None = None,
) -> Projection:
    """Project the monthly prison population per jurisdiction under diversion scenarios.

    Parameters
    ----------
    admissions : pandas.DataFrame
        From :func:`~altmeasures_eval.population.monthly_admissions`.
    los : LengthOfStay
        Time-served curves per jurisdiction and stream.
    extract_date : Timestamp or str
        Months ending after it are incomplete and not used as observed.
    years : int
        Length of the projection after the last complete month.
    trend : {"flat", "loglinear"}
        Future admissions per stream: held at the mean of the last 12 months, or a Poisson
        log-linear trend fitted on the last ``fit_months`` months (statsmodels GLM).
    shares : sequence of float
        Scenario shares of eligible custody admissions diverted to alternatives from the first
        projected month on.
    rates : ReadmissionRates, optional
        Re-admission probabilities by arm (point values or bootstrap draws); ``None`` = diversion
        changes no re-admission (the direct effect only).
    capacity : pandas.DataFrame, optional
        Table ``prison_capacity``; the last month's capacity is held over the projection.
    observed : pandas.DataFrame, optional
        Observed population (``jurisdiction``, ``month``, ``population``) counted from the spells
        (:func:`~altmeasures_eval.population.observed_population`); the ``population`` column of
        ``capacity`` is preferred where present.
    interval : float
        Coverage of the band over the effect draws.
    burn_in_months : int, optional
        Observed months left out of the back-cast because admissions before the data start are
        missing; default: months until the longest stay kernel holds 99% of its mass.
    readmission_stream : {"eligible", "other"}
        Whose length of stay a re-admission has.
    observed_until : Timestamp or str, optional
        The date up to which the custody register is complete (default ``extract_date``), e.g.
        :meth:`~altmeasures_eval.io.ConsistencyReport.observed_until` for a register that stops
        before the extract date. Months ending after it are not observed: the projection starts
        after the last complete observed month and a note says how far that lies before the extract.

    Returns
    -------
    Projection

    Examples
    --------
    >>> spells = prepare_spells(ds.custody_spells, ds.cases, ds.persons, ds.extract.extract_date)  # doctest: +SKIP
    >>> rates = readmission_rates(cohort, count_bed_days(cohort, ds.custody_spells, ext),
    ...                           weights=atc_weights)  # doctest: +SKIP
    >>> proj = project_population(monthly_admissions(spells), length_of_stay(spells), ext,
    ...                           rates=rates, capacity=ds.prison_capacity)  # doctest: +SKIP
    >>> proj.summary  # doctest: +SKIP

    Notes
    -----
    Assumptions: admissions are independent of the population (no capacity feedback); lengths of
    stay are those of the observed spells (Kaplan-Meier, restricted to the longest observed stay);
    a diverted person's later custody is the first re-admission within the horizon of ``rates``,
    spread evenly over that horizon (starting at release for the custody arm), with no further
    chain of re-admissions; the band reflects the uncertainty of the effects only, not of the
    admission trend.
    """
    if trend not in ("flat", "loglinear"):
        raise ConfigError(f"trend must be 'flat' or 'loglinear', got {trend!r}")
    if readmission_stream not in (STREAM_ELIGIBLE, STREAM_OTHER):
        raise ConfigError(f"readmission_stream must be 'eligible' or 'other', got {readmission_stream!r}")
    if any(not 0 < s <= 1 for s in shares):
        raise ConfigError(f"scenario shares must be in (0, 1], got {list(shares)}")
    extract_date = pd.Timestamp(extract_date)
    until = extract_date if observed_until is None else min(pd.Timestamp(observed_until), extract_date)
    months_all = pd.PeriodIndex(admissions["month"], freq="M")
    complete = months_all.end_time.normalize() <= until
    adm = admissions[np.asarray(complete)]
    if adm.empty:
        raise DataContractError(f"no complete month of custody admissions up to {until.date()} (the date the "
                                "custody register is complete to); check custody_spells.admission_date")
    hist_months = pd.period_range(adm["month"].min(), adm["month"].max(), freq="M")
    n_hist, n_fut = len(hist_months), 12 * years
    n = n_hist + n_fut
    months = pd.period_range(hist_months[0], periods=n, freq="M")
    alpha = (1 - interval) / 2
    cap = _capacity_frame(capacity)
    q_alt, q_cus = rates.arms() if rates is not None else (np.zeros(1), np.zeros(1))
    horizon_m = (rates.horizon_days if rates is not None else 365) / DAYS_PER_MONTH

    rows, adm_rows, back_rows, notes = [], [], [], []
    totals: dict[str, np.ndarray] = {}
    observed_total = np.zeros(n_hist)
    for juris, grp in adm.groupby("jurisdiction", sort=True):
        g = grp.set_index(pd.PeriodIndex(grp["month"], freq="M")).reindex(hist_months, fill_value=0)
        streams, growth = {}, {}
        for stream in (STREAM_ELIGIBLE, STREAM_OTHER):
            h = g[stream].to_numpy(float)
            fut, growth[stream] = _trend(h, n_fut, trend, fit_months)
            streams[stream] = np.concatenate([h, fut])
        kern = {s: stay_kernel(los.curve(juris, s), n) for s in (STREAM_ELIGIBLE, STREAM_OTHER)}
        base = sum(_conv(streams[s], kern[s]) for s in kern)
        e_fut = np.where(np.arange(n) >= n_hist, streams[STREAM_ELIGIBLE], 0.0)
        direct = _conv(e_fut, kern[STREAM_ELIGIBLE])
        k_re = kern[readmission_stream]
        stay_m = los.mean_days(juris, STREAM_ELIGIBLE) / DAYS_PER_MONTH
        re_alt = _conv(_conv(e_fut, _lag_kernel(0.0, horizon_m, n)), k_re)
        re_cus = _conv(_conv(e_fut, _lag_kernel(stay_m, horizon_m, n)), k_re)
        paths = {BASELINE: (0.0, base[None, :])}
        for share in shares:
            draws = base - share * direct + share * (np.outer(q_alt, re_alt) - np.outer(q_cus, re_cus))
            paths[f"divert_{round(share * 100):d}"] = (share, draws)
        for name, (share, draws) in paths.items():
            totals[name] = totals.get(name, 0.0) + draws
            rows.append(_path_rows(juris, months, name, share, draws, n_hist, alpha))
        for stream in streams:
            adm_rows.append(pd.DataFrame({"jurisdiction": juris, "month": months, "stream": stream,
                                          "admissions": streams[stream],
                                          "projected": np.arange(n) >= n_hist}))
        if trend == "loglinear":
            notes.append(f"{juris}: fitted admission growth a year: eligible "
                         f"{growth[STREAM_ELIGIBLE]:+.1%}, other {growth[STREAM_OTHER]:+.1%}")
        burn = burn_in_months
        if burn is None:
            burn = 1 + max((int(np.searchsorted(np.cumsum(k) / k.sum(), 0.99))
                            for k in kern.values() if k.sum() > 0), default=0)
        obs, source = _observed(juris, hist_months, cap, observed)
        if obs is not None:
            observed_total += np.nan_to_num(obs)
            back_rows.append(_backcast(juris, base[:n_hist], obs, burn, source))
    if len(totals) and adm["jurisdiction"].nunique() > 1:
        for name, draws in totals.items():
            share = 0.0 if name == BASELINE else float(name.split("_")[1]) / 100
            rows.append(_path_rows("all", months, name, share, draws, n_hist, alpha))
    paths_df = pd.concat(rows, ignore_index=True)
    paths_df = _attach(paths_df, cap, observed, hist_months)
    backcast = pd.DataFrame(back_rows)
    if not backcast.empty and backcast["months"].eq(0).any():
        notes.append("back-cast: fewer observed months than the burn-in for some jurisdictions; "
                     "no error reported there")
    occ = _occupancy(paths_df) if cap is not None else pd.DataFrame()
    if rates is not None and q_alt.size > 1:
        notes.append(f"bands: {interval:.0%} interval over {q_alt.size} effect draws; admission "
                     "trend and length of stay held at their estimates")
    notes += _anchor_notes(hist_months, months[n_hist], extract_date, until, backcast)
    settings = {"years": years, "trend": trend, "fit_months": fit_months, "shares": list(shares),
                "interval": interval, "first_projected_month": str(months[n_hist]),
                "last_observed_month": str(hist_months[-1]), "observed_until": str(until.date()),
                "readmission_stream": readmission_stream}
    return Projection(paths=paths_df, occupancy=occ, backcast=backcast,
                      admissions=pd.concat(adm_rows, ignore_index=True), settings=settings,
                      notes=tuple(notes + list(los.notes)))


def _anchor_notes(hist: pd.PeriodIndex, first_projected: pd.Period, extract: pd.Timestamp, until: pd.Timestamp,
                  backcast: pd.DataFrame, tolerance: float = 0.10) -> list[str]:
    """Where the projection starts and whether the observed points reconcile with the model."""
    notes = [f"observed months {hist[0]} to {hist[-1]}; the projection starts in {first_projected}"]
    ext_month = pd.Period(extract, "M") if extract.is_month_end else pd.Period(extract, "M") - 1
    lag = (ext_month - hist[-1]).n
    if lag > 0:
        why = (f"the custody register is complete only to {until.date()}" if until < extract
               else "later months have no admission")
        notes.append(f"the last observed month ({hist[-1]}) is {lag} month(s) before the extract date's last "
                     f"complete month ({ext_month}) because {why}: the months in between are projected, not "
                     "observed, and the scenarios start from the last observed month")
    if not backcast.empty:
        for r in backcast.itertuples():
            if r.months and np.isfinite(r.mape) and r.mape > tolerance:
                direction = "above" if r.mean_error > 0 else "below"
                notes.append(
                    f"{r.jurisdiction}: the modelled baseline is on average {abs(r.mean_error):,.0f} places {direction} "
                    f"the observed population ({r.observed_source}; mean absolute error {r.mape:.0%} over "
                    f"{r.months} months after a burn-in of {r.burn_in_months}): people admitted before the data "
                    "start, stays longer than the longest observed, or missing spells (a linkage gap) separate "
                    "the two; read the scenarios as changes against the modelled baseline")
    return notes


def _path_rows(juris: str, months: pd.PeriodIndex, name: str, share: float, draws: np.ndarray,
               n_hist: int, alpha: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "jurisdiction": juris,
            "month": months,
            "scenario": name,
            "share": share,
            "projected": np.arange(len(months)) >= n_hist,
            "population": draws.mean(axis=0),
            "low": np.quantile(draws, alpha, axis=0),
            "high": np.quantile(draws, 1 - alpha, axis=0),
        }
    )


def _observed(juris: str, months: pd.PeriodIndex, cap: pd.DataFrame | None,
              observed: pd.DataFrame | None) -> tuple[np.ndarray | None, str]:
    if cap is not None and "population" in cap and cap["population"].notna().any():
        c = cap[cap["jurisdiction"] == juris].set_index("month")["population"]
        if c.notna().any():
            return c.reindex(months).to_numpy(dtype=float, na_value=np.nan), "prison_capacity.population"
    if observed is not None:
        o = observed[observed["jurisdiction"] == juris]
        if len(o):
            o = o.set_index(pd.PeriodIndex(o["month"], freq="M"))["population"]
            return o.reindex(months).to_numpy(dtype=float), "counted from custody_spells"
    return None, ""


def _backcast(juris: str, model: np.ndarray, obs: np.ndarray, burn: int, source: str) -> dict:
    idx = np.arange(len(obs))
    keep = (idx >= burn) & np.isfinite(obs)
    err = model[keep] - obs[keep]
    pos = obs[keep] > 0
    return {
        "jurisdiction": juris,
        "months": int(keep.sum()),
        "burn_in_months": burn,
        "mae": float(np.mean(np.abs(err))) if keep.any() else np.nan,
        "mape": float(np.mean(np.abs(err[pos]) / obs[keep][pos])) if pos.any() else np.nan,
        "mean_error": float(np.mean(err)) if keep.any() else np.nan,
        "observed_source": source,
    }


def _attach(paths: pd.DataFrame, cap: pd.DataFrame | None, observed: pd.DataFrame | None,
            hist_months: pd.PeriodIndex) -> pd.DataFrame:
    paths["observed"] = np.nan
    for juris in paths["jurisdiction"].unique():
        if juris == "all":
            continue
        obs, _ = _observed(juris, hist_months, cap, observed)
        if obs is not None:
            m = (paths["jurisdiction"] == juris) & ~paths["projected"]
            for name in paths.loc[m, "scenario"].unique():
                mm = m & (paths["scenario"] == name)
                paths.loc[mm, "observed"] = obs
    parts = paths[(paths["jurisdiction"] != "all") & ~paths["projected"]]
    if (paths["jurisdiction"] == "all").any() and parts["observed"].notna().all():
        total = parts.groupby(["scenario", "month"])["observed"].sum()
        m = (paths["jurisdiction"] == "all") & ~paths["projected"]
        key = pd.MultiIndex.from_arrays([paths.loc[m, "scenario"], paths.loc[m, "month"]])
        paths.loc[m, "observed"] = total.reindex(key).to_numpy()
    paths["capacity"] = np.nan
    if cap is not None:
        c = cap.pivot_table(index="month", columns="jurisdiction", values="capacity", aggfunc="sum")
        all_months = pd.period_range(min(c.index.min(), paths["month"].min()),
                                     paths["month"].max(), freq="M")
        c = c.reindex(all_months).ffill()  # hold the last known capacity over the projection
        c["all"] = c.sum(axis=1, min_count=c.shape[1])  # a total only when every jurisdiction has one
        stacked = c.stack().rename("capacity")
        key = pd.MultiIndex.from_arrays([paths["month"], paths["jurisdiction"]])
        paths["capacity"] = stacked.reindex(key).to_numpy(dtype=float)
    paths["occupancy"] = paths["population"] / paths["capacity"]
    return paths


def _occupancy(paths: pd.DataFrame) -> pd.DataFrame:
    p = paths[paths["projected"] & paths["capacity"].notna()]
    return (
        p.assign(over=p["population"] > p["capacity"], over_high=p["high"] > p["capacity"])
        .groupby(["jurisdiction", "scenario"], sort=False)
        .agg(mean_occupancy=("occupancy", "mean"), peak_occupancy=("occupancy", "max"),
             months_over_capacity=("over", "sum"), months_over_capacity_high=("over_high", "sum"))
        .reset_index()
    )
