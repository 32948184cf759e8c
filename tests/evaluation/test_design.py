"""The Design object, its gate (each check at its boundary) and the advice, tested case by case.

Every advice is checked by applying it: the design rebuilt with the advised change passes its gate.
Cohorts are generated here (a logistic assignment on age, prior proven offences and stage) so that
each case is built in well under a second.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.design import Design, DesignGate, build_design, check_design, decision_points, estimand_label
from altmeasures_eval.evaluation import DesignSettings

SETTINGS = DesignSettings(covariates=("age", "prior_proven", "jurisdiction", "stage"))


def _cohort(n: int = 3000, seed: int = 1, pretrial_share: float = 0.0, pretrial_p: float = 0.97,
            police: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(30, 8, n).round()
    prior = rng.poisson(1.5, n)
    juris = rng.choice(["J1", "J2", "J3"], n)
    stage = np.where(rng.random(n) < 0.5, "trial", "sentencing")
    p = 1 / (1 + np.exp(-(0.2 + 0.03 * (age - 30) - 0.4 * prior + 0.3 * (stage == "trial"))))
    pre = rng.random(n) < pretrial_share
    stage = np.where(pre, "pre_trial", stage)
    p = np.where(pre, pretrial_p, p)
    t = (rng.random(n) < p).astype(int)
    if police:
        stage[:police], t[:police] = "police", 1
    y = (rng.random(n) < 0.3 + 0.02 * prior).astype(float)
    return pd.DataFrame({"person_id": np.arange(n), "treatment": t, "age": age, "prior_proven": prior,
                         "jurisdiction": juris, "stage": stage, "reoffend_365": y})


def _check(gate: DesignGate, name: str) -> pd.Series:
    return gate.checks.set_index("check").loc[name]


# --- the Design object -------------------------------------------------------------------------

def test_design_holds_population_weights_estimand_and_gate() -> None:
    data = _cohort()
    d = build_design(data, SETTINGS, random_state=1)
    assert isinstance(d, Design) and isinstance(d.gate, DesignGate) and d.gate.passed
    assert d.method == "ipw" and d.estimand == "ATT"
    assert len(d.weights) == len(d.data) and d.data.index.isin(data.index).all()
    assert (d.weights[d.data["treatment"].to_numpy() == 1] == 1).all()  # ATT: treated weight 1
    assert d.result.weights.reindex(d.data.index).to_numpy() == pytest.approx(d.weights)
    assert d.balance.max_abs_smd <= SETTINGS.balance_threshold or "distance" in d.balance.table.index
    assert set(d.covariates) == {"age", "prior_proven", "jurisdiction", "stage"}
    assert list(d.gate.checks.columns) == ["check", "value", "threshold", "passed", "detail"]
    assert d.n_treated + d.n_control == len(d.data)
    # frozen: every later stage reads the same object
    with pytest.raises(AttributeError):
        d.estimand = "ATE"  # type: ignore[misc]


def test_overlap_weights_are_called_ato_everywhere() -> None:
    d = build_design(_cohort(), replace(SETTINGS, method="overlap", estimand="ATE"), random_state=1)
    assert d.estimand == "ATO" and d.result.estimand == "ATO"
    assert "overlap population" in d.estimand_label
    # overlap weights have no ATC version: the prison stage gets the design's own weights
    assert d.weights_for("ATC") is d.weights


def test_weights_for_another_estimand_on_the_same_population() -> None:
    d = build_design(_cohort(), SETTINGS, random_state=1)
    w = d.weights_for("ATC")
    assert len(w) == len(d.data)
    assert (w[d.data["treatment"].to_numpy() == 0] == 1).all()  # ATC: custody weight 1


def test_estimand_labels_say_who_is_described() -> None:
    assert estimand_label("ATT") == "people given an alternative measure"
    assert estimand_label("ATT", restricted=True) == ("people given an alternative measure who have a "
                                                      "comparable custody case")
    assert estimand_label("ATC", restricted=True).startswith("people sent to custody who have a comparable")
    assert estimand_label("ATT", stages=("sentencing", "trial")).endswith(
        "decided at the trial or sentencing stages")


# --- decision points ---------------------------------------------------------------------------

def test_police_stage_is_described_and_left_out() -> None:
    data = _cohort(police=300)
    d = build_design(data, SETTINGS, random_state=1)
    lo = d.decision_points.left_out
    assert lo["stage"].tolist() == ["police"] and lo["reason"].tolist() == ["no custody decision at this stage"]
    assert int(lo["persons"].iloc[0]) == 300 and int(lo["alternative"].iloc[0]) == 300
    assert lo["reoffend_365_rate"].iloc[0] == pytest.approx(data["reoffend_365"].iloc[:300].mean())
    assert (d.data["stage"] != "police").all()
    first = d.attrition.iloc[0]
    assert first["description"] == "stage police: no custody decision at this stage"
    assert first["persons_removed"] == 300 and first["alternative_removed"] == 300
    assert first["comparator_removed"] == 0
    # two court stages with both groups remain: stage stays a covariate
    assert "stage" in d.covariates and d.gate.passed


def test_stage_is_a_covariate_only_where_both_groups_exist_at_more_than_one_stage() -> None:
    data = _cohort(police=300)
    data.loc[data["stage"] == "trial", "stage"] = "sentencing"
    d = build_design(data, SETTINGS, random_state=1)
    assert "stage" not in d.covariates
    assert any("stage left out of the propensity model" in n for n in d.notes)
    pts = decision_points(data, "comparable")
    assert not pts.stage_covariate and pts.counts.set_index("stage").loc["police", "compared"] == False  # noqa: E712


def test_decision_points_all_keeps_the_stage_and_common_support_leaves_it_out() -> None:
    d = build_design(_cohort(police=300), replace(SETTINGS, decision_points="all"), random_state=1)
    assert d.decision_points.left_out.empty
    assert (d.data["stage"] != "police").all()  # nobody at the police stage has a custody counterpart
    assert d.attrition["rule"].tolist() == ["common_support"]


# --- common support and the advice that works -------------------------------------------------

def _jurisdiction_decides(all_of_them: bool = False) -> pd.DataFrame:
    data = _cohort()
    j = data["jurisdiction"].to_numpy()
    data.loc[j == "J1", "treatment"] = 1
    data.loc[j == "J2", "treatment"] = 0
    if all_of_them:
        data.loc[j == "J3", "treatment"] = 1
    return data


def test_jurisdiction_that_decides_the_group_is_left_out_by_default() -> None:
    data = _jurisdiction_decides()
    d = build_design(data, SETTINGS, random_state=1)
    assert d.gate.passed
    assert set(d.data["jurisdiction"]) == {"J3"}
    assert d.estimand_label == "people given an alternative measure who have a comparable custody case"
    step = d.attrition.set_index("rule").loc["common_support"]
    assert step["persons_removed"] == int((data["jurisdiction"] != "J3").sum())
    assert "jurisdiction = J1" in _check(d.gate, "people outside common support")["detail"]


def test_common_support_stop_fails_and_its_advice_works() -> None:
    data = _jurisdiction_decides()
    d = build_design(data, replace(SETTINGS, common_support="stop"), random_state=1)
    assert not d.gate.passed
    row = _check(d.gate, "people outside common support")
    assert not row["passed"] and row["value"] == int((data["jurisdiction"] != "J3").sum())
    assert any("jurisdiction = J1" in r for r in d.gate.reasons)
    assert d.gate.advice[0].startswith('set [design] common_support = "restrict"')
    assert not any("entropy" in a for a in d.gate.advice)  # no weighting balances a level nobody else holds
    fixed = build_design(data, replace(SETTINGS, common_support="restrict"), random_state=1)
    assert fixed.gate.passed


def test_no_overlap_at_all_names_the_covariate_and_no_config_fix() -> None:
    data = _jurisdiction_decides(all_of_them=True)
    d = build_design(data, SETTINGS, random_state=1)
    assert not d.gate.passed and d.result is None
    # no comparison: the design describes the population it was given, and the flow ends there
    assert d.n_treated == int(data["treatment"].sum()) and d.attrition.empty
    assert d.balance is not None and d.balance.table["smd_after"].equals(d.balance.table["smd_before"])
    assert d.gate.reasons[0].startswith("No reliable comparison can be made")
    assert "jurisdiction = J1; jurisdiction = J2; jurisdiction = J3" in d.gate.reasons[0]
    assert d.gate.advice == (
        "The sentence is decided by jurisdiction: at each value of jurisdiction, everyone receives the same "
        "sentence, so no one has a comparable person in the other group. No setting of [design] can replace a "
        "comparison group: the data need jurisdiction values (places, stages or periods) where both sentences "
        "are given.",)


def test_near_decision_stage_advice_names_the_stage_and_leaving_it_out_works() -> None:
    data = _cohort(pretrial_share=0.2)
    d = build_design(data, SETTINGS, random_state=1)
    assert not d.gate.passed and not _check(d.gate, "max |SMD| after adjustment")["passed"]
    assert d.gate.advice[0].startswith('leave stage pre_trial out of the comparison: set [cohort] stages = '
                                       '["trial", "sentencing"] (at that stage 97% of people receive an alternative')
    assert not any("remove `stage`" in a or "remove stage" in a for a in d.gate.advice)
    assert build_design(data[data["stage"] != "pre_trial"], SETTINGS, random_state=1).gate.passed


def _years_cohort(seed: int = 1, n: int = 4000) -> pd.DataFrame:
    """Six decision years, about one person in fifteen given an alternative (about 40 a year)."""
    rng = np.random.default_rng(seed)
    age = rng.normal(30, 8, n).round()
    prior = rng.poisson(1.5, n)
    stage = np.where(rng.random(n) < 0.5, "trial", "sentencing")
    p = 1 / (1 + np.exp(-(-2.6 + 0.02 * (age - 30) - 0.2 * prior + 0.2 * (stage == "trial"))))
    t = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"person_id": np.arange(n), "treatment": t, "age": age, "prior_proven": prior,
                         "jurisdiction": rng.choice(["J1", "J2", "J3"], n), "stage": stage,
                         "year": rng.integers(2016, 2022, n)})


def test_tiny_group_advice_is_a_longer_period_and_it_works() -> None:
    """A one-year cohort with fewer than 50 people given an alternative: their effective sample size can
    never reach min_ess = 50 (ATT weights of 1). Leaving a stage out or overlap weights do not help;
    the advice is a longer period, and the six-year cohort (the advice applied) passes."""
    data = _years_cohort()
    one_year = data[data["year"] == 2021]
    d = build_design(one_year, SETTINGS, random_state=1)
    assert not d.gate.passed and d.n_treated < 50
    assert _check(d.gate, "effective sample size")["passed"] == False  # noqa: E712
    assert len(d.gate.advice) == 1, d.gate.advice
    advice = d.gate.advice[0]
    assert advice.startswith("compare more people given an alternative") and "[cohort] period_start" in advice
    assert f"only {d.n_treated} people" in advice and "at least 50 people given an alternative" in advice
    assert "leave stage" not in " ".join(d.gate.advice) and "overlap" not in " ".join(d.gate.advice)
    # what was advised before does not fix it: leaving a stage out, overlap weights
    for stage in ("trial", "sentencing"):
        assert not build_design(one_year[one_year["stage"] != stage], SETTINGS, random_state=1).gate.passed
    assert not build_design(one_year, replace(SETTINGS, method="overlap", estimand="ATE"), random_state=1).gate.passed
    # the advice applied: the cohort over 2016-2021 instead of 2021 alone
    wider = build_design(data, SETTINGS, random_state=1)
    assert wider.gate.passed, wider.gate.reasons


def test_imbalance_advice_entropy_works_when_no_stage_is_to_blame() -> None:
    """A jurisdiction where 97% receive an alternative: IPW leaves |SMD| 0.13; entropy balancing, as
    advised, balances the means."""
    data = _cohort(pretrial_share=0.2)
    pre = data["stage"] == "pre_trial"
    data.loc[pre, "jurisdiction"], data.loc[pre, "stage"] = "J4", "trial"
    d = build_design(data, SETTINGS, random_state=1)
    assert not d.gate.passed and not _check(d.gate, "max |SMD| after adjustment")["passed"]
    assert d.gate.advice == ('set [design] method = "entropy": entropy balancing makes the groups\' covariate '
                             "means equal by construction",)
    assert build_design(data, replace(SETTINGS, method="entropy"), random_state=1).gate.passed


def test_variance_ratio_advice_entropy_with_two_moments_works() -> None:
    """Assignment depends on (age - 30)^2, the model is linear in age: the custody group's spread of
    age is wrong after IPW (ratio 2.11); balancing the second moment, as advised, fixes it."""
    rng = np.random.default_rng(3)
    n = 3000
    age = rng.normal(30, 8, n).round()
    prior = rng.poisson(1.5, n)
    lin = -1.5 + 0.05 * (age - 30) ** 2 / 8 + 0.8 * prior - 0.25 * prior**2
    t = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    data = pd.DataFrame({"person_id": np.arange(n), "treatment": t, "age": age, "prior_proven": prior})
    s = DesignSettings(covariates=("age", "prior_proven"))
    d = build_design(data, s, random_state=1)
    row = _check(d.gate, "variance ratios after adjustment")
    assert not row["passed"] and row["detail"] == "age (2.11)"
    assert d.gate.advice[0].startswith('set [design] method = "entropy" and moments = 2')
    fixed = build_design(data, replace(s, method="entropy", moments=2), random_state=1)
    assert fixed.gate.passed and _check(fixed.gate, "variance ratios after adjustment")["value"] == pytest.approx(1, abs=0.01)


def test_aliased_covariate_is_named_with_its_fix() -> None:
    data = _cohort().assign(prior_bed_days=lambda x: 30 * x["prior_proven"])
    d = build_design(data, replace(SETTINGS, covariates=SETTINGS.covariates + ("prior_bed_days",)), random_state=1)
    assert d.gate.passed
    assert "prior_bed_days" in _check(d.gate, "propensity model converged")["detail"]
    assert any("remove prior_bed_days from [design] covariates" in n for n in d.notes)


# --- each gate check at its boundary -----------------------------------------------------------

def _gate(settings: DesignSettings, *, smd: float = 0.0, vr: float = 1.0, n_control: int = 200,
          big: float = 1.0, converged: bool = True, separation: tuple[str, ...] = (),
          score_edge: bool = False, outside: int = 0) -> DesignGate:
    """check_design on hand-made inputs: one continuous covariate with the given SMD and variance
    ratio, 200 treated (weight 1) and ``n_control`` controls of weight 1 except the first (``big``)."""
    n_t = 200
    t = np.r_[np.ones(n_t, int), np.zeros(n_control, int)]
    w = np.ones(n_t + n_control)
    w[n_t] = big
    score = np.full(n_t + n_control, 0.5)
    if score_edge:
        score[0] = 1e-9
    ps = SimpleNamespace(score=pd.Series(score), notes=(), converged=converged, aliased=(), separation=separation)
    table = pd.DataFrame({"type": ["continuous"], "smd_after": [smd], "var_ratio_after": [vr]}, index=["age"])
    data = pd.DataFrame({"treatment": t})
    return check_design(settings=settings, propensity=ps, balance=SimpleNamespace(table=table), weights=w,
                        treatment=t, data=data, outside=outside,
                        dropped=pd.DataFrame(columns=["group", "reason", "persons"]), stage_covariate=False)


def test_all_checks_pass_on_a_clean_design() -> None:
    g = _gate(SETTINGS)
    assert g.passed and g.reasons == () and g.advice == ()


@pytest.mark.parametrize(("smd", "ok"), [(0.1, True), (-0.1, True), (0.1001, False), (-0.1001, False)])
def test_max_smd_boundary(smd: float, ok: bool) -> None:
    row = _check(_gate(SETTINGS, smd=smd), "max |SMD| after adjustment")
    assert bool(row["passed"]) == ok
    assert row["value"] == pytest.approx(abs(smd), abs=1e-4) and row["threshold"] == "at most 0.1"


@pytest.mark.parametrize(("vr", "ok"), [(2.0, True), (0.5, True), (2.01, False), (0.49, False), (1.0, True)])
def test_variance_ratio_boundary(vr: float, ok: bool) -> None:
    row = _check(_gate(SETTINGS, vr=vr), "variance ratios after adjustment")
    assert bool(row["passed"]) == ok and row["threshold"] == "0.50 to 2.00"


@pytest.mark.parametrize(("n_control", "ok"), [(50, True), (49, False)])
def test_effective_sample_size_boundary(n_control: int, ok: bool) -> None:
    """Equal weights: Kish's ESS is the number of people, so 50 custody people meet min_ess = 50."""
    g = _gate(replace(SETTINGS, max_weight_share=1.0), n_control=n_control)
    row = _check(g, "effective sample size")
    assert bool(row["passed"]) == ok and row["value"] == pytest.approx(n_control)
    if not ok:
        assert "custody group counts as only 49 people" in g.reasons[0] and "has only 49 people" in g.reasons[0]
        # 49 people cannot count as 50 whatever the weights: the advice is more people, not another method
        assert g.advice == (g.advice[0],) and g.advice[0].startswith("compare more people sent to custody")
        assert "[cohort] period_start" in g.advice[0] and "at least 50 people sent to custody" in g.advice[0]


