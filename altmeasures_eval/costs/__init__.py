"""Costs: unit-cost table, per-person costs by perspective, NPV, benefit-cost ratio, Monte Carlo.

Pure functions and immutable results; plots are in :mod:`altmeasures_eval.plotting`. Methods:
``docs/methods/costs.md``.
"""

from altmeasures_eval.costs._compare import (
    CostComparison,
    benefit_cost,
    compare_costs,
)
from altmeasures_eval.costs._perspectives import (
    BENEFICIARIES,
    PerspectiveAccount,
    break_even,
    money_basis,
    perspective_account,
    wsipp_totals,
)
from altmeasures_eval.costs._quantities import (
    CostQuantities,
    cost_quantities,
    count_treatment_days,
    discount_factors,
)
from altmeasures_eval.costs._uncertainty import (
    MonteCarlo,
    Sensitivity,
    cost_effect_draws,
    monte_carlo,
    one_way_sensitivity,
)
from altmeasures_eval.costs._unit import (
    PERSPECTIVES,
    UnitCost,
    UnitCostTable,
    default_unit_costs,
    deflate,
    unit_costs_from_config,
)

__all__ = [
    "BENEFICIARIES",
    "PERSPECTIVES",
    "PerspectiveAccount",
    "break_even",
    "money_basis",
    "perspective_account",
    "wsipp_totals",
    "CostComparison",
    "CostQuantities",
    "MonteCarlo",
    "Sensitivity",
    "UnitCost",
    "UnitCostTable",
    "benefit_cost",
    "compare_costs",
    "cost_effect_draws",
    "cost_quantities",
    "count_treatment_days",
    "default_unit_costs",
    "deflate",
    "discount_factors",
    "monte_carlo",
    "one_way_sensitivity",
    "unit_costs_from_config",
]
