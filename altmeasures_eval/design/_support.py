"""Common support through :func:`altmeasures_eval.matching.common_support` (the one implementation),
and the level check the design needs when no propensity model can be fitted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []

_GROUP = {1: "alternative", 0: "custody"}


def level_gaps(data: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """People at a level of a categorical covariate that the other group does not hold at all.

    Needs no propensity score, so it still answers when a model cannot be fitted because a
    covariate decides the group. Returns the rows kept and a ``group, reason, persons`` table.
    """
    t = data[treatment].to_numpy()
    out = np.zeros(len(t), dtype=bool)
    rows: list[dict[str, Any]] = []
    for c in covariates:
        col = data[c]
        if not (col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        vals = col.astype(object).fillna("unknown")
        for g in (1, 0):
            held = pd.unique(vals[t == 1 - g])
            miss = (t == g) & ~vals.isin(held).to_numpy() & ~out
            for lev in pd.unique(vals[miss]):
                n = int((miss & (vals == lev).to_numpy()).sum())
                rows.append({"group": _GROUP[g], "persons": n,
                             "reason": f"no comparable person in the {_GROUP[1 - g]} group: {c} = {lev}"})
            out |= miss
    return ~out, pd.DataFrame(rows, columns=["group", "reason", "persons"])


def find_support(data: pd.DataFrame, treatment: str, propensity: Any, *, estimand: str,
                 covariates: Sequence[str], rule: str) -> Any:
    """Common support of ``propensity`` for ``estimand``: :func:`altmeasures_eval.matching.common_support`,
    except that ``rule="none"`` keeps everyone (no level check either)."""
    from altmeasures_eval.matching import common_support

    if rule == "none":
        return common_support(data, treatment, propensity, estimand=estimand, covariates=list(covariates),
                              rule="none", levels=False)
    return common_support(data, treatment, propensity, estimand=estimand, covariates=list(covariates), rule=rule)


def dropped_table(support: Any) -> pd.DataFrame:
    """``group, reason, persons`` of a support result, whatever its exact column names."""
    d = getattr(support, "dropped", None)
    if d is None or len(d) == 0:
        return pd.DataFrame(columns=["group", "reason", "persons"])
    d = d.reset_index() if "reason" not in d.columns else d.copy()
    count = next((c for c in ("persons", "n", "count", "rows") if c in d.columns), None)
    if count is None:
        num = [c for c in d.columns if pd.api.types.is_numeric_dtype(d[c])]
        count = num[-1]
    if "group" not in d.columns:
        d["group"] = ""
    return d.rename(columns={count: "persons"})[["group", "reason", "persons"]]
