"""Plots for the balance layer: Love plot and propensity-score overlap."""

from __future__ import annotations

from typing import Any

import numpy as np

from altmeasures_eval._i18n import _
from altmeasures_eval.plotting._palette import GROUP_COLOURS, NEUTRAL, TEXT
from altmeasures_eval.plotting._ticks import locale_ticks

__all__ = ["plot_love", "plot_overlap"]


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_love(result: Any, ax: Any = None, *, absolute: bool = True, threshold: float | None = None,
              labels: Any = None, **kw: Any) -> Any:
    """Love plot: standardised mean difference of every covariate before and after adjustment.

    Parameters
    ----------
    result : BalanceResult
        From :func:`altmeasures_eval.matching.balance_table`.
    absolute : bool
        Plot ``|SMD|`` (default) or signed SMD.
    threshold : float, optional
        Dashed reference line(s); defaults to the result's threshold (0.1).
    labels : callable, optional
        Maps a row name of the balance table (``"age"``, ``"sex=female"``) to its label on the axis.
    **kw
        Passed to ``Axes.scatter`` for both series.
    """
    ax = _axes(ax)
    table = result.table
    before = table["smd_before"].to_numpy(dtype=float)
    after = table["smd_after"].to_numpy(dtype=float)
    if absolute:
        before, after = np.abs(before), np.abs(after)
    order = np.argsort(np.nan_to_num(before))
    y = np.arange(len(table))
    ax.scatter(before[order], y, marker="o", facecolors="none", edgecolors=NEUTRAL, label=_("Before adjustment"), **kw)
    ax.scatter(after[order], y, marker="o", color=TEXT, label=_("After adjustment"), **kw)
    ax.set_yticks(y)
    names = table.index.to_numpy()[order]
    ax.set_yticklabels([labels(n) if labels is not None else n for n in names])
    thr = result.threshold if threshold is None else threshold
    ax.axvline(thr, color=NEUTRAL, linestyle="--", linewidth=1)
    if not absolute:
        ax.axvline(-thr, color=NEUTRAL, linestyle="--", linewidth=1)
    ax.axvline(0, color="0.2", linewidth=0.8)
    ax.set_xlabel(_("Absolute standardised mean difference") if absolute else _("Standardised mean difference"))
    ax.legend(loc="lower right", frameon=False)
    locale_ticks(ax, x="num", decimals=2)
    return ax


def _pool_bins(counts: np.ndarray, threshold: int) -> list[tuple[int, int]]:
    """Runs of adjacent bins ``[start, stop)`` whose pooled count is 0 or at least ``threshold``.

    Empty bins stay on their own (a zero is published); a bin with people is pooled with the
    following bins until the run holds ``threshold`` people, a short last run joins the one before.
    Returns no run with people when the whole group has fewer than ``threshold``.
    """
    runs: list[tuple[int, int]] = []
    start, acc = 0, 0.0
    for i, c in enumerate(counts):
        if acc == 0 and c == 0:
            runs.append((i, i + 1))
            start = i + 1
            continue
        acc += c
        if acc >= threshold:
            runs.append((start, i + 1))
            start, acc = i + 1, 0.0
    if acc > 0:  # a short remainder: join the last run that holds people, with the empty bins between
        while runs and counts[runs[-1][0]:runs[-1][1]].sum() == 0:
            runs.pop()
        if runs:
            runs[-1] = (runs[-1][0], len(counts))
        else:
            return [(0, len(counts))] if counts.sum() == 0 else []
    return runs


def plot_overlap(result: Any, ax: Any = None, *, scale: str = "probability", bins: int = 40,
                 weights: Any = None, policy: Any = None, **kw: Any) -> Any:
    """Distribution of the propensity score by group (mirrored histograms), for common support.

    Parameters
    ----------
    result : PropensityScore or MatchResult
        A fitted score, or a match result (its distance is plotted; matched units only when
        ``weights="design"``).
    scale : {"probability", "logit"}
        For a PropensityScore: plot the score or its logit.
    weights : array or "design", optional
        Weights for the histograms (e.g. IPW weights to show the weighted overlap).
    policy : DisclosurePolicy, optional
        Draw a publishable figure (``docs/disclosure-policy.md``): in each group, adjacent bins are
        pooled until each pooled bin holds 0 or at least ``policy.threshold`` people (a group with
        fewer is not drawn), heights are densities (share of the group per unit of the score, so
        bins of different widths compare), and with a rounding base they are the rounded counts
        over the rounded group size. No bar then reveals a count the tables would hide. Without it, every bin is drawn
        as it is (for the analyst's own use).

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    if hasattr(result, "score"):
        x = (result.score if scale == "probability" else result.linear).to_numpy()
        label = _("Propensity score") if scale == "probability" else _("Logit of the propensity score")
    else:
        x = result.distance.to_numpy()
        label = str(result.distance.name)
    t = result.treatment.to_numpy()
    if isinstance(weights, str) and weights == "design":
        w = result.weights.to_numpy()
    elif weights is None:
        w = np.ones(len(x))
    else:
        w = np.asarray(weights, dtype=float)
    edges = np.histogram_bin_edges(x, bins=bins)
    if policy is None:
        h1, _e = np.histogram(x[t == 1], edges, weights=w[t == 1])
        h0, _e = np.histogram(x[t == 0], edges, weights=w[t == 0])
        width = np.diff(edges)
        ax.bar(edges[:-1], h1 / max(h1.sum(), 1e-12), width=width, align="edge", color=GROUP_COLOURS[1],
               label=_("Alternative"), **kw)
        ax.bar(edges[:-1], -h0 / max(h0.sum(), 1e-12), width=width, align="edge", color=GROUP_COLOURS[0],
               label=_("Custody"), **kw)
        ylabel = _("Share of the group (custody below the line)")
    else:
        for g, sign, color, name in ((1, 1, GROUP_COLOURS[1], _("Alternative")), (0, -1, GROUP_COLOURS[0], _("Custody"))):
            people, _e = np.histogram(x[t == g], edges)
            mass, _e = np.histogram(x[t == g], edges, weights=w[t == g])
            runs = [r for r in _pool_bins(people, max(int(policy.threshold), 1)) if people[r[0]:r[1]].sum() > 0]
            if not runs:
                continue  # fewer people than the threshold in this group: nothing is drawn
            n = np.array([people[a:b].sum() for a, b in runs], dtype=float)
            m = np.array([mass[a:b].sum() for a, b in runs], dtype=float)
            # unweighted: published (rounded) count over the group's published size, so that a bar's
            # area times that size is the published count; weighted: the weighted mass of the same bins
            if weights is None:
                num, total = np.asarray(policy.round(n), dtype=float), float(policy.round(int(people.sum())))
            else:
                num, total = m, float(m.sum())
            lefts = np.array([edges[a] for a, _b in runs])
            widths = np.array([edges[b] - edges[a] for a, b in runs])
            dens = num / max(total, 1e-12) / widths
            ax.bar(lefts, sign * dens, width=widths, align="edge", color=color, label=name, **kw)
        ylabel = _("Density (custody below the line)")
    ax.axhline(0, color="0.2", linewidth=0.8)
    ax.set_xlabel(label)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    from matplotlib.ticker import FuncFormatter

    from altmeasures_eval._i18n import fmt_num

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(abs(v), 1)))  # heights, both sides positive
    locale_ticks(ax, x="num", decimals=1)
    return ax
