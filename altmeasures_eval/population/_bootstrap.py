"""Joint bootstrap draws of weighted group means, for the uncertainty bands and the Monte Carlo.

The effects layer reports each outcome's difference with its own interval; the projection and
the cost Monte Carlo need draws of several quantities *together* (the same replicate for every
quantity keeps their correlation). This module resamples units (or clusters: matched sets,
persons) with the design weights held fixed and returns the group means of every column per
replicate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.population._projection import ReadmissionRates

__all__ = ["bootstrap_group_means", "readmission_rates"]


def bootstrap_group_means(
    values: np.ndarray,
    treatment: np.ndarray,
    weights: np.ndarray | None = None,
    n_boot: int = 1000,
    random_state: int | np.random.Generator | None = 0,
    cluster: np.ndarray | None = None,
) -> np.ndarray:
    """Bootstrap replicates of the weighted mean of each column in each group.

    Parameters
    ----------
    values : array, shape (n, k)
        NaN = not observed (left out of that column's mean only).
    treatment : array, shape (n,)
        1 = alternative, 0 = custody.
    weights : array, optional
        Design weights, held fixed across replicates (as in the effects layer's fixed-design
        bootstrap); rows with weight 0 never count.
    n_boot : int
    random_state : int or Generator
    cluster : array, optional
        Resample whole clusters (matched sets, persons) instead of rows.

    Returns
    -------
    numpy.ndarray, shape (n_boot, 2, k)
        ``[:, 0]`` custody means, ``[:, 1]`` alternative means.
    """
    y = np.asarray(values, float)
    if y.ndim == 1:
        y = y[:, None]
    n, k = y.shape
    t = np.asarray(treatment).astype(int)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    if n_boot < 1:
        raise ConfigError(f"n_boot must be positive, got {n_boot}")
    codes = np.arange(n) if cluster is None else pd.factorize(np.asarray(cluster))[0]
    g = int(codes.max()) + 1 if n else 0
    obs = np.isfinite(y)
    # One design matrix: weighted sums and weighted counts of observed values, per group; a
    # replicate's means are then one matrix product with its resampling counts.
    parts = []
    for grp in (0, 1):
        wg = (w * (t == grp))[:, None]
        parts += [np.where(obs, y, 0.0) * wg, obs * wg]
    design_t = np.ascontiguousarray(np.hstack(parts).T)  # 4k x n
    out = np.empty((n_boot, 2, k))
    rng = np.random.default_rng(random_state)
    block = max(1, int(8_000_000 // max(g, 1)))  # replicates per block: bounded memory
    for start in range(0, n_boot, block):
        b = min(block, n_boot - start)
        counts = np.empty((b, g))
        for i in range(b):  # one replicate at a time: a bincount of length g stays in cache
            counts[i] = np.bincount(rng.integers(0, g, g), minlength=g)
        c = counts if cluster is None else counts[:, codes]
        # BLAS picks very different kernels by shape: measured fastest order for few / many rows.
        sums = (design_t @ c.T).T if b < 32 else c @ design_t.T  # b x 4k
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + b, 0] = sums[:, :k] / sums[:, k:2 * k]
            out[start:start + b, 1] = sums[:, 2 * k:3 * k] / sums[:, 3 * k:]
    return out


def readmission_rates(
    cohort: pd.DataFrame,
    bed_days: pd.DataFrame | None = None,
    horizon: int = 365,
    weights: np.ndarray | None = None,
    n_boot: int = 1000,
    random_state: int | np.random.Generator | None = 0,
    cluster: np.ndarray | None = None,
) -> ReadmissionRates:
    """Bootstrap draws of the re-admission inputs of the projection from the cohort.

    Per arm: proven reoffending within ``horizon`` (``reoffend_{h}``); custody on that reoffence
    (``custody_on_reoffence`` among those who reoffended within the horizon); and, for the
    alternative arm, custody of the index case after the decision (breach or recall:
    ``bed_days_index_{h} > 0`` from :func:`count_bed_days`). With ATC weights these are the rates
    "if those now sent to custody were diverted".

    Returns
    -------
    ReadmissionRates
        Every field an array of ``n_boot`` paired draws.
    """
    h = horizon
    need = [f"reoffend_{h}", "custody_on_reoffence", "treatment"]
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise DataContractError(f"cohort lacks {missing}; build it with horizon {h}")
    re = cohort[f"reoffend_{h}"].to_numpy(float)
    cust = np.where(re == 1, cohort["custody_on_reoffence"].to_numpy(float), np.nan)
    cols = [re, cust]
    if bed_days is not None:
        cols.append(np.where(np.isfinite(bed_days[f"bed_days_index_{h}"].to_numpy(float)),
                             (bed_days[f"bed_days_index_{h}"].to_numpy(float) > 0).astype(float),
                             np.nan))
    draws = bootstrap_group_means(np.column_stack(cols), cohort["treatment"].to_numpy(), weights,
                                  n_boot, random_state, cluster)
    if not np.isfinite(draws[:, :, 0]).all():
        raise DataContractError(f"reoffend_{h} is not observable in one group; use a shorter horizon")
    cust_d = np.nan_to_num(draws[:, :, 1])  # no reoffender in a replicate: no custody on reoffence
    breach = np.nan_to_num(draws[:, 1, 2]) if bed_days is not None else 0.0
    return ReadmissionRates(
        reoffend_custody=draws[:, 0, 0], reoffend_alternative=draws[:, 1, 0],
        custody_on_reoffence_custody=cust_d[:, 0], custody_on_reoffence_alternative=cust_d[:, 1],
        breach_custody_alternative=breach, horizon_days=h,
    )
