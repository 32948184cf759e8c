"""A design that fails its gate: effects withheld everywhere, the report says why, ``report`` exits 3.

The failing case is the sample data with ``[design] common_support = "stop"``: a few dozen people given
an alternative have no comparable custody case, which ``stop`` refuses instead of leaving them out.

The derived configs impute m = 2 data sets instead of the sample's 20 (``[design] imputations``):
nothing asserted here depends on m (26 people are outside common support with either), and each
evaluation costs a quarter of the CPU time (issue #14).

The failing case is evaluated and rendered once: by the ``report`` command (:func:`failed_report`),
whose evaluation the tests of the evaluation and of the written report read (issue #14: they had
computed and rendered the same evaluation again).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from tests.report.conftest import SAMPLE


@pytest.fixture(scope="module")
def failed_report(tmp_path_factory, _one_sample_evaluation) -> dict:
    """``altmeasures-eval report --no-pdf`` of the sample with ``common_support = "stop"`` (and
    m = 2): its exit status, what it printed on stderr, its output folder and the evaluation it
    computed (the session's memo of ``run_evaluation`` keeps the last one, tests/conftest.py)."""
    from altmeasures_eval.cli import main

    root = tmp_path_factory.mktemp("failed-gate")
    text = (SAMPLE / "evaluation.toml").read_text(encoding="utf-8")
    text = text.replace('path = "."', f'path = "{SAMPLE.as_posix()}"')
    text = text.replace('common_support = "restrict"', 'common_support = "stop"\nimputations = 2')
    assert 'common_support = "stop"\nimputations = 2' in text
    cfg = root / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    out = root / "out"
    _one_sample_evaluation.last = None
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["report", "--config", str(cfg), "--out", str(out), "--no-pdf", "--quiet"])
    return {"status": status, "err": err.getvalue(), "out": out, "evaluation": _one_sample_evaluation.last}


@pytest.fixture(scope="module")
def failed_evaluation(failed_report):
    """The evaluation of the failing case (computed by the ``report`` command of :func:`failed_report`)."""
    ev = failed_report["evaluation"]
    assert ev is not None and ev.spec.design.common_support == "stop" and ev.spec.design.imputations == 2
    return ev


def test_failed_gate_withholds_every_effect(failed_evaluation) -> None:
    ev = failed_evaluation
    gate = ev.design.gate
    assert not gate.passed and not ev.published
    row = gate.checks.set_index("check").loc["people outside common support"]
    outside = int((~ev.design.support.retained).sum())  # counted by matching.common_support itself
    assert not row["passed"] and row["value"] == outside and outside >= 10
    assert gate.advice[0].startswith('set [design] common_support = "restrict"')
    assert ev.recidivism == {} and ev.naive == {} and ev.frequency == {}
    assert ev.time_to_event is None and ev.health == {} and ev.subgroups is None and ev.evalues is None
    assert ev.prison is None and ev.costs is None
    assert ev.limitations[0].startswith("No reliable comparison could be made")


def test_failed_gate_report_says_why_and_shows_the_checks(failed_evaluation, failed_report) -> None:
    """What ``write_report`` wrote for the failed evaluation (through the ``report`` command)."""
    from altmeasures_eval.report import validate_results

    written = {"results": failed_report["out"] / "results.json", "html": failed_report["out"] / "report.html"}
    doc = json.loads(written["results"].read_text(encoding="utf-8"))
    validate_results(doc)
    assert doc["design"]["passed"] is False
    assert doc["recidivism"] == {} and doc["hazard_ratio"] is None and doc["prison"] is None and doc["costs"] is None
    checks = {c["check"]: c for c in doc["design"]["checks"]}
    outside = int((~failed_evaluation.design.support.retained).sum())
    assert checks["people outside common support"] == {
        "check": "people outside common support", "value": outside, "threshold": '0 (common_support = "stop")',
        "passed": False, "detail": checks["people outside common support"]["detail"]}
    assert doc["design"]["reasons"] and doc["design"]["advice"][0].startswith('set [design] common_support')
    html = written["html"].read_text(encoding="utf-8")
    summary = html[html.index('id="summary"'):html.index("</section>", html.index('id="summary"'))]
    assert "A reliable comparison could not be made with these data" in summary
    assert "What to try: Set [design] common_support = &#34;restrict&#34;" in summary
    assert "For every 100 people" not in html and "statistically significant" not in html
    assert "Is the comparison reliable?" in html and "FAILED" in html
    # every gate check prints its measured value beside its threshold
    from altmeasures_eval.report._gate_table import _CHECKS  # the checks in words (P1, #15)

    for c in doc["design"]["checks"]:
        assert re.search(re.escape(_CHECKS.get(c["check"], c["check"])), html.replace("&#39;", "'")), c["check"]


def test_report_command_exits_3_after_writing_the_diagnostic_report(failed_report) -> None:
    out = failed_report["out"]
    assert failed_report["status"] == 3
    err = failed_report["err"]
    assert "the design gate failed" in err and 'try: set [design] common_support = "restrict"' in err
    assert (out / "report.html").exists()
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["design"]["passed"] is False


@pytest.mark.slow
def test_secondary_analyses_that_fail_are_skipped_not_fatal(sample_dataset) -> None:
    """A health outcome that is not a column, a subgroup variable that is not a column and a
    time-to-event fit that raises: the run ends, the primary outcome is reported, and each skipped
    analysis has its line in the limitations (and so in results.json notes)."""
    from altmeasures_eval import survival
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation

    cfg = load_config(SAMPLE / "evaluation.toml")
    raw = dict(cfg.sections)
    raw["outcomes"] = {"health": ["no_such_outcome"], "subgroups": ["no_such_variable"]}
    raw["population"] = {**raw.get("population", {}), "n_boot": 20}
    raw["costs"] = {**raw.get("costs", {}), "analysis": {"n_boot": 20, "n_draws": 1000}}
    raw["design"] = {**raw.get("design", {}), "imputations": 2}

    def broken(*args, **kwargs):
        raise ValueError("weights sum to zero in one group")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(survival, "time_to_event_effects", broken)
        ev = run_evaluation(sample_dataset, EvaluationSpec.from_config(raw), progress=False)
    assert ev.design.gate.passed and 365 in ev.recidivism
    assert ev.time_to_event is None and ev.health == {} and ev.subgroups is None
    text = "\n".join(ev.limitations)
    assert "The time-to-reoffence results (survival curves, hazard ratio, restricted mean time) could not be " \
           "estimated and are left out (ValueError: weights sum to zero in one group)." in text
    assert "Health outcome no_such_outcome is not a cohort column and is left out" in text
    assert "Subgroup no_such_variable not estimated: it is not a cohort column" in text
