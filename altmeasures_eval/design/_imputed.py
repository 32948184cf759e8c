"""The design of a multiply imputed cohort: the design (propensity score, support, weighting or
matching, balance, gate) and every effect estimated in each completed data set, balance and gate
pooled over the imputations, effects pooled by Rubin's rules, and a complete-case sensitivity result.

The imputation itself (:func:`altmeasures_eval.imputation.impute_cohort`) and Rubin's rules
(:func:`altmeasures_eval.imputation.pool_results`) live in :mod:`altmeasures_eval.imputation`, below
the design; this module is where the two meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval.design._build import build_design
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.imputation import ImputedData, PooledResult, missing_summary, pool_balance, pool_results

__all__ = ["MissingDataAnalysis", "balance_by_imputation", "imputed_designs", "imputed_effects", "no_imputation",
           "pool_effects", "pooled_design"]


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
        Outcome -> :class:`~altmeasures_eval.imputation.PooledResult` (pooled risk difference and ratio, or mean difference and
        rate ratio), each usable where an ``EffectResult`` is read (``summary``, ``means``).
    balance : pandas.DataFrame or None
        Balance across imputations, one row per covariate (level) (:func:`~altmeasures_eval.imputation.pool_balance`: mean SMD
        before and after, smallest and largest SMD after, as cobalt's ``bal.tab`` for imputed data).
    complete_case : EffectResult or None
        The headline effect among people with every design covariate recorded (sensitivity).
    headline : str
        The headline outcome.
    notes : tuple of str
    balance_by_imputation : pandas.DataFrame or None
        One row per imputation (:func:`balance_by_imputation`): people compared, largest absolute SMD
        after adjustment and its covariate, effective sample size of the custody group, and
        whether that completed data set's own design gate passed.
    """

    method: str
    missing: pd.DataFrame = field(repr=False)
    m: int = 0
    effects: dict[str, PooledResult] = field(default_factory=dict, repr=False)
    balance: pd.DataFrame | None = field(default=None, repr=False)
    complete_case: Any = field(default=None, repr=False)
    headline: str = ""
    notes: tuple[str, ...] = ()
    balance_by_imputation: pd.DataFrame | None = field(default=None, repr=False)

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


def imputed_designs(imputed: ImputedData, settings: Any, *, first: Any = None, random_state: int | None = None,
                    disclosure_threshold: int = 10) -> list[Any]:
    """The design (propensity score, support, weighting or matching, balance, gate) of each of the m
    completed data sets, in imputation order.

    ``first``: the design of the first completed data set when it is already built (``build_design``
    on the incomplete cohort builds it), so that it is not built twice.
    """
    out = [] if first is None else [first]
    for i in range(len(out), imputed.m):
        out.append(build_design(imputed.complete(i), settings, random_state=random_state,
                                disclosure_threshold=disclosure_threshold))
    return out


def balance_by_imputation(designs: Sequence[Any]) -> pd.DataFrame:
    """One row per imputation: people compared, largest absolute SMD after adjustment (and where), the
    effective sample size of each group, and whether that data set's own design gate passed."""
    rows = []
    for i, d in enumerate(designs, start=1):
        row: dict[str, Any] = {"imputation": i, "n_treated": d.n_treated, "n_control": d.n_control,
                               "max_abs_smd_after": np.nan, "covariate": "", "ess_treated": np.nan,
                               "ess_control": np.nan, "gate_passed": bool(d.gate.passed)}
        if d.balance is not None and d.result is not None:
            smd = d.balance.table.drop(index="distance", errors="ignore")["smd_after"].abs()
            if len(smd):
                row["max_abs_smd_after"], row["covariate"] = float(smd.max()), str(smd.idxmax())
            ess = getattr(d.balance, "ess", None)  # rows before / after, columns treated / control
            if isinstance(ess, pd.DataFrame) and "after" in ess.index:
                for g, name in (("treated", "ess_treated"), ("control", "ess_control")):
                    if g in ess.columns:
                        row[name] = float(ess.loc["after", g])
        rows.append(row)
    return pd.DataFrame(rows)