@pytest.mark.parametrize(("big", "ok"), [(199 / 19, True), (11.0, False)])
def test_weight_share_boundary(big: float, ok: bool) -> None:
    """200 controls, one of weight b: share = b / (199 + b); b = 199/19 gives exactly 5%."""
    g = _gate(SETTINGS, big=big)
    row = _check(g, "largest weight share")
    assert bool(row["passed"]) == ok
    if not ok:  # 200 people, one heavy weight: bounded (overlap) weights, not more people
        assert g.advice[0].startswith('set [design] method = "overlap" with estimand = "ATE"')
    assert row["value"] == pytest.approx(big / (199 + big), rel=1e-12)


@pytest.mark.parametrize(("kw", "printed"), [
    (dict(smd=0.1004), "age (0.1004): more than the threshold of 0.1 "),  # not "(0.10)" beside 0.1
    (dict(smd=0.0996 + 0.0099), "age (0.11): more"),  # a value that differs at 2 decimals keeps 2
    (dict(vr=2.004), "age (2.004) differs"),  # not "2.00" beside "0.50-2.00"
    (dict(big=0.0504 * 199 / (1 - 0.0504)), "carries 5.04% of that group's weight (more than 5%)"),
    (dict(n_control=50, big=1.1), "counts as only 49.99 people"),  # (49 + 1.1)^2 / (49 + 1.21), not "50"
])
def test_reasons_print_values_that_visibly_differ_from_their_threshold(kw: dict, printed: str) -> None:
    """A failed check's value is printed with enough decimals that it does not read as its threshold."""
    settings = replace(SETTINGS, max_weight_share=1.0) if "n_control" in kw else SETTINGS
    g = _gate(settings, **kw)
    assert not g.passed
    assert any(printed in r for r in g.reasons), g.reasons


