"""Balance plots draw what they say (smoke tests on the Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from altmeasures_eval.matching import balance_table, estimate_propensity, match_nearest  # noqa: E402
from altmeasures_eval.plotting import plot_love, plot_overlap  # noqa: E402

REF = Path(__file__).parent / "reference"


def test_love_and_overlap_plots():
    data = pd.read_csv(REF / "lalonde.csv")
    covs = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    ps = estimate_propensity(data, "treat", covs)
    m = match_nearest(data, "treat", ps, replace=False, caliper=0.2)
    bal = balance_table(data, "treat", covs, m, distance=ps)
    ax = plot_love(bal)
    assert len(ax.get_yticklabels()) == len(bal.table)
    xs = np.sort(ax.collections[1].get_offsets()[:, 0])
    np.testing.assert_allclose(xs, np.sort(bal.table["smd_after"].abs().to_numpy()))
    ax2 = plot_overlap(ps, scale="logit")
    heights = [p.get_height() for p in ax2.patches]
    assert np.isclose(sum(h for h in heights if h > 0), 1.0) and np.isclose(sum(h for h in heights if h < 0), -1.0)
    ax3 = plot_overlap(m, weights="design")
    assert ax3.get_xlabel() == "propensity_logit"
    import matplotlib.pyplot as plt

    plt.close("all")
