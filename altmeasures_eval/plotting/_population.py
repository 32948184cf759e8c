"""Plots for the population layer: projected population paths, bed-days by group."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["plot_population_paths", "plot_bed_days"]


def plot_population_paths(
    projection: Any,
    ax: Axes | None = None,
    jurisdiction: str | None = None,
    scenarios: list[str] | None = None,
    **kw: Any,
) -> Axes:
    """Population paths of a :class:`~altmeasures_eval.population.Projection`.

    Baseline and each scenario as lines, the scenarios' bands over the effect draws shaded, the
    observed population as points, capacity as a dashed line, and the start of the projection
    marked.

    Parameters
    ----------
    projection : Projection
    ax : matplotlib Axes, optional
    jurisdiction : str, optional
        Default: ``"all"`` when present, else the first jurisdiction.
    scenarios : list of str, optional
        Default: all.
    **kw
        Passed to the scenario lines.
    """
    ax = ax or plt.subplots(figsize=(8, 4.5))[1]
    p = projection.paths
    juris = jurisdiction or ("all" if (p["jurisdiction"] == "all").any() else p["jurisdiction"].iloc[0])
    p = p[p["jurisdiction"] == juris]
    names = scenarios or list(dict.fromkeys(p["scenario"]))
    for name in names:
        s = p[p["scenario"] == name]
        x = s["month"].dt.to_timestamp().to_numpy()
        line, = ax.plot(x, s["population"], lw=2 if name == "baseline" else 1.5,
                        label=name.replace("_", " ") + ("%" if name != "baseline" else ""), **kw)
        if not np.allclose(s["low"], s["high"]):
            ax.fill_between(x, s["low"], s["high"], color=line.get_color(), alpha=0.2, lw=0)
    base = p[p["scenario"] == names[0]]
    x = base["month"].dt.to_timestamp().to_numpy()
    if base["observed"].notna().any():
        ax.plot(x, base["observed"], ".", color="0.3", ms=3, label="observed")
    if base["capacity"].notna().any():
        ax.plot(x, base["capacity"], "--", color="firebrick", lw=1, label="capacity")
    first = base.loc[base["projected"], "month"]
    if len(first):
        ax.axvline(first.iloc[0].to_timestamp(), color="0.5", lw=0.8, ls=":")
    ax.set_title(f"Prison population, {juris}")
    ax.set_ylabel("people in custody (end of month)")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_bed_days(result: Any, ax: Axes | None = None, horizon: int | None = None, **kw: Any) -> Axes:
    """Mean bed-days per person by group and component (:class:`~altmeasures_eval.population.BedDays`).

    Stacked bars (index sanction, later custody) for the alternative and custody groups at one
    horizon (default: the longest with data), with the bed-days averted in the title.
    """
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    t = result.table.dropna(subset=["mean_custody"])
    h = horizon or int(t["horizon"].max())
    t = t[t["horizon"] == h].set_index("component")
    groups = ["alternative", "custody"]
    bottom = np.zeros(2)
    for comp, color in (("index", "tab:blue"), ("later", "tab:orange")):
        vals = np.array([t.loc[comp, f"mean_{g}"] for g in groups])
        ax.bar(groups, vals, bottom=bottom, label=f"{comp} custody", color=color, **kw)
        bottom += vals
    averted = t.loc["total", "averted"]
    ci = ""
    if "ci_low" in t:
        ci = f" (CI {-t.loc['total', 'ci_high']:,.0f} to {-t.loc['total', 'ci_low']:,.0f})"
    ax.set_title(f"Bed-days per person over {h} days ({result.estimand})\n"
                 f"averted per person diverted: {averted:,.1f}{ci}", fontsize="medium")
    ax.set_ylabel("bed-days per person")
    ax.legend(frameon=False, fontsize="small")
    return ax
