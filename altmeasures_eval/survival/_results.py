"""Common behaviour of the survival result objects: tidy summary, notes and notebook display."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval import _normal

#: Columns every tidy ``summary`` carries (further columns may follow).
SUMMARY_COLUMNS: tuple[str, ...] = ("estimate", "se", "ci_low", "ci_high", "p_value", "n")


@dataclass(frozen=True)
class SurvivalResult:
    """Base of the immutable result objects.

    Subclasses are frozen dataclasses with a ``summary`` DataFrame whose columns start with
    :data:`SUMMARY_COLUMNS`, a ``variance`` string saying which variance estimator was used and a
    ``notes`` tuple of caveats.
    """

    summary: pd.DataFrame
    variance: str
    notes: tuple[str, ...]

    _title = "Survival result"

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in (f"Variance: {self.variance}", *self.notes))
        table = self.summary.to_html(float_format=lambda x: f"{x:.4g}", na_rep="", index=False)
        return f"<div><strong>{html.escape(self._title)}</strong>{table}<ul>{notes}</ul></div>"

    def __repr__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            body = self.summary.to_string(index=False, float_format=lambda x: f"{x:.4g}")
        notes = "\n".join(f"  - {n}" for n in (f"variance: {self.variance}", *self.notes))
        return f"{self._title}\n{body}\n{notes}"


def z_quantile(alpha: float) -> float:
    """Two-sided normal quantile for a (1 - alpha) interval."""
    return float(_normal.z_quantile(alpha))


def wald(estimate: np.ndarray, se: np.ndarray, alpha: float, null: float = 0.0) -> tuple[np.ndarray, ...]:
    """Wald interval and two-sided p-value on the scale of ``estimate``."""
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    z = z_quantile(alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = _normal.two_sided_p((estimate - null) / se)
    return estimate - z * se, estimate + z * se, p
