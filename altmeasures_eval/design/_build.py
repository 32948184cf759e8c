"""The design of an evaluation: who is compared with whom, with which weights, and whether it holds.

:func:`build_design` takes the cohort through the decision points (stages where both sentences are
decided), the propensity model, common support, weighting or matching on the retained population,
balance, and the design gate, and returns one immutable :class:`Design` that every later stage
reads: the population, the weights and the estimand actually estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from altmeasures_eval.design._covariates import prepare_covariates
from altmeasures_eval.design._gate import (
    DesignGate,
    check_design,
    failed_adjust_gate,
    failed_fit_gate,
    failed_groups_gate,
)
from altmeasures_eval.design._points import DecisionPoints, decision_points
from altmeasures_eval.design._support import dropped_table, find_support, level_gaps

if TYPE_CHECKING:
    from altmeasures_eval.design._settings import DesignSettings

__all__ = ["Design", "build_design", "estimand_label"]

METHOD_WORDS = {"ipw": "inverse-probability weighting", "overlap": "overlap weighting",
                "entropy": "entropy balancing", "matching": "nearest-neighbour matching"}

_ATTRITION = ["step", "rule", "description", "persons_removed", "persons_remaining", "cases_removed",
              "cases_remaining", "alternative_removed", "alternative_remaining", "comparator_removed",
              "comparator_remaining"]


@dataclass(frozen=True)
class Design:
    """The comparison an evaluation makes, and whether it is good enough to publish.

    Attributes
    ----------
    propensity : PropensityScore or None
        The propensity model fitted on the retained population (None when no comparison is possible).
    support : CommonSupport or None
        Who is inside common support (``retained``) and who was left out (``dropped``, by reason).
    data : pandas.DataFrame
        The retained population: the people the estimate describes (``attrs['covariates']`` set).
    weights : numpy.ndarray
        Design weights aligned with ``data``.
    result : WeightResult or MatchResult or None
        The weighting or matching result (what the effects layer takes as ``design``).
    balance : BalanceResult or None
        Balance before and after adjustment on the retained population.
    method : str
        ``ipw``, ``overlap``, ``entropy`` or ``matching``.
    estimand : str
        The estimand actually estimated: ``ATT``, ``ATC``, ``ATE`` or ``ATO`` (overlap weights).
    estimand_label : str
        Whom the estimate describes, in plain words.
    gate : DesignGate
        The diagnostic gate; effects are published only when ``gate.passed``.
    notes : tuple of str
    covariates : tuple of str
        Covariates of the propensity model actually used.
    attrition : pandas.DataFrame
        The design's steps of the attrition flow (stages left out, people outside common
        support), in the columns of ``Cohort.attrition``, numbered from 1.
    decision_points : DecisionPoints or None
        Stages compared and stages only described.
    imputed : ImputedData or None
        Under ``[design] missing = "impute"`` with missing covariates: the m imputations
        (:func:`altmeasures_eval.imputation.impute_cohort`); ``data`` is then the first completed
        data set. The evaluation builds the design of every completed data set
        (:func:`altmeasures_eval.design.imputed_designs`), pools balance and gate
        (:func:`altmeasures_eval.design.pooled_design`) and pools every result over all m.
    """

    propensity: Any
    support: Any
    data: pd.DataFrame
    weights: np.ndarray = field(repr=False)
    result: Any
    balance: Any
    method: str
    estimand: str
    estimand_label: str
    gate: DesignGate
    notes: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    attrition: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_ATTRITION), repr=False)
    decision_points: DecisionPoints | None = field(default=None, repr=False)
    settings: Any = field(default=None, repr=False)
    random_state: int | None = field(default=None, repr=False)
    imputed: Any = field(default=None, repr=False)

    def weights_for(self, estimand: str) -> np.ndarray:
        """Weights of the same design on the same population for another estimand.

        The prison scenarios divert people now sent to custody, so their re-admission rates are
        weighted for the ATC whatever the headline estimand. Overlap weights have no other
        version: their own weights are returned.

        Parameters
        ----------
        estimand : {"ATT", "ATC", "ATE"}

        Returns
        -------
        numpy.ndarray
            Aligned with ``data``.
        """
        if estimand == self.estimand or self.method == "overlap" or self.result is None or self.settings is None:
            return self.weights
        from dataclasses import replace

        res, _ = _adjust(self.data, self.propensity, list(self.covariates),
                         replace(self.settings, estimand=estimand), self.random_state)
        return res.weights.reindex(self.data.index).to_numpy(float)

    def with_balance(self, balance: Any) -> Design:
        """The same design judged on another balance table: the gate is checked again on it.

        Used for a multiply imputed cohort, whose balance is pooled over the imputations
        (:func:`altmeasures_eval.design.pooled_design`).

        Parameters
        ----------
        balance : BalanceResult
            Balance of the same covariates (levels) before and after adjustment.

        Returns
        -------
        Design
        """
        from dataclasses import replace

        if self.result is None or self.settings is None:
            return replace(self, balance=balance)
        outside = int((~self.support.retained.astype(bool)).sum()) if self.support is not None else 0
        dropped = dropped_table(self.support) if self.support is not None else pd.DataFrame(
            columns=["group", "reason", "persons"])
        gate = check_design(settings=self.settings, propensity=self.propensity, balance=balance,
                            weights=self.weights, treatment=self.data["treatment"].to_numpy(), data=self.data,
                            outside=outside, dropped=dropped, stage_covariate="stage" in self.covariates)
        return replace(self, balance=balance, gate=gate)

    @property
    def passed(self) -> bool:
        """Whether the design gate passed."""
        return self.gate.passed

    @property
    def n_treated(self) -> int:
        """People given an alternative in the retained population."""
        return int((self.data["treatment"] == 1).sum())

    @property
    def n_control(self) -> int:
        """People sent to custody in the retained population."""
        return int((self.data["treatment"] == 0).sum())


def estimand_label(estimand: str, restricted: bool = False, stages: tuple[str, ...] = ()) -> str:
    """Whom an estimate describes, in plain words.

    Parameters
    ----------
    estimand : {"ATT", "ATC", "ATE", "ATO"}
    restricted : bool
        Whether people without a comparable person in the other group were left out.
    stages : tuple of str
        The stages compared, when some stages were left out.
    """
    base = {"ATT": "people given an alternative measure",
            "ATC": "people sent to custody",
            "ATE": "everyone in the cohort",
            "ATO": "the people who could have received either sentence (overlap population)"}[estimand]
    if restricted and estimand != "ATO":
        base += {"ATT": " who have a comparable custody case",
                 "ATC": " who have a comparable case given an alternative",
                 "ATE": " who has a comparable case in the other group"}[estimand]
    if stages:
        from altmeasures_eval.schema import STAGES

        order = sorted(stages, key=lambda x: STAGES.index(x) if x in STAGES else len(STAGES))
        words = [x.replace("_", "-") for x in order]
        joined = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
        base += f", decided at the {joined} stage" + ("s" if len(words) > 1 else "")
    return base


def _attrition_rows(steps: list[tuple[str, str, pd.DataFrame]], start: pd.DataFrame) -> pd.DataFrame:
    def counts(frame: pd.DataFrame) -> tuple[int, int, int, int]:
        pid = frame["person_id"] if "person_id" in frame.columns else pd.Series(frame.index, index=frame.index)
        t = frame["treatment"].to_numpy()
        # distinct persons (missing ids not counted, as nunique) from one factorisation of the ids
        codes, uniques = pd.factorize(pid)
        k = len(uniques)

        def distinct(mask: np.ndarray) -> int:
            return int(np.count_nonzero(np.bincount(codes[mask & (codes >= 0)], minlength=k)))

        return (k, len(frame), distinct(t == 1), distinct(t == 0))

    rows = []
    prev = counts(start)
    for i, (rule, text, frame) in enumerate(steps, start=1):
        now = counts(frame)
        rows.append({"step": i, "rule": rule, "description": text,
                     "persons_removed": prev[0] - now[0], "persons_remaining": now[0],
                     "cases_removed": prev[1] - now[1], "cases_remaining": now[1],
                     "alternative_removed": prev[2] - now[2], "alternative_remaining": now[2],
                     "comparator_removed": prev[3] - now[3], "comparator_remaining": now[3]})
        prev = now
    return pd.DataFrame(rows, columns=_ATTRITION)


def _fit(data: pd.DataFrame, covs: list[str], penalty: str) -> Any:
    from altmeasures_eval.matching import estimate_propensity

    if penalty == "none":
        return estimate_propensity(data, "treatment", covs)
    return estimate_propensity(data, "treatment", covs, penalty=penalty)


def _adjust(data: pd.DataFrame, ps: Any, covs: list[str], s: Any, random_state: int | None) -> tuple[Any, str]:
    from altmeasures_eval.matching import entropy_balance, match_nearest, weight_ipw, weight_overlap

    if s.method == "ipw":
        bounds = (s.trim, 1 - s.trim) if s.trim > 0 else None
        return weight_ipw(data, "treatment", ps, estimand=s.estimand, ps_bounds=bounds), s.estimand
    if s.method == "overlap":
        return weight_overlap(data, "treatment", ps), "ATO"
    if s.method == "entropy":
        return entropy_balance(data, "treatment", covs, estimand=s.estimand, moments=s.moments), s.estimand
    return (match_nearest(data, "treatment", ps, estimand=s.estimand, ratio=s.ratio, replace=s.replace,
                          caliper=s.caliper or None, random_state=random_state), s.estimand)


def build_design(data: pd.DataFrame, settings: DesignSettings, *, random_state: int | None = None,
                 disclosure_threshold: int = 10) -> Design:
    """Build the design of an evaluation and check it.

    Steps: (1) decision points: stages where only one group occurs are described and left out
    (``[design] decision_points``), and ``stage`` is a covariate only where both groups exist at
    more than one stage; (2) covariates prepared (:func:`prepare_covariates`); (3) a logistic
    propensity score; (4) common support (``support_rule``): people with no comparable person in
    the other group are left out (``common_support = "restrict"``) or fail the gate (``"stop"``);
    the score is refitted on the retained population; (5) weighting or matching on the retained
    population (the matching caliper in SDs of the retained scores); (6) balance before and after;
    (7) the design gate.

    Parameters
    ----------
    data : pandas.DataFrame
        The cohort table (``treatment``, ``stage``, the covariates, ``person_id`` in memory).
    settings : DesignSettings
        The ``[design]`` section.
    random_state : int, optional
        Seed of the matching ties.
    disclosure_threshold : int, default 10
        Counts below this are written "fewer than N" in the gate's reasons.

    Returns
    -------
    Design
        With ``gate.passed`` False when no reliable comparison can be made; effects must then be
        withheld.
    """
    from altmeasures_eval._errors import AltMeasuresError
    from altmeasures_eval.matching import balance_table

    s = settings
    notes: list[str] = []
    imputed = None
    if s.missing == "impute":  # [design] missing: the design of the first of m completed data sets (#17)
        from altmeasures_eval.imputation import impute_cohort

        imputed = impute_cohort(data, s.covariates, m=s.imputations, random_state=random_state)
        if imputed is not None:
            data = imputed.complete(0)
            notes.append(f"design shown for the first of {imputed.m} imputed data sets; effects are estimated in "
                         "each and pooled by Rubin's rules")
    points = decision_points(data, s.decision_points)
    notes.extend(points.notes)
    steps: list[tuple[str, str, pd.DataFrame]] = []
    frame = data
    for _, r in points.counts[~points.counts["compared"]].iterrows():
        frame = frame[frame["stage"].astype(object).fillna("unknown").astype(str) != r["stage"]]
        steps.append(("decision_point", f"stage {r['stage']}: {r['reason']}", frame))
    covs_wanted = list(s.covariates)
    if "stage" in covs_wanted and not points.stage_covariate:
        covs_wanted.remove("stage")
        notes.append("stage left out of the propensity model: both groups exist at one stage only")
    base = points.data
    if s.missing == "complete_case":  # [design] missing (imputation.apply_missing_rule): counted in the attrition flow
        from altmeasures_eval.imputation import apply_missing_rule

        base, _, cc_notes, removed = apply_missing_rule(base, covs_wanted, "complete_case")
        if removed:
            steps.append(("missing_covariate", "a design covariate is missing (complete cases, [design] missing)", base))
            notes.extend(cc_notes)
    work, covs, cov_notes = prepare_covariates(base, covs_wanted, s.missing)
    notes.extend(cov_notes)
    stages = (tuple(points.counts.loc[points.counts["compared"], "stage"])
              if any(st[0] == "decision_point" for st in steps) else ())
    t = work["treatment"].to_numpy()

    def failed(gate: DesignGate, frame: pd.DataFrame, ps: Any = None, support: Any = None,
               extra: list[str] | None = None) -> Design:
        # no comparison: the design describes the population it was given (unadjusted balance, for
        # the cohort description) and the attrition flow ends there
        est = "ATO" if s.method == "overlap" else s.estimand
        balance = None
        ft = frame["treatment"].to_numpy()
        if min((ft == 1).sum(), (ft == 0).sum()) >= 1 and covs:
            try:
                balance = balance_table(frame, "treatment", list(covs), None, threshold=s.balance_threshold)
            except (AltMeasuresError, ValueError):
                balance = None
        return Design(propensity=ps, support=support, data=frame, weights=np.ones(len(frame)), result=None,
                      balance=balance, method=s.method, estimand=est,
                      estimand_label=estimand_label(est, False, stages), gate=gate,
                      notes=tuple(dict.fromkeys([*notes, *(extra or [])])), covariates=covs,
                      attrition=_attrition_rows(steps, data), decision_points=points, settings=s,
                      random_state=random_state, imputed=imputed)

    def no_overlap(dropped: pd.DataFrame, rest: pd.DataFrame) -> DesignGate:
        rt = rest["treatment"].to_numpy()
        return failed_groups_gate(int((rt == 1).sum()), int((rt == 0).sum()), dropped, disclosure_threshold)

    if min((t == 1).sum(), (t == 0).sum()) < 2 or not covs:
        return failed(no_overlap(pd.DataFrame(columns=["group", "reason", "persons"]), work), work)
    try:
        ps = _fit(work, list(covs), s.penalty)
    except (AltMeasuresError, ValueError, np.linalg.LinAlgError) as exc:
        # a model that cannot be fitted: name the levels held by one group only, if that is why
        keep, gaps = level_gaps(work, "treatment", covs)
        rest = work[keep]
        why = [f"the propensity model could not be fitted: {str(exc).splitlines()[0]}"]
        if len(gaps) and min((rest["treatment"] == 1).sum(), (rest["treatment"] == 0).sum()) < 2:
            return failed(no_overlap(gaps, rest), work, extra=why)
        return failed(failed_fit_gate(exc), work, extra=why)
    notes.extend(ps.notes)
    aliased = tuple(getattr(ps, "aliased", ()))
    if aliased:
        notes.append(f"covariate(s) {', '.join(aliased)} are linear combinations of the other covariates "
                     "(aliased) and were left out of the propensity model, as R's glm does; remove "
                     f"{', '.join(aliased)} from [design] covariates to silence this note")
    est0 = "ATO" if s.method == "overlap" else s.estimand
    support = find_support(work, "treatment", ps, estimand=est0, covariates=covs, rule=s.support_rule)
    dropped = dropped_table(support)
    keep = support.retained.reindex(work.index).fillna(False).to_numpy(bool)
    outside = int((~keep).sum())
    retained = work
    if outside and s.common_support == "restrict":
        rest = work[keep]
        rt = rest["treatment"].to_numpy()
        if min((rt == 1).sum(), (rt == 0).sum()) < 2:
            return failed(no_overlap(dropped, rest), work, ps, support)
        steps.append(("common_support", "no comparable person in the other group (outside common support)", rest))
        retained, covs, more = prepare_covariates(rest, list(covs), s.missing)
        notes.extend(more)
        try:
            ps = _fit(retained, list(covs), s.penalty)
        except (AltMeasuresError, ValueError, np.linalg.LinAlgError) as exc:
            return failed(failed_fit_gate(exc), retained, None, support)
        notes.append(f"{outside:,} people outside common support ({s.support_rule} rule) were left out; the "
                     "propensity score was refitted on the people retained")
        notes.extend(ps.notes)
    try:
        result, est = _adjust(retained, ps, list(covs), s, random_state)
    except (AltMeasuresError, ValueError, np.linalg.LinAlgError) as exc:
        return failed(failed_adjust_gate(s.method, exc), retained, ps, support)
    notes.extend(result.notes)
    weights = result.weights.reindex(retained.index).to_numpy(float)
    if s.method == "matching" and s.caliper:
        sd = float(np.std(ps.linear.reindex(retained.index).to_numpy(float), ddof=1))
        notes.append(f"matching caliper {s.caliper:g} SD of the logit score of the retained population "
                     f"= {s.caliper * sd:.3f} on the logit scale")
    balance = balance_table(retained, "treatment", list(covs), result, distance=ps, threshold=s.balance_threshold)
    notes.extend(balance.notes)
    gate = check_design(settings=s, propensity=ps, balance=balance, weights=weights,
                        treatment=retained["treatment"].to_numpy(), data=retained, outside=outside,
                        dropped=dropped, stage_covariate="stage" in covs)
    restricted = bool(outside) and s.common_support == "restrict"
    covs_txt = ", ".join(covs)
    notes.insert(0, f"design: {METHOD_WORDS[s.method]} on a logistic propensity score of {covs_txt}; "
                    f"estimand {est}")
    return Design(propensity=ps, support=support, data=retained, weights=weights, result=result, balance=balance,
                  method=s.method, estimand=est, estimand_label=estimand_label(est, restricted, stages), gate=gate,
                  notes=tuple(dict.fromkeys(notes)), covariates=tuple(covs),
                  attrition=_attrition_rows(steps, data), decision_points=points, settings=s,
                  random_state=random_state, imputed=imputed)
