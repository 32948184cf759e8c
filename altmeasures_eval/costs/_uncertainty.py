"""Monte Carlo over unit costs and effects jointly, and one-way sensitivity (tornado)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.costs._compare import (
    CostComparison,
    net_present_value,
    unit_price_vector,
)
from altmeasures_eval.costs._quantities import PROGRAMME, CostQuantities
from altmeasures_eval.costs._unit import UnitCostTable
from altmeasures_eval.population._base import ResultMixin
from altmeasures_eval.population._bootstrap import bootstrap_group_means

__all__ = ["MonteCarlo", "monte_carlo", "Sensitivity", "one_way_sensitivity", "cost_effect_draws"]


def cost_effect_draws(
    quantities: CostQuantities,
    unit_costs: UnitCostTable,
    weights: np.ndarray | None = None,
    n_boot: int = 1000,
    random_state: int | np.random.Generator | None = 0,
    cluster: np.ndarray | None = None,
) -> pd.DataFrame:
    """Bootstrap draws of the adjusted present-value quantity differences, all columns jointly.

    Resamples persons (or clusters) with the design weights held fixed
    (:func:`~altmeasures_eval.population.bootstrap_group_means`); quantities are discounted at the
    table's rate. The result is the ``effect_draws`` input of :func:`monte_carlo` and
    :func:`one_way_sensitivity`.
    """
    obs = quantities.observable
    q = quantities.discounted(unit_costs.discount_rate, unit_costs.discount_timing)[obs]
    w = None if weights is None else np.asarray(weights, float)[obs]
    cl = None if cluster is None else np.asarray(cluster)[obs]
    d = bootstrap_group_means(q.to_numpy(float), quantities.treatment[obs], w, n_boot, random_state, cl)
    return pd.DataFrame(d[:, 1, :] - d[:, 0, :], columns=q.columns)


def _effect_matrix(comparison: CostComparison, effect_draws: pd.DataFrame | None, n: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, int]:
    cols = list(comparison.delta_quantities.index)
    base = comparison.delta_quantities.to_numpy(float)
    if effect_draws is None:
        return np.broadcast_to(base, (n, len(cols))), 0
    unknown = set(effect_draws.columns) - set(cols)
    if unknown:
        raise ConfigError(f"effect draws have columns {sorted(unknown)} that are not quantity "
                          f"columns; expected some of {cols}")
    d = effect_draws.reindex(columns=cols)
    d = d.fillna(pd.Series(base, index=cols)).to_numpy(float)
    # Resample the bootstrap replicates (whole rows: the joint draw of all quantities).
    pick = rng.integers(0, len(d), n) if len(d) != n else rng.permutation(n)
    return d[pick], len(d)


@dataclass(frozen=True)
class MonteCarlo(ResultMixin):
    """Distribution of the net present value per person over unit-cost and effect uncertainty.

    Attributes
    ----------
    npv, net_cost, benefits : numpy.ndarray
        One value per draw.
    chance_positive : float
        Share of draws with benefits exceeding costs (NPV > 0): WSIPP's "chance benefits exceed
        costs".
    share_dominant : float
        Share of draws in which the alternative is cheaper and not worse.
    n_draws, n_effect_draws : int
    interval : float
    notes : tuple of str
    """

    npv: np.ndarray
    net_cost: np.ndarray
    benefits: np.ndarray
    chance_positive: float
    share_dominant: float
    n_draws: int
    n_effect_draws: int
    interval: float
    currency: str
    notes: tuple[str, ...] = field(default=())
    _title = "Monte Carlo risk analysis"

    @property
    def summary(self) -> pd.DataFrame:
        """Mean and interval of NPV, net cost and benefits; chance NPV > 0; share dominant."""
        a = (1 - self.interval) / 2
        rows = [{"quantity": k, "mean": float(v.mean()), "ci_low": float(np.quantile(v, a)),
                 "ci_high": float(np.quantile(v, 1 - a))}
                for k, v in (("npv", self.npv), ("net_cost", self.net_cost),
                             ("benefits", self.benefits))]
        rows += [{"quantity": "chance_benefits_exceed_costs", "mean": self.chance_positive},
                 {"quantity": "share_dominant", "mean": self.share_dominant}]
        return pd.DataFrame(rows)


def monte_carlo(
    comparison: CostComparison,
    unit_costs: UnitCostTable,
    effect_draws: pd.DataFrame | None = None,
    n_draws: int = 10_000,
    random_state: int | np.random.Generator | None = 0,
    interval: float = 0.95,
) -> MonteCarlo:
    """Joint Monte Carlo over unit costs and effect estimates.

    Each draw takes every unit cost from its distribution (one draw per item, shared by every
    quantity priced with it) and one bootstrap replicate of the effects (all quantity differences
    together, so their correlation is kept), and prices the difference:
    ``NPV = -sum_c dq_c x price_c``.

    Parameters
    ----------
    comparison : CostComparison
        Point estimates; quantity differences missing from ``effect_draws`` stay at these.
    unit_costs : UnitCostTable
    effect_draws : pandas.DataFrame, optional
        Bootstrap replicates of the adjusted present-value quantity differences (rows = replicates,
        columns = quantity columns of ``comparison.delta_quantities``), discounted at the table's
        rate, from the effects layer's bootstrap. Resampled with replacement to ``n_draws``.
    n_draws : int
        At least 10,000 by default.
    random_state : int or Generator
    interval : float

    Returns
    -------
    MonteCarlo
    """
    if n_draws < 1:
        raise ConfigError(f"n_draws must be positive, got {n_draws}")
    rng = np.random.default_rng(random_state)
    cols = list(comparison.delta_quantities.index)
    _, items, _ = unit_price_vector(cols, unit_costs)
    uniq = sorted(set(items))
    draws = {i: unit_costs.items[i].draw(n_draws, rng) for i in uniq}
    prices = np.column_stack([draws[i] for i in items])  # n_draws x columns
    dq, n_eff = _effect_matrix(comparison, effect_draws, n_draws, rng)
    cost = dq * prices
    prog = np.array([c.split("|")[1] == PROGRAMME for c in cols])
    net = cost[:, prog].sum(axis=1)
    ben = -cost[:, ~prog].sum(axis=1)
    npv = ben - net
    notes = []
    if effect_draws is None:
        notes.append("effects held at their point estimates: only unit-cost uncertainty is "
                     "propagated; pass bootstrap draws as effect_draws")
    if n_draws < 10_000:
        notes.append(f"only {n_draws:,} Monte Carlo draws (fewer than 10,000): the chance that "
                     "benefits exceed costs is imprecise")
    return MonteCarlo(npv=npv, net_cost=net, benefits=ben, chance_positive=float((npv > 0).mean()),
                      share_dominant=float(((net <= 0) & (ben >= 0)).mean()), n_draws=n_draws,
                      n_effect_draws=n_eff, interval=interval, currency=unit_costs.currency,
                      notes=tuple(notes))


@dataclass(frozen=True)
class Sensitivity(ResultMixin):
    """One-way sensitivity of the NPV per person: each input at its low and high value.

    Attributes
    ----------
    table : pandas.DataFrame
        ``input``, ``kind`` (unit cost, effect, discount rate), ``item`` (the unit-cost item or
        ``discount_rate``), ``component`` (of an effect: ``programme`` or ``outcome``), ``low_value``, ``high_value``,
        ``npv_low``, ``npv_high``, ``swing`` (``|npv_high - npv_low|``), sorted by swing, largest first.
    base_npv : float
    """

    table: pd.DataFrame
    base_npv: float
    currency: str
    notes: tuple[str, ...] = field(default=())
    _title = "One-way sensitivity of the net present value"

    @property
    def summary(self) -> pd.DataFrame:
        return self.table.copy()


def one_way_sensitivity(
    comparison: CostComparison,
    unit_costs: UnitCostTable,
    quantities: CostQuantities | None = None,
    weights: np.ndarray | None = None,
    effect_draws: pd.DataFrame | None = None,
    discount_range: tuple[float, float] = (0.0, 0.07),
    coverage: float = 0.90,
) -> Sensitivity:
    """Vary every input alone between its low and high value and record the NPV per person.

    Inputs: each unit cost (central ``coverage`` interval of its distribution; fixed costs +-25%),
    each adjusted quantity difference (``coverage`` percentile interval of ``effect_draws``), and the
    discount rate over ``discount_range`` (needs ``quantities`` and the same ``weights``).
    """
    cols = list(comparison.delta_quantities.index)
    dq = comparison.delta_quantities.to_numpy(float)
    price, items, _ = unit_price_vector(cols, unit_costs)
    base = float(-(dq * price).sum())  # = comparison.npv
    rows = []
    for item in sorted(set(items)):
        u = unit_costs.items[item]
        lo, hi = u.bounds(coverage) if u.distribution != "fixed" else (0.75 * u.value, 1.25 * u.value)
        m = np.array([i == item for i in items])
        npv = [base + float((dq[m] * (u.value - v)).sum()) for v in (lo, hi)]
        rows.append({"input": item, "kind": "unit cost", "item": item, "component": "", "low_value": lo,
                     "high_value": hi, "npv_low": npv[0], "npv_high": npv[1]})
    if effect_draws is not None:
        a = (1 - coverage) / 2
        for c in effect_draws.columns:
            j = cols.index(c)
            lo, hi = np.quantile(effect_draws[c].to_numpy(float), [a, 1 - a])
            npv = [base - (v - dq[j]) * price[j] for v in (lo, hi)]
            item, comp = c.split("|")
            rows.append({"input": f"effect on {item} ({comp})", "kind": "effect", "item": item, "component": comp,
                         "low_value": lo, "high_value": hi,
                         "npv_low": npv[0], "npv_high": npv[1]})
    notes = []
    if quantities is not None:
        npv = []
        for r in discount_range:
            t = replace(unit_costs, discount_rate=r)
            npv.append(net_present_value(quantities, t, weights=weights))
        rows.append({"input": "discount_rate", "kind": "discount rate", "item": "discount_rate", "component": "",
                     "low_value": discount_range[0],
                     "high_value": discount_range[1], "npv_low": npv[0], "npv_high": npv[1]})
    else:
        notes.append("discount rate not varied: pass the quantities and weights")
    if effect_draws is None:
        notes.append("effects not varied: pass bootstrap draws as effect_draws")
    table = pd.DataFrame(rows)
    table["swing"] = (table["npv_high"] - table["npv_low"]).abs()
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return Sensitivity(table=table, base_npv=base, currency=unit_costs.currency, notes=tuple(notes))
