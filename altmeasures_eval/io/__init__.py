"""Readers and writers: sources (CSV, Parquet, Excel, SQL) <-> validated canonical tables.

The only layer that touches data files. :func:`read_dataset` turns any supported source into a
validated :class:`~altmeasures_eval.schema.Dataset`; :func:`ingest` does the same and also returns
every problem found; :func:`quality_report` summarises a data set and its problems.
"""

from altmeasures_eval.io._consistency import ConsistencyReport, check_consistency
from altmeasures_eval.io._aggregate import read_aggregate
from altmeasures_eval.io._mapping import Mapping, TableMapping, load_mapping
from altmeasures_eval.io._problems import PROBLEM_COLUMNS, WITHHELD, ValidationProblem, format_problems
from altmeasures_eval.io._quality import QualityReport, quality_report
from altmeasures_eval.io._read import Ingestion, TableSource, ingest, read_dataset
from altmeasures_eval.io._write import write_dataset, write_excel, write_extract_toml, write_sql

__all__ = [
    "PROBLEM_COLUMNS",
    "WITHHELD",
    "ConsistencyReport",
    "Ingestion",
    "Mapping",
    "QualityReport",
    "TableMapping",
    "TableSource",
    "ValidationProblem",
    "check_consistency",
    "format_problems",
    "ingest",
    "load_mapping",
    "quality_report",
    "read_aggregate",
    "read_dataset",
    "write_dataset",
    "write_excel",
    "write_extract_toml",
    "write_sql",
]
