"""The one palette of the figures and the tick labels in the report's language (#15)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from altmeasures_eval._i18n import language  # noqa: E402
from altmeasures_eval.plotting import GROUP_COLOURS, OKABE_ITO, SEQUENCE, colour_of, figure_style  # noqa: E402
from altmeasures_eval.plotting._ticks import locale_ticks  # noqa: E402


def test_groups_have_one_okabe_ito_colour_each():
    # Okabe and Ito (2008), https://jfly.uni-koeln.de/color/: blue #0072B2, vermillion #D55E00
    assert colour_of("alternative") == colour_of(1) == "#0072B2"
    assert colour_of("custody") == colour_of(0) == "#D55E00"
    assert set(GROUP_COLOURS.values()) <= set(OKABE_ITO.values())
    assert not {GROUP_COLOURS["alternative"], GROUP_COLOURS["custody"]} & set(SEQUENCE)  # kept for the groups
    with pytest.raises(KeyError, match="groups are"):
        colour_of("probation")
    cycle = figure_style()["axes.prop_cycle"].by_key()["color"]
    assert cycle[:2] == [GROUP_COLOURS["alternative"], GROUP_COLOURS["custody"]]


@pytest.mark.parametrize("code, thousands, percent", [
    ("en", "1,000", "20%"),
    ("fr", "1\u202f000", "20\u00a0%"),  # CLDR fr: narrow no-break space, no-break space before %
    ("es", "1.000", "20\u00a0%"),  # the tables' form (fmt_int), as tests/test_i18n.py pins: 20.000
])
def test_tick_labels_follow_the_language(code, thousands, percent):
    fig, ax = plt.subplots()
    ax.plot([0, 2000], [0, 0.4])
    with language(code):
        locale_ticks(ax, x="int", y="pct")
        fig.canvas.draw()
        xs = [t.get_text() for t in ax.get_xticklabels()]
        ys = [t.get_text() for t in ax.get_yticklabels()]
    assert thousands in xs, xs
    assert percent in ys, ys
    plt.close(fig)


def test_negative_ticks_use_a_true_minus_sign():
    fig, ax = plt.subplots()
    ax.plot([-3000, 3000], [0, 1])
    locale_ticks(ax, x="int")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert any(t.startswith("\u2212") for t in labels) and not any(t.startswith("-") for t in labels)
    plt.close(fig)
    assert np.isfinite(ax.get_xlim()).all()
