"""Plots for the costs layer: cost waterfall, Monte Carlo histogram, tornado and break-even chart.

Colours come from :mod:`altmeasures_eval.plotting._palette` (custody and alternative in their group
colours, savings and extra costs in two further colour-blind-safe colours); every axis that carries
money says its currency, price year and discounting (:func:`altmeasures_eval.costs.money_basis`).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from altmeasures_eval._i18n import N_, _
from altmeasures_eval.plotting._palette import COST, GROUP_COLOURS, NEUTRAL, OKABE_ITO, SAVING
from altmeasures_eval.plotting._ticks import locale_ticks

__all__ = ["SOURCE_LABELS", "plot_break_even", "plot_cost_waterfall", "plot_monte_carlo", "plot_tornado",
           "sensitivity_label", "tornado_height"]

#: Names of the parts of the cost difference (:func:`altmeasures_eval.costs.perspective_account` sources).
SOURCE_LABELS: dict[str, str] = {
    "index_custody": N_("Custody for the index offence"),
    "alternative_measure": N_("Alternative measure"),
    "drug_treatment": N_("Drug treatment"),
    "later_custody": N_("Later custody"),
    "reoffence_processing": N_("Justice costs of reoffences"),
    "victims": N_("Costs to victims"),
    "deadweight_programme": N_("Deadweight cost of taxation (programme)"),
}


def _basis(obj: Any, discounted: bool = True) -> str:
    from altmeasures_eval.costs import money_basis

    return money_basis(obj.currency, obj.price_year, obj.discount_rate if discounted else None)


def plot_cost_waterfall(comparison: Any, ax: Axes | None = None, **kw: Any) -> Axes:
    """Waterfall from the custody group's cost per person to the alternative's.

    The first bar is the custody group's present-value cost per person, each step the difference
    (alternative minus custody) of one part of it (custody for the index offence, the alternative
    measure, drug treatment, later custody, justice costs of reoffences, costs to victims), savings
    in green and extra costs in purple, and the last bar the alternative group's cost. The axis runs
    from 0 to above the highest level reached. Uses :class:`~altmeasures_eval.costs.CostComparison`.
    """
    from altmeasures_eval.costs import perspective_account

    ax = ax or plt.subplots(figsize=(8, 4.5))[1]
    acc = perspective_account(comparison)
    steps = [(s, -v) for s, v in zip(acc.programme["source"], acc.programme["net_programme_cost"])]
    steps += [(s, -float(r["total"])) for _i, r in acc.table.iterrows() for s in [r["source"]]]
    tot = comparison.table.set_index(["perspective", "component"]).loc[("all", "total")]
    level = float(tot["mean_custody"])
    labels = [_("Custody group")]
    ax.bar(0, level, color=GROUP_COLOURS["custody"], **kw)
    top = level
    for i, (source, d) in enumerate(steps, start=1):
        ax.bar(i, d, bottom=level, color=SAVING if d < 0 else COST, **kw)
        level += d
        top = max(top, level)
        labels.append(_(SOURCE_LABELS[source]))
    ax.bar(len(steps) + 1, float(tot["mean_alternative"]), color=GROUP_COLOURS["alternative"], **kw)
    labels.append(_("Alternative group"))
    import textwrap

    ax.set_xticks(range(len(labels)), [textwrap.fill(t, 12, break_long_words=False) for t in labels], fontsize=7)
    ax.set_ylim(0, 1.08 * max(top, float(tot["mean_alternative"]), 1e-9))
    ax.set_ylabel(_("Cost per person") + "\n(" + _basis(comparison) + ")", fontsize="small")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=SAVING, label=_("Saving")), Patch(color=COST, label=_("Extra cost"))],
              frameon=False, fontsize="small", loc="upper right")
    locale_ticks(ax, y="int")
    return ax


def plot_monte_carlo(result: Any, ax: Axes | None = None, bins: int = 60, *, price_year: int | None = None,
                     discount_rate: float | None = None, **kw: Any) -> Axes:
    """Histogram of the Monte Carlo net benefit per person, with 0 and the mean marked."""
    from altmeasures_eval._i18n import fmt_int, fmt_pct
    from altmeasures_eval.costs import money_basis

    ax = ax or plt.subplots(figsize=(7, 4))[1]
    npv = result.npv
    ax.hist(npv, bins=bins, color=OKABE_ITO["sky_blue"], **kw)
    ax.axvline(0, color="k", lw=1)
    ax.axvline(float(np.mean(npv)), color=NEUTRAL, lw=1.5, ls="--", label=_("Mean"))
    basis = (money_basis(result.currency, price_year, discount_rate) if price_year is not None
             else result.currency)
    ax.set_xlabel(_("Net benefit per person") + " (" + basis + ")")
    ax.set_ylabel(_("Number of draws"))
    ax.set_title(_("{n} draws; benefits exceed costs in {share} of them").format(
        n=fmt_int(result.n_draws), share=fmt_pct(result.chance_positive, 0)), loc="left", fontsize="small")
    ax.set_ylim(0, 1.15 * ax.get_ylim()[1])  # room for the legend above the bars
    ax.legend(frameon=False, loc="upper right")
    locale_ticks(ax, x="int", y="int")
    return ax


def sensitivity_label(item: str, kind: str, component: str = "") -> str:
    """The name of one input of the one-way sensitivity, in the active language."""
    from altmeasures_eval._vocabulary import display_cost_item

    if kind == "discount rate":
        return _("Discount rate")
    name = display_cost_item(item)
    if kind == "unit cost":
        return _("Unit cost: {item}").format(item=name)
    if component == "programme":
        return _("Difference in use, index sanction: {item}").format(item=name)
    return _("Difference in use, after the decision: {item}").format(item=name)


_WRAP = 44  # characters per line of a tornado label


def tornado_height(result: Any, top: int = 12) -> float:
    """Height in inches that gives every tornado label room (labels wrap to several lines)."""
    import textwrap

    t = result.table.head(top)
    if "item" in t:
        names = [sensitivity_label(i, k, c) for i, k, c in zip(t["item"], t["kind"], t["component"].fillna(""))]
    else:
        names = [str(v) for v in t["input"]]
    lines = sum(max(1, len(textwrap.wrap(n, _WRAP, break_long_words=False))) for n in names)
    return 1.3 + 0.16 * lines + 0.12 * len(names)


def plot_tornado(result: Any, ax: Axes | None = None, top: int = 12, *, basis: str | None = None,
                 **kw: Any) -> Axes:
    """Tornado plot of a :class:`~altmeasures_eval.costs.Sensitivity`: net benefit per person with
    each input at the low and the high end of its range, around the central value; the widest
    swing on top, inputs named in words."""
    import textwrap

    t = result.table.head(top).iloc[::-1]
    ax = ax or plt.subplots(figsize=(7, tornado_height(result, top)))[1]
    y = np.arange(len(t))
    base = result.base_npv
    ax.barh(y, t["npv_low"] - base, left=base, color=OKABE_ITO["sky_blue"], label=_("Input at the low end"), **kw)
    ax.barh(y, t["npv_high"] - base, left=base, color=OKABE_ITO["orange"], label=_("Input at the high end"), **kw)
    ax.axvline(base, color="k", lw=1)
    if "item" in t:
        names = [sensitivity_label(i, k, c) for i, k, c in zip(t["item"], t["kind"], t["component"].fillna(""))]
    else:
        names = [str(v) for v in t["input"]]
    ax.set_yticks(y, [textwrap.fill(n, _WRAP, break_long_words=False) for n in names], fontsize="small")
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_xlabel(_("Net benefit per person") + " (" + (basis or result.currency) + ")")
    ax.legend(frameon=False, fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    locale_ticks(ax, x="int")
    return ax


def plot_break_even(frame: Any, ax: Axes | None = None, *, basis: str = "", pv_basis: str = "", **kw: Any) -> Axes:
    """Break-even chart: cumulative net benefit per person at the end of each follow-up period.

    Bars (not discounted, as WSIPP draws them): savings to date above 0 in green, a net cost to
    date below 0 in purple; diamonds mark the same sums in present value. ``frame`` is
    :func:`altmeasures_eval.costs.break_even`.
    """
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    years = frame["end_day"].to_numpy(float) / 365.0
    cum = frame["cumulative"].to_numpy(float)
    ax.bar(years, cum, width=0.6, color=[SAVING if v >= 0 else COST for v in cum],
           label=_("Cumulative net benefit, not discounted"), **kw)
    ax.plot(years, frame["cumulative_pv"].to_numpy(float), "D", color="k", ms=5,
            label=_("Cumulative net benefit, present value"))
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(years, [_("Year {n}").format(n=f"{y:g}") for y in years])
    ax.set_xlim(0, years.max() + 0.6)
    lo, hi = min(0.0, cum.min(), frame["cumulative_pv"].min()), max(0.0, cum.max(), frame["cumulative_pv"].max())
    pad = 0.12 * (hi - lo or 1.0)
    ax.set_ylim(lo - (pad if lo < 0 else 0), hi + pad)
    ax.set_xlabel(_("Time since the decision"))
    ax.set_ylabel(_("Net benefit per person") + (f"\n({basis})" if basis else ""), fontsize="small")
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    locale_ticks(ax, y="int")
    return ax
