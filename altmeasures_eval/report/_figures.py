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

from altmeasures_eval._i18n import _, fmt_int, fmt_money, fmt_month, fmt_num, fmt_pct
from altmeasures_eval._vocabulary import display_term

__all__ = ["Figure", "render_figures"]


@dataclass(frozen=True)
class Figure:
    """One rendered figure, with the words that go with it (in the language it was rendered in).

    Attributes
    ----------
    name : str
        File stem (``figures/NAME.png`` and ``.svg``).
    caption : str
        What the reader needs to read the figure (method, bands, units), after the title.
    png : bytes
    svg : str
        SVG text (embedded inline in the HTML report).
    title : str
        The figure's title (numbered by the report: "Figure 3: ...").
    alt : str
        Text alternative for readers who cannot see it: what it shows and its key numbers.
    source : str
        Where the numbers come from.
    """

    name: str
    caption: str
    png: bytes
    svg: str
    title: str = ""
    alt: str = ""
    source: str = ""


def _render(draw: Callable[[Any], Any], size: tuple[float, float]) -> tuple[bytes, str]:
    # A standalone Figure, not pyplot: rendering a report must not switch the caller's backend
    # (in a notebook that silenced plt.show() after write_report) nor leave figures open.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.figure import Figure

    from altmeasures_eval.plotting import figure_style  # the one palette and text colour

    with matplotlib.rc_context(figure_style()):
        fig = Figure(figsize=size)
        ax = fig.subplots()
        draw(ax)
        fig.tight_layout()
        fig.set_layout_engine(None)  # laid out once: no layout pass (and no dry-run draw) when saving
        pad = matplotlib.rcParams["savefig.pad_inches"]
        png, svg = io.BytesIO(), io.StringIO()
        # The tight box of each format, measured with that format's renderer as bbox_inches="tight"
        # does, but without the full draw (drawing off) it runs first: the figure is drawn once per
        # file. The same bytes as "tight": PNG at 150 dpi; SVG in points, at 72 dpi.
        fig.dpi = 150
        box = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer()).padded(pad)
        fig.savefig(png, format="png", dpi=150, bbox_inches=box)
        fig.dpi = 72
        w, h = fig.get_size_inches() * 72
        box = fig.get_tightbbox(RendererSVG(w, h, io.StringIO())).padded(pad)
        fig.savefig(svg, format="svg", dpi=72, metadata={"Date": None}, bbox_inches=box)
    return png.getvalue(), svg.getvalue()


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


def _at(curves: Any, group: Any, h: float, column: str) -> float:
    c = curves[(curves["group"] == group) & (curves["time"] <= h)]
    return float(c[column].iloc[-1]) if len(c) else float("nan")


def _balance_figure(ev: Any) -> tuple[str, str, str]:
    t = ev.balance.table
    t = t.drop(index="distance", errors="ignore")  # the characteristics, not the score built from them
    before, after = t["smd_before"].abs(), t["smd_after"].abs()
    thr = ev.spec.design.balance_threshold
    title = _("Balance of the groups before and after adjustment")
    caption = _("Standardised mean difference of each characteristic between the groups; the dashed line marks "
                "the threshold of {threshold}.").format(threshold=fmt_num(thr, 2))
    alt = _("Dot plot of the absolute standardised mean difference of {n} characteristics before and after "
            "adjustment. Before adjustment the largest was {before} ({name}); after adjustment the largest is "
            "{after} ({name_after}), against a threshold of {threshold}.").format(
        n=fmt_int(len(t)), before=fmt_num(before.max(), 2), name=display_term(before.idxmax()),
        after=fmt_num(after.max(), 2), name_after=display_term(after.idxmax()), threshold=fmt_num(thr, 2))
    return title, caption, alt


def _overlap_figure(ev: Any, policy: Any) -> tuple[str, str, str]:
    import numpy as np

    ps = ev.propensity
    x, t = ps.score.to_numpy(), ps.treatment.to_numpy()
    title = _("Propensity score by group")
    caption = _("Alternative group above the line, custody group below: the groups can be compared where both "
                "have people. Adjacent bars are pooled so that each holds at least {n} people.").format(
        n=fmt_int(policy.threshold))
    q = {g: np.quantile(x[t == g], [0.25, 0.5, 0.75]) for g in (1, 0)}
    alt = _("Mirrored histograms of the propensity score (the estimated chance of an alternative measure). The "
            "median score is {m1} in the alternative group (half between {a1} and {b1}) and {m0} in the custody "
            "group (half between {a0} and {b0}).").format(
        m1=fmt_num(q[1][1], 2), a1=fmt_num(q[1][0], 2), b1=fmt_num(q[1][2], 2),
        m0=fmt_num(q[0][1], 2), a0=fmt_num(q[0][0], 2), b0=fmt_num(q[0][2], 2))
    return title, caption, alt