def pooled_design(designs: Sequence[Any], settings: Any) -> Any:
    """The design of a multiply imputed cohort: the first completed data set's design with its
    balance replaced by the balance pooled over the m imputations (mean SMD, as cobalt reports
    balance for imputed data) and its gate checked on that pooled balance.

    Every imputation is analysed and pooled; none is dropped (dropping those whose balance happens
    to fail would select imputations on their draws). The other checks of the gate (convergence,
    separation, scores at 0 or 1, effective sample size, weight share) must pass in every
    imputation; a failure in any is named with its imputation.
    """
    d0 = designs[0]
    if d0.result is None or d0.balance is None or len(designs) < 2:
        return d0
    tabs = [d.balance.table for d in designs if d.balance is not None and d.result is not None]
    pooled_tab = d0.balance.table.copy()
    num = [c for c in pooled_tab.columns if pd.api.types.is_numeric_dtype(pooled_tab[c])
           and not pd.api.types.is_bool_dtype(pooled_tab[c])]
    mean = pd.concat([tb[num] for tb in tabs]).groupby(level=0, sort=False).mean()
    pooled_tab[num] = mean.reindex(pooled_tab.index).to_numpy(float)
    pooled_tab["balanced"] = pooled_tab["smd_after"].abs() < settings.balance_threshold
    ess = d0.balance.ess
    if isinstance(ess, pd.DataFrame):
        e_num = [c for c in ess.columns if pd.api.types.is_numeric_dtype(ess[c])]
        ess = ess.copy()
        ess[e_num] = pd.concat([d.balance.ess[e_num] for d in designs if d.balance is not None]).groupby(
            level=0, sort=False).mean().reindex(ess.index).to_numpy(float)
    note = (f"balance pooled over the m = {len(designs)} imputations: mean of each imputation's standardised mean "
            "difference (as cobalt's bal.tab for imputed data)")
    balance = replace(d0.balance, table=pooled_tab, ess=ess, notes=tuple(dict.fromkeys([*d0.balance.notes, note])))
    gate = d0.with_balance(balance).gate
    balance_checks = {"max |SMD| after adjustment", "variance ratios after adjustment"}
    failed: dict[str, list[int]] = {}
    for i, d in enumerate(designs[1:], start=2):
        if d.result is None:
            failed.setdefault("no comparison could be built", []).append(i)
            continue
        bad = d.gate.checks[~d.gate.checks["passed"].astype(bool) & ~d.gate.checks["check"].isin(balance_checks)]
        for name in bad["check"]:
            failed.setdefault(str(name), []).append(i)
    if failed:
        detail = "; ".join(f"{k} (imputation {', '.join(map(str, v))})" for k, v in failed.items())
        row = pd.DataFrame([{"check": "the other checks in every imputation", "value": sum(map(len, failed.values())),
                             "threshold": "0", "passed": False, "detail": detail}])
        gate = replace(gate, passed=False, checks=pd.concat([gate.checks, row], ignore_index=True),
                       reasons=(*gate.reasons, f"In some completed data sets of the multiple imputation the design "
                                               f"does not hold: {detail}."),
                       advice=gate.advice)
    notes = [n for n in d0.notes if not n.startswith("design shown for the first")]
    notes.append(f"the design was built in each of the {len(designs)} imputed data sets; balance and the design gate "
                 "are pooled over them, and every effect is estimated in each and pooled by Rubin's rules; the "
                 "people described (counts, attrition) are those of the first completed data set")
    return replace(d0, balance=balance, gate=gate, notes=tuple(dict.fromkeys(notes)))


