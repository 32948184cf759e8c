"""Per-person costs by perspective, net present value and benefit-cost ratio with dominance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.costs._quantities import OUTCOME, PROGRAMME, CostQuantities
from altmeasures_eval.costs._unit import PERSPECTIVES, UnitCostTable
from altmeasures_eval.effects import weighted_mean_difference
from altmeasures_eval.population._base import ResultMixin

__all__ = ["CostComparison", "compare_costs", "benefit_cost", "unit_price_vector"]

EffectFn = Callable[..., Mapping[str, float]]

DOMINANT = "dominant"
DOMINATED = "dominated"
RATIO = "ratio"
TRADE_OFF = "cheaper, worse outcomes"
NO_DIFFERENCE = "no difference"


def benefit_cost(benefits: float, net_cost: float) -> tuple[float, str]:
    """Benefit-cost ratio and verdict for an alternative compared with custody.

    ``net_cost`` is the extra programme cost of the alternative (negative = cheaper than the
    custody it replaces); ``benefits`` the outcome costs it avoids (positive = savings).

    * cheaper (net cost <= 0) and not worse (benefits >= 0): ``dominant``, no ratio (WSIPP reports
      "n/a": a ratio of two signs means nothing);
    * dearer and not better (benefits <= 0): ``dominated``, no ratio;
    * dearer and better: ``ratio`` = benefits / net cost;
    * cheaper but worse outcomes: no ratio; the net present value decides.

    Examples
    --------
    >>> benefit_cost(13_926.0, 4_924.0)[1], round(benefit_cost(13_926.0, 4_924.0)[0], 2)
    ('ratio', 2.83)
    >>> benefit_cost(100.0, -50.0)[1]
    'dominant'
    """
    if net_cost == 0 and benefits == 0:
        return np.nan, NO_DIFFERENCE
    if net_cost <= 0 and benefits >= 0:
        return np.nan, DOMINANT
    if net_cost > 0 and benefits <= 0:
        return np.nan, DOMINATED
    if net_cost > 0:
        return benefits / net_cost, RATIO
    return np.nan, TRADE_OFF


def unit_price_vector(columns: list[str], table: UnitCostTable) -> tuple[np.ndarray, list[str], list[str]]:
    """Price, unit-cost item and perspective of each quantity column."""
    prices, items, persp = [], [], []
    for col in columns:
        item = col.split("|")[0]
        group, _, key = item.partition(".")
        u = table.get(group, key or None)
        prices.append(u.value)
        items.append(u.item)
        persp.append(u.perspective)
    return np.array(prices), items, persp


@dataclass(frozen=True)
class CostComparison(ResultMixin):
    """Present-value costs per person of the alternative and custody groups, and their difference.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per perspective and component (``programme``, ``outcome``, ``total``), plus an
        ``all`` perspective: ``mean_alternative``, ``mean_custody``, ``difference`` (alternative
        minus custody), and ``se``, ``ci_low``, ``ci_high`` when an effect function was given.
    delta_quantities : pandas.Series
        Adjusted difference in present-value quantities per quantity column (point estimates).
    net_cost : float
        Extra programme cost per person of the alternative (negative = cheaper).
    benefits : float
        Outcome costs avoided per person (later custody, reoffence processing, victims).
    npv : float
        ``benefits - net_cost`` (= custody minus alternative total cost).
    ratio : float
        Benefit-cost ratio (NaN unless the verdict is ``ratio``).
    verdict : str
    per_person : pandas.DataFrame
        Present-value cost per person by perspective and component (no identifiers), rows of the
        observable persons.
    currency, price_year, discount_rate, estimand : as used
    notes : tuple of str
    by_period : pandas.DataFrame
        Adjusted difference (alternative minus custody) in cost per person by follow-up period,
        perspective and component: ``period`` (1, 2, ...), ``start_day``, ``end_day``,
        ``perspective``, ``component``, ``difference`` (not discounted) and ``pv_difference``
        (discounted at ``discount_rate``). The present values summed over periods give ``table``'s
        differences (point estimates); the break-even chart reads this frame.
    prices : pandas.Series
        The unit price of each quantity column (index as ``delta_quantities``), central values.
    """

    table: pd.DataFrame
    delta_quantities: pd.Series
    net_cost: float
    benefits: float
    npv: float
    ratio: float
    verdict: str
    per_person: pd.DataFrame
    currency: str
    price_year: int
    discount_rate: float
    estimand: str
    notes: tuple[str, ...] = field(default=())
    by_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    prices: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    _title = "Costs per person (present value)"

    @property
    def summary(self) -> pd.DataFrame:
        """The perspective-by-component table followed by the headline rows."""
        head = pd.DataFrame({
            "perspective": "all", "component": ["net programme cost", "benefits", "npv",
                                                "benefit-cost ratio"],
            "difference": [self.net_cost, self.benefits, self.npv, self.ratio],
        })
        out = pd.concat([self.table, head], ignore_index=True)
        out.attrs["verdict"] = self.verdict
        return out

    def totals(self, n_people: float) -> pd.DataFrame:
        """Programme totals: per-person differences times the number of people diverted (e.g. the
        alternative group of the evaluation year for the ATT, or those diverted in a scenario)."""
        t = self.table[["perspective", "component", "difference"]].copy()
        for c in ("difference", "ci_low", "ci_high"):
            if c in self.table:
                t[f"total_{c}"] = self.table[c] * n_people
        t["n_people"] = n_people
        return t


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (x * w[:, None]).sum(axis=0) / w.sum()


class _Priced(NamedTuple):
    """What :func:`compare_costs` and :func:`net_present_value` both start from."""

    obs: np.ndarray  # the people compared: fully observable follow-up
    t: np.ndarray  # their treatment (1 alternative, 0 custody)
    w: np.ndarray  # their weights
    q: pd.DataFrame  # their discounted quantities, one column per "{item}|{component}"
    price: np.ndarray  # the unit price of each column
    persp: list[str]  # the perspective of each column
    comp: list[str]  # the component of each column (programme or outcome)
    dq: np.ndarray  # adjusted difference in mean quantities (alternative - custody)


def _priced(quantities: CostQuantities, unit_costs: UnitCostTable, weights: np.ndarray | None) -> _Priced:
    """The people compared, their quantities and prices, and the adjusted difference in means."""
    obs = quantities.observable
    if not obs.any():
        raise DataContractError("no person has a fully observable follow-up for the last horizon; "
                                "use a shorter horizon or a later extract")
    t = quantities.treatment[obs]
    w = np.ones(obs.sum()) if weights is None else np.asarray(weights, float)[obs]
    if not ((t == 1) & (w > 0)).any() or not ((t == 0) & (w > 0)).any():
        raise DataContractError("cost comparison needs people with positive weight in both groups")
    q = quantities.discounted(unit_costs.discount_rate, unit_costs.discount_timing)[obs]
    price, _, persp = unit_price_vector(list(q.columns), unit_costs)
    comp = [c.split("|")[1] for c in q.columns]
    qa = q.to_numpy(float)
    dq = _wmean(qa[t == 1], w[t == 1]) - _wmean(qa[t == 0], w[t == 0])
    return _Priced(obs, t, w, q, price, persp, comp, dq)


def _net_cost_benefits(dq: np.ndarray, price: np.ndarray, comp: list[str]) -> tuple[float, float]:
    """Net programme cost and benefits (outcome costs avoided) per person."""
    is_prog = np.array([c == PROGRAMME for c in comp])
    return float((dq * price)[is_prog].sum()), float(-(dq * price)[~is_prog].sum())


def net_present_value(quantities: CostQuantities, unit_costs: UnitCostTable,
                      weights: np.ndarray | None = None) -> float:
    """The net present value per person of :func:`compare_costs` (benefits - net cost), alone.

    For the sensitivity analyses, which vary an input and need only this number.
    """
    p = _priced(quantities, unit_costs, weights)
    net_cost, benefits = _net_cost_benefits(p.dq, p.price, p.comp)
    return benefits - net_cost


def compare_costs(
    quantities: CostQuantities,
    unit_costs: UnitCostTable,
    weights: np.ndarray | None = None,
    estimand: str = "ATT",
    cluster: np.ndarray | None = None,
    effect: EffectFn | None = weighted_mean_difference,
    alpha: float = 0.05,
) -> CostComparison:
    """Price the quantities, discount them, and compare the groups per person.

    Parameters
    ----------
    quantities : CostQuantities
    unit_costs : UnitCostTable
    weights : array, optional
        Matching or weighting weights targeting ``estimand`` (from the matching layer), aligned
        with the cohort rows; ``None`` = an unadjusted comparison.
    estimand : {"ATT", "ATC", "ATE"}
    cluster : array, optional
        Cluster of each cohort row for the variance (matched set, or person).
    effect : callable or None
        Weighted mean difference with its interval, applied to the per-person cost of each
        perspective and component: ``effect(y, treatment, weights, cluster=..., alpha=...) ->
        {"estimate", "se", "ci_low", "ci_high"}``; default
        :func:`altmeasures_eval.effects.weighted_mean_difference` (weights taken as fixed).
        ``None``: point differences only.
    alpha : float

    Returns
    -------
    CostComparison

    Examples
    --------
    >>> beds = count_bed_days(cohort, ds.custody_spells, ext)  # doctest: +SKIP
    >>> q = cost_quantities(cohort, beds, count_treatment_days(cohort, ds.treatment_episodes, ext))  # doctest: +SKIP
    >>> res = compare_costs(q, unit_costs_from_config(cfg.section("costs")), weights=w)  # doctest: +SKIP
    >>> res.verdict, res.npv  # doctest: +SKIP

    Notes
    -----
    Costs are valued from the index decision over the last horizon, in the table's price year and
    currency, discounted per follow-up period (:func:`discount_factors`). Differences are causal
    only under the assumptions of the design that produced the weights (no unmeasured confounding,
    overlap). Persons whose follow-up passes the extract date are left out.
    """
    obs, t, w, q, price, persp, comp, dq = _priced(quantities, unit_costs, weights)
    cl = None if cluster is None else np.asarray(cluster)[obs]
    qa = q.to_numpy(float)
    cost = qa * price
    per_person = {}
    for p in (*PERSPECTIVES, "all"):
        for c in (PROGRAMME, OUTCOME, "total"):
            m = np.array([(p in ("all", pp)) and (c in ("total", cc)) for pp, cc in zip(persp, comp)])
            if m.any():
                per_person[(p, c)] = cost[:, m].sum(axis=1)
    rows: list[dict] = []
    no_interval: list[str] = []
    for (p, c), y in per_person.items():
        rec = {"perspective": p, "component": c,
               "mean_alternative": float(np.average(y[t == 1], weights=w[t == 1])),
               "mean_custody": float(np.average(y[t == 0], weights=w[t == 0]))}
        rec["difference"] = rec["mean_alternative"] - rec["mean_custody"]
        if effect is not None:
            res = effect(y, t, w, cluster=cl, alpha=alpha)
            rec.update({"difference": float(res["estimate"]), "se": float(res["se"]),
                        "ci_low": float(res["ci_low"]), "ci_high": float(res["ci_high"])})
            if res.get("not_estimable"):
                no_interval.append(f"{p} {c} cost difference: no interval ({res['not_estimable']})")
        rows.append(rec)
    table = pd.DataFrame(rows)
    net_cost, benefits = _net_cost_benefits(dq, price, comp)
    ratio, verdict = benefit_cost(benefits, net_cost)
    notes = [*unit_costs.notes, *quantities.notes]
    if unit_costs.placeholders:
        notes.append(f"placeholder unit costs used for: {', '.join(unit_costs.placeholders)}")
    if effect is None:
        notes.append("no confidence interval: effect=None")
    notes += no_interval
    if weights is None:
        notes.append("unweighted: a raw comparison, not adjusted for differences between groups")
    left = int((~obs).sum())
    if left:
        notes.append(f"{left} persons left out: follow-up to {quantities.periods[-1][1]} days not "
                     "observable by the extract date")
    pp = pd.DataFrame({f"{p}|{c}": y for (p, c), y in per_person.items()}, index=q.index)
    by_period = _by_period(quantities, unit_costs, obs, t, w, price, persp, comp)
    return CostComparison(
        table=table, delta_quantities=pd.Series(dq, index=q.columns), net_cost=net_cost,
        benefits=benefits, npv=benefits - net_cost, ratio=ratio, verdict=verdict, per_person=pp,
        currency=unit_costs.currency, price_year=unit_costs.price_year,
        discount_rate=unit_costs.discount_rate, estimand=estimand, notes=tuple(notes), by_period=by_period,
        prices=pd.Series(price, index=q.columns),
    )


def _by_period(quantities: CostQuantities, unit_costs: UnitCostTable, obs: np.ndarray, t: np.ndarray,
               w: np.ndarray, price: np.ndarray, persp: list[str], comp: list[str]) -> pd.DataFrame:
    """Adjusted cost differences per person by follow-up period, perspective and component."""
    from altmeasures_eval.costs._quantities import discount_factors

    factors = discount_factors(quantities.periods, unit_costs.discount_rate, unit_costs.discount_timing)
    keys = sorted({(p, c) for p, c in zip(persp, comp)}, key=lambda k: (PERSPECTIVES.index(k[0]), k[1]))
    rows = []
    for k, ((lo, hi), frame, f) in enumerate(zip(quantities.periods, quantities.per_period, factors), start=1):
        qa = frame.to_numpy(float)[obs]
        d = (_wmean(qa[t == 1], w[t == 1]) - _wmean(qa[t == 0], w[t == 0])) * price
        for p, c in keys:
            m = np.array([(pp, cc) == (p, c) for pp, cc in zip(persp, comp)])
            rows.append({"period": k, "start_day": lo, "end_day": hi, "perspective": p, "component": c,
                         "difference": float(d[m].sum()), "pv_difference": float(d[m].sum() * f)})
    return pd.DataFrame(rows)
