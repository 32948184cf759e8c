"""Bootstrap that re-estimates the design: resample persons or matched sets, recompute the weights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError, ConfigError
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._results import SurvivalResult, z_quantile
from altmeasures_eval.survival._validate import plain


@dataclass(frozen=True, repr=False)
class BootstrapResult(SurvivalResult):
    """The statistic's ``summary`` with bootstrap ``se``, percentile ``ci_low``/``ci_high`` and a
    normal-approximation ``p_value``; ``replicates`` holds every replicate's estimates (rows of the
    summary as columns) and ``original`` the result on the full data (with its own notes).
    """

    replicates: pd.DataFrame
    original: SurvivalResult
    n_boot: int
    n_failed: int

    _title = "Bootstrap"


def _resample_rows(groups: np.ndarray | None, n: int, rng: np.random.Generator) -> np.ndarray:
    """Row positions of one bootstrap sample: rows, or whole clusters, drawn with replacement."""
    if groups is None:
        return rng.integers(0, n, n)
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    drawn = rng.integers(0, sizes.size, sizes.size)
    take = sizes[drawn]
    offset = np.arange(take.sum()) - np.repeat(np.cumsum(take) - take, take)
    return order[np.repeat(starts[drawn], take) + offset]


def bootstrap(
    data: pd.DataFrame,
    statistic: Callable[[pd.DataFrame], SurvivalResult],
    *,
    reweight: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    cluster: str | None = None,
    n_boot: int = 200,
    alpha: float = 0.05,
    random_state: int = 0,
    table: str = "data",
) -> BootstrapResult:
    """Nonparametric bootstrap of any survival result, optionally re-estimating the weights.

    Each replicate draws rows (or whole clusters: matched sets, or persons with several index
    events) with replacement, applies ``reweight`` (e.g. refit the propensity model and recompute
    IPW weights; for matching, redo the matching), then ``statistic``. The spread of the replicate
    estimates then includes the uncertainty of the estimated weights, which the robust variance
    treats as known (Austin 2016). Percentile intervals; ``se`` is the replicate standard deviation.

    Parameters
    ----------
    data : DataFrame
    statistic : callable
        ``data -> result`` with a ``summary`` (e.g. ``lambda d: risk_difference(d, ..., weights="w")``).
        Its ``summary`` must have the same rows on every replicate.
    reweight : callable, optional
        ``data -> data`` recomputing the weight column on the resampled data.
    cluster : str, optional
        Resample whole clusters of this column instead of rows.
    n_boot : int
        Number of replicates.
    alpha : float
        1 - confidence level of the percentile intervals.
    random_state : int
        Seed.
    table : str
        Table name for error messages.

    Returns
    -------
    BootstrapResult

    References
    ----------
    Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall. Austin PC (2016).
    Variance estimation when using inverse probability of treatment weighting (IPTW) with survival
    analysis. Stat Med 35:5642-5655.
    """
    alpha = v.check_alpha(alpha)
    if n_boot < 2:
        raise ConfigError(f"n_boot must be at least 2 (200 or more for intervals), got {n_boot!r}.")
    v.require_columns(data, [cluster], table)
    groups = None if cluster is None else v.code_array(data, cluster, table)[0]
    original = statistic(reweight(data) if reweight is not None else data)
    base = original.summary
    rng = np.random.default_rng(random_state)
    reps = np.full((n_boot, len(base)), np.nan)
    failed = 0
    for b in range(n_boot):  # loop over replicates, each fully vectorised
        sample = data.iloc[_resample_rows(groups, len(data), rng)].reset_index(drop=True)
        try:
            if reweight is not None:
                sample = reweight(sample)
            est = statistic(sample).summary["estimate"].to_numpy(dtype=float)
        except (AltMeasuresError, ArithmeticError, np.linalg.LinAlgError):
            # a replicate without events or without one arm, or a fit that fails: count it, do not guess
            failed += 1
            continue
        if est.size != len(base):
            raise ConfigError("statistic returned a different number of summary rows on a bootstrap replicate; "
                              "fix the horizons and groups so that every replicate reports the same rows.")
        reps[b] = est
    ok = ~np.isnan(reps).all(axis=1)
    se = np.nanstd(reps[ok], axis=0, ddof=1)
    lo, hi = np.nanquantile(reps[ok], [alpha / 2, 1 - alpha / 2], axis=0)
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(base["estimate"].to_numpy() / se))
    summary = base.copy()
    summary["se"], summary["ci_low"], summary["ci_high"], summary["p_value"] = se, lo, hi, p
    label = (f"bootstrap, {n_boot} replicates ({failed} failed), "
             + (f"clusters of {cluster!r} resampled" if cluster else "rows resampled")
             + ("; weights re-estimated in every replicate" if reweight is not None else "; weights held fixed"))
    notes = [f"percentile {100 * (1 - alpha):g}% intervals; p-values from estimate / bootstrap SE "
             f"(normal, z = {z_quantile(alpha):.2f} for reference)."]
    if failed:
        notes.append(f"{failed} replicate(s) could not be computed (e.g. no events in one arm) and were dropped.")
    labels = [f"{i}:{plain(x)}" for i, x in enumerate(base.iloc[:, 0])]
    return BootstrapResult(summary=summary, variance=label, notes=tuple(notes),
                           replicates=pd.DataFrame(reps, columns=labels), original=original, n_boot=n_boot,
                           n_failed=failed)
