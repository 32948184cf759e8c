"""Shared pipeline of the recovery checks: generated data -> cohort -> designs -> estimates.

Used by ``tests/integration`` (one fixed seed) and ``benchmarks/bench_recovery.py`` (repeated
sampling). The propensity model uses cohort covariates only, in the form the generator's custody
decision takes (``docs/methods/synth.md``): log(1 + prior proven cases), any earlier custody
spell, age, sex, jurisdiction and the recorded substance ("none" when missing). Remand for the
index case also enters the decision but not the reoffending hazard, so it is not a confounder
and is not a cohort covariate. Police-stage persons are left out: custody is impossible there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval import effects, matching, survival
from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.synth import SyntheticData

COVARIATES = ["log_prior_proven", "any_prior_custody", "age", "sex", "jurisdiction", "substance_recorded"]
HORIZON = 365


def court_cohort(data: SyntheticData) -> pd.DataFrame:
    """The generator's evaluation cohort (court stages) with the propensity covariates added."""
    d = data.truth["cohort_definition"]
    spec = CohortSpec(period_start=d["period_start"], period_end=d["period_end"])
    c = build_cohort(data.dataset, spec).data
    c = c[c["stage"] != "police"].reset_index(drop=True)
    return c.assign(
        log_prior_proven=np.log1p(c["prior_proven"]),
        any_prior_custody=(c["prior_custody_spells"] > 0).astype(float),
        substance_recorded=c["substance"].fillna("none"),
        any_event=(c["event_type"] > 0).astype(np.int64),
    )


def _row(estimate: float, se: float, truth: float) -> dict[str, float]:
    z = 1.959963984540054
    return {"estimate": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se,
            "truth": truth}


#: Estimator -> (truth block, measure, estimand) of the ground truth it estimates.
TRUTH_OF = {
    "naive": ("reoffend", None, "ate"), "naive_vs_att": ("reoffend", None, "att"),
    "ipw_ate": ("reoffend", None, "ate"), "ipw_att": ("reoffend", None, "att"),
    "ipw_ate_true_ps": ("reoffend", None, "ate"),
    "matching_att_1to1": ("reoffend", None, "att"), "matching_att_replace": ("reoffend", None, "att"),
    "matching_atc": ("reoffend", None, "atc"), "matching_atc_cal005": ("reoffend", None, "atc"),
    "aipw_ate": ("reoffend", None, "ate"),
    "aj_cif_ate": ("time_to_event", "cif_reoffend", "ate"),
    "matching_atc_cal005_cif": ("time_to_event", "cif_reoffend", "atc"),
    "rmst_event_free_ate": ("time_to_event", "rmst_event_free", "ate"),
    "km_risk_ate": ("time_to_event", "cif_reoffend", "ate"),
}


def truth_value(court_truth: dict[str, Any], name: str, horizon: int = HORIZON) -> float:
    """The truth an estimator is compared with, from a ``court_stages`` truth block."""
    block, measure, estimand = TRUTH_OF[name]
    node = court_truth[block] if measure is None else court_truth[block][measure]
    return float(node[str(horizon)][estimand])


def estimates(data: SyntheticData) -> dict[str, dict[str, float]]:
    """Every estimator of the 1-year effect, with its CI and the truth of its own estimand.

    Truth (court stages, sample values of ``data.truth``, chosen by :data:`TRUTH_OF`): binary
    ``reoffend_365`` ATE/ATT/ATC for the ``effects`` estimators; ``time_to_event`` CIF and
    event-free RMST for the survival ones (same event definition as ``time_reoffend``).
    """
    truth = data.truth["court_stages"]
    c = court_cohort(data)
    ps = matching.estimate_propensity(c, "treatment", COVARIATES)
    out: dict[str, dict[str, float]] = {}

    def put(name: str, result: Any) -> None:
        s = result.summary.iloc[0]
        out[name] = _row(float(s["estimate"]), float(s["se"]), truth_value(truth, name))

    def binary(design: Any) -> Any:
        return effects.estimate_effect(c, f"reoffend_{HORIZON}", "treatment", design)

    put("naive", binary(None))
    put("naive_vs_att", binary(None))
    put("ipw_ate", binary(matching.weight_ipw(c, "treatment", ps, estimand="ATE")))
    put("ipw_att", binary(matching.weight_ipw(c, "treatment", ps, estimand="ATT")))
    # decomposition: the same weighting with the generator's true propensity instead of the fitted one
    true_ps = data.potential_outcomes.set_index("person_id")["propensity_true"].loc[c["person_id"]].to_numpy()
    put("ipw_ate_true_ps", binary(matching.weight_ipw(c, "treatment", true_ps, estimand="ATE")))
    # Custody persons are ~30 %: 1:1 ATT matching without replacement matches about a third of the
    # treated with one-sided greedy pairs (biased; kept to show it). With replacement every treated
    # person finds a match. For the ATC the pool is ample overall but not where custody is likely:
    # with the 0.2 SD caliper the pairs shift by ~0.08 SD (biased, kept); 0.05 SD removes it.
    put("matching_att_1to1", binary(matching.match_nearest(c, "treatment", ps, estimand="ATT", replace=False)))
    put("matching_att_replace", binary(matching.match_nearest(c, "treatment", ps, estimand="ATT", replace=True)))
    put("matching_atc", binary(matching.match_nearest(c, "treatment", ps, estimand="ATC", replace=False)))
    atc = matching.match_nearest(c, "treatment", ps, estimand="ATC", caliper=0.05, replace=False)
    put("matching_atc_cal005", binary(atc))
    # the same matched sets (clusters) for the Aalen-Johansen risk difference
    put("matching_atc_cal005_cif", effects.time_to_event_effect(
        c, "time_reoffend", "event_type", "treatment", atc, measure="cif_difference", times=[HORIZON]))
    put("aipw_ate", effects.estimate_aipw(c, f"reoffend_{HORIZON}", "treatment", COVARIATES, propensity=ps))

    cw = c.assign(w=matching.weight_ipw(c, "treatment", ps, estimand="ATE").weights.to_numpy())
    put("aj_cif_ate", survival.cumulative_incidence_difference(
        cw, "time_reoffend", "event_type", "treatment", cause=1, weights="w", times=[HORIZON]))
    put("rmst_event_free_ate", survival.rmst(cw, "time_reoffend", "any_event", "treatment", weights="w",
                                             times=[HORIZON]))
    # 1 - KM with deaths censored (survival.risk_difference, what time_to_event_effects reports):
    # a net risk in a world without death; compared with the CIF truth, deaths being rare.
    put("km_risk_ate", survival.risk_difference(cw, "time_reoffend", "event_reoffend", "treatment", weights="w",
                                                times=[HORIZON]))
    return out
