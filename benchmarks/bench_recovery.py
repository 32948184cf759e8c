"""Repeated-sampling recovery of the generator's truth by the toolkit's estimators (issues #4, #5).

Each replication simulates ``n`` persons with the synthetic generator (``altmeasures_eval.synth``,
default settings, its own seed), builds the evaluation cohort of the truth's definition, keeps
the court stages (custody is impossible at the police stage) and estimates the 1-year effect of
an alternative vs custody with the pipeline of ``tests/integration/_recovery.py``: a logistic
propensity on cohort covariates, then

* binary ``reoffend_365`` with :func:`altmeasures_eval.effects.estimate_effect`: naive, IPW (ATE,
  ATT; M-estimation sandwich; ATE also with the generator's true propensity, ``ipw_ate_true_ps``,
  robust SE), nearest-neighbour matching on the logit score with a 0.2 SD caliper
  (1:1 ATT without replacement, cluster-robust on matched sets; ATT with replacement,
  Abadie-Imbens; 1:1 ATC, cluster-robust; the same with a 0.05 SD caliper) and AIPW (ATE);
* time to first proven reoffence with the survival layer and ATE weights: the Aalen-Johansen
  cumulative-incidence difference (death competing), the event-free RMST difference, and
  1 - Kaplan-Meier with deaths censored (``risk_difference``), all with weights treated as fixed;
  and the Aalen-Johansen difference after ATC matching with a 0.05 SD caliper (matched sets as
  clusters, through ``effects.time_to_event_effect(measure="cif_difference")``).

Bias and 95 % CI coverage are reported against the **population** truth of the generator (the
court-stage values of the 1,000,000-person Monte Carlo stored in ``data/sample/ground_truth.json``,
Monte Carlo SE about 0.0007), and coverage also against each replication's own sample truth. It
rewrites its own section of ``docs/simulation-study.md`` and keeps the rest of the file.

Run with ``python -m benchmarks recovery`` (sizes = persons per replication).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from altmeasures_eval._parallel import parallel_map
from benchmarks._harness import measure, replace_doc_section

DEFAULT_SIZES = [50_000]
N_REPS = 100
SEED = 20261129
N_JOBS = 2
ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "simulation-study.md"
TRUTH = ROOT / "data" / "sample" / "ground_truth.json"
HEADING = "## Recovery of the generator's truth (synthetic extracts, cohort to estimate)"
ESTIMATORS = ("naive", "ipw_ate", "ipw_ate_true_ps", "ipw_att", "matching_att_1to1", "matching_att_replace", "matching_atc",
              "matching_atc_cal005", "aipw_ate", "aj_cif_ate", "matching_atc_cal005_cif", "km_risk_ate",
              "rmst_event_free_ate")


def one_replicate(n: int):
    def rep(i: int, rng: np.random.Generator) -> list[tuple[float, ...]]:
        from altmeasures_eval.synth import simulate
        from tests.integration._recovery import estimates

        data = simulate(n, seed=int(rng.integers(0, 2**31 - 1)))
        res = estimates(data)
        return [(res[k]["estimate"], res[k]["se"], res[k]["ci_low"], res[k]["ci_high"], res[k]["truth"])
                for k in ESTIMATORS]
    return rep


def summarise(draws: np.ndarray, population: dict) -> pd.DataFrame:
    """draws: (reps, estimators, 5) of estimate, se, ci_low, ci_high, sample truth."""
    from tests.integration._recovery import truth_value

    rows = []
    for k, name in enumerate(ESTIMATORS):
        est, se, lo, hi, sample_truth = (draws[:, k, j] for j in range(5))
        pop = truth_value(population, name)
        cover = (lo <= pop) & (pop <= hi)
        rows.append({
            "estimator": name,
            "population_truth": pop,
            "mean_estimate": est.mean(),
            "bias": est.mean() - pop,
            "bias_mcse": est.std(ddof=1) / np.sqrt(len(est)),
            "empirical_sd": est.std(ddof=1),
            "mean_se": se.mean(),
            "rmse": np.sqrt(np.mean((est - pop) ** 2)),
            "coverage": cover.mean(),
            "coverage_sample_truth": ((lo <= sample_truth) & (sample_truth <= hi)).mean(),
        })
    return pd.DataFrame(rows)


def write_doc(table: pd.DataFrame, n: int, reps: int, seconds: float, cohort_n: float) -> None:
    scale = {"rmst_event_free_ate": "days"}
    lines = [
        HEADING,
        "",
        "Produced by `python -m benchmarks recovery` (`benchmarks/bench_recovery.py`); do not edit this section",
        "by hand. Data from the toolkit's own generator (`altmeasures_eval.synth`, default settings), so the",
        "whole chain is checked: contract tables -> `build_cohort` -> propensity model on cohort covariates",
        "(log(1 + prior proven), any prior custody spell, age, sex, jurisdiction, recorded substance) ->",
        "design -> estimate. Court stages only (custody is impossible at the police stage). Effect = alternative",
        "minus custody at 365 days.",
        f"{reps} replications of {n:,} persons (about {cohort_n:,.0f} court-stage cohort persons each); root seed",
        f"{SEED}; wall time {seconds:.0f} s with 2 worker processes on a shared 2-core machine (noisy).",
        "",
        "Truth: the generator's population value (1,000,000-person Monte Carlo, court stages, in",
        "`data/sample/ground_truth.json` under `population`), each estimator against its own estimand: binary",
        "`reoffend_365` ATE or ATT for the `effects` estimators; the time-to-event truth (`time_to_event`:",
        "cumulative incidence of proven reoffence with death competing, and event-free RMST, with the event",
        "definition of the cohort's `time_reoffend`) for the survival estimators. `km_risk_ate` (1 - KM, deaths",
        "censored) estimates a net risk and is compared with the CIF truth.",
        "",
        "| estimator | truth | mean estimate | bias (MC SE) | empirical SD | mean SE | RMSE | coverage | coverage of sample truth |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        f = ".2f" if r.estimator in scale else ".4f"
        lines.append(
            f"| {r.estimator} | {r.population_truth:{f}} | {r.mean_estimate:{f}} | {r.bias:+{f}} ({r.bias_mcse:{f}}) | "
            f"{r.empirical_sd:{f}} | {r.mean_se:{f}} | {r.rmse:{f}} | {100 * r.coverage:.0f}% | "
            f"{100 * r.coverage_sample_truth:.0f}% |")
    mc = 100 * np.sqrt(0.95 * 0.05 / reps)
    lines += [
        "",
        f"Reading: with {reps} replications the Monte Carlo SE of a coverage near 95% is about {mc:.1f} percentage",
        "points, so coverages of 91-99% are consistent with nominal. `naive` shows the confounding bias that the",
        "designs remove. `rmst_event_free_ate` is in days (positive: more days alive and free of proven reoffence",
        "under the alternative). Survival variances treat the weights as known; IPW weights are estimated, which",
        "usually makes such intervals conservative for the ATE. `matching_att_1to1` is the default 1:1 ATT design",
        "without replacement: with about 30% custody persons it matches only about a third of the treated, and",
        "greedy pairs stay on one side on the score (the result's notes and balance table say so); it is kept",
        "to show that failure. `matching_atc` (custody focal, 0.2 SD caliper) has an ample pool overall but not",
        "where custody is likely: its pairs shift by about 0.08 SD on the score and it is biased too, although",
        "its balance table usually passes (`match_nearest` notes the shift). With replacement (ATT) or a 0.05 SD",
        "caliper (ATC) matching recovers the truth. Matched designs that leave focal units unmatched estimate",
        "the effect in the matched focal units; the truth column is the full ATT/ATC.",
        "",
    ]
    replace_doc_section(DOC, HEADING, "\n".join(lines))


def run(sizes: list[int]) -> list[dict]:
    population = json.loads(TRUTH.read_text(encoding="utf-8"))["population"]["court_stages"]
    n_pop = json.loads(TRUTH.read_text(encoding="utf-8"))["population"]["n_persons"]
    out: list[dict] = []
    for n in sizes:
        t0 = time.perf_counter()
        with measure("recovery", n, out, replications=N_REPS) as rec:
            draws = np.asarray(parallel_map(one_replicate(n), N_REPS, random_state=SEED, n_jobs=N_JOBS))
            table = summarise(draws, population).set_index("estimator")
            rec["bias"] = {k: round(float(v), 4) for k, v in table["bias"].items()}
            rec["coverage"] = {k: round(float(v), 2) for k, v in table["coverage"].items()}
        write_doc(table.reset_index(), n, N_REPS, time.perf_counter() - t0, population["n"]["cohort"] * n / n_pop)
    return out
