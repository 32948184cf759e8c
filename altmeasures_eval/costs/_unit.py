"""Unit costs from the ``[costs]`` config section: values, uncertainty distributions, price years.

Every value is either fixed or has a distribution (triangular, lognormal, uniform) used by the
Monte Carlo and by the one-way sensitivity. Values given in another price year are converted to the
table's price year with the deflator series of the config. Defaults are placeholders: a report must
say so (``UnitCostTable.placeholders``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.population._base import ResultMixin
from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS, MODALITIES, SEVERITY_TIERS

__all__ = [
    "PERSPECTIVES",
    "UnitCost",
    "UnitCostTable",
    "default_unit_costs",
    "unit_costs_from_config",
]

#: Perspectives of the cost analysis (WSIPP: taxpayers, participants, others; here the State's
#: justice budget, the health budget, and victims of crime).
PERSPECTIVES = ("justice", "health", "victims")
DISTRIBUTIONS = ("fixed", "triangular", "lognormal", "uniform")
#: Cost groups of the config, with the keys allowed below them and their perspective.
GROUPS: dict[str, tuple[tuple[str, ...] | None, str]] = {
    "custody_day": (None, "justice"),
    "alternative_day": (ALTERNATIVE_DISPOSITIONS, "justice"),
    "treatment_day": (MODALITIES, "health"),
    "treatment_episode": (MODALITIES, "health"),
    "reoffence": (None, "justice"),
    "victim": (SEVERITY_TIERS, "victims"),
}
DEFAULT_KEY = "default"


@dataclass(frozen=True)
class UnitCost:
    """One unit cost.

    Attributes
    ----------
    item : str
        ``custody_day``, ``reoffence``, or ``group.key`` (``alternative_day.probation``,
        ``treatment_day.residential``, ``treatment_episode.detoxification``, ``victim.violent``;
        ``group.default`` for the others).
    value : float
        Central value (the mode of a triangular, the mean of a lognormal) in the table's price year.
    perspective : str
        Who bears it: ``justice``, ``health`` or ``victims``.
    distribution : str
        ``fixed``, ``triangular`` (``low``, ``value``, ``high``), ``lognormal`` (mean ``value``,
        standard deviation ``sd``) or ``uniform`` (``low``, ``high``).
    low, high, sd : float or None
    basis : str
        ``marginal`` or ``average`` (custody day; average costs overstate savings, so they are
        labelled).
    placeholder : bool
        True for the shipped defaults, which are not estimates for any country.
    """

    item: str
    value: float
    perspective: str
    distribution: str = "fixed"
    low: float | None = None
    high: float | None = None
    sd: float | None = None
    basis: str = "marginal"
    placeholder: bool = False

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` random draws of the cost from its distribution (the value itself if fixed)."""
        if self.distribution == "fixed":
            return np.full(n, self.value)
        if self.distribution == "triangular":
            if self.high == self.low:
                return np.full(n, self.value)
            return rng.triangular(self.low, self.value, self.high, n)
        if self.distribution == "uniform":
            return rng.uniform(self.low, self.high, n)
        mu, sigma = _lognormal_params(self.value, float(self.sd))
        return rng.lognormal(mu, sigma, n)

    def bounds(self, coverage: float = 0.90) -> tuple[float, float]:
        """Low and high values for one-way sensitivity: the distribution's central ``coverage``
        interval (5th and 95th percentiles by default); the value itself when fixed."""
        from scipy import stats

        a = (1 - coverage) / 2
        if self.distribution == "fixed":
            return self.value, self.value
        if self.distribution == "uniform":
            d = stats.uniform(self.low, self.high - self.low)
        elif self.distribution == "triangular":
            width = self.high - self.low
            if width == 0:
                return self.value, self.value
            d = stats.triang((self.value - self.low) / width, loc=self.low, scale=width)
        else:
            mu, sigma = _lognormal_params(self.value, float(self.sd))
            d = stats.lognorm(sigma, scale=math.exp(mu))
        return float(d.ppf(a)), float(d.ppf(1 - a))


def _lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


