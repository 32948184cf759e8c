"""Find and read the raw tables of a source: a folder, a workbook, a SQLite file or a SQL URL.

Raw tables keep the source's own column names and values; their index is the *source row*:

* CSV: the line on which the record starts (header = 1, first data row = 2);
* Excel: the sheet row number (header = 1, first data row = 2);
* Parquet: the row number, counting from 1;
* SQL: SQLite's ``rowid``; for other databases the row position counting from 1.
"""

from __future__ import annotations

import html
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.io._csv import read_csv_table
from altmeasures_eval.io._mapping import Mapping, TableMapping
from altmeasures_eval.schema import EXTRACT_FILE, IDENTIFIER_COLUMNS, OPTIONAL_TABLES, REQUIRED_TABLES

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
#: SQL table (or workbook sheet) of key/value rows holding the extract metadata.
EXTRACT_TABLE = "extract"


@dataclass(frozen=True)
class RawTable:
    """One table as read from the source.

    Attributes
    ----------
    table : str
        Contract table name.
    file : str
        Where it was read from, as shown in problems (``cases.csv``, ``data.xlsx!cases``, ``cases``
        for SQL).
    frame : pandas.DataFrame
        Source columns and values, indexed by source row.
    encoding, delimiter : str or None
        How a CSV file was read (``None`` for other formats).
    detected : bool
        Whether encoding and delimiter were detected rather than declared.
    blank_lines : int
        Blank lines skipped (CSV/Excel).
    clean_text : frozenset of str
        Source columns whose text is already canonical (``str`` stripped, empty = ``None``).
    """

    table: str
    file: str
    frame: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    detected: bool = False
    blank_lines: int = 0
    clean_text: frozenset[str] = frozenset()
    encoding_confidence: float | None = None
    encoding_note: str | None = None
    formula_cells: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class RawSource:
    """Every raw table found, the raw extract metadata and where it came from.

    ``files`` maps every file read (tables, workbook, ``extract.toml``, SQLite file) to its SHA-256:
    names relative to the data folder, or the path as the mapping wrote it for a file outside.
    """

    label: str
    tables: dict[str, RawTable]
    missing: tuple[str, ...]
    extract: dict[str, Any] | None
    extract_file: str | None
    files: dict[str, str] = field(default_factory=dict)


def is_url(source: str | Path) -> bool:
    """Whether ``source`` is a SQLAlchemy URL rather than a path."""
    return isinstance(source, str) and "://" in source


def _read_extract_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataContractError(f"{path.name}: not valid UTF-8 TOML: {exc}. See docs/data-contract.md, extract.toml.") from exc


def _key_values(frame: pd.DataFrame, label: str) -> dict[str, Any]:
    cols = [c.lower() for c in frame.columns]
    if cols[:2] != ["key", "value"]:
        raise DataContractError(f"{label}: the extract table must have columns key, value (one row per key), got {list(frame.columns)}")
    return {str(k).strip(): v for k, v in zip(frame.iloc[:, 0], frame.iloc[:, 1]) if pd.notna(k)}


def _excel_table(book: dict[str, pd.DataFrame], sheet: str, table: str, label: str) -> RawTable:
    frame = book[sheet]
    formulas = frame.attrs.get("formula_cells", ())
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    # a formula without a saved value reads as an empty cell: name it (row, column) as a problem
    cells = tuple((row, str(frame.columns[col])) for row, col in formulas
                  if row >= 2 and col < frame.shape[1] and row in frame.index and pd.isna(frame.at[row, frame.columns[col]]))
    blank = frame.isna().all(axis=1).to_numpy()
    blank &= ~frame.index.isin([r for r, _ in cells])
    frame = frame.loc[~blank]
    return RawTable(table, f"{label}!{sheet}", frame, blank_lines=int(blank.sum()), formula_cells=cells)


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    # object dtype: keep Excel's own cell types (dates, numbers); the parser handles both.
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001  (zipfile, openpyxl and XML errors of a broken workbook)
        raise DataContractError(
            f"{path.name}: not a readable Excel workbook ({type(exc).__name__}: {exc}). Save it again "
            "as .xlsx from Excel or LibreOffice, or export the tables as CSV.") from None
    formulas = formula_cells_without_value(path)
    for sheet, frame in book.items():
        frame.attrs["formula_cells"] = formulas.get(sheet, ())
    return book


