"""Plots for the reform designs: event study, counterfactual path, placebo gaps."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from altmeasures_eval.plotting._palette import OKABE_ITO

__all__ = ["plot_counterfactual", "plot_event_study", "plot_placebos"]

# from the one palette; the group colours (alternative, custody) are kept for the two groups
_AFTER = OKABE_ITO["sky_blue"]
_WITHOUT = OKABE_ITO["orange"]
_REFORM = OKABE_ITO["reddish_purple"]


def _month_axis(ax: Axes, periods: np.ndarray) -> np.ndarray:
    """Periods as decimal years on the x axis when they are months (``12 * year + month - 1``)."""
    periods = np.asarray(periods, dtype=float)
    if periods.min() > 5000:
        return periods / 12.0
    return periods


def plot_event_study(result: Any, ax: Axes | None = None, *, unit: str = "months", **kw: Any) -> Axes:
    """Event-study estimates of a :class:`~altmeasures_eval.reform.StaggeredDiD`: pointwise 95 %
    intervals and the uniform bootstrap band, pre-period in grey, with the overall effect."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    es = result.event_study
    e = es["event_time"].to_numpy()
    pre = e < 0
    if np.isfinite(es["band_low"]).any():
        ax.fill_between(e, es["band_low"], es["band_high"], color=_AFTER, alpha=0.15, step="mid",
                        label="uniform 95% band")
    for mask, color, label in ((pre, "0.45", "before adoption"), (~pre, _AFTER, "after adoption")):
        ax.errorbar(e[mask], es["estimate"][mask], yerr=[es["estimate"][mask] - es["ci_low"][mask],
                    es["ci_high"][mask] - es["estimate"][mask]], fmt="o", ms=3, color=color, lw=0.8,
                    label=label, **kw)
    ax.axhline(0, color="k", lw=0.8)
    ax.axvline(-0.5, color=_REFORM, lw=0.8, ls="--")
    o = result.overall
    ax.axhline(o["estimate"], color=_WITHOUT, lw=1.2, ls=":", label=f"overall effect {o['estimate']:.3g}")
    ax.set_xlabel(f"{unit} since adoption")
    ax.set_ylabel("effect (adopting minus comparison)")
    ax.legend(fontsize="small", frameon=False, loc="best")
    return ax


def plot_counterfactual(result: Any, ax: Axes | None = None, *, label: str = "observed", **kw: Any) -> Axes:
    """Observed series against its counterfactual: an :class:`~altmeasures_eval.reform.InterruptedTimeSeries`
    (projected pre-reform trend with its 95 % interval) or a
    :class:`~altmeasures_eval.reform.SyntheticControl` (the synthetic control's path)."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    s = result.series
    x = _month_axis(ax, s["period"].to_numpy())
    post = s["post"].to_numpy(dtype=bool)
    if "counterfactual" in s:
        ax.plot(x, s["observed"], color="0.25", lw=1, label=label, **kw)
        ax.plot(x, s["fitted"], color=_AFTER, lw=1.2, label="fitted (segmented regression)")
        ax.plot(x[post], s["counterfactual"][post], color=_WITHOUT, lw=1.5, ls="--", label="projected without the reform")
        ax.fill_between(x[post], s["cf_low"][post], s["cf_high"][post], color=_WITHOUT, alpha=0.2)
    else:
        ax.plot(x, s["treated"], color="0.15", lw=1.2, label=result.treated, **kw)
        ax.plot(x, s["synthetic"], color=_WITHOUT, lw=1.5, ls="--", label="synthetic control")
    ax.axvline(x[post][0], color=_REFORM, lw=0.8, ls="--")
    ax.set_xlabel("year" if s["period"].min() > 5000 else "period")
    ax.legend(fontsize="small", frameon=False, loc="best")
    return ax


def plot_placebos(result: Any, ax: Axes | None = None, *, max_ratio: float | None = 5.0, **kw: Any) -> Axes:
    """Gap (treated minus synthetic) of the treated jurisdiction against every placebo of a
    :class:`~altmeasures_eval.reform.SyntheticControl`; placebos whose pre-reform fit is more than
    ``max_ratio`` times worse than the treated unit's are left out (Abadie et al., 2010)."""
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    gaps = result.placebo_gaps
    x = _month_axis(ax, np.asarray(gaps.columns))
    pl = result.placebos.set_index("unit")
    keep = pl.index[1:]
    if max_ratio is not None:
        keep = [u for u in keep if pl.loc[u, "pre_rmspe"] <= max_ratio * pl["pre_rmspe"].iloc[0]]
    for u in keep:
        ax.plot(x, gaps.loc[u], color="0.7", lw=0.6)
    ax.plot(x, gaps.loc[result.treated], color=_REFORM, lw=1.6, label=f"{result.treated}", **kw)
    ax.plot([], [], color="0.7", lw=0.6, label=f"placebos ({len(keep)} donors)")
    ax.axhline(0, color="k", lw=0.8)
    post = result.series["post"].to_numpy(dtype=bool)
    ax.axvline(x[post][0], color=_REFORM, lw=0.8, ls="--")
    ax.set_ylabel("gap (jurisdiction minus synthetic)")
    ax.set_title(f"placebo p-value (post/pre RMSPE ratio rank) {result.effect['placebo_p_value']:.2f}", fontsize="medium")
    ax.legend(fontsize="small", frameon=False, loc="best")
    return ax
