"""Multiple imputation inside an evaluation run: impute the cohort, build the design and estimate
the effects in each completed data set, pool by Rubin's rules, and a complete-case sensitivity result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval.imputation._mice import ImputedData, impute_chained, missing_summary
from altmeasures_eval.imputation._within import PooledResult, pool_balance, pool_results

__all__ = ["MissingDataAnalysis", "impute_cohort", "imputed_effects"]


def impute_cohort(data: pd.DataFrame, covariates: Sequence[str], *, m: int = 20,
                  horizons: Sequence[int] | None = None, random_state: int | None = None) -> ImputedData | None:
    """Impute the design covariates of a cohort, or ``None`` when none is missing.

    The imputation model holds every design covariate, the treatment, the proven-reoffending
    indicators at each horizon, and the event indicator and Nelson-Aalen cumulative hazard of the
    time to first reoffence (``time_reoffend``, ``event_reoffend``) when the cohort has them.
    ``horizons`` default: every ``reoffend_<h>`` column. ``build_design`` calls it under
    ``[design] missing = "impute"``.
    """
    covs = [c for c in covariates if c in data.columns]
    if not any(data[c].isna().any() for c in covs):
        return None
    if horizons is None:  # every reoffend_<h> column of the cohort
        horizons = sorted(int(c.rsplit("_", 1)[1]) for c in data.columns
                          if str(c).startswith("reoffend_") and str(c).rsplit("_", 1)[1].isdigit())
    aux = ["treatment", *(f"reoffend_{h}" for h in horizons if f"reoffend_{h}" in data.columns)]
    tte = "time_reoffend" in data.columns and "event_reoffend" in data.columns
    return impute_chained(data, covs, auxiliary=aux, duration="time_reoffend" if tte else None,
                          event="event_reoffend" if tte else None, m=m, random_state=random_state)


@dataclass(frozen=True)
class MissingDataAnalysis:
    """How missing covariates were handled in an evaluation, and what it changed.

    Attributes
    ----------
    method : str
        ``impute``, ``indicator``, ``complete_case`` or ``stop`` (``[design] missing``).
    missing : pandas.DataFrame
        ``column, n_missing, share_missing, n`` per design covariate (raw counts: publish them
        through disclosure control).
    m : int
        Number of imputations (0 when not imputed).
    effects : dict
        Outcome -> :class:`PooledResult` (pooled risk difference and ratio, or mean difference and
        rate ratio), each usable where an ``EffectResult`` is read (``summary``, ``means``).
    balance : pandas.DataFrame or None
        Balance across imputations (:func:`pool_balance`).
    complete_case : EffectResult or None
        The headline effect among people with every design covariate recorded (sensitivity).
    headline : str
        The headline outcome.
    notes : tuple of str
    """

    method: str
    missing: pd.DataFrame = field(repr=False)
    m: int = 0
    effects: dict[str, PooledResult] = field(default_factory=dict, repr=False)
    balance: pd.DataFrame | None = field(default=None, repr=False)
    complete_case: Any = field(default=None, repr=False)
    headline: str = ""
    notes: tuple[str, ...] = ()

    @property
    def fmi(self) -> float:
        """Fraction of missing information of the headline risk difference (NaN when not imputed)."""
        e = self.effects.get(self.headline)
        return float(e.summary["fmi"].iloc[0]) if e is not None else float("nan")

    @property
    def summary(self) -> pd.DataFrame:
        """The headline pooled estimate beside its complete-case sensitivity estimate."""
        rows = []
        if self.headline in self.effects:
            r = self.effects[self.headline].summary.iloc[0]
            rows.append({"analysis": f"multiple imputation (m = {self.m})", "estimate": r["estimate"],
                         "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p_value": r["p_value"], "fmi": r["fmi"],
                         "n": r["n"]})
        if self.complete_case is not None:
            r = self.complete_case.summary.iloc[0]
            rows.append({"analysis": "complete cases (sensitivity)", "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p_value": r["p_value"], "fmi": np.nan, "n": r["n"]})
        return pd.DataFrame(rows)


def _pooled_means(results: Sequence[Any]) -> pd.DataFrame:
    means = [r.means for r in results if getattr(r, "means", None) is not None]
    if not means:
        return pd.DataFrame()
    cat = pd.concat(means)
    return cat.groupby(level=0, sort=False).mean(numeric_only=True)


def imputed_effects(imputed: ImputedData, settings: Any, outcomes: Sequence[str], *, headline: str,
                    random_state: int | None = None, disclosure_threshold: int = 10, cluster: str | None = None,
                    alpha: float = 0.05, complete_data: pd.DataFrame | None = None) -> MissingDataAnalysis:
    """Design and effects in each completed data set, pooled by Rubin's rules ("within" approach).

    Parameters
    ----------
    imputed : ImputedData
        The imputed cohort (:func:`impute_cohort`).
    settings : DesignSettings
        ``[design]``; the design is rebuilt in each completed data set (propensity score, common
        support, weighting or matching, balance, gate).
    outcomes : sequence of str
        Cohort outcome columns (``reoffend_365``, ``reoffences_365``, ``bed_days_365`` ...).
    headline : str
        The headline outcome (its fraction of missing information is reported).
    random_state, disclosure_threshold, cluster, alpha
        As in the evaluation run.
    complete_data : pandas.DataFrame, optional
        The incomplete cohort, for the complete-case sensitivity analysis (default ``imputed.data``).

    Returns
    -------
    MissingDataAnalysis
    """
    from altmeasures_eval.design import build_design
    from altmeasures_eval.effects import estimate_effect

    per: dict[str, list[Any]] = {o: [] for o in outcomes}
    balances = []
    notes = list(imputed.notes)
    failed = 0
    for i in range(imputed.m):
        d = build_design(imputed.complete(i), settings, random_state=random_state,
                         disclosure_threshold=disclosure_threshold)
        if d.result is None or not d.gate.passed:
            failed += 1
            continue
        if d.balance is not None:
            balances.append(d.balance)
        for o in outcomes:
            per[o].append(estimate_effect(d.data, o, "treatment", d.result, cluster=cluster, alpha=alpha,
                                          random_state=random_state))
    if failed:
        notes.append(f"the design gate failed in {failed} of {imputed.m} imputations; pooled over the others")
    effects: dict[str, PooledResult] = {}
    for o, res in per.items():
        if len(res) >= 2:
            p = pool_results(res, alpha=alpha, method=f"multiple imputation by chained equations, m = {len(res)}")
            effects[o] = replace(p, means=_pooled_means(res), outcome=o, estimand=res[0].estimand,
                                 design=res[0].design)
    cc = None
    base = imputed.data if complete_data is None else complete_data
    try:
        dcc = build_design(base, replace(settings, missing="complete_case"), random_state=random_state,
                           disclosure_threshold=disclosure_threshold)
        if dcc.result is not None and dcc.gate.passed:
            cc = estimate_effect(dcc.data, headline, "treatment", dcc.result, cluster=cluster, alpha=alpha)
        else:
            notes.append("complete-case sensitivity analysis: its design gate failed; " + " ".join(dcc.gate.reasons))
    except Exception as exc:  # noqa: BLE001 - a sensitivity analysis never stops the run
        notes.append(f"complete-case sensitivity analysis not estimated: {str(exc).splitlines()[0]}")
    return MissingDataAnalysis(method="impute", missing=imputed.missing, m=imputed.m, effects=effects,
                               balance=pool_balance(balances) if balances else None, complete_case=cc,
                               headline=headline, notes=tuple(notes))


def no_imputation(data: pd.DataFrame, covariates: Sequence[str], method: str) -> MissingDataAnalysis:
    """The missing-data record of a run that did not impute (nothing missing, or another rule)."""
    covs = [c for c in covariates if c in data.columns]
    return MissingDataAnalysis(method=method, missing=missing_summary(data, covs))
