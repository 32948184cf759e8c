"""Figures publish no count the disclosure policy would hide (issue #13 follow-up).

The propensity-overlap histogram, the at-risk table under the survival curves and the observed
prison population are read back from the plotting functions' Axes and from the report's SVG text,
and every count they reveal is checked against the policy (threshold 10, rounding base 5).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from altmeasures_eval.evaluation import DisclosureSettings  # noqa: E402
from altmeasures_eval.plotting import plot_overlap, plot_survival  # noqa: E402
from altmeasures_eval.plotting._balance import _pool_bins  # noqa: E402
from altmeasures_eval.privacy import DisclosurePolicy  # noqa: E402
from altmeasures_eval.report._figures import _published_observed, render_figures  # noqa: E402
from altmeasures_eval.survival import kaplan_meier  # noqa: E402


def _scores(seed: int = 3) -> SimpleNamespace:
    """A propensity score with thin tails: many bins of 1-9 people at both ends."""
    rng = np.random.default_rng(seed)
    t = np.r_[np.ones(300, int), np.zeros(120, int)]
    s = np.r_[rng.beta(5, 2, 300), rng.beta(2, 5, 120)]
    score = pd.Series(s, name="score")
    return SimpleNamespace(score=score, linear=np.log(score / (1 - score)), treatment=pd.Series(t))


def _axes():
    return Figure().subplots()


def _revealed_counts(ax, n_treated: int, n_control: int, base: int | None) -> list[float]:
    """What an attacker reads from each bar: density x width x the group's published size."""
    out = []
    for bar in ax.patches:
        h, w = bar.get_height(), bar.get_width()
        n = n_treated if h > 0 else n_control
        n = DisclosurePolicy(rounding_base=base or 0).round(n) if base else n
        out.append(abs(h) * w * n)
    return out


def test_pool_bins_runs_hold_zero_or_threshold():
    counts = np.array([0, 3, 0, 4, 5, 0, 0, 12, 1, 0, 2])
    runs = _pool_bins(counts, 10)
    assert runs[0] == (0, 1) and runs[-1][1] == len(counts)
    covered = [i for a, b in runs for i in range(a, b)]
    assert covered == list(range(len(counts)))  # every bin once, in order
    for a, b in runs:
        assert counts[a:b].sum() == 0 or counts[a:b].sum() >= 10
    assert _pool_bins(np.array([0, 4, 0, 3]), 10) == []  # a group of 7: nothing to draw


def test_overlap_unprotected_shows_small_bins_protected_does_not():
    ps = _scores()
    raw = plot_overlap(ps, ax=_axes(), bins=25)
    # without the policy, share x group size gives exact small counts (what the issue found)
    raw_counts = [abs(p.get_height()) * (300 if p.get_height() > 0 else 120) for p in raw.patches]
    assert any(0.5 < c < 9.5 for c in raw_counts)
    ax = plot_overlap(ps, ax=_axes(), bins=25, policy=DisclosurePolicy(threshold=10))
    revealed = _revealed_counts(ax, 300, 120, None)
    assert revealed and all(c > 9.5 for c in revealed)  # zero-height bins are not drawn at all
    heights = np.array([p.get_height() for p in ax.patches])
    widths = np.array([p.get_width() for p in ax.patches])
    assert np.isclose((heights * widths)[heights > 0].sum(), 1) and np.isclose((heights * widths)[heights < 0].sum(), -1)
    assert ax.get_ylabel().startswith("Density")


def test_overlap_with_rounding_reveals_only_rounded_counts():
    ps = _scores(7)
    policy = DisclosurePolicy(threshold=10, rounding_base=5)
    ax = plot_overlap(ps, ax=_axes(), bins=25, policy=policy)
    n_t, n_c = 300, 120  # already multiples of 5: the published sizes equal the true ones
    edges = np.histogram_bin_edges(ps.score, bins=25)
    for bar in ax.patches:
        h, w, x = bar.get_height(), bar.get_width(), bar.get_x()
        group = ps.score[ps.treatment == (1 if h > 0 else 0)].to_numpy()
        # the people in the pooled bar: the histogram's own bin assignment over the pooled edges
        lo, hi = np.searchsorted(edges, [x, x + w], side="left")
        lo, hi = (lo if np.isclose(edges[lo], x) else lo - 1), (hi if np.isclose(edges[min(hi, 25)], x + w) else hi)
        per_bin, _ = np.histogram(group, edges)
        true = int(per_bin[lo:hi].sum())
        assert true >= 10
        # area x the group's published size is the bar's published (rounded) count
        assert np.isclose(abs(h) * w * (n_t if h > 0 else n_c), policy.round(true), atol=1e-6)


def test_overlap_group_below_threshold_is_not_drawn():
    ps = _scores()
    keep = np.r_[np.arange(300), np.arange(300, 306)]  # 6 custody cases
    small = SimpleNamespace(score=ps.score.iloc[keep].reset_index(drop=True),
                            linear=ps.linear.iloc[keep].reset_index(drop=True),
                            treatment=ps.treatment.iloc[keep].reset_index(drop=True))
    ax = plot_overlap(small, ax=_axes(), bins=25, policy=DisclosurePolicy(threshold=10))
    assert ax.patches and all(p.get_height() > 0 for p in ax.patches)


