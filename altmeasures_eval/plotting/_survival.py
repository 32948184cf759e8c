"""Plots for the survival layer: curves with bands and an at-risk table, log-log and Schoenfeld plots."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from altmeasures_eval._i18n import _, fmt_int
from altmeasures_eval.plotting._palette import GROUP_COLOURS
from altmeasures_eval.plotting._ticks import locale_ticks
from altmeasures_eval.survival import CumulativeIncidenceResult, KaplanMeierResult, PHTestResult

__all__ = ["plot_loglog", "plot_schoenfeld", "plot_survival"]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.8))
    return ax


def _at_risk_table(ax: Axes, curves: pd.DataFrame, labels: list[str], times: np.ndarray, policy: Any = None) -> None:
    """Numbers at risk under the x axis, one row per curve, aligned with the ticks (through the
    disclosure ``policy`` when given: small ones shown as its marker, the rest rounded). They are
    counts of people, not weighted, and the heading says so."""
    trans = ax.get_xaxis_transform()
    top = -0.2
    # labels sit left of the axis, clear of the (centred) count at the first tick
    ax.text(-0.07, top, _("Number at risk (people, not weighted)"), transform=ax.transAxes, ha="left", va="top",
            fontsize=8, fontweight="bold")
    for k, (label, (_g, cur)) in enumerate(zip(labels, curves.groupby("group", sort=False, dropna=False))):
        time, n = cur["time"].to_numpy()[1:], cur["n_at_risk"].to_numpy()[1:]
        j = np.searchsorted(time, times, side="left")
        counts = np.where(j < time.size, n[np.minimum(j, time.size - 1)], 0)
        y = top - 0.07 * (k + 1)
        ax.text(-0.07, y, label, transform=ax.transAxes, ha="right", va="top", fontsize=8)
        for t, c in zip(times, counts):
            shown = fmt_int(int(c))
            if policy is not None:
                published = policy.count(int(c))
                shown = policy.marker if published is None else fmt_int(published)
            ax.text(t, y, shown, transform=trans, ha="center", va="top", fontsize=8, clip_on=False)


def plot_survival(
    result: KaplanMeierResult | CumulativeIncidenceResult,
    ax: Axes | None = None,
    *,
    cumulative: bool = True,
    cause: int | None = None,
    ci: bool = True,
    at_risk: bool = True,
    at_risk_times: Sequence[float] | None = None,
    labels: dict[object, str] | None = None,
    xlabel: str | None = None,
    policy: Any = None,
    at_risk_labels: dict[object, str] | None = None,
    **kw: Any,
) -> Axes:
    """Step curves with pointwise confidence bands and numbers at risk under the axis.

    Parameters
    ----------
    result : KaplanMeierResult or CumulativeIncidenceResult
    ax : Axes, optional
    cumulative : bool
        Kaplan-Meier only: plot the cumulative incidence 1 - S (default) or the survival S.
    cause : int, optional
        Competing risks only: which cause (default the first).
    ci : bool
        Shade the pointwise intervals stored in the result.
    at_risk : bool
        Write numbers at risk at the x ticks (or ``at_risk_times``) under the axis.
    labels : dict, optional
        Legend label per group value.
    xlabel : str, optional
        Label of the time axis (default: days since the start of follow-up, in the active language).
    policy : DisclosurePolicy, optional
        Publish the numbers at risk through it (``docs/disclosure-policy.md``): counts from 1 to
        ``threshold - 1`` are shown as its marker, the others rounded to its base. Without it they
        are printed as they are (for the analyst's own use).
    at_risk_labels : dict, optional
        Row label per group value of the at-risk table (default: ``labels``). The rows count
        people, not weights: label them by group only ("Custody"), not as adjusted.
    **kw
        Passed to ``Axes.step``.
    """
    ax = _axes(ax)
    if isinstance(result, CumulativeIncidenceResult):
        cause = result.causes[0] if cause is None else cause
        curves = result.curves[result.curves["cause"] == cause]
        y, lo, hi = curves["cif"], curves["ci_low"], curves["ci_high"]
        # which of the competing causes is drawn must be on the figure
        ylabel = _("Cumulative incidence of cause {cause}").format(cause=cause)
    else:
        curves = result.curves
        if cumulative:
            y, lo, hi = 1 - curves["survival"], 1 - curves["ci_high"], 1 - curves["ci_low"]
            ylabel = _("Cumulative incidence")
        else:
            y, lo, hi = curves["survival"], curves["ci_low"], curves["ci_high"]
            ylabel = _("Proportion not yet reoffended")
    frame = curves.assign(_y=y.to_numpy(), _lo=lo.to_numpy(), _hi=hi.to_numpy())
    names = []
    for group, cur in frame.groupby("group", sort=False, dropna=False):
        name = (labels or {}).get(group, "all" if group is None or pd.isna(group) else f"{result.group} = {group}")
        names.append(str((at_risk_labels or {}).get(group, name)))
        style = dict(kw)
        if group in GROUP_COLOURS and "color" not in style:
            style["color"] = GROUP_COLOURS[group]
        line = ax.step(cur["time"], cur["_y"], where="post", label=name, **style)[0]
        if ci:
            ax.fill_between(cur["time"], cur["_lo"], cur["_hi"], step="post", alpha=0.2, color=line.get_color(),
                            linewidth=0)
    ax.set_xlabel(_("Days since the start of follow-up") if xlabel is None else xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.legend(loc="best", frameon=False)
    locale_ticks(ax, x="int", y="pct")
    if at_risk:
        ticks = np.asarray(at_risk_times if at_risk_times is not None else
                           [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]], dtype=float)
        _at_risk_table(ax, frame, names, ticks, policy)
    return ax


def plot_loglog(result: KaplanMeierResult, ax: Axes | None = None, **kw: Any) -> Axes:
    """log(-log S(t)) against log t per group: roughly parallel curves support proportional hazards.

    Under proportional hazards the vertical distance between the curves is the log hazard ratio.
    """
    ax = _axes(ax)
    for group, cur in result.curves.groupby("group", sort=False, dropna=False):
        ok = (cur["time"] > 0) & (cur["survival"] > 0) & (cur["survival"] < 1)
        name = "all" if group is None or pd.isna(group) else f"{result.group} = {group}"
        ax.step(np.log(cur.loc[ok, "time"]), np.log(-np.log(cur.loc[ok, "survival"])), where="post", label=name, **kw)
    ax.set_xlabel("log(days)")
    ax.set_ylabel("log(-log S(t))")
    ax.set_title("Log-log plot (parallel curves: proportional hazards)")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_schoenfeld(result: PHTestResult, term: str, ax: Axes | None = None, **kw: Any) -> Axes:
    """Scaled Schoenfeld residuals of ``term`` against transformed time, with a lowess smooth.

    A flat smooth at the estimate supports proportional hazards for ``term``; a trend shows a
    time-varying effect (Grambsch and Therneau 1994).
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess

    ax = _axes(ax)
    res = result.residuals
    x, y = res["transformed_time"].to_numpy(), res[term].to_numpy()
    ax.scatter(x, y, s=kw.pop("s", 8), alpha=kw.pop("alpha", 0.4), **kw)
    smooth = lowess(y, x, frac=0.6)
    ax.plot(smooth[:, 0], smooth[:, 1], color="black")
    p = result.summary.set_index("term").loc[term, "p_value"]
    ax.set_xlabel(f"time ({result.transform} transform)")
    ax.set_ylabel(f"beta(t) for {term}")
    ax.set_title(f"Scaled Schoenfeld residuals: {term} (PH test p = {p:.3f})")
    return ax
