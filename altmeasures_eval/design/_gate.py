"""The design gate: results appear only where the comparison is good enough.

In the spirit of the Justice Data Lab rule that results are published only where matching quality
is high enough: after adjustment, covariate means within ``[design] balance_threshold`` (|SMD|),
variance ratios within ``[1/max_variance_ratio, max_variance_ratio]`` (Rubin 2001), an effective
sample size of each group of at least ``min_ess``, no person carrying more than
``max_weight_share`` of a group's weight, a propensity model that converged with no separation
left and no score at 0 or 1. Each failed check gives a reason and the change that fixes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COUNT_CHECKS", "DesignGate", "check_design", "shown_beside"]

_COLUMNS = ["check", "value", "threshold", "passed", "detail"]
#: Checks whose measured value counts people: published through disclosure control.
COUNT_CHECKS: tuple[str, ...] = ("people outside common support", "scores at 0 or 1", "both groups in the comparison")
#: A score this close to 0 or 1 means the model has (quasi-)separated the groups.
BOUNDARY = 1e-8
#: Matching without replacement: largest |SMD| of the logit score after matching (pooled SD of the
#: groups before matching). Greedy 1:1 matching with a 0.2 SD caliper left 0.065 on average in the
#: matching-inference study's one well-posed cell without replacement (its pairs shifted -0.06 SD,
#: estimate biased by 0.15 SD, interval covering 92.3%); a 0.1 SD caliper left 0.026 and covered
#: 93.4% (benchmarks/results/matching_inference/no_replacement.json, issue #19).
MATCHED_SCORE_SMD = 0.05


@dataclass(frozen=True)
class DesignGate:
    """Whether a design is good enough to publish effects, and why not.

    Attributes
    ----------
    passed : bool
        True when every check passed: effects may be estimated and published.
    checks : pandas.DataFrame
        One row per check: ``check`` (name), ``value`` (measured), ``threshold`` (what is
        accepted, in words), ``passed`` (bool), ``detail`` (which covariates or groups).
    reasons : tuple of str
        Plain-language reasons for every failed check.
    advice : tuple of str
        For each reason, the change that fixes it (config key and value, or the covariate or
        stage to leave out).
    """

    passed: bool
    checks: pd.DataFrame
    reasons: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()

    @property
    def summary(self) -> pd.DataFrame:
        """The checks table."""
        return self.checks

    def to_text(self) -> str:
        lines = [f"Design gate: {'passed' if self.passed else 'FAILED'}",
                 self.checks.to_string(index=False)]
        lines += [f"reason: {r}" for r in self.reasons] + [f"advice: {a}" for a in self.advice]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


@dataclass
class _Checks:
    rows: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def add(self, check: str, value: Any, threshold: str, passed: bool, detail: str = "",
            reason: str = "", advice: Sequence[str] = ()) -> None:
        self.rows.append({"check": check, "value": value, "threshold": threshold, "passed": bool(passed),
                          "detail": detail})
        if not passed and reason:
            self.reasons.append(reason)
            self.advice.extend(a for a in advice if a not in self.advice)

    def gate(self) -> DesignGate:
        checks = pd.DataFrame(self.rows, columns=_COLUMNS)
        checks["passed"] = checks["passed"].astype(bool)
        return DesignGate(passed=bool(checks["passed"].all()), checks=checks, reasons=tuple(self.reasons),
                          advice=tuple(self.advice))


def shown_beside(value: float, threshold: float | Sequence[float], digits: int = 2, *, percent: bool = False) -> str:
    """``value`` with enough decimals that it visibly differs from its threshold(s).

    A measured value printed beside its threshold must not read as the threshold itself: an SMD of
    0.1004 against a threshold of 0.1 prints "0.1004", not "0.10"; a weight share of 5.04% against
    5% prints "5.04". Starts at ``digits`` decimals and adds one until the printed value differs from
    every threshold shown at the same precision (a value exactly at a threshold prints at ``digits``).

    Parameters
    ----------
    value : float
    threshold : float or sequence of float
        The threshold(s) the value is compared with (in the value's units, before ``percent``).
    digits : int, default 2
        Fewest decimals.
    percent : bool, default False
        Print ``100 * value`` (the caller adds the "%" sign).

    Returns
    -------
    str
        With thousands separators.
    """
    ths = [float(threshold)] if np.isscalar(threshold) else [float(t) for t in threshold]
    scale = 100.0 if percent else 1.0
    v = float(value) * scale
    txt = f"{v:,.{digits}f}"
    if not np.isfinite(v):
        return txt
    for d in range(digits, 10):
        txt = f"{v:,.{d}f}"
        shown = float(txt.replace(",", ""))
        if all(float(value) == t or shown != round(t * scale, d) for t in ths):
            return txt
    return txt


def _level_name(row: str) -> str:
    return row.replace("=", " = ")


#: A stage at which more than this share of people receive the same sentence is a near-decision
#: point: its few people with the other sentence carry huge weights.
EXTREME_STAGE_SHARE = 0.9


def _stage_fix(data: pd.DataFrame) -> str | None:
    """Advice to leave out the stage at which (almost) everyone receives the same sentence."""
    if "stage" not in data.columns or data["stage"].nunique() < 2:
        return None
    from altmeasures_eval.schema import STAGES

    share = data.groupby(data["stage"].astype(str), observed=True)["treatment"].mean()
    extreme = share[(share > EXTREME_STAGE_SHARE) | (share < 1 - EXTREME_STAGE_SHARE)]
    if extreme.empty:
        return None
    worst = str((extreme - 0.5).abs().idxmax())
    rest = sorted((x for x in share.index if x != worst), key=lambda x: STAGES.index(x) if x in STAGES else 99)
    pct = 100 * max(share[worst], 1 - share[worst])
    which = "an alternative" if share[worst] > 0.5 else "custody"
    return (f"leave stage {worst} out of the comparison: set [cohort] stages = "
            f"[{', '.join(chr(34) + x + chr(34) for x in rest)}] (at that stage {pct:.0f}% of people receive "
            f"{which}, so the few others carry very large weights)")


def _size_fix(group: str, n: int, settings: Any) -> str:
    """Advice when a group is too small for the weight checks whatever the weights.

    With ``n`` people, Kish's effective sample size is at most ``n`` and the largest weight share at
    least ``1 / n``: no weighting, matching or leaving out a stage (which only removes people) can
    pass the checks. Only more people in that group can, from a longer cohort period or more data.
    """
    need = max(int(np.ceil(settings.min_ess)), int(np.ceil(1 / settings.max_weight_share - 1e-9)))
    who = "given an alternative" if group == "alternative" else "sent to custody"
    return (f"compare more people {who}: with only {n:,} people in that group, no weighting, matching or stage "
            f"setting can pass the effective sample size and weight-share checks (at most {n:,} effective people, "
            f"each carrying at least 1/{n:,} of the weight). Widen the cohort: an earlier [cohort] period_start "
            f"or a later period_end (or more data), so that at least {need:,} people {who} are compared")


def _no_overlap_advice(levels: list[str]) -> str:
    combos = list(dict.fromkeys(r.split(": ", 1)[-1] for r in levels))
    if len(combos) > 5 or any(" and " in x for x in combos):
        # many small cells, each held by one group: the cohort is too small for this many covariates
        return ("With so few people, most combinations of the covariates are held by one group only. Widen the "
                "cohort ([cohort] period_start and period_end) or use fewer covariates in [design] covariates.")
    covs = list(dict.fromkeys(x.split(" = ")[0] for x in combos))
    if not covs:
        return ("The two groups do not overlap on the characteristics recorded: no setting of [design] can make "
                "them comparable. A comparison needs places, stages or periods where both sentences are given.")
    what = " and ".join(covs)
    return (f"The sentence is decided by {what}: at each value of {what}, everyone receives the same sentence, so "
            f"no one has a comparable person in the other group. No setting of [design] can replace a comparison "
            f"group: the data need {what} values (places, stages or periods) where both sentences are given.")


def failed_groups_gate(n_treated: int, n_control: int, dropped: pd.DataFrame, threshold: int) -> DesignGate:
    """The gate when one group is (almost) empty: no comparison can be made at all."""
    c = _Checks()

    def shown(n: int) -> str:
        return f"{n:,}" if n == 0 or n >= threshold else f"fewer than {threshold}"

    levels = [r for r in dropped["reason"].astype(str) if "=" in r] if len(dropped) else []
    where = ""
    if levels:
        names = sorted(dict.fromkeys(r.split(": ", 1)[-1] for r in levels))
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        where = " (" + "; ".join(names[:5]) + more + ")"
    c.add("both groups in the comparison", min(n_treated, n_control), "at least 2 in each group",
          min(n_treated, n_control) >= 2,
          detail=f"alternative {shown(n_treated)}, custody {shown(n_control)}",
          reason=(f"No reliable comparison can be made: after leaving out the people who have no comparable "
                  f"person in the other group{where}, {shown(n_treated)} people given an alternative and "
                  f"{shown(n_control)} people sent to custody remain."),
          advice=[_no_overlap_advice(levels)])
    return c.gate()


def failed_fit_gate(exc: Exception) -> DesignGate:
    """The gate when the propensity model cannot be fitted at all."""
    c = _Checks()
    msg = str(exc).splitlines()[0]
    c.add("propensity model converged", "no", "yes", False, detail=msg,
          reason=f"The propensity model could not be fitted ({msg}), so no comparison can be made.",
          advice=['set [design] penalty = "firth" (a bias-reduced fit that stays finite under separation), or '
                  "remove from [design] covariates the covariate the message names"])
    return c.gate()


def failed_adjust_gate(method: str, exc: Exception) -> DesignGate:
    """The gate when the weighting or matching itself fails (e.g. entropy balancing cannot reach balance)."""
    c = _Checks()
    msg = str(exc).splitlines()[0]
    c.add("weights or matches found", "no", "yes", False, detail=msg,
          reason=f"The {method} step could not make the groups comparable ({msg}).",
          advice=['set [design] method = "ipw" (or "overlap" with estimand = "ATE"), which always gives weights; '
                  "the gate then shows which covariates stay imbalanced"] if method in ("entropy", "matching") else
          ['set [design] support_rule = "crump" to leave out people whose score is outside 0.1-0.9'])
    return c.gate()


def check_design(*, settings: Any, propensity: Any, balance: Any, weights: np.ndarray, treatment: np.ndarray,
                 data: pd.DataFrame, outside: int, dropped: pd.DataFrame, stage_covariate: bool) -> DesignGate:
    """Run every gate check on a built design.

    Parameters
    ----------
    settings : DesignSettings
        ``[design]``: thresholds and the options the advice names.
    propensity : PropensityScore
        The fit on the population the estimate describes.
    balance : BalanceResult
        Balance before and after adjustment on that population.
    weights : numpy.ndarray
        Design weights aligned with ``data``.
    treatment : numpy.ndarray
        0/1 treatment aligned with ``data``.
    data : pandas.DataFrame
        The population the estimate describes.
    outside : int
        People outside common support (left out when ``common_support = "restrict"``).
    dropped : pandas.DataFrame
        ``group, reason, persons`` of the people outside common support.
    stage_covariate : bool
        Whether ``stage`` is a covariate of the model.

    Returns
    -------
    DesignGate
    """
    s = settings
    c = _Checks()
    penalty_fix = 'set [design] penalty = "firth" (a bias-reduced fit that stays finite under separation)'
    restrict_fix = ('set [design] common_support = "restrict": the people with no comparable person in the other '
                    'group are left out and the report says whom the estimate describes')

    # the propensity model
    converged = bool(getattr(propensity, "converged", not any("did not converge" in n for n in propensity.notes)))
    aliased = tuple(getattr(propensity, "aliased", ()))
    c.add("propensity model converged", "yes" if converged else "no", "yes", converged,
          detail=(f"aliased and left out: {', '.join(aliased)}" if aliased else ""),
          reason="The propensity model did not converge: its coefficients run away, so its scores cannot be trusted.",
          advice=[restrict_fix if s.common_support == "stop" and outside else penalty_fix])
    sep = tuple(getattr(propensity, "separation", ()))
    c.add("separation", len(sep), "0", not sep, detail="; ".join(sep),
          reason=("Some characteristics are held by one group only, so the model separates the groups: "
                  + "; ".join(sep) + "."),
          advice=[restrict_fix if s.common_support == "stop" else penalty_fix])
    e = propensity.score.to_numpy(float)
    edge = int(((e <= BOUNDARY) | (e >= 1 - BOUNDARY)).sum())
    c.add("scores at 0 or 1", edge, "0", edge == 0,
          reason=f"{edge:,} propensity scores are 0 or 1 to numerical precision: those people have no comparable case.",
          advice=[restrict_fix if s.common_support == "stop" else penalty_fix])

    # common support
    if s.common_support == "stop":
        where = "; ".join(f"{r['reason']} ({r['group']})" for _, r in dropped.iterrows())
        c.add("people outside common support", outside, "0 (common_support = \"stop\")", outside == 0,
              detail=where,
              reason=f"{outside:,} people have no comparable person in the other group ({where}).",
              advice=[restrict_fix])
    else:
        c.add("people outside common support", outside, "left out (common_support = \"restrict\")", True,
              detail="; ".join(f"{r['reason']} ({r['group']})" for _, r in dropped.iterrows()))

    # balance
    tab = balance.table.drop(index="distance", errors="ignore")
    smd = tab["smd_after"].abs()
    worst = float(smd.max()) if len(smd) else 0.0
    bad = smd[smd > s.balance_threshold].sort_values(ascending=False)
    shown = ", ".join(f"{_level_name(k)} ({shown_beside(v, s.balance_threshold)})" for k, v in bad.head(5).items())
    # a group too small for the weight checks even with equal weights: only more people can help
    t = np.asarray(treatment)
    w = np.asarray(weights, float)
    sizes = {name: int(((t == g) & (w > 0)).sum()) for g, name in ((1, "alternative"), (0, "custody"))}
    too_few = {k: n for k, n in sizes.items() if n < s.min_ess or (n > 0 and 1 / n > s.max_weight_share)}
    stage_fix = _stage_fix(data) if stage_covariate and not too_few else None
    smd_advice: list[str] = [stage_fix] if stage_fix else []
    if s.common_support == "stop" and outside:
        smd_advice = [restrict_fix]  # no weighting balances a level the other group does not hold
    if not smd_advice:
        if s.method != "entropy":
            smd_advice.append('set [design] method = "entropy": entropy balancing makes the groups\' covariate '
                              "means equal by construction")
        else:
            smd_advice.append('set [design] support_rule = "crump" to leave out people whose score is outside '
                              "0.1-0.9, for whom the groups cannot be balanced")
    c.add("max |SMD| after adjustment", worst, f"at most {s.balance_threshold:g}", worst <= s.balance_threshold,
          detail=shown,
          reason=(f"After adjustment the groups still differ on {shown}: more than the threshold of "
                  f"{s.balance_threshold:g} standardised mean difference."),
          advice=smd_advice)
    vr = tab.loc[tab["type"] == "continuous", "var_ratio_after"].dropna() if "var_ratio_after" in tab else pd.Series(dtype=float)
    vr = vr[np.isfinite(vr) & (vr > 0)]
    lo, hi = 1 / s.max_variance_ratio, s.max_variance_ratio
    if len(vr):
        far = vr.iloc[int(np.argmax(np.abs(np.log(vr.to_numpy()))))]
        out_vr = vr[(vr < lo) | (vr > hi)]
        txt = ", ".join(f"{k} ({shown_beside(v, (lo, hi))})" for k, v in out_vr.items())
        c.add("variance ratios after adjustment", float(far), f"{lo:.2f} to {hi:.2f}", len(out_vr) == 0,
              detail=txt,
              reason=(f"After adjustment the spread of {txt} differs between the groups (variance ratio outside "
                      f"{lo:.2f}-{hi:.2f}): the custody group does not cover the range of the alternative group."),
              advice=['set [design] method = "entropy" and moments = 2: entropy balancing then makes the means '
                      "and the variances of the covariates equal in the two groups"]
              if not (s.method == "entropy" and s.moments == 2) else
              ['set [design] support_rule = "crump" to leave out people whose score is outside 0.1-0.9, for whom '
               "the groups cannot be balanced"])

    # matching without replacement: greedy pairs taken where the pool is locally scarce sit on one
    # side of their focal unit, a bias no caliper check on single pairs reveals and no standard
    # error covers; the score itself must then be balanced more closely than the covariates (#19)
    both = (w > 0) & np.isfinite(w)
    if s.method == "matching" and not s.replace and ((t == 1) & both).any() and ((t == 0) & both).any():
        lin = propensity.linear.reindex(data.index).to_numpy(float)
        sd = float(np.sqrt((np.var(lin[t == 1], ddof=1) + np.var(lin[t == 0], ddof=1)) / 2))
        gap = abs(float(np.average(lin[(t == 1) & both], weights=w[(t == 1) & both])
                        - np.average(lin[(t == 0) & both], weights=w[(t == 0) & both])))
        smd_score = gap / sd if sd > 0 else 0.0
        narrower = max(round(float(s.caliper) / 2, 2), 0.01) if s.caliper else 0.1
        c.add("score balance of a match without replacement", smd_score, f"at most {MATCHED_SCORE_SMD:g}",
              smd_score <= MATCHED_SCORE_SMD,
              reason=(f"The matched groups still differ on the propensity score itself by "
                      f"{shown_beside(smd_score, MATCHED_SCORE_SMD)} standardised mean difference (more than "
                      f"{MATCHED_SCORE_SMD:g}): matching without replacement took matches on one side of the people "
                      "matched, which biases the estimate and makes its interval too narrow."),
              advice=[f"set [design] caliper = {narrower:g} (a narrower caliper keeps matches closer on the score), "
                      "or replace = true (a person of the other group may then be matched to several people)"])

    # weights
    ess, share = {}, {}
    for g, name in ((1, "alternative"), (0, "custody")):
        wg = w[(t == g) & (w > 0)]
        ess[name] = float(wg.sum() ** 2 / (wg**2).sum()) if len(wg) else 0.0
        share[name] = float(wg.max() / wg.sum()) if len(wg) and wg.sum() > 0 else 1.0
    small = min(ess, key=ess.get)
    weight_fix = ('set [design] method = "overlap" with estimand = "ATE": overlap weights are bounded, so no one carries a large weight '
                  "(the estimate then describes the people who could have received either sentence)"
                  if s.method in ("ipw", "entropy") else
                  "set [design] replace = false or raise [design] ratio, so that one custody case cannot stand "
                  "for many people")
    c.add("effective sample size", ess[small], f"at least {s.min_ess:g} in each group",
          ess[small] >= s.min_ess, detail=", ".join(f"{k} {shown_beside(v, s.min_ess, 1)}" for k, v in ess.items()),
          reason=(f"After adjustment the {small} group counts as only {shown_beside(ess[small], s.min_ess, 0)} "
                  "people (effective sample "
                  f"size), fewer than the minimum {s.min_ess:g}: "
                  + (f"the group has only {sizes[small]:,} people." if small in too_few else
                     "a few people carry most of the weight.")),
          advice=([_size_fix(small, sizes[small], s)] if small in too_few else
                  [x for x in (stage_fix, weight_fix) if x]))
    big = max(share, key=share.get)
    most = f"{100 * s.max_weight_share:g}%"
    c.add("largest weight share", share[big], f"at most {most} of a group's weight",
          share[big] <= s.max_weight_share,
          detail=", ".join(f"{k} {shown_beside(v, s.max_weight_share, 1, percent=True)}%" for k, v in share.items()),
          reason=(f"One person in the {big} group carries {shown_beside(share[big], s.max_weight_share, 0, percent=True)}% "
                  f"of that group's weight (more than {most}): the adjusted result rests on very few people."),
          advice=([_size_fix(big, sizes[big], s)] if big in too_few else
                  [x for x in (stage_fix, weight_fix) if x]))
    return c.gate()
