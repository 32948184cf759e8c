"""Every probe of issue #14 that used to print a raw traceback, or pass silently, is a clear error.

Each test runs the command line in-process (``main``), checks the exit status of its failure class
(``altmeasures-eval --help``), that no traceback reached the user, and that the one-paragraph
message names the file, key or option and the fix.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from altmeasures_eval.cli import EXIT_STATUSES, main
from altmeasures_eval.io import write_dataset
from tests.io.conftest import valid_dataset

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


def _call(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err + captured.out, err
    return code, err + captured.out


def _config(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    return write_dataset(valid_dataset(), tmp_path_factory.mktemp("small") / "data")


# --- strict configuration -------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ('[data]\npath = "{data}"\nmdoe = "quarantine"\n', ["[data] unknown key(s) 'mdoe'", "Did you mean 'mode'"]),
    ('[data]\npaht = "{data}"\n', ["section [data] with key 'path' is required"]),
    ('seed = 5\n[data]\npath = "{data}"\n', ["top-level key 'seed' = 5 is not in any section", "belongs in [run]"]),
    ('report = 5\n[data]\npath = "{data}"\n', ["[report] must be a section", "report = 5"]),
    ('[data]\npath = "{data}"\n[outcomes]\nalpha = nan\n', ["[outcomes].alpha is nan; write a finite number"]),
    ('[data]\npath = "{data}"\n[design]\ncaliper = inf\n', ["[design].caliper is inf"]),
    ('[data]\npath = "{data}"\n[design]\nn_jobs = 2\n', ["[design] unknown key(s) 'n_jobs'", "Did you mean [run] n_jobs?"]),
    ('[data]\npath = "{data}"\n[disclosure]\nthreshhold = 5\n', ["Did you mean 'threshold' instead of 'threshhold'"]),
    ('[data]\npath = "{data}"\n[desing]\nmethod = "ipw"\n', ["unknown config section(s) [desing]", "Did you mean [design]?"]),
    ('[data]\npath = ""\n', ["[data] path must name the data"]),
    ('[data]\npath = "{data}"\n[report]\ntitle = ""\n', ["[report] title must be a non-empty string"]),
    ('[data]\npath = "{data}"\n[cohort]\nperiod_strat = 2020-01-01\n', ["[cohort] unknown option(s) 'period_strat'", "'period_start'"]),
])
@pytest.mark.parametrize("command", ["report", "cohort", "project", "costs"])
def test_config_mistakes_stop_every_command_before_reading_data(tmp_path, capsys, small_data, command, text, expected):
    cfg = _config(tmp_path, text.format(data=small_data))
    code, err = _call([command, "--config", str(cfg), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    for part in expected:
        assert part in err, err
    assert str(cfg) in err or "[" in err  # names the file or the section
    assert not (tmp_path / "out").exists()


def test_config_that_is_not_utf8(tmp_path, capsys) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes('[data]\npath = "AÑO"\n'.encode("latin-1"))
    code, err = _call(["cohort", "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and f"{cfg}: not UTF-8 text" in err and "save the config as UTF-8" in err


def test_config_checker_accepts_the_sample_and_every_documented_section(tmp_path) -> None:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec

    spec = EvaluationSpec.from_config(load_config(SAMPLE / "evaluation.toml"))
    schema = EvaluationSpec.config_schema()
    assert set(schema) >= {"data", "cohort", "report", "design", "outcomes", "decision_rules", "disclosure",
                           "population", "costs", "run", "compute"}
    # keys come from the settings dataclasses: every field of [design] is accepted
    from dataclasses import fields

    design = {f.name: getattr(spec.design, f.name) for f in fields(spec.design)}
    design["covariates"] = list(design["covariates"])
    EvaluationSpec.from_config({"design": design})


# --- data and environment -------------------------------------------------------------------------
def test_empty_csv_file(tmp_path, capsys, small_data) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for f in small_data.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    (data / "persons.csv").write_bytes(b"")
    cfg = _config(tmp_path, f'[data]\npath = "{data}"\n')
    code, err = _call(["cohort", "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "persons.csv: the file is empty (no header line)" in err
    code = main(["validate", str(data), "--out", str(tmp_path / "q")])
    assert code == 1 and "the file is empty" in capsys.readouterr().out


def test_corrupt_parquet(tmp_path, capsys) -> None:
    data = write_dataset(valid_dataset(), tmp_path / "pq", format="parquet")
    (data / "cases.parquet").write_bytes(b"PAR1 this is not parquet")
    cfg = _config(tmp_path, f'[data]\npath = "{data}"\n')
    code, err = _call(["project", "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "cases.parquet: not a readable Parquet file" in err


@pytest.mark.parametrize("command", ["cohort", "project", "costs"])
def test_empty_cohort_names_the_rule_that_emptied_it(tmp_path, capsys, small_data, command) -> None:
    """An empty period: the IndexError of cohort/_index.py is gone, the message names the rule.
    (On the small hand-made data set, whose cases all precede 2030 as the sample's do: reading the
    sample cost a second per command, issue #14.)"""
    cfg = _config(tmp_path, f'[data]\npath = "{small_data}"\n[cohort]\nperiod_start = 2030-01-01\n'
                            'period_end = 2030-02-01\n')
    code, err = _call([command, "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "the cohort is empty: the rule 'period'" in err and "Check [cohort]" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["report", "unodc-export"])
def test_empty_cohort_in_the_evaluation_commands(tmp_path, capsys, small_data, command) -> None:
    """report and unodc-export write their diagnostic output and exit 3 (the design gate failed),
    saying why; no IndexError."""
    cfg = _config(tmp_path, f'[data]\npath = "{small_data}"\n[cohort]\nperiod_start = 2030-01-01\n'
                            'period_end = 2030-02-01\n[report]\npdf = false\n')
    code, err = _call([command, "--config", str(cfg), "--out", str(tmp_path / "o"), "--quiet"], capsys)
    assert code == 3 and "0 people given an alternative and 0 people sent to custody" in err
    assert (tmp_path / "o" / "manifest.json").exists()


def test_empty_cohort_when_every_birth_year_is_missing(tmp_path, capsys, small_data) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for f in small_data.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    persons = (data / "persons.csv").read_text(encoding="utf-8").splitlines()
    head = persons[0].split(",")
    i = head.index("birth_year")
    rows = [",".join(v if j != i else "" for j, v in enumerate(r.split(","))) for r in persons[1:]]
    (data / "persons.csv").write_text("\n".join([persons[0], *rows]) + "\n", encoding="utf-8")
    cfg = _config(tmp_path, f'[data]\npath = "{data}"\n')
    code, err = _call(["cohort", "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "the cohort is empty: the rule 'birth_year_known'" in err


def test_unreachable_scheduler_fails_fast(tmp_path, capsys, small_data) -> None:
    # port 9 (discard) on localhost: nothing listens there, the connection is refused at once
    cfg = _config(tmp_path, f'[data]\npath = "{small_data}"\n[compute]\nscheduler = "tcp://127.0.0.1:9"\n')
    code, err = _call(["report", "--config", str(cfg), "--out", str(tmp_path / "o"), "--quiet"], capsys)
    assert code == 4 and "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["pseudonymise", "DATA", "--out", "OUT", "--length", "8"], "argument --length: must be between 16 and 64, got 8"),
    (["synth", "--persons", "1", "--out", "OUT"], "argument --persons: must be between 100"),
    (["synth", "--persons", "500", "--effect", "nan", "--out", "OUT"], "argument --effect: must be a finite number"),
    (["synth", "--persons", "500", "--confounding", "-1", "--out", "OUT"], "argument --confounding: must be between 0"),
    (["validate", "DATA", "--encoding", "nope", "--out", "OUT"], "argument --encoding: unknown encoding 'nope'"),
    (["validate", "DATA", "--delimiter", ";;", "--out", "OUT"], "argument --delimiter: delimiter ';;' must be one character"),
])
def test_bad_option_values_are_usage_errors(tmp_path, capsys, small_data, args, expected) -> None:
    argv = [str(small_data) if a == "DATA" else str(tmp_path / "o") if a == "OUT" else a for a in args]
    code, err = _call(argv, capsys)
    assert code == 2 and expected in err
    assert not (tmp_path / "o").exists()


def test_validate_into_a_closed_pipe_is_quiet(tmp_path, small_data) -> None:
    """``validate ... | head -1``: no BrokenPipeError traceback, and the report files are written."""
    out = tmp_path / "q"
    cmd = (f"{sys.executable} -m altmeasures_eval.cli validate {small_data} --out {out} | head -c 20")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 141)  # 141: the reader went away (documented)
    assert (out / "quality.json").exists() and (out / "manifest.json").exists()


# --- the last-resort handler ----------------------------------------------------------------------
def test_unexpected_exception_is_one_paragraph_with_a_bug_report_hint(tmp_path, capsys, monkeypatch) -> None:
    from altmeasures_eval.commands import synth

    def broken(args):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(synth, "run", broken)
    code, err = _call(["synth", "--out", str(tmp_path / "o")], capsys)
    assert code == 70
    assert "internal error: RuntimeError: something unforeseen" in err and "--debug" in err
    assert err.count("\n") == 1  # one paragraph
    monkeypatch.setenv("ALTMEASURES_DEBUG", "1")
    assert main(["synth", "--out", str(tmp_path / "o")]) == 70
    assert "Traceback" in capsys.readouterr().err  # kept available for the bug report
    monkeypatch.delenv("ALTMEASURES_DEBUG")
    assert main(["--debug", "synth", "--out", str(tmp_path / "o")]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_exit_statuses_are_documented_in_the_help_and_the_cli_reference(capsys) -> None:
    from altmeasures_eval.cli import reference_markdown

    main(["--help"])
    text = capsys.readouterr().out
    reference = reference_markdown()
    for code, _ in EXIT_STATUSES:
        assert f"  {code:>3}  " in text
    assert reference.count("exit status:") >= 1 + 7  # the top level and every command
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == reference
