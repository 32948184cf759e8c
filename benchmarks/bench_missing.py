"""Missing confounder values: complete cases, the missing-indicator method and multiple imputation.

Each replication draws ``n`` persons with two confounders: ``x`` (continuous, like age or prior
record) and ``z`` (binary). The alternative is given with ``logit P(T=1) = -0.3 + 0.8 x - 0.8 z``
and reoffending within a year with ``logit P(Y=1) = -0.6 + 0.7 x + 0.6 z - 0.5 T - 0.4 T z``, so
the effect differs by ``z``. ``x`` is then made missing at random (MAR) given the observed ``z``,
``T`` and ``Y``: ``logit P(x missing) = g + 1.2 z + 0.8 Y - 0.6 T``, with ``g`` set so that the
expected share missing is 10%, 25% or 40%. The estimand is the ATT risk difference (inverse-
probability weighting on a logistic propensity score of ``x`` and ``z``, M-estimation sandwich SE,
:func:`altmeasures_eval.effects.estimate_effect`); the truth is the population ATT of the model,
computed on 2,000,000 draws.

Methods compared on the same data: ``full`` (before values were deleted), ``complete_case``
(persons with ``x`` missing dropped), ``indicator`` (``x`` set to its observed mean plus a
missing-value indicator in the propensity model) and ``mi`` (``impute_chained`` with treatment
and outcome in the imputation model, m imputations, design and effect in each, Rubin's rules).

Run with ``python -m benchmarks missing`` (sizes = persons per replication); it rewrites its own
section of ``docs/simulation-study.md``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from benchmarks._harness import measure, replace_doc_section

DEFAULT_SIZES = [1_000]
N_REPS = 250
M = 10
SHARES = (0.10, 0.25, 0.40)
SEED = 20261206
TRUTH_N = 2_000_000
ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "simulation-study.md"
RESULTS_CSV = ROOT / "benchmarks" / "results" / "missing_draws.csv"
HEADING = "## Missing confounder values: complete cases, missing indicator and multiple imputation"
METHODS = ("full", "complete_case", "indicator", "mi")


def _draw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.normal(size=n)
    z = (rng.random(n) < 0.4).astype(int)
    t = (rng.random(n) < expit(-0.3 + 0.8 * x - 0.8 * z)).astype(int)
    p1, p0 = _risk(x, z, 1), _risk(x, z, 0)
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype(int)
    return pd.DataFrame({"x": x, "z": z, "treatment": t, "y": y})


def _risk(x: np.ndarray, z: np.ndarray, t: int) -> np.ndarray:
    return expit(-0.6 + 0.7 * x + 0.6 * z - 0.5 * t - 0.4 * t * z)


def truth(seed: int = SEED) -> float:
    """Population ATT risk difference of the data-generating model (Monte Carlo, TRUTH_N draws)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=TRUTH_N)
    z = (rng.random(TRUTH_N) < 0.4).astype(int)
    e = expit(-0.3 + 0.8 * x - 0.8 * z)
    return float(np.sum(e * (_risk(x, z, 1) - _risk(x, z, 0))) / np.sum(e))


def _offset(share: float) -> float:
    """Intercept g of the missingness model giving ``share`` missing in expectation."""
    from scipy.optimize import brentq

    rng = np.random.default_rng(1)
    d = _draw(200_000, rng)
    lin = 1.2 * d["z"] + 0.8 * d["y"] - 0.6 * d["treatment"]
    return float(brentq(lambda g: expit(g + lin).mean() - share, -10, 10))


def _ipw_att(data: pd.DataFrame, covs: list[str]):
    from altmeasures_eval.effects import estimate_effect
    from altmeasures_eval.matching import estimate_propensity, weight_ipw

    ps = estimate_propensity(data, "treatment", covs)
    w = weight_ipw(data, "treatment", ps, estimand="ATT")
    return estimate_effect(data, "y", "treatment", w)


def replicate(n: int, share: float, g: float, m: int, rng: np.random.Generator) -> dict[str, tuple[float, ...]]:
    """One data set: (estimate, se, ci_low, ci_high, fmi) per method."""
    from altmeasures_eval.imputation import analyse_imputed, impute_chained

    d = _draw(n, rng)
    miss = rng.random(n) < expit(g + 1.2 * d["z"] + 0.8 * d["y"] - 0.6 * d["treatment"])
    obs = d.assign(x=d["x"].where(~miss))
    out: dict[str, tuple[float, ...]] = {}

    def row(res, fmi: float = np.nan) -> tuple[float, ...]:
        r = res.summary.loc["risk_difference"]
        return (float(r["estimate"]), float(r["se"]), float(r["ci_low"]), float(r["ci_high"]), fmi,
                float(miss.mean()))

    out["full"] = row(_ipw_att(d, ["x", "z"]))
    out["complete_case"] = row(_ipw_att(obs[~miss], ["x", "z"]))
    ind = obs.assign(x=obs["x"].fillna(obs["x"].mean()), x_missing=miss.astype(int))
    out["indicator"] = row(_ipw_att(ind, ["x", "z", "x_missing"]))
    imp = impute_chained(obs, ["x", "z"], auxiliary=["treatment", "y"], m=m, random_state=int(rng.integers(2**31)))
    pooled = analyse_imputed(imp, lambda c: _ipw_att(c, ["x", "z"]))
    out["mi"] = row(pooled, float(pooled.summary.loc["risk_difference", "fmi"]))
    return out


