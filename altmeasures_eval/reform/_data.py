"""The aggregate panel as the estimators see it: units x integer periods, one outcome, adoption times.

Every estimator of :mod:`altmeasures_eval.reform` works on integer periods (months since year 0 for
the ``panel`` table, calendar years for the published examples), so the same code runs on monthly
counts and on the yearly castle-doctrine and Texas data. Month strings are turned into periods
here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError

__all__ = ["Panel", "month_to_period", "period_label", "period_to_month", "prepare_panel"]


def month_to_period(months: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """``YYYY-MM`` strings -> integer periods (``12 * year + month - 1``)."""
    s = pd.Series(months, dtype=object).astype(str)
    year = s.str.slice(0, 4).astype(int).to_numpy()
    month = s.str.slice(5, 7).astype(int).to_numpy()
    return 12 * year + month - 1


def period_to_month(periods: np.ndarray | list[int] | int) -> list[str] | str:
    """Integer periods -> ``YYYY-MM`` strings (inverse of :func:`month_to_period`)."""
    if np.isscalar(periods):
        p = int(periods)  # type: ignore[arg-type]
        return f"{p // 12:04d}-{p % 12 + 1:02d}"
    return [f"{int(p) // 12:04d}-{int(p) % 12 + 1:02d}" for p in np.asarray(periods)]


def period_label(period: float) -> str:
    """A period as shown to people: ``YYYY-MM`` for month periods, the number itself for years."""
    p = int(period)
    return str(period_to_month(p)) if p > 5000 else str(p)


@dataclass(frozen=True)
class Panel:
    """A balanced panel of one outcome.

    Attributes
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n_units, n_periods)``.
    units : tuple of str
        Unit (jurisdiction) labels, the rows of ``y``.
    periods : numpy.ndarray
        Integer periods, the columns of ``y`` (consecutive).
    adoption : numpy.ndarray
        First treated period of each unit; ``numpy.inf`` for a unit that never adopted within the
        panel (adoption after the last period counts as never within the panel, which is stated
        in ``notes``).
    outcome : str
    notes : tuple of str
    """

    y: np.ndarray
    units: tuple[str, ...]
    periods: np.ndarray
    adoption: np.ndarray
    outcome: str
    notes: tuple[str, ...] = ()

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.units)

    @property
    def cohorts(self) -> np.ndarray:
        """Adoption periods of the units that adopted inside the panel, sorted."""
        a = self.adoption[np.isfinite(self.adoption)]
        return np.unique(a)


def prepare_panel(
    frame: pd.DataFrame,
    outcome: str,
    *,
    unit: str = "jurisdiction",
    time: str = "period",
    adoption: pd.Series | dict[str, float] | None = None,
    adoption_column: str | None = None,
    table: str = "panel",
) -> Panel:
    """Turn a long table (one row per unit and period) into a balanced :class:`Panel`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table with ``unit``, ``time`` (integer periods) and ``outcome``.
    outcome : str
        The outcome column.
    unit, time : str
        Column names.
    adoption : mapping or Series, optional
        First treated period by unit (NaN or missing = never adopted).
    adoption_column : str, optional
        Alternatively, a column of ``frame`` that holds the unit's first treated period.
    table : str
        Name used in error messages.

    Returns
    -------
    Panel

    Raises
    ------
    DataContractError
        When a column is missing, a unit-period appears twice, the panel is not balanced, periods
        are not consecutive, or the outcome has missing or non-finite values (the message names
        the units and periods and the fix).
    """
    for col in (unit, time, outcome):
        if col not in frame.columns:
            raise DataContractError(f"{table}: column {col!r} not found (columns: {', '.join(map(str, frame.columns))})")
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        first = frame.loc[dup, [unit, time]].head(3).to_dict("records")
        raise DataContractError(f"{table}: {int(dup.sum())} rows repeat a {unit} and period, e.g. {first}; "
                                "keep one row per jurisdiction and month")
    values = pd.to_numeric(frame[outcome], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        rows = frame.loc[bad, [unit, time]].head(3).to_dict("records")
        raise DataContractError(f"{table}: outcome {outcome!r} is missing or not a number in {int(bad.sum())} rows, "
                                f"e.g. {rows}; fill them or drop the outcome")
    wide = frame.assign(**{outcome: values}).pivot(index=unit, columns=time, values=outcome).sort_index()
    periods = np.asarray(wide.columns, dtype=np.int64)
    if len(periods) > 1 and not np.all(np.diff(periods) == 1):
        raise DataContractError(f"{table}: periods are not consecutive (gaps after {periods[:-1][np.diff(periods) != 1][:3].tolist()}); "
                                "every month between the first and the last must be present")
    if wide.isna().any().any():
        holes = wide.isna().stack()
        holes = holes[holes].index[:3].tolist()
        raise DataContractError(f"{table}: the panel is not balanced: {int(wide.isna().to_numpy().sum())} "
                                f"jurisdiction-months are missing for {outcome!r}, e.g. {holes}; every jurisdiction needs every month")
    units = tuple(str(u) for u in wide.index)
    if adoption_column is not None:
        per_unit = frame.groupby(unit)[adoption_column].agg(lambda s: s.iloc[0])
        adopt = per_unit.reindex(wide.index)
    elif adoption is not None:
        adopt = pd.Series(adoption, dtype=float).reindex(pd.Index(wide.index).astype(str)) if not isinstance(
            adoption, pd.Series) else adoption.reindex(wide.index)
    else:
        adopt = pd.Series(np.nan, index=wide.index)
    a = pd.to_numeric(pd.Series(np.asarray(adopt)), errors="coerce").to_numpy(dtype=float)
    notes = []
    late = np.isfinite(a) & (a > periods[-1])
    if late.any():
        notes.append(f"{int(late.sum())} jurisdiction(s) adopted after the last period and count as not adopted here")
    a = np.where(np.isnan(a) | late, np.inf, a)
    return Panel(y=wide.to_numpy(dtype=float), units=units, periods=periods, adoption=a, outcome=outcome,
                 notes=tuple(notes))
