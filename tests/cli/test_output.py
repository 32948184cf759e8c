"""Atomic, self-describing output folders (issue #14): ``altmeasures_eval._output.output_dir``.

A folder named ``--out`` exists only when a run finished; its ``manifest.json`` lists every file
with its SHA-256; an existing folder is replaced whole or refused; a second run into the same
folder is refused while the first holds the lock; a bad location fails before any work. The last
test kills ``report`` with SIGKILL at several points (the same test passes for ``project``; it
runs once here, for ``report``, to keep the suite fast). It runs on a small generated extract
(:func:`kill_config`): the output folder goes through the same stages and files as with the
sample, in a fifth of the time. Its runs are forked from the test's own process once it has
imported what a ``report`` run imports (:func:`_run`), so that each run starts in a fraction of a
second instead of paying a fresh interpreter's imports (or a fork server's); each is still a
process of its own, killed by SIGKILL, that runs the CLI's ``main`` with the command line.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import pickle
import pkgutil
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from altmeasures_eval import OutputError, commands
from altmeasures_eval._output import (
    MANIFEST,
    check_output_location,
    config_hash,
    file_sha256,
    output_dir,
    read_manifest,
    verify_manifest,
)
from altmeasures_eval.cli import main
from tests.conftest import evaluation_key

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "data" / "sample" / "evaluation.toml"


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def test_complete_run_has_a_manifest_of_every_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[data]\npath = 'x'\n", encoding="utf-8")
    out = tmp_path / "out"
    with output_dir(out, command="test", config_hash=config_hash(cfg)) as od:
        assert od.path.parent == tmp_path and od.path.name.startswith(".out.partial-")
        assert not out.exists()  # nothing at --out while the run writes
        assert read_manifest(od.path)["status"] == "incomplete"
        _write(od.path, {"a.csv": "x,y\n1,2\n", "figures/b.svg": "<svg/>"})
    doc = read_manifest(out)
    assert doc["status"] == "complete" and doc["command"] == "test"
    assert doc["config_sha256"] == file_sha256(cfg)
    assert doc["version"] == __import__("altmeasures_eval").__version__
    assert [(f["path"], f["sha256"]) for f in doc["files"]] == [
        ("a.csv", file_sha256(out / "a.csv")), ("figures/b.svg", file_sha256(out / "figures" / "b.svg"))]
    assert verify_manifest(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "out"]  # no lock, no partial left
    (out / "a.csv").write_text("changed\n", encoding="utf-8")
    (out / "stray.txt").write_text("x", encoding="utf-8")
    assert verify_manifest(out) == ["a.csv: changed since the run", "stray.txt: not written by the run"]


def test_failed_run_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"):
        with output_dir(out) as od:
            _write(od.path, {"results.json": "{}"})
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_refused_or_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_dir(out) as od:
        _write(od.path, {"old.csv": "1\n", "keep.csv": "1\n"})
    with pytest.raises(OutputError, match=r"already exists and is not empty; add --overwrite"):
        with output_dir(out) as od:
            pytest.fail("entered")  # pragma: no cover
    with output_dir(out, overwrite=True) as od:
        _write(od.path, {"keep.csv": "2\n"})
    assert sorted(p.name for p in out.iterdir()) == ["keep.csv", MANIFEST]  # old.csv gone, never mixed
    assert (out / "keep.csv").read_text() == "2\n"
    # an overwrite that fails keeps the previous complete folder
    with pytest.raises(RuntimeError):
        with output_dir(out, overwrite=True) as od:
            _write(od.path, {"half.csv": "x"})
            raise RuntimeError
    assert (out / "keep.csv").read_text() == "2\n" and verify_manifest(out) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    with output_dir(empty) as od:  # an empty folder is used as if new (pytest's tmp_path, mkdir -p)
        _write(od.path, {"a": "1"})
    assert (empty / "a").exists()


def test_bad_locations_fail_before_any_work(tmp_path: Path, monkeypatch) -> None:
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_output_location(afile)
    with pytest.raises(OutputError, match="is a file, so the folder cannot be created"):
        check_output_location(afile / "sub")
    with pytest.raises(OutputError, match="name a new folder"):
        check_output_location(".")
    # a read-only parent (os.access says no: the test also runs as root, who may write anywhere)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path else real(p, mode))
    with pytest.raises(OutputError, match="permission denied"):
        check_output_location(tmp_path / "new")


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_dir(out) as od:
        with pytest.raises(OutputError, match="another altmeasures-eval run is writing out now"):
            with output_dir(out, overwrite=True):
                pytest.fail("entered")  # pragma: no cover
        _write(od.path, {"a": "1"})
    assert verify_manifest(out) == []
    with output_dir(out, overwrite=True):  # the lock is released with the run
        pass


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    """flock is dropped by the kernel when the process dies, even by SIGKILL."""
    out = tmp_path / "out"
    code = (f"from altmeasures_eval._output import output_dir\nimport time\n"
            f"with output_dir({str(out)!r}) as od:\n    print('in', flush=True)\n    time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "in"
        with pytest.raises(OutputError, match="another altmeasures-eval run"):
            with output_dir(out):
                pass  # pragma: no cover
    finally:
        proc.kill()
        proc.wait()
    with output_dir(out) as od:  # stale partial folder removed, lock free
        _write(od.path, {"a": "1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_commands_refuse_a_file_or_a_full_folder_before_reading(tmp_path: Path, capsys) -> None:
    afile = tmp_path / "taken"
    afile.write_text("x")
    assert main(["cohort", "--config", str(CONFIG), "--out", str(afile)]) == 4
    assert "is a file" in capsys.readouterr().err
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.csv").write_text("x")
    assert main(["report", "--config", str(CONFIG), "--out", str(full), "--no-pdf", "--quiet"]) == 4
    assert "add --overwrite" in capsys.readouterr().err
    assert (full / "old.csv").exists() and sorted(p.name for p in full.iterdir()) == ["old.csv"]


# --- SIGKILL at several points --------------------------------------------------------------------
#: A complete evaluation on a small extract (1,500 generated persons, about 500 in the cohort): the
#: whole report (every table, the HTML) is written, the design gate passes (exit 0), in a few
#: seconds per run; imputations, bootstrap and Monte Carlo draws are lowered to the minimum.
KILL_CONFIG = """[data]
path = "data"
[report]
title = "SIGKILL test"
headline_horizon = 365
pdf = false
[cohort]
period_start = 2017-01-01
period_end = 2022-12-31
[design]
method = "overlap"
estimand = "ATE"
imputations = 2
min_ess = 10
max_weight_share = 0.25
balance_threshold = 0.25
[outcomes]
subgroups = []
[population]
n_boot = 20
[costs.analysis]
n_boot = 20
n_draws = 1000
[run]
seed = 1
n_jobs = 1
"""


@pytest.fixture(scope="module")
def kill_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small extract and its config (:data:`KILL_CONFIG`)."""
    from altmeasures_eval.synth import simulate, write_synthetic

    root = tmp_path_factory.mktemp("kill-extract")
    write_synthetic(simulate(n_persons=1_500, seed=7), root / "data")
    (root / "evaluation.toml").write_text(KILL_CONFIG, encoding="utf-8")
    return root / "evaluation.toml"


