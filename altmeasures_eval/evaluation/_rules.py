"""Decision rules (UK Ministry of Justice, Justice Data Lab) and limitations read off the diagnostics.

Rules, as in the Justice Data Lab's open report code (moj-analytical-services/JDL-reports) and
methodology: no effect estimates below a minimum cohort (60 treated); statements of statistical
significance only where the normal approximation holds (n*p >= 10 in both groups, applied here to
n*p and n*(1-p)); time to first reoffence only with at least 30 reoffenders in the treated group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from altmeasures_eval.evaluation._result import RuleOutcome
from altmeasures_eval.evaluation._spec import EvaluationSpec

if TYPE_CHECKING:
    from altmeasures_eval.evaluation._result import Evaluation

__all__ = ["apply_rules", "limitations_from", "required_group_size"]


def _people(n: int, spec: EvaluationSpec) -> str:
    """A count of people in a sentence, as the disclosure policy publishes it (rounded, or
    "fewer than <threshold>"), so every output that prints the reasons prints a protected count."""
    from altmeasures_eval.privacy import DisclosurePolicy

    policy = DisclosurePolicy.from_settings(spec.disclosure)
    shown = policy.count(int(n))
    return f"{shown:,}" if shown is not None else f"fewer than {policy.threshold}"


def required_group_size(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """People needed in each group for a two-sided test of two proportions to detect ``p1 - p2``.

    Normal approximation with the pooled variance under the null (Fleiss, Levin and Paik 2003,
    ch. 4; R ``power.prop.test``): ``n = (z_{1-alpha/2} sqrt(2 pbar qbar) + z_{power}
    sqrt(p1 q1 + p2 q2))^2 / (p1 - p2)^2``, rounded up (R also counts the far rejection tail, which
    changes n by less than 0.1 at these rates). The Justice Data Lab states this number when a
    difference is not significant. None when ``p1 == p2``.
    """
    from scipy.stats import norm

    if not (0 <= p1 <= 1 and 0 <= p2 <= 1) or p1 == p2:
        return None
    pbar = (p1 + p2) / 2
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    root = za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return int(np.ceil(root**2 / (p1 - p2) ** 2))


def _group_rate(y: pd.Series, t: pd.Series, w: np.ndarray | None, group: int) -> tuple[int, float]:
    m = (t == group).to_numpy() & y.notna().to_numpy()
    n = int(m.sum())
    if n == 0:
        return 0, float("nan")
    ww = np.ones(n) if w is None else w[m]
    if ww.sum() <= 0:
        return n, float("nan")
    return n, float(np.average(y.to_numpy(float)[m], weights=ww))


def apply_rules(data: pd.DataFrame, weights: np.ndarray | None, spec: EvaluationSpec, *,
                estimand: str | None = None) -> RuleOutcome:
    """Apply the decision rules to the population compared (and design weights).

    Parameters
    ----------
    data : DataFrame
        The population the design compares (``treatment``, ``reoffend_{h}``).
    weights : ndarray or None
        Design weights (the rates are the weighted rates the report states).
    spec : EvaluationSpec
    estimand : str, optional
        The estimand the design estimates (``Design.estimand``); default ``[design] estimand``.

    Returns
    -------
    RuleOutcome
    """
    r = spec.decision_rules
    est = estimand or spec.design.estimand
    t = data["treatment"]
    n_t, n_c = int((t == 1).sum()), int((t == 0).sum())
    reasons: list[str] = []
    allowed = True
    if n_t < r.min_treated:
        allowed = False
        reasons.append(
            f"Only {_people(n_t, spec)} "
            f"people were given an alternative measure; at least {r.min_treated} are needed for a reliable "
            "estimate, so no effect estimates are reported.")
    if n_c < r.min_control:
        allowed = False
        reasons.append(
            f"Only {_people(n_c, spec)} "
            f"people were sent to custody; at least {r.min_control} are needed to form a comparison group, "
            "so no effect estimates are reported.")
    if weights is None:
        allowed = False
    significance: dict[int, bool] = {}
    expected: dict[int, float] = {}
    for h in spec.cohort.horizons:
        y = data[f"reoffend_{h}"]
        ok = True
        smallest = np.inf
        for g in (1, 0):
            n, p = _group_rate(y, t, weights if g == 0 or est != "ATT" else None, g)
            smallest = min(smallest, n * p, n * (1 - p)) if p == p else 0.0
            if not (n * p >= r.min_expected and n * (1 - p) >= r.min_expected):
                ok = False
        expected[h] = float(smallest)
        significance[h] = ok and allowed
        if allowed and not ok:
            reasons.append(
                f"At {h} days, too few people (or too few reoffenders) in one group for a significance "
                f"test (n*p and n*(1-p) must both be at least {r.min_expected:g}); no statement of "
                "statistical significance is made for that horizon.")
    h0 = spec.report.headline_horizon
    reoff = int(((t == 1) & (data[f"reoffend_{h0}"] == 1)).sum())
    tte = allowed and reoff >= r.min_treated_reoffenders
    if allowed and not tte:
        reasons.append(
            f"Fewer than {r.min_treated_reoffenders} people given an alternative measure reoffended within "
            f"{h0} days; time to reoffence (survival curves, hazard ratio, restricted mean survival time) "
            "is not reported.")
    return RuleOutcome(effects_allowed=allowed, reasons=tuple(reasons), n_treated=n_t, n_control=n_c,
                       significance=significance, treated_reoffenders=reoff, time_to_event_allowed=tte,
                       expected=expected)


def _decimals(n: int, spec: EvaluationSpec) -> int:
    """Decimals of a percentage of a group of ``n``: one, or fewer when rounding allows no more
    (:meth:`altmeasures_eval.privacy.DisclosurePolicy.percent_decimals`)."""
    from altmeasures_eval.privacy import DisclosurePolicy

    allowed = DisclosurePolicy.from_settings(spec.disclosure).percent_decimals(int(n))
    return 1 if allowed is None else min(1, allowed)


def limitations_from(ev: Evaluation) -> list[str]:
    """Plain-language limitations written from the diagnostics of an evaluation."""
    out: list[str] = []
    spec = ev.spec
    if not ev.design.gate.passed:
        out.append("No reliable comparison could be made, so no effects, significance statements, prison "
                   "or cost conclusions are reported: " + " ".join(ev.design.gate.reasons))
    if getattr(ev, "headline_not_estimable", None):
        out.append(ev.headline_not_estimable + " So no effect estimates, significance statements, prison or "
                   "cost conclusions are reported.")
    out.extend(ev.rules.reasons)
    out.extend(ev.skipped)
    thr = spec.design.balance_threshold
    if ev.balance is not None:
        tab = ev.balance.table.drop(index="distance", errors="ignore")
        after = tab["smd_after"].abs()
        bad = after[after > thr].sort_values(ascending=False)
        if len(bad):
            from altmeasures_eval.design import shown_beside

            shown = ", ".join(f"{k} ({shown_beside(v, thr)})" for k, v in bad.head(5).items())
            out.append(
                f"Balance: after adjustment {len(bad)} covariate level(s) still differ between the groups by "
                f"|SMD| > {thr:g} (largest: {shown}); the comparison group is not fully like the treated "
                "group on these characteristics and effects may be biased.")
        binary = tab[tab["type"] == "binary"]
        est = ev.design.estimand
        focal, other = (("mean_treated_before", "mean_control_before") if est == "ATT" else
                        ("mean_control_before", "mean_treated_before"))
        empty = binary[(binary[focal] > 0) & (binary[other] == 0)]
        n_focal = ev.rules.n_treated if est == "ATT" else ev.rules.n_control
        for level, row in empty.iterrows():
            who = "alternative" if est == "ATT" else "custody"
            if round(row[focal] * n_focal) < spec.disclosure.threshold:
                continue  # a handful of people: covered by the balance note, never a small count in print
            out.append(
                f"No one in the {'custody' if est == 'ATT' else 'alternative'} group has {level.replace('=', ' = ')}, "
                f"while {100 * row[focal]:.{_decimals(n_focal, spec)}f}% of the {who} group does: these people have no comparable cases "
                "(no overlap), and the estimates for them rest on the model, not on data. Set [design] "
                "support_rule = \"range\" (the default) to leave them out of the comparison.")
        ess = ev.balance.ess
        if "after" in ess.index:
            ctrl = float(ess.loc["after", "control"])
            n_c = float(ess.loc["before", "control"])
            if ctrl < 0.5 * n_c:
                out.append(
                    f"Weighting concentrates on few comparison people: the effective sample size of the "
                    f"custody group is {ctrl:,.0f} of {n_c:,.0f}; estimates are less precise than the group "
                    "size suggests.")
    design = ev.design.result
    if design is not None and getattr(design, "counts", None) is not None:
        counts = design.counts
        if "unmatched" in counts.index and counts.loc["unmatched", "treated"] > 0:
            out.append(
                f"{_people(int(counts.loc['unmatched', 'treated']), spec)} treated people found no comparable custody case "
                "within the caliper; the effect applies to the matched people only.")
    tte = ev.time_to_event
    if tte is not None and tte.lead == "rmst":
        out.append(
            "Hazards are not proportional (the effect changes over follow-up): the restricted mean time "
            "without reoffending and the risk differences lead; the hazard ratio is an average over time.")
    h0 = ev.headline_horizon
    if h0 in ev.recidivism:
        y = ev.design.data[f"reoffend_{h0}"]
        lost = int(y.isna().sum())
        if lost:
            out.append(
                f"{_people(lost, spec)} people could not be followed for {h0} days plus the 182-day waiting period before "
                "the extract date; they are left out of the reoffending rates at that horizon.")
    if ev.costs is not None and ev.costs.unit_costs.placeholders:
        out.append(
            "Unit costs are PLACEHOLDERS shipped with the toolkit, not estimates for this country "
            f"({', '.join(ev.costs.unit_costs.placeholders)}); cost results illustrate the method only.")
    if ev.subgroups is not None and len(ev.subgroups) > 1:
        out.append(
            f"Subgroup results are {len(ev.subgroups)} separate tests; p-values are adjusted with Holm's method, "
            "and a difference in one subgroup should be read as a hypothesis, not a finding.")
    out.append(
        "Effects are estimated under the assumption that, given the characteristics recorded in the data, "
        "whether a person received an alternative or custody is unrelated to their risk of reoffending "
        "(no unmeasured confounding). The E-values show how strong an unmeasured factor would have to be "
        "to explain the result away.")
    if ev.quality is not None and len(getattr(ev.quality, "problems", [])):
        out.append(f"The data-quality check found {len(ev.quality.problems):,} problem(s); see the data quality section.")
    return list(dict.fromkeys(out))

