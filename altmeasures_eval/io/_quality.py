"""The data-quality report of one ingestion: counts, missingness, date ranges, every problem,
rejects and k-anonymity. Computation only; HTML rendering lives in :mod:`altmeasures_eval.report`.

Nothing in a quality report identifies a person: counts and ranges only, problem values of
identifier columns withheld, and k-anonymity as class counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from altmeasures_eval.io._consistency import check_consistency
from altmeasures_eval.io._problems import PROBLEM_COLUMNS, empty_problems, format_problems
from altmeasures_eval.io._read import Ingestion, TableSource
from altmeasures_eval.schema import (
    DATE_COLUMNS,
    QUASI_IDENTIFIERS,
    TABLE_COLUMNS,
    TABLE_PERSONS,
    Dataset,
)


@dataclass(frozen=True)
class QualityReport:
    """What an ingestion found, in tidy tables.

    Attributes
    ----------
    source : str
        The source as shown to the user.
    mode : str or None
        ``strict`` or ``quarantine``.
    valid : bool
        No problem at all.
    extract : dict
        ``country``, ``extract_date``, ``source`` (empty when the metadata could not be read).
    tables : pandas.DataFrame
        One row per table: ``table, file, input_rows, kept_rows, rejected_rows, blank_lines,
        encoding, delimiter, detected``.
    missingness : pandas.DataFrame
        One row per contract column: ``table, column, required, n, n_missing, share_missing``.
    date_ranges : pandas.DataFrame
        One row per date column: ``table, column, n, min, max``.
    problems : pandas.DataFrame
        Every problem (columns of :data:`~altmeasures_eval.io.PROBLEM_COLUMNS`).
    problem_summary : pandas.DataFrame
        Problems grouped by ``table, column, check`` with ``n_rows``, ``first_rows``, ``message``,
        ``hint``.
    rejects : pandas.DataFrame
        Rejected rows by ``table`` and ``check`` (``n_rows``); dependent rejects have check
        ``dependent``.
    k_anonymity : object or None
        :class:`~altmeasures_eval.privacy.KAnonymityResult` over the quasi-identifiers of the
        persons kept, or ``None`` when unavailable.
    notes : tuple of str
    consistency : ConsistencyReport or None
        Cross-table consistency (custody decisions without a spell by year, spells without a case,
        tables that stop before the extract date, decisions after it), each as a warning with its
        rate and fix; ``None`` when the source could not be read.
    """

    source: str
    mode: str | None
    valid: bool
    extract: dict[str, Any]
    tables: pd.DataFrame
    missingness: pd.DataFrame
    date_ranges: pd.DataFrame
    problems: pd.DataFrame
    problem_summary: pd.DataFrame
    rejects: pd.DataFrame
    k_anonymity: Any = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    consistency: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary of the whole report (dates as ISO strings, missing as null)."""
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))

        return {
            "source": self.source,
            "mode": self.mode,
            "valid": self.valid,
            "extract": self.extract,
            "tables": records(self.tables),
            "missingness": records(self.missingness),
            "date_ranges": records(self.date_ranges.assign(
                min=self.date_ranges["min"].dt.strftime("%Y-%m-%d"),
                max=self.date_ranges["max"].dt.strftime("%Y-%m-%d"),
            )),
            "problem_summary": records(self.problem_summary),
            "problems": records(self.problems),
            "rejects": records(self.rejects),
            "k_anonymity": self.k_anonymity.to_dict() if self.k_anonymity is not None else None,
            "notes": list(self.notes),
            "consistency": self.consistency.to_dict() if self.consistency is not None else None,
        }

    def _repr_html_(self) -> str:
        """Notebook view: verdict, rows per table and the problem summary (the full page is
        :func:`altmeasures_eval.report.render_quality_html`)."""
        verdict = "valid" if self.valid else f"{len(self.problems):,} problem(s)"
        parts = [f"<p><b>Data-quality report</b> — {self.source}: {verdict}</p>"]
        if len(self.tables):
            parts.append(self.tables[["table", "file", "input_rows", "kept_rows", "rejected_rows"]].to_html(index=False))
        if len(self.problem_summary):
            parts.append(self.problem_summary.to_html(index=False))
        if self.consistency is not None and len(self.consistency.warnings):
            parts.append(self.consistency.warnings[["check", "message", "fix"]].to_html(index=False))
        return "\n".join(parts)

    def to_text(self) -> str:
        """The report as plain text, for the terminal."""
        lines = [f"Data-quality report: {self.source}"]
        if self.extract:
            lines.append(f"Extract: country {self.extract.get('country')}, complete up to {self.extract.get('extract_date')}")
        verdict = "VALID" if self.valid else ("INVALID" if self.mode != "quarantine" else "rows rejected (quarantine)")
        lines.append(f"Result: {verdict} — {len(self.problems):,} problem(s)")
        if len(self.tables):
            lines.append("\nRows per table:")
            for r in self.tables.itertuples():
                sure = (f", confidence {r.encoding_confidence:.2f}" if r.detected and r.encoding_confidence is not None
                        and r.encoding_confidence == r.encoding_confidence else "")
                how = f" ({r.encoding}, delimiter {r.delimiter!r}{', detected' if r.detected else ''}{sure})" if r.encoding else ""
                blank = f", {r.blank_lines} blank line(s) skipped" if r.blank_lines else ""
                lines.append(f"  {r.table:<20} {r.input_rows:>10,} read, {r.kept_rows:>10,} kept, {r.rejected_rows:>8,} rejected  [{r.file}{how}{blank}]")
        missing = self.missingness[self.missingness["n_missing"] > 0]
        if len(missing):
            lines.append("\nMissing values:")
            for r in missing.itertuples():
                lines.append(f"  {r.table + '.' + r.column:<34} {r.n_missing:>10,} of {r.n:,} ({r.share_missing:.1%})")
        if len(self.date_ranges):
            lines.append("\nDate ranges:")
            for r in self.date_ranges.itertuples():
                span = f"{r.min:%Y-%m-%d} to {r.max:%Y-%m-%d}" if r.n else "no dates"
                lines.append(f"  {r.table + '.' + r.column:<34} {span}")
        if self.k_anonymity is not None:
            k = self.k_anonymity
            lines.append(
                f"\nk-anonymity over {', '.join(k.quasi_identifiers)}: {k.n_persons:,} persons in "
                f"{k.n_classes:,} classes; smallest class {k.min_class_size}; "
                + "; ".join(f"{k.persons_below[x]:,} persons in classes below k={x}" for x in k.k_values)
            )
        if len(self.rejects):
            lines.append("\nRejected rows (quarantine):")
            for r in self.rejects.itertuples():
                lines.append(f"  {r.table}: {r.n_rows:,} for {r.check}")
        lines.append("\n" + format_problems(self.problems))
        if self.consistency is not None:
            lines.append("\n" + self.consistency.to_text())
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _tables(sources: dict[str, TableSource] | None, dataset: Dataset | None) -> pd.DataFrame:
    cols = ["table", "file", "input_rows", "kept_rows", "rejected_rows", "blank_lines", "encoding", "delimiter", "detected",
            "encoding_confidence", "encoding_note"]
    if sources:
        return pd.DataFrame([{c: getattr(s, c) for c in cols} for s in sources.values()], columns=cols)
    if dataset is None:
        return pd.DataFrame(columns=cols)
    rows = []
    for name, table in dataset.tables().items():
        n_rej = int((dataset.rejects["table"] == name).sum())
        rows.append({"table": name, "file": None, "input_rows": len(table) + n_rej, "kept_rows": len(table),
                     "rejected_rows": n_rej, "blank_lines": 0, "encoding": None, "delimiter": None, "detected": False})
    return pd.DataFrame(rows, columns=cols)


