"""Benefits and costs per person by perspective, in the manner of WSIPP's benefit-cost results.

The Washington State Institute for Public Policy (WSIPP) reports, per participant and in present
value: the benefits to *taxpayers*, to *participants*, to *others* (chiefly victims of crime) and
*indirect* benefits (the deadweight cost of the taxes that pay for, or are saved by, a programme);
their sum (total benefits); the net programme cost; benefits minus costs; the benefit-cost ratio;
and the chance that benefits exceed costs (Monte Carlo). WSIPP, *Benefit-Cost Technical
Documentation* (December 2017 and later editions) and its published results, e.g. drug courts,
https://www.wsipp.wa.gov/BenefitCost/Program/14 (taxpayers $4,888, participants $0, others $9,054,
indirect ($16), total benefits $13,926, net programme cost ($4,924), benefits minus costs $9,002,
ratio 2.83, in 2016 dollars).

Here the alternative measure is the programme and custody its comparison:

* the **net programme cost** is minus the extra cost of the index sanction (custody of the index
  case, days under the alternative measure, drug treatment), WSIPP's sign: negative when the
  alternative costs more, positive when it costs less than the custody it replaces;
* **taxpayers** gain the justice and health costs of outcomes that are avoided (later custody,
  processing of proven reoffences);
* **others** gain the victim costs of reoffences that are avoided;
* **participants**: their earnings, own health spending and fines are not in the data, so this
  perspective is *not measured* (shown as such, counted as 0 in the totals);
* **indirect**: ``deadweight_rate`` times the taxpayer flows (taxpayer benefits plus the net
  programme cost), WSIPP's adjustment for the deadweight cost of taxation (WSIPP uses 0.5; the
  default here is 0, which leaves it out and says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval.costs._compare import CostComparison, benefit_cost
from altmeasures_eval.costs._quantities import PROGRAMME
from altmeasures_eval.population._base import ResultMixin

__all__ = ["BENEFICIARIES", "PerspectiveAccount", "break_even", "money_basis", "perspective_account", "wsipp_totals"]

def money_basis(currency: str, price_year: int, discount_rate: float | None) -> str:
    """The basis of a money figure, in the active language, to print beside it: "USD, 2024 prices,
    present value at 3.5% a year" (``discount_rate`` None: "not discounted")."""
    from altmeasures_eval._i18n import _, fmt_pct

    if discount_rate is None:
        return _("{currency}, {year} prices, not discounted").format(currency=currency, year=price_year)
    return _("{currency}, {year} prices, present value at {rate} a year").format(
        currency=currency, year=price_year, rate=fmt_pct(discount_rate, 1))


#: WSIPP's beneficiaries, in its order.
BENEFICIARIES = ("taxpayers", "participants", "others", "indirect")
#: Who bears each cost perspective of :data:`altmeasures_eval.costs.PERSPECTIVES`.
PAYER = {"justice": "taxpayers", "health": "taxpayers", "victims": "others"}


def wsipp_totals(benefits: pd.DataFrame, net_programme_cost: float) -> dict[str, float | str]:
    """WSIPP's summary statistics from benefits by source and beneficiary.

    Parameters
    ----------
    benefits : pandas.DataFrame
        One row per source of benefits (crime, health care, the deadweight adjustment, ...) and
        one column per beneficiary of :data:`BENEFICIARIES` (a column left out, or NaN, counts 0).
    net_programme_cost : float
        WSIPP's sign: negative when the programme costs more than its comparison.

    Returns
    -------
    dict
        ``taxpayers``, ``participants``, ``others``, ``indirect`` (column sums), ``total_benefits``,
        ``net_programme_cost``, ``benefits_minus_costs`` (total benefits plus the net programme
        cost), ``ratio`` (total benefits over the cost, NaN when it has no meaning) and ``verdict``
        (:func:`~altmeasures_eval.costs.benefit_cost`).

    Examples
    --------
    WSIPP, drug courts (https://www.wsipp.wa.gov/BenefitCost/Program/14, 2016 dollars):

    >>> b = pd.DataFrame({"taxpayers": [4888.0], "participants": [0.0], "others": [9054.0], "indirect": [-16.0]})
    >>> t = wsipp_totals(b, -4924.0)
    >>> t["total_benefits"], t["benefits_minus_costs"], round(t["ratio"], 2)
    (13926.0, 9002.0, 2.83)
    """
    cols = {k: float(np.nansum(benefits[k].to_numpy(float))) if k in benefits else 0.0 for k in BENEFICIARIES}
    total = sum(cols.values())
    ratio, verdict = benefit_cost(total, -net_programme_cost)
    return {**cols, "total_benefits": total, "net_programme_cost": float(net_programme_cost),
            "benefits_minus_costs": total + net_programme_cost, "ratio": ratio, "verdict": verdict}


@dataclass(frozen=True)
class PerspectiveAccount(ResultMixin):
    """Benefits and costs per person by perspective (WSIPP's layout), present value.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per source: ``source`` (``later_custody``, ``reoffence_processing``,
        ``victims``, ``deadweight_programme``) and the columns ``taxpayers``, ``participants``
        (NaN: not measured), ``others``, ``indirect`` and ``total``.
    programme : pandas.DataFrame
        The net programme cost by part: ``source`` (``index_custody``, ``alternative_measure``,
        ``drug_treatment``) and ``net_programme_cost`` (WSIPP's sign).
    totals : dict
        :func:`wsipp_totals` of ``table`` and the net programme cost.
    not_measured : tuple of str
        Beneficiaries that the data cannot measure (``participants``; ``indirect`` when
        ``deadweight_rate`` is 0).
    deadweight_rate, currency, price_year, discount_rate, horizon : as used
    """

    table: pd.DataFrame
    programme: pd.DataFrame
    totals: dict[str, float | str]
    not_measured: tuple[str, ...]
    deadweight_rate: float
    currency: str
    price_year: int
    discount_rate: float
    notes: tuple[str, ...] = field(default=())
    _title = "Benefits and costs per person by perspective"

    @property
    def summary(self) -> pd.DataFrame:
        """The table by source followed by the totals row."""
        tot = {"source": "total", **{k: self.totals[k] for k in BENEFICIARIES}, "total": self.totals["total_benefits"]}
        return pd.concat([self.table, pd.DataFrame([tot])], ignore_index=True)


