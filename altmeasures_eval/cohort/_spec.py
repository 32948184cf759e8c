"""The cohort specification: which decisions enter the evaluation and how outcomes are measured."""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    DISPOSITION_CUSTODY,
    DISPOSITIONS,
    ICCS_DRUG_PERSONAL_USE,
    ICCS_DRUG_TRAFFICKING,
    ICCS_VIOLENT_SEXUAL_SECTIONS,
    STAGES,
)

__all__ = ["CohortSpec"]

_INDEX_EVENTS = ("first", "every")
_STARTS = ("release", "decision")


def _as_codes(name: str, value: Any, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ConfigError(f"cohort option {name!r} must be a list of strings, got {value!r}")
    out = tuple(value)
    if not out:
        raise ConfigError(f"cohort option {name!r} must not be empty")
    for item in out:
        if not isinstance(item, str):
            raise ConfigError(f"cohort option {name!r}: {item!r} is not a string")
        if allowed is not None and item not in allowed:
            raise ConfigError(
                f"cohort option {name!r}: {item!r} is not in the vocabulary; use one of {', '.join(allowed)}"
            )
    if len(set(out)) != len(out):
        raise ConfigError(f"cohort option {name!r} lists a value twice: {list(out)}")
    return out


def _as_prefixes(name: str, value: Any, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ConfigError(f"cohort option {name!r} must be a list of ICCS code prefixes, got {value!r}")
    out = tuple(value)
    if not out and not allow_empty:
        raise ConfigError(f"cohort option {name!r} must list at least one ICCS code prefix")
    for item in out:
        if not isinstance(item, str) or not item.isdigit() or len(item) not in (2, 4, 5, 6):
            raise ConfigError(
                f"cohort option {name!r}: {item!r} is not an ICCS code prefix (2, 4, 5 or 6 digits, e.g. \"06011\"); "
                "write codes as quoted strings so that leading zeros are kept"
            )
    return out


def _as_date(name: str, value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime | _dt.date | pd.Timestamp | str):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"cohort option {name!r}: {value!r} is not a date (YYYY-MM-DD)") from exc
        if ts.tz is not None or ts != ts.normalize():
            raise ConfigError(f"cohort option {name!r}: {value!r} must be a calendar date without time")
        return ts
    raise ConfigError(f"cohort option {name!r}: {value!r} is not a date (YYYY-MM-DD)")


def _as_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"cohort option {name!r} must be a whole number of days/years, got {value!r}")
    if value < minimum:
        raise ConfigError(f"cohort option {name!r} must be >= {minimum}, got {value}")
    return int(value)


