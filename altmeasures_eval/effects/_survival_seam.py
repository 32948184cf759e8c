"""Time-to-event effects: the design's weights and matched sets handed to the survival layer."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.effects._results import EffectResult, summary_frame, wald_row
from altmeasures_eval.matching import MatchResult, resolve_weights

__all__ = ["time_to_event_effect"]

_FUNCTIONS = {"risk_difference": "risk_difference", "rmst": "rmst", "hazard_ratio": "hazard_ratio",
              "cif_difference": "cumulative_incidence_difference"}


def time_to_event_effect(
    data: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str = "treatment",
    design: Any = None,
    *,
    measure: Literal["risk_difference", "rmst", "hazard_ratio", "cif_difference"] = "risk_difference",
    cluster: str | None = None,
    **kwargs: Any,
) -> Any:
    """Weighted Kaplan-Meier risk difference, RMST difference, hazard ratio or CIF difference for a design.

    ``measure="cif_difference"`` is the Aalen-Johansen risk difference with competing events
    (:func:`altmeasures_eval.survival.cumulative_incidence_difference`): pass the cause-coded column
    (cohort ``event_type``: 1 proven reoffence, 2 death) as ``event``; ``cause=`` selects the cause.

    The design's weights are passed to :mod:`altmeasures_eval.survival` as a ``weights`` column, and
    for matching without replacement its matched sets as the ``cluster`` column (robust variance
    summed within matched sets), unless ``cluster`` names another column. Returns the survival
    layer's result object unchanged; its ``notes`` state the variance used.

    Notes
    -----
    Hazard ratio after matching with replacement: the data are expanded to one row per (matched
    set, member) — a control used by several focal units appears once per set, with weight
    1/k_i, so the control group's total weight equals the number of focal units (MatchIt's
    rescaled weights would give a slightly different Cox fit) — and the variance of the log hazard
    ratio is Austin and Cafri's (2020) two-way cluster-robust variance on matched sets and on units,
    G_s/(G_s-1) V_set + G_u/(G_u-1) V_unit - G_r/(G_r-1) V_row (Cameron, Gelbach and Miller 2011),
    each V the survival layer's Lin-Wei robust variance (as R's ``coxph(robust = TRUE, cluster =)``);
    checked against their R function run by R 4.2 / survival 3.5
    (``tests/effects/reference/austin_cafri_reference.R``). The point estimate is the weighted fit with one row per unit (weight
    K_j = sum of 1/k_i), which differs from the expanded fit only through Efron's tie correction.
    An :class:`EffectResult` is returned in that case. For risk
    differences and RMST after matching with replacement the survival layer's robust variance with
    fixed weights is used (no two-way correction yet).
    """
    from altmeasures_eval import survival

    name = _FUNCTIONS.get(measure)
    fn = getattr(survival, name, None) if name else None
    if fn is None:
        raise ConfigError(f"measure {measure!r} is not available from altmeasures_eval.survival "
                          f"(available here: {sorted(_FUNCTIONS)})")
    if measure == "hazard_ratio" and isinstance(design, MatchResult) and design.replace:
        return _hazard_ratio_with_replacement(fn, data, duration, event, treatment, design, **kwargs)
    w, _, _ = resolve_weights(data, design)
    work = data.assign(__weights=w)
    work = work[work["__weights"] > 0]
    if cluster is None and isinstance(design, MatchResult) and not design.replace:
        work = work.assign(__set=design.subclass.reindex(work.index).astype("float64"))
        cluster = "__set"
    return fn(work, duration, event, treatment, weights="__weights", cluster=cluster, **kwargs)


def two_way_variance(variances: dict[str, float], counts: dict[str, int]) -> float:
    """Austin & Cafri (2020) two-way variance of a log hazard ratio after matching with replacement.

    ``variances`` holds the Lin-Wei robust variances of the same Cox fit on the expanded matched
    data clustered on matched sets (``"__set"``), on units (``"__unit"``) and on rows
    (``"__row"``, each row its own cluster); ``counts`` the number of clusters G of each. The
    result is G_s/(G_s-1) V_s + G_u/(G_u-1) V_u - G_r/(G_r-1) V_r, the Cameron-Gelbach-Miller
    two-way variance (the intersection of a set and a unit is one row) with the G/(G-1) factor
    the R code of Austin and Cafri applies to each term.
    """
    return float(sum(sign * counts[c] / (counts[c] - 1) * variances[c]
                     for c, sign in (("__set", 1.0), ("__unit", 1.0), ("__row", -1.0))))


def _expanded_fits(fn, data, duration, event, treatment, design: MatchResult, **kwargs: Any):
    """Expand the matched sets (one row per set and member, matches weighted 1/k_i) and fit the Cox
    model with the Lin-Wei variance clustered on sets, on units and on rows. Returns
    (long data, {cluster: first summary row}, {cluster: number of clusters}, focal labels, member labels)."""
    mm = design.match_matrix
    focal_labels, member_labels, set_ids, weights = [], [], [], []
    for s_id, (label, row) in enumerate(zip(mm.index, mm.to_numpy())):
        got = [c for c in row if c is not pd.NA]
        if not got:
            continue
        focal_labels.append(label)
        member_labels += [label, *got]
        set_ids += [s_id] * (len(got) + 1)
        weights += [1.0] + [1.0 / len(got)] * len(got)
    long = data.loc[member_labels, [duration, event, treatment]].reset_index(drop=True)
    long["__weights"] = weights
    long["__set"] = set_ids
    long["__unit"] = pd.factorize(pd.Index(member_labels))[0]
    long["__row"] = np.arange(len(long))
    fits = {c: fn(long, duration, event, treatment, weights="__weights", cluster=c, **kwargs)
            for c in ("__set", "__unit", "__row")}
    first = {c: f.summary.iloc[0] for c, f in fits.items()}
    counts = {"__set": len(focal_labels), "__unit": int(long["__unit"].nunique()), "__row": len(long)}
    return long, first, counts, focal_labels, member_labels


def _hazard_ratio_with_replacement(fn, data, duration, event, treatment, design: MatchResult, alpha: float = 0.05,
                                   **kwargs: Any) -> EffectResult:
    long, first, counts, focal_labels, member_labels = _expanded_fits(fn, data, duration, event, treatment, design,
                                                                      **kwargs)
    # point estimate from one row per unit weighted K_j: identical to the expanded rows except that
    # Efron's tie correction is not linear in duplicated events
    agg = pd.DataFrame({"__unit": long["__unit"], "__weights": long["__weights"]}).groupby("__unit")["__weights"].sum()
    units = pd.Index(member_labels).unique()
    one = data.loc[units, [duration, event, treatment]].reset_index(drop=True)
    one["__weights"] = agg.to_numpy()
    point = fn(one, duration, event, treatment, weights="__weights", **kwargs).summary.iloc[0]
    var = two_way_variance({c: float(first[c]["se"]) ** 2 for c in counts}, counts)
    notes = []
    if var <= 0:
        var = max(first["__set"]["se"], first["__unit"]["se"]) ** 2
        notes.append("two-way variance was not positive; the larger one-way cluster variance was used")
    log_hr = float(point["estimate"])
    row = wald_row(float(np.exp(log_hr)), float(np.sqrt(var)), int(len(focal_labels)), alpha, True)
    summary = summary_frame({"hazard_ratio": row})
    means = pd.DataFrame({"mean": [np.nan, np.nan], "n": [len(focal_labels), int(len(long) - len(focal_labels))],
                          "sum_weights": [np.nan, np.nan]}, index=pd.Index(["focal", "matches"], name="group"))
    how = ("Austin & Cafri (2020) variance: two-way cluster-robust on matched sets and units, "
           "G_s/(G_s-1) V_set + G_u/(G_u-1) V_unit - G_r/(G_r-1) V_row "
           f"({counts['__set']} sets, {counts['__unit']} units, {counts['__row']} rows; one-way Lin-Wei SEs: "
           f"set {first['__set']['se']:.4g}, unit {first['__unit']['se']:.4g}, row {first['__row']['se']:.4g})")
    return EffectResult(summary=summary, means=means, outcome=f"{duration}/{event}", estimand=design.estimand,
                        design="matching (with replacement)", variance=how, alpha=alpha,
                        notes=tuple(notes + list(design.notes)))
