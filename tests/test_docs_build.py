"""The API reference builds from the docstrings, nitpicky and with warnings as errors.

A docstring that references a name that does not exist (``:func:`read_datasett```), malformed reST
or a public name missing from the reference fails here. The sources are copied to a temporary
folder and built there (``conf.py`` regenerates the pages from the current ``__all__``), so the test
writes nothing into the repository. Sphinx runs in the test's process, through the same entry point
as ``python -m sphinx`` with the same options, so that the build does not pay a fresh interpreter's
imports of the package and its libraries (:func:`_sphinx`), and numpydoc's docstring template is
compiled once per build instead of once per docstring (:func:`_numpydoc_template_compiled_once`).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import numpydoc  # noqa: F401  (in the test extra: a missing install must fail, not skip)
import sphinx  # noqa: F401

import altmeasures_eval  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
API = REPO / "docs" / "api"
NOT_API = {"commands"}  # CLI command modules: documented in docs/cli.md


def _generator():
    spec = importlib.util.spec_from_file_location("_api_generate", API / "_generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def _package_as_shipped(_one_sample_evaluation, monkeypatch) -> None:
    """The package as a fresh process imports it, for a build in this process: the session's memo
    (tests/conftest.py) stands in for ``evaluation.run_evaluation``, whose page must show the real
    function; ``sys.path`` (``conf.py`` prepends its folder) is restored after the test."""
    from altmeasures_eval import evaluation

    monkeypatch.setattr(evaluation, "run_evaluation", _one_sample_evaluation.real)
    monkeypatch.setattr(sys, "path", list(sys.path))


@contextlib.contextmanager
def _numpydoc_template_compiled_once() -> Iterator[None]:
    """numpydoc (1.11) makes a new Jinja environment for every docstring and compiles its docstring
    template in it (about 940 times in the API build, 1.4 s of its 11 s of CPU). During the block,
    the template compiled first is returned to every later docstring: the template and its loader
    (numpydoc's templates and the builder's) do not change within one build, so the reST rendered
    is the same (the text builder's output of the whole reference is identical with and without)."""
    from numpydoc import docscrape_sphinx

    environment, compiled = docscrape_sphinx.SandboxedEnvironment, {}

    class _CompiledOnce(environment):
        def get_template(self, name, *args, **kwargs):
            if name not in compiled:
                compiled[name] = super().get_template(name, *args, **kwargs)
            return compiled[name]

    docscrape_sphinx.SandboxedEnvironment = _CompiledOnce
    try:
        yield
    finally:
        docscrape_sphinx.SandboxedEnvironment = environment


def _sphinx(source: Path, out: Path) -> subprocess.CompletedProcess:
    """``python -m sphinx -b dummy -n -W --keep-going -q -E`` on ``source``, run in this process
    (``sphinx.cmd.build.build_main``, what ``python -m sphinx`` calls): its exit status, and what
    it wrote to stderr (the warnings) as ``stderr``. The dummy builder writes no output, but it
    resolves every cross-reference, so that nitpicky mode with ``-W`` fails on a broken one
    (:func:`test_a_broken_reference_fails_the_build`)."""
    from sphinx.cmd.build import build_main

    args = ["-b", "dummy", "-n", "-W", "--keep-going", "-q", "-E",
            "-d", str(out / "doctrees"), str(source), str(out / "build")]
    stderr, stdout = io.StringIO(), io.StringIO()
    sys.modules.pop("_generate", None)  # conf.py imports the copy of docs/api/_generate.py beside it
    try:
        with (contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout),
              _numpydoc_template_compiled_once()):
            code = build_main(args)
    finally:
        sys.modules.pop("_generate", None)
    return subprocess.CompletedProcess(["sphinx", *args], code, stdout.getvalue(), stderr.getvalue())


def _copy_sources(tmp_path: Path) -> Path:
    source = tmp_path / "api"
    shutil.copytree(API, source, ignore=shutil.ignore_patterns("__pycache__"))
    return source


