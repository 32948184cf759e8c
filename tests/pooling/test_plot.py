"""Forest and trend plots: every study drawn, numbers readable (no offset or 1e7 axis scaling)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from altmeasures_eval.plotting import plot_forest, plot_trend  # noqa: E402
from altmeasures_eval.pooling import random_effects  # noqa: E402


def test_forest_plot_rows_labels_and_plain_axis() -> None:
    # estimates far from zero on a large scale: matplotlib would otherwise print an offset ("1e7")
    res = random_effects([20_000_001.0, 20_000_003.0, 20_000_002.5], se=[1.0, 1.5, 1.2], labels=["XAA", "XBB", "XCC"])
    ax = Figure().subplots()
    plot_forest(res, ax=ax, scale=1.0, xlabel="days", excluded=["XDD: the design failed its gate"])
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["XAA", "XBB", "XCC", "Pooled (random effects)"]
    assert ax.xaxis.get_major_formatter().get_offset() == ""  # matplotlib's default here: "+2e7"
    assert "XDD: the design failed its gate" in ax.get_title(loc="left")
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("+20000002") for t in texts)  # the pooled estimate written in full


def test_trend_plot_one_line_per_country() -> None:
    frame = pd.DataFrame({"country": ["XAA"] * 3 + ["XBB"] * 3, "year": [2020, 2021, 2022] * 2,
                          "share": [0.8, 0.78, 0.75, 0.6, 0.62, 0.65]})
    ax = Figure().subplots()
    plot_trend(frame, "year", "share", "country", ax=ax, scale=100, ylim=(0, 100))
    assert len(ax.get_lines()) == 2 and ax.get_ylim() == (0, 100)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["XAA", "XBB"]