def _survival_figure(ev: Any, h: int) -> tuple[str, str, str]:
    km = ev.survival_curves.curves
    a, c = (1 - _at(km, g, h, "survival") for g in (1, 0))
    title = _("Proportion with a proven reoffence over time since the start of follow-up")
    caption = _("Kaplan-Meier estimates with 95% confidence bands; the custody group is adjusted to resemble the "
                "alternative group. The numbers at risk under the axis count people, not weighted.")
    if ev.competing is not None:
        cif = ev.competing.curves
        cif = cif[cif["cause"] == 1]
        gap = 0.0
        for g in (1, 0):
            k, i = km[km["group"] == g], cif[cif["group"] == g]
            grid = k["time"].to_numpy()
            import numpy as np

            ci = np.interp(grid, i["time"].to_numpy(), i["cif"].to_numpy())
            gap = max(gap, float(np.max(np.abs((1 - k["survival"].to_numpy()) - ci))))
        caption += " " + _("With death counted as a competing event (cumulative incidence, in the table below), "
                           "the curves differ from these by at most {gap} points, so they are not drawn "
                           "again.").format(gap=fmt_num(100 * gap, 1))
    alt = _("Step curves of the proportion of people with a proven reoffence, by days since the start of "
            "follow-up, for the alternative group and the adjusted custody group, with 95% bands. At {days} "
            "days the proportion is {a} in the alternative group and {c} in the custody group.").format(
        days=fmt_int(h), a=fmt_pct(a, 1), c=fmt_pct(c, 1))
    return title, caption, alt


def _bed_days_figure(ev: Any) -> tuple[str, str, str]:
    bd = ev.prison.bed_days.table.dropna(subset=["mean_custody"])
    h = int(bd["horizon"].max())
    t = bd[bd["horizon"] == h].set_index("component")
    title = _("Days in custody per person within {days} days, by group").format(days=fmt_int(h))
    caption = _("Plain: custody for the index offence; hatched: later custody. The custody group is adjusted to "
                "resemble the alternative group.")
    alt = _("Stacked bars. Alternative group: {a} days in custody per person ({ai} for the index offence, {al} "
            "later). Custody group: {c} days ({ci} for the index offence, {cl} later). Each person given an "
            "alternative measure instead of custody spends {d} fewer days in custody (95% confidence interval "
            "{lo} to {hi}).").format(
        a=fmt_num(t.loc["total", "mean_alternative"], 0), ai=fmt_num(t.loc["index", "mean_alternative"], 0),
        al=fmt_num(t.loc["later", "mean_alternative"], 0), c=fmt_num(t.loc["total", "mean_custody"], 0),
        ci=fmt_num(t.loc["index", "mean_custody"], 0), cl=fmt_num(t.loc["later", "mean_custody"], 0),
        d=fmt_num(t.loc["total", "averted"], 0), lo=fmt_num(t.loc["total", "averted_ci_low"], 0),
        hi=fmt_num(t.loc["total", "averted_ci_high"], 0))
    return title, caption, alt


def _projection_figure(ev: Any) -> tuple[str, str, str]:
    paths = ev.prison.projection.paths
    p = paths[paths["jurisdiction"] == "all"]
    last = p[p["projected"]]["month"].max()
    end = p[p["month"] == last].set_index("scenario")["population"]
    title = _("Prison population: observed and projected under the diversion scenarios")
    caption = _("Monthly stock-flow projection for all jurisdictions, with bands from the uncertainty of the effect; "
                "dots are the observed population, the dotted line the start of the projection.")
    others = [s for s in end.index if s != "baseline"]
    most = others[-1] if others else "baseline"
    from altmeasures_eval.plotting import scenario_label

    alt = _("Line chart of the number of people in custody at the end of each month. In {month}, the projection "
            "is {base} people with no change and {most} with {scenario}.").format(
        month=fmt_month(last.to_timestamp()), base=fmt_int(round(end["baseline"])),
        most=fmt_int(round(end[most])), scenario=scenario_label(most).lower() if most != "baseline" else "")
    return title, caption, alt