_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)


def formula_cells_without_value(path: Path) -> dict[str, tuple[tuple[int, int], ...]]:
    """Formula cells that hold no saved (cached) value, per sheet: ``(sheet row, column index)``.

    A workbook written by a program that does not calculate formulas (many exporters, openpyxl)
    stores ``<f>`` without ``<v>``; a reader then sees an empty cell where the sheet shows a
    number. Found by scanning the sheets' XML (no second full parse of the workbook).
    """
    out: dict[str, tuple[tuple[int, int], ...]] = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = dict(re.findall(r'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            for tag in re.findall(r"<sheet\b[^>]*>", book):
                name = re.search(r'name="([^"]*)"', tag)
                rid = re.search(r'r:id="([^"]*)"', tag)
                if not name or not rid or rid.group(1) not in targets:
                    continue
                target = targets[rid.group(1)].lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                if member not in names:
                    continue
                xml = z.read(member)
                if b"<f" not in xml:
                    continue
                cells = []
                for col, row, body in _CELL.findall(xml):
                    if body and b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                        index = 0
                        for ch in col:
                            index = index * 26 + (ch - 64)
                        cells.append((int(row), index - 1))
                if cells:
                    out[html.unescape(name.group(1))] = tuple(cells)
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    return out


def _identifier_sources(tm: TableMapping) -> set[str]:
    """Source names of the identifier columns of a table."""
    renamed = {src for src, dst in tm.columns.items() if dst in IDENTIFIER_COLUMNS}
    return renamed | (set(IDENTIFIER_COLUMNS) - set(tm.columns.values()))


def _read_parquet(path: Path, identifiers: set[str]) -> tuple[pd.DataFrame, frozenset[str]]:
    """Read a Parquet file; return the frame and its text columns, already in canonical form.

    Text is cleaned (surrounding spaces stripped, empty = missing) while still in Arrow. Columns
    other than identifiers are decoded through Arrow dictionaries: codes repeat (a few hundred
    distinct values over millions of rows), so each distinct value is decoded and cleaned once and
    then taken, instead of building one Python string per row.
    """
    try:
        schema = pq.read_schema(path)
        text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        coded = [c for c in text if c not in identifiers]
        table = pq.read_table(path, read_dictionary=coded)
    except (pa.ArrowException, OSError) as exc:
        raise DataContractError(
            f"{path.name}: not a readable Parquet file ({exc}). Export the table again (the file may be "
            "truncated or not Parquet at all), or provide it as CSV.") from None
    for name in text:
        if name not in coded:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, _clean_arrow(table.column(name)))
    frame = table.to_pandas()
    for col in coded:
        values = frame[col]
        categories = values.cat.categories
        lookup = np.array([_clean_text(c) for c in categories] + [None], dtype=object)
        frame[col] = lookup[values.cat.codes.to_numpy()]  # code -1 (missing) takes the last entry
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, frozenset(text)


def _clean_text(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def _clean_arrow(column: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def _name(mapping: Mapping, table: str) -> str:
    return mapping.table(table).file or table


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _label(path: Path, folder: Path) -> str:
    """How a file read is named in hashes: relative to the data folder, else as resolved."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _from_folder(folder: Path, mapping: Mapping, encoding: str | None, delimiter: str | None) -> RawSource:
    from altmeasures_eval._output import file_sha256

    tables: dict[str, RawTable] = {}
    missing: list[str] = []
    books = sorted(p for p in folder.iterdir() if p.suffix.lower() in EXCEL_SUFFIXES and not p.name.startswith("~$"))
    book_cache: dict[Path, dict[str, pd.DataFrame]] = {}
    read: set[Path] = set()
    for table in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        name = _name(mapping, table)
        tm = mapping.table(table)
        candidates = [folder / name] if Path(name).suffix else [folder / f"{name}.csv", folder / f"{name}.parquet"]
        for p in candidates:
            if not tm.allow_outside_data and not _inside(p, folder):
                raise DataContractError(
                    f"the mapping names {name!r} for table {table}, which lies outside the data folder "
                    f"{folder}; move the file into the folder, or allow it explicitly with "
                    f"allow_outside_data = true under [tables.{table}] of the mapping")
        path = next((p for p in candidates if p.is_file()), None)
        if path is not None:
            read.add(path)
        if path is not None and path.suffix.lower() == ".parquet":
            frame, clean = _read_parquet(path, _identifier_sources(tm))
            tables[table] = RawTable(table, path.name, frame, clean_text=clean)
        elif path is not None and path.suffix.lower() in EXCEL_SUFFIXES:
            book = book_cache.setdefault(path, _read_workbook(path))
            sheet = table if table in book else next(iter(book))
            tables[table] = _excel_table(book, sheet, table, path.name)
        elif path is not None:
            enc = tm.encoding or encoding or mapping.encoding
            sep = tm.delimiter or delimiter or mapping.delimiter
            frame, fmt, blank = read_csv_table(path, encoding=enc, delimiter=sep)
            tables[table] = RawTable(
                table, path.name, frame, fmt.encoding, fmt.delimiter,
                fmt.encoding_detected or fmt.delimiter_detected, blank,
                encoding_confidence=fmt.confidence, encoding_note=fmt.note,
            )
        else:
            found = None
            for book_path in books:
                book = book_cache.setdefault(book_path, _read_workbook(book_path))
                if name in book:
                    found = _excel_table(book, name, table, book_path.name)
                    read.add(book_path)
                    break
            if found is not None:
                tables[table] = found
            elif table in REQUIRED_TABLES:
                missing.append(table)
    extract_path = folder / EXTRACT_FILE
    extract, extract_file = None, None
    if extract_path.is_file():
        extract, extract_file = _read_extract_toml(extract_path), EXTRACT_FILE
        read.add(extract_path)
    else:
        for book_path in books:
            book = book_cache.setdefault(book_path, _read_workbook(book_path))
            if EXTRACT_TABLE in book:
                extract_file = f"{book_path.name}!{EXTRACT_TABLE}"
                extract = _key_values(book[EXTRACT_TABLE], extract_file)
                read.add(book_path)
                break
    files = {_label(p, folder): file_sha256(p) for p in sorted(read)}
    return RawSource(str(folder), tables, tuple(missing), extract, extract_file, files)


def _from_workbook(path: Path, mapping: Mapping) -> RawSource:
    book = _read_workbook(path)
    tables: dict[str, RawTable] = {}
    missing: list[str] = []
    for table in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        name = _name(mapping, table)
        if name in book:
            tables[table] = _excel_table(book, name, table, path.name)
        elif table in REQUIRED_TABLES:
            missing.append(table)
    extract, extract_file = _extract_beside(path)
    if extract is None and EXTRACT_TABLE in book:
        extract_file = f"{path.name}!{EXTRACT_TABLE}"
        extract = _key_values(book[EXTRACT_TABLE], extract_file)
    from altmeasures_eval._output import file_sha256

    files = {path.name: file_sha256(path)}
    if extract_file == EXTRACT_FILE:
        files[EXTRACT_FILE] = file_sha256(path.parent / EXTRACT_FILE)
    return RawSource(str(path), tables, tuple(missing), extract, extract_file, files)


def _extract_beside(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    beside = path.parent / EXTRACT_FILE
    if beside.is_file():
        return _read_extract_toml(beside), EXTRACT_FILE
    return None, None


def _from_sql(url: str, mapping: Mapping, beside: Path | None) -> RawSource:
    import sqlalchemy as sa

    try:
        masked = sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (not even a URL: show its scheme only)
        masked = url.split("://", 1)[0] + "://..."
    try:
        engine = _read_only_engine(sa, url)
        names = set(sa.inspect(engine).get_table_names())
    except Exception as exc:  # noqa: BLE001  (any driver error: report it readably)
        reason = str(exc).replace(url, masked)
        raise DataContractError(f"cannot open the database {masked}: {reason}") from None
    sqlite = engine.dialect.name == "sqlite"
    tables: dict[str, RawTable] = {}
    missing: list[str] = []
    try:
        with engine.connect() as conn:
            for table in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
                name = _name(mapping, table)
                if name not in names:
                    if table in REQUIRED_TABLES:
                        missing.append(table)
                    continue
                quoted = engine.dialect.identifier_preparer.quote(name)
                select = f"SELECT rowid AS __source_row__, * FROM {quoted}" if sqlite else f"SELECT * FROM {quoted}"
                frame = pd.read_sql_query(sa.text(select), conn)
                if sqlite:
                    frame = frame.set_index("__source_row__")
                    frame.index = frame.index.astype("int64")
                else:
                    frame.index = pd.RangeIndex(1, len(frame) + 1)
                frame.index.name = None
                tables[table] = RawTable(table, name, frame)
            extract, extract_file = None, None
            if EXTRACT_TABLE in names:
                frame = pd.read_sql_query(sa.text(f"SELECT * FROM {EXTRACT_TABLE}"), conn)
                extract, extract_file = _key_values(frame, f"table {EXTRACT_TABLE}"), f"table {EXTRACT_TABLE}"
            elif beside is not None:
                extract, extract_file = _extract_beside(beside)
    finally:
        engine.dispose()
    # Reports name the database without its password (or, for SQLite, without its folders).
    shown = masked if not sqlite else f"sqlite:///{Path(url.split(':///', 1)[-1]).name}"
    files = {}
    if sqlite and _sqlite_path(url) is not None:
        from altmeasures_eval._output import file_sha256

        files[Path(_sqlite_path(url)).name] = file_sha256(_sqlite_path(url))
    return RawSource(shown, tables, tuple(missing), extract, extract_file, files)


def _sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///FILE`` URL (``None`` for an in-memory database)."""
    rest = url.split(":///", 1)[-1] if url.lower().startswith("sqlite") else ""
    rest = rest.split("?", 1)[0]
    return rest or None if rest not in ("", ":memory:") else None


def _read_only_engine(sa: Any, url: str) -> Any:
    """An engine that cannot change the source: SQLite opened read-only (``mode=ro``, so a missing
    file is an error instead of a new empty database); other databases in read-only transactions
    where the dialect supports it (PostgreSQL, MySQL). The toolkit only ever runs SELECT."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_path(url)
        if file is None:
            return sa.create_engine(url)
        if not Path(file).is_file():
            raise DataContractError(
                f"database file {file} not found (nothing was created); pass an existing SQLite file "
                "or a folder of contract tables")
        from urllib.parse import quote

        uri = "file:" + quote(str(Path(file).resolve())) + "?mode=ro"
        return sa.create_engine("sqlite://", creator=lambda: __import__("sqlite3").connect(uri, uri=True))
    engine = sa.create_engine(url)
    if parsed.get_backend_name() in ("postgresql", "mysql", "mariadb"):
        engine = engine.execution_options(postgresql_readonly=True) if parsed.get_backend_name() == "postgresql" else engine
    return engine


def read_raw(
    source: str | Path, mapping: Mapping, *, encoding: str | None = None, delimiter: str | None = None
) -> RawSource:
    """Read every contract table of ``source`` as raw frames (no parsing, no checks)."""
    if is_url(source):
        return _from_sql(str(source), mapping, None)
    path = Path(source).expanduser()
    if path.is_dir():
        return _from_folder(path, mapping, encoding, delimiter)
    if not path.exists():
        raise DataContractError(
            f"data source {path} not found: pass a folder of contract tables, an .xlsx workbook, a "
            "SQLite file or a SQLAlchemy URL"
        )
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _from_workbook(path, mapping)
    if suffix in SQLITE_SUFFIXES:
        return _from_sql(f"sqlite:///{path.resolve()}", mapping, path)
    if suffix in (".csv", ".parquet", ".txt", ".tsv"):
        raise DataContractError(
            f"{path.name}: a single table is not a data set; pass the folder that holds every table "
            f"({path.parent}) and name this file in the mapping if needed"
        )
    raise DataContractError(
        f"{path.name}: unsupported source file type {suffix!r}; use a folder of .csv/.parquet "
        f"tables, an .xlsx workbook or a SQLite file ({', '.join(SQLITE_SUFFIXES)})"
    )

