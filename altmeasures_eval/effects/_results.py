"""Effect result objects and the shared summary-row arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval._normal import two_sided_p, z_quantile

__all__ = ["EffectResult"]

SUMMARY_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p_value", "n", "scale"]


def summary_frame(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    """The ``summary`` of an effect: one row per measure (index ``measure``), the columns ``SUMMARY_COLUMNS``.

    The frame ``pd.DataFrame.from_dict(rows, orient="index")[SUMMARY_COLUMNS]`` builds (the same
    values, dtypes and order; a key a row lacks is NaN), from column lists: this runs for every
    effect, in every imputation and subgroup, and ``from_dict`` costs twice as much.
    """
    if not rows:  # from_dict's own behaviour (no columns to select)
        return pd.DataFrame.from_dict(rows, orient="index")[SUMMARY_COLUMNS]
    summary = pd.DataFrame({c: [r.get(c, np.nan) for r in rows.values()] for c in SUMMARY_COLUMNS},
                           index=list(rows))
    summary.index.name = "measure"
    return summary


def wald_row(estimate: float, se: float, n: int, alpha: float, log_scale: bool) -> dict[str, float | str | int]:
    """Normal-theory CI and two-sided p-value; ratios are handled on the log scale (``se`` is then the
    SE of the log ratio and ``estimate``/CI are on the ratio scale)."""
    z = z_quantile(alpha)
    if log_scale:
        if not (estimate > 0 and np.isfinite(estimate)):
            return dict(estimate=estimate, se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, n=n, scale="log")
        lg = np.log(estimate)
        p = two_sided_p(lg / se) if se > 0 else np.nan
        return dict(estimate=estimate, se=se, ci_low=float(np.exp(lg - z * se)), ci_high=float(np.exp(lg + z * se)),
                    p_value=p, n=n, scale="log")
    p = two_sided_p(estimate / se) if se > 0 else np.nan
    return dict(estimate=estimate, se=se, ci_low=estimate - z * se, ci_high=estimate + z * se, p_value=p, n=n,
                scale="identity")


@dataclass(frozen=True)
class EffectResult:
    """An adjusted effect estimate with its variance, stated caveats and group means.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per measure (``risk_difference`` and ``risk_ratio`` for binary outcomes,
        ``mean_difference`` and ``rate_ratio`` for counts and continuous outcomes) with
        ``estimate, se, ci_low, ci_high, p_value, n, scale``; for ratios ``se`` is the SE of the log
        ratio (``scale = "log"``) and the CI is exp(log estimate +- z se).
    means : pandas.DataFrame
        Weighted mean outcome, number of units and sum of weights by group (treated = alternative, control = custody).
    outcome : str
    estimand : str
        ATT, ATC, ATE or ATO: the population the weights represent.
    design : str
        Where the weights came from (matching, ipw, overlap, entropy, aipw, unweighted, ...).
    variance : str
        Which variance was used, in words (always stated).
    alpha : float
    notes : tuple of str
        Caveats (dropped rows, approximations, small clusters).
    influence : numpy.ndarray or None
        Per-unit influence values of the first measure (used for BCa acceleration and pooling).
    not_estimable : dict
        Measures that could not be estimated (their summary row is NaN) and the reason, e.g. a risk
        ratio when one group has no reoffence. A difference that cannot be estimated raises
        :class:`~altmeasures_eval.NotEstimable` instead.
    """

    summary: pd.DataFrame
    means: pd.DataFrame
    outcome: str
    estimand: str
    design: str
    variance: str
    alpha: float = 0.05
    notes: tuple[str, ...] = ()
    influence: np.ndarray | None = field(default=None, repr=False)
    not_estimable: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, measure: str) -> pd.Series:
        return self.summary.loc[measure]

    @property
    def estimate(self) -> float:
        """Point estimate of the first (difference) measure."""
        return float(self.summary["estimate"].iloc[0])

    def to_text(self) -> str:
        lines = [f"Effect on {self.outcome} ({self.estimand}, design: {self.design})",
                 self.summary.to_string(float_format=lambda x: f"{x:.4g}"),
                 f"variance: {self.variance}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{n}</li>" for n in (f"variance: {self.variance}", *self.notes))
        return (f"<p><b>Effect on {self.outcome}</b> ({self.estimand}, design: {self.design})</p>"
                + self.summary.to_html(float_format=lambda x: f"{x:.4g}") + f"<ul>{notes}</ul>")