@pytest.fixture(scope="module")
def kill_evaluation(kill_config: Path) -> Path:
    """Where the runs keep the extract's evaluation (:func:`_reuse_evaluation`): the first run that
    computes it pickles it there, the later runs read it."""
    return kill_config.parent / "evaluation.pickle"


def _reuse_evaluation(path: Path) -> None:
    """In a run's process: ``run_evaluation`` returns the evaluation pickled at ``path`` when called
    on the same tables (by content hash) with the same settings and kind of quality input
    (:func:`tests.conftest.evaluation_key`), as the session's memo of the sample does; otherwise it
    computes as usual and pickles its result there (written whole, then renamed, so that a run
    killed meanwhile leaves no half file). ``report`` looks the function up when it runs."""
    from altmeasures_eval import evaluation

    real = evaluation.run_evaluation

    def run_evaluation(dataset, spec=None, *, quality=None, **kwargs):
        key = evaluation_key(evaluation, dataset, spec, quality)
        if path.exists():
            kept_key, kept = pickle.loads(path.read_bytes())
            if kept_key == key:
                return kept
        ev = real(dataset, spec, quality=quality, **kwargs)
        part = path.with_name(f"{path.name}.{os.getpid()}")
        part.write_bytes(pickle.dumps((key, ev), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part, path)
        return ev

    evaluation.run_evaluation = run_evaluation


#: What a ``report`` run imports, loaded once into the test's process before the runs are forked
#: from it (:func:`_run`): the CLI with every command (its parser imports them all), the evaluation
#: and its stages, the writers, the libraries they import on first use (pandera's dask typing and
#: data strategies, scikit-learn's models, the workbook and Word writers; pandera's validation
#: backends, the JSON schema of results.json, matplotlib's raster and SVG backends and image plugins,
#: the country codes, the CSV writer: the modules a run on the extract still imported itself, 0.4 s
#: of CPU in each of them). Imported in the parent, they are paid once for the five runs.
PRELOAD = (
    "altmeasures_eval.cli",
    *(f"altmeasures_eval.commands.{m.name}" for m in pkgutil.iter_modules(commands.__path__)
      if not m.name.startswith("_")),
    "altmeasures_eval.io", "altmeasures_eval.evaluation", "altmeasures_eval.imputation",
    "altmeasures_eval.design", "altmeasures_eval.survival", "altmeasures_eval.population",
    "altmeasures_eval.costs", "altmeasures_eval.report", "altmeasures_eval.plotting",
    "pandera.typing.dask", "pandera.strategies", "sklearn.linear_model", "openpyxl", "docx",
    "pandera.backends.pandas.register", "pandera.backends.pandas.builtin_checks",
    "pandera.backends.pandas.builtin_hypotheses", "pandera.backends.pandas.container",
    "pandera.backends.pandas.components", "pandera.backends.pandas.array", "pandera.accessors.pandas_accessor",
    "pandera.api.geopandas.model", "pandera.typing.geopandas", "pandera.typing.modin", "pandera.typing.pyspark",
    "pandera.strategies.pandas_strategies", "jsonschema", "pycountry", "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg", "PIL.BmpImagePlugin", "PIL.GifImagePlugin", "PIL.JpegImagePlugin",
    "PIL.PpmImagePlugin", "PIL.features", "email.policy", "idna", "babel.lists", "jinja2.ext",
    "openpyxl.packaging.extended", "pandas.io.formats.csvs",
)


def _preload() -> None:
    """Import :data:`PRELOAD` in this process (a name that no longer imports is left to the runs,
    which then import it themselves)."""
    import importlib

    for name in PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def _command_line(args: list[str], evaluation_file: Path | None = None) -> None:
    """What ``altmeasures-eval ARGS`` does, in a process forked by :func:`_run`: the CLI's ``main``,
    its return value as the exit status, output discarded; with ``evaluation_file``, the
    evaluation an earlier run computed for the same tables and settings is reused
    (:func:`_reuse_evaluation`). The objects inherited from the test's process are frozen first
    (``gc.freeze``): the run's garbage collections then walk only what the run allocates, and do
    not copy the parent's pages by touching every inherited object. A trace function inherited from
    the parent (coverage's, in a ``--cov`` run) is removed: the run's data would never be saved
    (the process ends with ``os._exit`` or SIGKILL), so tracing would only slow it down."""
    sys.settrace(None)
    gc.freeze()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # not pytest's capture objects
    if evaluation_file is not None:
        _reuse_evaluation(evaluation_file)
    raise SystemExit(main(args))


class _Run:
    """A ``report`` run in a process of its own, with the part of ``subprocess.Popen`` the test uses."""

    def __init__(self, args: list[str], evaluation_file: Path | None = None) -> None:
        self.process = multiprocessing.get_context("fork").Process(target=_command_line,
                                                                   args=(args, evaluation_file))
        self.process.start()

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode  # -9 after SIGKILL

    def poll(self) -> int | None:
        return self.process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int | None:
        self.process.join(timeout)
        return self.process.exitcode


def _run(args: list[str], evaluation_file: Path | None = None) -> _Run:
    """``altmeasures-eval ARGS`` in a new process, forked from this one (multiprocessing's ``fork``)
    once it has imported :data:`PRELOAD`: the same command line through the same ``main`` as
    ``python -m altmeasures_eval.cli ARGS``, without a fresh interpreter's imports (with
    ``evaluation_file``: see :func:`_command_line`)."""
    _preload()
    return _Run(args, evaluation_file)


def _partial(parent: Path, name: str) -> Path | None:
    found = sorted(parent.glob(f".{name}.partial-*"))
    return found[0] if found else None


def _kill_when(proc: _Run, parent: Path, name: str, marker: str | None, limit: float = 300) -> bool:
    """SIGKILL ``proc`` once its partial folder holds ``marker`` (or exists, for ``None``);
    False when the run finished first."""
    t_end = time.monotonic() + limit
    while time.monotonic() < t_end:
        if proc.poll() is not None:
            return False
        tmp = _partial(parent, name)
        if tmp is not None and (marker is None or any(tmp.rglob(marker))):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    proc.kill()  # pragma: no cover
    raise AssertionError(f"no {marker} within {limit} s")  # pragma: no cover


def _looks_complete(folder: Path) -> bool:
    return folder.exists() and (folder / MANIFEST).exists()


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.parametrize(("command", "markers"), [
    # before anything is written, while the tables are written, after the HTML report
    ("report", [None, "attrition.csv", "report.html"]),
])
def test_sigkill_never_leaves_a_folder_that_looks_complete(tmp_path: Path, kill_config: Path,
                                                          kill_evaluation: Path, command, markers) -> None:
    out = tmp_path / "out"
    args = [command, "--config", str(kill_config), "--out", str(out)] + (["--no-pdf", "--quiet"] if command == "report" else [])
    killed = 0
    for marker in markers:
        proc = _run(args, kill_evaluation)
        if _kill_when(proc, tmp_path, "out", marker):
            killed += 1
            assert not out.exists(), f"killed at {marker}: --out exists"
        else:
            # the run finished before the marker was seen (the window after report.html is short
            # under load): its folder must then be complete; remove it so the rerun below starts
            # from the kills alone (a complete folder is refused without --overwrite, exit 4)
            assert proc.returncode == 0 and _looks_complete(out) and verify_manifest(out) == []
            shutil.rmtree(out)
    assert killed >= 2, "the run finished before it could be killed at two points"
    # a rerun after the kills produces a complete folder, and removes the partial ones
    assert _run(args, kill_evaluation).wait(timeout=600) == 0
    assert _looks_complete(out) and verify_manifest(out) == []
    assert json.loads((out / MANIFEST).read_text())["command"] == command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # kill an --overwrite run: the previous complete folder stays as it was
    before = {f["path"]: f["sha256"] for f in read_manifest(out)["files"]}
    proc = _run([*args, "--overwrite"], kill_evaluation)
    assert _kill_when(proc, tmp_path, "out", markers[1])
    assert verify_manifest(out) == [] and {f["path"]: f["sha256"] for f in read_manifest(out)["files"]} == before
