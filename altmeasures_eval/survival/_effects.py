"""One call for the three time-to-event effect measures the effects layer and reports need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._contrast import ContrastResult, risk_difference, rmst
from altmeasures_eval.survival._cox import CoxResult, hazard_ratio
from altmeasures_eval.survival._results import SUMMARY_COLUMNS, SurvivalResult


@dataclass(frozen=True, repr=False)
class TimeToEventEffects(SurvivalResult):
    """Risk differences, RMST differences and the hazard ratio of one treatment contrast.

    Attributes
    ----------
    summary : DataFrame
        ``measure`` (``risk_difference``, ``rmst_difference`` in days, ``log_hazard_ratio``,
        ``hazard_ratio``), ``time`` (horizon; NaN for the hazard ratio), then ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n``. The ``hazard_ratio`` row is the exponentiated
        ``log_hazard_ratio`` row (its ``se`` is NaN: the SE is on the log scale).
    risk, rmst : ContrastResult
    cox : CoxResult
    lead : str
        ``'rmst'`` when the proportional-hazards test rejects for the treatment (p < 0.05): the
        hazard ratio is then an average of a changing effect and reports should lead with the RMST
        and risk differences; otherwise ``'hazard_ratio'``. Also ``'rmst'`` when the hazard ratio is
        not estimable (a group without events, a diverged coefficient): its rows are then NaN and a
        note says why.
    """

    risk: ContrastResult
    rmst: ContrastResult
    cox: CoxResult
    lead: str

    _title = "Time-to-event effects of treatment"


def _hazard_ratio_estimable(data: pd.DataFrame, event: str, treatment: str, weights: str | None,
                            row: pd.DataFrame) -> list[str]:
    """A note when the treatment hazard ratio cannot be estimated: a group without events (the partial
    likelihood is monotone, the coefficient runs to infinity) or a diverged coefficient."""
    keep = np.ones(len(data), bool) if weights is None else data[weights].to_numpy(float) > 0
    d = data[event].to_numpy(float)[keep] > 0
    g = data[treatment].to_numpy()[keep]
    empty = [str(x) for x in np.unique(g) if not d[g == x].any()]
    if empty:
        return [f"hazard ratio not estimable: no event in group {', '.join(empty)} of {treatment!r} (the "
                "partial likelihood has no maximum); see the risk and RMST differences"]
    b, se_model = float(row["estimate"].iloc[0]), float(row["se_model"].iloc[0])
    if not (np.isfinite(b) and np.isfinite(se_model)) or se_model > 100 * max(1.0, abs(b)):
        return ["hazard ratio not estimable: the treatment coefficient did not converge (monotone likelihood)"]
    return []


def time_to_event_effects(
    data: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str = "treatment",
    *,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    strata: str | Sequence[str] | None = None,
    times: Sequence[float] = v.DEFAULT_HORIZONS,
    alpha: float = 0.05,
    table: str = "data",
) -> TimeToEventEffects:
    """Weighted risk differences and RMST differences at each horizon, and the hazard ratio.

    Calls :func:`risk_difference`, :func:`rmst` and :func:`hazard_ratio` with the same weights and
    clusters (robust variances when either is given), so that the three measures describe the same
    adjusted comparison (treatment 1 vs reference 0). ``covariates`` and ``strata`` only enter the
    Cox model (doubly adjusted hazard ratio); the curves are adjusted through the weights alone.
    The proportional-hazards test of the treatment decides ``lead``.

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> eff = time_to_event_effects(load_rossi(), "week", "arrest", "fin", times=[52])
    >>> eff.summary["measure"].tolist()
    ['risk_difference', 'rmst_difference', 'log_hazard_ratio', 'hazard_ratio']
    """
    common = dict(weights=weights, cluster=cluster, times=times, alpha=alpha, table=table)
    risk = risk_difference(data, duration, event, treatment, **common)  # type: ignore[arg-type]
    restricted = rmst(data, duration, event, treatment, **common)  # type: ignore[arg-type]
    cox = hazard_ratio(data, duration, event, treatment, covariates, weights=weights, cluster=cluster,
                       strata=strata, alpha=alpha, table=table)
    row = cox.summary.iloc[[0]].copy()
    cols = list(SUMMARY_COLUMNS)
    hr_note = _hazard_ratio_estimable(data, event, treatment, weights, row)
    if hr_note:
        row[["estimate", "se", "ci_low", "ci_high", "p_value"]] = np.nan
    hr = row[cols].assign(estimate=np.exp(row["estimate"]), se=np.nan, ci_low=np.exp(row["ci_low"]),
                          ci_high=np.exp(row["ci_high"]))
    summary = pd.concat([
        risk.summary[["time", *cols]].assign(measure="risk_difference"),
        restricted.summary[["time", *cols]].assign(measure="rmst_difference"),
        row[cols].assign(measure="log_hazard_ratio", time=np.nan),
        hr.assign(measure="hazard_ratio", time=np.nan),
    ], ignore_index=True)[["measure", "time", *cols]]
    lead = "rmst" if treatment in cox.ph_violated or hr_note else "hazard_ratio"
    notes = [f"contrast: {risk.summary['contrast'].iloc[0]} ({treatment}).",
             f"risk and RMST: {risk.variance}", f"hazard ratio: {cox.variance}", *hr_note]
    if lead == "rmst":
        p = cox.ph_test.summary.set_index("term").loc[treatment, "p_value"] if cox.ph_test is not None else np.nan
        notes.append(f"proportional hazards rejected for {treatment} (p = {p:.3g}): lead with RMST and risk differences.")
    return TimeToEventEffects(summary=summary, variance="see notes (per measure)", notes=tuple(notes + list(risk.notes[1:])),
                              risk=risk, rmst=restricted, cox=cox, lead=lead)
