"""Population plots draw what they say (lines, bands, capacity) without error."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from altmeasures_eval.plotting import plot_bed_days, plot_population_paths  # noqa: E402
from altmeasures_eval.population import (  # noqa: E402
    ReadmissionRates,
    bed_days_by_group,
    length_of_stay,
    monthly_admissions,
    observed_population,
    prepare_spells,
    project_population,
)


def test_population_paths_plot(tables_two, tmp_path):
    sp, ca, pe, ex = tables_two
    s = prepare_spells(sp, ca, pe, ex)
    adm = monthly_admissions(s)
    obs = observed_population(s, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    cap = pd.DataFrame({"jurisdiction": ["A", "B"], "month": ["2021-01"] * 2, "capacity": [600, 600]})
    rng = np.random.default_rng(0)
    rates = ReadmissionRates(rng.uniform(0.3, 0.5, 100), rng.uniform(0.2, 0.6, 100), 0.4, 0.4)
    proj = project_population(adm, length_of_stay(s), ex, rates=rates, capacity=cap, observed=obs)
    ax = plot_population_paths(proj)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # the legend names the scenarios in words (plotting.scenario_label), in the report's language
    assert {"No change (baseline)", "10% of custody decisions diverted", "Observed", "Capacity"} <= set(labels)
    assert len(ax.collections) == 3  # one band per scenario
    all_obs = proj.paths.query("jurisdiction == 'all' and scenario == 'baseline' and not projected")
    assert len(all_obs) == 48  # 48 observed months; the extract date 2024-12-31 closes the last
    np.testing.assert_allclose(all_obs["observed"].to_numpy(),
                               obs.groupby("month")["population"].sum().reindex(all_obs["month"]).to_numpy())
    ax.figure.savefig(tmp_path / "paths.png")


def test_bed_days_plot():
    beds = pd.DataFrame({"bed_days_index_365": [10.0, 0, 90, 200],
                         "bed_days_later_365": [5.0, 0, 0, 30],
                         "bed_days_total_365": [15.0, 0, 90, 230]})
    ax = plot_bed_days(bed_days_by_group(beds, np.array([1, 1, 0, 0])))
    assert len(ax.patches) == 4  # 2 groups x 2 components
    # stacked heights per group, by hand: alternative (15 + 0) / 2 = 7.5, custody (90 + 230) / 2 = 160,
    # so 152.5 bed-days averted per person
    heights = {}
    for patch in ax.patches:
        x = round(patch.get_x() + patch.get_width() / 2)
        heights[x] = heights.get(x, 0.0) + patch.get_height()
    np.testing.assert_allclose([heights[0], heights[1]], [7.5, 160.0])
    assert heights[1] - heights[0] == 152.5
    assert {t.get_text() for t in ax.texts} == {"8", "160"}  # totals written on the bars, rounded
