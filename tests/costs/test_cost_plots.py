"""Cost plots: waterfall, Monte Carlo histogram and tornado draw without error."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from altmeasures_eval.costs import (  # noqa: E402
    compare_costs,
    cost_quantities,
    default_unit_costs,
    monte_carlo,
    one_way_sensitivity,
)
from altmeasures_eval.plotting import plot_cost_waterfall, plot_monte_carlo, plot_tornado  # noqa: E402


def _comparison():
    cohort = pd.DataFrame({"treatment": [1, 1, 0, 0], "disposition": ["probation", "fine", "custody", "custody"],
                           "measure_days": [100.0, 0.0, np.nan, np.nan], "reoffences_365": [1.0, 0, 2, 0],
                           "severity_first": ["violent", np.nan, "other", np.nan]})
    beds = pd.DataFrame({"bed_days_index_365": [10.0, 0, 90, 200], "bed_days_later_365": [0.0, 0, 30, 0]})
    q = cost_quantities(cohort, beds, horizons=(365,))
    t = default_unit_costs()
    return q, t, compare_costs(q, t)


def test_cost_plots(tmp_path):
    q, t, res = _comparison()
    ax = plot_cost_waterfall(res)
    assert len(ax.patches) == len(ax.get_xticks())
    assert "dominant" in ax.get_title()
    mc = monte_carlo(res, t, n_draws=10_000, random_state=0)
    ax2 = plot_monte_carlo(mc)
    assert "10,000 draws" in ax2.get_title()
    sens = one_way_sensitivity(res, t, quantities=q)
    ax3 = plot_tornado(sens)
    assert len(ax3.get_yticks()) == len(sens.table)
    for a, name in ((ax, "waterfall"), (ax2, "mc"), (ax3, "tornado")):
        a.figure.tight_layout()
        a.figure.savefig(tmp_path / f"{name}.png")