def _missingness(dataset: Dataset | None) -> pd.DataFrame:
    rows = []
    if dataset is not None:
        for name, table in dataset.tables().items():
            n_missing = table.isna().sum()
            for col, required in TABLE_COLUMNS[name].items():
                n = len(table)
                rows.append({"table": name, "column": col, "required": required, "n": n,
                             "n_missing": int(n_missing.get(col, n)), "share_missing": float(n_missing.get(col, n) / n) if n else 0.0})
    return pd.DataFrame(rows, columns=["table", "column", "required", "n", "n_missing", "share_missing"])


def _date_ranges(dataset: Dataset | None) -> pd.DataFrame:
    rows = []
    if dataset is not None:
        for name, table in dataset.tables().items():
            for col in DATE_COLUMNS.get(name, ()):
                values = table[col]
                rows.append({"table": name, "column": col, "n": int(values.notna().sum()), "min": values.min(), "max": values.max()})
    out = pd.DataFrame(rows, columns=["table", "column", "n", "min", "max"])
    out["min"] = pd.to_datetime(out["min"])
    out["max"] = pd.to_datetime(out["max"])
    return out


def _problem_summary(problems: pd.DataFrame) -> pd.DataFrame:
    cols = ["table", "column", "check", "n_rows", "first_rows", "message", "hint"]
    if problems.empty:
        return pd.DataFrame(columns=cols)
    keyed = problems.fillna({"table": "", "column": ""})
    grouped = keyed.groupby(["table", "column", "check"], sort=False)
    out = grouped.agg(
        n_rows=("check", "size"),
        first_rows=("source_row", lambda s: [int(x) for x in s.dropna().iloc[:5]]),
        message=("message", "first"),
        hint=("hint", "first"),
    ).reset_index()
    return out[cols]