def simulate(n: int, reps: int, m: int = M, shares=SHARES, seed: int = SEED) -> pd.DataFrame:
    """Every replication of every missing share: one row per (share, replication, method)."""
    rows = []
    root = np.random.SeedSequence(seed)
    for share, ss in zip(shares, root.spawn(len(shares))):
        g = _offset(share)
        for i, child in enumerate(ss.spawn(reps)):
            rng = np.random.default_rng(child)
            for method, v in replicate(n, share, g, m, rng).items():
                rows.append({"share": share, "rep": i, "method": method, "estimate": v[0], "se": v[1],
                             "ci_low": v[2], "ci_high": v[3], "fmi": v[4], "observed_share": v[5]})
    return pd.DataFrame(rows)


def summarise(draws: pd.DataFrame, true: float) -> pd.DataFrame:
    """Bias (with Monte Carlo SE), empirical SD, mean SE, coverage of the truth, per share and method."""
    def one(g: pd.DataFrame) -> pd.Series:
        est = g["estimate"].to_numpy()
        cover = (g["ci_low"] <= true) & (true <= g["ci_high"])
        return pd.Series({"reps": len(g), "missing": g["observed_share"].mean(), "mean_estimate": est.mean(),
                          "bias": est.mean() - true, "bias_mcse": est.std(ddof=1) / np.sqrt(len(est)),
                          "empirical_sd": est.std(ddof=1), "mean_se": g["se"].mean(),
                          "coverage": cover.mean(), "coverage_mcse": np.sqrt(cover.mean() * (1 - cover.mean()) / len(g)),
                          "mean_fmi": g["fmi"].mean()})

    out = draws.groupby(["share", "method"], sort=False).apply(one, include_groups=False).reset_index()
    return out


def write_doc(table: pd.DataFrame, n: int, reps: int, m: int, true: float, seconds: float) -> None:
    lines = [
        HEADING,
        "",
        "Produced by `python -m benchmarks missing` (`benchmarks/bench_missing.py`); do not edit this section by",
        "hand. Two confounders, `x` continuous and `z` binary; the alternative is more likely with high `x` and",
        "low `z`; reoffending rises with `x` and `z`, and the effect of the alternative is larger where `z = 1`.",
        "`x` is made missing at random given the observed `z`, treatment and outcome (more often missing where",
        "`z = 1`, for reoffenders, and for people sent to custody), at an expected 10%, 25% and 40%. Estimand:",
        f"ATT risk difference (true value {true:.4f}, from {TRUTH_N:,} draws of the model); design: IPW (ATT)",
        "on a logistic propensity score of `x` and `z`, M-estimation sandwich SE.",
        f"{reps} replications of {n:,} persons per share; MI with m = {m} imputations by chained equations",
        "(`impute_chained`, predictive mean matching, treatment and outcome in the imputation model), design",
        "and effect in each completed data set, Rubin's rules with Barnard-Rubin degrees of freedom. Root seed",
        f"{SEED}; wall time {seconds:.0f} s on one core (`nice -n 10`).",
        "",
        "| share missing (observed) | method | mean estimate | bias (MC SE) | empirical SD | mean SE | coverage (MC SE) | mean FMI |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        fmi = f"{r.mean_fmi:.2f}" if np.isfinite(r.mean_fmi) else ""
        lines.append(f"| {r.share:.0%} ({r.missing:.1%}) | {r.method} | {r.mean_estimate:.4f} | {r.bias:+.4f} "
                     f"({r.bias_mcse:.4f}) | {r.empirical_sd:.4f} | {r.mean_se:.4f} | {100 * r.coverage:.1f}% "
                     f"({100 * r.coverage_mcse:.1f}) | {fmi} |")
    lines += [
        "",
        "Reading: `full` is the analysis before any value was deleted (the benchmark the others should match).",
        "Complete cases describe a different population (people with `x` recorded are more often `z = 0`,",
        "non-reoffenders and given an alternative) and, with an effect that differs by `z`, estimate a",
        "different ATT. The missing-indicator method does not adjust for `x` among those with `x` missing,",
        "so confounding by `x` remains. Multiple imputation with the treatment and the outcome in the",
        "imputation model is unbiased under MAR and its Rubin's-rules intervals cover the truth at close to",
        "the nominal 95%; m = 10 imputations suffice for the interval (von Hippel 2020: m needed for stable",
        "SEs grows with the FMI; with FMI below about 0.3 ten imputations lose under 3% efficiency,",
        "Rubin 1987, efficiency = 1 / (1 + FMI / m)); the toolkit's default is m = 20.",
        "",
    ]
    replace_doc_section(DOC, HEADING, "\n".join(lines))


def run(sizes: list[int]) -> list[dict]:
    out: list[dict] = []
    true = truth()
    for n in sizes:
        t0 = time.perf_counter()
        with measure("missing", n, out, replications=N_REPS, m=M) as rec:
            draws = simulate(n, N_REPS, M, SHARES)
            table = summarise(draws, true)
            rec["bias"] = {f"{r.share:.2f}/{r.method}": round(float(r.bias), 4) for r in table.itertuples()}
            rec["coverage"] = {f"{r.share:.2f}/{r.method}": round(float(r.coverage), 3) for r in table.itertuples()}
        if N_REPS >= 100:  # the committed study only; small runs leave the files alone
            RESULTS_CSV.parent.mkdir(parents=True, exist_ok=True)
            draws.to_csv(RESULTS_CSV, index=False)
        write_doc(table, n, N_REPS, M, true, time.perf_counter() - t0)
    return out


if __name__ == "__main__":
    print(json.dumps(run(DEFAULT_SIZES), indent=1))
