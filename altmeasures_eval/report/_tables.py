"""Published tables of an evaluation, every one under disclosure control.

Each table is built from an :class:`~altmeasures_eval.evaluation.Evaluation` and passed through
the run's :class:`altmeasures_eval.privacy.DisclosurePolicy` (counts below the threshold
suppressed, values derived from them suppressed, secondary suppression so that totals cannot
reveal them, rare labels pooled, optional rounding). This module keeps no disclosure rule of its
own: it says which columns are counts, which values derive from which counts and which totals are
published, and the policy decides. No table holds an identifier or a row about one person: rows
are groups, horizons, covariates or model quantities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from altmeasures_eval.privacy import COUNT_IN_TEXT, OTHER_LABEL, DisclosurePolicy, neutralise_formulas

if TYPE_CHECKING:
    from altmeasures_eval.evaluation import DisclosureSettings

__all__ = ["PublishedTable", "hidden_labels", "publish_attrition", "publish_counts", "publish_notes",
           "publishable_frame", "published_tables"]

_PCT = "{:.1f}"


@dataclass(frozen=True)
class PublishedTable:
    """A table ready to publish.

    Attributes
    ----------
    name : str
        File stem (``recidivism`` -> ``tables/recidivism.csv``) and workbook sheet name.
    title : str
    frame : pandas.DataFrame
        Values after disclosure control (suppressed cells hold the marker).
    formats : dict of str to str
        Display format per column (``"{:.1f}"``); columns not listed print as they are.
    note : str
        Footnote (disclosure and definitions).
    labels : dict of str to str
        Display column headers.
    """

    name: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    note: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def alignment(self) -> list[str]:
        """``left`` for text columns, ``right`` for numeric ones (for the templates)."""
        out = []
        for c in self.frame.columns:
            vals = [v for v in self.frame[c] if isinstance(v, str) and v not in ("-", "[c]")]
            out.append("left" if vals and not all(_numeric(v) for v in vals) else "right")
        return out

    def display(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows as display strings."""
        cols = list(self.frame.columns)
        head = [self.labels.get(c, c.replace("_", " ")) for c in cols]
        rows = []
        for rec in self.frame.itertuples(index=False):
            row = []
            for c, v in zip(cols, rec):
                row.append(_fmt(v, self.formats.get(c)))
            rows.append(row)
        return head, rows


def p_format(v: float) -> str:
    """p-values to two decimals as the Justice Data Lab prints them; below 0.01 as ``<0.01``."""
    return "<0.01" if v < 0.01 else f"{v:.2f}"