@dataclass(frozen=True)
class UnitCostTable(ResultMixin):
    """The unit costs of one evaluation, in one currency and price year.

    Attributes
    ----------
    currency : str
    price_year : int
    items : dict[str, UnitCost]
    discount_rate : float
        Annual real discount rate for costs after the first year of follow-up.
    discount_timing : str
        When in each follow-up year costs fall: ``start`` (year ``k`` discounted by
        ``(1 + r)^-(k-1)``, the first year undiscounted), ``mid`` (``k - 0.5``) or ``end`` (``k``).
    deflator : dict[int, float]
        Price index by year, any base.
    notes : tuple of str
    deadweight_rate : float
        Deadweight cost of taxation per unit of taxpayer money, for the indirect perspective of
        :func:`~altmeasures_eval.costs.perspective_account` (WSIPP uses 0.5); 0 leaves it out.
    """

    currency: str
    price_year: int
    items: dict[str, UnitCost]
    discount_rate: float = 0.035
    discount_timing: str = "start"
    deflator: dict[int, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    deadweight_rate: float = 0.0
    _title = "Unit costs"

    @property
    def placeholders(self) -> list[str]:
        """Items whose value is a shipped placeholder, not a local estimate."""
        return [k for k, u in self.items.items() if u.placeholder]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per item: value, distribution, bounds, perspective, basis, placeholder flag."""
        rows = [{"item": k, "perspective": u.perspective, "value": u.value,
                 "distribution": u.distribution, "low": u.low, "high": u.high, "sd": u.sd,
                 "basis": u.basis, "placeholder": u.placeholder,
                 "currency": self.currency, "price_year": self.price_year}
                for k, u in self.items.items()]
        return pd.DataFrame(rows)

    def get(self, group: str, key: str | None = None) -> UnitCost:
        """The unit cost of ``group.key``, falling back to ``group.default``."""
        if key is not None and f"{group}.{key}" in self.items:
            return self.items[f"{group}.{key}"]
        name = group if key is None else f"{group}.{DEFAULT_KEY}"
        if name not in self.items:
            raise ConfigError(f"[costs.{group}] has no entry for {key!r} and no 'default'; add one")
        return self.items[name]

    def with_value(self, item: str, value: float) -> UnitCostTable:
        """A copy with one item fixed at ``value`` (for one-way sensitivity)."""
        items = dict(self.items)
        items[item] = replace(items[item], value=float(value), distribution="fixed")
        return replace(self, items=items)


def deflate(value: float, from_year: int, to_year: int, deflator: Mapping[int, float]) -> float:
    """Convert ``value`` from prices of ``from_year`` to prices of ``to_year``:
    ``value x D[to_year] / D[from_year]``.

    Examples
    --------
    >>> deflate(100.0, 2020, 2024, {2020: 100.0, 2024: 120.0})
    120.0
    """
    if from_year == to_year:
        return float(value)
    missing = [y for y in (from_year, to_year) if y not in deflator]
    if missing:
        raise ConfigError(
            f"[costs.deflator] has no index for year(s) {missing}; add them to convert prices of "
            f"{from_year} to {to_year}"
        )
    return float(value) * deflator[to_year] / deflator[from_year]


def _num(raw: Mapping[str, Any], key: str, where: str) -> float | None:
    v = raw.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ConfigError(f"[{where}] {key} must be a number, got {v!r}")
    return float(v)


def _unit(item: str, raw: Any, perspective: str, price_year: int, deflator: Mapping[int, float],
          placeholder: bool) -> UnitCost:
    where = f"costs.{item}"
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = {"value": raw}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{where}] must be a number or a table with 'value', got {raw!r}")
    unknown = set(raw) - {"value", "distribution", "low", "high", "sd", "basis", "price_year"}
    if unknown:
        raise ConfigError(f"[{where}] unknown key(s) {sorted(unknown)}; allowed: value, distribution, "
                          "low, high, sd, basis, price_year")
    dist = raw.get("distribution", "fixed")
    if dist not in DISTRIBUTIONS:
        raise ConfigError(f"[{where}] distribution must be one of {DISTRIBUTIONS}, got {dist!r}")
    value, low, high, sd = (_num(raw, k, where) for k in ("value", "low", "high", "sd"))
    if dist == "uniform" and value is None and low is not None and high is not None:
        value = (low + high) / 2
    if value is None or value < 0:
        raise ConfigError(f"[{where}] needs a non-negative 'value' (the central cost), got {value!r}")
    if dist in ("triangular", "uniform"):
        if low is None or high is None or not low <= value <= high:
            raise ConfigError(f"[{where}] {dist} needs low <= value <= high, got low={low}, "
                              f"value={value}, high={high}")
    if dist == "lognormal" and (sd is None or sd <= 0 or value <= 0):
        raise ConfigError(f"[{where}] lognormal needs a positive value (the mean) and sd > 0")
    basis = raw.get("basis", "marginal")
    if basis not in ("marginal", "average"):
        raise ConfigError(f"[{where}] basis must be 'marginal' or 'average', got {basis!r}")
    year = raw.get("price_year", price_year)
    f = deflate(1.0, int(year), price_year, deflator)
    scale = (lambda x: None if x is None else x * f)
    return UnitCost(item=item, value=value * f, perspective=perspective, distribution=dist,
                    low=scale(low), high=scale(high), sd=scale(sd), basis=basis,
                    placeholder=placeholder)


def unit_costs_from_config(section: Mapping[str, Any], placeholder: bool = False) -> UnitCostTable:
    """Build the unit-cost table from the ``[costs]`` config section.

    Parameters
    ----------
    section : mapping
        ``currency``, ``price_year``, ``discount_rate``, ``discount_timing``, ``deadweight_rate``,
        ``[costs.deflator]`` (year = index), and the cost groups ``custody_day``, ``reoffence`` (a number or a table) and
        ``alternative_day``, ``treatment_day``, ``treatment_episode``, ``victim`` (tables keyed by
        disposition, modality or severity tier, plus ``default``). Each cost is a number or a table with ``value``,
        ``distribution``, ``low``, ``high``, ``sd``, ``basis``, ``price_year``. Groups left out keep
        the placeholder defaults (flagged).
    placeholder : bool
        Mark every item as a placeholder (used for the shipped defaults).

    Returns
    -------
    UnitCostTable
        Values converted to ``price_year`` with the deflator.
    """
    # ``analysis`` holds the settings of the costs command, not unit costs.
    known = {"currency", "price_year", "discount_rate", "discount_timing", "deflator", "analysis",
             "deadweight_rate", *GROUPS}
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"[costs] unknown key(s) {sorted(unknown)}; allowed: {sorted(known)}")
    currency = str(section.get("currency", "USD"))
    price_year = int(section.get("price_year", 2024))
    rate = _num(section, "discount_rate", "costs")
    rate = 0.035 if rate is None else rate
    if not 0 <= rate < 1:
        raise ConfigError(f"[costs] discount_rate must be in [0, 1), got {rate}")
    deadweight = _num(section, "deadweight_rate", "costs")
    deadweight = 0.0 if deadweight is None else deadweight
    if not 0 <= deadweight < 5:
        raise ConfigError(f"[costs] deadweight_rate must be from 0 (left out) to below 5 (WSIPP uses 0.5), "
                          f"got {deadweight}")
    timing = section.get("discount_timing", "start")
    if timing not in ("start", "mid", "end"):
        raise ConfigError(f"[costs] discount_timing must be 'start', 'mid' or 'end', got {timing!r}")
    raw_defl = section.get("deflator", {})
    try:
        deflator = {int(k): float(v) for k, v in raw_defl.items()}
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError("[costs.deflator] must map years to index values, e.g. 2020 = 100.0") from exc
    if any(v <= 0 for v in deflator.values()):
        raise ConfigError("[costs.deflator] index values must be positive")
    defaults = _DEFAULTS if not placeholder else {}
    items: dict[str, UnitCost] = {}
    notes = []
    for group, (keys, perspective) in GROUPS.items():
        given = group in section
        raw = section.get(group, defaults.get(group))
        is_ph = placeholder or not given
        if raw is None:
            continue
        if keys is None:
            items[group] = _unit(group, raw, perspective, price_year, deflator, is_ph)
        else:
            if not isinstance(raw, Mapping):
                raise ConfigError(f"[costs.{group}] must be a table keyed by "
                                  f"{', '.join((DEFAULT_KEY, *keys))}")
            for key, val in raw.items():
                if key != DEFAULT_KEY and key not in keys:
                    raise ConfigError(f"[costs.{group}] {key!r} is not in the vocabulary; use one of "
                                      f"{', '.join((DEFAULT_KEY, *keys))}")
                items[f"{group}.{key}"] = _unit(f"{group}.{key}", val, perspective, price_year,
                                                deflator, is_ph)
        if not given and not placeholder:
            notes.append(f"[costs.{group}] not given: placeholder defaults used")
    cust = items.get("custody_day")
    if cust is not None and cust.basis == "average":
        notes.append("custody day cost is an average cost; marginal costs are lower and the savings "
                     "from fewer bed-days are overstated (Vera Institute 2013)")
    if placeholder:
        notes.append("every unit cost is a placeholder, not an estimate for any country")
    return UnitCostTable(currency=currency, price_year=price_year, items=items, discount_rate=rate,
                         discount_timing=timing, deflator=deflator, notes=tuple(notes),
                         deadweight_rate=deadweight)


#: Placeholder defaults: round numbers of plausible relative size, NOT estimates for any country.
_DEFAULTS: dict[str, Any] = {
    "custody_day": {"value": 100.0, "distribution": "triangular", "low": 60.0, "high": 140.0},
    "alternative_day": {DEFAULT_KEY: {"value": 10.0, "distribution": "triangular", "low": 5.0,
                                      "high": 20.0}},
    "treatment_day": {DEFAULT_KEY: {"value": 30.0, "distribution": "triangular", "low": 15.0,
                                    "high": 60.0}},
    # Per episode 0 by default: treatment is priced per day unless a country prices episodes.
    "treatment_episode": {DEFAULT_KEY: 0.0},
    "reoffence": {"value": 3000.0, "distribution": "triangular", "low": 1500.0, "high": 6000.0},
    "victim": {DEFAULT_KEY: {"value": 2000.0, "distribution": "lognormal", "sd": 2000.0}},
}


def default_unit_costs() -> UnitCostTable:
    """The shipped placeholder table (USD, price year 2024), every item flagged as placeholder."""
    return unit_costs_from_config({"currency": "USD", "price_year": 2024, **_DEFAULTS},
                                  placeholder=True)
