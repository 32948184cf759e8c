"""EvaluationSpec.from_config: every section and key validated, defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.config import load_config
from altmeasures_eval.evaluation import EvaluationSpec

SAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "data" / "sample" / "evaluation.toml"


def test_defaults_are_a_valid_spec() -> None:
    spec = EvaluationSpec()
    assert spec.design.method == "ipw" and spec.design.estimand == "ATT"
    assert spec.decision_rules.min_treated == 60
    assert spec.decision_rules.min_treated_reoffenders == 30
    assert spec.decision_rules.min_expected == 10
    assert spec.disclosure.threshold == 10
    assert spec.report.headline_horizon in spec.cohort.horizons


def test_empty_config_takes_every_default() -> None:
    assert EvaluationSpec.from_config({}) == EvaluationSpec(config={"data": {}})


def test_sample_config_has_the_keys_the_issue_names() -> None:
    cfg = load_config(SAMPLE_CONFIG)
    assert Path(cfg.data.path).is_dir()  # "." relative to the config file
    spec = EvaluationSpec.from_config(cfg)
    assert str(spec.cohort.period_start.date()) == "2017-01-01"
    assert str(spec.cohort.period_end.date()) == "2022-12-31"
    assert spec.design.estimand == "ATT"
    assert spec.report.title.startswith("Alternatives to custody")
    assert "mapping" in SAMPLE_CONFIG.read_text()  # documented (commented) in the sample


def test_unknown_section_lists_known_sections() -> None:
    with pytest.raises(ConfigError, match=r"unknown config section\(s\) \[desgin\].*\[design\]"):
        EvaluationSpec.from_config({"desgin": {"estimand": "ATT"}})


@pytest.mark.parametrize("section", ["report", "design", "outcomes", "decision_rules", "disclosure", "population", "run"])
def test_unknown_key_lists_known_keys(section: str) -> None:
    with pytest.raises(ConfigError, match=rf"\[{section}\] unknown key\(s\) 'nonsense'; known keys: "):
        EvaluationSpec.from_config({section: {"nonsense": 1}})


def test_unknown_cost_analysis_key() -> None:
    with pytest.raises(ConfigError, match=r"\[costs.analysis\] unknown key\(s\) 'draws'.*n_draws"):
        EvaluationSpec.from_config({"costs": {"analysis": {"draws": 10}}})


def test_unit_costs_validated_before_data_are_read() -> None:
    with pytest.raises(ConfigError, match="discount_rate"):
        EvaluationSpec.from_config({"costs": {"discount_rate": 3.5}})


@pytest.mark.parametrize(("raw", "message"), [
    ({"design": {"estimand": "ATU"}}, r"\[design\] estimand must be one of ATT, ATC, ATE; got 'ATU'"),
    ({"design": {"method": "matching", "estimand": "ATE"}}, "matching estimates ATT or ATC"),
    ({"design": {"method": "overlap"}}, "overlap weights"),
    ({"design": {"covariates": "age"}}, "list of strings"),
    ({"decision_rules": {"min_treated": 0}}, r"\[decision_rules\] min_treated must be at least 1, got 0"),
    ({"decision_rules": {"min_treated": 60.5}}, "must be an integer"),
    ({"disclosure": {"threshold": True}}, "must be an integer"),
    ({"population": {"headline_share": 0.3}}, "headline_share 0.3 must be one of shares"),
    ({"report": {"headline_horizon": 400}}, "headline_horizon 400 is not one of the cohort horizons"),
    ({"report": {"title": ""}}, "title must be a non-empty string"),
    ({"cohort": {"perod_start": "2020-01-01"}}, r"\[cohort\] unknown option"),
])
def test_invalid_values_name_section_key_and_value(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        EvaluationSpec.from_config(raw)


def test_headline_horizon_follows_cohort_horizons() -> None:
    spec = EvaluationSpec.from_config({"cohort": {"horizons": [180, 365]}, "report": {"headline_horizon": 180}})
    assert spec.report.headline_horizon == 180


def test_run_and_compute_sections() -> None:
    spec = EvaluationSpec.from_config({"run": {"seed": 1, "n_jobs": 2}, "compute": {"scheduler": "tcp://10.0.0.5:8786"}})
    assert spec.run.n_jobs == 2 and spec.compute.scheduler == "tcp://10.0.0.5:8786"
    with pytest.raises(ConfigError, match="n_jobs must be a number of processes"):
        EvaluationSpec.from_config({"run": {"n_jobs": 0}})
    with pytest.raises(ConfigError, match=r"\[compute\] unknown key"):
        EvaluationSpec.from_config({"compute": {"workers": 4}})
