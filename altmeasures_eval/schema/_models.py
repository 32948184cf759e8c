"""pandera models of the canonical tables: the column-level part of the data contract, v1.

One :class:`pandera.pandas.DataFrameModel` per table checks what can be judged one column at a
time on a frame already in canonical dtypes (see :class:`~altmeasures_eval.schema.Dataset`):
dtypes, required values, controlled vocabularies, ranges and code formats. Parsing text into those
dtypes (dates, integers, booleans) and the checks that span rows or tables (unique keys, references,
date order, overlapping spells, ``extract_date``) are done by :mod:`altmeasures_eval.io`, which runs
these models with ``lazy=True`` so that one run lists every failure.

Vocabularies come from :mod:`altmeasures_eval.schema._vocab`; nothing here spells a code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Final, Optional

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from altmeasures_eval.schema._vocab import (
    CUSTODY_TYPES,
    DEATH_CAUSES,
    DISPOSITIONS,
    MODALITIES,
    OUTCOMES,
    REFERRAL_SOURCES,
    SEXES,
    STAGES,
    SUBSTANCES,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_PERSONS,
    TABLE_PRISON_CAPACITY,
    TABLE_TREATMENT_EPISODES,
)

#: ICCS codes are strings of 2 (section 01-11), 4, 5 or 6 digits, e.g. ``06``, ``0601``, ``06011``,
#: ``060111``. A leading zero lost by a spreadsheet (``60111``) fails this pattern on purpose.
ICCS_PATTERN: Final = r"^(0[1-9]|1[01])(\d{2}\d{0,2})?$"
#: ``prison_capacity.month``: ``YYYY-MM``.
MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"


def _matches_on_distinct(pattern: str) -> Callable[[pd.Series], pd.Series]:
    """A vectorised ``str_matches`` judged once per distinct value: a code column of millions of
    rows holds a few hundred distinct codes, so the regular expression runs a few hundred times."""
    rx = re.compile(pattern)

    def check(values: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(values)
        ok = np.array([isinstance(u, str) and rx.match(u) is not None for u in uniques] + [True], dtype=bool)
        return pd.Series(ok[codes], index=values.index)

    return check


_ICCS = _matches_on_distinct(ICCS_PATTERN)
_MONTH = _matches_on_distinct(MONTH_PATTERN)


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # column presence and order are checked before, with a clearer message
        coerce = False  # canonical dtypes are produced by the readers, not guessed here


class PersonsModel(_Base):
    """``persons``: one row per person."""

    person_id: Series[object] = pa.Field(nullable=False)
    sex: Series[object] = pa.Field(isin=list(SEXES), nullable=False)
    birth_year: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    jurisdiction: Series[object] = pa.Field(nullable=False)
    death_date: Optional[Series[pd.Timestamp]] = pa.Field(nullable=True)
    death_cause: Optional[Series[object]] = pa.Field(isin=list(DEATH_CAUSES), nullable=True)


class CasesModel(_Base):
    """``cases``: one row per offence dealt with."""

    case_id: Series[object] = pa.Field(nullable=False)
    person_id: Series[object] = pa.Field(nullable=False)
    offence_date: Series[pd.Timestamp] = pa.Field(nullable=False)
    iccs_code: Series[object] = pa.Field(nullable=False)
    substance: Optional[Series[object]] = pa.Field(isin=list(SUBSTANCES), nullable=True)
    stage: Series[object] = pa.Field(isin=list(STAGES), nullable=False)
    decision_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    outcome: Series[object] = pa.Field(isin=list(OUTCOMES), nullable=False)
    disposition: Series[object] = pa.Field(isin=list(DISPOSITIONS), nullable=True)
    measure_days: Optional[Series[pd.Int64Dtype]] = pa.Field(ge=0, nullable=True)

    @pa.check("iccs_code", name=f"str_matches('{ICCS_PATTERN}')")
    @classmethod
    def _iccs_format(cls, values: pd.Series) -> pd.Series:
        return _ICCS(values)


class CustodySpellsModel(_Base):
    """``custody_spells``: one row per continuous stay in custody."""

    spell_id: Series[object] = pa.Field(nullable=False)
    person_id: Series[object] = pa.Field(nullable=False)
    case_id: Series[object] = pa.Field(nullable=True)
    admission_date: Series[pd.Timestamp] = pa.Field(nullable=False)
    release_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    custody_type: Series[object] = pa.Field(isin=list(CUSTODY_TYPES), nullable=False)


class TreatmentEpisodesModel(_Base):
    """``treatment_episodes``: one row per episode of drug treatment."""

    episode_id: Series[object] = pa.Field(nullable=False)
    person_id: Series[object] = pa.Field(nullable=False)
    case_id: Optional[Series[object]] = pa.Field(nullable=True)
    referral_source: Series[object] = pa.Field(isin=list(REFERRAL_SOURCES), nullable=False)
    modality: Series[object] = pa.Field(isin=list(MODALITIES), nullable=False)
    start_date: Series[pd.Timestamp] = pa.Field(nullable=False)
    end_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    completed: Series[pd.BooleanDtype] = pa.Field(nullable=True)


class PrisonCapacityModel(_Base):
    """``prison_capacity`` (optional table): places and population per jurisdiction and month."""

    jurisdiction: Series[object] = pa.Field(nullable=False)
    month: Series[object] = pa.Field(nullable=False)
    capacity: Series[pd.Int64Dtype] = pa.Field(ge=0, nullable=False)
    population: Optional[Series[pd.Int64Dtype]] = pa.Field(ge=0, nullable=True)

    @pa.check("month", name=f"str_matches('{MONTH_PATTERN}')")
    @classmethod
    def _month_format(cls, values: pd.Series) -> pd.Series:
        return _MONTH(values)


#: The model of every contract table, by table name.
TABLE_MODELS: Final[dict[str, type[pa.DataFrameModel]]] = {
    TABLE_PERSONS: PersonsModel,
    TABLE_CASES: CasesModel,
    TABLE_CUSTODY_SPELLS: CustodySpellsModel,
    TABLE_TREATMENT_EPISODES: TreatmentEpisodesModel,
    TABLE_PRISON_CAPACITY: PrisonCapacityModel,
}


@functools.cache
def _plan(table: str) -> tuple[tuple[str, Any, bool, bool, tuple[Any, ...]], ...] | None:
    """What ``conforms`` checks for ``table``: per column of its model, the column name, its
    dtype, whether it is required and nullable, and its checks; ``None`` when the model uses a
    feature that ``conforms`` does not judge (then the model itself is always run)."""
    schema = TABLE_MODELS[table].to_schema()
    if (schema.checks or schema.unique or schema.index is not None or schema.strict or schema.ordered
            or schema.coerce or schema.add_missing_columns or schema.drop_invalid_rows
            or getattr(schema, "parsers", None) or schema.dtype is not None):
        return None
    plan = []
    for name, column in schema.columns.items():
        if (column.coerce or column.regex or column.unique or column.default is not None
                or getattr(column, "parsers", None) or column.drop_invalid_rows or column.dtype is None
                or any(check.groupby is not None or check.raise_warning for check in column.checks)):
            return None
        plan.append((name, column.dtype.type, column.required, column.nullable, tuple(column.checks)))
    return tuple(plan)


def conforms(frame: pd.DataFrame, table: str) -> bool:
    """Whether ``frame`` passes the pandera model of ``table`` (``TABLE_MODELS``), judged
    without pandera's validation machinery, whose fixed cost per column dominates on small tables.

    ``True`` only when the model's validation raises no error: every required column is present,
    each column has exactly the model's dtype, no value is missing where the model forbids it, and
    every check of the model (run as pandera runs it) passes. ``False`` means the frame may fail:
    validate it with the model, which says what fails and where. A model using a feature not
    judged here (coercion, uniqueness, dataframe checks ...) always gives ``False``.
    """
    plan = _plan(table)
    if plan is None or not frame.columns.is_unique:
        return False
    for name, dtype, required, nullable, checks in plan:
        if name not in frame.columns:
            if required:
                return False
            continue
        values = frame[name]
        if values.dtype != dtype:
            return False
        if not nullable and values.isna().any():
            return False
        for check in checks:
            try:
                passed = check(frame, column=name).check_passed
            except Exception:  # noqa: BLE001  (e.g. an unhashable cell: pandera reports it as a failure)
                return False
            if not passed:
                return False
    return True
