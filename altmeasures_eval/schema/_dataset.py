"""The canonical in-memory data set: validated contract tables plus the extract metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from altmeasures_eval.schema._vocab import (
    REQUIRED_TABLES,
    TABLE_PRISON_CAPACITY,
)


@dataclass(frozen=True)
class ExtractInfo:
    """Metadata of one extract (``extract.toml``).

    Attributes
    ----------
    country : str
        ISO 3166-1 alpha-3 code of the country.
    extract_date : pandas.Timestamp
        Date up to which the data are complete. No event may lie after it.
    source : str or None
        Free text naming the source system.
    """

    country: str
    extract_date: pd.Timestamp
    source: str | None = None


@dataclass(frozen=True)
class Dataset:
    """The contract tables of one extract, in canonical form.

    Canonical form (what readers return and every analysis layer may assume):

    * every required table present, columns in contract order, optional columns added empty;
    * identifiers (``person_id``, ``case_id``, ``spell_id``, ``episode_id``) and codes as Python
      ``str`` (``object`` dtype), empty = ``None``/NaN;
    * dates as ``datetime64[ns]``, empty = ``NaT``;
    * ``birth_year``, ``measure_days``, ``capacity``, ``population`` as nullable ``Int64``;
    * ``completed`` as nullable ``boolean``; ``month`` as ``str`` ``YYYY-MM``;
    * a fresh ``RangeIndex``.

    Attributes
    ----------
    persons, cases, custody_spells, treatment_episodes : pandas.DataFrame
    extract : ExtractInfo
    prison_capacity : pandas.DataFrame or None
        Optional table; ``None`` when the extract has none.
    rejects : pandas.DataFrame
        Rows set aside in quarantine mode, with ``table``, ``source_row``, ``column``, ``value`` and
        ``reason`` (never silently dropped). Empty in strict mode.
    """

    persons: pd.DataFrame
    cases: pd.DataFrame
    custody_spells: pd.DataFrame
    treatment_episodes: pd.DataFrame
    extract: ExtractInfo
    prison_capacity: pd.DataFrame | None = None
    rejects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["table", "source_row", "column", "value", "reason"]
        )
    )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The present tables by contract name (optional ones only when present)."""
        out = {name: getattr(self, name) for name in REQUIRED_TABLES}
        if self.prison_capacity is not None:
            out[TABLE_PRISON_CAPACITY] = self.prison_capacity
        return out
