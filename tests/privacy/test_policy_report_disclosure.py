"""The reform report reads ``[disclosure]`` of policy.toml through the disclosure policy (issue #13 follow-up).

``report/_policy.py`` hid observed single-jurisdiction values below a fixed 10 of its own. Now the
threshold, rounding base and marker come from ``PolicySpec.disclosure`` (the same
``DisclosureSettings`` as evaluation.toml), through :class:`~altmeasures_eval.privacy.DisclosurePolicy`;
the test reads the observed line back from the Axes the report draws.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import altmeasures_eval.report._policy as RP  # noqa: E402
from altmeasures_eval._errors import ConfigError  # noqa: E402
from altmeasures_eval.evaluation import DisclosureSettings  # noqa: E402
from altmeasures_eval.reform import PolicySpec  # noqa: E402
from altmeasures_eval.reform._its import interrupted_time_series  # noqa: E402


def _its():
    rng = np.random.default_rng(8)
    periods = 12 * 2018 + np.arange(48)
    y = np.round(30 + 3 * np.sin(np.arange(48) / 2) + rng.normal(0, 3, 48))
    y[[3, 10, 30]] = [4, 7, 2]  # small counts of one jurisdiction-month
    return interrupted_time_series(y, periods, 12 * 2020, errors="newey-west", seasonal=None), y


def _observed_drawn(ev) -> np.ndarray:
    captured = {}
    real = RP._render

    def spy(draw, size):
        ax = Figure().subplots()
        draw(ax)
        captured["ax"] = ax
        return real(draw, size)

    RP._render = spy
    try:
        figs = RP.policy_figures(ev)
    finally:
        RP._render = real
    assert "x_its_counterfactual" in figs
    line = next(ln for ln in captured["ax"].get_lines() if ln.get_label() == "observed")
    return np.asarray(line.get_ydata(), dtype=float)


def test_policy_spec_reads_disclosure():
    spec = PolicySpec.from_sections({"disclosure": {"threshold": 5, "rounding_base": 5}})
    assert spec.disclosure == DisclosureSettings(threshold=5, rounding_base=5)
    assert PolicySpec.from_sections({}).disclosure == DisclosureSettings()
    with pytest.raises(ConfigError, match="threshold = 1"):
        PolicySpec.from_sections({"disclosure": {"threshold": 1}})
    with pytest.raises(ConfigError):
        PolicySpec.from_sections({"disclosure": {"treshold": 5}})  # misspelt key refused


@pytest.mark.parametrize(("section", "hidden"), [({}, [3, 10, 30]), ({"threshold": 5}, [3, 30]),
                                                 ({"threshold": 3}, [30])])
def test_threshold_comes_from_the_config(section, hidden):
    its, y = _its()
    spec = PolicySpec.from_sections({"disclosure": section})
    threshold = spec.disclosure.threshold
    ev = SimpleNamespace(spec=spec, results=[SimpleNamespace(result=its, outcome="x", design="its")])
    drawn = _observed_drawn(ev)
    small = (y > 0) & (y < threshold)
    assert np.isnan(drawn[small]).all() and np.flatnonzero(small).tolist() == hidden
    np.testing.assert_array_equal(drawn[~small], y[~small])


def test_rounding_base_rounds_the_drawn_values():
    its, y = _its()
    spec = PolicySpec.from_sections({"disclosure": {"threshold": 10, "rounding_base": 5}})
    ev = SimpleNamespace(spec=spec, results=[SimpleNamespace(result=its, outcome="x", design="its")])
    drawn = _observed_drawn(ev)
    shown = drawn[np.isfinite(drawn)]
    assert len(shown) and (shown % 5 == 0).all()
    assert np.isnan(drawn[(y > 0) & (y < 10)]).all()
