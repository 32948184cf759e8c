"""Figures of the report (#15): one colour per group from one palette, a title, caption, text
alternative with the key numbers and a source for every figure, in the report's language; the
defects of the issue stay fixed (at-risk rows, near-duplicate survival figure, bed-days bars,
tornado labels).

Reads the session's sample evaluation and the figures its report wrote; the words are checked
without drawing (``figure_specs``), so the module costs no figure rendering of its own beyond two
small plots.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from altmeasures_eval._i18n import fmt_money, fmt_num, fmt_pct, language  # noqa: E402
from altmeasures_eval.plotting import GROUP_COLOURS, OKABE_ITO, plot_bed_days, plot_tornado  # noqa: E402
from altmeasures_eval.report._figures import figure_specs  # noqa: E402

ALTERNATIVE, CUSTODY = GROUP_COLOURS["alternative"].lower(), GROUP_COLOURS["custody"].lower()
FIGURES = ["love_plot", "propensity_overlap", "survival_curves", "bed_days", "population_projection",
           "cost_waterfall", "break_even", "monte_carlo", "tornado"]
# frequent English words that a translated title or text alternative must not contain
ENGLISH = re.compile(r"\b(the|and|of|with|people|custody|group|per person|days|between|draws)\b")


@pytest.fixture(scope="module")
def specs(sample_evaluation):
    out = {}
    for code in ("en", "fr", "es"):
        with language(code):
            out[code] = {name: (title, caption, alt) for name, title, caption, alt, _d, _s in
                         figure_specs(sample_evaluation)}
    return out


def test_every_figure_has_words_in_every_language(specs):
    for code, figs in specs.items():
        assert list(figs) == FIGURES, code  # in report order; no second survival figure
        for name, (title, caption, alt) in figs.items():
            assert title and caption and alt, (code, name)
            assert re.search(r"\d", alt), (code, name, alt)  # the key numbers are in the text alternative
            assert "_" not in alt and "_" not in title, (code, name)  # no raw variable names
            if code != "en":
                assert not ENGLISH.search(title + " " + alt), (code, name, ENGLISH.search(title + " " + alt))


def test_alt_texts_carry_the_results(specs, sample_evaluation):
    ev = sample_evaluation
    en = specs["en"]
    # survival: the Kaplan-Meier proportions at the headline horizon
    h = ev.headline_horizon
    km = ev.survival_curves.curves
    for g in (1, 0):
        k = km[(km["group"] == g) & (km["time"] <= h)]
        assert fmt_pct(1 - k["survival"].iloc[-1], 1) in en["survival_curves"][2]
    # bed-days: the days averted per person at the longest horizon
    bd = ev.prison.bed_days.table.dropna(subset=["mean_custody"])
    tot = bd[(bd["horizon"] == bd["horizon"].max()) & (bd["component"] == "total")].iloc[0]
    assert fmt_num(tot["averted"], 0) in en["bed_days"][2]
    # costs: the two groups' costs, the chance that benefits exceed costs, the money basis
    c = ev.costs.comparison.table.set_index(["perspective", "component"]).loc[("all", "total")]
    cur = ev.costs.comparison.currency
    assert fmt_money(c["mean_custody"], cur) in en["cost_waterfall"][2]
    assert fmt_money(c["mean_alternative"], cur) in en["cost_waterfall"][2]
    assert fmt_pct(ev.costs.monte_carlo.chance_positive, 0) in en["monte_carlo"][2]
    for name in ("cost_waterfall", "break_even", "monte_carlo", "tornado"):
        text = en[name][1] + en[name][2]
        assert str(ev.costs.comparison.price_year) in text, name  # price year beside every money figure
        assert fmt_pct(ev.costs.unit_costs.discount_rate, 1) in text, name  # and the discount rate


def test_one_colour_per_group_in_every_figure(sample_report):
    svgs = {p.stem: p.read_text(encoding="utf-8").lower() for p in (sample_report / "figures").glob("*.svg")}
    for name in ("propensity_overlap", "survival_curves", "bed_days", "cost_waterfall"):
        assert ALTERNATIVE in svgs[name] and CUSTODY in svgs[name], name
    for name, svg in svgs.items():
        # matplotlib's default blue and orange (the old custody blue / orange swap) appear nowhere
        assert "#1f77b4" not in svg and "#ff7f0e" not in svg, name
    # the palette is Okabe and Ito's, and the two group colours are far apart for every viewer:
    # their lightness differs (relative luminance, WCAG 2.x), so greyscale keeps them apart too
    def luminance(hex_colour: str) -> float:
        rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])
    assert {ALTERNATIVE, CUSTODY} <= {v.lower() for v in OKABE_ITO.values()}
    assert abs(luminance(ALTERNATIVE) - luminance(CUSTODY)) > 0.05


def test_at_risk_rows_are_labelled_as_counts_of_people(sample_report):
    svg = (sample_report / "figures" / "survival_curves.svg").read_text(encoding="utf-8")
    assert "Number at risk (people, not weighted)" in svg
    assert svg.count("Custody (adjusted)") == 1  # the curve's legend only, not the row of raw counts


def test_bed_days_bars_fit_and_legend_has_a_bar_for_each_entry(sample_evaluation):
    import matplotlib.pyplot as plt

    bd = sample_evaluation.prison.bed_days
    ax = plot_bed_days(bd)
    tops = [b.get_y() + b.get_height() for b in ax.patches]
    assert max(tops) < ax.get_ylim()[1]  # not clipped at the top
    t = bd.table.dropna(subset=["mean_custody"])
    t = t[t["horizon"] == t["horizon"].max()].set_index("component")
    drawn = [c for c in ("index", "later") if (t.loc[c, ["mean_alternative", "mean_custody"]] > 0).any()]
    assert len(ax.get_legend().get_texts()) == len(drawn)
    plt.close(ax.figure)


def test_tornado_labels_are_words(sample_evaluation):
    import matplotlib.pyplot as plt

    ax = plot_tornado(sample_evaluation.costs.sensitivity, top=10)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels and not any(re.search(r"_|\w\.\w|effect on", x) for x in labels), labels
    plt.close(ax.figure)
