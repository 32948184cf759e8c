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
