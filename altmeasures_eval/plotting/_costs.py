"""Plots for the costs layer: cost waterfall, Monte Carlo histogram, tornado."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_cost_waterfall", "plot_monte_carlo", "plot_tornado"]


def plot_cost_waterfall(comparison: Any, ax: Axes | None = None, **kw: Any) -> Axes:
    """Waterfall from the custody group's cost per person to the alternative's.

    Steps: the difference of each perspective and component (alternative minus custody); green
    steps are savings. Uses :class:`~altmeasures_eval.costs.CostComparison`.
    """
    ax = ax or plt.subplots(figsize=(8, 4.5))[1]
    t = comparison.table
    t = t[(t["perspective"] != "all") & (t["component"] != "total")]
    tot = comparison.table.set_index(["perspective", "component"]).loc[("all", "total")]
    labels = ["custody"] + [f"{p}\n{c}" for p, c in zip(t["perspective"], t["component"])] + ["alternative"]
    level = tot["mean_custody"]
    ax.bar(0, level, color="0.6", **kw)
    for i, d in enumerate(t["difference"], start=1):
        ax.bar(i, d, bottom=level, color="tab:green" if d < 0 else "tab:red", **kw)
        level += d
    ax.bar(len(labels) - 1, tot["mean_alternative"], color="0.3", **kw)
    ax.set_xticks(range(len(labels)), labels, fontsize="small")
    ax.set_ylabel(f"cost per person ({comparison.currency} {comparison.price_year}, PV)")
    verdict = comparison.verdict
    if verdict == "ratio":
        verdict = f"benefit-cost ratio {comparison.ratio:.2f}"
    ax.set_title(f"Net present value per person {comparison.npv:,.0f}: {verdict}", fontsize="medium")
    return ax


def plot_monte_carlo(result: Any, ax: Axes | None = None, bins: int = 60, **kw: Any) -> Axes:
    """Histogram of the Monte Carlo net present value per person, with 0 and the chance NPV > 0."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    npv = result.npv
    ax.hist(npv, bins=bins, color="tab:blue", alpha=0.8, **kw)
    ax.axvline(0, color="k", lw=1)
    ax.axvline(float(np.mean(npv)), color="tab:orange", lw=1.5, ls="--", label="mean")
    ax.set_xlabel(f"net present value per person ({result.currency})")
    ax.set_ylabel("draws")
    ax.set_title(f"{result.n_draws:,} draws: chance benefits exceed costs "
                 f"{result.chance_positive:.0%}", fontsize="medium")
    ax.legend(frameon=False)
    return ax


def plot_tornado(result: Any, ax: Axes | None = None, top: int = 12, **kw: Any) -> Axes:
    """Tornado plot of a :class:`~altmeasures_eval.costs.Sensitivity`: NPV at each input's low and
    high value around the base NPV, the widest swing on top."""
    t = result.table.head(top).iloc[::-1]
    ax = ax or plt.subplots(figsize=(7, 0.4 * len(t) + 1.5))[1]
    y = np.arange(len(t))
    base = result.base_npv
    ax.barh(y, t["npv_low"] - base, left=base, color="tab:blue", label="input low", **kw)
    ax.barh(y, t["npv_high"] - base, left=base, color="tab:orange", label="input high", **kw)
    ax.axvline(base, color="k", lw=1)
    ax.set_yticks(y, t["input"], fontsize="small")
    ax.set_xlabel(f"net present value per person ({result.currency})")
    ax.set_title("One-way sensitivity", fontsize="medium")
    ax.legend(frameon=False, fontsize="small")
    return ax
