"""Published tables of an evaluation, every one under disclosure control.

Each table is built from an :class:`~altmeasures_eval.evaluation.Evaluation` and passed through
:func:`altmeasures_eval.privacy.suppress_counts` (counts below the threshold suppressed, values
derived from them suppressed, secondary suppression so that totals cannot reveal them, optional
rounding). No table holds an identifier or a row about one person: rows are groups, horizons,
covariates or model quantities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import re

import numpy as np
import pandas as pd

from altmeasures_eval._errors import PrivacyError
from altmeasures_eval.privacy import disclosed_cells, suppress_counts

if TYPE_CHECKING:
    from altmeasures_eval.evaluation import DisclosureSettings

__all__ = ["PublishedTable", "publish_attrition", "publish_counts", "publish_notes", "published_tables"]


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


class _Protector:
    """Applies the evaluation's disclosure settings to one table at a time and keeps the notes."""

    def __init__(self, threshold: int, rounding_base: int, marker: str) -> None:
        self.threshold, self.base, self.marker = threshold, rounding_base or None, marker
        self.n_suppressed = 0

    def counts(self, frame: pd.DataFrame, count_columns: Sequence[str], name: str,
               derived: Mapping[str, Sequence[str]] | None = None, margins: str = "none",
               total_column: str | None = None, total_row: Any = None) -> pd.DataFrame:
        """Suppress small counts and derived values. ``margins="none"``: rows are separate statistics
        (no totals across them); ``"rows"``: each row's total of ``count_columns`` is published."""
        work = frame.copy()
        for c in [*count_columns, *([total_column] if total_column is not None else [])]:
            work[c] = pd.to_numeric(work[c]).round().astype("int64")
        res = suppress_counts(work, list(count_columns), self.threshold, margins=margins,
                              rounding_base=self.base, derived=derived, marker=self.marker, name=name,
                              total_column=total_column, total_row=total_row)
        self.n_suppressed += int((res.flags != "").to_numpy().sum())
        return res.table

    def chain(self, removed: np.ndarray, remaining: np.ndarray, start: int) -> tuple[list[Any], list[Any], Any]:
        """An attrition chain ``remaining[k] = remaining[k-1] - removed[k]`` (``start`` = count before step 1).

        Primary suppression of small removals. Published remaining counts cut the chain into
        segments in which only the sum of the hidden removals is known; a hidden removal alone in
        its segment is recoverable. Each such removal gets a partner removal in its segment (the
        remaining counts between them hidden): the partner needing fewest hidden counts, preferring
        one already hidden, then counts of at least the threshold (zeros last: hiding a zero would
        bound the small count by its own value). The final count (the cohort size, printed
        everywhere) is never hidden; the start only when there is a single step. The result is
        checked with :func:`altmeasures_eval.privacy.disclosed_cells`.

        Returns
        -------
        removed, remaining : list
            Published values (int) or the marker.
        start : int or str
        """
        k = len(removed)
        n_inner = 1 + k  # inner cells: start, removed_1..k; every published cell is a sum of them
        relations = np.zeros((2 * k + 1, n_inner))
        for i in range(k):
            relations[i, 1 + i] = 1  # removed_i
            relations[k + i, 0] = 1  # remaining_i = start - removed_1 - ... - removed_i
            relations[k + i, 1:2 + i] = -1
        relations[2 * k, 0] = 1  # start
        values = np.concatenate([removed, remaining, [start]]).astype(float)
        x = values[:k]
        hide_x = (x > 0) & (x < self.threshold)
        hide_r = np.zeros(k, bool)  # remaining counts; hide_r[k-1] (the final count) stays False
        hide_start = False

        def segment(i: int) -> list[int]:
            """Removals sharing the segment of removal ``i`` between published remaining counts."""
            lo = i
            while lo > 0 and hide_r[lo - 1]:
                lo -= 1
            hi = i
            while hi < k - 1 and hide_r[hi]:
                hi += 1
            return list(range(lo, hi + 1))

        for i in np.flatnonzero(hide_x):
            if sum(hide_x[j] for j in segment(i)) >= 2 or hide_start and segment(i)[0] == 0:
                continue
            # partner removal j joins i's segment: hide the remaining counts between them
            best = None
            for j in range(k):
                if j == i:
                    continue
                between = range(min(i, j), max(i, j))
                cost = (sum(not hide_r[r] for r in between),
                        0 if hide_x[j] else 1 if x[j] >= self.threshold else 2 if x[j] > 0 else 3, x[j])
                if best is None or cost < best[0]:
                    best = (cost, j, between)
            if best is None:  # a single step: only hiding the start protects it
                hide_start = True
                continue
            _, j, between = best
            hide_x[j] = True
            for r in between:
                hide_r[r] = True
        published = np.concatenate([~hide_x, ~hide_r, [not hide_start]])
        # independent check of the construction by linear algebra (privacy layer)
        sup = np.flatnonzero(~published)
        if sup.size and disclosed_cells(relations, published, sup).any():  # pragma: no cover - by construction
            raise PrivacyError("attrition table: suppression left a recoverable count; please report this as a bug")
        self.n_suppressed += int((~published).sum())
        shown = [self.marker if not p else self._round(v) for v, p in zip(values, published)]
        return shown[:k], shown[k:2 * k], shown[2 * k]

    def _round(self, v: float) -> int:
        if self.base:
            return int(self.base * round(v / self.base))
        return int(v)


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
    p = _Protector(disclosure.threshold, disclosure.rounding_base, disclosure.marker)
    return p.counts(frame, count_columns, name, derived=derived, margins=margins,
                    total_column=total_column, total_row=total_row)


