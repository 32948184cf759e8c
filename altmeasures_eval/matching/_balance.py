"""One balance function for every design: matching results, weighting results or raw weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching._design import covariate_frame, treatment_array
from altmeasures_eval.matching._nearest import MatchResult
from altmeasures_eval.matching._propensity import PropensityScore
from altmeasures_eval.matching._weighting import WeightResult, effective_sample_size

__all__ = ["BalanceResult", "balance_table", "resolve_weights"]

WeightsLike = MatchResult | WeightResult | pd.Series | np.ndarray | str | None


def resolve_weights(
    data: pd.DataFrame, weights: WeightsLike
) -> tuple[np.ndarray, str | None, str]:
    """Turn any weights source into (weights array aligned to ``data``, estimand or None, label)."""
    n = len(data)
    if weights is None:
        return np.ones(n), None, "unweighted"
    if isinstance(weights, MatchResult | WeightResult):
        w = weights.weights.reindex(data.index)
        if w.isna().any():
            raise DataContractError("weights: the design result does not cover every row of data; pass "
                                    "the same DataFrame the design was fitted on")
        label = "matching" if isinstance(weights, MatchResult) else weights.method
        return w.to_numpy(dtype=float), weights.estimand, label
    if isinstance(weights, str):
        if weights not in data.columns:
            raise DataContractError(f"weights column {weights!r} not found in data")
        w = data[weights].to_numpy(dtype=float)
        label = weights
    else:
        w = np.asarray(weights, dtype=float)
        label = "weights"
    if len(w) != n:
        raise DataContractError(f"weights has {len(w)} values for {n} rows of data")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = data.index[int(np.flatnonzero(bad)[0])]
        raise DataContractError(f"weights: row {row!r} has weight {w[bad][0]!r}; weights must be finite and >= 0")
    return w, None, label


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w[:, None] * x).sum(axis=0) / w.sum()


def _wvar(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Unbiased weighted variance (cobalt's col_w_sd): sum w (x-m)^2 * sum w / ((sum w)^2 - sum w^2)."""
    sw, sw2 = w.sum(), (w * w).sum()
    m = _wmean(x, w)
    denom = sw * sw - sw2
    if denom <= 0:
        return np.full(x.shape[1], np.nan)
    return (w[:, None] * (x - m) ** 2).sum(axis=0) * sw / denom


def _wks(x: np.ndarray, t: np.ndarray, weight_sets: list[np.ndarray], is_bin: np.ndarray) -> list[np.ndarray]:
    """Kolmogorov-Smirnov statistic between the weighted ECDFs of the two groups, per column and per
    weight set. Each column is sorted once for all weight sets; binary columns need no sort
    (KS = |p1 - p0|)."""
    out = [np.empty(x.shape[1]) for _ in weight_sets]
    parts = []
    for w in weight_sets:
        w1, w0 = np.where(t == 1, w, 0.0), np.where(t == 0, w, 0.0)
        parts.append((w1 / w1.sum(), w0 / w0.sum()))
    for j in range(x.shape[1]):
        col = x[:, j]
        if is_bin[j]:
            for k, (a1, a0) in enumerate(parts):
                out[k][j] = abs(a1 @ col - a0 @ col)
            continue
        order = np.argsort(col)
        xs = col[order]
        last = np.r_[xs[1:] != xs[:-1], True]  # evaluate the ECDFs after each distinct value
        for k, (a1, a0) in enumerate(parts):
            c = np.cumsum(a1[order] - a0[order])
            out[k][j] = np.abs(c[last]).max()
    return out


