"""The order in which tests/conftest.py sends work units to the pytest-xdist workers (issue #14).

Scheduling only changes when a test runs, never what it asserts; these tests pin the rules that keep
the two workers busy until the end: whole modules except the notebooks, longest first, and the
sample report's users arranged so that one worker writes it while the other has other work.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests import conftest
from tests.conftest import _schedule, work_unit


@dataclass
class _Item:
    nodeid: str
    fixturenames: tuple[str, ...] = ()


def test_work_unit_is_the_module_except_for_each_notebook():
    assert work_unit("tests/io/test_order.py::test_x[a-b]") == "tests/io/test_order.py"
    assert work_unit("tests/report/test_docx.py::TestX::test_y") == "tests/report/test_docx.py"
    nb = "tests/test_notebooks.py::test_notebook_executes[06_unodc_multicountry]"
    assert work_unit(nb) == nb
    assert work_unit("tests/test_notebooks.py::test_there_are_notebooks") == "tests/test_notebooks.py"
    # a module that shares a costly session fixture goes with the module it shares it with
    assert work_unit("tests/test_parallel.py::test_dask_map_equals_serial") == "tests/test_benchmarks_small.py"


def test_units_go_longest_first_and_stay_whole(monkeypatch):
    monkeypatch.setattr(conftest, "EXPECTED_SECONDS", {"tests/b.py": 30.0, "tests/c.py": 10.0})
    items = [_Item("tests/a.py::t1"), _Item("tests/c.py::t1"), _Item("tests/b.py::t1"),
             _Item("tests/a.py::t2"), _Item("tests/c.py::t2")]
    order = [i.nodeid for i in _schedule(items)]
    assert order == ["tests/b.py::t1", "tests/c.py::t1", "tests/c.py::t2", "tests/a.py::t1", "tests/a.py::t2"]


def test_sample_report_users_wait_for_other_work_after_the_first(monkeypatch):
    monkeypatch.setattr(conftest, "EXPECTED_SECONDS", {
        "tests/r1.py": 30.0, "tests/big.py": 20.0, "tests/r2.py": 18.0, "tests/x.py": 15.0, "tests/y.py": 12.0,
        "tests/z.py": 5.0})
    monkeypatch.setattr(conftest, "SAMPLE_REPORT_SECONDS", 25.0)
    report = ("sample_report",)
    items = [_Item("tests/z.py::t"), _Item("tests/r2.py::t", report), _Item("tests/x.py::t"),
             _Item("tests/r1.py::t", report), _Item("tests/y.py::t"), _Item("tests/big.py::t")]
    order = [work_unit(i.nodeid) for i in _schedule(items)]
    # r1 first (it writes the report); r2 is held until big + x (35 s >= 25 s) are ahead of it
    assert order == ["tests/r1.py", "tests/big.py", "tests/x.py", "tests/r2.py", "tests/y.py", "tests/z.py"]


def test_a_test_that_asks_for_the_report_while_running_counts_as_a_user(monkeypatch):
    monkeypatch.setattr(conftest, "EXPECTED_SECONDS", {"tests/a.py": 50.0})
    nb05 = conftest.NEEDS_SAMPLE_REPORT[0]
    order = [i.nodeid for i in _schedule([_Item("tests/a.py::t"), _Item(nb05)])]
    assert order == [nb05, "tests/a.py::t"]
