"""Plots for pooling: the forest plot of a random-effects meta-analysis, and trends over years."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Polygon

from altmeasures_eval.plotting._palette import OKABE_ITO, SEQUENCE, TEXT

__all__ = ["plot_forest", "plot_trend"]

# from the one palette; the group colours (alternative, custody) are kept for the two groups
_STUDY = TEXT
_POOLED = OKABE_ITO["reddish_purple"]


def plot_forest(pooled: Any, ax: Axes | None = None, *, scale: float = 100.0, xlabel: str = "",
                excluded: Sequence[str] = (), prediction: bool = True) -> Axes:
    """Forest plot: each country's (or year's) estimate with its 95% CI, the pooled diamond and the
    prediction interval.

    Squares are sized by the random-effects weight. The numbers are written at the right of each
    row, so the plot reads without the table.

    Parameters
    ----------
    pooled : PooledEffect
        From :func:`altmeasures_eval.pooling.random_effects`.
    ax : matplotlib.axes.Axes, optional
    scale : float, default 100
        Multiplier for display (100: proportions shown as percentage points).
    xlabel : str
        Label of the x axis.
    excluded : sequence of str
        Rows listed under the plot as left out (e.g. ``"XBB: design failed its gate"``).
    prediction : bool, default True
        Draw the prediction interval under the diamond.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots(figsize=(7, 0.45 * (pooled.k + 3) + 1))[1]
    s = pooled.summary
    studies, pool = s.iloc[:-1], s.iloc[-1]
    k = len(studies)
    y = np.arange(k, 0, -1) + 1.0
    est, lo, hi = (scale * studies[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high"))
    w = studies["weight"].to_numpy(float)
    ax.hlines(y, lo, hi, color="0.25", lw=1.2)
    ax.scatter(est, y, marker="s", s=30 + 220 * w / w.max(), color=_STUDY, zorder=3)
    m, pl, ph = scale * pool["estimate"], scale * pool["ci_low"], scale * pool["ci_high"]
    ax.add_patch(Polygon([[pl, 0.8], [m, 1.1], [ph, 0.8], [m, 0.5]], closed=True, color=_POOLED, zorder=3))
    if prediction and np.isfinite(pooled.pi_low):
        ax.hlines(0.8, scale * pooled.pi_low, scale * pooled.pi_high, color=_POOLED, lw=1, ls=(0, (2, 2)))
    ax.axvline(0, color="0.5", lw=0.8, ls="--")
    labels = [*studies["label"].astype(str), "Pooled (random effects)"]
    ax.set_yticks([*y, 0.8], labels)
    ax.set_ylim(0.2, k + 1.7)
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    text = [f"{e:+.1f} ({a:+.1f} to {b:+.1f})  {100 * ww:.0f}%" for e, a, b, ww in zip(est, lo, hi, w)]
    text.append(f"{m:+.1f} ({pl:+.1f} to {ph:+.1f})")
    trans = ax.get_yaxis_transform()
    for yy, t in zip([*y, 0.8], text):
        ax.text(1.02, yy, t, transform=trans, va="center", fontsize="small")
    ax.text(1.02, k + 1.45, "estimate (95% CI)  weight", transform=trans, va="center", fontsize="small",
            color="0.35")
    ax.set_xlabel(xlabel)
    if excluded:
        ax.set_title("Left out: " + "; ".join(excluded), fontsize="small", loc="left", color="0.35")
    return ax


def plot_trend(frame: pd.DataFrame, x: str, y: str, group: str, ax: Axes | None = None, *,
               ci: tuple[str, str] | None = None, scale: float = 1.0, ylabel: str = "",
               zero_line: bool = False, ylim: tuple[float, float] | None = None) -> Axes:
    """One line per group (country) over ``x`` (year), with optional interval bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy: one row per group and x; missing ``y`` values break the line.
    x, y, group : str
        Columns.
    ax : matplotlib.axes.Axes, optional
    ci : (str, str), optional
        Columns of the interval drawn as error bars.
    scale : float, default 1
        Multiplier for display.
    ylabel : str
    zero_line : bool
        Draw a dashed line at 0.
    ylim : (float, float), optional
        Limits of the y axis (e.g. 0 to 100 for a percentage, so that small changes are not magnified).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    for i, (name, g) in enumerate(frame.sort_values(x).groupby(group, sort=True)):
        xs = g[x].astype(int).to_numpy()
        ys = scale * g[y].to_numpy(float)
        colour = SEQUENCE[i % len(SEQUENCE)]
        ax.plot(xs, ys, marker="o", color=colour, label=str(name))
        if ci is not None:
            lo, hi = (scale * g[c].to_numpy(float) for c in ci)
            ax.errorbar(xs, ys, yerr=[ys - lo, hi - ys], fmt="none", ecolor=colour, capsize=3, lw=0.8)
    years = sorted(frame[x].astype(int).unique())
    ax.set_xticks(years, [str(v) for v in years])
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    if zero_line:
        ax.axhline(0, color="0.5", lw=0.8, ls="--")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small", ncols=min(4, max(1, frame[group].nunique())))
    return ax
