"""``read_dataset`` and ``ingest``: any source -> mapped, parsed, validated canonical tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.io import _checks as checks
from altmeasures_eval.io._mapping import Mapping, load_mapping
from altmeasures_eval.io._parse import TableLevelProblems, apply_mapping, parse_table
from altmeasures_eval.io._problems import (
    WITHHELD,
    concat_problems,
    format_problems,
    problems_frame,
)
from altmeasures_eval.io._sources import RawSource, read_raw
from altmeasures_eval.schema import (
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_PERSONS,
    TABLE_PRISON_CAPACITY,
    TABLE_TREATMENT_EPISODES,
    Dataset,
    ExtractInfo,
)

Mode = Literal["strict", "quarantine"]
REJECT_COLUMNS = ("table", "source_row", "column", "value", "reason")
_TABLE_ORDER = {t: i for i, t in enumerate((*REQUIRED_TABLES, *OPTIONAL_TABLES))}


@dataclass(frozen=True)
class TableSource:
    """Where one table came from and how many rows it had.

    Attributes
    ----------
    table, file : str
    input_rows : int
        Data rows read (blank lines excluded).
    kept_rows, rejected_rows : int
        After validation; ``kept_rows + rejected_rows == input_rows`` always.
    blank_lines : int
        Entirely empty lines skipped in CSV/Excel sources.
    encoding, delimiter : str or None
        How a CSV file was read; ``detected`` says whether they were detected or declared.
    """

    table: str
    file: str
    input_rows: int
    kept_rows: int
    rejected_rows: int
    blank_lines: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    detected: bool = False
    encoding_confidence: float | None = None
    encoding_note: str | None = None


@dataclass(frozen=True)
class Ingestion:
    """Everything one ingestion run found.

    Attributes
    ----------
    dataset : Dataset
        Strict mode: every row read (check ``valid`` before analysing it). Quarantine mode: the
        rows that passed, with the others in ``dataset.rejects``.
    problems : pandas.DataFrame
        One row per problem: file, table, column, source_row, value, check, message, hint.
    sources : dict of str to TableSource
    mode : str
    label : str
        The source as shown in reports (a folder, a file name or a URL without password).
    input_files : dict of str to str
        SHA-256 of every file read (tables, workbook, ``extract.toml``, SQLite file, the mapping),
        named relative to the data folder, or by full path for a file outside it.
    """

    dataset: Dataset
    problems: pd.DataFrame
    sources: dict[str, TableSource]
    mode: str
    label: str
    input_files: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Whether the source has no problem at all."""
        return self.problems.empty


def _resolve_mapping(mapping: str | Path | Mapping | None) -> Mapping:
    if mapping is None:
        return Mapping()
    if isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)


def _extract(raw: RawSource, mapping: Mapping) -> tuple[ExtractInfo | None, list[pd.DataFrame]]:
    values: dict[str, Any] = dict(mapping.extract)
    values.update({k: v for k, v in (raw.extract or {}).items() if v is not None and str(v).strip()})
    file = raw.extract_file or (str(mapping.path.name) if mapping.extract and mapping.path else "extract.toml")
    problems = []

    def problem(column: str, value: Any, check: str, message: str, hint: str) -> None:
        problems.append(problems_frame(
            file=file, table="extract", column=column, source_rows=None, values=value,
            check=check, message=message, hint=hint,
        ))

    if raw.extract is None and not mapping.extract:
        problem("extract_date", None, "missing_extract",
                "no extract.toml (or extract table) found: country and extract_date are unknown",
                'add extract.toml with country = "XYZ" and extract_date = "YYYY-MM-DD", or an [extract] section in the mapping')
        return None, problems
    country = str(values.get("country", "")).strip()
    if not re.fullmatch(r"[A-Z]{3}", country):
        problem("country", country or None, "country_code", "country must be an ISO 3166-1 alpha-3 code",
                'write the three capital letters, e.g. country = "PRT"')
    raw_date = values.get("extract_date")
    date = pd.to_datetime(str(raw_date).strip()[:10], format="%Y-%m-%d", errors="coerce") if raw_date is not None else pd.NaT
    if pd.isna(date):
        problem("extract_date", raw_date, "date_format", "extract_date must be a date YYYY-MM-DD",
                'e.g. extract_date = "2025-12-31" (the date up to which the data are complete)')
    if problems:
        return None, problems
    source = values.get("source")
    return ExtractInfo(country=country, extract_date=pd.Timestamp(date), source=str(source) if source else None), []


