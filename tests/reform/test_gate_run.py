"""The reform gate withholds an effect whose own diagnostic fails, and run_reform wires designs,
outcomes and gates; generated panels with a known effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.reform import PolicySpec, adoption_periods, month_to_period, prepare_panel, run_reform, staggered_did
from altmeasures_eval.synth import simulate_panel


@pytest.fixture(scope="module")
def sample():
    return simulate_panel(seed=11)


def _spec(**sections):
    base = {"did": {"n_boot": 0}, "policy": {"outcomes": ["drug_possession_admissions"]}}
    base.update(sections)
    return PolicySpec.from_sections(base)


def test_did_recovers_the_known_effect_and_passes(sample):
    ev = run_reform(sample.panel, sample.policy, _spec(policy={"outcomes": ["drug_possession_admissions"], "designs": ["did"]}))
    r = ev.results[0]
    truth = sample.truth["drug_possession_admissions"]["att"]
    assert r.gate.passed
    assert r.effect["ci_low"] < truth < r.effect["ci_high"]
    assert r.diagnostics["twfe"]["estimate"] is not None


def test_pretrend_violation_withholds_the_did_effect(sample):
    panel = sample.panel.copy()
    adopters = set(sample.policy.loc[sample.policy["adoption_month"].notna(), "jurisdiction"])
    t = month_to_period(panel["month"]) - month_to_period(["2014-01"])[0]
    panel["drug_possession_admissions"] = panel["drug_possession_admissions"] + np.where(
        panel["jurisdiction"].isin(adopters), 0.6 * t, 0.0)  # adopters drift upwards all along
    ev = run_reform(panel, sample.policy, _spec(policy={"outcomes": ["drug_possession_admissions"], "designs": ["did"]}))
    r = ev.results[0]
    assert not r.gate.passed
    assert r.effect == {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None}
    assert r.estimated["estimate"] is not None
    assert "parallel trends is not credible" in r.gate.reasons[0]


def test_synthetic_control_outside_the_donors_fails_the_fit_gate(sample):
    panel = sample.panel.copy()
    treated = "district_17" if "district_17" in set(sample.policy.dropna().jurisdiction) else sample.policy.dropna().jurisdiction.iloc[0]
    big = panel["jurisdiction"] == treated
    panel.loc[big, "drug_possession_admissions"] = panel.loc[big, "drug_possession_admissions"] * 4 + 300
    ev = run_reform(panel, sample.policy, _spec(policy={"outcomes": ["drug_possession_admissions"], "designs": ["synth"]},
                                                synth={"treated": treated}))
    r = ev.results[0]
    assert not r.gate.passed and not r.diagnostics["in_hull"]
    assert r.effect["estimate"] is None
    assert "does not reproduce" in r.gate.reasons[0]


def test_policy_table_must_cover_the_panel(sample):
    with pytest.raises(DataContractError, match="no row in the policy table"):
        run_reform(sample.panel, sample.policy.iloc[1:], _spec())


def test_strict_config_keys():
    with pytest.raises(ConfigError, match="Did you mean 'control'"):
        PolicySpec.from_sections({"did": {"contrl": "never"}})
    with pytest.raises(ConfigError, match="unknown config section"):
        PolicySpec.from_sections({"synthetic": {}})
    with pytest.raises(ConfigError, match="must be one of"):
        PolicySpec.from_sections({"its": {"errors": "hac"}})


def test_unbalanced_panel_is_named():
    frame = pd.DataFrame({"jurisdiction": ["a", "a", "b"], "period": [1, 2, 1], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(DataContractError, match="not balanced"):
        prepare_panel(frame, "y")


def test_not_yet_treated_controls_use_later_cohorts(sample):
    frame = sample.panel.assign(period=month_to_period(sample.panel["month"]))
    p = prepare_panel(frame, "drug_possession_admissions", adoption=adoption_periods(sample.policy))
    never = staggered_did(p, control="never", n_boot=0)
    notyet = staggered_did(p, control="notyet", n_boot=0)
    first = never.att_gt["g"].min()
    def cell(r):
        gt = r.att_gt
        return gt[(gt["g"] == first) & (gt["t"] == first)].iloc[0]

    assert cell(notyet)["n_control"] > cell(never)["n_control"]