def _fmt(v: Any, spec: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if callable(spec):
        return spec(v)
    if spec is not None:
        try:
            return spec.format(v)
        except (ValueError, TypeError):
            return str(v)
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    return f"{float(v):,.3g}"


def _numeric(v: str) -> bool:
    try:
        float(v.replace(",", "").rstrip("%"))
    except ValueError:
        return False
    return True


def publish_counts(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    disclosure: DisclosureSettings,
    *,
    name: str,
    derived: Mapping[str, Sequence[str]] | None = None,
    margins: str = "none",
    total_column: str | None = None,
    total_row: Any = None,
) -> pd.DataFrame:
    """Make one count table publishable with the ``[disclosure]`` settings: the report's own path.

    Every command that writes counts calls this (the report calls the same code for each of its
    tables), so that one threshold, one rounding rule and one marker hold for every output.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group or statistic; ``count_columns`` hold counts of persons (or of custody
        spells, cases ...), whole numbers >= 0.
    count_columns : sequence of str
        The inner count columns (not a total column).
    disclosure : DisclosureSettings
        Anything with ``threshold`` (int), ``rounding_base`` (int, 0 = no rounding) and ``marker``
        (str): normally ``EvaluationSpec.from_config(cfg).disclosure``, the ``[disclosure]`` section.
    name : str
        Table name, for error messages.
    derived : mapping of str to sequence of str, optional
        Columns computed from counts of the same row (means, rates, totals per person); hidden when
        a count they use is hidden.
    margins : {"none", "rows", "columns", "both"}, default "none"
        Which totals are published (see :func:`altmeasures_eval.privacy.suppress_counts`):
        ``"none"`` when the rows are separate statistics that are never added up.
    total_column, total_row : optional
        A total column or the label of a total row already in ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with counts from 1 to ``threshold - 1`` replaced by the marker, secondary
        suppressions so that the published totals cannot reveal them, derived values of a hidden
        count hidden, and published counts rounded to ``rounding_base`` when it is not 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from altmeasures_eval.evaluation import DisclosureSettings
    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "n": [40, 4, 25], "mean_days": [3.0, 9.5, 2.2]})
    >>> out = publish_counts(t, ["n"], DisclosureSettings(), name="demo", derived={"mean_days": ["n"]})
    >>> out.loc[1, "n"], out.loc[1, "mean_days"]
    ('[c]', '[c]')
    """
    return DisclosurePolicy.from_settings(disclosure).counts(
        frame, count_columns, name=name, derived=derived, margins=margins, total_column=total_column,
        total_row=total_row)


def publish_attrition(attrition: pd.DataFrame, disclosure: DisclosureSettings) -> pd.DataFrame:
    """The attrition table (``Cohort.attrition``) under disclosure control, as the report prints it.

    Small removals are hidden with partner removals and the remaining counts between them, so that
    no hidden count follows from the published ones (:meth:`altmeasures_eval.privacy.DisclosurePolicy.attrition`); the final count (the
    cohort size) stays published.

    Parameters
    ----------
    attrition : pandas.DataFrame
        Columns ``step`` (0 = every person in the data), ``rule``, ``description``,
        ``persons_removed``, ``persons_remaining``.
    disclosure : DisclosureSettings
        As in :func:`publish_counts`.

    Returns
    -------
    pandas.DataFrame
        ``step``, ``rule``, ``description``, ``persons_removed``, ``persons_remaining``; hidden counts
        hold the marker, step 0 has ``"-"`` as its removal.
    """
    return _attrition_frame(attrition, DisclosurePolicy.from_settings(disclosure))


#: Kept for callers of the old name: the pattern lives in the policy.
_COUNTED = COUNT_IN_TEXT


def publish_notes(notes: Sequence[str], disclosure: DisclosureSettings,
                  hidden_labels: Sequence[str] = ()) -> list[str]:
    """Notes with every small count in their sentences replaced by "fewer than <threshold>".

    Pipeline notes count things in words ("6 of 6,543 rows have no 730-day binary outcomes"); a
    note written into a published file is a published count too. A whole number from 1 to
    ``threshold - 1`` directly followed by "of" or by a noun counting people or records (persons,
    people, rows, cases, spells, episodes, units, records, reoffenders, scores, pairs, deaths) is
    replaced; other numbers (days, percentages, settings) are left alone.

    Parameters
    ----------
    notes : sequence of str
    disclosure : DisclosureSettings
        As in :func:`publish_counts`.
    hidden_labels : sequence of str, optional
        Category labels ("stage = police") whose cells are suppressed: every statistic in a
        sentence naming one is replaced by the marker (:meth:`altmeasures_eval.privacy.DisclosurePolicy.notes`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from altmeasures_eval.evaluation import DisclosureSettings
    >>> publish_notes(["6 of 6,543 rows have no 730-day outcome", "605 scores clipped"],
    ...               DisclosureSettings())
    ['fewer than 10 of 6,543 rows have no 730-day outcome', '605 scores clipped']
    """
    return DisclosurePolicy.from_settings(disclosure).notes(notes, hidden_labels)


def _attrition(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    return PublishedTable("attrition", "Attrition: from the data to the evaluation cohort",
                          _attrition_frame(ev.attrition, p),
                          note="Persons removed at each step and remaining after it.")


def _attrition_frame(a: pd.DataFrame, p: DisclosurePolicy) -> pd.DataFrame:
    steps = a[a["step"] > 0]
    removed = steps["persons_removed"].to_numpy(float)
    remaining = steps["persons_remaining"].to_numpy(float)
    start = float(a.loc[a["step"] == 0, "persons_remaining"].iloc[0])
    rem, left, first_n = p.attrition(removed, remaining, start)
    frame = pd.DataFrame({"step": steps["step"].to_numpy(), "rule": steps["rule"].to_numpy(),
                          "description": steps["description"].to_numpy(), "persons_removed": rem,
                          "persons_remaining": left})
    first = pd.DataFrame({"step": [0], "rule": ["data"], "description": ["every person in the data"],
                          "persons_removed": ["-"], "persons_remaining": [first_n]})
    return pd.concat([first, frame], ignore_index=True)


def _quality(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    t = ev.quality.tables[["table", "kept_rows", "rejected_rows"]].copy()
    # records read = kept + rejected is published: a total column of the same rows
    t.insert(1, "records_read", t["kept_rows"].to_numpy() + t["rejected_rows"].to_numpy())
    t = p.counts(t.set_index("table"), ["kept_rows", "rejected_rows"], name="data_quality", margins="rows",
                 total_column="records_read").reset_index()
    n_prob = len(ev.quality.problems) if ev.quality.problems is not None else 0
    return PublishedTable("data_quality", "Input tables: records read, kept and rejected", t,
                          note=f"{n_prob:,} data-quality problem(s) recorded.")


class _Shares:
    """Level x group counts of each categorical covariate, suppressed once (column margins: the
    group sizes are published, so the percentages of a variable sum to 100) and shared by every
    table that prints the same cross-tabulation (cohort description, subgroups), so that what one
    hides another cannot print. Rare levels (held by fewer than ``threshold`` people in all) are
    pooled into "other"."""

    def __init__(self, ev: Any, p: DisclosurePolicy) -> None:
        b = ev.balance.table.drop(index="distance", errors="ignore") if ev.balance is not None else None
        d = ev.data
        self.n = {"alternative": int((d["treatment"] == 1).sum()), "custody": int((d["treatment"] == 0).sum())}
        self.tables: dict[str, Any] = {}
        self.pooled: dict[str, list[str]] = {}
        if b is None:
            return
        binary = b[b["type"] == "binary"]
        var = pd.Series([i.split("=")[0] for i in binary.index], index=binary.index)
        for v in var.unique():
            rows = binary[var == v]
            levels = [i.split("=", 1)[1] if "=" in i else "" for i in rows.index]
            counts = pd.DataFrame({"alternative": np.rint(rows["mean_treated_before"].to_numpy() * self.n["alternative"]),
                                   "custody": np.rint(rows["mean_control_before"].to_numpy() * self.n["custody"])},
                                  index=levels).astype("int64")
            if levels == [""]:  # a 0/1 characteristic: the people without it are the other level
                counts.loc["__without__"] = [self.n["alternative"] - counts.iloc[0, 0],
                                             self.n["custody"] - counts.iloc[0, 1]]
            rare = [lv for lv in levels if lv and lv != OTHER_LABEL and 0 < counts.loc[lv].sum() < p.threshold] \
                if p.protected else []
            if len(rare) >= 1:
                self.pooled[v] = rare
            self.tables[v] = p.category_shares(counts, name=f"cohort_description {v}")

    def hidden(self, variable: str, level: str, group: str) -> bool:
        t = self.tables.get(variable)
        if t is None or level not in t.flags.index:
            return False
        return bool(t.flags.at[level, group] != "")

    def labels(self) -> list[str]:
        """Levels with a hidden cell, as sentences name them ("stage = police")."""
        out = []
        for v, t in self.tables.items():
            for level in t.flags.index[(t.flags != "").any(axis=1)]:
                out += [v] if level in ("", "__without__") else [f"{v} = {level}", f"{v}={level}", f"{v}: {level}"]
        return out


def _description(ev: Any, p: DisclosurePolicy, shares: _Shares) -> PublishedTable:
    b = ev.balance.table.drop(index="distance", errors="ignore")
    n_t, n_c = shares.n["alternative"], shares.n["custody"]
    binary = (b["type"] == "binary").to_numpy()
    scale = np.where(binary, 100.0, 1.0)
    var = [i.split("=")[0] for i in b.index]
    level = [i.split("=", 1)[1] if "=" in i else "" for i in b.index]
    out = pd.DataFrame({
        "characteristic": [i.replace("=", ": ", 1) for i in b.index],  # a level may itself hold "="
        "alternative": b["mean_treated_before"].to_numpy() * scale,
        "custody": b["mean_control_before"].to_numpy() * scale,
        "smd_before": b["smd_before"].to_numpy(),
        "custody_adjusted": b["mean_control_after"].to_numpy() * scale,
        "smd_after": b["smd_after"].to_numpy(),
    })
    if p.base:  # percentages from the published (rounded) counts, so they hold no more than those
        for col, grp, n in (("alternative", "alternative", n_t), ("custody", "custody", n_c)):
            cnt = [shares.tables[v].values.at[lv, grp] if bin_ and v in shares.tables else np.nan
                   for v, lv, bin_ in zip(var, level, binary)]
            pct = 100 * p.rate(np.nan_to_num(np.asarray(cnt, float)), np.full(len(cnt), n))
            out[col] = np.where(binary, pct, out[col])
    hide_t = np.array([bin_ and shares.hidden(v, lv, "alternative") for v, lv, bin_ in zip(var, level, binary)])
    hide_c = np.array([bin_ and shares.hidden(v, lv, "custody") for v, lv, bin_ in zip(var, level, binary)])
    out = p.hide(out, hide_t, ["alternative"])
    out = p.hide(out, hide_c, ["custody", "custody_adjusted"])
    # an SMD beside a hidden percentage gives it back from the other group's percentage
    out = p.hide(out, hide_t | hide_c, ["smd_before", "smd_after"])
    # rare labels: the level's name is not printed; its row becomes "<variable>: other"
    rare = np.array([bin_ and lv in shares.pooled.get(v, []) for v, lv, bin_ in zip(var, level, binary)])
    if rare.any():
        out.loc[rare, "characteristic"] = [f"{v}: {OTHER_LABEL} (labels held by fewer than {p.threshold} people)"
                                           for v, r in zip(var, rare) if r]
    return PublishedTable(
        "cohort_description", "Cohort description: characteristics before and after adjustment", out,
        formats={"alternative": "{:,.1f}", "custody": "{:,.1f}", "custody_adjusted": "{:,.1f}",
                 "smd_before": "{:+.2f}", "smd_after": "{:+.2f}"},
        labels={"alternative": "Alternative", "custody": "Custody", "smd_before": "SMD before",
                "custody_adjusted": "Custody (adjusted)", "smd_after": "SMD after"},
        note=(f"Percentages for categories, means otherwise. SMD: standardised mean difference (|SMD| < "
              f"{ev.spec.design.balance_threshold:g} is taken as good balance). Groups: {_n_text(p, n_t)} alternative, "
              f"{_n_text(p, n_c)} custody."))


def _n_text(p: DisclosurePolicy, n: int) -> str:
    shown = p.count(n)
    return f"fewer than {p.threshold}" if shown is None else f"{shown:,}"


def _observed(p: DisclosurePolicy, frame: pd.DataFrame, events: str, n: str) -> np.ndarray:
    """Observed rates in % from the published (rounded) counts of the frame before suppression."""
    return 100 * np.asarray(p.rate(frame[events].to_numpy(float), frame[n].to_numpy(float)), float)


def _recidivism(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    d = ev.data
    rows = []
    estimand = ev.design.estimand
    for h, e in ev.recidivism.items():
        rd = e.summary.loc["risk_difference"]
        y = d[f"reoffend_{h}"]
        obs_t = (d["treatment"] == 1) & y.notna()
        obs_c = (d["treatment"] == 0) & y.notna()
        naive = ev.naive[h].summary.loc["risk_difference"]
        sig = ev.rules.significance.get(h, False)
        rows.append({
            "horizon_days": h, "n_alternative": int(obs_t.sum()), "reoffenders_alternative": int(y[obs_t].sum()),
            "n_custody": int(obs_c.sum()), "reoffenders_custody": int(y[obs_c].sum()),
            "rate_alternative": 100 * e.means.loc["treated", "mean"],
            "rate_custody_adjusted": 100 * e.means.loc["control", "mean"],
            "difference_points": 100 * rd["estimate"], "ci_low": 100 * rd["ci_low"],
            "ci_high": 100 * rd["ci_high"], "p_value": rd["p_value"] if sig else np.nan,
            "unadjusted_difference": 100 * naive["estimate"]})
    raw = pd.DataFrame(rows)
    if p.base:  # observed rates and the unadjusted difference from the published (rounded) counts
        obs_alt = _observed(p, raw, "reoffenders_alternative", "n_alternative")
        raw["unadjusted_difference"] = obs_alt - _observed(p, raw, "reoffenders_custody", "n_custody")
        if estimand == "ATT":  # the alternative rate is the observed one
            raw["rate_alternative"] = obs_alt
    counts = ["n_alternative", "reoffenders_alternative", "n_custody", "reoffenders_custody"]
    contrast = ["difference_points", "ci_low", "ci_high", "p_value", "unadjusted_difference"]
    frame = p.counts(raw, counts, name="recidivism",
                     derived={"rate_alternative": ["n_alternative", "reoffenders_alternative"],
                              "rate_custody_adjusted": ["n_custody", "reoffenders_custody"],
                              **{c: counts for c in contrast}})
    frame = p.binary(frame, "n_alternative", "reoffenders_alternative", ["rate_alternative", *contrast])
    frame = p.binary(frame, "n_custody", "reoffenders_custody", ["rate_custody_adjusted", *contrast])
    return PublishedTable(
        "recidivism", "Proven reoffending within 1, 2 and 3 years", frame,
        formats={"horizon_days": "{}", "rate_alternative": _PCT, "rate_custody_adjusted": _PCT, "difference_points": "{:+.1f}",
                 "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": p_format, "unadjusted_difference": "{:+.1f}"},
        labels={"horizon_days": "Days", "n_alternative": "n alt.", "reoffenders_alternative": "reoff. alt.",
                "n_custody": "n cust.", "reoffenders_custody": "reoff. cust.", "rate_alternative": "% alt.",
                "rate_custody_adjusted": "% cust. (adj.)", "difference_points": "Diff. (pts)",
                "ci_low": "CI low", "ci_high": "CI high", "p_value": "p", "unadjusted_difference": "Unadj. diff."},
        note=("Rates in %, differences in percentage points (alternative minus custody) with "
              f"{100 * (1 - ev.spec.outcomes.alpha):.0f}% confidence intervals. Custody rates are weighted to "
              "resemble the alternative group. p-values are shown only where the decision rules allow a "
              "significance statement. People whose follow-up is not complete by the extract date are left out."))


_OUTCOME_LABELS = {"treatment_entry_90": "entered treatment within 90 days",
                   "treatment_entry_30": "entered treatment within 30 days",
                   "treatment_completed": "completed treatment (of those who entered)",
                   **{f"death_{h}": f"died within {h} days" for h in (365, 730, 1095)},
                   **{f"overdose_death_{h}": f"overdose death within {h} days" for h in (365, 730, 1095)}}


def _simple_effects(name: str, title: str, effects: Mapping[Any, Any], key_label: str, p: DisclosurePolicy,
                    ev: Any, percent: bool) -> PublishedTable:
    d = ev.data
    rows = []
    k = 100.0 if percent else 1.0
    for key, e in effects.items():
        s = e.summary.iloc[0]
        col = e.outcome
        obs = d[col].notna()
        t, c = (d["treatment"] == 1) & obs, (d["treatment"] == 0) & obs
        row = {key_label: _OUTCOME_LABELS.get(key, key), "n_alternative": int(t.sum()), "n_custody": int(c.sum())}
        if percent:  # 0/1 outcomes: the events are published (and protected) beside n
            row |= {"events_alternative": int(d.loc[t, col].sum()), "events_custody": int(d.loc[c, col].sum())}
        row |= {"alternative": k * e.means.loc["treated", "mean"], "custody_adjusted": k * e.means.loc["control", "mean"],
                "difference": k * s["estimate"], "ci_low": k * s["ci_low"], "ci_high": k * s["ci_high"],
                "p_value": s["p_value"]}
        rows.append(row)
    frame = pd.DataFrame(rows)
    if percent and p.base and ev.design.estimand == "ATT":
        frame["alternative"] = _observed(p, frame, "events_alternative", "n_alternative")
    counts = [c for c in ("n_alternative", "events_alternative", "n_custody", "events_custody") if c in frame]
    contrast = ["difference", "ci_low", "ci_high", "p_value"]
    alt = [c for c in ("n_alternative", "events_alternative") if c in frame]
    cus = [c for c in ("n_custody", "events_custody") if c in frame]
    frame = p.counts(frame, counts, name=name, derived={"alternative": alt, "custody_adjusted": cus,
                                                        **{c: counts for c in contrast}})
    if percent:
        frame = p.binary(frame, "n_alternative", "events_alternative", ["alternative", *contrast])
        frame = p.binary(frame, "n_custody", "events_custody", ["custody_adjusted", *contrast])
    f = "{:,.1f}" if percent else "{:,.2f}"
    return PublishedTable(name, title, frame,
                          labels={"horizon_days": "Days", "n_alternative": "n alt.", "n_custody": "n cust.",
                                  "events_alternative": "events alt.", "events_custody": "events cust.",
                                  "alternative": "Alternative", "custody_adjusted": "Custody (adj.)",
                                  "difference": "Difference", "ci_low": "CI low", "ci_high": "CI high", "p_value": "p"},
                          formats={"horizon_days": "{}", "alternative": f, "custody_adjusted": f, "difference": "{:+,.2f}",
                                   "ci_low": "{:+,.2f}", "ci_high": "{:+,.2f}", "p_value": p_format},
                          note="Alternative minus custody (adjusted)." + (" Rates in %." if percent else ""))


def _time_to_event(ev: Any) -> PublishedTable:
    s = ev.time_to_event.summary
    s = s[s["measure"] != "log_hazard_ratio"]
    frame = s[["measure", "time", "estimate", "ci_low", "ci_high", "p_value"]].copy()
    frame["measure"] = frame["measure"].map({"risk_difference": "difference in share reoffending, Kaplan-Meier (points)",
                                             "rmst_difference": "RMST difference (days)",
                                             "hazard_ratio": "hazard ratio"})
    pts = frame["measure"].str.startswith("difference in share")
    frame.loc[pts, ["estimate", "ci_low", "ci_high"]] *= 100
    lead = "RMST (hazards not proportional)" if ev.time_to_event.lead == "rmst" else "hazard ratio"
    return PublishedTable("time_to_event", "Time to first proven reoffence: adjusted contrasts", frame,
                          formats={"time": "{:.0f}", "estimate": "{:,.2f}", "ci_low": "{:,.2f}",
                                   "ci_high": "{:,.2f}", "p_value": p_format},
                          labels={"time": "horizon (days)"},
                          note=f"Weighted Kaplan-Meier contrasts and Cox hazard ratio; leading measure: {lead}. "
                               "RMST: mean days without reoffending up to the horizon.")


def _competing(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    s = ev.competing.summary.copy()
    s["group"] = s["group"].map({1: "alternative", 0: "custody"})
    s["cause"] = s["cause"].map({1: "proven reoffence", 2: "death"})
    d = ev.data
    tt, et, g = d["time_reoffend"].to_numpy(float), d["event_type"].to_numpy(), d["treatment"].to_numpy()
    s["events"] = [int(((g == gr) & (et == cause) & (tt <= t)).sum())
                   for gr, cause, t in zip(ev.competing.summary["group"], ev.competing.summary["cause"], s["time"])]
    frame = s[["group", "cause", "time", "events", "estimate", "ci_low", "ci_high", "n_at_risk"]].copy()
    frame[["estimate", "ci_low", "ci_high"]] *= 100
    frame = p.counts(frame, ["events", "n_at_risk"], name="cumulative_incidence",
                     derived={c: ["events", "n_at_risk"] for c in ("estimate", "ci_low", "ci_high")})
    return PublishedTable("cumulative_incidence", "Cumulative incidence of reoffence with death as competing event",
                          frame, formats={"time": "{:.0f}", "estimate": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}"},
                          note="Weighted Aalen-Johansen estimates in %.")


def _subgroups(ev: Any, p: DisclosurePolicy, shares: _Shares) -> PublishedTable:
    s = ev.subgroups.copy().reset_index(drop=True)
    for c in ("estimate", "ci_low", "ci_high"):
        s[c] = 100 * s[c]
    raw_level = s["level"].astype(str)
    s["level"] = raw_level.str.replace("_", " ")
    counts = ["n_treated", "n_control"]
    contrast = ["estimate", "ci_low", "ci_high", "p_value", "p_holm"]
    frame = s[["variable", "level", *counts, *contrast]]
    frame = p.counts(frame, counts, name="subgroups", derived={c: counts for c in contrast})
    hide_t = np.zeros(len(s), bool)
    hide_c = np.zeros(len(s), bool)
    for v in s["variable"].unique():
        rows = np.flatnonzero((s["variable"] == v).to_numpy())
        if v in shares.tables:  # the same cross-tabulation as the cohort description: its pattern
            hide_t[rows] = [shares.hidden(v, lv, "alternative") for lv in raw_level.iloc[rows]]
            hide_c[rows] = [shares.hidden(v, lv, "custody") for lv in raw_level.iloc[rows]]
            continue
        # levels of a variable partition a group whose size is published: a column-margin table
        block = s.iloc[rows][counts].astype("int64").set_index(raw_level.iloc[rows])
        cols = [c for c in counts if block[c].nunique() > 1 or len(block) == 1]
        if cols:
            flags = p.category_shares(block[cols], name=f"subgroups {v}").flags
            if "n_treated" in cols:
                hide_t[rows] = (flags["n_treated"] != "").to_numpy()
            if "n_control" in cols:
                hide_c[rows] = (flags["n_control"] != "").to_numpy()
    frame = p.hide(frame, hide_t, ["n_treated", *contrast])
    frame = p.hide(frame, hide_c, ["n_control", *contrast])
    rare = np.array([lv in shares.pooled.get(v, []) for v, lv in zip(s["variable"], raw_level)], bool)
    if rare.any():
        frame.loc[rare, "level"] = OTHER_LABEL
    return PublishedTable(
        "subgroups", "Subgroups: difference in 1-year reoffending (percentage points)", frame,
        formats={"estimate": "{:+.1f}", "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": p_format, "p_holm": p_format},
        labels={"n_treated": "n alt.", "n_control": "n cust.", "p_holm": "p (Holm)"},
        note=(f"{len(s)} tests; p (Holm) is adjusted for multiplicity. Alternative types are each compared "
              "with all custody cases with the design re-estimated; other variables reuse the design weights."))


def _prison(ev: Any, p: DisclosurePolicy) -> list[PublishedTable]:
    bd = ev.prison.bed_days.summary
    frame = bd[["horizon", "component", "n_alternative", "n_custody", "mean_alternative", "mean_custody",
                "averted", "averted_ci_low", "averted_ci_high"]].copy()
    both = ["n_alternative", "n_custody"]
    frame = p.counts(frame, both, name="bed_days",
                     derived={"mean_alternative": ["n_alternative"], "mean_custody": ["n_custody"],
                              **{c: both for c in ("averted", "averted_ci_low", "averted_ci_high")}})

    t1 = PublishedTable("bed_days", "Prison bed-days per person and bed-days averted", frame,
                        formats={"horizon": "{}", **{c: "{:,.1f}" for c in ("mean_alternative", "mean_custody", "averted",
                                                                           "averted_ci_low", "averted_ci_high")}},
                        note="Index: the index custody spell; later: custody after the start of follow-up.")
    rows = []
    for sh, n, st in zip(ev.prison.shares, ev.prison.diversions_per_year, ev.prison.steady_states):
        rows.append({"share_diverted": 100 * sh, "diversions_per_year": n, "mean_stay_days": st.mean_stay_days,
                     "places_averted": st.places_averted, "places_readmission": st.places_readmission,
                     "net_change": st.net_change})
    t2 = PublishedTable("steady_state", "Steady-state change in the average daily prison population", pd.DataFrame(rows),
                        formats={"share_diverted": "{:.0f}%", "diversions_per_year": "{:,.0f}",
                                 "mean_stay_days": "{:,.1f}", "places_averted": "{:,.1f}",
                                 "places_readmission": "{:+,.1f}", "net_change": "{:+,.1f}"},
                        note="Little's law: places = admissions a day x mean stay; re-admissions from the "
                             "difference in 1-year custody re-admission.")
    paths = ev.prison.projection.paths
    pr = paths[(paths["jurisdiction"] == "all") & paths["projected"]].copy()
    pr["year"] = pd.PeriodIndex(pr["month"].astype(str), freq="M").year
    yearly = pr.groupby(["scenario", "year"], as_index=False)[["population", "low", "high"]].mean()
    yearly["scenario"] = yearly["scenario"].str.replace(r"^divert_(\d+)$", r"divert \1%", regex=True)
    t3 = PublishedTable("population_projection", "Projected average prison population (eligible stream), by scenario",
                        yearly, formats={"year": "{}", "population": "{:,.0f}", "low": "{:,.0f}", "high": "{:,.0f}"},
                        note="Annual averages of the monthly stock-flow projection; bands from the effect uncertainty.")
    return [t1, t2, t3]


def _costs(ev: Any) -> list[PublishedTable]:
    c = ev.costs
    cur = f"{c.unit_costs.currency} {c.unit_costs.price_year}"
    per = c.comparison.summary
    per = per[per["mean_alternative"].notna()]
    t1 = PublishedTable("costs_per_person", f"Cost per person by perspective ({cur}, present value)",
                        per[["perspective", "component", "mean_alternative", "mean_custody", "difference", "ci_low", "ci_high"]],
                        formats={k: "{:,.0f}" for k in ("mean_alternative", "mean_custody", "difference", "ci_low", "ci_high")},
                        note=f"Over {c.horizon} days; people with complete follow-up only.")
    res, mc = c.comparison, c.monte_carlo
    rows = [("net programme cost per person", res.net_cost), ("benefits per person", res.benefits),
            ("net present value per person", res.npv),
            ("benefit-cost ratio", res.ratio if res.verdict == "ratio" else np.nan),
            ("verdict", res.verdict), ("chance benefits exceed costs (%)", 100 * mc.chance_positive)]
    t2 = PublishedTable("cost_summary", f"Cost-benefit summary ({cur})",
                        pd.DataFrame(rows, columns=["quantity", "value"]).astype({"value": object}),
                        formats={"value": "{:,.2f}"},
                        note="Dominant: the alternative costs less and has benefits. Monte Carlo over unit costs and effects.")
    t3 = PublishedTable("unit_costs", f"Unit costs ({cur})",
                        c.unit_costs.summary[["item", "perspective", "value", "distribution", "low", "high", "basis", "placeholder"]],
                        formats={"value": "{:,.0f}", "low": "{:,.0f}", "high": "{:,.0f}"},
                        note="Placeholder = shipped default, not an estimate for any country.")
    t4 = PublishedTable("cost_sensitivity", "One-way sensitivity of the net present value", c.sensitivity.summary,
                        formats={"low_value": "{:,.2f}", "high_value": "{:,.2f}", "npv_low": "{:,.0f}",
                                 "npv_high": "{:,.0f}", "swing": "{:,.0f}"})
    return [t1, t2, t3, t4]


def _rules(ev: Any) -> PublishedTable:
    r, s = ev.rules, ev.spec.decision_rules
    thr = ev.spec.disclosure.threshold

    def measured(v: float) -> str:  # B1 (#12): the measured value beside the threshold, never a small count
        return f"fewer than {thr}" if 0 < v < thr else f"{v:,.0f}"

    exp = getattr(r, "expected", {})
    rows = [
        ("people given an alternative", measured(r.n_treated), f">= {s.min_treated}",
         "met" if r.n_treated >= s.min_treated else "NOT met"),
        ("people sent to custody", measured(r.n_control), f">= {s.min_control}",
         "met" if r.n_control >= s.min_control else "NOT met"),
        *[(f"n*p and n*(1-p) in both groups at {h} days", measured(exp[h]) if h in exp else "",
           f">= {s.min_expected:g}", "met" if ok else "NOT met") for h, ok in r.significance.items()],
        ("treated reoffenders within the headline horizon", measured(r.treated_reoffenders),
         f">= {s.min_treated_reoffenders}", "met" if r.time_to_event_allowed else "NOT met"),
    ]
    return PublishedTable("decision_rules", "Decision rules (Justice Data Lab)",
                          pd.DataFrame(rows, columns=["rule", "measured", "required", "result"]),
                          note="Measured: the smallest of n*p and n*(1-p) over the two groups for the "
                               "significance rule (weighted rates).")


def published_tables(ev: Any) -> tuple[dict[str, PublishedTable], tuple[str, ...]]:
    """Every published table of an evaluation, under disclosure control.

    Parameters
    ----------
    ev : Evaluation

    Returns
    -------
    tables : dict of str to PublishedTable
        In report order; only the tables the decision rules allow.
    notes : tuple of str
        Disclosure-control notes (threshold, rounding, number of cells suppressed).
    """
    p = DisclosurePolicy.from_settings(ev.spec.disclosure)
    shares = _Shares(ev, p)
    out: list[PublishedTable] = [_quality(ev, p), _attrition(ev, p)]
    probs = getattr(ev.quality, "problem_summary", None)
    if probs is not None and len(probs):
        cols = [c for c in ("table", "column", "check", "n_rows", "message", "hint") if c in probs.columns]
        frame = probs[cols].reset_index(drop=True)
        if "n_rows" in frame:
            frame = p.counts(frame, ["n_rows"], name="data_problems")
        out.append(PublishedTable("data_problems", "Data-quality problems found", frame,
                                  note="Counts of records with each problem (no record is listed)."))
    if ev.balance is not None:
        out.append(_description(ev, p, shares))
    out.append(_rules(ev))
    if ev.recidivism:
        out.append(_recidivism(ev, p))
        out.append(_simple_effects("frequency", "Proven reoffences per person", ev.frequency, "horizon_days", p, ev,
                                   percent=False))
    if ev.days_to_reoffence is not None:
        dd = ev.days_to_reoffence
        frame = pd.DataFrame([{"reoffenders_alternative": dd["n_treated"], "reoffenders_custody": dd["n_control"],
                               "days_alternative": dd["mean_treated"], "days_custody_adjusted": dd["mean_control"],
                               "difference": dd["estimate"], "ci_low": dd["ci_low"], "ci_high": dd["ci_high"],
                               "p_value": dd["p_value"]}])
        dep = ["reoffenders_alternative", "reoffenders_custody"]
        frame = p.counts(frame, dep, name="days_to_reoffence",
                         derived={c: dep for c in ("days_alternative", "days_custody_adjusted", "difference",
                                                   "ci_low", "ci_high", "p_value")})
        out.append(PublishedTable(
            "days_to_reoffence", f"Days to first proven reoffence, among those who reoffended within {dd['horizon']} days",
            frame, formats={k: "{:,.1f}" for k in ("days_alternative", "days_custody_adjusted")}
            | {k: "{:+,.1f}" for k in ("difference", "ci_low", "ci_high")} | {"p_value": p_format},
            labels={"reoffenders_alternative": "reoff. alt.", "reoffenders_custody": "reoff. cust.",
                    "days_alternative": "days alt.", "days_custody_adjusted": "days cust. (adj.)", "p_value": "p"},
            note="Among reoffenders only (Justice Data Lab measure): descriptive, since who reoffends may differ "
                 "between the groups."))
    if ev.time_to_event is not None:
        out.append(_time_to_event(ev))
        out.append(_competing(ev, p))
    if ev.health:
        out.append(_simple_effects("health", "Health and treatment outcomes (%)", ev.health, "outcome", p, ev,
                                   percent=True))
    if ev.subgroups is not None:
        out.append(_subgroups(ev, p, shares))
    if ev.evalues is not None:
        out.append(PublishedTable("evalues", "Sensitivity to unmeasured confounding (E-values)", ev.evalues,
                                  formats={k: "{:.2f}" for k in ("estimate", "ci_low", "ci_high", "evalue_point", "evalue_ci")}))
    if ev.prison is not None:
        out.extend(_prison(ev, p))
    if ev.costs is not None:
        out.extend(_costs(ev))
    if p.base:  # percentages no more precise than the rounded counts of the smaller group allow
        out = [_coarsen(t, p.percent_decimals(min(shares.n.values()))) for t in out]
    n_hidden = sum(int((t.frame.astype(object) == p.marker).to_numpy().sum()) for t in out)
    notes = (p.describe() + f" {n_hidden} cell(s) suppressed in all tables.",)
    return {t.name: t for t in out}, notes


#: Tables and columns in percent or percentage points, coarsened under rounding.
_PERCENT_COLUMNS = {
    "recidivism": ("rate_alternative", "rate_custody_adjusted", "difference_points", "ci_low", "ci_high",
                   "unadjusted_difference"),
    "health": ("alternative", "custody_adjusted", "difference", "ci_low", "ci_high"),
    "subgroups": ("estimate", "ci_low", "ci_high"),
    "cumulative_incidence": ("estimate", "ci_low", "ci_high"),
}  # the cohort description's percentages are ratios of the rounded counts already


def _coarsen(t: PublishedTable, decimals: int | None) -> PublishedTable:
    cols = _PERCENT_COLUMNS.get(t.name, ())
    if decimals is None or not cols:
        return t
    formats = dict(t.formats)
    for c in cols:
        if c in t.frame.columns:
            sign = "+" if "+" in str(formats.get(c, "")) else ""
            formats[c] = f"{{:{sign},.{decimals}f}}"
    return dataclasses.replace(t, formats=formats)


def hidden_labels(tables: Mapping[str, PublishedTable], marker: str = "[c]") -> list[str]:
    """Category labels with a suppressed cell in the cohort description, as sentences name them
    ("stage = police", "stage=police", "stage: police"): for :func:`publish_notes`, so that a note
    cannot print a percentage that the table hides.

    Parameters
    ----------
    tables : mapping of str to PublishedTable
        From :func:`published_tables`.
    marker : str
        The suppression marker.

    Returns
    -------
    list of str
    """
    t = tables.get("cohort_description")
    if t is None:
        return []
    frame = t.frame.astype(object)
    hit = (frame.drop(columns="characteristic") == marker).any(axis=1)
    out: list[str] = []
    for label in frame.loc[hit, "characteristic"]:
        if ": " in str(label):
            v, lv = str(label).split(": ", 1)
            out += [f"{v} = {lv}", f"{v}={lv}", f"{v}: {lv}"]
    return out


def publishable_frame(table: PublishedTable) -> pd.DataFrame:
    """The frame of ``table`` as written to CSV and XLSX: floats at the precision the report
    prints them (a CSV must not carry more than the page), text cells neutralised against formula
    injection (:func:`altmeasures_eval.privacy.neutralise_formulas`).

    Parameters
    ----------
    table : PublishedTable

    Returns
    -------
    pandas.DataFrame
    """
    frame = table.frame.reset_index(drop=True).copy()
    for col in frame.columns:
        spec = table.formats.get(col)
        digits = 4 if spec is p_format else _decimals(spec)
        if digits is None:
            continue
        vals = frame[col]
        is_float = vals.map(lambda v: isinstance(v, (float, np.floating)) and not isinstance(v, bool))
        if is_float.any():
            rounded = vals[is_float].astype(float).round(digits)
            new = vals.astype(object).copy()
            for i, v in zip(rounded.index, rounded.to_numpy()):
                # whole numbers written as such: "31", not "31.0" (the file states its precision)
                new.at[i] = int(v) if digits == 0 and np.isfinite(v) else float(v)
            frame[col] = pd.Series(new.to_numpy(), index=frame.index, dtype=object)
    return neutralise_formulas(frame)


def _decimals(spec: Any) -> int | None:
    import re

    if not isinstance(spec, str):
        return None
    m = re.search(r"\.(\d+)[f%]", spec)
    if m:
        return int(m.group(1))
    return 0 if re.search(r"\{:[^}]*[d]\}|\.0f", spec) else None
