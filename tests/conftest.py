"""Shared test configuration: pinned threads, a non-interactive matplotlib backend, the repository
paths, and the sample evaluation computed once per session.

Threads: BLAS, OpenMP and numba pools are pinned to one thread before numpy is imported, so that a
test's time does not depend on what else runs on the machine (oversubscription made one test jump
from 2 s to 20 s between runs, issue #14). ``make test`` sets the same variables.

The sample evaluation (``data/sample`` with ``data/sample/evaluation.toml``) is the most expensive
computation of the suite. It runs once: :func:`sample_report` runs ``altmeasures-eval report``
through the CLI and keeps the evaluation it computed (:func:`sample_evaluation`), and while the
session lasts, :func:`altmeasures_eval.evaluation.run_evaluation` returns that same (immutable)
result whenever it is called again on the same canonical tables (by content hash) with the same
settings and the same kind of quality input, e.g. by ``unodc-export`` or another ``report`` of the
sample. Anything else (another config, other data, shuffled data read in another process) is
computed as usual.

Parallel runs (``make test`` runs ``pytest -n 2``, pytest-xdist; docs/testing.md): each worker is a
process with its own session, so session fixtures are built once per worker, except the sample
report, which the first worker to need it writes into the run's shared temporary folder under a
file lock and the other worker reads (with the evaluation, pickled beside it). The scheduler
(``--dist loadscope``, set in pyproject.toml) sends each module whole to one worker, so a
module-scoped fixture is built once, except the tests of :data:`OWN_UNITS` (each notebook), which
go one by one (:func:`pytest_xdist_make_scheduler`); :func:`pytest_collection_modifyitems` puts
the units in the order they are sent: longest first, and the sample report's users arranged so
that one worker writes it while the other has other work. The run's summary shows each worker's
test time and who wrote the sample report (:func:`pytest_terminal_summary`).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import contextlib  # noqa: E402  (after the thread variables, before numpy is imported)
import fcntl  # noqa: E402
import gc  # noqa: E402
import pickle  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_CONFIG = SAMPLE / "evaluation.toml"

#: Fixtures whose tests run a command or the sample evaluation end to end: marked ``e2e``.
END_TO_END_FIXTURES = frozenset({
    "sample_report", "sample_evaluation", "sample_evaluation_file", "small_evaluation", "outputs", "indicators",
    "extract_runs", "failed_evaluation", "exported", "zygote_kernels",
})
#: Tests that run a command, a notebook or a whole evaluation themselves (no fixture to tell): ``e2e``.
END_TO_END_TESTS = (
    "tests/test_notebooks.py::test_notebook_executes",
    "tests/test_benchmarks_small.py::test_pipeline_small",
    "tests/report/test_design_gate.py::test_report_command_exits_3",
    "tests/report/test_design_gate.py::test_secondary_analyses",
    "tests/scenarios/test_report_scenarios.py",
    "tests/attack/test_paths.py",
)


#: Tests that are work units of their own under pytest-xdist instead of going with their module
#: (``--dist loadscope`` sends a whole module to one worker): long, with no module fixture to share.
OWN_UNITS = ("tests/test_notebooks.py::test_notebook_executes[",)

#: Expected seconds of the longest work units on an idle machine, summed per unit from
#: ``--durations=0`` (docs/testing.md; measured by the lead on an idle clean clone of a8adeb3 with
#: the freezing of :func:`pytest_fixture_setup`, 1,634 passed in 115.9 s; the shared unit of
#: test_benchmarks_small and test_parallel counted together), for scheduling only: units are sent to
#: the workers longest first (longest-processing-time order), so that the two workers finish
#: together; unlisted units follow in collection order. A stale number costs balance, never a result.
EXPECTED_SECONDS = {
    "tests/test_command_outputs.py": 19.8,
    "tests/test_benchmarks_small.py": 16.5,
    "tests/attack/test_attacks.py": 9.6,
    "tests/test_notebooks.py::test_notebook_executes[06_unodc_multicountry]": 9.4,
    "tests/cli/test_output.py": 9.4,
    "tests/test_docs_build.py": 8.3,
    "tests/test_notebooks.py::test_notebook_executes[05_annual_report]": 7.3,
    "tests/io/test_order.py": 6.0,
    "tests/reform/test_policy_command.py": 5.4,
    "tests/pooling/test_countries.py": 5.4,
    "tests/io/malformed/test_corpus.py": 5.1,
    "tests/test_notebooks.py::test_notebook_executes[07_reform_evaluation]": 4.9,
    "tests/report/test_languages.py": 4.9,
    "tests/scenarios/test_report_scenarios.py": 4.5,
    "tests/effects/test_simulation_small.py": 4.3,
    "tests/report/test_unodc.py": 4.1,
    "tests/synth/test_truth.py": 3.7,
    "tests/attack/test_paths.py": 3.7,
    "tests/io/test_readers.py": 3.4,
    "tests/scenarios/test_library.py": 3.3,
    "tests/test_notebooks.py::test_notebook_executes[01_data_and_cohort]": 3.0,
    "tests/report/test_design_gate.py": 2.9,
    "tests/cli/test_errors.py": 2.8,
    "tests/integration/test_recovery.py": 2.6,
    "tests/io/test_properties.py": 2.3,
    "tests/test_notebooks.py::test_notebook_executes[03_matching_and_balance]": 2.2,
    "tests/test_notebooks.py": 2.2,
    "tests/population/test_population_commands.py": 2.2,
    "tests/test_notebooks.py::test_notebook_executes[04_prison_and_costs]": 2.0,
    "tests/test_notebooks.py::test_notebook_executes[02_reoffending_survival]": 1.9,
    "tests/report/test_headline.py": 1.9,
    "tests/report/test_sample_report.py": 1.8,
    "tests/effects/test_matching_inference_small.py": 1.8,
    "tests/survival/test_properties.py": 1.7,
}
#: Seconds the session's sample report takes (:func:`sample_report`; 12.6 s in the same idle
#: run): the first unit that needs it goes first, and the units that need it too wait until this
#: much other work has been sent, so that the other worker does not sit waiting for its lock.
SAMPLE_REPORT_SECONDS = 12.6
#: Tests that need the sample report without naming the fixture (they ask for it while running).
NEEDS_SAMPLE_REPORT = ("tests/test_notebooks.py::test_notebook_executes[05_annual_report]",)


#: Modules sent with another module, as one work unit: they share a session fixture that is costly
#: to start (``dask_worker_processes``: a Dask cluster of two worker processes, ~2 s to start), so
#: that it starts once, in one worker, instead of once in each.
SHARED_UNITS = {"tests/test_parallel.py": "tests/test_benchmarks_small.py"}


def work_unit(nodeid: str) -> str:
    """The xdist work unit of a test: its module (``--dist loadscope``), the module it shares a unit
    with (:data:`SHARED_UNITS`), or itself for :data:`OWN_UNITS`."""
    if nodeid.startswith(OWN_UNITS):
        return nodeid
    module = nodeid.split("::", 1)[0]
    return SHARED_UNITS.get(module, module)


def _schedule(items: list[pytest.Item]) -> list[pytest.Item]:
    """The items grouped by work unit, units in the order they should be sent to the workers:
    longest first (:data:`EXPECTED_SECONDS`), except that the units needing the sample report,
    after the first of them, come once :data:`SAMPLE_REPORT_SECONDS` of other work is ahead."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(work_unit(item.nodeid), []).append(item)
    needs = {unit for unit, its in units.items()
             if any("sample_report" in getattr(i, "fixturenames", ()) or i.nodeid.startswith(NEEDS_SAMPLE_REPORT)
                    for i in its)}
    order = sorted(units, key=lambda unit: -EXPECTED_SECONDS.get(unit, 0.0))  # stable: collection order
    first = next((unit for unit in order if unit in needs), None)
    ahead, sent, held = 0.0, [first] if first else [], []
    for unit in order:
        if unit == first:
            continue
        if unit in needs and ahead < SAMPLE_REPORT_SECONDS:
            held.append(unit)
            continue
        if held and ahead >= SAMPLE_REPORT_SECONDS:
            sent += held
            held = []
        sent.append(unit)
        ahead += EXPECTED_SECONDS.get(unit, 0.0)
    sent += held
    return [item for unit in sent for item in units[unit]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests (``-m e2e`` selects them, ``-m "not e2e"`` leaves them out;
    ``make test`` runs everything). In an xdist worker, also put the work units in the order they
    should be sent (:func:`_schedule`; the controller sends units in collection order)."""
    for item in items:
        if END_TO_END_FIXTURES & set(getattr(item, "fixturenames", ())) or item.nodeid.startswith(END_TO_END_TESTS):
            item.add_marker(pytest.mark.e2e)
    if hasattr(config, "workerinput"):  # not in a single process: collection order there
        items[:] = _schedule(items)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: a hook of pytest-xdist's
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` (pyproject.toml) with the tests of :data:`OWN_UNITS` as units of their
    own (:func:`work_unit`); units are sent in collection order (``--no-loadscope-reorder``)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class _Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return _Units(config, log)


#: Per xdist worker (in the controller): seconds of test phases run, and when the last one ended.
_WORKERS: dict[str, list[float]] = {}
_STARTED = time.time()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the xdist controller, which sees every worker's reports: add up each worker's test time."""
    node = getattr(report, "node", None)  # set by pytest-xdist on the controller's copy only
    if node is not None:
        busy = _WORKERS.setdefault(node.gateway.id, [0.0, 0.0])
        busy[0] += report.duration
        busy[1] = max(busy[1], report.stop)


def _collect_and_freeze() -> None:
    """Collect the garbage, then move every object still alive to the garbage collector's permanent
    generation (``gc.freeze``), where its full collections no longer walk them."""
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the suite is collected, the modules it imported (the whole scientific stack, a few
    hundred thousand functions, classes and dicts that live as long as the process) are frozen:
    see :class:`_FreezeAfterSessionFixtures`."""
    _collect_and_freeze()


class _FreezeAfterSessionFixtures:
    """After a session fixture is built (the sample evaluation, the datasets, the Dask cluster...),
    collect the garbage and freeze what is alive: it lives until the session ends anyway, and the
    interpreter's full collections, which walk every tracked object each time the heap has grown by
    a quarter, no longer walk it again and again. Measured with ``gc.callbacks`` on an idle clean
    clone of a8adeb3 (issue #14): full collections 5.98 + 5.59 s of CPU in the two workers, 2.52 +
    3.44 s with this and :func:`pytest_collection_finish` (the explicit collections included); runs
    of the whole suite 122.6 s without, 115.9 and 110.7 s with. Nothing is skipped: only garbage in
    reference cycles among frozen objects would wait for the end of the process (reference counting
    still frees the rest), and these objects are alive when frozen.

    A plugin object registered in :func:`pytest_configure`, not a hook of this conftest: pytest calls
    ``pytest_fixture_setup`` through the hooks of the requesting node's folder, which for a session
    fixture is the session at the repository root, above this conftest (a conftest hook here was never
    called for them: measured 127-135 s)."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        yield
        if fixturedef.scope == "session":
            _collect_and_freeze()


def pytest_configure(config: pytest.Config) -> None:
    """Register :class:`_FreezeAfterSessionFixtures`."""
    config.pluginmanager.register(_FreezeAfterSessionFixtures(), "altmeasures-freeze-session-fixtures")


def pytest_unconfigure(config: pytest.Config) -> None:
    """In an xdist worker, once its results are sent (``workerfinished`` goes out in
    ``pytest_sessionfinish``, coverage data too): move every object to the garbage collector's
    permanent generation (``gc.freeze``), so that the interpreter's last collection at exit does not
    walk the millions of objects the session's evaluations left. The controller waits for the
    workers to exit before it reports; their exit took about 2 s, now about 0.1 s. Nothing is
    skipped: atexit handlers and ``weakref.finalize`` callbacks still run, and the process's memory
    goes back to the system as it ends."""
    if hasattr(config, "workerinput"):
        gc.freeze()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """How the work was shared: each worker's test time and when its last test ended (the two
    should end together), and who wrote the sample report and who waited for it."""
    if not _WORKERS:
        return
    terminalreporter.section("balance of the xdist workers (docs/testing.md)")
    for worker, (busy, end) in sorted(_WORKERS.items()):
        terminalreporter.write_line(f"{worker}: {busy:.1f} s of tests, its last one ended {end - _STARTED:.1f} s "
                                    "after the start")
    log = config._tmp_path_factory.getbasetemp() / "sample-report" / "log"
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            terminalreporter.write_line(f"sample report: {line}")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


def evaluation_key(evaluation: Any, dataset: Any, spec: Any, quality: Any) -> tuple:
    """What makes two ``run_evaluation`` calls the same: the tables' content hashes, the settings and
    whether a quality report was given (``evaluation`` is the module ``altmeasures_eval.evaluation``).
    Also run inside notebook kernels (tests/test_notebooks.py copies this function's source)."""
    return (tuple(sorted(evaluation.table_hashes(dataset).items())), repr(spec), quality is None)


class _SampleEvaluations:
    """Session memo of ``run_evaluation`` on the sample (see the module docstring)."""

    def __init__(self) -> None:
        from altmeasures_eval import evaluation

        self.module = evaluation
        self.real = evaluation.run_evaluation
        self.results: dict[tuple, Any] = {}
        self.computed = 0
        self.last: Any = None
        self.sample: Any = None

    def key(self, dataset: Any, spec: Any, quality: Any) -> tuple | None:
        try:
            return evaluation_key(self.module, dataset, spec, quality)
        except Exception:  # noqa: BLE001  (anything unusual: compute as usual)
            return None

    def __call__(self, dataset: Any, spec: Any = None, *, progress: bool = True, quality: Any = None,
                 on_stage: Any = None) -> Any:
        key = self.key(dataset, spec, quality) if spec is not None and on_stage is None else None
        if key is not None and key in self.results:
            self.last = self.results[key]
            return self.last
        ev = self.real(dataset, spec, progress=progress, quality=quality, on_stage=on_stage)
        self.computed += 1
        if key is not None and len(self.results) < 4:  # the sample and a few variants
            self.results[key] = ev
        self.last = ev
        return ev


@pytest.fixture(scope="session", autouse=True)
def _one_sample_evaluation():
    """Install the memo of :class:`_SampleEvaluations` for the session."""
    memo = _SampleEvaluations()
    memo.module.run_evaluation = memo
    try:
        yield memo
    finally:
        memo.module.run_evaluation = memo.real


@pytest.fixture(scope="session")
def sample_dataset():
    """The sample data set, read and validated once."""
    from altmeasures_eval.io import read_dataset

    return read_dataset(SAMPLE)


def _shared_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder every worker of the run sees: the parent of the worker's own base
    folder under xdist (``.../pytest-N/gw0`` -> ``.../pytest-N``), else the session's base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (flock: released by the kernel if the process dies)."""
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory, _one_sample_evaluation) -> Path:
    """``altmeasures-eval report --config data/sample/evaluation.toml --out DIR`` run through the CLI
    (with the PDF); its evaluation is kept as :func:`sample_evaluation`.

    Run once per test run: the first worker that needs it (or the only process) writes the report
    and pickles the evaluation beside it, under a lock; another worker waits for the lock and
    reads both (the folder is read-only by convention: no test writes into it)."""
    from altmeasures_eval.cli import main

    memo = _one_sample_evaluation
    root = _shared_temp(tmp_path_factory) / "sample-report"
    root.mkdir(exist_ok=True)
    out, kept = root / "report", root / "evaluation.pickle"
    worker, asked = os.environ.get("PYTEST_XDIST_WORKER", "the test process"), time.perf_counter()
    with _exclusive(root / "lock"):
        if kept.exists():  # written by another worker of this run
            key, evaluation = pickle.loads(kept.read_bytes())
            if key is not None:
                memo.results[key] = evaluation
            memo.sample = evaluation
            _note(root, f"{worker} read it after waiting {time.perf_counter() - asked:.1f} s")
            return out
        if out.exists():  # a run of another worker that failed its assertion: run again here
            shutil.rmtree(out)
        memo.last = None
        began = time.perf_counter()
        assert main(["report", "--config", str(SAMPLE_CONFIG), "--out", str(out), "--quiet"]) in (0, 3)
        memo.sample = memo.last
        key = next((k for k, v in memo.results.items() if v is memo.sample), None)
        kept.write_bytes(pickle.dumps((key, memo.sample), protocol=pickle.HIGHEST_PROTOCOL))
        _note(root, f"{worker} wrote it in {time.perf_counter() - began:.1f} s "
                    f"(after waiting {began - asked:.1f} s for the lock)")
    return out


def _note(root: Path, line: str) -> None:
    """One line of the sample report's log (``sample-report/log`` in the run's temporary folder),
    which the run's summary prints (:func:`pytest_terminal_summary`)."""
    with (root / "log").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.fixture(scope="session")
def sample_evaluation_file(sample_report) -> Path:
    """The pickle ``(key, evaluation)`` that :func:`sample_report` wrote beside the report: for a
    process of its own (a notebook kernel) that needs the session's sample evaluation."""
    path = sample_report.parent / "evaluation.pickle"
    assert path.is_file(), f"the sample report wrote no {path.name}"
    return path


@pytest.fixture(scope="session")
def sample_evaluation(sample_report, _one_sample_evaluation):
    """The evaluation of the sample with the sample config: the one :func:`sample_report` computed
    (with the data-quality report of its ingestion)."""
    assert _one_sample_evaluation.sample is not None, "the sample report computed no evaluation"
    return _one_sample_evaluation.sample


#: The Dask cluster of :func:`dask_worker_processes` while it runs, and the work unit it serves.
_DASK_CLUSTER: dict[str, Any] = {}


@pytest.fixture
def dask_worker_processes(request: pytest.FixtureRequest) -> Any:
    """A Dask ``LocalCluster`` of two worker processes (one thread each), started once for the tests
    that send work across a process boundary (``tests/test_parallel.py``, the pipeline benchmark's
    small run; one work unit, :data:`SHARED_UNITS`), and stopped as soon as the worker leaves that
    unit (:func:`pytest_runtest_teardown`), not at the end of the session: idle, its scheduler's
    thread in this process and its two worker processes still spent about 0.06 s of CPU a second
    on heartbeats and monitors (about 6 s over the rest of a run, half of it in this process).
    A later test that asks for it again (``-n 0`` runs the two modules apart) starts a new one."""
    distributed = pytest.importorskip("distributed")
    if "cluster" not in _DASK_CLUSTER:
        _DASK_CLUSTER["cluster"] = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                            dashboard_address=":0", silence_logs=40)
    _DASK_CLUSTER["unit"] = work_unit(request.node.nodeid)
    return _DASK_CLUSTER["cluster"]


