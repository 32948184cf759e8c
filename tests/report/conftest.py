"""Shared fixtures: the sample data set (read once) and the sample report rendered once by the command."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="session")
def sample_dataset():
    from altmeasures_eval.io import read_dataset

    return read_dataset(SAMPLE)


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``altmeasures-eval report --config data/sample/evaluation.toml --out DIR`` run through the CLI."""
    from altmeasures_eval.cli import main

    out = tmp_path_factory.mktemp("sample-report")
    assert main(["report", "--config", str(SAMPLE / "evaluation.toml"), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="session")
def small_evaluation(sample_dataset):
    """A cohort too small for effect estimates: decisions of two weeks of the sample."""
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation

    spec = EvaluationSpec.from_config({"cohort": {"period_start": "2020-03-01", "period_end": "2020-03-14"}})
    return run_evaluation(sample_dataset, spec, progress=False)


@pytest.fixture(scope="session")
def sample_evaluation(sample_dataset):
    """The sample evaluation with the sample config, computed in memory."""
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation

    return run_evaluation(sample_dataset, EvaluationSpec.from_config(load_config(SAMPLE / "evaluation.toml")),
                          progress=False)
