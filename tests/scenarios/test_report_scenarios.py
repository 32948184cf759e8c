"""The ``report`` command on two scenarios, as a user runs it with the shipped sample config (data path and
period changed only): one well-posed (exit 0, effect published, every interval sane) and one whose
design fails its gate (exit 3, the diagnostic report written, no effect published). Every number in
results.json is scanned for absurd values (``_run.scan``). All scenarios: ``benchmarks/bench_scenarios.py``.
"""

from __future__ import annotations

import pytest

from tests.scenarios._library import PERIOD, SCENARIOS
from tests.scenarios._run import run_report, scan, write_scenario

pytestmark = pytest.mark.slow  # two report runs: about 25 s


def _run(name: str, tmp_path):
    draw = SCENARIOS[name].draw(seed=1)
    cfg = write_scenario(draw.dataset, tmp_path, PERIOD)
    return run_report(cfg, tmp_path / "out")


def test_well_posed_scenario_publishes_a_sane_effect(tmp_path):
    status, results, messages = _run("second_aliased", tmp_path)
    assert status == 0, messages
    assert results["design"]["passed"] is True
    assert scan(results) == []
    assert "prior_bed_days" in " ".join(results["notes"] + results.get("limitations", [])) or \
        "prior_bed_days" in str(results["design"])  # the aliased covariate is named
    assert (tmp_path / "out" / "report.html").exists()


def test_failed_gate_writes_the_diagnostics_and_publishes_no_effect(tmp_path):
    status, results, messages = _run("second_jurisdiction_decides", tmp_path)
    assert status == 3, messages
    assert results["design"]["passed"] is False and results["design"]["reasons"]
    assert scan(results) == []  # includes: no estimate under recidivism
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "reliable comparison" in html


@pytest.mark.parametrize(("name", "why"), [
    ("second_no_events", r"no variation in reoffend_365 in the alternative \(treated\) group"),
    ("second_everyone_reoffends", r"every person in both groups has reoffend_365 = 1"),
])
def test_primary_outcome_not_estimable_writes_the_report_and_says_why(tmp_path, name, why):
    """The primary outcome raises NotEstimable: the report is still written, its summary and results.json
    say that the headline is not estimable and why, every dependent result is withheld, exit status 3."""
    import json
    import re

    status, results, messages = _run(name, tmp_path)
    assert status == 3, messages
    assert "headline effect is not estimable" in messages and re.search(why, messages)
    assert "check that the cohort has observable follow-up" not in messages  # the old, wrong fix
    assert results["design"]["passed"] is True
    assert results["headline"]["estimable"] is False and re.search(why, results["headline"]["reason"])
    assert results["recidivism"] == {} and results["hazard_ratio"] is None
    assert results["prison"] is None and results["costs"] is None
    assert any(re.search(why, n) for n in results["notes"])  # also among the limitations
    assert scan(results) == []
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "could not be estimated from these data" in html and re.search(why, html)
    assert "The estimates describe the effect" not in html and "no estimate is given" in html
    assert json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