def _stop_dask_cluster() -> None:
    cluster = _DASK_CLUSTER.pop("cluster", None)
    if cluster is not None:
        cluster.close()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop :func:`dask_worker_processes`'s cluster after the last test of the work unit it serves
    (the next test is in another unit, or there is none)."""
    if "cluster" in _DASK_CLUSTER and (nextitem is None or work_unit(nextitem.nodeid) != _DASK_CLUSTER["unit"]):
        _stop_dask_cluster()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the Dask cluster if the session ended inside its unit (``-x``, a keyboard interrupt)."""
    _stop_dask_cluster()


@pytest.fixture(scope="session")
def small_evaluation(sample_dataset):
    """A cohort too small for effect estimates: decisions of two weeks of the sample."""
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation

    spec = EvaluationSpec.from_config({"cohort": {"period_start": "2020-03-01", "period_end": "2020-03-14"}})
    return run_evaluation(sample_dataset, spec, progress=False)


@pytest.fixture(scope="session")
def ipw_synthetic():
    """Generated data (6,000 persons, seed 11), its default cohort and IPW ATT weights.

    The shared input of the population and cost recovery tests (the path the ``project`` and
    ``costs`` commands take); built once per session. Returns ``(data, cohort, weights)``.
    """
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.matching import estimate_propensity, weight_ipw
    from altmeasures_eval.synth import simulate

    covariates = ["age", "sex", "jurisdiction", "substance", "stage", "prior_proven",
                  "prior_custody_spells", "prior_bed_days", "has_prior"]
    data = simulate(6000, seed=11)
    cohort = build_cohort(data.dataset).data
    cohort = cohort.assign(substance=cohort["substance"].fillna("unknown"))
    ps = estimate_propensity(cohort, "treatment", covariates)
    weights = weight_ipw(cohort, "treatment", ps, estimand="ATT").weights.to_numpy()
    return data, cohort, weights
