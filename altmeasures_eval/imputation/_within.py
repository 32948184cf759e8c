"""The "within" approach: design and analysis in each completed data set, pooled by Rubin's rules.

Propensity score, weighting or matching, balance and effect are estimated in each of the m
completed data sets and the m effect estimates are pooled (Leyrat et al. 2019; Granger, Sergeant &
Lunt 2019; R MatchThem). Ratios are pooled on the log scale, where their sampling distribution is
closest to normal, and transformed back. Balance is reported per imputation and summarised across
imputations (mean and largest |SMD|), as cobalt's ``bal.tab`` does for ``mimids``/``wimids`` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.imputation._mice import ImputedData
from altmeasures_eval.imputation._pool import POOLED_COLUMNS, pool_table

__all__ = ["PooledResult", "analyse_imputed", "pool_balance", "pool_results", "tidy_estimates"]

#: Columns that name a quantity in the summaries of the effect and survival results.
_KEYS = ("measure", "contrast", "group", "cause", "item", "term", "time")
#: Measures whose ``se`` in the effect summaries is the SE of the log (EffectResult ``scale = "log"``).
_LOG_MEASURES = ("risk_ratio", "rate_ratio", "odds_ratio", "hazard_ratio")


def tidy_estimates(result: Any) -> pd.DataFrame:
    """One completed-data result as a tidy table ready for Rubin's rules.

    Accepts an :class:`~altmeasures_eval.effects.EffectResult` (risk difference and ratio, mean
    difference and rate ratio: bed-days, costs, counts), a survival result with a ``summary``
    (:class:`~altmeasures_eval.survival.TimeToEventEffects`: risk and RMST differences, log hazard
    ratio; :class:`~altmeasures_eval.survival.ContrastResult`: RMST, cumulative incidence
    differences; :class:`~altmeasures_eval.survival.CumulativeIncidenceResult`), or a DataFrame with
    ``estimate`` and ``se`` (and optionally ``measure``, ``time``, ``scale``).

    Returns
    -------
    pandas.DataFrame
        ``key`` (measure, with its time/group/cause when present), ``estimate`` and ``se`` on the
        pooling scale, ``scale`` (``identity`` or ``log``) and ``n``. Ratios are on the log scale:
        ``estimate`` is the log ratio and ``se`` its standard error.
    """
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "summary", None)
    if not isinstance(frame, pd.DataFrame) or not {"estimate", "se"} <= set(frame.columns):
        raise AltMeasuresError(f"cannot pool a {type(result).__name__}: it has no summary with estimate and se "
                               "columns (return an EffectResult, a survival result or a DataFrame)")
    # column arrays rather than frame operations: this runs once per result and imputation
    f = frame
    if f.index.name == "measure" or ("measure" not in f.columns and not isinstance(f.index, pd.RangeIndex)):
        f = f.reset_index().rename(columns={"index": "measure"})
    keys = [k for k in _KEYS if k in f.columns]
    if not keys:
        f = f.assign(measure="estimate")
        keys = ["measure"]
    n_rows = len(f)
    scale = (f["scale"].astype(str).to_numpy(dtype=object) if "scale" in f.columns
             else np.full(n_rows, "identity", dtype=object))
    measure = (f["measure"].astype(str).to_numpy(dtype=object) if "measure" in f.columns
               else np.full(n_rows, "", dtype=object))
    se = f["se"].to_numpy(dtype=float, na_value=np.nan)
    # TimeToEventEffects: the hazard_ratio row has no SE (it is exp of the log_hazard_ratio row)
    keep = ~((measure == "hazard_ratio") & np.isnan(se) & bool((measure == "log_hazard_ratio").any()))
    scale, measure, se = scale[keep], measure[keep], se[keep]
    est = f["estimate"].to_numpy(dtype=float, na_value=np.nan)[keep]
    is_log = (scale == "log") | (np.isin(measure, _LOG_MEASURES) & (scale != "identity"))
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(is_log, np.log(est), est)
    rows = np.flatnonzero(keep)

    def kept(k: str) -> list[Any]:
        values = f[k].tolist()
        return [values[i] for i in rows]

    cols = [[str(v) if pd.notna(v) else "" for v in kept(k)] for k in keys if k != "time"]
    if "time" in keys:
        cols.append([f"t={float(v):g}" if pd.notna(v) else "" for v in kept("time")])
    label = [" ".join(x for x in parts if x) for parts in zip(*cols)] if cols else [""] * len(rows)
    out_scale = np.where(is_log, "log", "identity").astype(object)
    lhr = measure == "log_hazard_ratio"
    label = ["hazard_ratio" if h else lab for lab, h in zip(label, lhr)]
    out_scale[lhr] = "log"
    return pd.DataFrame({"key": label, "estimate": est, "se": se, "scale": out_scale,
                         "n": f["n"].to_numpy()[keep] if "n" in f.columns else np.nan})


@dataclass(frozen=True)
class PooledResult:
    """An effect estimated in each of m completed data sets and pooled by Rubin's rules.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per quantity (index ``measure``, e.g. ``risk_difference``, ``risk_ratio``,
        ``rmst_difference t=365``, ``hazard_ratio``) with ``estimate, se, ci_low, ci_high, p_value,
        df, fmi, riv, lambda, ubar, b, t, m, n, scale``. For ``scale = "log"`` the estimate and the
        interval are back-transformed ratios while ``se``, ``ubar``, ``b`` and ``t`` are on the log
        scale; the interval uses Student's t with the Barnard-Rubin ``df``.
    per_imputation : pandas.DataFrame
        ``imputation, measure, estimate, se, scale, n`` on the pooling scale.
    results : tuple
        The m completed-data results.
    m : int
    method : str
        How the missing values were handled, in words.
    variance : str
    alpha : float
    notes : tuple of str
    means : pandas.DataFrame or None
        Group means averaged over imputations (as an ``EffectResult``'s ``means``), when the
        completed-data results have them.
    outcome, estimand, design : str
        As in the completed-data results (empty when unknown).
    """

    summary: pd.DataFrame
    per_imputation: pd.DataFrame = field(repr=False)
    results: tuple[Any, ...] = field(repr=False)
    m: int
    method: str
    variance: str
    alpha: float = 0.05
    notes: tuple[str, ...] = ()
    means: pd.DataFrame | None = field(default=None, repr=False)
    outcome: str = ""
    estimand: str = ""
    design: str = ""

    def __getitem__(self, measure: str) -> pd.Series:
        return self.summary.loc[measure]

    @property
    def estimate(self) -> float:
        """Pooled estimate of the first quantity."""
        return float(self.summary["estimate"].iloc[0])

    @property
    def fmi(self) -> float:
        """Fraction of missing information of the first quantity."""
        return float(self.summary["fmi"].iloc[0])

    def to_text(self) -> str:
        cols = ["estimate", "se", "ci_low", "ci_high", "p_value", "df", "fmi"]
        lines = [f"Pooled over m = {self.m} imputations ({self.method})",
                 self.summary[cols].to_string(float_format=lambda x: f"{x:.4g}"),
                 f"variance: {self.variance}"]
        return "\n".join([*lines, *(f"note: {n}" for n in self.notes)])

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        import html

        cols = ["estimate", "se", "ci_low", "ci_high", "p_value", "df", "fmi"]
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in (f"variance: {self.variance}", *self.notes))
        return (f"<p><b>Pooled over m = {self.m} imputations</b> ({html.escape(self.method)})</p>"
                + self.summary[cols].to_html(float_format=lambda x: f"{x:.4g}") + f"<ul>{notes}</ul>")


def pool_results(results: Sequence[Any], *, alpha: float = 0.05, dfcom: float = np.inf,
                 method: str = "multiple imputation") -> PooledResult:
    """Pool m completed-data results (one per imputation) by Rubin's rules.

    Parameters
    ----------
    results : sequence
        One result per completed data set (see :func:`tidy_estimates` for the types accepted).
    alpha : float, default 0.05
    dfcom : float, default inf
        Complete-data degrees of freedom; infinite for the large-sample (Wald) analyses of the
        effects and survival layers.
    method : str
        How the missing values were handled, in words (kept in the result).

    Returns
    -------
    PooledResult
    """
    tidy = [tidy_estimates(r).assign(imputation=i) for i, r in enumerate(results)]
    if len(tidy) < 2:
        raise AltMeasuresError("pooling needs results from at least 2 imputations")
    per = pd.concat(tidy, ignore_index=True)
    counts = per.groupby("key", sort=False)["imputation"].nunique()
    partial = counts[counts < len(results)]
    notes: list[str] = []
    if len(partial):
        notes.append("not estimable in every imputation, so not pooled: " + ", ".join(partial.index))
        per = per[~per["key"].isin(partial.index)]
    finite = per.groupby("key", sort=False).apply(
        lambda g: bool(np.isfinite(g["estimate"]).all() and np.isfinite(g["se"]).all()), include_groups=False)
    if (~finite).any():
        notes.append("not estimable in some imputation (missing estimate or SE), so not pooled: "
                     + ", ".join(finite.index[~finite]))
        per = per[per["key"].isin(finite.index[finite])]
    order = list(dict.fromkeys(per["key"]))
    pooled = pool_table(per.rename(columns={"key": "measure"}), keys=["measure"], dfcom=dfcom, alpha=alpha)
    pooled = pooled.set_index("measure").reindex(order)
    first = per.drop_duplicates("key").set_index("key")
    pooled["n"] = first["n"].reindex(order).to_numpy()
    pooled["scale"] = first["scale"].reindex(order).to_numpy()
    log = pooled["scale"].eq("log").to_numpy()
    for c in ("estimate", "ci_low", "ci_high"):
        pooled.loc[log, c] = np.exp(pooled.loc[log, c].to_numpy(float))
    pooled.index.name = "measure"
    ratio = " Ratios were pooled on the log scale and transformed back." if log.any() else ""
    variance = ("Rubin's rules: total variance = within + (1 + 1/m) x between-imputation variance; "
                f"t intervals with Barnard-Rubin (1999) degrees of freedom.{ratio}")
    return PooledResult(summary=pooled[[*POOLED_COLUMNS, "n", "scale"]],
                        per_imputation=per.rename(columns={"key": "measure"})[
                            ["imputation", "measure", "estimate", "se", "scale", "n"]],
                        results=tuple(results), m=len(results), method=method, variance=variance, alpha=alpha,
                        notes=tuple(notes))


def analyse_imputed(imputed: ImputedData | Sequence[pd.DataFrame], analyse: Callable[[pd.DataFrame], Any], *,
                    alpha: float = 0.05, dfcom: float = np.inf) -> PooledResult:
    """Run an analysis in each completed data set and pool the results by Rubin's rules.

    Parameters
    ----------
    imputed : ImputedData or sequence of DataFrame
        The m completed data sets.
    analyse : callable
        ``analyse(completed) -> result``: the whole analysis of one completed data set, design
        included (propensity score, weighting or matching, then the effect), returning an
        :class:`~altmeasures_eval.effects.EffectResult`, a survival result or a tidy DataFrame.
    alpha : float, default 0.05
    dfcom : float, default inf
        Complete-data degrees of freedom.

    Returns
    -------
    PooledResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from altmeasures_eval.effects import estimate_effect
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"treatment": rng.integers(0, 2, 300), "x": rng.normal(size=300)})
    >>> df["y"] = (rng.random(300) < 0.3 + 0.1 * df["treatment"]).astype(int)
    >>> df.loc[:59, "x"] = np.nan
    >>> imp = impute_chained(df, ["x"], auxiliary=["treatment", "y"], m=5, random_state=2)
    >>> res = analyse_imputed(imp, lambda d: estimate_effect(d, "y", "treatment"))
    >>> list(res.summary.index)
    ['risk_difference', 'risk_ratio']
    """
    if isinstance(imputed, ImputedData):
        sets: Sequence[pd.DataFrame] | None = None
        m = imputed.m
        method = f"multiple imputation by chained equations, m = {m}"
    else:
        sets = list(imputed)
        m = len(sets)
        method = f"analysis of {m} completed data sets"
    results = []
    for i in range(m):
        data = imputed.complete(i) if sets is None else sets[i]
        try:
            results.append(analyse(data))
        except AltMeasuresError as exc:
            raise AltMeasuresError(f"imputation {i + 1} of {m}: {exc}") from exc
    return pool_results(results, alpha=alpha, dfcom=dfcom, method=method)


def pool_balance(balances: Sequence[Any]) -> pd.DataFrame:
    """Balance across imputations: one row per covariate (level), per-imputation SMDs summarised.

    Parameters
    ----------
    balances : sequence of BalanceResult
        One balance table per completed data set (same covariates).

    Returns
    -------
    pandas.DataFrame
        Indexed like the balance tables: ``smd_before_mean``, ``smd_after_mean`` (mean SMD over
        imputations), ``smd_after_min`` and ``smd_after_max`` (smallest and largest SMD after
        adjustment), ``smd_after_max_abs`` (largest ``|SMD|`` after adjustment in any imputation),
        ``var_ratio_after_mean`` (continuous covariates) and ``imputations`` (in how many
        imputations the row exists), as cobalt's ``bal.tab`` reports balance for multiply imputed
        data (its Min, Mean and Max columns across imputations).
    """
    if not balances:
        raise AltMeasuresError("pool_balance needs at least one balance table")
    tabs = [getattr(b, "table", b).assign(imputation=i) for i, b in enumerate(balances)]
    long = pd.concat(tabs)
    g = long.groupby(level=0, sort=False)
    out = pd.DataFrame({"smd_before_mean": g["smd_before"].mean(), "smd_after_mean": g["smd_after"].mean(),
                        "smd_after_min": g["smd_after"].min(), "smd_after_max": g["smd_after"].max(),
                        "smd_after_max_abs": g["smd_after"].apply(lambda s: s.abs().max())})
    if "var_ratio_after" in long.columns:
        out["var_ratio_after_mean"] = g["var_ratio_after"].mean()
    out["imputations"] = g["imputation"].nunique()
    return out
