"""Readers and writers: sources (CSV, Parquet, Excel, SQL) <-> validated canonical tables.

The only layer that touches data files.
"""

from altmeasures_eval.io._write import write_dataset, write_extract_toml

__all__ = ["write_dataset", "write_extract_toml"]
