"""Effects by subgroup, with the size of the test family stated and Holm's adjustment applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import DataContractError, NotEstimable
from altmeasures_eval.effects._contrast import estimate_effect
from altmeasures_eval.matching import MatchResult, resolve_weights
from altmeasures_eval.matching._design import check_columns

__all__ = ["SubgroupResult", "holm", "subgroup_effects"]


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values.

    The same values as statsmodels' ``multipletests(p, method="holm")[1]``, which also runs the
    garbage collector on every call (most of the time of a subgroup table).

    Parameters
    ----------
    p : numpy.ndarray
        Unadjusted p-values of the family.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the order of ``p``, capped at 1.
    """
    p = np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    k = len(p)
    adj = np.minimum(1.0, np.maximum.accumulate((k - np.arange(k)) * p[order]))
    out = np.empty(k)
    out[order] = adj
    return out


@dataclass(frozen=True)
class SubgroupResult:
    """Subgroup effects with a multiplicity adjustment over the whole family.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (variable, level): ``estimate, se, ci_low, ci_high, p_value, p_holm, n,
        n_treated, n_control`` for the difference measure; CIs are unadjusted.
    heterogeneity : pandas.DataFrame
        Per variable: Cochran's Q test that the level estimates are equal (chi2, df, p_value).
    n_tests : int
        Size of the family Holm's adjustment was applied to.
    measure : str
    notes : tuple of str
    """

    table: pd.DataFrame
    heterogeneity: pd.DataFrame
    n_tests: int
    measure: str
    notes: tuple[str, ...] = ()


def subgroup_effects(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    by: Sequence[str],
    design: Any = None,
    *,
    bins: dict[str, Sequence[float]] | None = None,
    min_per_group: int = 10,
    alpha: float = 0.05,
    **effect_kwargs: Any,
) -> SubgroupResult:
    """Effect of the alternative measure within each level of each ``by`` variable.

    ``by`` may name the alternative type (``disposition``), ``substance``, ``sex``, an age band
    column (e.g. ``pd.cut(cohort.age, [17, 24, 34, 49, 120])``) or ``jurisdiction``. ``design`` is
    a matching or weighting result (its weights are reused inside each subgroup; for matching, exact
    matching on the subgroup variables keeps matched sets whole), or a callable
    ``design(subgroup_data) -> design`` that re-estimates the design within each subgroup.
    Holm's step-down adjustment controls the family-wise error over all tests reported; the
    number of tests is stated. Levels with fewer than ``min_per_group`` units in a group are skipped,
    and so are levels whose effect is not estimable (no variation in a group, an exploding or zero
    variance; :class:`~altmeasures_eval.NotEstimable`), each with a note giving the reason.
    ``bins`` cuts numeric ``by`` variables into right-closed bands, e.g. ``{"age": [17, 24, 34, 49, 120]}``
    gives age bands (17, 24], (24, 34], ...
    """
    check_columns(data, list(by), "subgroup data")
    work = data.copy()
    for var, edges in (bins or {}).items():
        if var not in by:
            raise DataContractError(f"bins given for {var!r}, which is not in `by` {list(by)}")
        work[var] = pd.cut(work[var], list(edges))
    callable_design = callable(design) and not isinstance(design, MatchResult)
    kwargs = dict(effect_kwargs)
    if not callable_design:
        w, est, label = resolve_weights(data, design)
        work["__w"] = w
        if isinstance(design, MatchResult) and not design.replace:
            work["__set"] = design.subclass.to_numpy(dtype=float, na_value=np.nan)
            kwargs.setdefault("cluster", "__set")
            kwargs.setdefault("variance", "cluster")
        if est is not None:
            kwargs.setdefault("estimand", est)
    rows, notes = [], []
    for var in by:
        for level, sub in work.groupby(var, observed=True, sort=True):
            if callable_design:
                des: Any = design(sub)
            else:
                sub = sub[sub["__w"] > 0]
                if "__set" in sub:
                    sub = sub[np.isfinite(sub["__set"])]
                des = "__w"
            t = sub[treatment].to_numpy()
            n1, n0 = int((t == 1).sum()), int((t == 0).sum())
            if min(n1, n0) < min_per_group:
                notes.append(f"{var}={level}: skipped ({n1} treated, {n0} control; fewer than {min_per_group})")
                continue
            try:
                res = estimate_effect(sub, outcome, treatment, des, alpha=alpha, **kwargs)
            except NotEstimable as exc:
                notes.append(f"{var}={level}: skipped, not estimable ({exc.reason})")
                continue
            first = res.summary.iloc[0]
            rows.append({"variable": var, "level": level, "estimate": first["estimate"], "se": first["se"],
                         "ci_low": first["ci_low"], "ci_high": first["ci_high"], "p_value": first["p_value"],
                         "n": int(first["n"]), "n_treated": n1, "n_control": n0})
            measure = res.summary.index[0]
    if not rows:
        raise DataContractError("no subgroup had enough units in both groups or an estimable effect: "
                                + "; ".join(notes))
    table = pd.DataFrame(rows)
    ok = table["p_value"].notna()
    table["p_holm"] = np.nan
    table.loc[ok, "p_holm"] = holm(table.loc[ok, "p_value"].to_numpy(float))
    het = []
    for var, g in table.groupby("variable", sort=False):
        wts = 1 / g["se"] ** 2
        pooled = float((wts * g["estimate"]).sum() / wts.sum())
        q = float((wts * (g["estimate"] - pooled) ** 2).sum())
        df = len(g) - 1
        het.append({"variable": var, "chi2": q, "df": df, "p_value": float(stats.chi2.sf(q, df)) if df else np.nan})
    n_tests = int(ok.sum())
    notes.insert(0, f"{n_tests} subgroup tests; p_holm controls the family-wise error rate over all of them "
                    "(Holm 1979); confidence intervals are unadjusted")
    return SubgroupResult(table=table, heterogeneity=pd.DataFrame(het), n_tests=n_tests, measure=measure,
                          notes=tuple(notes))