def test_report_gate_table_prints_values_that_differ_from_their_threshold() -> None:
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._gate_table import _gate_value

    policy = DisclosurePolicy(threshold=10)
    assert _gate_value("max |SMD| after adjustment", 0.1004, policy, SETTINGS) == "0.1004"  # "at most 0.1"
    assert _gate_value("max |SMD| after adjustment", 0.0512, policy, SETTINGS) == "0.051"
    assert _gate_value("variance ratios after adjustment", 2.0004, policy, SETTINGS) == "2.0004"  # "0.50 to 2.00"
    assert _gate_value("largest weight share", 0.05004, policy, SETTINGS) == "5.004%"  # "at most 5%"
    assert _gate_value("effective sample size", 49.97, policy, SETTINGS) == "49.97"  # "at least 50"


def test_model_checks_fail_with_penalty_advice() -> None:
    g = _gate(SETTINGS, converged=False, separation=("prior_proven: coefficient runs away",), score_edge=True)
    failed = set(g.checks.loc[~g.checks["passed"], "check"])
    assert failed == {"propensity model converged", "separation", "scores at 0 or 1"}
    assert g.advice == ('set [design] penalty = "firth" (a bias-reduced fit that stays finite under separation)',)
    stop = _gate(replace(SETTINGS, common_support="stop"), separation=("stage = police: ...",), outside=12)
    assert stop.advice[0].startswith('set [design] common_support = "restrict"')


def test_gate_text_lists_checks_and_reasons() -> None:
    """The gate's text form lists every check and every reason (what the report and CLI print)."""
    g = _gate(SETTINGS, smd=0.5)
    text = g.to_text()
    assert text.startswith("Design gate: FAILED") and "max |SMD| after adjustment" in text
    assert "reason: After adjustment the groups still differ on age (0.50)" in text


def test_matching_caliper_is_on_the_retained_scores() -> None:
    """The caliper is 0.2 SD of the logit of the score refitted on the people retained, not of the
    score of everyone (which people without a comparable case inflate)."""
    data = _jurisdiction_decides()
    d = build_design(data, replace(SETTINGS, method="matching"), random_state=1)
    assert d.gate.passed and set(d.data["jurisdiction"]) == {"J3"}
    sd = float(np.std(d.propensity.linear.reindex(d.data.index).to_numpy(), ddof=1))
    note = next(n for n in d.notes if n.startswith("matching caliper"))
    assert note.endswith(f"= {0.2 * sd:.3f} on the logit scale")
    assert d.result.caliper == pytest.approx(0.2 * sd, rel=1e-9)  # width in logit units, as MatchIt
    assert d.propensity.score.index.equals(d.data.index)  # the model was refitted on the retained people
