"""The costs section of the evaluation report: benefits and costs in the manner of WSIPP.

:func:`costs_section` returns one section of the content model (``{"id", "title", "blocks"}``)
built from the run's cost results, its published tables and its figures: what is compared and on
which money basis (currency, price year, discount rate), a warning that names the unit costs that
really are placeholders (and only those), the benefits and costs per person by perspective
(taxpayers, participants, others, indirect; the perspectives the data cannot measure are named),
the break-even chart, the group costs with their intervals, the waterfall, Monte Carlo and tornado
figures, and every unit cost with its range. :func:`cost_tables` gives the section's own tables
(for the workbook and the CSV files).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from altmeasures_eval._i18n import N_, _, fmt_int, fmt_money, fmt_num, fmt_pct
from altmeasures_eval.report._tables import PublishedTable

__all__ = ["cost_tables", "costs_section", "placeholder_warning"]

_DISTRIBUTIONS = {"fixed": N_("fixed"), "triangular": N_("triangular"), "lognormal": N_("lognormal"),
                  "uniform": N_("uniform")}
_BASIS = {"marginal": N_("marginal"), "average": N_("average")}
_PAYER = {"justice": N_("taxpayers (justice)"), "health": N_("taxpayers (health)"),
          "victims": N_("others (victims of crime)")}
_SOURCES = {"later_custody": N_("Later custody"), "reoffence_processing": N_("Justice costs of reoffences"),
            "victims": N_("Costs to victims"), "deadweight_programme": N_("Deadweight cost of taxation (programme)"),
            "index_custody": N_("Custody for the index offence"), "alternative_measure": N_("Alternative measure"),
            "drug_treatment": N_("Drug treatment")}


def _years(days: int) -> str:
    from altmeasures_eval._i18n import ngettext

    if days % 365 == 0:
        n = days // 365
        return ngettext("{n} year", "{n} years", n).format(n=fmt_int(n))
    return ngettext("{n} day", "{n} days", days).format(n=fmt_int(days))


def _account(ev: Any) -> Any:
    from altmeasures_eval.costs import perspective_account

    return perspective_account(ev.costs.comparison, getattr(ev.costs.unit_costs, "deadweight_rate", 0.0))


def placeholder_warning(unit_costs: Any, country: str) -> dict[str, Any] | None:
    """A warning box naming the unit costs that are placeholders, or None when there are none.

    Only the items flagged as placeholders are named (a unit cost the user gave in ``[costs]`` is
    not); when every one is a placeholder, the box says so in one sentence.
    """
    from altmeasures_eval._vocabulary import display_cost_item

    ph = list(unit_costs.placeholders)
    if not ph:
        return None
    if len(ph) == len(unit_costs.items):
        items = [_("Every unit cost in this section is a placeholder shipped with the toolkit, not an estimate for "
                   "{country}: the cost figures illustrate the method only. Give the country's unit costs in "
                   "[costs] of the configuration before publishing.").format(country=country)]
    else:
        items = [_("These unit costs are placeholders shipped with the toolkit, not estimates for {country}; give "
                   "them in [costs] of the configuration before publishing:").format(country=country),
                 *[display_cost_item(i) for i in ph]]
    return {"kind": "box", "style": "warning", "title": _("Placeholder unit costs"), "items": items}


def _perspective_table(ev: Any, acc: Any) -> PublishedTable:
    from altmeasures_eval.costs import money_basis
    from altmeasures_eval.report._summary import whom  # whom the estimates describe, in the report's words

    c = ev.costs
    cur, tot = acc.currency, acc.totals
    basis = money_basis(cur, acc.price_year, acc.discount_rate)
    nm = _("not measured")
    rows: list[tuple[str, Any]] = [
        (_("Benefits to taxpayers (justice and health budgets)"), tot["taxpayers"]),
        (_("Benefits to participants"), nm),
        (_("Benefits to others (victims of crime)"), tot["others"]),
        (_("Indirect benefits (deadweight cost of taxation)"),
         tot["indirect"] if "indirect" not in acc.not_measured else _("not included")),
        (_("Total benefits"), tot["total_benefits"]),
        (_("Programme costs saved (negative: the alternative costs more than custody)"), tot["net_programme_cost"]),
    ]
    rows += [("    " + _(_SOURCES[s]), v) for s, v in zip(acc.programme["source"], acc.programme["net_programme_cost"])]
    rows.append((_("Benefits minus costs"), tot["benefits_minus_costs"]))
    if tot["verdict"] == "ratio":
        ratio = fmt_num(tot["ratio"], 2)
    elif tot["verdict"] == "dominant":
        ratio = _("not applicable: the alternative costs less and its outcomes cost no more (dominant)")
    else:
        ratio = _("not applicable: {verdict}").format(verdict=_(_VERDICTS.get(tot["verdict"], tot["verdict"])))
    rows.append((_("Benefit-cost ratio"), ratio))
    rows.append((_("Chance that benefits exceed costs (Monte Carlo)"), fmt_pct(c.monte_carlo.chance_positive, 0)))
    frame = pd.DataFrame(rows, columns=["line", "value"]).astype({"value": object})
    return PublishedTable(
        "cost_perspectives", _("Benefits and costs per person by perspective ({basis})").format(basis=basis), frame,
        formats={"value": lambda v: fmt_money(v, cur)},
        labels={"line": _("Per person"), "value": _("Value ({basis})").format(basis=basis)},
        note=_("Laid out as the Washington State Institute for Public Policy (WSIPP) reports benefit-cost results: "
               "benefits are costs avoided, positive when the alternative saves them; the net programme cost is "
               "negative when the alternative costs more. Over {years} from the decision, for {estimand}.").format(
            years=_years(c.horizon), estimand=whom(ev)))


_VERDICTS = {"dominated": N_("the alternative costs more and its outcomes cost no less (dominated)"),
             "cheaper, worse outcomes": N_("the alternative costs less but its outcomes cost more"),
             "no difference": N_("no difference in costs")}


def _detail_table(acc: Any) -> PublishedTable:
    from altmeasures_eval.costs import money_basis

    t = acc.summary.copy()
    t["source"] = [(_(_SOURCES[s]) if s in _SOURCES else _("Total")) for s in t["source"]]
    basis = money_basis(acc.currency, acc.price_year, acc.discount_rate)
    t = t.astype({"participants": object})
    t["participants"] = _("not measured")
    if "indirect" in acc.not_measured:
        t = t.astype({"indirect": object})
        t["indirect"] = _("not included")
    cur = acc.currency
    money = {k: (lambda v, cur=cur: fmt_money(v, cur)) for k in ("taxpayers", "others", "indirect", "total")}
    return PublishedTable(
        "cost_benefits_by_source", _("Benefits per person by source and perspective ({basis})").format(basis=basis),
        t[["source", "taxpayers", "participants", "others", "indirect", "total"]], formats=money,
        labels={"source": _("Benefits from changes in"), "taxpayers": _("Taxpayers"),
                "participants": _("Participants"), "others": _("Others (victims)"), "indirect": _("Indirect"),
                "total": _("Total")},
        note=_("Participants: their earnings, own health costs and fines are not in the data. Indirect: the "
               "deadweight cost of taxation, {rate} of taxpayer money ([costs] deadweight_rate; WSIPP uses 50%).").format(
            rate=fmt_pct(acc.deadweight_rate, 0)))


def _unit_cost_table(ev: Any) -> PublishedTable:
    from altmeasures_eval._vocabulary import display_cost_item
    from altmeasures_eval.costs import money_basis

    uc = ev.costs.unit_costs
    cur = uc.currency
    rows = []
    for key, u in uc.items.items():
        if u.distribution == "fixed":
            rng = _("fixed: no range given")
        else:
            lo, hi = (u.low, u.high) if u.distribution in ("triangular", "uniform") else u.bounds(0.90)
            rng = _("{low} to {high}").format(low=fmt_money(lo, cur), high=fmt_money(hi, cur))
        rows.append({"item": display_cost_item(key), "paid_by": _(_PAYER.get(u.perspective, u.perspective)),
                     "value": u.value, "range": rng, "distribution": _(_DISTRIBUTIONS[u.distribution]),
                     "basis": _(_BASIS.get(u.basis, u.basis)),
                     "placeholder": _("placeholder") if u.placeholder else _("given")})
    basis = money_basis(cur, uc.price_year, None)
    return PublishedTable(
        "unit_cost_ranges", _("Unit costs and their ranges ({basis})").format(basis=basis), pd.DataFrame(rows),
        formats={"value": lambda v: fmt_money(v, cur, 2 if v < 10 and v != int(v) else 0)},
        labels={"item": _("Unit cost"), "paid_by": _("Paid by"), "value": _("Central value"),
                "range": _("Range"), "distribution": _("Distribution"), "basis": _("Cost basis"),
                "placeholder": _("Source")},
        note=_("Range: lowest to highest value of a triangular or uniform distribution; 5th to 95th percentile of "
               "a lognormal one. The Monte Carlo draws each unit cost from its distribution. Placeholder: shipped "
               "with the toolkit; given: from [costs] of the configuration."))


def cost_tables(ev: Any) -> list[PublishedTable]:
    """The costs section's own tables: benefits and costs by perspective, benefits by source, and unit
    costs with their ranges (empty when the run has no costs)."""
    if ev.costs is None:
        return []
    acc = _account(ev)
    return [_perspective_table(ev, acc), _detail_table(acc), _unit_cost_table(ev)]


def costs_section(ev: Any, tables: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """The "Costs and benefits" section of the report.

    Parameters
    ----------
    ev : Evaluation
        A completed evaluation whose ``costs`` is not None.
    tables : dict
        The published tables of the run, by name (``costs_per_person`` is placed here when present).
    figures : dict
        The figures of the run, by name.

    Returns
    -------
    dict
        A section of the content model: ``id``, ``title`` and ``blocks``.
    """
    from altmeasures_eval.costs import money_basis
    from altmeasures_eval.report._blocks import figure_blocks, paragraph, table_block

    c = ev.costs
    acc = _account(ev)
    own = {t.name: t for t in cost_tables(ev)}
    uc = c.unit_costs
    tot = acc.totals
    basis = money_basis(uc.currency, uc.price_year, uc.discount_rate)
    country = getattr(ev.spec.report, "country_name", "") or ev.country
    timing = {"start": _("costs of each year of follow-up are discounted from the start of that year, so the first "
                         "year is not discounted"),
              "mid": _("costs of each year of follow-up are discounted from the middle of that year"),
              "end": _("costs of each year of follow-up are discounted from the end of that year")}[uc.discount_timing]
    intro = _("Costs are compared per person over {years} from the decision, in {currency} at {year} prices, as "
              "present values at a discount rate of {rate} a year ({timing}). The benefits of an alternative measure "
              "are the costs it avoids; they are split by who gains, as the Washington State Institute for Public "
              "Policy (WSIPP) does: taxpayers, participants, others (victims of crime) and indirect.").format(
        years=_years(c.horizon), currency=uc.currency, year=uc.price_year, rate=fmt_pct(uc.discount_rate, 1),
        timing=timing)
    gaps = [_("Benefits to participants are not measured: their earnings, their own health costs and the fines "
              "they pay are not in the data.")]
    if "indirect" in acc.not_measured:
        gaps.append(_("Indirect benefits (the deadweight cost of the taxes that pay for custody and alternatives) are "
                      "not included: [costs] deadweight_rate is 0 (WSIPP uses 0.5)."))
    headline = _("Per person, benefits minus costs come to {npv} ({basis}); the chance that benefits exceed costs is "
                 "{chance}.").format(npv=fmt_money(tot["benefits_minus_costs"], uc.currency), basis=basis,
                                     chance=fmt_pct(c.monte_carlo.chance_positive, 0))
    if "indirect" not in acc.not_measured:  # the Monte Carlo, the tornado and the summary leave the deadweight out
        headline = _("Per person, benefits minus costs come to {npv} with the deadweight cost of taxation and {direct} "
                     "without it ({basis}); the chance that benefits exceed costs, without it, is {chance}.").format(
            npv=fmt_money(tot["benefits_minus_costs"], uc.currency), direct=fmt_money(c.comparison.npv, uc.currency),
            basis=basis, chance=fmt_pct(c.monte_carlo.chance_positive, 0))
    warning = placeholder_warning(uc, country)
    blocks: list[dict[str, Any]] = [
        paragraph(intro),
        *([warning] if warning else []),
        paragraph(headline),
        table_block(own["cost_perspectives"]),
        {"kind": "list", "items": gaps},
        table_block(own["cost_benefits_by_source"]),
        *figure_blocks(figures, "break_even"),
        *([table_block(tables["costs_per_person"])] if "costs_per_person" in tables else []),
        *figure_blocks(figures, "cost_waterfall"), *figure_blocks(figures, "monte_carlo"), *figure_blocks(figures, "tornado"),
        table_block(own["unit_cost_ranges"]),
    ]
    return {"id": "costs", "title": _("Costs and benefits"), "blocks": blocks}
