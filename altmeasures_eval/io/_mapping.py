"""Mapping files: how a source's own tables, column names and codes translate into the contract.

A mapping is a TOML file (see ``docs/data-contract.md`` for every key)::

    [csv]                      # defaults for every CSV file of the source
    encoding = "cp1252"
    delimiter = ";"

    [extract]                  # when the source ships no extract.toml
    country = "XYZ"
    extract_date = "2025-12-31"

    [tables.cases]
    file = "AFFAIRES.csv"      # file, sheet or SQL table holding this contract table (inside the
                               # data folder unless allow_outside_data = true)
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

_TABLE_KEYS = ("file", "sheet", "columns", "codes", "drop", "date_format", "encoding", "delimiter",
               "allow_outside_data")
_CSV_KEYS = ("encoding", "delimiter")
_EXTRACT_KEYS = ("country", "extract_date", "source")
_DOC = "docs/data-contract.md, Mapping files"


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
    allow_outside_data : bool
        ``file`` may name a file outside the data folder (``"../other/x.csv"``); without this
        explicit key such a file is refused, so that a mapping cannot make a run read files it
        was not meant to. Every file read is hashed in the report either way.
    """

    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    date_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    allow_outside_data: bool = False


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


def _check(where: str, check: Any, value: Any) -> Any:
    """A value checked by the config's one checker, with the mapping's file and section in front."""
    return None if value is None else check(f"mapping {where}", value)


def mapping_from_dict(raw: dict[str, Any], source: Path | None = None) -> Mapping:
    """Build and check a :class:`Mapping` from parsed TOML.

    Every section and key goes through the config checker (:func:`altmeasures_eval.config.check_keys`:
    an unknown key names the nearest valid one), and every CSV and date option through the same
    checks as the command-line options (:func:`~altmeasures_eval.config.check_encoding`,
    :func:`~altmeasures_eval.config.check_delimiter`,
    :func:`~altmeasures_eval.config.check_date_format`).

    Raises
    ------
    ConfigError
        Unknown keys, unknown contract tables or columns, codes for a column that is mapped to no
        contract column, a target code outside the controlled vocabulary, an unknown encoding, a
        delimiter that is not one character, a date format without a year or with an unknown
        directive.
    """
    from altmeasures_eval._checker import (
        check_date_format,
        check_delimiter,
        check_encoding,
        check_keys,
        check_text,
    )

    name = str(source) if source else "mapping"
    schema = {"csv": _CSV_KEYS, "extract": _EXTRACT_KEYS, "tables": None}
    for key, value in raw.items():
        if key not in schema:
            from altmeasures_eval._checker import check_config

            check_config({key: value}, schema, source=f"mapping {name}", doc=_DOC)
    csv = check_keys("csv", raw.get("csv", {}), _CSV_KEYS, source=f"mapping {name}", doc=_DOC)
    encoding = _check(f"{name} [csv] encoding", check_encoding, csv.get("encoding"))
    delimiter = _check(f"{name} [csv] delimiter", check_delimiter, csv.get("delimiter"))
    all_tables = raw.get("tables", {})
    if not isinstance(all_tables, dict):
        raise _fail(f"{name} [tables]", "must hold one [tables.NAME] section per contract table")
    tables: dict[str, TableMapping] = {}
    for table, spec in all_tables.items():
        where = f"{name} [tables.{table}]"
        if table not in TABLE_COLUMNS:
            raise _fail(where, f"unknown contract table {table!r}; tables are {sorted(TABLE_COLUMNS)}")
        spec = check_keys(f"tables.{table}", spec, _TABLE_KEYS, source=f"mapping {name}", doc=_DOC)
        columns = _str_dict(spec.get("columns", {}), f"{where}.columns")
        bad = sorted(set(columns.values()) - set(TABLE_COLUMNS[table]))
        if bad:
            raise _fail(f"{where}.columns", f"{bad} are not columns of {table}; contract columns: {list(TABLE_COLUMNS[table])}")
        codes: dict[str, dict[str, str]] = {}
        all_codes = spec.get("codes", {})
        if not isinstance(all_codes, dict):
            raise _fail(f"{where}.codes", f"must hold one [tables.{table}.codes.COLUMN] table of local code = "
                        f"\"contract code\" lines per column, got {all_codes!r}")
        for column, table_codes in all_codes.items():
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
        file = spec.get("file", spec.get("sheet"))
        if file is not None:
            check_text(f"mapping {where} file", file)
        outside = spec.get("allow_outside_data", False)
        if not isinstance(outside, bool):
            raise _fail(f"{where}.allow_outside_data", f"must be true or false, got {outside!r}")
        tables[table] = TableMapping(
            file=file,
            columns=columns,
            codes=codes,
            drop=tuple(drop),
            date_format=_check(f"{where} date_format", check_date_format, spec.get("date_format")),
            encoding=_check(f"{where} encoding", check_encoding, spec.get("encoding")),
            delimiter=_check(f"{where} delimiter", check_delimiter, spec.get("delimiter")),
            allow_outside_data=outside,
        )
    extract = check_keys("extract", raw.get("extract", {}), _EXTRACT_KEYS, source=f"mapping {name}", doc=_DOC)
    return Mapping(
        tables=tables,
        encoding=encoding,
        delimiter=delimiter,
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
