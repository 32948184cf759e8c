"""Decision rules end to end: a cohort below 60 treated gets no effect estimates, and says why."""

from __future__ import annotations

import json
from pathlib import Path

from altmeasures_eval.report import build_content, published_tables, validate_results, write_report


def test_small_cohort_withholds_effects(small_evaluation) -> None:
    ev = small_evaluation
    assert ev.n_treated < 60
    assert not ev.rules.effects_allowed
    assert ev.recidivism == {} and ev.time_to_event is None and ev.prison is None and ev.costs is None
    assert ev.rules.reasons[0].startswith("Only ")
    assert ev.rules.reasons[0] in ev.limitations


def test_small_cohort_report_says_why(small_evaluation, tmp_path: Path) -> None:
    written = write_report(small_evaluation, tmp_path, pdf=False)
    doc = json.loads(written["results"].read_text(encoding="utf-8"))
    validate_results(doc)
    assert doc["recidivism"] == {} and doc["hazard_ratio"] is None and doc["costs"] is None
    assert doc["decision_rules"]["effects_reported"] is False
    assert "no effect estimates are reported" in doc["decision_rules"]["reasons"][0]
    html = written["html"].read_text(encoding="utf-8")
    assert "no effect estimates are reported" in html
    assert "For every 100 people" not in html
    tables, _ = published_tables(small_evaluation)
    assert "recidivism" not in tables and "subgroups" not in tables


def test_small_cohort_counts_are_suppressed(small_evaluation) -> None:
    tables, notes = published_tables(small_evaluation)
    content = build_content(small_evaluation, tables, {}, notes)
    text = " ".join(b.get("text", "") + " ".join(b.get("items", ())) for b in content["summary"])  # blocks
    n_c = small_evaluation.n_control
    if 0 < n_c < 10:
        assert f"with {n_c} people" not in text and "fewer than 10" in text
    desc = tables["cohort_description"].frame
    assert (desc == "[c]").to_numpy().any()  # small categories in a two-week cohort


def test_command_rejects_a_bad_config_before_reading_data(tmp_path: Path, capsys) -> None:
    from altmeasures_eval.cli import main

    cfg = tmp_path / "evaluation.toml"
    cfg.write_text('[data]\npath = "nowhere"\n[design]\nestimand = "ATT"\ncaliper_sd = 0.2\n', encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "[design] unknown key(s) 'caliper_sd'; known keys: method, estimand" in err
    assert not (tmp_path / "out").exists()
