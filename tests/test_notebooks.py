"""The teaching notebooks run end to end on the sample data, and git stores them without outputs.

Each notebook is executed by nbclient in a fresh kernel whose working directory is a temporary
folder, so a relative write cannot land in the repository; the notebooks find the sample through
the repository root and write only to temporary folders of their own.

Each kernel is a fresh process forked from a *kernel zygote* (``tests/kernel_zygote.py``, one per
test process), which has imported ipykernel, matplotlib and the package once, instead of a new
interpreter that imports them for every notebook (about 2 s of CPU each): the kernel has an empty
namespace and no state from another notebook, and a notebook that forgets an import still fails
(:func:`test_a_notebook_that_forgets_an_import_fails`, :func:`test_each_notebook_gets_a_fresh_kernel_process`).

Two notebooks would be the slowest tests of the suite as published (issue #14), so the test runs
them cheaper without changing a line a user runs:

- a notebook's cell tagged ``parameters`` (papermill's convention, ``notebooks/_build.py``) gets a
  cell of new values inserted after it (:data:`PARAMETERS`: notebook 06 with 2 imputations
  instead of 20; the same countries, steps, files and pooling);
- notebook 05 computes the sample evaluation with the sample config, which the session has already
  computed for ``sample_report`` (``tests/conftest.py``): a cell inserted after its first cell makes
  ``run_evaluation`` return that evaluation when it is called on the same tables with the same
  settings (the key of the session memo), and a cell at the end checks that it did;
- notebooks 01-05 read the sample with the default options (``io.ingest(SAMPLE)``,
  ``io.read_dataset(SAMPLE)``): a cell inserted after the first one makes those two functions return
  the ingestion of the sample the test run made once (:func:`sample_ingestion_file`, the same
  function on the same files), other reads are made as usual, and a cell at the end checks that
  the notebook did read the sample.

Everything else in these notebooks runs as written.
"""

from __future__ import annotations

import ast
import atexit
import importlib.util
import inspect
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import nbclient  # in the test extra: a missing install must fail, not skip
import nbformat

from tests import kernel_zygote

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# Folders a careless notebook could write into: no file may appear there during a run. (Only new
# files are checked: other engineers edit files in this tree while the suite runs.)
GUARDED = [REPO / "notebooks", REPO / "data"]
#: Values given to a notebook's ``parameters`` cell in the suite (smaller than the published ones).
PARAMETERS = {"06_unodc_multicountry": {"IMPUTATIONS": 2, "PERSONS": {"XAA": 8_000, "XBB": 4_000, "XCC": 4_000}}}
#: Notebooks whose ``run_evaluation`` of the sample is the session's sample evaluation.
SAMPLE_EVALUATION = {"05_annual_report"}
#: Notebooks whose reads of the sample (default options) get the ingestion the test run made.
SAMPLE_INGESTION = {"01_data_and_cohort", "02_reoffending_survival", "03_matching_and_balance",
                    "04_prison_and_costs", "05_annual_report"}
#: The environment of the notebooks' kernels, besides the test process's own.
KERNEL_ENV = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "ALTMEASURES_REPO": str(REPO)}
#: The variables read at import time (``kernel_zygote.IMPORT_TIME``) as the run started, taken when
#: this module is collected: the zygote and every kernel get these, not what an earlier test of the
#: same process left in ``os.environ`` (Dask's multiprocessing scheduler sets ``PYTHONHASHSEED`` in
#: the process that uses it, and a kernel asked for from that process was refused by the zygote
#: started by the other worker). ``None``: not set.
RUN_IMPORT_ENV = {name: os.environ.get(name) for name in kernel_zygote.IMPORT_TIME}
#: Modules the kernel zygote imports once (tests/kernel_zygote.py): the kernel and what the
#: notebooks import. The notebooks import the package's parts by name (``from altmeasures_eval
#: import io``), never reach one as an attribute of another, so an import made beforehand changes
#: only when a module is imported, not whether a notebook may use it.
ZYGOTE_PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.core.pylabtools", "matplotlib.pyplot",
    "matplotlib_inline.backend_inline", "numpy", "pandas", "altmeasures_eval.io", "altmeasures_eval.cohort",
    "altmeasures_eval.matching", "altmeasures_eval.survival", "altmeasures_eval.effects",
    "altmeasures_eval.population", "altmeasures_eval.costs", "altmeasures_eval.evaluation",
    "altmeasures_eval.config", "altmeasures_eval.plotting", "altmeasures_eval.report", "altmeasures_eval.synth",
    "altmeasures_eval.pooling", "altmeasures_eval.reform", "altmeasures_eval.privacy",
)
#: The kernel spec whose kernels the zygote forks.
ZYGOTE_KERNEL = "altmeasures-zygote"