def _run_checks(frames: dict[str, pd.DataFrame], files: dict[str, str], extract: ExtractInfo) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    for table, frame in frames.items():
        out += checks.model_problems(frame, table, files[table])
        out += checks.unique_key_problems(frame, table, files[table])
        out += checks.extract_date_problems(frame, table, files[table], extract.extract_date)
    persons, cases = frames[TABLE_PERSONS], frames[TABLE_CASES]
    spells, episodes = frames[TABLE_CUSTODY_SPELLS], frames[TABLE_TREATMENT_EPISODES]
    out += checks.birth_year_problems(persons, files[TABLE_PERSONS], extract.extract_date)
    person_keys = checks.key_index(persons["person_id"])
    for table, frame in ((TABLE_CASES, cases), (TABLE_CUSTODY_SPELLS, spells), (TABLE_TREATMENT_EPISODES, episodes)):
        out += checks.reference_problems(frame, table, files[table], "person_id", person_keys, TABLE_PERSONS)
    case_keys = checks.key_index(cases["case_id"]) if spells["case_id"].notna().any() or episodes["case_id"].notna().any() else pd.Index([])
    for table, frame in ((TABLE_CUSTODY_SPELLS, spells), (TABLE_TREATMENT_EPISODES, episodes)):
        out += checks.reference_problems(frame, table, files[table], "case_id", case_keys, TABLE_CASES)
    out += checks.order_problems(cases, TABLE_CASES, files[TABLE_CASES], "offence_date", "decision_date")
    out += checks.order_problems(spells, TABLE_CUSTODY_SPELLS, files[TABLE_CUSTODY_SPELLS], "admission_date", "release_date")
    out += checks.order_problems(episodes, TABLE_TREATMENT_EPISODES, files[TABLE_TREATMENT_EPISODES], "start_date", "end_date")
    out += checks.pending_problems(cases, files[TABLE_CASES])
    out += checks.overlap_problems(spells, files[TABLE_CUSTODY_SPELLS])
    return out


def _without_repeats(checked: list[pd.DataFrame], parsed: pd.DataFrame) -> list[pd.DataFrame]:
    """Drop check failures of cells emptied because their value did not parse (or had no mapped
    code): "required value", "empty but not pending" ... are consequences, and the parse problem
    already names the cell and shows the value as written."""
    if parsed.empty:
        return checked
    seen = pd.MultiIndex.from_frame(parsed[["table", "column", "source_row"]].astype(str))
    out = []
    for part in checked:
        key = pd.MultiIndex.from_frame(part[["table", "column", "source_row"]].astype(str))
        out.append(part[~key.isin(seen)])
    return out


def _sort(problems: pd.DataFrame) -> pd.DataFrame:
    if problems.empty:
        return problems
    order = problems["table"].map(_TABLE_ORDER).fillna(-1)
    key = pd.DataFrame({"t": order, "r": problems["source_row"].fillna(-1).astype("int64")})
    idx = np.lexsort((key["r"].to_numpy(), key["t"].to_numpy()))
    return problems.iloc[idx].reset_index(drop=True)


