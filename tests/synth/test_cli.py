"""``altmeasures-eval synth`` writes a contract folder with its ground truth."""

from __future__ import annotations

import json

import pandas as pd

from altmeasures_eval.cli import main


def test_synth_command_writes_csv_folder_and_truth(tmp_path, capsys) -> None:
    out = tmp_path / "s"
    code = main(["synth", "--persons", "1500", "--seed", "4", "--out", str(out)])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"persons.csv", "cases.csv", "custody_spells.csv", "treatment_episodes.csv",
                     "extract.toml", "ground_truth.json", "manifest.json"}  # manifest: issue #14
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["generator"]["seed"] == 4 and "population" not in truth
    assert len(pd.read_csv(out / "persons.csv")) == 1500
    said = capsys.readouterr().out
    assert "1,500 persons" in said and "risk difference ATT" in said


def test_synth_command_parquet_effect_and_population(tmp_path) -> None:
    out = tmp_path / "p"
    code = main(["synth", "--persons", "800", "--seed", "1", "--out", str(out), "--format", "parquet",
                 "--effect", "0.7", "--confounding", "0.5", "--population", "5000"])
    assert code == 0
    assert (out / "cases.parquet").exists()
    truth = json.loads((out / "ground_truth.json").read_text())
    assert set(truth["generator"]["effects_hazard_ratio"].values()) == {0.7}
    assert truth["generator"]["confounding"] == 0.5
    assert truth["population"]["n_persons"] == 5000 and truth["population"]["seed"] == 2


def test_synth_command_bad_argument_exits_2(tmp_path, capsys) -> None:
    code = main(["synth", "--persons", "0", "--out", str(tmp_path / "x")])
    assert code == 2
    assert "argument --persons: must be between 100" in capsys.readouterr().err  # the option, not the parameter (#14)