def _cost_figures(ev: Any) -> list[tuple[str, str, str, str, Callable[[Any], Any], tuple[float, float]]]:
    from altmeasures_eval import plotting as P
    from altmeasures_eval.costs import break_even, money_basis, perspective_account

    c = ev.costs
    res, cur = c.comparison, c.comparison.currency
    rate = c.unit_costs.discount_rate
    basis = money_basis(cur, res.price_year, rate)
    plain = money_basis(cur, res.price_year, None)
    dw = getattr(c.unit_costs, "deadweight_rate", 0.0)
    acc = perspective_account(res, dw)
    tot = res.table.set_index(["perspective", "component"]).loc[("all", "total")]
    steps = [(s, -v) for s, v in zip(acc.programme["source"], acc.programme["net_programme_cost"])]
    steps += [(s, -float(v)) for s, v in zip(acc.table["source"], acc.table["total"])]
    big = max(steps, key=lambda kv: abs(kv[1]))
    out = []
    out.append(("cost_waterfall", _("From the cost of custody to the cost of the alternative, per person"),
                _("Each step is the difference in one part of the cost (alternative minus custody): green a saving, "
                  "purple an extra cost. {basis}.").format(basis=basis),
                (_("Waterfall chart from the custody group's cost per person, {c}, to the alternative group's, {a} "
                   "({basis}). The largest step is {part}: a saving of {d}.") if big[1] < 0 else
                 _("Waterfall chart from the custody group's cost per person, {c}, to the alternative group's, {a} "
                   "({basis}). The largest step is {part}: an extra cost of {d}.")).format(
                    c=fmt_money(tot["mean_custody"], cur), a=fmt_money(tot["mean_alternative"], cur), basis=basis,
                    part=_(P.SOURCE_LABELS[big[0]]).lower(), d=fmt_money(abs(big[1]), cur)),
                lambda ax: P.plot_cost_waterfall(res, ax=ax), (7.0, 3.8)))
    be = break_even(res, dw)
    years = [fmt_int(round(d / 365)) for d in be["end_day"]]
    from altmeasures_eval.report._words import join_words

    sums = join_words([_("year {n}: {v}").format(n=y, v=fmt_money(v, cur)) for y, v in zip(years, be["cumulative"])])
    pos = be[be["cumulative"] >= 0]
    when = (_("the alternative is ahead from the first year") if len(pos) and pos.index[0] == be.index[0]
            else _("the alternative breaks even by year {n}").format(n=years[be.index.get_loc(pos.index[0])])
            if len(pos) else _("the alternative does not break even within follow-up"))
    out.append(("break_even", _("Cumulative net benefit per person over time (break-even)"),
                _("Bars: costs of custody minus costs of the alternative to the end of each year, all perspectives, "
                  "{plain} (as WSIPP draws them); diamonds: the same in present value ({basis}).").format(
                    plain=plain, basis=basis),
                _("Bar chart of the cumulative net benefit per person, not discounted: {sums}. {when}. In present "
                  "value the total is {npv}.").format(sums=sums, when=when[:1].upper() + when[1:],
                                                      npv=fmt_money(be["cumulative_pv"].iloc[-1], cur)),
                lambda ax: P.plot_break_even(be, ax=ax, basis=plain), (6.5, 3.4)))
    mc = c.monte_carlo
    import numpy as np

    lo, hi = np.quantile(mc.npv, [0.025, 0.975])
    out.append(("monte_carlo", _("Uncertainty of the net benefit per person (Monte Carlo)"),
                _("{n} draws of the unit costs from their ranges and of the effects from the bootstrap. {basis}.").format(
                    n=fmt_int(mc.n_draws), basis=basis),
                _("Histogram of {n} draws of the net benefit per person: mean {m}, 95% of draws between {lo} and "
                  "{hi}; benefits exceed costs in {p} of draws ({basis}).").format(
                    n=fmt_int(mc.n_draws), m=fmt_money(np.mean(mc.npv), cur), lo=fmt_money(lo, cur),
                    hi=fmt_money(hi, cur), p=fmt_pct(mc.chance_positive, 0), basis=basis),
                lambda ax: P.plot_monte_carlo(mc, ax=ax, price_year=res.price_year, discount_rate=rate), (6.5, 3.2)))
    sens = c.sensitivity
    first = sens.table.iloc[0]
    name = P.sensitivity_label(first.get("item", first["input"]), first["kind"], first.get("component", "") or "")
    out.append(("tornado", _("Which inputs move the net benefit most (one-way sensitivity)"),
                _("Each input alone at the low and the high end of its range (90% of its distribution; fixed costs "
                  "plus or minus 25%), the others at their central values. {basis}.").format(basis=basis),
                _("Horizontal bars of the net benefit per person with each input at the low and the high end of its "
                  "range, around the central value of {base}. The widest range comes from {name}: {lo} to {hi} "
                  "({basis}).").format(base=fmt_money(sens.base_npv, cur), name=name.lower(),
                                       lo=fmt_money(min(first["npv_low"], first["npv_high"]), cur),
                                       hi=fmt_money(max(first["npv_low"], first["npv_high"]), cur), basis=basis),
                lambda ax: P.plot_tornado(sens, ax=ax, top=10, basis=basis), (7.5, P.tornado_height(sens, 10))))
    return out