def _dependents(
    frame: pd.DataFrame, table: str, column: str, parent: pd.DataFrame, parent_table: str,
    parent_rejected: pd.Index, already: pd.Index,
) -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` names a row of ``parent`` that was rejected."""
    # Every copy of a duplicated key is rejected, so a rejected key never names a kept row too.
    bad_ids = parent.loc[parent_rejected, column].dropna()
    if bad_ids.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    first_row = pd.Series(bad_ids.index.to_numpy(), index=bad_ids.to_numpy())
    first_row = first_row[~first_row.index.duplicated()]
    hit = frame[column].isin(bad_ids) & ~frame.index.isin(already)
    rows = frame.index[hit.to_numpy()]
    parent_rows = first_row.reindex(frame.loc[rows, column].to_numpy()).to_numpy()
    return pd.DataFrame({
        "table": table,
        "source_row": rows.to_numpy(dtype="int64"),
        "column": column,
        "value": WITHHELD,
        "reason": [f"dependent: its {column} refers to {parent_table} source row {int(r)}, which was rejected" for r in parent_rows],
    })


def _quarantine(frames: dict[str, pd.DataFrame], problems: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Set aside every row with a problem, then every row that depends on a rejected row."""
    row_level = problems[problems["source_row"].notna()]
    row_level = row_level.assign(reason=row_level["check"] + ": " + row_level["message"])[list(REJECT_COLUMNS)]
    # One reject per source row: rows with a single problem pass through as they are (the common
    # case, vectorised); the few with several problems get their columns and reasons joined.
    several = row_level.duplicated(["table", "source_row"], keep=False)
    if several.any():
        joined = (
            row_level[several].assign(value=row_level.loc[several, "value"].fillna(""))
            .groupby(["table", "source_row"], sort=False)
            .agg({"column": lambda c: ", ".join(dict.fromkeys(c)), "value": " | ".join, "reason": " | ".join})
            .reset_index()
        )
        direct = pd.concat([row_level[~several], joined], ignore_index=True)[list(REJECT_COLUMNS)]
    else:
        direct = row_level.reset_index(drop=True)
    rejected = {t: pd.Index(direct.loc[direct["table"] == t, "source_row"].astype("int64")) for t in frames}
    dependent_parts = []
    chain = (
        (TABLE_CASES, "person_id", TABLE_PERSONS),
        (TABLE_CUSTODY_SPELLS, "person_id", TABLE_PERSONS),
        (TABLE_TREATMENT_EPISODES, "person_id", TABLE_PERSONS),
        (TABLE_CUSTODY_SPELLS, "case_id", TABLE_CASES),
        (TABLE_TREATMENT_EPISODES, "case_id", TABLE_CASES),
    )
    for table, column, parent in chain:
        dep = _dependents(frames[table], table, column, frames[parent], parent, rejected[parent], rejected[table])
        if len(dep):
            dependent_parts.append(dep)
            rejected[table] = rejected[table].append(pd.Index(dep["source_row"].astype("int64")))
    rejects = pd.concat([direct, *dependent_parts], ignore_index=True)[list(REJECT_COLUMNS)]
    rejects["source_row"] = rejects["source_row"].astype("int64")
    kept = {t: f.loc[~f.index.isin(rejected[t])] if len(rejected[t]) else f for t, f in frames.items()}
    order = rejects["table"].map(_TABLE_ORDER)
    rejects = rejects.iloc[np.lexsort((rejects["source_row"].to_numpy(), order.to_numpy()))].reset_index(drop=True)
    rejects["value"] = rejects["value"].replace("", None)
    return kept, rejects


def ingest(
    source: str | Path,
    mapping: str | Path | Mapping | None = None,
    mode: Mode = "strict",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Ingestion:
    """Read, map, parse and validate a source; return the data set with every problem found.

    Same arguments as :func:`read_dataset`. Unlike it, problems with single rows never raise: in
    strict mode the returned ``dataset`` holds every row and ``problems`` says what is wrong.

    Raises
    ------
    DataContractError
        When the source cannot be turned into tables at all: missing file or table, missing or
        unknown columns, undecodable file, invalid ``extract.toml``. ``.problems`` lists them all.
    PrivacyError
        When a table holds columns that look like direct identifiers that the mapping does not drop.
    ConfigError
        For an invalid mapping file or mode.
    """
    if mode not in ("strict", "quarantine"):
        raise ConfigError(f"mode must be 'strict' or 'quarantine', got {mode!r}")
    mp = _resolve_mapping(mapping)
    try:
        raw = read_raw(source, mp, encoding=encoding, delimiter=delimiter)
    except DataContractError as exc:
        if exc.problems is not None:
            raise
        # A file that cannot be opened or decoded: one source-level problem, same table as always.
        problem = problems_frame(
            file=None, table=None, column=None, source_rows=None, values=None, check="unreadable_source",
            message=str(exc), hint="see the message: declare the encoding or delimiter, or fix the path",
        )
        raise DataContractError(str(exc), problem) from exc
    fatal: list[pd.DataFrame] = []
    for table in raw.missing:
        name = mp.table(table).file or table
        fatal.append(problems_frame(
            file=None, table=table, column=None, source_rows=None, values=None, check="missing_table",
            message=f"required table {table} not found in {raw.label} (looked for {name}.csv, {name}.parquet, a sheet or SQL table {name})",
            hint=f"add the table, or name its file in the mapping: [tables.{table}] file = \"...\"",
        ))
    renamed: dict[str, pd.DataFrame] = {}
    for table, rt in raw.tables.items():
        try:
            renamed[table] = apply_mapping(rt, mp.table(table))
        except TableLevelProblems as exc:
            fatal.append(exc.problems)
    extract, extract_problems = _extract(raw, mp)
    fatal += extract_problems
    if fatal:
        problems = _sort(concat_problems(fatal))
        raise DataContractError(f"{raw.label}: the data cannot be read as the contract.\n{format_problems(problems)}", problems)
    assert extract is not None
    frames: dict[str, pd.DataFrame] = {}
    found: list[pd.DataFrame] = []
    files = {t: rt.file for t, rt in raw.tables.items()}
    for table, frame in renamed.items():
        tm = mp.table(table)
        clean = frozenset(tm.columns.get(c, c) for c in raw.tables[table].clean_text)
        frames[table], parse_problems = parse_table(frame, table, files[table], tm, clean)
        found += parse_problems
        found += _formula_problems(raw.tables[table], tm)
    found += _without_repeats(_run_checks(frames, files, extract), concat_problems(found))
    problems = _sort(concat_problems(found))
    rejects = pd.DataFrame({c: pd.Series(dtype="int64" if c == "source_row" else object) for c in REJECT_COLUMNS})
    kept = frames
    if mode == "quarantine" and not problems.empty:
        kept, rejects = _quarantine(frames, problems)
    sources = {}
    for table, rt in raw.tables.items():
        n_rejected = int((rejects["table"] == table).sum())
        sources[table] = TableSource(
            table=table, file=rt.file, input_rows=len(rt.frame), kept_rows=len(kept[table]),
            rejected_rows=n_rejected, blank_lines=rt.blank_lines, encoding=rt.encoding,
            delimiter=rt.delimiter, detected=rt.detected, encoding_confidence=rt.encoding_confidence,
            encoding_note=rt.encoding_note,
        )
    canon = {table: canonical_order(frame, table) for table, frame in kept.items()}
    dataset = Dataset(
        persons=canon[TABLE_PERSONS], cases=canon[TABLE_CASES], custody_spells=canon[TABLE_CUSTODY_SPELLS],
        treatment_episodes=canon[TABLE_TREATMENT_EPISODES], extract=extract,
        prison_capacity=canon.get(TABLE_PRISON_CAPACITY), rejects=rejects,
    )
    input_files = dict(raw.files)
    if mp.path is not None and Path(mp.path).is_file():
        from altmeasures_eval._output import file_sha256

        input_files[f"mapping: {Path(mp.path).name}"] = file_sha256(mp.path)
    return Ingestion(dataset=dataset, problems=problems, sources=sources, mode=mode, label=raw.label,
                     input_files=input_files)


def canonical_order(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The rows of a canonical table sorted by its key (stable), with a fresh RangeIndex.

    Every later step (cohort, design, ties of matching, bootstrap draws) sees the rows in the same
    order whatever the order of the source file, so results do not depend on how an extract was
    sorted. Keys are unique in valid data; the stable sort keeps the source order of any rows
    left with equal keys (quarantine mode rejects duplicated keys).
    """
    keys = [k for k in checks.KEYS.get(table, ()) if k in frame.columns]
    if keys and len(frame) > 1:
        order = np.lexsort(tuple(_sort_key(frame[k]) for k in reversed(keys)))
        if not (order[1:] > order[:-1]).all():  # already sorted (the common case): no copy
            frame = frame.take(order)
    return frame.set_axis(pd.RangeIndex(len(frame)), axis=0, copy=False)


def _sort_key(values: pd.Series) -> np.ndarray:
    """Integer ranks of a key column in natural order, missing last.

    Text keys sort by their text before a trailing number, then by that number (``P2`` before
    ``P10``, as an extract numbered that way is usually written), then by the whole text; other
    values in their own order. Computed on the distinct values only.
    """
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    if len(uniques) == 0:
        return codes
    u = pd.Series(np.asarray(uniques, dtype=object))
    if pd.api.types.infer_dtype(u, skipna=True) == "string":
        arr = pa.array(u.to_numpy(dtype=object), type=pa.string())
        if pc.all(pc.string_is_ascii(arr)).as_py() and not pc.any(pc.match_substring(arr, "\n")).as_py():
            rank_of = _natural_order_arrow(arr)
        else:
            parts = u.str.extract(_TRAILING_NUMBER)
            prefix = parts["prefix"].where(parts["prefix"].notna(), u)
            number = pd.to_numeric(parts["digits"], errors="coerce").fillna(-1.0).to_numpy(dtype="float64")
            rank_of = np.lexsort((pd.factorize(u, sort=True)[0], number, pd.factorize(prefix, sort=True)[0]))
    else:
        rank_of = np.argsort(pd.factorize(u, sort=True)[0], kind="stable")
    rank = np.empty(len(u), dtype=np.int64)
    rank[rank_of] = np.arange(len(u))
    return np.where(codes < 0, len(u), rank[np.maximum(codes, 0)])


#: A text key with a trailing number: (prefix, digits).
_TRAILING_NUMBER = r"^(?P<prefix>.*?)(?P<digits>\d+)$"
#: Trailing numbers of up to this many digits are read in Arrow (exact as int64 and float64).
_EXACT_DIGITS = 15


def _natural_order_arrow(arr: pa.Array) -> np.ndarray:
    """The order of :func:`_sort_key` for distinct ASCII texts without a line break, in Arrow.

    There ``_TRAILING_NUMBER`` splits a text into what ``utf8_rtrim`` of the digits leaves and
    the longest run of digits at its end (Python's ``\\d`` and ``$`` read as RE2's ``[0-9]`` and
    end of text); texts compare by code point in both (UTF-8 bytes sort in code point order).
    """
    prefix = pc.utf8_rtrim(arr, characters="0123456789")
    digits = pc.struct_field(pc.extract_regex(arr, r"(?P<digits>[0-9]+)$"), "digits")
    if (pc.max(pc.utf8_length(digits)).as_py() or 0) <= _EXACT_DIGITS:
        number = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)  # float64, NaN if none
    else:
        number = pd.to_numeric(pd.Series(digits.to_numpy(zero_copy_only=False), dtype=object), errors="coerce")
    number = np.nan_to_num(np.asarray(number, dtype="float64"), nan=-1.0)
    text_rank = np.empty(len(arr), dtype=np.int64)
    text_rank[pc.sort_indices(arr).to_numpy()] = np.arange(len(arr))
    prefix_rank = pc.rank(prefix, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.int64)
    return np.lexsort((text_rank, number, prefix_rank))


def _formula_problems(rt: Any, tm: Any) -> list[pd.DataFrame]:
    """Excel formula cells without a saved value: each one a problem (the cell would read empty)."""
    if not rt.formula_cells:
        return []
    rows = [r for r, _ in rt.formula_cells]
    cols = [tm.columns.get(c, c) for _, c in rt.formula_cells]
    parts = []
    for col in dict.fromkeys(cols):
        these = [r for r, c in zip(rows, cols) if c == col]
        parts.append(problems_frame(
            file=rt.file, table=rt.table, column=col, source_rows=these, values=None,
            check="formula_without_value",
            message="a formula cell with no saved value: the workbook was saved by a program that does "
                    "not calculate formulas, so the cell reads as empty",
            hint="open the workbook in Excel or LibreOffice and save it (formulas get their values), or "
                 "paste the values instead of the formulas"))
    return parts


def read_dataset(
    source: str | Path,
    mapping: str | Path | Mapping | None = None,
    mode: Mode = "strict",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Dataset:
    """Read a data set from any supported source and return it validated, in canonical form.

    Parameters
    ----------
    source : str or pathlib.Path
        A folder with one file per table (``<table>.csv`` or ``<table>.parquet``, or one ``.xlsx``
        workbook with a sheet per table) and ``extract.toml``; a single ``.xlsx`` workbook or
        SQLite file (``.sqlite``, ``.sqlite3``, ``.db``); or a SQLAlchemy URL. In a database the
        tables carry the contract names (or the mapping's) and an ``extract`` table holds key/value
        rows (or ``extract.toml`` lies beside the file).
    mapping : str, pathlib.Path or Mapping, optional
        Mapping file translating the source's own tables, columns and codes (see
        ``docs/data-contract.md``). Without it, the source must already use contract names.
    mode : {"strict", "quarantine"}
        ``strict``: any problem raises :class:`~altmeasures_eval.DataContractError`.
        ``quarantine``: rows with problems, and rows that depend on them (cases of a rejected
        person, spells of a rejected case ...), go to ``Dataset.rejects`` with the reason; the
        rest is returned. Input rows = kept rows + rejected rows, for every table.
    encoding, delimiter : str, optional
        CSV options for every file, overriding detection (the mapping may set them per file).

    Returns
    -------
    Dataset
        Canonical tables (see :class:`~altmeasures_eval.schema.Dataset`).

    Raises
    ------
    DataContractError
        Strict mode and any problem, or a source that cannot be read in either mode. The message is
        a readable report; ``.problems`` is the table of every problem (file, table, column,
        source_row, value, check, message, hint). Identifier values are withheld.
    PrivacyError
        A column looks like a direct identifier and the mapping does not drop it.

    Examples
    --------
    >>> ds = read_dataset("data/sample")                                   # doctest: +SKIP
    >>> ds = read_dataset("export/", mapping="export/mapping.toml", mode="quarantine")  # doctest: +SKIP
    >>> ds.rejects.groupby("table").size()                                 # doctest: +SKIP
    """
    result = ingest(source, mapping, mode, encoding=encoding, delimiter=delimiter)
    if mode == "strict" and not result.valid:
        raise DataContractError(
            f"{result.label}: the data break the contract.\n{format_problems(result.problems)}", result.problems
        )
    return result.dataset
