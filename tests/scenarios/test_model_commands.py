"""The ``project`` and ``costs`` commands read the same Design as ``report``: its population, weights and
estimand, and its gate. On a scenario whose design fails (a jurisdiction decides the sentence) they write
the diagnostics only and exit 3, like ``report``; on a well-posed one they write their tables for the
estimand the design estimated."""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from altmeasures_eval.cli import main
from tests.scenarios._library import PERIOD, SCENARIOS
from tests.scenarios._run import write_scenario

pytestmark = pytest.mark.slow  # builds two scenario extracts and runs the commands on them


def _run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        status = main(argv)
    return status, buf.getvalue()


@pytest.fixture(scope="module")
def failing_config(tmp_path_factory):
    draw = SCENARIOS["second_jurisdiction_decides"].draw(seed=1)
    return write_scenario(draw.dataset, tmp_path_factory.mktemp("decides"), PERIOD)


@pytest.mark.parametrize(("command", "doc"), [("project", "population.json"), ("costs", "costs.json")])
def test_failed_gate_writes_the_diagnostics_and_exits_3(failing_config, tmp_path, command, doc):
    out = tmp_path / command
    status, messages = _run([command, "--config", str(failing_config), "--out", str(out)])
    assert status == 3, messages
    assert "design gate failed" in messages and "jurisdiction" in messages
    written = {p.name for p in out.iterdir()}
    assert written == {"design_gate.csv", doc, "manifest.json"}  # nothing that depends on the comparison
    gate = pd.read_csv(out / "design_gate.csv")
    assert (gate["result"] == "FAILED").any() and {"check", "value", "threshold"} <= set(gate.columns)
    body = json.loads((out / doc).read_text(encoding="utf-8"))
    assert body["design_passed"] is False and body["reasons"] and body["advice"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest.get("design_gate_passed") is False


def test_passing_design_gives_the_design_estimand(tmp_path):
    """Overlap weights estimate the ATO: project writes that estimand, not the config's ATE."""
    draw = SCENARIOS["second_aliased"].draw(seed=1)
    cfg = write_scenario(draw.dataset, tmp_path, PERIOD)
    text = cfg.read_text(encoding="utf-8").replace('method = "ipw"', 'method = "overlap"').replace(
        'estimand = "ATT"', 'estimand = "ATE"')
    cfg.write_text(text, encoding="utf-8")
    status, messages = _run(["project", "--config", str(cfg), "--out", str(tmp_path / "project")])
    assert status == 0, messages
    body = json.loads((tmp_path / "project" / "population.json").read_text(encoding="utf-8"))
    assert body["estimand"] == "ATO" and body["readmission_rates_estimand"] == "ATO"
    beds = pd.read_csv(tmp_path / "project" / "bed_days.csv")
    assert set(beds["estimand"]) == {"ATO"}
