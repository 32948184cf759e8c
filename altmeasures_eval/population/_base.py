"""Shared presentation of the population and cost results: a tidy ``summary`` and notebook HTML."""

from __future__ import annotations

import html

import pandas as pd


class ResultMixin:
    """``_repr_html_`` and ``__str__`` for a frozen result dataclass with ``summary`` and ``notes``.

    The subclass defines ``summary`` (a DataFrame) and ``notes`` (a tuple of caveats); presentation
    is derived from them so that the numbers shown and the numbers returned cannot disagree.
    """

    _title: str = "Result"

    @property
    def summary(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    notes: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        table = self.summary.to_html(float_format=lambda v: f"{v:,.4g}", na_rep="")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        notes_html = f"<ul>{notes}</ul>" if notes else ""
        return f"<h4>{html.escape(self._title)}</h4>{table}{notes_html}"

    def __str__(self) -> str:
        lines = [self._title, self.summary.to_string()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