@dataclass(frozen=True)
class BalanceResult:
    """Covariate balance before and after adjustment.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per covariate (categorical covariates: one row per level). Columns: ``type``
        (binary/continuous), ``mean_treated_before``, ``mean_control_before``, ``smd_before``,
        ``var_ratio_before``, ``ks_before`` and the same ``*_after``, and ``balanced``
        (``|smd_after| < threshold``).
    ess : pandas.DataFrame
        Effective sample size (Kish) by group before and after.
    estimand : str
        Determines the SD denominator of the SMD.
    sd_denominator : str
        How the SMD was standardised, in words.
    threshold : float
        ``|SMD|`` threshold for the ``balanced`` flag.
    notes : tuple of str
    """

    table: pd.DataFrame
    ess: pd.DataFrame
    estimand: str
    sd_denominator: str
    threshold: float
    design: str
    notes: tuple[str, ...] = ()

    @property
    def max_abs_smd(self) -> float:
        """Largest ``|SMD|`` after adjustment."""
        return float(self.table["smd_after"].abs().max())

    @property
    def all_balanced(self) -> bool:
        return bool(self.table["balanced"].all())

    @property
    def summary(self) -> pd.DataFrame:
        return self.table

    def to_text(self) -> str:
        cols = ["type", "smd_before", "smd_after", "var_ratio_after", "ks_after", "balanced"]
        lines = [f"Balance ({self.design}, {self.estimand}; SMD denominator: {self.sd_denominator})",
                 self.table[cols].to_string(float_format=lambda x: f"{x:.3f}"),
                 "effective sample size:", self.ess.to_string(float_format=lambda x: f"{x:.1f}")]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{n}</li>" for n in (f"SMD denominator: {self.sd_denominator}", *self.notes))
        return (f"<p><b>Balance</b> ({self.design}, {self.estimand})</p>"
                + self.table.to_html(float_format=lambda x: f"{x:.3f}")
                + self.ess.to_html(float_format=lambda x: f"{x:.1f}") + f"<ul>{notes}</ul>")


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights: WeightsLike = None,
    *,
    estimand: Literal["ATT", "ATC", "ATE", "ATO"] | None = None,
    distance: PropensityScore | None = None,
    threshold: float = 0.1,
    binary: Literal["std", "raw"] = "std",
    ks: bool = True,
) -> BalanceResult:
    """Standardised mean differences, variance ratios and KS statistics before and after adjustment.

    "Before" is always the unweighted full sample (every row of ``data``); "after" uses ``weights``
    (a :class:`MatchResult`, a :class:`WeightResult`, a weights column name or an array). The same
    code computes both, so before and after differ only by the weights.

    SMD = (weighted mean treated - weighted mean control) / s, where s is fixed from the unadjusted
    sample, as cobalt does, so before and after share one denominator: ATT uses the SD of the
    treated group, ATC the SD of the control group, ATE and ATO sqrt((s1^2 + s0^2) / 2). For binary
    covariates s = sqrt(p(1-p)) (``binary="std"``, MatchIt's choice) or, with ``binary="raw"``, the
    raw difference in proportions is reported (cobalt's default). Variance ratios (treated/control,
    unbiased weighted variances) are given for continuous covariates only; KS statistics compare
    weighted ECDFs.

    Parameters
    ----------
    estimand : str, optional
        Defaults to the design's estimand, else "ATE".
    distance : PropensityScore, optional
        Adds a ``distance`` row for the propensity score itself.
    """
    t = treatment_array(data, treatment, "balance data")
    w, design_estimand, label = resolve_weights(data, weights)
    est = estimand or design_estimand or "ATE"
    if est not in ("ATT", "ATC", "ATE", "ATO"):
        raise ConfigError(f"estimand must be ATT, ATC, ATE or ATO, got {est!r}")
    if binary not in ("std", "raw"):
        raise ConfigError(f"binary must be 'std' or 'raw', got {binary!r}")
    frame = covariate_frame(data, covariates, "balance data", drop_first=False)
    if distance is not None:
        frame.insert(0, "distance", distance.score.reindex(data.index).to_numpy())
    X = frame.to_numpy(dtype=float)
    is_bin = np.array([np.isin(X[:, j], (0.0, 1.0)).all() for j in range(X.shape[1])])
    if (w[t == 1].sum() == 0) or (w[t == 0].sum() == 0):
        raise DataContractError("balance: one group has zero total weight after adjustment")

    one = np.ones(len(t))
    g1, g0 = t == 1, t == 0
    X1, X0 = X[g1], X[g0]  # each group's rows once, for the four weighted means and variances
    m1b, m0b = _wmean(X1, one[g1]), _wmean(X0, one[g0])
    v1b, v0b = _wvar(X1, one[g1]), _wvar(X0, one[g0])
    # binary: p(1-p), as cobalt and MatchIt; continuous: unbiased sample variance
    v1b = np.where(is_bin, m1b * (1 - m1b), v1b)
    v0b = np.where(is_bin, m0b * (1 - m0b), v0b)
    if est == "ATT":
        sd = np.sqrt(v1b)
        how = "SD of the treated group in the unadjusted sample"
    elif est == "ATC":
        sd = np.sqrt(v0b)
        how = "SD of the control group in the unadjusted sample"
    else:
        sd = np.sqrt((v1b + v0b) / 2.0)
        how = "pooled SD sqrt((s1^2 + s0^2)/2) of the unadjusted sample"
    notes: list[str] = []
    if binary == "raw":
        how += "; binary covariates: raw difference in proportions"
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.where(is_bin & (binary == "raw"), 1.0, sd)
        constant = denom == 0
        denom = np.where(constant, np.nan, denom)

        def stats(wt: np.ndarray) -> dict[str, np.ndarray]:
            m1, m0 = _wmean(X1, wt[g1]), _wmean(X0, wt[g0])
            vr = _wvar(X1, wt[g1]) / _wvar(X0, wt[g0])
            smd = (m1 - m0) / denom
            smd = np.where(constant & (m1 == m0), 0.0, smd)
            return {"mean_treated": m1, "mean_control": m0, "smd": smd, "var_ratio": np.where(is_bin, np.nan, vr)}

        before, after = stats(one), stats(w)
        if ks:
            before["ks"], after["ks"] = _wks(X, t, [one, w], is_bin)
    if constant.any():
        notes.append(f"{int(constant.sum())} covariate(s) constant in the unadjusted sample; SMD set to 0 where means agree")
    table = pd.DataFrame(index=frame.columns)
    table.index.name = "covariate"
    table["type"] = np.where(is_bin, "binary", "continuous")
    for key in before:
        table[f"{key}_before"] = before[key]
    for key in after:
        table[f"{key}_after"] = after[key]
    table["balanced"] = table["smd_after"].abs() < threshold
    ess = pd.DataFrame(
        {
            "treated": [float((t == 1).sum()), effective_sample_size(w[t == 1])],
            "control": [float((t == 0).sum()), effective_sample_size(w[t == 0])],
        },
        index=["before", "after"],
    )
    n_bad = int((~table["balanced"]).sum())
    if n_bad:
        notes.append(f"{n_bad} covariate(s) with |SMD| >= {threshold} after adjustment")
    return BalanceResult(table=table, ess=ess, estimand=est, sd_denominator=how, threshold=threshold,
                         design=label, notes=tuple(notes))
