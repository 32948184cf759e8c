"""Common support: who has somebody comparable in the other group, and who is left out of the comparison."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching._design import aligned, score_range_keep, treatment_array
from altmeasures_eval.matching._propensity import PropensityScore
from altmeasures_eval.matching._separation import GROUP, combination_gaps, level_gaps

__all__ = ["CommonSupport", "common_support", "crump_alpha"]

SupportRule = Literal["range", "crump", "none"]

#: The population each estimand describes, in plain words, before and after people without a
#: comparable case are left out.
_BASE = {
    "ATT": "people given an alternative",
    "ATC": "people sent to custody",
    "ATE": "everyone in the cohort",
    "ATO": "people who could plausibly have received either (the overlap population)",
}
_RESTRICTED = {
    "ATT": "people given an alternative who have a comparable custody case",
    "ATC": "people sent to custody who have a comparable alternative case",
    "ATE": "people who have a comparable case in the other group",
    "ATO": "people who could plausibly have received either (the overlap population)",
}
#: Groups whose people make up the population described (1 alternative, 0 custody).
_FOCAL = {"ATT": (1,), "ATC": (0,), "ATE": (0, 1), "ATO": (0, 1)}
#: MatchIt's ``discard`` option for each estimand (ATT: treated outside the control range, ...).
_DISCARD = {"ATT": "treated", "ATC": "control", "ATE": "both", "ATO": "both"}


@dataclass(frozen=True)
class CommonSupport:
    """Who is inside common support, who is left out and why.

    Attributes
    ----------
    retained : pandas.Series of bool
        True for people kept in the comparison, indexed like the data.
    dropped : pandas.DataFrame
        One row per reason and group with ``reason`` (plain words, e.g. "no comparable person in the
        custody group: stage = pre_trial"), ``group`` ("alternative" or "custody") and ``n``. Each
        person is counted once, under the first reason that applies (levels, then separation, then
        the score rule).
    rule : str
        ``"range"``, ``"crump"`` or ``"none"``: the score rule applied after the level check.
    estimand : str
        ``"ATT"``, ``"ATC"``, ``"ATE"`` or ``"ATO"``.
    bounds : tuple of float or None
        The score interval applied to the groups the rule trims: the overlap of the two groups'
        score ranges (``"range"``), [alpha, 1 - alpha] (``"crump"``), or ``None``.
    estimand_label : str
        Who the comparison now describes, in plain words ("people given an alternative who have a
        comparable custody case").
    summary : pandas.DataFrame
        People by group (index "alternative", "custody"): ``all``, ``retained``, ``dropped``.
    alpha : float or None
        The Crump et al. (2009) trimming threshold used (``rule="crump"``).
    covariates : tuple of str
        Categorical covariates whose levels were checked.
    notes : tuple of str
        What was left out and what the estimate now describes.
    """

    retained: pd.Series
    dropped: pd.DataFrame
    rule: str
    estimand: str
    bounds: tuple[float, float] | None
    estimand_label: str
    summary: pd.DataFrame
    alpha: float | None = None
    covariates: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def n_dropped(self) -> int:
        """People left out of the comparison."""
        return int((~self.retained).sum())

    @property
    def n_focal_dropped(self) -> int:
        """People of the group(s) the estimand describes who were left out."""
        return int(sum(self.summary.loc[GROUP[g], "dropped"] for g in _FOCAL[self.estimand]))

    def to_text(self) -> str:
        """A plain-text account: rule, who the comparison describes, counts and reasons."""
        rule = {"range": "score range of the other group (MatchIt discard)",
                "crump": f"Crump et al. (2009) trimming at {self.alpha:g}" if self.alpha is not None else "Crump",
                "none": "covariate levels only"}[self.rule]
        lines = [f"Common support ({self.estimand}; {rule}): the comparison describes {self.estimand_label}",
                 self.summary.to_string()]
        if len(self.dropped):
            lines.append(self.dropped.to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        head = self.to_text().splitlines()[0]
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return (f"<p><b>{head}</b></p>" + self.summary.to_html()
                + (self.dropped.to_html(index=False) if len(self.dropped) else "") + f"<ul>{notes}</ul>")

    def apply(self, data: pd.DataFrame) -> pd.DataFrame:
        """The retained rows of ``data`` (same index labels as the data given to :func:`common_support`)."""
        return data.loc[pd.Series(aligned(self.retained, data.index)).fillna(False).to_numpy(dtype=bool)]


def crump_alpha(score: np.ndarray | pd.Series) -> float:
    """Crump, Hotz, Imbens & Mitnik's (2009) optimal trimming threshold.

    With g = 1 / (e (1 - e)), no trimming is optimal when max g <= 2 mean(g); otherwise the threshold
    gamma solves gamma = 2 E[g | g <= gamma] (their Theorem 1, estimated on the sample) and
    alpha = 1/2 - sqrt(1/4 - 1/gamma): people with scores outside [alpha, 1 - alpha] are trimmed.
    """
    e = np.asarray(score, dtype=float)
    g = np.sort(1.0 / (e * (1.0 - e)))
    if g[-1] <= 2.0 * g.mean():
        return 0.0
    cm = np.cumsum(g) / np.arange(1, len(g) + 1)
    ok = np.flatnonzero(g <= 2.0 * cm)
    gamma = 2.0 * cm[ok[-1]]
    return float(0.5 - np.sqrt(max(0.25 - 1.0 / gamma, 0.0)))


def _score_array(data: pd.DataFrame, propensity: PropensityScore | pd.Series | np.ndarray | str) -> np.ndarray:
    if isinstance(propensity, PropensityScore):
        e = aligned(propensity.score, data.index).astype(float)
    elif isinstance(propensity, str):
        if propensity not in data.columns:
            raise DataContractError(f"common support: propensity column {propensity!r} not found in the data")
        e = pd.to_numeric(data[propensity], errors="coerce").to_numpy(dtype=float)
    elif isinstance(propensity, pd.Series):
        e = aligned(propensity, data.index).astype(float)
    else:
        e = np.asarray(propensity, dtype=float)
        if len(e) != len(data):
            raise DataContractError(f"common support: propensity has {len(e)} values for {len(data)} rows")
    bad = ~np.isfinite(e) | (e < 0) | (e > 1)
    if bad.any():
        row = data.index[int(np.flatnonzero(bad)[0])]
        raise DataContractError(
            f"common support: propensity score at row {row!r} is {e[bad][0]!r} ({int(bad.sum())} rows); scores "
            "must lie in [0, 1] and be given for every row of the data (same index). Refit the model on these data.")
    return e


def common_support(
    data: pd.DataFrame,
    treatment: str,
    propensity: PropensityScore | pd.Series | np.ndarray | str,
    *,
    estimand: Literal["ATT", "ATC", "ATE", "ATO"],
    covariates: Sequence[str] | None = None,
    rule: SupportRule = "range",
    alpha: float | Literal["optimal"] = 0.1,
    levels: bool = True,
) -> CommonSupport:
    """Find the people outside common support and leave them out of the comparison.

    Three checks, in this order; each person is counted once, under the first that applies.

    1. Covariate levels (``levels=True``): for every categorical covariate, people at a level the
       other group does not have at all ("no comparable person in the custody group: stage =
       pre_trial"). Then people whose group the propensity model found decided by a combination of
       levels or by coefficients running away (``PropensityScore.separated``). People of both groups
       are left out: those of the group the estimand describes change the population described;
       those of the other group would receive zero weight anyway and only make the fit separate.
    2. The score rule, on the people still in:

       - ``"range"``: MatchIt's ``discard`` (``R/discard.R``): ATT leaves out people given an
         alternative whose score lies outside the custody group's range, ATC custody cases outside
         the alternative group's range, ATE and ATO both (the overlap of the two ranges).
       - ``"crump"``: Crump et al. (2009): everyone with a score outside [alpha, 1 - alpha];
         ``alpha=0.1`` is their rule of thumb, ``alpha="optimal"`` their optimal threshold
         (:func:`crump_alpha`). It changes the population to the people with comparable cases in
         both groups, whatever the estimand.
       - ``"none"``: no score rule.

    Refit the propensity model on the retained people before matching or weighting (MatchIt's
    ``reestimate = TRUE``), so that the caliper and the weights come from the retained scores.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person (the data the score was fitted on).
    treatment : str
        0/1 column (1 = alternative measure, 0 = custody).
    propensity : PropensityScore, Series, array or str
        The score (a column name, or values aligned with ``data``).
    estimand : {"ATT", "ATC", "ATE", "ATO"}
        The population the comparison describes before restriction.
    covariates : sequence of str, optional
        Covariates whose levels are checked; default the propensity model's covariates (categorical
        ones are checked, numeric ones through the score).
    rule : {"range", "crump", "none"}
        The score rule.
    alpha : float or "optimal"
        Crump trimming threshold (``rule="crump"``), in [0, 0.5).
    levels : bool
        Check covariate levels and separation (step 1).

    Returns
    -------
    CommonSupport

    References
    ----------
    Crump RK, Hotz VJ, Imbens GW, Mitnik OA (2009). Dealing with limited overlap in estimation of
    average treatment effects. Biometrika 96(1):187-199.

    Ho DE, Imai K, King G, Stuart EA (2011). MatchIt: nonparametric preprocessing for parametric
    causal inference. Journal of Statistical Software 42(8). (``discard``, file ``R/discard.R``.)
    """
    if estimand not in _FOCAL:
        raise ConfigError(f"estimand must be 'ATT', 'ATC', 'ATE' or 'ATO', got {estimand!r}")
    if rule not in ("range", "crump", "none"):
        raise ConfigError(f"common support rule must be 'range', 'crump' or 'none', got {rule!r}")
    t = treatment_array(data, treatment, "common support data")
    e = _score_array(data, propensity)
    n = len(t)
    if covariates is None:
        covariates = propensity.covariates if isinstance(propensity, PropensityScore) else ()
    covs = tuple(c for c in covariates if c in data.columns)
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise DataContractError(f"common support: covariate(s) {missing} not found in the data")

    reason = np.full(n, "", dtype=object)
    notes: list[str] = []

    def mark(mask: np.ndarray, why_by_group: dict[int, str]) -> None:
        for g, why in why_by_group.items():
            m = mask & (t == g) & (reason == "")
            reason[m] = why

    if levels:
        gaps, _ = level_gaps(data, t, covs)
        for gap in gaps:
            rows = np.ones(n, dtype=bool)
            for c, v in zip(gap.covariates, gap.levels):
                rows &= data[c].astype(str).to_numpy() == v
            other = GROUP[1 - gap.group]
            mark(rows, {gap.group: f"no comparable person in the {other} group: {gap.where}"})
        sep = None
        if isinstance(propensity, PropensityScore) and propensity.separated is not None:
            sep = pd.Series(aligned(propensity.separated, data.index)).fillna(False).to_numpy(dtype=bool)
        if sep is not None and (sep & (reason == "")).any():
            rest = sep & (reason == "")
            for gap in combination_gaps(data, t, covs, rest.astype(float)):
                rows = np.ones(n, dtype=bool)
                for c, v in zip(gap.covariates, gap.levels):
                    rows &= data[c].astype(str).to_numpy() == v
                mark(rows & rest, {gap.group: f"no comparable person in the {GROUP[1 - gap.group]} group: {gap.where}"})
            mark(rest, {g: f"no comparable person in the {GROUP[1 - g]} group: the covariates decide the group "
                           "(separation in the propensity model)" for g in (0, 1)})
        if (reason != "").any():
            notes.append(f"{int((reason != '').sum()):,} people are at covariate levels (or combinations) that only "
                         "their own group has")

    inside = reason == ""
    bounds: tuple[float, float] | None = None
    alpha_used: float | None = None
    if rule == "range":
        if (inside & (t == 1)).any() and (inside & (t == 0)).any():
            keep = np.ones(n, dtype=bool)
            keep[inside] = score_range_keep(e[inside], t[inside], _DISCARD[estimand])
            lo = max(e[inside & (t == 1)].min(), e[inside & (t == 0)].min())
            hi = min(e[inside & (t == 1)].max(), e[inside & (t == 0)].max())
            bounds = (float(lo), float(hi))
            for g in (0, 1):
                other = GROUP[1 - g]
                lo_o, hi_o = e[inside & (t == 1 - g)].min(), e[inside & (t == 1 - g)].max()
                mark(~keep, {g: f"no comparable person in the {other} group: propensity score outside the {other} "
                                f"group's range ({lo_o:.3g} to {hi_o:.3g})"})
    elif rule == "crump":
        if alpha == "optimal":
            alpha_used = crump_alpha(e[inside]) if inside.any() else 0.0
        else:
            alpha_used = float(alpha)
            if not 0.0 <= alpha_used < 0.5:
                raise ConfigError(f"Crump trimming alpha must be in [0, 0.5) or 'optimal', got {alpha!r}")
        bounds = (alpha_used, 1.0 - alpha_used)
        out = (e < alpha_used) | (e > 1.0 - alpha_used)
        why = (f"propensity score outside [{alpha_used:.3g}, {1 - alpha_used:.3g}] (Crump et al. 2009 trimming): "
               "too few comparable people in the other group")
        mark(out, {0: why, 1: why})

    retained = reason == ""
    grp_name = np.where(t == 1, GROUP[1], GROUP[0])
    if (~retained).any():
        dropped = (pd.DataFrame({"reason": reason[~retained], "group": grp_name[~retained]})
                   .value_counts(["reason", "group"], sort=False).rename("n").reset_index())
        dropped = dropped.sort_values(["group", "n", "reason"], ascending=[True, False, True], kind="stable")
        dropped = dropped.reset_index(drop=True)
    else:
        dropped = pd.DataFrame({"reason": pd.Series(dtype=object), "group": pd.Series(dtype=object),
                                "n": pd.Series(dtype=np.int64)})
    summary = pd.DataFrame(
        {"all": [int((t == g).sum()) for g in (1, 0)],
         "retained": [int((retained & (t == g)).sum()) for g in (1, 0)]},
        index=pd.Index([GROUP[1], GROUP[0]], name="group"))
    summary["dropped"] = summary["all"] - summary["retained"]
    focal_dropped = sum(int(summary.loc[GROUP[g], "dropped"]) for g in _FOCAL[estimand])
    if rule == "crump" and alpha_used and (~retained).any():
        label = (f"people whose propensity score lies between {alpha_used:.2g} and {1 - alpha_used:.2g} "
                 "(comparable cases in both groups)")
    elif focal_dropped:
        label = _RESTRICTED[estimand]
    else:
        label = _BASE[estimand]
    for g in (1, 0):
        k = int(summary.loc[GROUP[g], "dropped"])
        if k:
            share = k / max(int(summary.loc[GROUP[g], "all"]), 1)
            notes.append(f"{k:,} of {int(summary.loc[GROUP[g], 'all']):,} people in the {GROUP[g]} group "
                         f"({share:.1%}) have no comparable person in the other group and are left out")
    if focal_dropped:
        notes.append(f"the comparison now describes {label}")
    if (retained & (t == 1)).sum() == 0 or (retained & (t == 0)).sum() == 0:
        notes.append("nobody is left in one of the groups: no comparison can be made")
    return CommonSupport(
        retained=pd.Series(retained, index=data.index, name="retained"),
        dropped=dropped,
        rule=rule,
        estimand=estimand,
        bounds=bounds,
        estimand_label=label,
        summary=summary,
        alpha=alpha_used,
        covariates=tuple(c for c in covs if c in data.columns),
        notes=tuple(notes),
    )
