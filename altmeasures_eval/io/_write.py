"""Write a canonical :class:`~altmeasures_eval.schema.Dataset` as a contract folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from altmeasures_eval.schema import EXTRACT_FILE, Dataset, ExtractInfo


def _toml_value(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_extract_toml(extract: ExtractInfo, path: str | Path) -> Path:
    """Write ``extract.toml`` (country, extract_date, source)."""
    path = Path(path)
    lines = [
        f"country = {_toml_value(extract.country)}",
        f"extract_date = {_toml_value(pd.Timestamp(extract.extract_date).date().isoformat())}",
    ]
    if extract.source:
        lines.append(f"source = {_toml_value(extract.source)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_dataset(
    dataset: Dataset,
    folder: str | Path,
    format: Literal["csv", "parquet"] = "csv",
) -> Path:
    """Write every table of ``dataset`` and ``extract.toml`` into ``folder``.

    CSV files are UTF-8, comma-separated, dates as ISO ``YYYY-MM-DD``, empty cells for missing
    values; Parquet keeps the canonical dtypes. Returns the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in dataset.tables().items():
        if format == "csv":
            table.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
        elif format == "parquet":
            table.to_parquet(folder / f"{name}.parquet", index=False)
        else:
            raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    write_extract_toml(dataset.extract, folder / EXTRACT_FILE)
    return folder


def _extract_rows(extract: ExtractInfo) -> pd.DataFrame:
    rows = [("country", extract.country), ("extract_date", pd.Timestamp(extract.extract_date).date().isoformat())]
    if extract.source:
        rows.append(("source", extract.source))
    return pd.DataFrame(rows, columns=["key", "value"])


def write_excel(dataset: Dataset, path: str | Path) -> Path:
    """Write ``dataset`` as one workbook: a sheet per table plus an ``extract`` sheet (key, value).

    Dates are written as Excel dates; missing values as empty cells. Returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in dataset.tables().items():
            out = table.astype({c: object for c in table.columns if not pd.api.types.is_datetime64_any_dtype(table[c])})
            out.where(table.notna(), None).to_excel(writer, sheet_name=name, index=False)
        _extract_rows(dataset.extract).to_excel(writer, sheet_name="extract", index=False)
    return path


def write_sql(dataset: Dataset, url: str) -> str:
    """Write ``dataset`` into a SQL database (tables by contract name plus ``extract`` key/value rows).

    Dates are stored as ISO text so that every database reads them back the same way; existing
    tables of the same names are replaced. Returns the URL.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for name, table in dataset.tables().items():
                out = table.copy()
                for col in out.columns:
                    if pd.api.types.is_datetime64_any_dtype(out[col]):
                        out[col] = out[col].dt.strftime("%Y-%m-%d").where(out[col].notna(), None)
                out.to_sql(name, conn, index=False, if_exists="replace")
            _extract_rows(dataset.extract).to_sql("extract", conn, index=False, if_exists="replace")
    finally:
        engine.dispose()
    return url