def test_every_public_subpackage_has_a_page():
    subpackages = {m.name for m in pkgutil.iter_modules(altmeasures_eval.__path__)
                   if m.ispkg and not m.name.startswith("_")}
    pages = set(_generator().SUBPACKAGES)
    assert subpackages - NOT_API <= pages, f"no API page for {sorted(subpackages - NOT_API - pages)}"
    index = (API / "index.rst").read_text(encoding="utf-8")
    missing = [p for p in _generator().pages() if f"   {p.removesuffix('.rst')}\n" not in index]
    assert not missing, f"pages not in the index toctree: {missing}"


def test_every_public_name_is_on_its_page():
    gen = _generator()
    pages = gen.pages()
    for name in gen.SUBPACKAGES:
        module = importlib.import_module(f"altmeasures_eval.{name}")
        text = pages[f"{name}.rst"]
        absent = [n for n in module.__all__ if not isinstance(getattr(module, n), type(altmeasures_eval))
                  and f"altmeasures_eval.{name}.{n}\n" not in text]
        assert not absent, f"altmeasures_eval.{name}: {absent} missing from docs/api/{name}.rst"


@pytest.mark.slow
@pytest.mark.usefixtures("_package_as_shipped")
def test_api_reference_builds_without_warnings(tmp_path):
    result = _sphinx(_copy_sources(tmp_path), tmp_path)
    assert result.returncode == 0, "API docs build failed:\n" + result.stderr[-6000:]


@pytest.mark.usefixtures("_package_as_shipped")
def test_a_broken_reference_fails_the_build(tmp_path):
    """The configuration really is nitpicky: one unresolvable internal reference fails the build."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(API / "conf.py", source / "conf.py")  # without _generate.py: only the page below
    (source / "index.rst").write_text("Broken\n======\n\nSee :func:`altmeasures_eval.io.read_datasett` (misspelt).\n",
                                      encoding="utf-8")
    result = _sphinx(source, tmp_path)
    assert result.returncode != 0
    problems = [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(problems) == 1 and "read_datasett" in problems[0], result.stderr


# --- the README and the guide: their examples must keep working -------------------------------------

def _blocks(path: Path, language: str) -> list[str]:
    import re

    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_readme_python_tour_runs(monkeypatch, sample_dataset):
    """The 60-second Python tour in README.md runs as written on the sample. Its
    ``io.read_dataset("data/sample")`` with the default options gets the session's read of the
    sample (``sample_dataset``, tests/conftest.py: the same call) instead of reading and validating
    the files again, as the notebooks do (docs/testing.md); any other read is made as usual, and
    the test fails if the tour stopped reading the sample that way."""
    import matplotlib

    from altmeasures_eval import io

    matplotlib.use("Agg")
    monkeypatch.chdir(REPO)
    real, shared = io.read_dataset, []

    def read_dataset(source, *args, **kwargs):
        if not args and not kwargs and Path(source).resolve() == (REPO / "data" / "sample").resolve():
            shared.append(source)
            return sample_dataset
        return real(source, *args, **kwargs)

    monkeypatch.setattr(io, "read_dataset", read_dataset)
    (code,) = _blocks(REPO / "README.md", "python")
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    assert len(namespace["cohort"].data) == 1903  # data/sample/README.md: the 2021 cohort
    assert shared == ["data/sample"], "the tour no longer reads the sample with io.read_dataset(\"data/sample\")"


def _cli_calls(text: str) -> list[list[str]]:
    import shlex

    calls = []
    for block in text:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("altmeasures-eval "):
                calls.append(shlex.split(line)[1:])
    return calls


@pytest.mark.parametrize("doc", ["README.md", "docs/guide.md"])
def test_documented_commands_parse(doc):
    """Every `altmeasures-eval ...` line in a code block is accepted by the real argument parser."""
    from altmeasures_eval.cli import build_parser

    path = REPO / doc
    calls = _cli_calls(_blocks(path, "sh") + _blocks(path, ""))
    assert calls, f"no command found in {doc}"
    parser = build_parser()
    for argv in calls:
        argv = [a.replace("FILE1", "a.json").replace("FILE2", "b.json").replace("...", "c.json") for a in argv]
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits on an unknown command or option
            raise AssertionError(f"{doc}: `altmeasures-eval {' '.join(argv)}` is not accepted") from exc
