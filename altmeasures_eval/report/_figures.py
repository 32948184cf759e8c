"""Figures of an evaluation, rendered once to PNG and SVG (through :mod:`altmeasures_eval.plotting`).

Only aggregate curves and distributions are drawn: no point or label stands for one person, and
every count a figure shows (as a bar, a number or a point) goes through the run's :class:`~altmeasures_eval.privacy.DisclosurePolicy`
(``docs/disclosure-policy.md``): the propensity-overlap histogram pools adjacent bins until each
holds at least the threshold and draws densities of the (rounded) counts; the at-risk table under
the survival curves shows small numbers as the marker and the others rounded like the tables; the
observed monthly prison population is drawn only where it is not small, rounded. Bed-days and cost
figures show means per person and model results, not counts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Figure", "render_figures"]


@dataclass(frozen=True)
class Figure:
    """One rendered figure.

    Attributes
    ----------
    name : str
        File stem (``figures/NAME.png`` and ``.svg``).
    caption : str
    png : bytes
    svg : str
        SVG text (embedded inline in the HTML report).
    """

    name: str
    caption: str
    png: bytes
    svg: str


_LABELS = {1: "Alternative", 0: "Custody (adjusted)"}


def _render(draw: Callable[[Any], Any], size: tuple[float, float]) -> tuple[bytes, str]:
    # A standalone Figure, not pyplot: rendering a report must not switch the caller's backend
    # (in a notebook that silenced plt.show() after write_report) nor leave figures open.
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "altmeasures",
                                "axes.spines.top": False, "axes.spines.right": False}):
        fig = Figure(figsize=size)
        ax = fig.subplots()
        draw(ax)
        fig.tight_layout()
        png, svg = io.BytesIO(), io.StringIO()
        fig.savefig(png, format="png", dpi=150, bbox_inches="tight")
        fig.savefig(svg, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return png.getvalue(), svg.getvalue()


def _wrap_yticks(ax: Any, width: int = 34) -> Any:
    """Wrap long tick labels (unit-cost items such as treatment_day.psychosocial_outpatient)."""
    import textwrap

    labels = [textwrap.fill(t.get_text().replace(".", ". ").replace("_", " "), width) for t in ax.get_yticklabels()]
    ax.set_yticks(ax.get_yticks(), labels)
    return ax


def _recent(ax: Any, extract_date: Any, years: int = 4) -> Any:
    """Show the last ``years`` before the extract and the projection: the early months of an extract
    only count people admitted since its first date (a build-up, not a real rise)."""
    import pandas as pd

    left = pd.Timestamp(extract_date) - pd.DateOffset(years=years)
    ax.set_xlim(left=left)
    lines = [ln.get_ydata()[ln.get_xdata() >= left.to_datetime64()] for ln in ax.get_lines()
             if len(ln.get_xdata()) and hasattr(ln.get_xdata()[0], "dtype")]
    vals = [v for arr in lines for v in arr if v == v]
    if vals:
        lo, hi = min(vals), max(vals)
        pad = 0.08 * (hi - lo or hi or 1)
        ax.set_ylim(max(0, lo - pad), hi + pad)
    return ax


def _published_observed(projection: Any, policy: Any) -> Any:
    """The projection with its observed monthly populations as published: counts from 1 to
    ``threshold - 1`` are not drawn, the others are rounded like the tables (model paths are
    estimates, not counts, and are drawn as they are)."""
    import dataclasses

    import numpy as np

    paths = projection.paths.copy()
    v = paths["observed"].to_numpy(dtype=float)
    known = np.isfinite(v)
    shown = np.full(v.shape, np.nan)
    keep = known & ~policy.is_small(np.where(known, v, 0))
    shown[keep] = np.asarray(policy.round(v[keep]), dtype=float)
    paths["observed"] = shown
    return dataclasses.replace(projection, paths=paths)


def render_figures(ev: Any) -> dict[str, Figure]:
    """Render every figure the decision rules allow, in report order.

    Parameters
    ----------
    ev : Evaluation

    Returns
    -------
    dict of str to Figure
    """
    from altmeasures_eval import plotting as P
    from altmeasures_eval.privacy import DisclosurePolicy

    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)  # the one rule for counts in figures too
    specs: list[tuple[str, str, Callable[[Any], Any], tuple[float, float]]] = []
    if ev.balance is not None:
        from dataclasses import replace

        n = len(ev.balance.table)
        shown = replace(ev.balance, table=ev.balance.table.rename(index={"distance": "propensity score"}))
        specs.append(("love_plot", "Standardised mean differences before and after adjustment (Love plot); "
                      f"the dashed lines mark |SMD| = {ev.spec.design.balance_threshold:g}.",
                      lambda ax: P.plot_love(shown, ax=ax), (6.5, max(3.0, 0.17 * n + 1))))
    if ev.propensity is not None:
        specs.append(("propensity_overlap", "Propensity score by group (alternative above, custody below): "
                      "the groups can be compared where both have people. Adjacent bars are pooled so that "
                      f"each holds at least {policy.threshold} people.",
                      lambda ax: P.plot_overlap(ev.propensity, ax=ax, bins=25, policy=policy), (6.5, 3.2)))
    if ev.survival_curves is not None:
        h = list(ev.spec.cohort.horizons)
        specs.append(("survival_curves", "Adjusted proportion reoffending over time since the start of "
                      "follow-up, with 95% bands and the number at risk.",
                      lambda ax: P.plot_survival(ev.survival_curves, ax=ax, labels=_LABELS,
                                                 at_risk=True, at_risk_times=[0, *h], policy=policy),
                      (6.5, 4.2)))
    if ev.competing is not None:
        specs.append(("cumulative_incidence", "Cumulative incidence of proven reoffence, with death as a "
                      "competing event.",
                      lambda ax: P.plot_survival(ev.competing, ax=ax, cause=1, labels=_LABELS, at_risk=False),
                      (6.5, 3.4)))
    if ev.prison is not None:
        specs.append(("bed_days", "Prison bed-days per person by group and horizon.",
                      lambda ax: P.plot_bed_days(ev.prison.bed_days, ax=ax), (6.5, 3.4)))
        specs.append(("population_projection", "Projected prison population under the diversion scenarios "
                      "(all jurisdictions), with capacity where known.",
                      lambda ax: _recent(P.plot_population_paths(_published_observed(ev.prison.projection, policy), ax=ax,
                                                                   jurisdiction="all"),
                                         ev.extract_date), (6.5, 3.6)))
    if ev.costs is not None:
        specs.append(("cost_waterfall", "From the difference in programme costs to the net present value "
                      "per person.", lambda ax: P.plot_cost_waterfall(ev.costs.comparison, ax=ax), (6.5, 3.4)))
        specs.append(("monte_carlo", "Monte Carlo distribution of the net present value per person.",
                      lambda ax: P.plot_monte_carlo(ev.costs.monte_carlo, ax=ax), (6.5, 3.2)))
        specs.append(("tornado", "One-way sensitivity of the net present value (tornado).",
                      lambda ax: _wrap_yticks(P.plot_tornado(ev.costs.sensitivity, ax=ax, top=10)), (7.0, 4.2)))
    out = {}
    for name, caption, draw, size in specs:
        png, svg = _render(draw, size)
        out[name] = Figure(name, caption, png, svg)
    return out
