"""Plots for the balance layer: Love plot and propensity-score overlap."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_love", "plot_overlap"]


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_love(result: Any, ax: Any = None, *, absolute: bool = True, threshold: float | None = None,
              **kw: Any) -> Any:
    """Love plot: standardised mean difference of every covariate before and after adjustment.

    Parameters
    ----------
    result : BalanceResult
        From :func:`altmeasures_eval.matching.balance_table`.
    absolute : bool
        Plot ``|SMD|`` (default) or signed SMD.
    threshold : float, optional
        Dashed reference line(s); defaults to the result's threshold (0.1).
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
    ax.scatter(before[order], y, marker="o", facecolors="none", edgecolors="0.4", label="before", **kw)
    ax.scatter(after[order], y, marker="o", color="C0", label=f"after ({result.design})", **kw)
    ax.set_yticks(y)
    ax.set_yticklabels(table.index.to_numpy()[order])
    thr = result.threshold if threshold is None else threshold
    ax.axvline(thr, color="0.5", linestyle="--", linewidth=1)
    if not absolute:
        ax.axvline(-thr, color="0.5", linestyle="--", linewidth=1)
    ax.axvline(0, color="0.2", linewidth=0.8)
    ax.set_xlabel(("|SMD|" if absolute else "SMD") + f" ({result.estimand}; {result.sd_denominator})", fontsize=8)
    ax.legend(loc="lower right", frameon=False)
    ax.set_title("Covariate balance")
    return ax


def plot_overlap(result: Any, ax: Any = None, *, scale: str = "probability", bins: int = 40,
                 weights: Any = None, **kw: Any) -> Any:
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
    """
    ax = _axes(ax)
    if hasattr(result, "score"):
        x = (result.score if scale == "probability" else result.linear).to_numpy()
        label = "propensity score" if scale == "probability" else "logit propensity score"
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
    h1, _ = np.histogram(x[t == 1], edges, weights=w[t == 1])
    h0, _ = np.histogram(x[t == 0], edges, weights=w[t == 0])
    width = np.diff(edges)
    ax.bar(edges[:-1], h1 / max(h1.sum(), 1e-12), width=width, align="edge", color="C0",
           label="alternative (treated)", **kw)
    ax.bar(edges[:-1], -h0 / max(h0.sum(), 1e-12), width=width, align="edge", color="C1",
           label="custody (control)", **kw)
    ax.axhline(0, color="0.2", linewidth=0.8)
    ax.set_xlabel(label)
    ax.set_ylabel("share of group (control mirrored)")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Propensity-score overlap")
    return ax