def publish_attrition(attrition: pd.DataFrame, disclosure: DisclosureSettings) -> pd.DataFrame:
    """The attrition table (``Cohort.attrition``) under disclosure control, as the report prints it.

    Small removals are hidden with partner removals and the remaining counts between them, so that
    no hidden count follows from the published ones (see ``_Protector.chain``); the final count (the
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
    p = _Protector(disclosure.threshold, disclosure.rounding_base, disclosure.marker)
    return _attrition_frame(attrition, p)


#: A count in a sentence: a whole number followed by "of" or by a noun that counts people or
#: records ("6 of 6,543 rows", "3 person(s)", "7 units"); not "182-day", "95%" or "1e-8".
_COUNTED = re.compile(
    r"(?<![\w.,-])(\d[\d,]*)(?=\s+(?:of\b|persons?\b|person\(s\)|people\b|rows?\b|row\(s\)|cases?\b|"
    r"case\(s\)|spells?\b|episodes?\b|units?\b|records?\b|reoffenders?\b|scores?\b|individuals?\b|"
    r"pairs?\b|deaths?\b))"
)


def publish_notes(notes: Sequence[str], disclosure: DisclosureSettings) -> list[str]:
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
        As in :func:`publish_counts` (only ``threshold`` is used).

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
    threshold = disclosure.threshold

    def hide(match: re.Match[str]) -> str:
        value = int(match.group(1).replace(",", ""))
        return f"fewer than {threshold}" if 0 < value < threshold else match.group(1)

    return [_COUNTED.sub(hide, str(note)) for note in notes]


def _hide_binary(frame: pd.DataFrame, p: _Protector, n_col: str, events_col: str, rate_cols: Sequence[str],
                 contrast_cols: Sequence[str] = ()) -> pd.DataFrame:
    """A 0/1 outcome: with ``n`` published, a small number of events *or of non-events* reveals
    people, so the events, the rates and every contrast using them are hidden in that row."""
    n = pd.to_numeric(frame[n_col], errors="coerce")
    ev = pd.to_numeric(frame[events_col], errors="coerce")
    small = ((ev > 0) & (ev < p.threshold)) | ((n - ev > 0) & (n - ev < p.threshold))
    small |= (frame[events_col] == p.marker) | (frame[n_col] == p.marker)
    out = frame.astype({c: object for c in [events_col, *rate_cols, *contrast_cols]})
    for c in [events_col, *rate_cols, *contrast_cols]:
        out.loc[small, c] = p.marker
    p.n_suppressed += int(small.sum())
    return out


def _attrition(ev: Any, p: _Protector) -> PublishedTable:
    return PublishedTable("attrition", "Attrition: from the data to the evaluation cohort",
                          _attrition_frame(ev.cohort.attrition, p),
                          note="Persons removed at each step and remaining after it.")


def _attrition_frame(a: pd.DataFrame, p: _Protector) -> pd.DataFrame:
    steps = a[a["step"] > 0]
    removed = steps["persons_removed"].to_numpy(float)
    remaining = steps["persons_remaining"].to_numpy(float)
    start = float(a.loc[a["step"] == 0, "persons_remaining"].iloc[0])
    rem, left, first_n = p.chain(removed, remaining, start)
    frame = pd.DataFrame({"step": steps["step"].to_numpy(), "rule": steps["rule"].to_numpy(),
                          "description": steps["description"].to_numpy(), "persons_removed": rem,
                          "persons_remaining": left})
    first = pd.DataFrame({"step": [0], "rule": ["data"], "description": ["every person in the data"],
                          "persons_removed": ["-"], "persons_remaining": [first_n]})
    return pd.concat([first, frame], ignore_index=True)


def _quality(ev: Any, p: _Protector) -> PublishedTable:
    t = ev.quality.tables[["table", "kept_rows", "rejected_rows"]].copy()
    # records read = kept + rejected: that total is published, so a small rejected count needs a
    # second suppressed cell in its row
    t = p.counts(t.set_index("table"), ["kept_rows", "rejected_rows"], "data_quality", margins="rows").reset_index()
    hidden = (t["kept_rows"] == p.marker) | (t["rejected_rows"] == p.marker)
    read = ev.quality.tables["kept_rows"].to_numpy() + ev.quality.tables["rejected_rows"].to_numpy()
    t.insert(1, "records_read", [p._round(v) for v in read])
    t["records_read"] = t["records_read"].astype(object)
    t.loc[hidden & (read < p.threshold), "records_read"] = p.marker
    n_prob = len(ev.quality.problems) if ev.quality.problems is not None else 0
    return PublishedTable("data_quality", "Input tables: records read, kept and rejected", t,
                          note=f"{n_prob:,} data-quality problem(s) recorded.")


def _description(ev: Any, p: _Protector) -> PublishedTable:
    b = ev.balance.table.drop(index="distance", errors="ignore")
    d = ev.cohort.data
    n_t, n_c = int((d["treatment"] == 1).sum()), int((d["treatment"] == 0).sum())
    binary = (b["type"] == "binary").to_numpy()
    scale = np.where(binary, 100.0, 1.0)
    out = pd.DataFrame({
        "characteristic": [i.replace("=", ": ") for i in b.index],
        "alternative": b["mean_treated_before"].to_numpy() * scale,
        "custody": b["mean_control_before"].to_numpy() * scale,
        "smd_before": b["smd_before"].to_numpy(),
        "custody_adjusted": b["mean_control_after"].to_numpy() * scale,
        "smd_after": b["smd_after"].to_numpy(),
    }).astype({"alternative": object, "custody": object, "custody_adjusted": object})
    # primary: a level held by 1..threshold-1 people of a group; secondary: a second level of the
    # same variable, so that the levels' sum (100%) cannot reveal the first
    cnt_t = np.where(binary, np.rint(b["mean_treated_before"].to_numpy() * n_t), np.inf)
    cnt_c = np.where(binary, np.rint(b["mean_control_before"].to_numpy() * n_c), np.inf)
    var = np.array([i.split("=")[0] for i in b.index])
    for cnt, cols in ((cnt_t, ["alternative"]), (cnt_c, ["custody", "custody_adjusted"])):
        hide = (cnt > 0) & (cnt < p.threshold)
        for v in np.unique(var[hide]):
            idx = np.flatnonzero((var == v) & binary)
            if hide[idx].sum() == 1 and len(idx) > 1:
                others = [i for i in idx if not hide[i]]
                hide[min(others, key=lambda i: cnt[i])] = True
        for c in cols:
            out.loc[hide, c] = p.marker
        p.n_suppressed += int(hide.sum())
    return PublishedTable(
        "cohort_description", "Cohort description: characteristics before and after adjustment", out,
        formats={"alternative": "{:,.1f}", "custody": "{:,.1f}", "custody_adjusted": "{:,.1f}",
                 "smd_before": "{:+.2f}", "smd_after": "{:+.2f}"},
        labels={"alternative": "Alternative", "custody": "Custody", "smd_before": "SMD before",
                "custody_adjusted": "Custody (adjusted)", "smd_after": "SMD after"},
        note=(f"Percentages for categories, means otherwise. SMD: standardised mean difference (|SMD| < "
              f"{ev.spec.design.balance_threshold:g} is taken as good balance). Groups: {n_t:,} alternative, "
              f"{n_c:,} custody."))


def _recidivism(ev: Any, p: _Protector) -> PublishedTable:
    d = ev.cohort.data
    rows = []
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
    frame = p.counts(pd.DataFrame(rows), ["n_alternative", "reoffenders_alternative", "n_custody",
                                          "reoffenders_custody"], "recidivism",
                     derived={"rate_alternative": ["n_alternative", "reoffenders_alternative"],
                              "rate_custody_adjusted": ["n_custody", "reoffenders_custody"]})
    contrast = ["difference_points", "ci_low", "ci_high", "p_value"]
    frame = _hide_binary(frame, p, "n_alternative", "reoffenders_alternative", ["rate_alternative"], contrast)
    frame = _hide_binary(frame, p, "n_custody", "reoffenders_custody", ["rate_custody_adjusted"], contrast)
    pct = "{:.1f}"
    return PublishedTable(
        "recidivism", "Proven reoffending within 1, 2 and 3 years", frame,
        formats={"horizon_days": "{}", "rate_alternative": pct, "rate_custody_adjusted": pct, "difference_points": "{:+.1f}",
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


def _simple_effects(name: str, title: str, effects: Mapping[Any, Any], key_label: str, p: _Protector,
                    ev: Any, percent: bool) -> PublishedTable:
    d = ev.cohort.data
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
    counts = [c for c in ("n_alternative", "events_alternative", "n_custody", "events_custody") if c in frame]
    frame = p.counts(frame, counts, name, derived={"alternative": ["n_alternative"], "custody_adjusted": ["n_custody"]})
    if percent:
        contrast = ["difference", "ci_low", "ci_high", "p_value"]
        frame = _hide_binary(frame, p, "n_alternative", "events_alternative", ["alternative"], contrast)
        frame = _hide_binary(frame, p, "n_custody", "events_custody", ["custody_adjusted"], contrast)
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
    frame["measure"] = frame["measure"].map({"risk_difference": "risk difference (points)",
                                             "rmst_difference": "RMST difference (days)",
                                             "hazard_ratio": "hazard ratio"})
    pts = frame["measure"].str.startswith("risk")
    frame.loc[pts, ["estimate", "ci_low", "ci_high"]] *= 100
    lead = "RMST (hazards not proportional)" if ev.time_to_event.lead == "rmst" else "hazard ratio"
    return PublishedTable("time_to_event", "Time to first proven reoffence: adjusted contrasts", frame,
                          formats={"time": "{:.0f}", "estimate": "{:,.2f}", "ci_low": "{:,.2f}",
                                   "ci_high": "{:,.2f}", "p_value": p_format},
                          labels={"time": "horizon (days)"},
                          note=f"Weighted Kaplan-Meier contrasts and Cox hazard ratio; leading measure: {lead}. "
                               "RMST: mean days without reoffending up to the horizon.")


def _competing(ev: Any, p: _Protector) -> PublishedTable:
    s = ev.competing.summary.copy()
    s["group"] = s["group"].map({1: "alternative", 0: "custody"})
    s["cause"] = s["cause"].map({1: "proven reoffence", 2: "death"})
    d = ev.cohort.data
    tt, et, g = d["time_reoffend"].to_numpy(float), d["event_type"].to_numpy(), d["treatment"].to_numpy()
    s["events"] = [int(((g == gr) & (et == cause) & (tt <= t)).sum())
                   for gr, cause, t in zip(ev.competing.summary["group"], ev.competing.summary["cause"], s["time"])]
    frame = s[["group", "cause", "time", "events", "estimate", "ci_low", "ci_high", "n_at_risk"]].copy()
    frame[["estimate", "ci_low", "ci_high"]] *= 100
    frame = p.counts(frame, ["events", "n_at_risk"], "cumulative_incidence",
                     derived={c: ["events"] for c in ("estimate", "ci_low", "ci_high")})
    return PublishedTable("cumulative_incidence", "Cumulative incidence of reoffence with death as competing event",
                          frame, formats={"time": "{:.0f}", "estimate": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}"},
                          note="Weighted Aalen-Johansen estimates in %.")


def _subgroups(ev: Any, p: _Protector) -> PublishedTable:
    s = ev.subgroups.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        s[c] = 100 * s[c]
    s["level"] = s["level"].astype(str).str.replace("_", " ")
    frame = s[["variable", "level", "n_treated", "n_control", "estimate", "ci_low", "ci_high", "p_value", "p_holm"]]
    frame = p.counts(frame, ["n_treated", "n_control"], "subgroups",
                     derived={"estimate": ["n_treated", "n_control"], "ci_low": ["n_treated", "n_control"],
                              "ci_high": ["n_treated", "n_control"]})
    return PublishedTable(
        "subgroups", "Subgroups: difference in 1-year reoffending (percentage points)", frame,
        formats={"estimate": "{:+.1f}", "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": p_format, "p_holm": p_format},
        labels={"n_treated": "n alt.", "n_control": "n cust.", "p_holm": "p (Holm)"},
        note=(f"{len(s)} tests; p (Holm) is adjusted for multiplicity. Alternative types are each compared "
              "with all custody cases with the design re-estimated; other variables reuse the design weights."))


def _prison(ev: Any, p: _Protector) -> list[PublishedTable]:
    bd = ev.prison.bed_days.summary
    frame = bd[["horizon", "component", "n_alternative", "n_custody", "mean_alternative", "mean_custody",
                "averted", "averted_ci_low", "averted_ci_high"]].copy()
    frame = p.counts(frame, ["n_alternative", "n_custody"], "bed_days",
                     derived={"mean_alternative": ["n_alternative"], "mean_custody": ["n_custody"]})
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
    rows = [
        ("people given an alternative", f">= {s.min_treated}", "met" if r.n_treated >= s.min_treated else "NOT met"),
        ("people sent to custody", f">= {s.min_control}", "met" if r.n_control >= s.min_control else "NOT met"),
        *[(f"n*p and n*(1-p) in both groups at {h} days", f">= {s.min_expected:g}", "met" if ok else "NOT met")
          for h, ok in r.significance.items()],
        ("treated reoffenders within the headline horizon", f">= {s.min_treated_reoffenders}",
         "met" if r.time_to_event_allowed else "NOT met"),
    ]
    return PublishedTable("decision_rules", "Decision rules (Justice Data Lab)",
                          pd.DataFrame(rows, columns=["rule", "required", "result"]))


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
    dc = ev.spec.disclosure
    p = _Protector(dc.threshold, dc.rounding_base, dc.marker)
    out: list[PublishedTable] = [_quality(ev, p), _attrition(ev, p)]
    probs = getattr(ev.quality, "problem_summary", None)
    if probs is not None and len(probs):
        cols = [c for c in ("table", "column", "check", "n_rows", "message", "hint") if c in probs.columns]
        frame = probs[cols].reset_index(drop=True)
        if "n_rows" in frame:
            frame = p.counts(frame, ["n_rows"], "data_problems")
        out.append(PublishedTable("data_problems", "Data-quality problems found", frame,
                                  note="Counts of records with each problem (no record is listed)."))
    if ev.balance is not None:
        out.append(_description(ev, p))
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
        frame = p.counts(frame, dep, "days_to_reoffence",
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
        out.append(_subgroups(ev, p))
    if ev.evalues is not None:
        out.append(PublishedTable("evalues", "Sensitivity to unmeasured confounding (E-values)", ev.evalues,
                                  formats={k: "{:.2f}" for k in ("estimate", "ci_low", "ci_high", "evalue_point", "evalue_ci")}))
    if ev.prison is not None:
        out.extend(_prison(ev, p))
    if ev.costs is not None:
        out.extend(_costs(ev))
    notes = (f"Disclosure control: counts from 1 to {dc.threshold - 1} are suppressed and shown as {dc.marker}, "
             "with values derived from them and further cells (secondary suppression) so that totals cannot "
             f"reveal them; {p.n_suppressed} cell(s) suppressed in all tables."
             + (f" Published counts are rounded to base {dc.rounding_base}." if dc.rounding_base else ""),)
    return {t.name: t for t in out}, notes
