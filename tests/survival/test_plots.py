"""Survival plots: they draw what the result holds and write the numbers at risk under the axis."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from altmeasures_eval.plotting import plot_loglog, plot_schoenfeld, plot_survival  # noqa: E402
from altmeasures_eval.survival import cox_ph, cumulative_incidence, kaplan_meier  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_km_plot_curves_bands_and_at_risk_table(rossi):
    km = kaplan_meier(rossi, "week", "arrest", "fin")
    _, ax = plt.subplots()
    out = plot_survival(km, ax=ax, at_risk_times=[0, 20, 40, 52])
    assert out is ax
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2  # two curves, two bands
    y = ax.get_lines()[0].get_ydata()
    assert y[-1] == pytest.approx(66 / 216)  # cumulative incidence by default
    texts = [t.get_text() for t in ax.texts]
    expected = km.at_risk([0, 20, 40, 52])
    for label in (0, 1):
        assert [f"{int(c):,}" for c in expected.loc[label]] == [t for t in texts if t.replace(",", "").isdigit()][
            4 * label: 4 * label + 4]


def test_survival_scale_and_no_extras(rossi):
    _, ax = plt.subplots()
    plot_survival(kaplan_meier(rossi, "week", "arrest"), ax=ax, cumulative=False, ci=False, at_risk=False)
    assert ax.get_lines()[0].get_ydata()[0] == 1.0 and not ax.collections and not ax.texts


def test_cif_plot_and_default_axes(syn):
    ax = plot_survival(cumulative_incidence(syn, "time", "etype", "group"), cause=2)
    assert ax.get_ylabel() == "Cumulative incidence of cause 2"  # which competing cause is drawn
    assert np.nanmax(ax.get_lines()[1].get_ydata()) < 0.3


def test_loglog_and_schoenfeld(rossi):
    ax = plot_loglog(kaplan_meier(rossi, "week", "arrest", "fin"))
    assert len(ax.get_lines()) == 2
    ph = cox_ph(rossi, "week", "arrest", ["fin", "age", "prio"]).ph_test
    ax = plot_schoenfeld(ph, "age")
    assert len(ax.collections[0].get_offsets()) == 114  # one residual per arrest
    assert "p = " in ax.get_title()


def test_example_png_is_written(rossi, tmp_path):
    fig, ax = plt.subplots(figsize=(7, 5))
    fig.subplots_adjust(bottom=0.3, left=0.2)
    plot_survival(kaplan_meier(rossi, "week", "arrest", "fin"), ax=ax, xlabel="Weeks")
    fig.savefig(tmp_path / "km.png")
    assert (tmp_path / "km.png").stat().st_size > 10_000