def _rejects(dataset: Dataset | None) -> pd.DataFrame:
    cols = ["table", "check", "n_rows"]
    if dataset is None or dataset.rejects.empty:
        return pd.DataFrame(columns=cols)
    # The first check named in the reason; "dependent" for rows rejected because of another row.
    check = dataset.rejects["reason"].str.split(":", n=1).str[0]
    return (dataset.rejects.assign(check=check).groupby(["table", "check"], sort=False).size()
            .rename("n_rows").reset_index()[cols])


def _k_anonymity(dataset: Dataset | None) -> tuple[Any, tuple[str, ...]]:
    if dataset is None:
        return None, ()
    try:
        from altmeasures_eval.privacy import k_anonymity
    except ImportError:  # pragma: no cover - the privacy package always ships it now
        return None, ("k-anonymity not computed: altmeasures_eval.privacy.k_anonymity unavailable",)
    return k_anonymity(getattr(dataset, TABLE_PERSONS), QUASI_IDENTIFIERS), ()


def quality_report(
    dataset: Dataset | Ingestion | None,
    problems: pd.DataFrame | None = None,
    *,
    sources: dict[str, TableSource] | None = None,
    source: str | None = None,
    mode: str | None = None,
) -> QualityReport:
    """Summarise a data set and the problems found while reading it.

    Parameters
    ----------
    dataset : Dataset, Ingestion or None
        The data set (or a whole :class:`Ingestion`, which brings its problems, sources, label and
        mode). ``None`` when the source could not be read at all: the report then holds the
        problems only.
    problems : pandas.DataFrame, optional
        The problem table (from :func:`ingest` or ``DataContractError.problems``).
    sources : dict, optional
        Per-table :class:`TableSource` (file, encoding, row counts); without it, counts come from
        the data set and its rejects.
    source, mode : str, optional
        Labels for the report.

    Returns
    -------
    QualityReport
    """
    if isinstance(dataset, Ingestion):
        ing = dataset
        dataset, sources = ing.dataset, ing.sources
        problems = ing.problems if problems is None else problems
        source, mode = source or ing.label, mode or ing.mode
    problems = empty_problems() if problems is None else problems[list(PROBLEM_COLUMNS)]
    extract: dict[str, Any] = {}
    if dataset is not None:
        extract = {"country": dataset.extract.country,
                   "extract_date": pd.Timestamp(dataset.extract.extract_date).date().isoformat(),
                   "source": dataset.extract.source}
    kanon, notes = _k_anonymity(dataset)
    # an encoding guessed among single-byte code pages that read the file differently (io._csv)
    notes = (*(f"warning: {s.encoding_note}" for s in (sources or {}).values() if s.encoding_note), *notes)
    consistency = check_consistency(dataset) if dataset is not None else None
    if consistency is not None:
        notes += consistency.notes
    if dataset is None:
        notes += ("the source could not be read as the contract: only its problems are reported",)
    if mode == "strict" and not problems.empty and dataset is not None:
        notes += ("strict mode: counts include the rows with problems; nothing was rejected",)
    return QualityReport(
        source=source or "data set",
        mode=mode,
        valid=bool(problems.empty),
        extract=extract,
        tables=_tables(sources, dataset),
        missingness=_missingness(dataset),
        date_ranges=_date_ranges(dataset),
        problems=problems.reset_index(drop=True),
        problem_summary=_problem_summary(problems),
        rejects=_rejects(dataset),
        k_anonymity=kanon,
        notes=notes,
        consistency=consistency,
    )