def figure_specs(ev: Any) -> list[tuple[str, str, str, str, Callable[[Any], Any], tuple[float, float]]]:
    """What :func:`render_figures` draws, without drawing it: ``(name, title, caption, alt, draw, size)``
    per figure, in report order, the words in the active language."""
    from altmeasures_eval import plotting as P
    from altmeasures_eval.privacy import DisclosurePolicy

    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)  # the one rule for counts in figures too
    specs: list[tuple[str, str, str, str, Callable[[Any], Any], tuple[float, float]]] = []
    if ev.balance is not None:
        n = len(ev.balance.table)
        specs.append(("love_plot", *_balance_figure(ev),
                      lambda ax: P.plot_love(ev.balance, ax=ax, labels=display_term,
                                             threshold=ev.spec.design.balance_threshold),
                      (6.5, max(3.0, 0.19 * n + 1))))
    if ev.propensity is not None:
        specs.append(("propensity_overlap", *_overlap_figure(ev, policy),
                      lambda ax: P.plot_overlap(ev.propensity, ax=ax, bins=25, policy=policy), (6.5, 3.2)))
    if ev.survival_curves is not None:
        h = list(ev.spec.cohort.horizons)
        legend = {1: _("Alternative"), 0: _("Custody (adjusted)")}
        rows = {1: _("Alternative"), 0: _("Custody")}  # the at-risk rows count people: not adjusted
        specs.append(("survival_curves", *_survival_figure(ev, ev.headline_horizon or h[0]),
                      lambda ax: P.plot_survival(ev.survival_curves, ax=ax, labels=legend, at_risk_labels=rows,
                                                 at_risk=True, at_risk_times=[0, *h], policy=policy),
                      (6.5, 4.2)))
    if ev.prison is not None:
        specs.append(("bed_days", *_bed_days_figure(ev),
                      lambda ax: P.plot_bed_days(ev.prison.bed_days, ax=ax), (5.5, 3.6)))
        specs.append(("population_projection", *_projection_figure(ev),
                      lambda ax: _recent(P.plot_population_paths(_published_observed(ev.prison.projection, policy),
                                                                   ax=ax, jurisdiction="all"),
                                         ev.extract_date), (6.5, 3.6)))
    if ev.costs is not None:
        specs.extend(_cost_figures(ev))
    return specs


def render_figures(ev: Any) -> dict[str, Figure]:
    """Render every figure the decision rules allow, in report order, in the active language.

    Parameters
    ----------
    ev : Evaluation

    Returns
    -------
    dict of str to Figure
        Each with its title, caption, text alternative (key numbers included) and source.
    """
    from altmeasures_eval.report._words import source_line

    source = source_line(ev)  # the same words as the tables' source
    specs = figure_specs(ev)
    out = {}
    for name, title, caption, alt, draw, size in specs:
        png, svg = _render(draw, size)
        out[name] = Figure(name, caption, png, svg, title=title, alt=alt, source=source)
    return out
