"""``altmeasures-eval policy`` on the committed sample: outputs, results.json content, known effect, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from altmeasures_eval.cli import main
from altmeasures_eval.synth import simulate_panel

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def run_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("policy") / "out"
    code = main(["policy", "--config", str(SAMPLE / "policy.toml"), "--out", str(out)])
    return code, out


@pytest.mark.slow
def test_sample_report_outputs(run_sample):
    code, out = run_sample
    assert code == 0
    for name in ("policy.html", "policy.pdf", "results.json", "manifest.json"):
        assert (out / name).is_file(), name
    figs = {p.stem for p in (out / "figures").glob("*.png")}
    assert {"drug_possession_admissions_did_event_study", "drug_possession_admissions_its_counterfactual",
            "drug_possession_admissions_synth_counterfactual", "drug_possession_admissions_synth_placebos"} <= figs
    html = (out / "policy.html").read_text(encoding="utf-8")
    assert "Assumptions." in html and "parallel trends" in html and "<svg" in html


@pytest.mark.slow
def test_sample_results_recover_the_generator_truth(run_sample):
    """The sample is simulate_panel() with its defaults: the truth is recomputed from the generator."""
    _, out = run_sample
    doc = json.loads((out / "results.json").read_text())
    truth = simulate_panel().truth["drug_possession_admissions"]
    res = {(r["outcome"], r["design"]): r for r in doc["results"]}
    assert len(res) == 9
    for r in doc["results"]:
        assert set(r["effect"]) == {"estimate", "ci_low", "ci_high", "p_value"}
        assert r["estimand"] and r["gate"]["checks"]
    did = res[("drug_possession_admissions", "did")]["effect"]
    assert did["ci_low"] < truth["att"] < did["ci_high"]
    for design in ("its", "synth"):
        e = res[("drug_possession_admissions", design)]["effect"]
        assert e["ci_low"] < truth["single_att"]["district_17"] < e["ci_high"]
    assert "person_id" not in json.dumps(doc)


def test_unknown_key_exits_2_before_reading(tmp_path, capsys):
    cfg = tmp_path / "policy.toml"
    text = (SAMPLE / "policy.toml").read_text().replace('control = "never"', 'contrl = "never"')
    cfg.write_text(text.replace('path = "."', f'path = "{SAMPLE}"'))
    assert main(["policy", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 2
    assert "Did you mean 'control'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_failed_gate_exits_3_and_says_why(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    s = simulate_panel(seed=5)
    panel = s.panel.astype({"drug_possession_admissions": float})
    adopters = set(s.policy.dropna()["jurisdiction"])
    months = panel["month"].str.slice(0, 4).astype(int) * 12 + panel["month"].str.slice(5, 7).astype(int)
    panel.loc[panel["jurisdiction"].isin(adopters), "drug_possession_admissions"] += (months - months.min()) * 0.6
    panel.to_csv(data / "panel.csv", index=False)
    s.policy.to_csv(data / "policy.csv", index=False)
    cfg = tmp_path / "policy.toml"
    cfg.write_text(f'[data]\npath = "{data}"\n[policy]\noutcomes = ["drug_possession_admissions"]\ndesigns = ["did"]\n'
                   '[did]\nn_boot = 99\n[report]\npdf = false\n')
    assert main(["policy", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 3
    assert "parallel trends is not credible" in capsys.readouterr().err
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert doc["results"][0]["withheld"] and doc["results"][0]["effect"]["estimate"] is None
    shutil.rmtree(tmp_path / "out")


@pytest.mark.slow
def test_panel_counted_from_person_level_tables(tmp_path):
    """panel_source = "person_level": the panel is counted from a generated extract (write_synthetic)
    and only the policy table is read; the outcomes are the two counts."""
    from altmeasures_eval.synth import simulate, write_synthetic

    folder = tmp_path / "extract"
    data = simulate(4_000, seed=3, period=("2016-01-01", "2021-12-31"))
    write_synthetic(data, folder)
    jur = sorted(data.dataset.persons["jurisdiction"].unique())
    import pandas as pd

    pd.DataFrame({"jurisdiction": jur, "adoption_month": ["2019-01"] + [None] * (len(jur) - 1)}).to_csv(
        folder / "policy.csv", index=False)
    cfg = tmp_path / "policy.toml"
    cfg.write_text(f'[data]\npath = "{folder}"\n[policy]\npanel_source = "person_level"\npanel_start = "2016-01"\n'
                   'designs = ["its"]\n[report]\npdf = false\n')
    code = main(["policy", "--config", str(cfg), "--out", str(tmp_path / "out")])
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert code in (0, 3)
    assert {r["outcome"] for r in doc["results"]} == {"drug_possession_admissions", "drug_possession_cases"}
    assert all(r["design"] == "its" for r in doc["results"])
