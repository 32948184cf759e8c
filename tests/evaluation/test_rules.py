"""Justice Data Lab decision rules on hand-built cohorts (counts chosen at the boundaries)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.evaluation import EvaluationSpec, apply_rules


def _cohort(n_t: int, reoff_t: int, n_c: int, reoff_c: int) -> pd.DataFrame:
    """Treated first; ``reoff_*`` of each group reoffended at every horizon."""
    y = np.r_[np.ones(reoff_t), np.zeros(n_t - reoff_t), np.ones(reoff_c), np.zeros(n_c - reoff_c)]
    d = pd.DataFrame({"treatment": np.r_[np.ones(n_t), np.zeros(n_c)].astype("int8")})
    for h in (365, 730, 1095):
        d[f"reoffend_{h}"] = y
    return d


def test_all_rules_met() -> None:
    r = apply_rules(_cohort(60, 30, 100, 40), np.ones(160), EvaluationSpec())
    assert r.effects_allowed and r.time_to_event_allowed and all(r.significance.values())
    assert r.reasons == ()
    assert (r.n_treated, r.n_control, r.treated_reoffenders) == (60, 100, 30)


def test_fewer_than_60_treated_withholds_every_effect() -> None:
    r = apply_rules(_cohort(59, 30, 100, 40), np.ones(159), EvaluationSpec())
    assert not r.effects_allowed and not r.time_to_event_allowed
    assert not any(r.significance.values())
    assert "Only 59 people were given an alternative measure; at least 60 are needed" in r.reasons[0]


def test_small_group_size_is_not_printed_below_the_disclosure_threshold() -> None:
    r = apply_rules(_cohort(7, 3, 100, 40), np.ones(107), EvaluationSpec())
    assert "Only fewer than 10 people" in r.reasons[0]
    assert " 7 " not in r.reasons[0]


def test_np_rule_at_the_boundary() -> None:
    # treated n*p = 100 * 0.10 = 10 -> allowed; 100 * 0.09 = 9 -> withheld (n*(1-p) large in both)
    ok = apply_rules(_cohort(100, 10, 100, 50), np.ones(200), EvaluationSpec())
    assert all(ok.significance.values())
    low = apply_rules(_cohort(100, 9, 100, 50), np.ones(200), EvaluationSpec())
    assert not any(low.significance.values()) and low.effects_allowed
    assert any("n*p and n*(1-p) must both be at least 10" in s for s in low.reasons)
    # n*(1-p) side: 95 of 100 custody reoffend -> 5 non-reoffenders
    high = apply_rules(_cohort(100, 50, 100, 95), np.ones(200), EvaluationSpec())
    assert not any(high.significance.values())


def test_np_rule_uses_weighted_control_rate() -> None:
    # 100 controls, 20 reoffenders; weights put almost all mass on non-reoffenders: p ~ 0.0099
    w = np.r_[np.ones(100), np.full(20, 0.01), np.ones(80)]
    r = apply_rules(_cohort(100, 50, 100, 20), w, EvaluationSpec())
    assert not any(r.significance.values())  # 100 * 0.2/80.2... = 0.25 < 10


def test_time_to_event_needs_30_treated_reoffenders() -> None:
    r29 = apply_rules(_cohort(100, 29, 100, 40), np.ones(200), EvaluationSpec())
    assert r29.effects_allowed and not r29.time_to_event_allowed
    assert any("Fewer than 30 people given an alternative measure reoffended" in s for s in r29.reasons)
    r30 = apply_rules(_cohort(100, 30, 100, 40), np.ones(200), EvaluationSpec())
    assert r30.time_to_event_allowed


def test_rules_are_configurable() -> None:
    spec = EvaluationSpec.from_config({"decision_rules": {"min_treated": 50, "min_treated_reoffenders": 10}})
    r = apply_rules(_cohort(55, 12, 100, 40), np.ones(155), spec)
    assert r.effects_allowed and r.time_to_event_allowed


def test_limitations_are_written_from_the_diagnostics() -> None:
    """A fake evaluation with poor balance, a level without overlap and placeholder costs."""
    from types import SimpleNamespace

    from altmeasures_eval.evaluation import limitations_from

    table = pd.DataFrame(
        {"type": ["continuous", "binary", "binary", "binary"],
         "mean_treated_before": [30.0, 0.2, 0.8, 0.001], "mean_control_before": [31.0, 0.0, 1.0, 0.0],
         "smd_before": [-0.1, 0.5, -0.5, 0.03], "smd_after": [0.02, 0.35, -0.35, 0.03]},
        index=["age", "stage=police", "stage=trial", "sex=other"])
    ess = pd.DataFrame({"treated": [1000.0, 1000.0], "control": [400.0, 150.0]}, index=["before", "after"])
    rules = apply_rules(_cohort(1000, 300, 400, 150), np.ones(1400), EvaluationSpec())
    design = SimpleNamespace(gate=SimpleNamespace(passed=True, reasons=()), estimand="ATT", result=None)
    ev = SimpleNamespace(
        spec=EvaluationSpec(), rules=rules, balance=SimpleNamespace(table=table, ess=ess), design=design,
        time_to_event=SimpleNamespace(lead="rmst"), recidivism={}, headline_horizon=365, subgroups=None,
        costs=SimpleNamespace(unit_costs=SimpleNamespace(placeholders=("custody_day",))), quality=None,
        skipped=("Subgroup sex not estimated: no level with 30 people in both groups.",))
    text = "\n".join(limitations_from(ev))
    assert "2 covariate level(s) still differ" in text and "stage=police (0.35)" in text
    assert "No one in the custody group has stage = police, while 20.0% of the alternative group does" in text
    assert "sex = other" not in text  # 0.1% of 1,000 = 1 person: never printed as a small count
    assert "effective sample size of the custody group is 150 of 400" in text
    assert "Hazards are not proportional" in text
    assert "PLACEHOLDERS" in text and "custody_day" in text
    assert "no unmeasured confounding" in text
    assert "Subgroup sex not estimated" in text  # a skipped secondary analysis is a limitation
    assert "No reliable comparison" not in text


def test_required_group_size_hand_calculation() -> None:
    """p1 = 0.30, p2 = 0.35, alpha 0.05, power 0.8: pbar = 0.325;
    1.959964 x sqrt(0.43875) + 0.841621 x sqrt(0.4375) = 1.298243 + 0.556671 = 1.854914;
    1.854914^2 / 0.0025 = 1376.28 -> 1377 per group."""
    from altmeasures_eval.evaluation import required_group_size

    assert required_group_size(0.30, 0.35) == 1377
    assert required_group_size(0.35, 0.30) == 1377
    assert required_group_size(0.3, 0.3) is None
    assert required_group_size(0.30, 0.35, power=0.9) > 1377


def test_required_group_size_against_r_power_prop_test() -> None:
    """R 4.2 ``power.prop.test``: tests/evaluation/reference/power_prop.R -> power_prop.csv."""
    from pathlib import Path

    from altmeasures_eval.evaluation import required_group_size

    ref = pd.read_csv(Path(__file__).parent / "reference" / "power_prop.csv")
    for r in ref.itertuples():
        ours = required_group_size(r.p1, r.p2, alpha=r.sig, power=r.power)
        assert ours == int(np.ceil(r.n)), (r, ours)
