"""Simulation study with known truth: bias, RMSE and 95% CI coverage of matching, IPW and AIPW.

``python -m benchmarks simulation`` runs ``N_REPS`` replications per sample size (default 1,000 at
n = 2,000) and rewrites ``docs/simulation-study.md`` with the table.

Data-generating process (fast and explicit; the effect is constant so ATT = ATE = ATC = truth):

- x1 ~ U(-1.5, 1.5), x2 ~ U(-1, 1), x3 ~ Bernoulli(0.4) (think age, prior record, substance);
- P(T = 1 | X) = expit(-1.3 + 0.8 x1 - 0.6 x2 + 0.5 x3) (about 25% receive the alternative);
- P(Y = 1 | X, T) = 0.35 + 0.12 x1 + 0.08 x2 - 0.06 x3 + TAU T with TAU = -0.08: one-year
  reoffending, a linear probability model that stays inside (0.05, 0.65), so the risk difference
  is exactly TAU for everyone.

Designs (each with the variance the toolkit picks by default):

- ``naive``: unadjusted difference (robust SE), to show the confounding bias;
- ``matching``: 1:1 nearest neighbour on the logit score, caliper 0.2 SD, without replacement
  (ATT), cluster-robust SE on matched pairs (Abadie & Spiess 2022);
- ``matching_replace``: 1:1 nearest neighbour with replacement, no caliper (ATT), Abadie-Imbens
  (2006) variance (score treated as known);
- ``ipw_ate`` and ``ipw_att``: inverse-probability weights with the M-estimation sandwich that
  accounts for the estimated score;
- ``overlap``: overlap weights (ATO), same sandwich;
- ``aipw``: augmented IPW (ATE), logistic outcome models by group, influence-function SE.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from altmeasures_eval._parallel import parallel_map
from benchmarks._harness import measure

DEFAULT_SIZES = [2_000]
N_REPS = 1_000
TAU = -0.08
SEED = 20261128
DESIGNS = ("naive", "matching", "matching_replace", "ipw_ate", "ipw_att", "overlap", "aipw")
DOC = Path(__file__).resolve().parents[1] / "docs" / "simulation-study.md"


def simulate(n: int, rng: np.random.Generator) -> pd.DataFrame:
    x1 = rng.uniform(-1.5, 1.5, n)
    x2 = rng.uniform(-1, 1, n)
    x3 = rng.binomial(1, 0.4, n).astype(float)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-1.3 + 0.8 * x1 - 0.6 * x2 + 0.5 * x3)))).astype(np.int8)
    p = 0.35 + 0.12 * x1 + 0.08 * x2 - 0.06 * x3 + TAU * t
    y = (rng.random(n) < p).astype(float)
    return pd.DataFrame({"treatment": t, "x1": x1, "x2": x2, "x3": x3, "reoffend_365": y})


def one_replicate(n: int):
    def rep(i: int, rng: np.random.Generator) -> list[tuple[float, float, float, float]]:
        from altmeasures_eval.effects import estimate_aipw, estimate_effect
        from altmeasures_eval.matching import estimate_propensity, match_nearest, weight_ipw

        d = simulate(n, rng)
        covs = ["x1", "x2", "x3"]
        ps = estimate_propensity(d, "treatment", covs)
        results = {
            "naive": estimate_effect(d, "reoffend_365", "treatment"),
            "matching": estimate_effect(d, "reoffend_365", "treatment", match_nearest(d, "treatment", ps, caliper=0.2)),
            "matching_replace": estimate_effect(d, "reoffend_365", "treatment",
                                                match_nearest(d, "treatment", ps, caliper=None, replace=True)),
            "ipw_ate": estimate_effect(d, "reoffend_365", "treatment", weight_ipw(d, "treatment", ps, estimand="ATE")),
            "ipw_att": estimate_effect(d, "reoffend_365", "treatment", weight_ipw(d, "treatment", ps, estimand="ATT")),
            "overlap": estimate_effect(d, "reoffend_365", "treatment", weight_ipw(d, "treatment", ps, estimand="ATO")),
            "aipw": estimate_aipw(d, "reoffend_365", "treatment", covs, propensity=ps),
        }
        out = []
        for name in DESIGNS:
            row = results[name].summary.iloc[0]
            out.append((float(row["estimate"]), float(row["se"]), float(row["ci_low"]), float(row["ci_high"])))
        return out
    return rep


def summarise(draws: np.ndarray) -> pd.DataFrame:
    """draws: (reps, designs, 4) of estimate, se, ci_low, ci_high."""
    rows = []
    for k, name in enumerate(DESIGNS):
        est, se, lo, hi = draws[:, k, 0], draws[:, k, 1], draws[:, k, 2], draws[:, k, 3]
        cover = (lo <= TAU) & (TAU <= hi)
        rows.append({
            "design": name,
            "bias": est.mean() - TAU,
            "empirical_sd": est.std(ddof=1),
            "mean_se": se.mean(),
            "rmse": np.sqrt(np.mean((est - TAU) ** 2)),
            "coverage": cover.mean(),
            "coverage_mcse": np.sqrt(cover.mean() * (1 - cover.mean()) / len(cover)),
        })
    return pd.DataFrame(rows)


def write_doc(table: pd.DataFrame, n: int, reps: int, seconds: float) -> None:
    lines = [
        "# Simulation study: matching, IPW and AIPW against known truth",
        "",
        "Produced by `python -m benchmarks simulation` (`benchmarks/bench_simulation.py`); do not edit by hand.",
        "The data-generating process, designs and variances are described in that module's docstring and in",
        "[methods/effects.md](methods/effects.md). Truth: risk difference TAU = "
        f"{TAU} for everyone (so ATT = ATE = ATO). {reps:,} replications of n = {n:,}; root seed {SEED};",
        f"wall time {seconds:.0f} s on a shared 2-core machine.",
        "",
        "| design | bias | empirical SD | mean SE | RMSE | 95% CI coverage | MC SE of coverage |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(f"| {r.design} | {r.bias:+.4f} | {r.empirical_sd:.4f} | {r.mean_se:.4f} | {r.rmse:.4f} | "
                     f"{100 * r.coverage:.1f}% | {100 * r.coverage_mcse:.1f}% |")
    lines += [
        "",
        "Reading: `naive` shows the confounding bias the designs remove. Coverage of the adjusted designs should",
        "lie within 93-97%; the Monte Carlo SE of a coverage near 95% with this many replications is about",
        f"{100 * np.sqrt(0.95 * 0.05 / reps):.1f} percentage points.",
        "",
    ]
    # keep the sections other benchmarks add below this one (e.g. bench_recovery's)
    old = DOC.read_text() if DOC.exists() else ""
    k = old.find("\n## ")
    DOC.write_text("\n".join(lines) + (old[k:] if k >= 0 else ""))


def run(sizes: list[int]) -> list[dict]:
    records: list[dict] = []
    for n in sizes:
        with measure("simulation", n, records, reps=N_REPS) as rec:
            out = parallel_map(one_replicate(n), N_REPS, random_state=SEED, n_jobs=2)
        draws = np.array(out)
        table = summarise(draws)
        for r in table.to_dict("records"):
            records.append({"stage": f"sim_{r['design']}", "n": n, "seconds": rec["seconds"],
                            "peak_rss_mb": rec["peak_rss_mb"], "reps": N_REPS,
                            **{k: round(float(v), 5) for k, v in r.items() if k != "design"}})
        write_doc(table, n, N_REPS, rec["seconds"])
    return records
