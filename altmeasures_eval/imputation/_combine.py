"""Rubin's rules for the result tables of every stage: effects, survival curves and contrasts,
bed-days, costs, subgroups.

Each stage of an evaluation is run in each completed data set; these functions combine the m
results into one result of the same type, so that the report and ``results.json`` read a pooled
result where they read a single one. The quantities with a standard error are pooled by Rubin's
rules with Barnard-Rubin degrees of freedom (:func:`~altmeasures_eval.imputation.pool_table`);
ratios on the log scale; descriptive columns (group means, numbers of people) are averaged over
the imputations, which is Rubin's point estimate of each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.imputation._pool import _rubin

__all__ = ["pool_curves", "pool_frame", "pool_kaplan_meier", "pool_survival", "pool_cumulative_incidence"]


def _long(frames: Sequence[pd.DataFrame], keys: Sequence[str]) -> pd.DataFrame:
    if len(frames) < 2:
        raise AltMeasuresError("pooling needs results from at least 2 imputations")
    missing = [k for k in keys if k not in frames[0].columns]
    if missing:
        raise AltMeasuresError(f"pooling: key column(s) {missing} are not in the result table")
    return pd.concat([f.assign(_imp=i) for i, f in enumerate(frames)], ignore_index=True)


def _key(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """One string per row naming it (missing keys, e.g. the time of a hazard ratio, included)."""
    return frame[list(keys)].astype(str).agg("|".join, axis=1)


def pool_frame(frames: Sequence[pd.DataFrame], keys: Sequence[str], *, estimate: str = "estimate",
               se: str = "se", ci: tuple[str, str] | None = ("ci_low", "ci_high"), p_value: str | None = "p_value",
               log: Sequence[bool] | np.ndarray | None = None, alpha: float = 0.05,
               counts: Sequence[str] = ()) -> pd.DataFrame:
    """Pool m tables of estimates (one per completed data set), row by row, by Rubin's rules.

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        The same table from each completed data set; a row is identified by ``keys``.
    keys : sequence of str
        Columns that name a row (``measure``, ``time``, ``group``, ``horizon``, ...).
    estimate, se : str
        The estimate and its standard error.
    ci : (str, str) or None
        Interval columns, recomputed with Student's t on the Barnard-Rubin degrees of freedom.
    p_value : str or None
        Recomputed two-sided p-value column.
    log : sequence of bool, optional
        Rows (of the first frame) whose estimate is a ratio with ``se`` the SE of its log: pooled on
        the log scale and transformed back.
    alpha : float, default 0.05
    counts : sequence of str
        Numbers of people: averaged and rounded to whole people.

    Returns
    -------
    pandas.DataFrame
        The first frame's rows present in every imputation, in its order, with the estimate,
        ``se`` (on the pooling scale), interval and p-value pooled, and ``df`` and ``fmi`` added;
        every other numeric column averaged over the imputations. A row whose estimate or SE is
        missing in some imputation gets the average estimate and no interval.
    """
    keys = list(keys)
    m = len(frames)
    long = _long([f.reset_index(drop=True) for f in frames], keys)
    long["_key"] = _key(long, keys)
    first = long[long["_imp"] == 0].drop(columns="_imp").reset_index(drop=True)
    present = long.groupby("_key")["_imp"].nunique()
    first = first[first["_key"].map(present).eq(m).to_numpy()].drop_duplicates("_key").reset_index(drop=True)
    order = first["_key"].to_numpy()
    is_log = (np.zeros(len(frames[0]), bool) if log is None else np.asarray(log, bool))
    log_keys = set(_key(frames[0].reset_index(drop=True), keys)[is_log])
    lg = np.isin(order, list(log_keys))

    def wide(col: str) -> np.ndarray:
        w = long.pivot_table(index="_imp", columns="_key", values=col, aggfunc="first", dropna=False)
        return w.reindex(index=range(m), columns=order).to_numpy(float)

    q = wide(estimate)
    u = wide(se) ** 2 if se in long.columns else np.full_like(q, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(lg[None, :], np.log(q), q)
    ok = np.isfinite(q).all(axis=0) & np.isfinite(u).all(axis=0) & (u >= 0).all(axis=0)
    est = np.nanmean(q, axis=0) if len(order) else np.zeros(0)
    sev, lo, hi, p, df, fmi = (np.full(len(order), np.nan) for _ in range(6))
    if ok.any():
        r = _rubin(q[:, ok], u[:, ok], np.inf, alpha)
        est[ok], sev[ok], lo[ok], hi[ok] = r["estimate"], r["se"], r["ci_low"], r["ci_high"]
        p[ok], df[ok], fmi[ok] = r["p_value"], r["df"], r["fmi"]
    res = first.copy()
    skip = {estimate, se, *(ci or ()), *([p_value] if p_value else []), *keys, "_key"}
    for c in res.columns:
        if c in skip or not pd.api.types.is_numeric_dtype(res[c]) or pd.api.types.is_bool_dtype(res[c]):
            continue
        mean = np.nanmean(wide(c), axis=0) if len(order) else np.zeros(0)
        res[c] = np.round(mean) if c in counts else mean
    with np.errstate(over="ignore"):  # a ratio with a huge interval (tiny groups) becomes inf, as unpooled
        res[estimate] = np.where(lg, np.exp(est), est)
        if ci:
            res[ci[0]] = np.where(lg, np.exp(lo), lo)
            res[ci[1]] = np.where(lg, np.exp(hi), hi)
    if se in res:
        res[se] = sev
    if p_value and p_value in res:  # only where the table gives one (not for a cumulative incidence)
        res[p_value] = np.where(first[p_value].notna().to_numpy(), p, np.nan)
    res["df"], res["fmi"] = df, fmi
    return res.drop(columns="_key")


def pool_survival(results: Sequence[Any], alpha: float = 0.05) -> Any:
    """Pool :class:`~altmeasures_eval.survival.TimeToEventEffects` over imputations.

    Risk and RMST differences at each horizon on their own scale; the hazard ratio on the log scale
    (the ``log_hazard_ratio`` row, whose SE is that of the log) and its ``hazard_ratio`` row
    transformed back from it. The first result's other fields are kept (``risk``, ``rmst``,
    ``cox``: the first completed data set's detail).
    """
    frames = [r.summary for r in results]
    keys = ["measure", "time"]
    base = [f[f["measure"] != "hazard_ratio"] for f in frames]
    pooled = pool_frame(base, keys, alpha=alpha, counts=("n",))
    out = pooled
    if (frames[0]["measure"] == "hazard_ratio").any():
        lhr = pooled[pooled["measure"] == "log_hazard_ratio"]
        if len(lhr):
            r = lhr.iloc[0]
            hr = frames[0][frames[0]["measure"] == "hazard_ratio"].iloc[[0]].copy()
            hr["estimate"], hr["ci_low"], hr["ci_high"] = np.exp(r["estimate"]), np.exp(r["ci_low"]), np.exp(r["ci_high"])
            hr["p_value"], hr["n"] = r["p_value"], r["n"]
            hr["df"], hr["fmi"] = r["df"], r["fmi"]
            out = pd.concat([pooled, hr], ignore_index=True)
    order = {m: i for i, m in enumerate(dict.fromkeys(frames[0]["measure"]))}
    out = out.sort_values("measure", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return replace(results[0], summary=out, notes=tuple(dict.fromkeys(
        [*results[0].notes, f"pooled over m = {len(results)} imputations by Rubin's rules (hazard ratio on the "
                            "log scale)"])))


def pool_curves(frames: Sequence[pd.DataFrame], keys: Sequence[str], value: str, *, alpha: float = 0.05,
                counts: Sequence[str] = ()) -> pd.DataFrame:
    """Pool step curves (Kaplan-Meier survival, cumulative incidence) over imputations, pointwise.

    Each imputation's curve is carried forward onto the union of the event times (a step
    function); at each time the value is the mean over imputations and its variance Rubin's
    total variance ``mean(se**2) + (1 + 1/m) var(value)``, with a t interval on the Barnard-Rubin
    degrees of freedom, kept within [0, 1]. Counts (at risk, events) are averaged and rounded.
    """
    keys = list(keys)
    m = len(frames)
    long = _long(frames, [*keys, "time"])
    grid = long[[*keys, "time"]].drop_duplicates().sort_values([*keys, "time"]).reset_index(drop=True)
    cols = [value, "se", *[c for c in counts if c in long.columns]]
    filled = []
    for i, f in enumerate(frames):
        f = f.sort_values([*keys, "time"])
        merged = grid.merge(f[[*keys, "time", *cols]], on=[*keys, "time"], how="left")
        merged[cols] = merged.groupby(keys, sort=False)[cols].ffill()
        filled.append(merged.assign(_imp=i))
    cat = pd.concat(filled, ignore_index=True)
    if "se" in cat:
        cat["_u"] = np.square(cat["se"].to_numpy(float))
    g = cat.groupby([*keys, "time"], sort=False)
    q = g[value].mean()
    w = g["_u"].mean() if "se" in cat else q * 0
    b = g[value].var(ddof=1).fillna(0.0)
    t = w + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.maximum((1 + 1 / m) * b / t, 1e-4)
        df = (m - 1) / lam**2
    crit = stats.t.ppf(1 - alpha / 2, df.fillna(np.inf))
    se = np.sqrt(t)
    out = grid.copy()
    out[value] = q.reindex(pd.MultiIndex.from_frame(grid)).to_numpy(float)
    out["se"] = se.reindex(pd.MultiIndex.from_frame(grid)).to_numpy(float)
    critv = pd.Series(crit, index=t.index).reindex(pd.MultiIndex.from_frame(grid)).to_numpy(float)
    out["ci_low"] = np.clip(out[value] - critv * out["se"], 0, 1)
    out["ci_high"] = np.clip(out[value] + critv * out["se"], 0, 1)
    for c in counts:
        if c in cat.columns:
            out[c] = np.round(g[c].mean().reindex(pd.MultiIndex.from_frame(grid)).to_numpy(float))
    order = [c for c in frames[0].columns if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]]


def pool_kaplan_meier(results: Sequence[Any], alpha: float = 0.05) -> Any:
    """Pool :class:`~altmeasures_eval.survival.KaplanMeierResult` over imputations: curves pointwise
    (:func:`pool_curves`), horizon summaries by Rubin's rules, medians read off the pooled curve."""
    first = results[0]
    counts = [c for c in ("n_at_risk", "n_events", "n_censored", "weighted_at_risk") if c in first.curves]
    curves = pool_curves([r.curves for r in results], ["group"], "survival", alpha=alpha, counts=counts)
    summ = pool_frame([r.summary for r in results], ["group", "time"], alpha=alpha, counts=("n", "n_at_risk"))
    if "survival" in summ:
        summ["survival"] = 1 - summ["estimate"]
    med = first.medians.copy()
    if len(med):
        rows = []
        for grp, cg in curves.groupby("group", sort=False):
            def cross(col: str, cg: pd.DataFrame = cg) -> float:
                hit = cg.loc[cg[col] <= 0.5, "time"]
                return float(hit.iloc[0]) if len(hit) else np.nan
            rows.append({"group": grp, "median": cross("survival"), "ci_low": cross("ci_low"),
                         "ci_high": cross("ci_high")})
        med = pd.DataFrame(rows)[list(first.medians.columns)] if rows else med
    return replace(first, curves=curves, summary=summ.drop(columns=["df", "fmi"]).assign(df=summ["df"], fmi=summ["fmi"]),
                   medians=med, notes=tuple(dict.fromkeys([*first.notes, f"pooled over m = {len(results)} "
                                                           "imputations (Rubin's rules, pointwise)"])))


def pool_cumulative_incidence(results: Sequence[Any], alpha: float = 0.05) -> Any:
    """Pool :class:`~altmeasures_eval.survival.CumulativeIncidenceResult` over imputations."""
    first = results[0]
    counts = [c for c in ("n_at_risk",) if c in first.curves]
    curves = pool_curves([r.curves for r in results], ["group", "cause"], "cif", alpha=alpha, counts=counts)
    summ = pool_frame([r.summary for r in results], ["group", "cause", "time"], alpha=alpha,
                      counts=("n", "n_at_risk"))
    return replace(first, curves=curves, summary=summ,
                   notes=tuple(dict.fromkeys([*first.notes, f"pooled over m = {len(results)} imputations "
                                                            "(Rubin's rules, pointwise)"])))
