"""Mapping files: how a source's own tables, column names and codes translate into the contract.

A mapping is a TOML file (see ``docs/data-contract.md`` for every key)::

    [csv]                      # defaults for every CSV file of the source
    encoding = "cp1252"
    delimiter = ";"

    [extract]                  # when the source ships no extract.toml
    country = "XYZ"
    extract_date = "2025-12-31"

    [tables.cases]
    file = "AFFAIRES.csv"      # file, sheet or SQL table holding this contract table
    date_format = "%d/%m/%Y"   # how this source writes dates (default ISO %Y-%m-%d)
    drop = ["NOM_PREVENU"]     # source columns dropped on purpose (e.g. direct identifiers)
    [tables.cases.columns]     # source column -> contract column
    NUM_AFF = "case_id"
    [tables.cases.codes.disposition]   # local code -> contract code, per contract column
    "Emprisonnement ferme" = "custody"

A column with a ``codes`` table must have every non-empty value listed there: an unlisted value is
an ``unmapped_code`` problem, reported with its count, never guessed or passed through.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.schema import IDENTIFIER_COLUMNS, TABLE_COLUMNS, VOCABULARY_COLUMNS

_TABLE_KEYS = {"file", "sheet", "columns", "codes", "drop", "date_format", "encoding", "delimiter"}
_CSV_KEYS = {"encoding", "delimiter"}
_TOP_KEYS = {"csv", "extract", "tables"}


@dataclass(frozen=True)
class TableMapping:
    """How one contract table is found and translated.

    Attributes
    ----------
    file : str or None
        Source file name (in a folder), sheet name (in a workbook) or SQL table name; ``None`` =
        the contract name (``cases.csv``, sheet ``cases``, SQL table ``cases``).
    columns : dict of str to str
        Source column name -> contract column name.
    codes : dict of str to dict of str to str
        Contract column -> {local code -> contract code}.
    drop : tuple of str
        Source columns dropped on purpose, before anything else (this is how a source's direct
        identifiers are declared and removed).
    date_format : str or None
        ``strftime`` format of dates in text sources; ``None`` = ISO ``%Y-%m-%d``.
    encoding, delimiter : str or None
        CSV options for this file, overriding ``[csv]``.
    """

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    date_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file.

    Attributes
    ----------
    tables : dict of str to TableMapping
        Per contract table; tables not named use contract names unchanged.
    encoding, delimiter : str or None
        CSV defaults for the whole source.
    extract : dict
        ``country``, ``extract_date``, ``source`` when the source has no ``extract.toml``.
    path : pathlib.Path or None
        The file it was read from.
    """

    tables: dict[str, TableMapping] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    extract: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def table(self, name: str) -> TableMapping:
        """The mapping of contract table ``name`` (the identity mapping when absent)."""
        return self.tables.get(name, TableMapping())


def _fail(where: str, what: str) -> ConfigError:
    return ConfigError(f"mapping {where}: {what}")


def _str_dict(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, (str, int)) for v in value.values()):
        raise _fail(where, "must be a table of \"source\" = \"contract\" strings")
    return {str(k): str(v) for k, v in value.items()}


def mapping_from_dict(raw: dict[str, Any], source: Path | None = None) -> Mapping:
    """Build and check a :class:`Mapping` from parsed TOML.

    Raises
    ------
    ConfigError
        Unknown keys, unknown contract tables or columns, codes for a column that is mapped to no
        contract column, or a target code outside the controlled vocabulary.
    """
    name = str(source) if source else "mapping"
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise _fail(name, f"unknown section(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    csv = raw.get("csv", {})
    if set(csv) - _CSV_KEYS:
        raise _fail(f"{name} [csv]", f"unknown key(s) {sorted(set(csv) - _CSV_KEYS)}; allowed: {sorted(_CSV_KEYS)}")
    tables: dict[str, TableMapping] = {}
    for table, spec in raw.get("tables", {}).items():
        where = f"{name} [tables.{table}]"
        if table not in TABLE_COLUMNS:
            raise _fail(where, f"unknown contract table {table!r}; tables are {sorted(TABLE_COLUMNS)}")
        if set(spec) - _TABLE_KEYS:
            raise _fail(where, f"unknown key(s) {sorted(set(spec) - _TABLE_KEYS)}; allowed: {sorted(_TABLE_KEYS)}")
        columns = _str_dict(spec.get("columns", {}), f"{where}.columns")
        bad = sorted(set(columns.values()) - set(TABLE_COLUMNS[table]))
        if bad:
            raise _fail(f"{where}.columns", f"{bad} are not columns of {table}; contract columns: {list(TABLE_COLUMNS[table])}")
        codes: dict[str, dict[str, str]] = {}
        for column, table_codes in spec.get("codes", {}).items():
            cwhere = f"{where}.codes.{column}"
            if column not in TABLE_COLUMNS[table]:
                raise _fail(cwhere, f"{column!r} is not a column of {table}")
            if column in IDENTIFIER_COLUMNS:
                raise _fail(cwhere, f"identifiers are not recoded by a mapping (problem reports would show them); use `altmeasures-eval pseudonymise` for {column}")
            codes[column] = _str_dict(table_codes, cwhere)
            vocab = VOCABULARY_COLUMNS.get(table, {}).get(column)
            if vocab is not None:
                wrong = sorted(set(codes[column].values()) - set(vocab))
                if wrong:
                    raise _fail(cwhere, f"target code(s) {wrong} are not in the vocabulary {list(vocab)}")
        drop = spec.get("drop", [])
        if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
            raise _fail(f"{where}.drop", "must be a list of source column names")
        tables[table] = TableMapping(
            file=spec.get("file", spec.get("sheet")),
            columns=columns,
            codes=codes,
            drop=tuple(drop),
            date_format=spec.get("date_format"),
            encoding=spec.get("encoding"),
            delimiter=spec.get("delimiter"),
        )
    extract = raw.get("extract", {})
    if set(extract) - {"country", "extract_date", "source"}:
        raise _fail(f"{name} [extract]", "allowed keys are country, extract_date, source")
    return Mapping(
        tables=tables,
        encoding=csv.get("encoding"),
        delimiter=csv.get("delimiter"),
        extract={k: str(v) for k, v in extract.items()},
        path=source,
    )


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file (TOML).

    Parameters
    ----------
    path : str or pathlib.Path
        The mapping file.

    Returns
    -------
    Mapping

    Raises
    ------
    ConfigError
        Missing file, invalid TOML, or a mapping that names unknown tables, columns or codes.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"mapping file {path} not found; pass --mapping PATH to a TOML mapping file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"mapping {path}: not valid UTF-8 TOML: {exc}") from exc
    return mapping_from_dict(raw, source=path)


def apply_codes(values: pd.Series, codes: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    """Translate local codes; returns the translated column and a mask of unmapped values.

    Values are compared as stripped text; missing values stay missing and are never unmapped.
    """
    # Translate the distinct values only: fast on millions of rows with a handful of codes.
    index, uniques = pd.factorize(values, use_na_sentinel=True)
    local = [str(u).strip() for u in uniques]
    target = np.array([codes.get(u) for u in local] + [None], dtype=object)
    unmapped_unique = np.array([u not in codes for u in local] + [False], dtype=bool)
    mapped = pd.Series(target[index], index=values.index, dtype=object)
    unmapped = pd.Series(unmapped_unique[index], index=values.index)
    return mapped, unmapped
