"""The plain Python and the numba-compiled greedy matching kernels match the same units.

``match_nearest`` runs the Python kernel on small problems without a Mahalanobis distance and the
compiled one otherwise (``matching._kernels.kernel_for``, issue #14): both must give the same
matches, so each problem here is matched through both and every output compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import altmeasures_eval.matching._kernels as kernels
from altmeasures_eval.matching import estimate_propensity, match_nearest

OPTIONS = [dict(), dict(ratio=3), dict(ratio=2, replace=False), dict(caliper=None), dict(caliper=0.05, replace=False),
           dict(exact="g"), dict(estimand="ATC", ratio=2), dict(mahvars=["x", "z"]),
           dict(mahvars=["x"], ratio=2, replace=False), dict(ties="average"),
           dict(m_order="random", replace=False, random_state=3), dict(discard="both")]


def _problem(seed: int, n: int, rounded: bool) -> tuple[pd.DataFrame, object]:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.integers(0, 3, n).astype(float), "g": rng.integers(0, 2, n)})
    if rounded:  # tied scores: the tie rules of the kernel are exercised
        d["x"] = np.round(d["x"], 1)
    d["treatment"] = (rng.random(n) < 1 / (1 + np.exp(-(d["x"] - 0.5)))).astype(int)
    return d, estimate_propensity(d, "treatment", ["x", "z"])


def _same(a, b) -> bool:
    for name in ("weights", "subclass", "match_matrix", "unmatched", "counts", "notes", "discarded"):
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, pd.Series | pd.DataFrame):
            if not x.equals(y):
                return False
        elif isinstance(x, np.ndarray):
            if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize(("seed", "n", "rounded"), [(1, 60, False), (2, 400, True), (3, 700, False)])
def test_python_and_compiled_kernels_match_the_same_units(seed, n, rounded, monkeypatch):
    d, ps = _problem(seed, n, rounded)
    compiled = kernels.compiled_greedy_match
    for kw in OPTIONS:
        with monkeypatch.context() as m:  # every problem through the Python kernel, Mahalanobis too
            m.setattr(kernels, "kernel_for", lambda n_units, mahalanobis: kernels.greedy_match)
            python = match_nearest(d, "treatment", ps, **kw)
        with monkeypatch.context() as m:  # every problem through the compiled kernel
            m.setattr(kernels, "kernel_for", lambda n_units, mahalanobis: compiled())
            jit = match_nearest(d, "treatment", ps, **kw)
        assert _same(python, jit), kw
    assert compiled() is not kernels.greedy_match  # numba is installed: the compiled kernel was compared


def test_the_comparison_sees_a_different_match():
    d, ps = _problem(4, 300, False)
    assert not _same(match_nearest(d, "treatment", ps), match_nearest(d, "treatment", ps, ratio=2))


def test_kernel_choice(monkeypatch):
    monkeypatch.setattr(kernels, "_COMPILED", [])
    monkeypatch.setattr(kernels, "_PYTHON_UNITS", [0])
    assert kernels.kernel_for(1_000, False) is kernels.greedy_match  # small: Python
    assert kernels._PYTHON_UNITS == [1_000]
    monkeypatch.setattr(kernels, "_PYTHON_UNITS", [kernels.PYTHON_KERNEL_BUDGET - 10])
    assert kernels.kernel_for(1_000, False) is not kernels.greedy_match  # budget spent: compiled
    assert kernels.kernel_for(10, False) is not kernels.greedy_match  # and compiled from then on
    monkeypatch.setattr(kernels, "_COMPILED", [])
    monkeypatch.setattr(kernels, "_PYTHON_UNITS", [0])
    assert kernels.kernel_for(kernels.PYTHON_KERNEL_MAX_UNITS + 1, False) is not kernels.greedy_match  # large
    monkeypatch.setattr(kernels, "_COMPILED", [])
    assert kernels.kernel_for(10, True) is not kernels.greedy_match  # Mahalanobis
