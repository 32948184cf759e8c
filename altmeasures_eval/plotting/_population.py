"""Plots for the population layer: projected population paths, bed-days by group."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from altmeasures_eval._i18n import _, fmt_int
from altmeasures_eval.plotting._palette import GROUP_COLOURS, NEUTRAL, SEQUENCE
from altmeasures_eval.plotting._ticks import locale_ticks

__all__ = ["plot_bed_days", "plot_population_paths", "scenario_label"]


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
    for k, name in enumerate(names):
        s = p[p["scenario"] == name]
        x = s["month"].dt.to_timestamp().to_numpy()
        label = _("No change (baseline)") if name == "baseline" else scenario_label(name)
        line, = ax.plot(x, s["population"], lw=2 if name == "baseline" else 1.5, label=label,
                        color=SEQUENCE[k % len(SEQUENCE)], **kw)
        if not np.allclose(s["low"], s["high"]):
            ax.fill_between(x, s["low"], s["high"], color=line.get_color(), alpha=0.2, lw=0)
    base = p[p["scenario"] == names[0]]
    x = base["month"].dt.to_timestamp().to_numpy()
    if base["observed"].notna().any():
        ax.plot(x, base["observed"], ".", color=NEUTRAL, ms=3, label=_("Observed"))
    if base["capacity"].notna().any():
        ax.plot(x, base["capacity"], "--", color="k", lw=1, label=_("Capacity"))
    first = base.loc[base["projected"], "month"]
    if len(first):
        ax.axvline(first.iloc[0].to_timestamp(), color=NEUTRAL, lw=0.8, ls=":")
    ax.set_ylabel(_("People in custody at the end of the month"))
    ax.legend(frameon=False, fontsize="small")
    locale_ticks(ax, y="int")
    return ax


def scenario_label(name: str) -> str:
    """``divert_25`` -> "25% of custody decisions diverted" (in the active language)."""
    from altmeasures_eval._i18n import fmt_pct

    share = name.rsplit("_", 1)[-1]
    if share.isdigit():
        return _("{share} of custody decisions diverted").format(share=fmt_pct(int(share) / 100, 0))
    return name.replace("_", " ")


def plot_bed_days(result: Any, ax: Axes | None = None, horizon: int | None = None, **kw: Any) -> Axes:
    """Mean bed-days per person by group and component (:class:`~altmeasures_eval.population.BedDays`).

    Stacked bars (custody for the index offence, plain; later custody, hatched) in each group's
    colour at one horizon (default: the longest with data), the total written on each bar, with
    room above the tallest; the legend lists only parts that some group has.
    """
    ax = ax or plt.subplots(figsize=(5, 4))[1]
    t = result.table.dropna(subset=["mean_custody"])
    h = horizon or int(t["horizon"].max())
    t = t[t["horizon"] == h].set_index("component")
    groups = ["alternative", "custody"]
    x = np.arange(len(groups))
    bottom = np.zeros(2)
    hatches = {"index": "", "later": "///"}
    names = {"index": _("Custody for the index offence"), "later": _("Later custody")}
    for comp in ("index", "later"):
        vals = np.array([t.loc[comp, f"mean_{g}"] for g in groups], dtype=float)
        ax.bar(x, vals, bottom=bottom, color=[GROUP_COLOURS[g] for g in groups], hatch=hatches[comp],
               edgecolor="white", linewidth=0.8, **kw)
        bottom += vals
    # the legend names the two parts by their pattern; a part that no group has is left out of it
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=NEUTRAL, hatch=hatches[c], edgecolor="white", label=names[c])
               for c in ("index", "later") if (t.loc[c, ["mean_alternative", "mean_custody"]].astype(float) > 0).any()]
    ax.set_xticks(x, [_("Alternative"), _("Custody")])
    top = float(bottom.max())
    ax.set_ylim(0, 1.15 * top if top > 0 else 1)
    for xi, v in zip(x, bottom):
        ax.text(xi, v, fmt_int(round(v)), ha="center", va="bottom", fontsize="small")
    ax.set_ylabel(_("Days in custody per person within {days} days").format(days=fmt_int(h)))
    ax.legend(handles=handles, frameon=False, fontsize="small", loc="upper left")
    locale_ticks(ax, y="int")
    return ax