def _km():
    rng = np.random.default_rng(11)
    n = 60
    data = pd.DataFrame({"time": rng.exponential(300, n).clip(1, 730).round(),
                         "event": rng.integers(0, 2, n), "group": np.r_[np.ones(47, int), np.zeros(13, int)]})
    return kaplan_meier(data, "time", "event", "group", times=[365])


def _at_risk_texts(ax) -> list[str]:
    # the row heading ("Number at risk (people, not weighted)") and group labels are not counts
    return [t.get_text() for t in ax.texts
            if not t.get_text().startswith(("At risk", "Number at risk")) and not t.get_text().startswith("g")]


def test_at_risk_table_through_policy():
    km = _km()
    times = [0, 200, 400, 600]
    raw = plot_survival(km, ax=_axes(), at_risk_times=times, labels={1: "alt", 0: "cus"})
    raw_numbers = [int(s.replace(",", "")) for s in _at_risk_texts(raw) if s not in {"alt", "cus"}]
    assert any(0 < v < 10 for v in raw_numbers)  # the data have small numbers at risk
    policy = DisclosurePolicy(threshold=10, rounding_base=5)
    ax = plot_survival(km, ax=_axes(), at_risk_times=times, labels={1: "alt", 0: "cus"}, policy=policy)
    shown = [s for s in _at_risk_texts(ax) if s not in {"alt", "cus"}]
    assert len(shown) == len(raw_numbers)
    for raw_value, s in zip(raw_numbers, shown):
        if 0 < raw_value < 10:
            assert s == policy.marker
        else:
            assert int(s.replace(",", "")) == policy.round(raw_value) and int(s.replace(",", "")) % 5 == 0


def test_observed_population_through_policy():
    months = pd.period_range("2020-01", periods=4, freq="M")
    paths = pd.DataFrame({"jurisdiction": "all", "month": months, "scenario": "baseline",
                          "population": [3.2, 12.1, 40.7, 41.0], "low": 0.0, "high": 0.0,
                          "observed": [3.0, 12.0, 43.0, np.nan], "capacity": np.nan, "projected": [False] * 3 + [True]})
    projection = SimpleNamespace(paths=paths)

    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class _P:
        paths: pd.DataFrame

    out = _published_observed(_P(paths), DisclosurePolicy(threshold=10, rounding_base=5))
    got = out.paths["observed"].to_numpy()
    assert np.isnan(got[0]) and got[1] == 10 and got[2] == 45 and np.isnan(got[3])
    assert projection.paths["observed"].iloc[0] == 3.0  # the input is not changed


# what render_figures reads besides the results: the source line of every figure (#15)
_REPORTED = {"extract_date": pd.Timestamp("2024-12-31"), "country": "XSY", "headline_horizon": None}


def _spec(horizons, base):
    return SimpleNamespace(disclosure=DisclosureSettings(threshold=10, rounding_base=base),
                           cohort=SimpleNamespace(horizons=horizons),
                           report=SimpleNamespace(organisation="", country_name="Testland"))


def test_report_figures_svg_hold_no_small_or_unrounded_count():
    """render_figures (the report's figures) with rounding_base = 5: read back from the SVG text."""
    km = _km()
    ps = _scores()
    spec = _spec((200, 400, 600), 5)
    ev = SimpleNamespace(spec=spec, balance=None, propensity=ps, survival_curves=km, competing=None,
                         prison=None, costs=None, **_REPORTED)
    figs = render_figures(ev)
    svg = figs["survival_curves"].svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "[c]" in texts
    # the at-risk row of each group follows its row label (people, not adjusted: "Custody"); the
    # tick labels are above it and the legend ("Custody (adjusted)") after it
    start = texts.index("Number at risk (people, not weighted)")
    rows = 0
    for label in ("Alternative", "Custody"):
        i = texts.index(label, start)
        row = texts[i + 1:i + 5]
        rows += 1
        assert len(row) == 4, row
        assert all(v == "[c]" or (int(v.replace(",", "")) % 5 == 0 and int(v.replace(",", "")) >= 10) for v in row), row
    assert rows == 2
    assert "at least 10 people" in figs["propensity_overlap"].caption


@pytest.mark.parametrize("base", [0, 5])
def test_report_overlap_bars_hold_the_threshold(base):
    ps = _scores(5)
    spec = _spec((365,), base)
    ev = SimpleNamespace(spec=spec, balance=None, propensity=ps, survival_curves=None, competing=None,
                         prison=None, costs=None, **_REPORTED)
    # the drawing the report renders, on an Axes we can read
    import altmeasures_eval.report._figures as F

    captured = {}
    real = F._render

    def spy(draw, size):
        ax = _axes()
        draw(ax)
        captured["ax"] = ax
        return real(draw, size)

    F._render = spy
    try:
        render_figures(ev)
    finally:
        F._render = real
    revealed = _revealed_counts(captured["ax"], 300, 120, base or None)
    assert revealed and all(c > 9.5 for c in revealed)
    if base:
        assert all(abs(c - 5 * round(c / 5)) < 1e-6 for c in revealed)