def _item_source(item: str, component: str) -> str:
    group = item.split(".")[0]
    if component == PROGRAMME:
        return {"custody_day": "index_custody", "alternative_day": "alternative_measure"}.get(group, "drug_treatment")
    return {"custody_day": "later_custody", "reoffence": "reoffence_processing"}.get(group, "victims")


def perspective_account(comparison: CostComparison, deadweight_rate: float = 0.0,
                        prices: pd.Series | None = None) -> PerspectiveAccount:
    """Regroup a cost comparison into WSIPP's benefits by perspective.

    Parameters
    ----------
    comparison : CostComparison
        Adjusted present-value quantity differences (``delta_quantities``) of the alternative
        minus custody.
    deadweight_rate : float
        Deadweight cost of taxation per unit of taxpayer money (WSIPP: 0.5). 0 leaves the indirect
        perspective out (stated in ``not_measured``).
    prices : pandas.Series, optional
        Unit price of each quantity column (default: ``comparison.prices``).

    Returns
    -------
    PerspectiveAccount
        Its ``benefits_minus_costs`` equals ``comparison.npv`` when ``deadweight_rate`` is 0.
    """
    if not 0 <= deadweight_rate < 5 or not math.isfinite(deadweight_rate):
        raise ValueError(f"deadweight_rate must be a number from 0 (left out) to below 5, got {deadweight_rate}")
    cols = list(comparison.delta_quantities.index)
    price = (comparison.prices if prices is None else prices).reindex(cols).to_numpy(float)
    cost = comparison.delta_quantities.to_numpy(float) * price  # extra cost per person of the alternative
    rows: dict[str, dict[str, float]] = {}
    programme: dict[str, float] = {}
    for col, c in zip(cols, cost):
        item, component = col.split("|")
        source = _item_source(item, component)
        if component == PROGRAMME:
            programme[source] = programme.get(source, 0.0) - c
        else:
            payer = "others" if source == "victims" else "taxpayers"
            rows.setdefault(source, {k: 0.0 for k in ("taxpayers", "others")})[payer] -= c
    order = ["later_custody", "reoffence_processing", "victims"]
    table = pd.DataFrame([{"source": s, **rows[s]} for s in order if s in rows])
    if table.empty:
        table = pd.DataFrame(columns=["source", "taxpayers", "others"])
    net_programme = float(sum(programme.values()))
    table["participants"] = np.nan
    table["indirect"] = deadweight_rate * table["taxpayers"]
    if deadweight_rate:
        table = pd.concat([table, pd.DataFrame([{"source": "deadweight_programme", "taxpayers": 0.0, "others": 0.0,
                                                 "participants": np.nan,
                                                 "indirect": deadweight_rate * net_programme}])], ignore_index=True)
    table = table[["source", *BENEFICIARIES]]
    table["total"] = table[list(BENEFICIARIES)].sum(axis=1, skipna=True)
    prog = pd.DataFrame([{"source": s, "net_programme_cost": programme[s]}
                         for s in ("index_custody", "alternative_measure", "drug_treatment") if s in programme])
    totals = wsipp_totals(table, net_programme)
    not_measured = ("participants",) + (() if deadweight_rate else ("indirect",))
    return PerspectiveAccount(table=table.reset_index(drop=True), programme=prog, totals=totals,
                              not_measured=not_measured, deadweight_rate=float(deadweight_rate),
                              currency=comparison.currency, price_year=comparison.price_year,
                              discount_rate=comparison.discount_rate)


def break_even(comparison: CostComparison, deadweight_rate: float = 0.0) -> pd.DataFrame:
    """Cumulative net benefit per person at the end of each follow-up period (WSIPP's break-even chart).

    The net benefit of a period is the cost of custody minus the cost of the alternative in that
    period, all perspectives, plus ``deadweight_rate`` times the taxpayers' part of it. WSIPP draws
    it in dollars that are not discounted, "to simplify the break-even point from a budgeting
    perspective"; both are returned.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``start_day``, ``end_day``, ``net_benefit`` (the period, not discounted),
        ``cumulative`` (not discounted), ``cumulative_pv`` (present value; its last value is the
        account's benefits minus costs).
    """
    bp = comparison.by_period
    if bp.empty:
        raise ValueError("the comparison has no costs by period (by_period); rebuild it with compare_costs")
    tax = bp["perspective"].map(PAYER).eq("taxpayers").to_numpy()
    weight = 1.0 + deadweight_rate * tax
    g = bp.assign(nb=-bp["difference"] * weight, nb_pv=-bp["pv_difference"] * weight)
    out = g.groupby(["period", "start_day", "end_day"], as_index=False)[["nb", "nb_pv"]].sum()
    out = out.rename(columns={"nb": "net_benefit"})
    out["cumulative"] = out["net_benefit"].cumsum()
    out["cumulative_pv"] = out["nb_pv"].cumsum()
    return out.drop(columns="nb_pv")

