"""Every CLI command under a fuzz of bad options, configs and files (issue #14).

The commands are found from the parser (a new command is fuzzed without editing this file). For
each one, every case its arguments allow is run in-process: a missing or unknown option, a
config that is missing, a folder, empty, not TOML, not UTF-8, with an unknown key, a key outside
any section, NaN, a missing or broken data source; an ``--out`` that is a file; files that do
not exist or are not what they claim to be. Each run must end with the documented exit status of
its failure class (never 70, the internal-error status, and never a traceback) and a message of
one paragraph that names the file, key or option.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import pytest

from altmeasures_eval.cli import EXIT_STATUSES, build_parser, main
from altmeasures_eval.io import write_dataset
from tests.io.conftest import valid_dataset

DOCUMENTED = {code for code, _ in EXIT_STATUSES}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(sub: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in sub._actions for s in a.option_strings} | {
        a.dest: a for a in sub._actions if not a.option_strings and a.dest != "help"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    """Bad configs and files shared by every case (nothing here is slow to read)."""
    root = tmp_path_factory.mktemp("fuzz")
    data = write_dataset(valid_dataset(), root / "data")
    broken = write_dataset(valid_dataset(), root / "broken")
    (broken / "cases.csv").write_bytes(b"")
    files = {
        "data": data,
        "broken": broken,
        "afile": root / "afile.txt",
        "missing": root / "missing.toml",
        "folder": root,
        "empty": root / "empty.toml",
        "notoml": root / "notoml.toml",
        "latin1": root / "latin1.toml",
        "unknown": root / "unknown.toml",
        "toplevel": root / "toplevel.toml",
        "nan": root / "nan.toml",
        "nodata": root / "nodata.toml",
        "brokendata": root / "brokendata.toml",
        "json": root / "bad.json",
        "key": root / "key.txt",
        "good": root / "good.toml",
    }
    files["afile"].write_text("not a folder\n")
    files["empty"].write_text("")
    files["notoml"].write_text("[data\npath = \n")
    files["latin1"].write_bytes('[data]\npath = "AÑO"\n'.encode("latin-1"))
    files["unknown"].write_text(f'[data]\npath = "{data}"\n[design]\ncalipr = 0.1\n')
    files["toplevel"].write_text(f'n_jobs = 2\n[data]\npath = "{data}"\n')
    files["nan"].write_text(f'[data]\npath = "{data}"\n[outcomes]\nalpha = nan\n')
    files["nodata"].write_text(f'[data]\npath = "{root / "nowhere"}"\n')
    files["brokendata"].write_text(f'[data]\npath = "{broken}"\n')
    files["json"].write_text("{not json")
    files["key"].write_text("a test key that is long enough for HMAC-SHA256 use")
    files["good"].write_text(f'[data]\npath = "{data}"\n')
    return files


def _cases(name: str, sub: argparse.ArgumentParser, w: dict[str, Path], out: Path) -> list[tuple[str, list[str], int, Any]]:
    """(label, argv, expected status, text the message must hold, or a tuple of alternatives)
    for one command."""
    opts = _options(sub)
    base: list[str] = []
    if "--out" in opts:
        base += ["--out", str(out)]
    if "--key-file" in opts:
        base += ["--key-file", str(w["key"])]
    positional = [a for a in sub._actions if not a.option_strings and a.dest != "help"]
    fill = [str(w["data"]) if a.dest == "data" else str(w["json"]) for a in positional]
    if "--config" in opts:
        fill.append(f"--config={w['good']}")
    cases = [("unknown option", [name, *base, *fill, "--no-such-option"], 2, "--no-such-option")]
    fill = [f for f in fill if not f.startswith("--config=")]
    if "--config" in opts:
        cases += [
            ("missing config", [name, *base, "--config", str(w["missing"])], 2, "missing.toml not found"),
            ("config is a folder", [name, *base, "--config", str(w["folder"])], 2, "is a folder"),
            ("empty config", [name, *base, "--config", str(w["empty"])], 2, "[data] with key 'path' is required"),
            ("not TOML", [name, *base, "--config", str(w["notoml"])], 2, "not valid TOML"),
            ("not UTF-8", [name, *base, "--config", str(w["latin1"])], 2, "not UTF-8 text"),
            # an evaluation config names the nearest key; a policy config has no [design] at all
            ("unknown key", [name, *base, "--config", str(w["unknown"])], 2,
             ("Did you mean 'caliper'", "unknown config section(s) [design]")),
            ("key outside a section", [name, *base, "--config", str(w["toplevel"])], 2, "belongs in [run]"),
            ("NaN", [name, *base, "--config", str(w["nan"])], 2, "alpha is nan"),
            ("data not found", [name, *base, "--config", str(w["nodata"])], 2, "nowhere"),
            # the empty file, or (policy, which reads a panel table) the folder that lacks its table
            ("empty CSV", [name, *base, "--config", str(w["brokendata"])], 2,
             ("cases.csv: the file is empty", f"{w['broken']} (looked for")),
        ]
        if "--out" in opts:
            cases.append(("--out is a file, bad config", [name, "--out", str(w["afile"]), "--config", str(w["nan"])],
                          2, "alpha is nan"))  # the config is checked first ...
            cases.append(("--out is a file", [name, "--out", str(w["afile"]), "--config", str(w["good"])], 4,
                          "is a file"))  # ... then the output location, before any data are read
    for action in positional:
        many = action.nargs in ("+", "*")
        if action.dest == "data":
            cases.append(("data not found", [name, *base, str(w["folder"] / "nowhere")],
                          1 if name == "validate" else 1, "not found"))
            cases.append(("data is a CSV file", [name, *base, str(w["data"] / "persons.csv")],
                          1, "a single table is not a data set"))
            if "--mapping" in opts:
                cases.append(("mapping not found", [name, *base, str(w["data"]), "--mapping", str(w["missing"])], 2,
                              "missing.toml not found"))
                cases.append(("mapping not TOML", [name, *base, str(w["data"]), "--mapping", str(w["notoml"])], 2,
                              "not valid UTF-8 TOML"))
        elif many:  # files, e.g. unodc-summary's indicator files
            cases.append(("file not found", [name, *base, str(w["missing"])], 2, "missing.toml"))
            cases.append(("not JSON", [name, *base, str(w["json"])], 2, "bad.json"))
    for flag, action in opts.items():
        if not flag.startswith("--") or action.type is None or flag in ("--out", "--config", "--mapping", "--key-file"):
            continue
        cases.append((f"{flag} not a value", [name, *base, *fill, flag, "not-a-number-%Q"], 2, flag))
    return cases


def _all_cases() -> list[tuple[str, str]]:
    return [(name, label) for name, sub in _commands().items()
            for label, *_ in _cases(name, sub, _placeholder(), Path("out"))]


def _placeholder() -> dict[str, Path]:
    return {k: Path(k) for k in ("data", "broken", "afile", "missing", "folder", "empty", "notoml", "latin1",
                                 "unknown", "toplevel", "nan", "nodata", "brokendata", "json", "key", "good")}


def test_every_command_is_fuzzed() -> None:
    names = set(_commands())
    assert {"report", "validate", "cohort", "project", "costs", "synth", "pseudonymise", "unodc-export",
            "unodc-summary"} <= names
    covered = {name for name, _ in _all_cases()}
    assert covered == names


@pytest.mark.parametrize("command", sorted(_commands()))
def test_bad_input_gives_the_documented_status_and_a_clear_message(command, world, tmp_path, capsys) -> None:
    sub = _commands()[command]
    failures = []
    for label, argv, expected, text in _cases(command, sub, world, tmp_path / "out"):
        code = main(argv)
        captured = capsys.readouterr()
        err = captured.err + captured.out
        message = captured.err.strip().splitlines()[-1] if captured.err.strip() else captured.out
        problems = []
        if code != expected:
            problems.append(f"status {code}, expected {expected}")
        if code not in DOCUMENTED or code == 70:
            problems.append(f"status {code} is not a documented failure class")
        if "Traceback" in err:
            problems.append("a traceback")
        if not any(t in err for t in ((text,) if isinstance(text, str) else text)):
            problems.append(f"message lacks {text!r}")
        if expected == 2 and "usage:" not in captured.err and len(message) > 1500:
            problems.append("message longer than a paragraph")
        if problems:
            failures.append(f"{label}: {'; '.join(problems)}\n    argv: {argv[1:]}\n    said: {message[:400]}")
        if expected in (2, 4) and (tmp_path / "out").exists():
            failures.append(f"{label}: wrote --out although it failed")
        shutil.rmtree(tmp_path / "out", ignore_errors=True)  # validate writes its report for status 1
    assert not failures, "\n".join(failures)
