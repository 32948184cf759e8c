"""Ground truth: causal contrasts of the evaluation cohort computed from both potential outcomes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    DISPOSITION_CUSTODY,
    DISPOSITION_DISMISSED,
    ICCS_DRUG_PERSONAL_USE,
    ICCS_DRUG_TRAFFICKING,
    ICCS_VIOLENT_SEXUAL_SECTIONS,
    STAGES,
)
from altmeasures_eval.synth import _params as P

#: What every number of ``ground_truth.json`` means (written into the file).
DEFINITIONS: dict[str, str] = {
    "cohort": (
        "Each person's first eligible proven decision with decision date in the period: main "
        "offence ICCS prefix 06011, no proven offence with prefix 01-04 or 06012 decided for the "
        "same person on the same decision date, known birth year and decision year minus birth "
        "year >= 18. treatment = 1 for any non-custodial disposition except dismissed, 0 for "
        "custody."
    ),
    "start_date": "release from the index custody spell under custody; the index decision date "
                  "under an alternative (cohort option start = 'release')",
    "reoffend_h": "1 if a case with offence date in (start, start + h] has outcome proven and "
                  "decision date <= start + h + 182; death ends the time at risk",
    "reoffences_h": "number of such cases (companion offences decided together count separately)",
    "bed_days_h": "nights in custody within (start, start + h]: sum over later custody spells "
                  "[admission, release] of max(0, min(release, start + h) - max(admission, start)); "
                  "the index spell itself ends at start, so it never counts",
    "y1, y0": "potential outcome under an alternative (the alternative the person receives, or "
              "would receive, when not given custody) and under custody; common random numbers",
    "ate": "mean over the cohort of y1 - y0",
    "att": "mean over treated (alternative) persons of y1 - y0",
    "atc": "mean over custody persons of y1 - y0",
    "naive": "mean observed outcome of treated minus mean observed outcome of custody persons, "
             "over persons whose outcome is observable (window + waiting period <= extract date)",
    "se": "Monte Carlo standard error of the mean difference: sd(y1 - y0) / sqrt(n) (for naive: "
          "the two-sample standard error)",
    "start_decision": "reoffend and bed_days contrasts with time at risk from the index decision "
                      "date under both arms (cohort option start = 'decision'): the custody arm "
                      "includes the index sentence, its bed-days and its incapacitation",
    "time_to_event": "time-to-event estimands with the cohort's time_reoffend/event_type definition at "
                     "full follow-up H = the longest horizon: the event is the first offence in "
                     "(start, start + H] proven with decision date <= start + H + 182 (a first-year "
                     "offence proven late still counts, unlike reoffend_365); death before it is a "
                     "competing event. cif_reoffend_h = P(event 1 by h) (Aalen-Johansen cumulative "
                     "incidence, death competing); rmst_event_free_h = E[min(T, h)] in days, T = time "
                     "to the first proven reoffence or death (restricted mean time alive and free of "
                     "proven reoffence; Kaplan-Meier of event_type > 0). naive is not given (censored).",
    "court_stages": "the same contrasts restricted to stages other than police; custody is never "
                    "given at the police stage, so police-stage persons are outside the overlap "
                    "of the two arms and their y0 is an extrapolation",
}


def _contrast(y1: np.ndarray, y0: np.ndarray, treat: np.ndarray, observed: np.ndarray) -> dict[str, Any]:
    d = y1 - y0
    t = treat == 1
    out: dict[str, Any] = {
        "mean_y1": float(y1.mean()),
        "mean_y0": float(y0.mean()),
        "ate": float(d.mean()),
        "ate_se": float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else None,
        "att": float(d[t].mean()) if t.any() else None,
        "att_se": float(d[t].std(ddof=1) / np.sqrt(t.sum())) if t.sum() > 1 else None,
        "atc": float(d[~t].mean()) if (~t).any() else None,
    }
    o1, o0 = observed[t], observed[~t]
    o1, o0 = o1[~np.isnan(o1)], o0[~np.isnan(o0)]
    if o1.size > 1 and o0.size > 1:
        out["naive"] = float(o1.mean() - o0.mean())
        out["naive_se"] = float(np.sqrt(o1.var(ddof=1) / o1.size + o0.var(ddof=1) / o0.size))
    else:
        out["naive"] = out["naive_se"] = None
    out["n_observable"] = int(o1.size + o0.size)
    return out


def summarise(po: pd.DataFrame, horizons: tuple[int, ...] = P.HORIZONS) -> dict[str, Any]:
    """Causal contrasts of one cohort of potential outcomes (see :data:`DEFINITIONS`)."""
    treat = po["treatment"].to_numpy()
    out: dict[str, Any] = {
        "n": {"cohort": int(len(po)), "treated": int((treat == 1).sum()), "control": int((treat == 0).sum())},
    }
    for measure in ("reoffend", "reoffences", "bed_days"):
        out[measure] = {
            str(h): _contrast(po[f"y1_{measure}_{h}"].to_numpy(), po[f"y0_{measure}_{h}"].to_numpy(),
                              treat, po[f"{measure}_{h}"].to_numpy())
            for h in horizons
        }
    court = po["stage"].to_numpy() != STAGES.index("police")
    out["court_stages"] = {
        "n": {"cohort": int(court.sum()), "treated": int((treat[court] == 1).sum()),
              "control": int((treat[court] == 0).sum())},
        "reoffend": {
            str(h): _contrast(po[f"y1_reoffend_{h}"].to_numpy()[court], po[f"y0_reoffend_{h}"].to_numpy()[court],
                              treat[court], po[f"reoffend_{h}"].to_numpy()[court])
            for h in horizons
        },
    }
    if "y1_time_reoffend" in po:
        out["time_to_event"] = time_to_event_truth(po, horizons)
        out["court_stages"]["time_to_event"] = time_to_event_truth(po[court], horizons)
    by_type: dict[str, Any] = {}
    alt = po["alternative_if_treated"].to_numpy()
    for k, name in enumerate(ALTERNATIVE_DISPOSITIONS):
        m = (treat == 1) & (alt == k)
        if m.sum() < 2:
            continue
        by_type[name] = {"n": int(m.sum())} | {
            str(h): float((po[f"y1_reoffend_{h}"].to_numpy()[m] - po[f"y0_reoffend_{h}"].to_numpy()[m]).mean())
            for h in horizons
        }
    out["att_reoffend_by_alternative"] = by_type
    return out


def time_to_event_truth(po: pd.DataFrame, horizons: tuple[int, ...] = P.HORIZONS) -> dict[str, Any]:
    """Cumulative incidence of proven reoffence (death competing) and event-free RMST per horizon.

    Computed from the complete potential times ``y{a}_time_reoffend`` and types ``y{a}_event_type``
    (see :data:`DEFINITIONS`, ``time_to_event``). ``naive`` is None: the observed times are censored.
    """
    treat = po["treatment"].to_numpy()
    none = np.full(len(po), np.nan)
    t = {a: po[f"y{a}_time_reoffend"].to_numpy() for a in (1, 0)}
    e = {a: po[f"y{a}_event_type"].to_numpy() for a in (1, 0)}
    cif = {str(h): _contrast(*[((e[a] == 1) & (t[a] <= h)).astype(float) for a in (1, 0)], treat, none)
           for h in horizons}
    # event-free time: censored persons are followed to the longest horizon, so min(t, h) is exact
    rmst = {str(h): _contrast(*[np.minimum(t[a], h) for a in (1, 0)], treat, none) for h in horizons}
    return {"cif_reoffend": cif, "rmst_event_free": rmst}


def cohort_definition(period: tuple[pd.Timestamp, pd.Timestamp]) -> dict[str, Any]:
    """The cohort options (``altmeasures_eval.cohort.CohortSpec`` names) the truth is computed for."""
    return {
        "eligible_prefixes": [ICCS_DRUG_PERSONAL_USE],
        "excluded_prefixes": [*ICCS_VIOLENT_SEXUAL_SECTIONS, ICCS_DRUG_TRAFFICKING],
        "stages": "all",
        "period_start": period[0].date().isoformat(),
        "period_end": period[1].date().isoformat(),
        "min_age": P.MIN_AGE,
        "alternatives": list(ALTERNATIVE_DISPOSITIONS),
        "comparators": [DISPOSITION_CUSTODY],
        "not_in_either_group": [DISPOSITION_DISMISSED],
        "index_event": "first",
        "start": "release",
        "horizons": list(P.HORIZONS),
        "waiting_period": P.WAITING_PERIOD,
    }
