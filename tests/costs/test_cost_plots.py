"""Cost plots: waterfall within its axis, Monte Carlo, tornado in words, break-even chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from altmeasures_eval.costs import (  # noqa: E402
    break_even,
    compare_costs,
    cost_quantities,
    default_unit_costs,
    monte_carlo,
    one_way_sensitivity,
)
from altmeasures_eval.plotting import (  # noqa: E402
    GROUP_COLOURS,
    plot_break_even,
    plot_cost_waterfall,
    plot_monte_carlo,
    plot_tornado,
)


def _comparison():
    cohort = pd.DataFrame({"treatment": [1, 1, 0, 0], "disposition": ["probation", "fine", "custody", "custody"],
                           "measure_days": [100.0, 0.0, np.nan, np.nan], "reoffences_365": [1.0, 0, 2, 0],
                           "severity_first": ["violent", np.nan, "other", np.nan]})
    beds = pd.DataFrame({"bed_days_index_365": [10.0, 0, 90, 200], "bed_days_later_365": [0.0, 0, 30, 0]})
    q = cost_quantities(cohort, beds, horizons=(365,))
    t = default_unit_costs()
    return q, t, compare_costs(q, t)


def test_cost_plots(tmp_path):
    from matplotlib.colors import to_hex

    q, t, res = _comparison()
    ax = plot_cost_waterfall(res)
    bars = ax.patches
    assert len(bars) == len(ax.get_xticks())
    # every bar within the axis (the custody bar ran off the top before)
    tops = [max(b.get_y(), b.get_y() + b.get_height()) for b in bars]
    assert max(tops) < ax.get_ylim()[1] and min(b.get_y() for b in bars) >= ax.get_ylim()[0]
    # the first and last bars in the groups' colours
    assert to_hex(bars[0].get_facecolor()).upper() == GROUP_COLOURS["custody"].upper()
    assert to_hex(bars[-1].get_facecolor()).upper() == GROUP_COLOURS["alternative"].upper()
    assert "2024 prices" in ax.get_ylabel() and "3.5%" in ax.get_ylabel()
    mc = monte_carlo(res, t, n_draws=10_000, random_state=0)
    ax2 = plot_monte_carlo(mc, price_year=2024, discount_rate=0.035)
    assert "10,000 draws" in ax2.get_title(loc="left")
    sens = one_way_sensitivity(res, t, quantities=q)
    ax3 = plot_tornado(sens)
    labels = [x.get_text() for x in ax3.get_yticklabels()]
    assert len(labels) == len(sens.table)
    assert not any("_" in x for x in labels), labels  # no raw item names
    assert "Unit cost: Day in custody" in labels
    ax4 = plot_break_even(break_even(res), basis="USD, 2024 prices, not discounted")
    assert len(ax4.patches) == 1  # one period
    for a, name in ((ax, "waterfall"), (ax2, "mc"), (ax3, "tornado"), (ax4, "break_even")):
        a.figure.tight_layout()
        a.figure.savefig(tmp_path / f"{name}.png")
