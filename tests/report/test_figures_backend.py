"""Rendering report figures leaves the caller's matplotlib state alone (a notebook keeps its backend)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

from altmeasures_eval.report._figures import _render


def test_render_keeps_the_backend_and_leaves_no_open_figure():
    before = matplotlib.get_backend()
    plt.switch_backend("svg")  # stands in for a notebook's inline backend
    try:
        open_before = plt.get_fignums()  # other tests may have left figures open
        png, svg = _render(lambda ax: ax.plot([0, 1], [0, 1]), (3, 2))
        assert matplotlib.get_backend() == "svg"
        assert plt.get_fignums() == open_before
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and svg.lstrip().startswith("<?xml")
    finally:
        plt.switch_backend(before)
