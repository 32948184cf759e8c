"""The `project` and `costs` commands run from a config to tables and plots without identifiers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from altmeasures_eval.cli import main
from altmeasures_eval.schema import IDENTIFIER_COLUMNS
from altmeasures_eval.synth import simulate, write_synthetic


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    root = tmp_path_factory.mktemp("h7cmd")
    write_synthetic(simulate(2500, seed=5), root / "data")
    cfg = root / "eval.toml"
    cfg.write_text(
        '[data]\npath = "data"\n\n'
        # the commands read the design and its gate (as `report`): IPW for the ATC leaves prior_bed_days
        # imbalanced on this extract and fails the gate (exit 3); the gate's advice, entropy balancing of
        # means and variances, passes. The extract has missing covariates: 2 imputations instead of 20
        # take the commands through the same pooled stages (nothing asserted depends on m; issue #14)
        "[design]\nestimand = \"ATC\"\nmethod = \"entropy\"\nmoments = 2\nimputations = 2\n\n"
        "[population]\nyears = 2\nn_boot = 50\nshares = [0.25, 0.5]\nheadline_share = 0.5\n\n"
        '[costs]\ncurrency = "EUR"\nprice_year = 2024\n'
        "custody_day = { value = 120.0, distribution = \"triangular\", low = 80.0, high = 160.0 }\n\n"
        "[costs.analysis]\nn_boot = 50\nn_draws = 1000\nhorizon = 730\n",
        encoding="utf-8",
    )
    return root, cfg


def _no_ids(folder):
    for f in folder.glob("*.csv"):
        cols = set(pd.read_csv(f, nrows=0).columns)
        assert not cols & {*IDENTIFIER_COLUMNS, "index_case_id"}, f


def test_project_command(config, capsys):
    root, cfg = config
    out = root / "proj"
    assert main(["project", "--config", str(cfg), "--out", str(out)]) == 0
    assert "bed-days averted" in capsys.readouterr().out
    paths = pd.read_csv(out / "population_paths.csv")
    assert set(paths["scenario"]) == {"baseline", "divert_25", "divert_50"}
    back = pd.read_csv(out / "backcast.csv")
    # The back-cast error is reported per jurisdiction (small ones are noisy with 2,500 persons).
    assert back["mape"].notna().all() and back["mape"].median() < 0.15
    meta = json.loads((out / "population.json").read_text())
    assert meta["estimand"] == "ATC" and meta["steady_state_arithmetic"]
    assert meta["readmission_rates_estimand"] == "ATC"
    assert (out / "population_paths.png").stat().st_size > 0
    beds = pd.read_csv(out / "bed_days.csv")
    assert set(beds["estimand"]) == {"ATT", "ATC"} and beds["ci_low"].notna().all()
    _no_ids(out)


def test_costs_command(config, capsys):
    root, cfg = config
    out = root / "costs"
    assert main(["costs", "--config", str(cfg), "--out", str(out)]) == 0
    assert "PLACEHOLDER" in capsys.readouterr().out  # groups not given fall back to placeholders
    meta = json.loads((out / "costs.json").read_text())
    assert meta["horizon_days"] == 730 and "custody_day" not in meta["placeholders"]
    assert 0.0 <= meta["chance_benefits_exceed_costs"] <= 1.0
    # the evaluation's cost stage with the config's [costs.analysis] n_draws (1000 here), as `report`
    # runs it: the command no longer forces 10,000 draws of its own (issue #14, one implementation)
    assert meta["monte_carlo_draws"] == 1000
    assert len(pd.read_csv(out / "sensitivity.csv")) > 3
    assert set(pd.read_csv(out / "costs_by_horizon.csv")["horizon"]) == {365, 730}
    _no_ids(out)


def test_unknown_setting_is_a_config_error(config, tmp_path, capsys):
    root, cfg = config
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[data]\npath = "{root / "data"}"\n[population]\nyeers = 3\n', encoding="utf-8")
    assert main(["project", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "yeers" in capsys.readouterr().err
