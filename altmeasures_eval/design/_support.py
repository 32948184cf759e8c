"""Common support through :func:`altmeasures_eval.matching.common_support`.

The matching layer's ``common_support(data, treatment, propensity, *, estimand, covariates, rule)``
is the one implementation. While the older score-only version is installed, :func:`find_support`
applies the same rules here so that the design can be built and tested.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []

#: Crump et al. (2009) rule of thumb: keep scores within [0.1, 0.9].
CRUMP_BOUNDS = (0.1, 0.9)


@dataclass(frozen=True)
class _Support:
    retained: pd.Series
    dropped: pd.DataFrame
    rule: str
    bounds: tuple[float, float] | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _focal_groups(estimand: str) -> tuple[int, ...]:
    # the people the estimate describes: only they need a comparable person in the other group
    return {"ATT": (1,), "ATC": (0,)}.get(estimand, (1, 0))


_GROUP = {1: "alternative", 0: "custody"}


def _fallback(data: pd.DataFrame, treatment: str, propensity: Any, *, estimand: str,
              covariates: Sequence[str], rule: str) -> _Support:
    t = data[treatment].to_numpy()
    e = propensity.score.reindex(data.index).to_numpy(float)
    keep = np.ones(len(t), dtype=bool)
    rows: list[dict[str, Any]] = []
    bounds: tuple[float, float] | None = None
    if rule == "crump":
        bounds = CRUMP_BOUNDS
        out = (e < bounds[0]) | (e > bounds[1])
        for g in (1, 0):
            n = int((out & (t == g)).sum())
            if n:
                rows.append({"group": _GROUP[g], "reason": "propensity score outside [0.1, 0.9] (Crump et al. 2009)",
                             "persons": n})
        keep &= ~out
    elif rule == "range":
        for g in _focal_groups(estimand):
            other = t == 1 - g
            mine = t == g
            # covariate levels the other group does not hold
            lev_out = np.zeros(len(t), dtype=bool)
            for c in covariates:
                col = data[c]
                if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col):
                    held = pd.unique(col[other].astype(object))
                    miss = mine & ~col.astype(object).isin(held).to_numpy()
                    for lev in pd.unique(col[miss].astype(object)):
                        n = int((miss & (col.astype(object) == lev).to_numpy() & ~lev_out).sum())
                        if n:
                            rows.append({"group": _GROUP[g], "persons": n,
                                         "reason": f"no comparable person in the {_GROUP[1 - g]} group: "
                                                   f"{c} = {lev}"})
                    lev_out |= miss
            lo = float(e[other].min()) if other.any() else np.inf
            hi = float(e[other].max()) if other.any() else -np.inf
            out = mine & ~lev_out & ((e < lo) | (e > hi))
            if out.any():
                rows.append({"group": _GROUP[g], "persons": int(out.sum()),
                             "reason": f"no comparable person in the {_GROUP[1 - g]} group: propensity score "
                                       f"outside the {_GROUP[1 - g]} group's range"})
            keep &= ~(lev_out | out)
            bounds = (float(lo), float(hi))
    dropped = pd.DataFrame(rows, columns=["group", "reason", "persons"])
    return _Support(retained=pd.Series(keep, index=data.index, name="retained"), dropped=dropped, rule=rule,
                    bounds=bounds)


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
    """Common support of ``propensity`` for ``estimand`` (a ``CommonSupport``-like result)."""
    if rule == "none":
        return _Support(retained=pd.Series(True, index=data.index, name="retained"),
                        dropped=pd.DataFrame(columns=["group", "reason", "persons"]), rule="none", bounds=None)
    from altmeasures_eval import matching

    fn = matching.common_support
    if "propensity" in inspect.signature(fn).parameters:
        return fn(data, treatment, propensity, estimand=estimand, covariates=list(covariates), rule=rule)
    return _fallback(data, treatment, propensity, estimand=estimand, covariates=covariates, rule=rule)


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
