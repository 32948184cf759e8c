"""``altmeasures-eval cohort``: files written, no identifiers unless asked, config errors."""

from __future__ import annotations

import json

import pandas as pd

from altmeasures_eval.cli import main
from altmeasures_eval.io import write_dataset


def _setup(make, tmp_path, cohort_section: str = "") -> tuple:
    ps = [{"person_id": "P-001"}, {"person_id": "P-002"}, {"person_id": "P-003"}]
    cases = [
        {"person_id": "P-001", "offence_date": "2019-12-01", "decision_date": "2020-01-10", "disposition": "fine", "case_id": "K-1"},
        {"person_id": "P-002", "offence_date": "2019-12-01", "decision_date": "2020-01-10", "disposition": "custody", "case_id": "K-2"},
        {"person_id": "P-002", "offence_date": "2020-08-01", "decision_date": "2020-09-10", "disposition": "fine", "case_id": "K-3", "iccs_code": "0501"},
        {"person_id": "P-003", "offence_date": "2019-12-01", "decision_date": "2020-01-10", "disposition": "custody", "case_id": "K-4"},
    ]
    spells = [
        {"person_id": "P-002", "case_id": "K-2", "admission_date": "2020-01-10", "release_date": "2020-03-10"},
        {"person_id": "P-003", "case_id": "K-4", "admission_date": "2020-01-10", "release_date": None},
    ]
    ds = make(ps, cases, spells, extract="2023-12-31")
    write_dataset(ds, tmp_path / "data")
    cfg = tmp_path / "eval.toml"
    cfg.write_text(f'[data]\npath = "data"\n\n[cohort]\n{cohort_section}\n', encoding="utf-8")
    return cfg, tmp_path / "out"


def test_cohort_command_writes_cohort_without_ids_and_attrition(make, tmp_path, capsys):
    cfg, out = _setup(make, tmp_path, 'period_start = 2020-01-01\nperiod_end = 2020-12-31')
    assert main(["cohort", "--config", str(cfg), "--out", str(out)]) == 0
    cohort = pd.read_csv(out / "cohort.csv")
    assert "person_id" not in cohort.columns and "index_case_id" not in cohort.columns
    assert list(cohort["row"]) == [1, 2]
    text = (out / "cohort.csv").read_text()
    assert "P-00" not in text and "K-" not in text  # no identifier anywhere in the file
    assert list(cohort["treatment"]) == [1, 0]
    assert cohort.loc[1, "start_date"] == "2020-03-10"
    attrition = pd.read_csv(out / "attrition.csv")
    assert attrition.iloc[-1]["persons_remaining"] == 2
    assert attrition.set_index("rule").loc["not_in_custody", "persons_removed"] == 1
    meta = json.loads((out / "cohort_spec.json").read_text())
    assert meta["spec"]["period_start"] == "2020-01-01" and meta["extract_date"] == "2023-12-31"
    assert "2 rows (1 alternative, 1 comparator); 1 still in custody" in capsys.readouterr().out


def test_with_ids_keeps_ids_and_warns(make, tmp_path, capsys):
    cfg, out = _setup(make, tmp_path)
    assert main(["cohort", "--config", str(cfg), "--out", str(out), "--with-ids"]) == 0
    cohort = pd.read_csv(out / "cohort.csv")
    assert list(cohort["person_id"]) == ["P-001", "P-002"]
    assert "not for publication" in capsys.readouterr().err


def test_bad_cohort_option_exits_2_naming_the_key(make, tmp_path, capsys):
    cfg, out = _setup(make, tmp_path, 'start = "admission"')
    assert main(["cohort", "--config", str(cfg), "--out", str(out)]) == 2
    assert "'start' must be 'release' or 'decision'" in capsys.readouterr().err
    assert not out.exists()
