"""Recovery of known truth on simulated confounded data (small versions; coverage study in benchmarks).

Design: binary confounder X ~ Bernoulli(0.4); treatment A with P(A = 1 | X) = 0.3 + 0.4 X; daily
hazard (1/800) exp(-0.4 A + 1.0 X), time rounded up to whole days; independent uniform censoring;
true inverse-probability (ATE) weights from the known propensity. The true marginal quantities
follow from the exponential model in closed form:
F_a(h) = sum_x P(x) (1 - exp(-lambda_ax h)); RMST_a(tau) = sum_{k=0}^{tau-1} sum_x P(x) exp(-lambda_ax k)
(exact for the day-rounded times). The test on the project's synthetic generator is left to integration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.survival import risk_difference, rmst

P_X, BETA, GAMMA, BASE = 0.4, -0.4, 1.0, 1 / 800


def _rate(a: int, x: int) -> float:
    return BASE * np.exp(BETA * a + GAMMA * x)


def true_risk_difference(h: int) -> float:
    risk = [sum(p * (1 - np.exp(-_rate(a, x) * h)) for x, p in ((0, 1 - P_X), (1, P_X))) for a in (0, 1)]
    return risk[1] - risk[0]


def true_rmst_difference(tau: int) -> float:
    k = np.arange(tau)
    r = [sum(p * np.exp(-_rate(a, x) * k).sum() for x, p in ((0, 1 - P_X), (1, P_X))) for a in (0, 1)]
    return r[1] - r[0]


def simulate(n: int, rng: np.random.Generator) -> pd.DataFrame:
    x = rng.binomial(1, P_X, n)
    e = 0.3 + 0.4 * x
    a = rng.binomial(1, e)
    t = np.ceil(rng.exponential(1 / (BASE * np.exp(BETA * a + GAMMA * x))))
    c = rng.integers(200, 1200, n)
    return pd.DataFrame({"treatment": a, "time": np.minimum(t, c).astype(float), "event": (t <= c).astype(int),
                         "w": a / e + (1 - a) / (1 - e)})


def _covers(res, truth: float) -> bool:
    row = res.summary.iloc[0]
    return bool(row["ci_low"] <= truth <= row["ci_high"])


def _z(res, truth: float) -> float:
    row = res.summary.iloc[0]
    return float(abs(row["estimate"] - truth) / row["se"])


def test_weighted_estimates_recover_truth_and_unweighted_do_not():
    # One draw: the weighted estimates lie within 3 SE of the truth (the 95% interval of this
    # particular draw misses the RMST truth: it is a 2.3-SE draw; a 3-million-row run gives
    # 28.43 (SE 0.15) for 28.26). Coverage over replications is the test below.
    df = simulate(4000, np.random.default_rng(2026))
    rd, dr = true_risk_difference(365), true_rmst_difference(365)
    assert _z(risk_difference(df, "time", "event", weights="w", times=[365]), rd) < 3
    assert _z(rmst(df, "time", "event", weights="w", times=[365]), dr) < 3
    # without weights the confounder biases both far outside their intervals
    assert _z(risk_difference(df, "time", "event", times=[365]), rd) > 5
    assert _z(rmst(df, "time", "event", times=[365]), dr) > 5


def test_weighted_interval_coverage_is_nominal():
    rng = np.random.default_rng(11)
    rd, dr = true_risk_difference(365), true_rmst_difference(365)
    hits = np.zeros((150, 2), dtype=bool)
    for r in range(150):
        df = simulate(600, rng)
        hits[r] = (_covers(risk_difference(df, "time", "event", weights="w", times=[365]), rd),
                   _covers(rmst(df, "time", "event", weights="w", times=[365]), dr))
    cover = hits.mean(axis=0)
    # 95% intervals with known weights (treated as fixed: slightly conservative for IPW);
    # binomial SD of the coverage over 150 replications is 0.018
    assert np.all(cover >= 0.90) and np.all(cover <= 1.0), cover
    print(f"coverage of 95% intervals over 150 replications: risk difference {cover[0]:.3f}, RMST {cover[1]:.3f}")
