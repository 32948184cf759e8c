"""The optional aggregate tables of the data contract: ``panel`` and ``policy`` (reform evaluation).

They stand apart from the person-level tables: a ministry may hold only counts by jurisdiction and
month. ``panel`` has one row per jurisdiction and month with one or more outcome columns (any name:
``drug_possession_admissions``, ``prison_population``, ``overdose_deaths`` ...) and an optional
``population``; ``policy`` has one row per jurisdiction with the first month under the reform (empty
for jurisdictions that never adopted it). Read by :func:`altmeasures_eval.io.read_aggregate`.
"""

from __future__ import annotations

from typing import Final, Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from altmeasures_eval.schema._models import MONTH_PATTERN, _matches_on_distinct

TABLE_PANEL: Final = "panel"
TABLE_POLICY: Final = "policy"
#: Optional aggregate tables, read apart from the person-level data set.
AGGREGATE_TABLES: Final = (TABLE_PANEL, TABLE_POLICY)
#: Fixed columns of the aggregate tables (``True`` = required). Every other ``panel`` column is an
#: outcome: numbers (counts, rates) >= 0.
AGGREGATE_COLUMNS: Final[dict[str, dict[str, bool]]] = {
    TABLE_PANEL: {"jurisdiction": True, "month": True, "population": False},
    TABLE_POLICY: {"jurisdiction": True, "adoption_month": True},
}
#: Outcome names suggested for ``panel`` (any other name is accepted).
PANEL_OUTCOMES: Final = ("drug_possession_admissions", "prison_population", "drug_possession_cases", "overdose_deaths")

_MONTH = _matches_on_distinct(MONTH_PATTERN)


class _Base(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


class PanelModel(_Base):
    """``panel`` (optional table): outcomes per jurisdiction and month. Outcome columns are checked
    by the reader (numbers >= 0), since their names are free."""

    jurisdiction: Series[object] = pa.Field(nullable=False)
    month: Series[object] = pa.Field(nullable=False)
    population: Optional[Series[pd.Int64Dtype]] = pa.Field(ge=0, nullable=True)

    @pa.check("month", name=f"str_matches('{MONTH_PATTERN}')")
    @classmethod
    def _month_format(cls, values: pd.Series) -> pd.Series:
        return _MONTH(values)


class PolicyModel(_Base):
    """``policy`` (optional table): first month under the reform, by jurisdiction."""

    jurisdiction: Series[object] = pa.Field(nullable=False, unique=True)
    adoption_month: Series[object] = pa.Field(nullable=True)

    @pa.check("adoption_month", name=f"str_matches('{MONTH_PATTERN}')")
    @classmethod
    def _month_format(cls, values: pd.Series) -> pd.Series:
        return _MONTH(values) | values.isna()


#: pandera model of each aggregate table.
AGGREGATE_MODELS: Final[dict[str, type[pa.DataFrameModel]]] = {TABLE_PANEL: PanelModel, TABLE_POLICY: PolicyModel}