@dataclass(frozen=True)
class CohortSpec:
    """Which decisions form the evaluation cohort and how its outcomes are measured.

    Every option has the default of the UK Ministry of Justice proven reoffending measure where
    one exists (one-year follow-up from release or decision, six-month waiting period), and of
    CND resolution 58/5 otherwise (minor drug offences: personal possession/use).

    Parameters
    ----------
    eligible_prefixes : tuple of str
        ICCS code prefixes of eligible index offences. Default ``("06011",)``: possession,
        purchase, use, cultivation or production for personal consumption.
    excluded_prefixes : tuple of str
        ICCS prefixes that exclude a decision when a proven offence with such a code was decided in
        the same case or on the same decision date for the same person. Default: sections 01-04
        (violent and sexual offences, robbery) and ``06012`` (trafficking). May be empty.
    stages : tuple of str or "all"
        Stages of the justice process included (default ``"all"``, i.e. every one of ``STAGES``).
    period_start, period_end : pandas.Timestamp or None
        Decision-date period of index events, both ends inclusive; ``None`` = unbounded.
    min_age : int
        Minimum age at the index decision, computed as decision year minus birth year (the contract
        carries the birth year only). Default 18.
    alternatives : tuple of str
        Dispositions of the treated group (``treatment = 1``). Default: every alternative measure
        (``ALTERNATIVE_DISPOSITIONS``, i.e. all non-custodial measures except ``dismissed``).
    comparators : tuple of str
        Dispositions of the comparison group (``treatment = 0``). Default ``("custody",)``. One
        alternative type against custody: ``alternatives=("treatment_order",)``; type against
        type: ``alternatives=("treatment_order",), comparators=("fine",)``.
    index_event : {"first", "every"}
        ``first`` (default): each person's first eligible proven decision; ``every``: each eligible
        decision date of a person is an index event (cluster on ``person_id`` downstream).
    start : {"release", "decision"}
        Start of time at risk. ``release`` (default, as in reoffending statistics): release from
        the index custody spell for custody, the decision date otherwise; persons still in custody
        at the extract date are counted and excluded. ``decision``: the decision date for all
        (the estimated effect then includes incapacitation during custody).
    horizons : tuple of int
        Follow-up windows in days (default 365, 730, 1095), strictly increasing.
    waiting_period : int
        Days after the end of a window by which a reoffence must be proven (default 182).
    """

    eligible_prefixes: tuple[str, ...] = (ICCS_DRUG_PERSONAL_USE,)
    excluded_prefixes: tuple[str, ...] = (*ICCS_VIOLENT_SEXUAL_SECTIONS, ICCS_DRUG_TRAFFICKING)
    stages: tuple[str, ...] = STAGES
    period_start: pd.Timestamp | None = None
    period_end: pd.Timestamp | None = None
    min_age: int = 18
    alternatives: tuple[str, ...] = ALTERNATIVE_DISPOSITIONS
    comparators: tuple[str, ...] = (DISPOSITION_CUSTODY,)
    index_event: Literal["first", "every"] = "first"
    start: Literal["release", "decision"] = "release"
    horizons: tuple[int, ...] = (365, 730, 1095)
    waiting_period: int = 182

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place once
        set_(self, "eligible_prefixes", _as_prefixes("eligible_prefixes", self.eligible_prefixes, False))
        set_(self, "excluded_prefixes", _as_prefixes("excluded_prefixes", self.excluded_prefixes, True))
        set_(self, "stages", STAGES if self.stages == "all" else _as_codes("stages", self.stages, STAGES))
        set_(self, "alternatives", _as_codes("alternatives", self.alternatives, DISPOSITIONS))
        set_(self, "comparators", _as_codes("comparators", self.comparators, DISPOSITIONS))
        both = set(self.alternatives) & set(self.comparators)
        if both:
            raise ConfigError(
                f"cohort options 'alternatives' and 'comparators' share {sorted(both)}; "
                "a disposition belongs to one group only"
            )
        set_(self, "period_start", _as_date("period_start", self.period_start))
        set_(self, "period_end", _as_date("period_end", self.period_end))
        if self.period_start is not None and self.period_end is not None and self.period_end < self.period_start:
            raise ConfigError(
                f"cohort option 'period_end' ({self.period_end.date()}) is before 'period_start' "
                f"({self.period_start.date()})"
            )
        set_(self, "min_age", _as_int("min_age", self.min_age, 0))
        if self.index_event not in _INDEX_EVENTS:
            raise ConfigError(f"cohort option 'index_event' must be 'first' or 'every', got {self.index_event!r}")
        if self.start not in _STARTS:
            raise ConfigError(f"cohort option 'start' must be 'release' or 'decision', got {self.start!r}")
        if isinstance(self.horizons, int | str) or not hasattr(self.horizons, "__iter__"):
            raise ConfigError(f"cohort option 'horizons' must be a list of days, got {self.horizons!r}")
        horizons = tuple(_as_int("horizons", h, 1) for h in self.horizons)
        if not horizons or any(b <= a for a, b in zip(horizons, horizons[1:])):
            raise ConfigError(f"cohort option 'horizons' must be non-empty and strictly increasing, got {list(horizons)}")
        set_(self, "horizons", horizons)
        set_(self, "waiting_period", _as_int("waiting_period", self.waiting_period, 0))

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> CohortSpec:
        """Build a spec from the ``[cohort]`` section of an evaluation config.

        Keys are the parameter names of the class; absent keys take the defaults. Dates are TOML
        dates or ``"YYYY-MM-DD"`` strings; ICCS prefixes must be quoted strings.

        Raises
        ------
        ConfigError
            On an unknown key (with the list of valid keys) or an invalid value (naming the key).
        """
        from altmeasures_eval._checker import check_finite, check_keys

        section = check_keys("cohort", section, cls, noun="option")
        check_finite("[cohort]", section)
        return cls(**section)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain TOML/JSON-ready values (dates as ``YYYY-MM-DD``, tuples as lists)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out
