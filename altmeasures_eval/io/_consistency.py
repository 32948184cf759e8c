"""Consistency between the tables of one extract: linkage gaps, orphan spells, tables that stop early.

Each table may pass the data contract on its own and still disagree with the others: custody
decisions without any custody spell (the custody register was not linked, or not extracted), spells
without a case, a table whose dates stop long before the extract date (a register that was not
refreshed). None of these stops a run; each is a warning with its rate and the fix, shown by
``validate`` and in the report's data-quality section, because each biases what follows:
bed-days, later custody and costs are undercounted where spells are missing, and admissions counted
over months a table does not cover are zero.

Computation only: counts and dates, no identifier leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._i18n import _, fmt_date, fmt_int, fmt_month, fmt_pct
from altmeasures_eval.schema import Dataset

__all__ = ["ConsistencyReport", "check_consistency", "COVERAGE_COLUMNS"]

#: The date column that tells how far each table reaches (its coverage).
COVERAGE_COLUMNS: dict[str, str] = {
    "cases": "decision_date",
    "custody_spells": "admission_date",
    "treatment_episodes": "start_date",
}

WARNING_COLUMNS = ["check", "table", "year", "n", "of", "rate", "threshold", "message", "fix"]


@dataclass(frozen=True)
class ConsistencyReport:
    """Cross-table consistency of one extract.

    Attributes
    ----------
    linkage : pandas.DataFrame
        By decision year: ``year, custody_decisions, with_spell, without_spell, rate_without_spell,
        after_custody_table_end`` (decisions later than the custody table's last admission, which
        cannot have a spell in it). A custody decision has a spell when a spell names its case, or a
        spell of the same person is open on the decision date or starts within ``link_window_days``
        after it (time served on another case, a sentence started later).
    spells_without_case : pandas.DataFrame
        By ``custody_type``: ``spells, without_case, rate``.
    coverage : pandas.DataFrame
        Per table: ``table, column, first, last, gap_days`` (extract date minus last date),
        ``last_complete_month`` (Period: for a table that reaches the extract date, the extract's last
        complete month; for one that stops early, the month of its last date when that is the month's
        last day, else the month before), ``stops_early`` (gap above ``stop_days``).
    decided_after_extract : int
        Cases with a decision date after the extract date (the contract rejects them; counted here
        when a data set was built without the reader).
    warnings : pandas.DataFrame
        One row per warning: ``check, table, year`` (decision year of a linkage gap, else missing),
        ``n, of, rate, threshold, message, fix`` (``message`` and ``fix`` in English, with the
        contract's table and column names, for ``validate``; :meth:`report_lines` words them for
        a report, in its language).
    extract_date : pandas.Timestamp
    settings : dict
    notes : tuple of str
        How each gap biases later stages.
    """

    linkage: pd.DataFrame
    spells_without_case: pd.DataFrame
    coverage: pd.DataFrame
    decided_after_extract: int
    warnings: pd.DataFrame
    extract_date: pd.Timestamp
    settings: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> pd.DataFrame:
        """The warnings (empty when the tables agree)."""
        return self.warnings

    def coverage_end(self, table: str) -> pd.Period | None:
        """Last complete month the table covers (``None`` when the table is empty or absent)."""
        row = self.coverage[self.coverage["table"] == table]
        if row.empty or pd.isna(row["last"].iloc[0]):
            return None
        return row["last_complete_month"].iloc[0]

    def observed_until(self, table: str) -> pd.Timestamp:
        """The date up to which ``table`` is complete: the extract date when the table reaches it,
        else the last day of its last complete month (the extract date when the table is absent)."""
        row = self.coverage[self.coverage["table"] == table]
        if row.empty or pd.isna(row["last"].iloc[0]) or not bool(row["stops_early"].iloc[0]):
            return self.extract_date
        return min(self.extract_date, row["last_complete_month"].iloc[0].end_time.normalize())

    def to_dict(self) -> dict:
        """JSON-ready dictionary (dates ISO, periods ``YYYY-MM``)."""
        cov = self.coverage.assign(first=self.coverage["first"].dt.strftime("%Y-%m-%d"),
                                   last=self.coverage["last"].dt.strftime("%Y-%m-%d"),
                                   last_complete_month=self.coverage["last_complete_month"].astype(str))
        return {"linkage": self.linkage.to_dict(orient="records"),
                "spells_without_case": self.spells_without_case.to_dict(orient="records"),
                "coverage": cov.replace({np.nan: None}).to_dict(orient="records"),
                "decided_after_extract": self.decided_after_extract,
                "warnings": self.warnings.replace({np.nan: None}).to_dict(orient="records"),
                "settings": dict(self.settings), "notes": list(self.notes)}

    def to_text(self) -> str:
        """Plain-text lines for the terminal (``validate``)."""
        lines = ["Consistency between tables:"]
        if self.warnings.empty:
            lines.append("  no warning (custody decisions have spells, spells have cases, every table reaches "
                         "the extract date)")
        for r in self.warnings.itertuples():
            lines.append(f"  WARNING [{r.check}] {r.message}")
            lines.append(f"    fix: {r.fix}")
        if len(self.linkage):
            lines.append("  custody decisions without a custody spell, by decision year:")
            for r in self.linkage.itertuples():
                lines.append(f"    {r.year}: {r.without_spell:,} of {r.custody_decisions:,} ({r.rate_without_spell:.1%})"
                             + (f", {r.after_custody_table_end:,} after the custody table ends"
                                if r.after_custody_table_end else ""))
        return "\n".join(lines)

    def report_lines(self, policy: Any = None) -> list[str]:
        """Each warning with its fix, worded for the readers of a report, in the active language
        (:func:`altmeasures_eval._i18n.language`; French and Spanish in ``locale/*/LC_MESSAGES/data.po``).

        Parameters
        ----------
        policy : DisclosurePolicy, optional
            Counts of decisions, spells and cases pass it (``count``: ``None`` when suppressed, else
            as published): a suppressed count reads "fewer than <threshold>" and no rate that would
            give it back is printed, nor a count whose complement is small. Default: counts as they are.

        Returns
        -------
        list of str
            One sentence (or two) per row of ``warnings``.
        """
        from altmeasures_eval._vocabulary import display_level

        out = []
        for w in self.warnings.itertuples():
            table = display_level("table", w.table)
            if w.check == "table stops early":
                cov = self.coverage[self.coverage["table"] == w.table].iloc[0]
                month = cov["last_complete_month"]
                out.append(_("The table of {table} ends on {last}, {gap} days before the extract date ({extract}): the "
                             "months after {month} are not covered, and counts over them would read as zero. To fix: "
                             "extract this table up to the extract date, or set the extract date (extract_date in "
                             "extract.toml) to the date every table is complete to.").format(
                    table=table, last=fmt_date(cov["last"].date()), gap=fmt_int(w.n),
                    extract=fmt_date(self.extract_date.date()), month=fmt_month(month.start_time.date())))
                continue
            if w.check == "decided after extract date":
                out.append(_("{n} cases have a decision date after the extract date ({extract}). To fix: correct the "
                             "extract date (extract_date in extract.toml), which must be the date the data are complete "
                             "to, or the decision dates.").format(n=_count(policy, int(w.n)),
                                                                 extract=fmt_date(self.extract_date.date())))
                continue
            n, of, rate = _share(policy, int(w.n), int(w.of))
            if w.check == "custody decision without spell":
                text = (_("In {year}, {n} of {of} custody decisions ({rate}) have no custody spell: no spell names the "
                          "case, and none of the person's spells is open at the decision or starts within {days} days "
                          "after it.") if rate else
                        _("In {year}, {n} of {of} custody decisions have no custody spell: no spell names the case, and "
                          "none of the person's spells is open at the decision or starts within {days} days after it."))
                out.append(text.format(year=int(w.year), n=n, of=of, rate=rate,
                                       days=fmt_int(self.settings.get("link_window_days", 90)))
                           + " " + _("To fix: link the custody register to the case register (the case of each spell) "
                                     "or extract the missing spells; until then bed-days, later custody and prison "
                                     "costs are undercounted for that year."))
            elif w.check == "spell without case":
                text = (_("{n} of {of} sentenced custody spells ({rate}) name no case.") if rate else
                        _("{n} of {of} sentenced custody spells name no case."))
                out.append(text.format(n=n, of=of, rate=rate)
                           + " " + _("To fix: fill in the case of each sentenced spell from the sentencing record; a "
                                     "sentenced spell without its case cannot be tied to the decision it followed."))
            else:  # a check added here later without its words: its English message, never silence
                out.append(f"{w.message}. {w.fix}.")
        return out


def _count(policy: Any, n: int) -> str:
    """A count as it may be published: rounded by the policy, or "fewer than <threshold>"."""
    if policy is None:
        return fmt_int(n)
    shown = policy.count(n)
    return _("fewer than {n}").format(n=fmt_int(policy.threshold)) if shown is None else fmt_int(shown)


def _share(policy: Any, n: int, of: int) -> tuple[str, str, str]:
    """``n`` of ``of`` as published, and the rate, or ``""`` when a hidden count could be worked
    back from it (``n`` suppressed, or ``of - n`` small: "all but 3")."""
    if policy is None:
        return fmt_int(n), fmt_int(of), fmt_pct(n / of, 1)
    shown_n, shown_of = policy.count(n), policy.count(of)
    rest = of - n
    if shown_n is None or shown_of is None or 0 < rest < policy.threshold:
        text = (_("fewer than {n}").format(n=fmt_int(policy.threshold)) if shown_n is None else
                _("all but fewer than {n}").format(n=fmt_int(policy.threshold)) if 0 < rest < policy.threshold else
                fmt_int(shown_n))
        return text, _count(policy, of), ""
    return fmt_int(shown_n), fmt_int(shown_of), fmt_pct(shown_n / shown_of, 1)


def _last_complete_month(last: pd.Timestamp) -> pd.Period:
    month = pd.Period(last, "M")
    return month if last.normalize() == month.end_time.normalize() else month - 1


def _coverage(dataset: Dataset, extract: pd.Timestamp, stop_days: int) -> pd.DataFrame:
    rows = []
    for table, col in COVERAGE_COLUMNS.items():
        frame = getattr(dataset, table, None)
        if frame is None or col not in frame:
            continue
        dates = pd.to_datetime(frame[col]).dropna()
        if dates.empty:
            rows.append({"table": table, "column": col, "first": pd.NaT, "last": pd.NaT, "gap_days": np.nan,
                         "last_complete_month": None, "stops_early": False})
            continue
        last = dates.max()
        gap = int((extract - last).days)
        early = gap > stop_days
        rows.append({"table": table, "column": col, "first": dates.min(), "last": last, "gap_days": gap,
                     "last_complete_month": _last_complete_month(min(last, extract) if early else extract),
                     "stops_early": early})
    out = pd.DataFrame(rows, columns=["table", "column", "first", "last", "gap_days", "last_complete_month",
                                      "stops_early"])
    out["first"] = pd.to_datetime(out["first"])
    out["last"] = pd.to_datetime(out["last"])
    return out


def _linkage(cases: pd.DataFrame, spells: pd.DataFrame, window: int, spells_end: pd.Timestamp | None) -> pd.DataFrame:
    cols = ["year", "custody_decisions", "with_spell", "without_spell", "rate_without_spell", "after_custody_table_end"]
    dec = cases.loc[(cases["disposition"] == "custody") & cases["decision_date"].notna(),
                    ["case_id", "person_id", "decision_date"]]
    if dec.empty:
        return pd.DataFrame(columns=cols)
    named = dec["case_id"].isin(spells["case_id"].dropna())
    rest = dec[~named].reset_index()
    near = np.zeros(len(dec), dtype=bool)
    if len(rest):
        m = rest.merge(spells[["person_id", "admission_date", "release_date"]], on="person_id", how="inner")
        release = m["release_date"].fillna(pd.Timestamp.max)
        ok = (m["admission_date"] <= m["decision_date"] + pd.Timedelta(days=window)) & (release >= m["decision_date"])
        hit = m.loc[ok, "index"].unique()
        near = dec.index.isin(hit)
    linked = named.to_numpy() | near
    after = (dec["decision_date"] > spells_end).to_numpy() if spells_end is not None else np.ones(len(dec), bool)
    year = dec["decision_date"].dt.year.to_numpy()
    frame = pd.DataFrame({"year": year, "linked": linked, "after": after & ~linked})
    out = frame.groupby("year").agg(custody_decisions=("linked", "size"), with_spell=("linked", "sum"),
                                    after_custody_table_end=("after", "sum")).reset_index()
    out["without_spell"] = out["custody_decisions"] - out["with_spell"]
    out["rate_without_spell"] = out["without_spell"] / out["custody_decisions"]
    return out[cols].astype({"year": int, "custody_decisions": int, "with_spell": int, "without_spell": int,
                             "after_custody_table_end": int})


def _orphans(spells: pd.DataFrame) -> pd.DataFrame:
    g = spells.assign(no_case=spells["case_id"].isna()).groupby("custody_type", sort=True)
    out = g.agg(spells=("no_case", "size"), without_case=("no_case", "sum")).reset_index()
    out["without_case"] = out["without_case"].astype(int)
    out["rate"] = out["without_case"] / out["spells"]
    return out


def check_consistency(dataset: Dataset, *, link_window_days: int = 90, stop_days: int = 92,
                      max_unlinked_rate: float = 0.02, max_orphan_rate: float = 0.05) -> ConsistencyReport:
    """Check that the tables of an extract agree with each other and reach the extract date.

    Parameters
    ----------
    dataset : Dataset
        Canonical tables (as read by :func:`~altmeasures_eval.io.read_dataset`).
    link_window_days : int
        A custody decision counts as having a spell when a spell of the same person is open on the
        decision date or starts within this many days after it (or a spell names the case).
    stop_days : int
        A table "stops early" when its last date lies more than this many days before the extract date.
    max_unlinked_rate, max_orphan_rate : float
        Rates above which a warning is raised: custody decisions without a spell (per decision year,
        counting only years the custody table covers) and sentenced spells without a case.

    Returns
    -------
    ConsistencyReport
    """
    extract = pd.Timestamp(dataset.extract.extract_date)
    cases, spells = dataset.cases, dataset.custody_spells
    coverage = _coverage(dataset, extract, stop_days)
    sp_row = coverage[coverage["table"] == "custody_spells"]
    spells_end = sp_row["last"].iloc[0] if len(sp_row) and pd.notna(sp_row["last"].iloc[0]) else None
    linkage = _linkage(cases, spells, link_window_days, spells_end)
    orphans = _orphans(spells)
    late = int((pd.to_datetime(cases["decision_date"]) > extract).sum())
    warn = []
    for r in coverage[coverage["stops_early"]].itertuples():
        warn.append({"check": "table stops early", "table": r.table, "year": None, "n": int(r.gap_days), "of": np.nan,
                     "rate": np.nan, "threshold": stop_days,
                     "message": f"{r.table}.{r.column} ends on {r.last:%Y-%m-%d}, {int(r.gap_days):,} days before the "
                                f"extract date {extract:%Y-%m-%d}: months after {r.last_complete_month} are not covered",
                     "fix": f"re-extract {r.table} up to the extract date, or set extract_date in extract.toml to the "
                            "date every table is complete to; counts over uncovered months would read as zero"})
    covered = linkage[linkage["after_custody_table_end"] < linkage["custody_decisions"]] if len(linkage) else linkage
    for r in covered.itertuples():
        n = r.without_spell - r.after_custody_table_end
        of = r.custody_decisions - r.after_custody_table_end
        if of and n / of > max_unlinked_rate:
            warn.append({"check": "custody decision without spell", "table": "cases", "year": int(r.year), "n": int(n),
                         "of": int(of),
                         "rate": n / of, "threshold": max_unlinked_rate,
                         "message": f"{r.year}: {n:,} of {of:,} custody decisions ({n / of:.1%}) have no custody "
                                    f"spell (none names the case, none of the person's spells is open at the decision "
                                    f"or starts within {link_window_days} days)",
                         "fix": "link the custody register to the case register (case_id in custody_spells) or "
                                "extract the missing spells; until then bed-days, later custody and prison costs "
                                "are undercounted for the years named"})
    for r in orphans.itertuples():
        if r.custody_type == "sentenced" and r.rate > max_orphan_rate:
            warn.append({"check": "spell without case", "table": "custody_spells", "year": None,
                         "n": int(r.without_case),
                         "of": int(r.spells), "rate": r.rate, "threshold": max_orphan_rate,
                         "message": f"{r.without_case:,} of {r.spells:,} sentenced custody spells ({r.rate:.1%}) "
                                    "name no case",
                         "fix": "fill custody_spells.case_id from the sentencing record; a sentenced spell without "
                                "its case cannot be tied to the index decision"})
    if late:
        warn.append({"check": "decided after extract date", "table": "cases", "year": None, "n": late, "of": len(cases),
                     "rate": late / max(len(cases), 1), "threshold": 0.0,
                     "message": f"{late:,} cases have a decision date after the extract date {extract:%Y-%m-%d}",
                     "fix": "correct extract_date in extract.toml (the data are complete up to it) or the dates"})
    notes = []
    if any(w["check"] in ("custody decision without spell", "table stops early") for w in warn):
        notes.append("custody spells are missing for part of the cohort or period: bed-days, later custody and "
                     "prison costs are biased towards zero there, for both groups, and the difference between "
                     "groups is biased towards zero when the gap is the same in both (more when it differs)")
    return ConsistencyReport(linkage=linkage, spells_without_case=orphans, coverage=coverage,
                             decided_after_extract=late,
                             warnings=pd.DataFrame(warn, columns=WARNING_COLUMNS).astype({"year": "Int64"}),
                             extract_date=extract,
                             settings={"link_window_days": link_window_days, "stop_days": stop_days,
                                       "max_unlinked_rate": max_unlinked_rate, "max_orphan_rate": max_orphan_rate},
                             notes=tuple(notes))