def imputed_effects(imputed: ImputedData, settings: Any, outcomes: Sequence[str], *, headline: str,
                    random_state: int | None = None, disclosure_threshold: int = 10, cluster: str | None = None,
                    alpha: float = 0.05, complete_data: pd.DataFrame | None = None,
                    designs: Sequence[Any] | None = None) -> MissingDataAnalysis:
    """Design and effects in each completed data set, pooled by Rubin's rules ("within" approach).

    Parameters
    ----------
    imputed : ImputedData
        The imputed cohort (:func:`~altmeasures_eval.imputation.impute_cohort`).
    settings : DesignSettings
        ``[design]``; the design is built in each completed data set (propensity score, common
        support, weighting or matching, balance, gate).
    outcomes : sequence of str
        Cohort outcome columns (``reoffend_365``, ``reoffences_365``, ``bed_days_365`` ...).
    headline : str
        The headline outcome (its fraction of missing information is reported).
    random_state, disclosure_threshold, cluster, alpha
        As in the evaluation run.
    complete_data : pandas.DataFrame, optional
        The incomplete cohort, for the complete-case sensitivity analysis (default ``imputed.data``).
    designs : sequence of Design, optional
        The designs of the m completed data sets when already built (:func:`imputed_designs`).

    Returns
    -------
    MissingDataAnalysis
        With no pooled effect when the design gate, checked on the balance pooled over the
        imputations (:func:`pooled_design`), fails; the notes say why.
    """
    designs = list(designs) if designs is not None else imputed_designs(
        imputed, settings, random_state=random_state, disclosure_threshold=disclosure_threshold)
    pooled = pooled_design(designs, settings)
    notes = list(imputed.notes)
    per: dict[str, list[Any]] = {o: [] for o in outcomes}
    own = sum(not d.gate.passed for d in designs)
    if own:
        notes.append(f"the design gate, checked in each completed data set on its own, failed in {own} of "
                     f"{len(designs)} imputations; the gate is checked on the balance pooled over all of them and "
                     "every imputation is pooled")
    if pooled.result is not None and pooled.gate.passed:
        for d in designs:
            for o in outcomes:
                per[o].append(estimate_effect(d.data, o, "treatment", d.result, cluster=cluster, alpha=alpha,
                                              random_state=random_state, propensity=d.propensity))
    else:
        notes.append("the design gate failed on the balance pooled over the imputations: no effect is pooled; "
                     + " ".join(pooled.gate.reasons))
    effects: dict[str, PooledResult] = {o: pool_effects(res, alpha=alpha) for o, res in per.items() if len(res) >= 2}
    cc = None
    base = imputed.data if complete_data is None else complete_data
    try:
        dcc = build_design(base, replace(settings, missing="complete_case"), random_state=random_state,
                           disclosure_threshold=disclosure_threshold)
        if dcc.result is not None and dcc.gate.passed:
            cc = estimate_effect(dcc.data, headline, "treatment", dcc.result, cluster=cluster, alpha=alpha,
                                 propensity=dcc.propensity)
        else:
            notes.append("complete-case sensitivity analysis: its design gate failed; " + " ".join(dcc.gate.reasons))
    except Exception as exc:  # noqa: BLE001 - a sensitivity analysis never stops the run
        notes.append(f"complete-case sensitivity analysis not estimated: {str(exc).splitlines()[0]}")
    balances = [d.balance for d in designs if d.balance is not None and d.result is not None]
    return MissingDataAnalysis(method="impute", missing=imputed.missing, m=imputed.m, effects=effects,
                               balance=pool_balance(balances) if balances else None, complete_case=cc,
                               headline=headline, notes=tuple(notes),
                               balance_by_imputation=balance_by_imputation(designs))


def pool_effects(results: Sequence[Any], *, alpha: float = 0.05) -> PooledResult:
    """Pool one effect (an ``EffectResult`` per completed data set) by Rubin's rules, keeping its
    outcome, estimand, design and the group means averaged over the imputations."""
    p = pool_results(results, alpha=alpha, method=f"multiple imputation by chained equations, m = {len(results)}")
    r0 = results[0]
    return replace(p, means=_pooled_means(results), outcome=getattr(r0, "outcome", ""),
                   estimand=getattr(r0, "estimand", ""), design=getattr(r0, "design", ""),
                   notes=tuple(dict.fromkeys([*getattr(r0, "notes", ()), *p.notes])))


def no_imputation(data: pd.DataFrame, covariates: Sequence[str], method: str) -> MissingDataAnalysis:
    """The missing-data record of a run that did not impute (nothing missing, or another rule)."""
    covs = [c for c in covariates if c in data.columns]
    return MissingDataAnalysis(method=method, missing=missing_summary(data, covs))