def _load_builder():
    spec = importlib.util.spec_from_file_location("_nb_build", NOTEBOOK_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _snapshot() -> set[str]:
    return {str(path.relative_to(REPO)) for folder in GUARDED for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def test_there_are_notebooks():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01_data_and_cohort", "02_reoffending_survival", "03_matching_and_balance",
                     "04_prison_and_costs", "05_annual_report", "06_unodc_multicountry",
                     "07_reform_evaluation"], names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    with_outputs = [c.id for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not with_outputs, f"{path.name}: strip outputs (run notebooks/_build.py); cells {with_outputs}"


def test_notebooks_are_what_the_build_script_writes():
    build = _load_builder()
    stale = []
    for name, cells in build.NOTEBOOKS.items():
        expected = nbformat.writes(build.build(name, cells)) + "\n"
        path = NOTEBOOK_DIR / f"{name}.ipynb"
        if not path.exists() or path.read_text(encoding="utf-8") != expected:
            stale.append(path.name)
    assert not stale, f"regenerate with `.venv/bin/python notebooks/_build.py`: {stale}"
    assert {p.stem for p in NOTEBOOKS} == set(build.NOTEBOOKS), "a notebook is not built by _build.py"


def _parameters_cell(nb: nbformat.NotebookNode) -> int:
    """Index of the cell tagged ``parameters``."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and nb.cells[tagged[0]].cell_type == "code", f"{len(tagged)} parameters cells"
    return tagged[0]


def _inject_parameters(nb: nbformat.NotebookNode, values: dict[str, object]) -> None:
    """Insert the assignments of ``values`` after the ``parameters`` cell, as papermill does. Each
    name must be assigned in that cell: a renamed parameter must not be overridden silently."""
    at = _parameters_cell(nb)
    assigned = {t.id for node in ast.parse(nb.cells[at].source).body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    assert set(values) <= assigned, f"not parameters of the notebook: {sorted(set(values) - assigned)}"
    source = "# Parameters injected by tests/test_notebooks.py\n" + "".join(f"{k} = {v!r}\n" for k, v in values.items())
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, cell)


def _inject(nb: nbformat.NotebookNode, setup: str, check: str) -> None:
    """Insert the cell ``setup`` after the notebook's first code cell (which sets ``SAMPLE``) and
    the cell ``check`` at its end."""
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells.insert(first + 1, nbformat.v4.new_code_cell(setup))
    nb.cells.append(nbformat.v4.new_code_cell(check))


def _reuse_sample_evaluation(nb: nbformat.NotebookNode, kept: Path) -> None:
    """After the notebook's first code cell, make ``run_evaluation`` return the session's sample
    evaluation (pickled with its key in ``kept``) for the same tables and settings, and compute as
    usual otherwise; a last cell fails if the notebook never asked for it."""
    from tests.conftest import evaluation_key

    reuse = (
        "# Injected by tests/test_notebooks.py: the sample evaluation the test session has computed\n"
        "import pickle as _pickle\n"
        "from typing import Any\n\n"
        "import altmeasures_eval.evaluation as _evaluation\n\n"
        + inspect.getsource(evaluation_key) + "\n\n"
        f"_SESSION_KEY, _SESSION_EVALUATION = _pickle.loads(Path({str(kept)!r}).read_bytes())\n"
        "_computed_run_evaluation = _evaluation.run_evaluation\n"
        "_reused = []\n\n\n"
        "def _session_run_evaluation(dataset, spec=None, **kwargs):\n"
        "    if spec is not None and kwargs.get('on_stage') is None and evaluation_key(\n"
        "            _evaluation, dataset, spec, kwargs.get('quality')) == _SESSION_KEY:\n"
        "        _reused.append(True)\n"
        "        return _SESSION_EVALUATION\n"
        "    return _computed_run_evaluation(dataset, spec, **kwargs)\n\n\n"
        "_evaluation.run_evaluation = _session_run_evaluation\n"
    )
    _inject(nb, reuse, (
        "assert _reused, ('the notebook computed the sample evaluation itself: its call no longer has the key of '\n"
        "                 'tests/conftest.py evaluation_key (same tables, settings and quality input)')\n"))


@pytest.fixture(scope="session")
def sample_ingestion_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``altmeasures_eval.io.ingest(data/sample)`` pickled, for the notebook kernels: made once per
    run (the first worker that needs it writes it under a lock in the run's shared folder, as the
    sample report; tests/conftest.py)."""
    from tests.conftest import _exclusive, _shared_temp

    root = _shared_temp(tmp_path_factory) / "sample-ingestion"
    root.mkdir(exist_ok=True)
    path = root / "ingestion.pickle"
    with _exclusive(root / "lock"):
        if not path.exists():
            from altmeasures_eval.io import ingest

            path.with_suffix(".tmp").write_bytes(pickle.dumps(ingest(REPO / "data" / "sample"),
                                                              protocol=pickle.HIGHEST_PROTOCOL))
            path.with_suffix(".tmp").replace(path)
    return path


def _reuse_sample_ingestion(nb: nbformat.NotebookNode, kept: Path) -> None:
    """After the notebook's first code cell (which sets ``SAMPLE``), make ``io.ingest`` and
    ``io.read_dataset`` of the sample with the default options return the ingestion pickled in
    ``kept`` (a fresh copy each call); every other read is made as usual. A last cell fails if the
    notebook never read the sample that way."""
    reuse = (
        "# Injected by tests/test_notebooks.py: the ingestion of the sample the test run has made\n"
        "import pickle as _pickle\n\n"
        "import altmeasures_eval.io as _io\n\n"
        f"_SAMPLE_INGESTION = Path({str(kept)!r}).read_bytes()\n"
        "_read_ingest, _read_dataset = _io.ingest, _io.read_dataset\n"
        "_sample_reads = []\n\n\n"
        "def _the_sample(source, mapping=None, mode='strict', encoding=None, delimiter=None):\n"
        "    return (isinstance(source, str | Path) and Path(source).resolve() == SAMPLE.resolve() and mapping is None\n"
        "            and mode == 'strict' and encoding is None and delimiter is None)\n\n\n"
        "def _session_ingest(source, mapping=None, mode='strict', **options):\n"
        "    if _the_sample(source, mapping, mode, **options):\n"
        "        _sample_reads.append(True)\n"
        "        return _pickle.loads(_SAMPLE_INGESTION)\n"
        "    return _read_ingest(source, mapping, mode, **options)\n\n\n"
        "def _session_read_dataset(source, mapping=None, mode='strict', **options):\n"
        "    if _the_sample(source, mapping, mode, **options) and _pickle.loads(_SAMPLE_INGESTION).valid:\n"
        "        _sample_reads.append(True)\n"
        "        return _pickle.loads(_SAMPLE_INGESTION).dataset\n"
        "    return _read_dataset(source, mapping, mode, **options)\n\n\n"
        "_io.ingest, _io.read_dataset = _session_ingest, _session_read_dataset\n"
    )
    _inject(nb, reuse, "assert _sample_reads, 'the notebook no longer reads the sample with io.ingest or io.read_dataset'\n")


def _end_zygote(zygote: subprocess.Popen, folder: Path | None) -> None:
    """At the exit of the process that started the zygote: wait until it has ended (once no test
    process holds it), so that the zygote and its kernels end with the run and are counted in it."""
    try:
        zygote.wait(timeout=600)
    except subprocess.TimeoutExpired:
        zygote.kill()
        zygote.wait()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def zygote_kernels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's kernel zygote (tests/kernel_zygote.py): a process that has imported
    :data:`ZYGOTE_PRELOAD` with the kernels' environment and forks a fresh kernel for each notebook.
    The first test process that needs it starts it, under a lock in the run's shared folder (as the
    sample report, tests/conftest.py); every test process that needs it holds it until its session
    ends. Yields the ``JUPYTER_PATH`` folder of this process's kernel spec, :data:`ZYGOTE_KERNEL`."""
    from tests.conftest import _exclusive, _shared_temp

    shared = _shared_temp(tmp_path_factory) / "kernel-zygote"
    shared.mkdir(exist_ok=True)
    lock, where = shared / "lock", shared / "socket-path"
    with _exclusive(lock):
        held = kernel_zygote.hold(where.read_text(encoding="utf-8")) if where.exists() else None
        if held is None:  # none yet, or it has ended: start one
            socket_path, folder = shared / "sock", None
            if len(os.fsencode(socket_path)) > 100:  # the limit of a Unix socket's path is 107 bytes
                folder = Path(tempfile.mkdtemp(prefix="zygote-"))
                socket_path = folder / "sock"
            log = shared / f"zygote-{os.getpid()}.log"
            with log.open("wb") as errors:
                zygote = subprocess.Popen(
                    [sys.executable, kernel_zygote.__file__, "serve", str(socket_path), str(lock), *ZYGOTE_PRELOAD],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=_kernel_environment(os.environ))
            atexit.register(_end_zygote, zygote, folder)
            ready = zygote.stdout.readline()
            zygote.stdout.close()
            assert ready == b"ready\n", f"the kernel zygote did not start: {log.read_text(errors='replace')}"
            where.write_text(str(socket_path), encoding="utf-8")
            held = kernel_zygote.hold(str(socket_path))
            assert held is not None, "the kernel zygote does not answer"
        spec = kernel_zygote.write_kernel_spec(str(tmp_path_factory.mktemp("jupyter")), ZYGOTE_KERNEL,
                                               where.read_text(encoding="utf-8"))
    try:
        yield spec
    finally:
        held.close()  # the zygote ends once no test process holds it and no kernel runs


def _kernel_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the kernels' settings (:data:`KERNEL_ENV`) and the import-time variables of
    the run's start (:data:`RUN_IMPORT_ENV`)."""
    env = {k: v for k, v in environ.items() if k not in RUN_IMPORT_ENV}
    env.update({k: v for k, v in RUN_IMPORT_ENV.items() if v is not None})
    env.update(KERNEL_ENV)
    return env


def _execute(nb: nbformat.NotebookNode, folder: Path, monkeypatch: pytest.MonkeyPatch, kernels: str) -> None:
    """Run every cell of ``nb`` through nbclient in a fresh kernel forked by the zygote, in ``folder``."""
    wanted = _kernel_environment(os.environ)
    for name in set(os.environ) - set(wanted):
        monkeypatch.delenv(name)
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("JUPYTER_PATH", kernels)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name=ZYGOTE_KERNEL,
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_a_notebook_that_forgets_an_import_fails(zygote_kernels, tmp_path, monkeypatch):
    """The zygote has imported pandas and the package (they are in the kernel's ``sys.modules``), but a
    notebook's namespace starts empty: a name used without its import is a NameError, as in a kernel
    started from scratch."""
    nb = _notebook("import sys\nassert 'pandas' in sys.modules and 'altmeasures_eval.io' in sys.modules",
                   "pd.DataFrame({'a': [1]})", "print('not reached')")
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failed:
        _execute(nb, tmp_path, monkeypatch, zygote_kernels)
    assert (failed.value.ename, failed.value.evalue) == ("NameError", "name 'pd' is not defined")
    assert not nb.cells[2].outputs  # the notebook stopped at the error


def test_what_an_earlier_test_left_in_the_environment_does_not_reach_a_kernel(zygote_kernels, tmp_path,
                                                                              monkeypatch):
    """An earlier test of the same process may leave an import-time variable in ``os.environ`` (Dask's
    multiprocessing scheduler sets ``PYTHONHASHSEED=6640`` in the process that uses it): the kernel
    still gets the run's own value, as the zygote has it, instead of being refused (the suite's
    notebooks failed with "Kernel died before replying to kernel_info" in the worker that had run a
    Dask test)."""
    monkeypatch.setenv("PYTHONHASHSEED", "6640")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    nb = _notebook("import json, os\n"
                   "print(json.dumps([os.environ.get('PYTHONHASHSEED'), os.environ.get('OMP_NUM_THREADS')]))")
    _execute(nb, tmp_path, monkeypatch, zygote_kernels)
    seen = json.loads(nb.cells[-1].outputs[0]["text"])
    assert seen == [RUN_IMPORT_ENV["PYTHONHASHSEED"], RUN_IMPORT_ENV["OMP_NUM_THREADS"]]


def test_each_notebook_gets_a_fresh_kernel_process(zygote_kernels, tmp_path, monkeypatch):
    """Two notebooks in turn: each runs in a process of its own, forked from the zygote (not the test
    process), in the folder it was given, and the second sees neither the first's variables nor what
    it changed in a module."""
    first = _notebook("import os, json\nimport altmeasures_eval.io as aio\n"
                      "aio._left_by_a_notebook = True\nx = 1\n"
                      "print(json.dumps([os.getpid(), os.getppid(), os.getcwd()]))")
    second = _notebook("import os, json\nimport altmeasures_eval.io as aio\n"
                       "assert not hasattr(aio, '_left_by_a_notebook') and 'x' not in globals()\n"
                       "print(json.dumps([os.getpid(), os.getppid(), os.getcwd()]))")
    seen = []
    for nb in (first, second):
        _execute(nb, tmp_path, monkeypatch, zygote_kernels)
        seen.append(json.loads(nb.cells[-1].outputs[0]["text"]))
    (pid1, parent1, cwd1), (pid2, parent2, cwd2) = seen
    assert len({pid1, pid2, parent1, os.getpid()}) == 4 and parent1 == parent2
    assert cwd1 == cwd2 == str(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch, request, zygote_kernels):
    nb = nbformat.read(path, as_version=4)
    if path.stem in PARAMETERS:
        _inject_parameters(nb, PARAMETERS[path.stem])
    if path.stem in SAMPLE_EVALUATION:
        _reuse_sample_evaluation(nb, request.getfixturevalue("sample_evaluation_file"))
    if path.stem in SAMPLE_INGESTION:
        _reuse_sample_ingestion(nb, request.getfixturevalue("sample_ingestion_file"))
    before = _snapshot()
    start = time.perf_counter()
    _execute(nb, tmp_path, monkeypatch, zygote_kernels)
    elapsed = time.perf_counter() - start
    after = _snapshot()
    written = sorted(after - before)
    assert not written, f"{path.name} wrote into the repository: {written}"
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    tables = sum("text/html" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert tables > 0, f"{path.name} displays no rich table"
    print(f"{path.name}: {elapsed:.1f} s, {figures} figures, {tables} HTML outputs")
