"""Inference after nearest-neighbour matching on an estimated propensity score (issue #19).

``nice -n 10 python -m benchmarks matching_inference`` runs ``N_REPS`` replications of every design,
stores the table in ``benchmarks/results/matching_inference.csv`` and rewrites its own section of
``docs/simulation-study.md`` (heading ``SECTION``). Run on demand: it takes 40-60 minutes of one
core; the unit suite runs a 40-replication version (tests/effects/test_matching_inference_small.py).

For every replicated data set the logistic propensity score is fitted once, and the data are
matched in every cell: estimand (ATT, ATC) x with / without replacement x (k = 1 without caliper,
k = 1 with a caliper of 0.2 SD of the logit, and with replacement k = 4 without caliper): 10 cells. Every standard error the toolkit offers after that match is
computed through :func:`altmeasures_eval.effects.estimate_effect`:

- with replacement: Abadie-Imbens (2006) with the score treated as known (``ps_adjustment=False``)
  and with the Abadie-Imbens (2016) adjustment for the estimated score (``propensity=ps``), both
  with the conditional variances from 4 within-group neighbours (the default ``ai_neighbors``;
  a third call asks for ``ai_neighbors=4`` explicitly, which repeats the second now that 4 is the
  default, and is left out of the tables: ``SKIP``), the robust HC1 variance with the matching weights taken as fixed, the
  unit bootstrap with the design held fixed (invalid for matching with replacement, Abadie &
  Imbens 2008; shown so that the failure is measured), and the default standard error
  (``variance="auto"``) around the estimate with the Abadie-Imbens (2011) regression bias
  correction on the design's covariates (``bias_adjust=``);
- without replacement: cluster-robust on matched sets (Abadie & Spiess 2022), robust HC1 with
  weights fixed, and the matched-set (pair) bootstrap with the design held fixed (Austin & Small
  2014).

The toolkit offers no wild or weighted bootstrap for matching (Otsu & Rai 2017; Bodory et al.
2020) and no Austin-Cafri set-and-unit variance for a risk or mean difference (only for the hazard
ratio): those rows are absent, not hidden.

Designs (``DESIGNS``): truth from a 2,000,000-person potential-outcome sample of the same process.

- ``hetero``: continuous outcome whose effect grows with the score (the process of
  ``bench_simulation.simulate_heterogeneous``; x1, x2 ~ N(0, 1), logit P(T) = -0.3 + x1 + 0.5 x2,
  Y = 10 + x1 + x2 + e + T (1 + 1.5 x1)), so that estimating the score matters for the ATT and ATC.
  It stands in for the simulation of Abadie & Imbens (2016), whose exact design could not be read;
- ``binary_null``: one-year reoffending (binary) with strong confounding (logit P(T) = -1 + 1.5 x1
  + 0.8 x2 - 0.5 x3, the outcome rising with x1 and x2) and no effect for anyone, so every estimand
  (with or without caliper) has truth 0 and the rejection rate is the test's size;
- ``binary_strong`` (``EXTRA_DESIGNS``, not in the 1,000-replication run for lack of CPU): the same
  with an effect of -0.5 on the log-odds scale;
- ``few_controls``: about 70% treated, so few controls per treated person (binary outcome, effect
  -0.4 on the log-odds scale). ATT matching without replacement is not well posed there (the pool
  cannot give every treated person k distinct controls).

A cell is marked "well posed" when the match balances the score it was made on: mean |standardised
mean difference| of the logit after matching at most 0.1, and at most 0.05 without replacement (the
design gate's check, see ``no_replacement_check``) (``well_posed``), a check made without outcomes.

Truth of a cell (``estimand_truth``): the full ATT/ATC when every focal unit is matched in every
replicate; otherwise (a caliper, or a pool without replacement that runs out) the effect of the
focal units the match keeps, E[sum over matched focal units of tau(X)] / E[number matched], from
the true conditional effects of the replicates themselves (MatchIt's "ATM"). Judging a caliper
match against the full ATT/ATC charged its standard error with a change of estimand (the earlier
run's ATC with a caliper: 0.07 of "bias" that was the gap between the two estimands). Each cell
also records the matching bias given the covariates, E[estimate | X, T, matches] minus that
truth, from the true means (``matching_bias``): the part of the bias that comes from matching
discrepancies, which no standard error can cover and a bias correction can remove.
"""

from __future__ import annotations

import itertools
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from altmeasures_eval._parallel import parallel_map
from benchmarks._harness import measure

DEFAULT_SIZES = [1_000]  # nominal: each design fixes its own sample size (DESIGNS)
N_REPS = 1_000
N_BOOT = 99
TRUTH_SIZE = 2_000_000
CHUNK = 100
DRAWS_DIR: Path | None = None  # set to keep the raw draws of a long run
SEED = 20261206
DESIGNS = {"binary_null": 1_000, "hetero": 1_000, "few_controls": 1_000}
#: designs kept for small runs but not in the 1,000-replication study (CPU budget of a shared machine)
EXTRA_DESIGNS = {"binary_strong": 1_000}
ESTIMANDS = ("ATT", "ATC")
REPLACE = (True, False)
RATIOS = (1, 4)
CALIPERS = (None, 0.2)
SE_WITH = ("ai_known", "ai_2016", "ai_2016_j4", "robust", "unit_bootstrap", "default_bias_corrected")
SE_WITHOUT = ("matched_set_cluster", "robust", "matched_set_bootstrap")
#: slots computed but not tabulated: ``ai_neighbors=4`` given explicitly equals the default since
#: DEFAULT_AI_NEIGHBORS became 4 (the 2026-12-06 run computed it; the rows were identical)
SKIP = ("ai_2016_j4",)
Z = 1.959963984540054
DOC = Path(__file__).resolve().parents[1] / "docs" / "simulation-study.md"
SECTION = "## Inference after matching: every standard error the toolkit offers (issue #19)"

_EXPIT = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731


def simulate(design: str, n: int, rng: np.random.Generator, both: bool = False) -> pd.DataFrame:
    """One data set of ``design``; ``both`` adds the potential outcomes' means (for the truth)."""
    if design == "hetero":
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        t = (rng.random(n) < _EXPIT(-0.3 + x1 + 0.5 * x2)).astype(np.int8)
        base = 10 + x1 + x2  # shifted so group means are positive (the ratio measure needs them)
        eff = 1 + 1.5 * x1
        y = base + rng.normal(size=n) + t * eff
        d = pd.DataFrame({"treatment": t, "x1": x1, "x2": x2, "y": y})
        if both:
            d["m1"], d["m0"] = base + eff, base
        return d
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.5, n).astype(float)
    x3 = rng.uniform(-1, 1, n)
    if design in ("binary_strong", "binary_null"):
        lin_t, beta = -1.0 + 1.5 * x1 + 0.8 * x2 - 0.5 * x3, (-0.5 if design == "binary_strong" else 0.0)
        lin_y = -0.8 + 1.0 * x1 + 0.5 * x2 + 0.4 * x3
    elif design == "few_controls":
        lin_t, beta = 1.0 + 0.8 * x1 - 0.5 * x2 + 0.3 * x3, -0.4
        lin_y = -0.6 + 0.7 * x1 + 0.4 * x2 - 0.3 * x3
    else:
        raise ValueError(f"unknown design {design!r}")
    t = (rng.random(n) < _EXPIT(lin_t)).astype(np.int8)
    p1, p0 = _EXPIT(lin_y + beta), _EXPIT(lin_y)
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype(float)
    d = pd.DataFrame({"treatment": t, "x1": x1, "x2": x2, "x3": x3, "y": y})
    if both:
        d["m1"], d["m0"] = p1, p0
    return d


COVARIATES = {"hetero": ["x1", "x2"], "binary_strong": ["x1", "x2", "x3"], "binary_null": ["x1", "x2", "x3"],
              "few_controls": ["x1", "x2", "x3"]}


def truth(design: str, size: int | None = None) -> dict[str, float]:
    """Population ATT and ATC: mean of E[Y(1) - Y(0) | X] over the treated / the controls."""
    d = simulate(design, TRUTH_SIZE if size is None else size, np.random.default_rng(SEED + 1), both=True)
    eff = (d["m1"] - d["m0"]).to_numpy()
    t = d["treatment"].to_numpy() == 1
    return {"ATT": float(eff[t].mean()), "ATC": float(eff[~t].mean()), "share_treated": float(t.mean())}


def cells() -> list[tuple[str, bool, int, float | None]]:
    """(estimand, replace, k, caliper): k = 4 only with replacement and without caliper (without
    replacement the pools here cannot give 4 distinct matches to most focal units), to keep the
    study within the CPU budget."""
    return [c for c in itertools.product(ESTIMANDS, REPLACE, RATIOS, CALIPERS)
            if not (c[2] == 4 and (c[3] is not None or not c[1]))]


def _row(res) -> tuple[float, float, float, float, float]:
    r = res.summary.iloc[0]
    return (float(r["estimate"]), float(r["se"]), float(r["ci_low"]), float(r["ci_high"]), float(r["p_value"]))


NAN5 = (np.nan,) * 5
#: per replicate and cell: share of focal units matched, failures, |SMD| of the logit after matching,
#: sum and count (weights) of the true effect over the matched focal units, matching bias given X
INFO = ("matched_focal", "failures", "smd_logit", "effect_sum", "effect_count", "matching_bias")


def one_replicate(design: str, n: int, n_boot: int = N_BOOT,
                  cell_list: list[tuple[str, bool, int, float | None]] | None = None):
    """Per replicate: array (cells, SE slots, 5) of estimate, se, ci_low, ci_high, p_value, and
    (cells, len(INFO)) of the design diagnostics named in ``INFO``."""
    todo = cells() if cell_list is None else cell_list

    def rep(i: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        from altmeasures_eval.effects import estimate_effect
        from altmeasures_eval.matching import estimate_propensity, match_nearest

        d = simulate(design, n, rng, both=True)  # the true means m1, m0 draw nothing from rng
        m1, m0 = d.pop("m1").to_numpy(), d.pop("m0").to_numpy()
        ps = estimate_propensity(d, "treatment", COVARIATES[design])
        out = np.full((len(todo), len(SE_WITH), 5), np.nan)
        info = np.zeros((len(todo), len(INFO)))
        lin = ps.linear.reindex(d.index).to_numpy()
        tt = d["treatment"].to_numpy()
        sd_pooled = np.sqrt((lin[tt == 1].var(ddof=1) + lin[tt == 0].var(ddof=1)) / 2)
        boot_seed = int(rng.integers(2**31))
        for c, (est, replace, k, cal) in enumerate(todo):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m = match_nearest(d, "treatment", ps, estimand=est, ratio=k, replace=replace, caliper=cal)
            except Exception:  # noqa: BLE001 - counted as a failure of the cell
                info[c, 1] = 1
                continue
            focal = (d["treatment"] == (1 if est == "ATT" else 0)).to_numpy()
            w = m.weights.reindex(d.index).to_numpy()
            info[c, 0] = float((w[focal] > 0).mean())
            # balance on the logit of the score after matching (standardised mean difference)
            info[c, 2] = abs(np.average(lin[focal], weights=w[focal]) - np.average(lin[~focal], weights=w[~focal])) / sd_pooled
            # the effect of the focal units actually matched (the estimand of a caliper or of a pool
            # that runs out) and the bias of the match given the covariates, from the true means:
            # E[estimate | X, T, matches] - mean effect over the matched focal units
            info[c, 3] = float(w[focal] @ (m1 - m0)[focal])
            info[c, 4] = float(w[focal].sum())
            treated = tt == 1
            info[c, 5] = (np.average(m1[treated], weights=w[treated]) - np.average(m0[~treated], weights=w[~treated])
                          - info[c, 3] / info[c, 4])
            calls = ([dict(variance="abadie-imbens", ps_adjustment=False),
                      dict(variance="abadie-imbens", propensity=ps),
                      dict(variance="abadie-imbens", propensity=ps, ai_neighbors=4),
                      dict(variance="robust"),
                      dict(variance="bootstrap", n_boot=n_boot, random_state=boot_seed),
                      dict(variance="auto", propensity=ps, bias_adjust=COVARIATES[design])] if replace else
                     [dict(variance="cluster"), dict(variance="robust"),
                      dict(variance="bootstrap", n_boot=n_boot, random_state=boot_seed)])
            for s, kw in enumerate(calls):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        out[c, s] = _row(estimate_effect(d, "y", "treatment", m, **kw))
                except Exception:  # noqa: BLE001 - a not-estimable SE is counted, not hidden
                    info[c, 1] += 1
        return out, info
    return rep


def _binom_ci(k: int, n: int) -> tuple[float, float]:
    """Exact (Clopper-Pearson) 95% interval of a proportion k/n."""
    from scipy import stats

    lo = stats.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    hi = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return float(lo), float(hi)


SMD_LIMIT = 0.1
#: without replacement the design gate's stricter limit (design/_gate.py MATCHED_SCORE_SMD)
SMD_LIMIT_WITHOUT_REPLACEMENT = 0.05


def well_posed(mean_smd: float, replace: bool = True) -> bool:
    """Matching is well posed in a cell when it balances the score it matched on: mean |SMD| of
    the logit after matching at most 0.1 (Austin 2009), a check the analyst can make without
    outcomes; without replacement at most 0.05, the design gate's check
    ("score balance of a match without replacement"): greedy pairs from a pool that is locally
    scarce sit on one side of their focal unit, and at 0.065 (1:1 ATC, caliper 0.2 SD) the estimate
    was biased by 0.15 SD and covered 92.3% (``no_replacement_check``). Greedy matching without
    replacement from a scarce or badly overlapping pool fails it (poor matches leave confounding
    that no standard error can repair)."""
    return bool(mean_smd <= (SMD_LIMIT if replace else SMD_LIMIT_WITHOUT_REPLACEMENT))


def estimand_truth(info: np.ndarray, full: float) -> float:
    """The truth a cell's interval is judged against: the full ATT/ATC when every focal unit is
    matched in every replicate; otherwise (a caliper, or a pool without replacement that runs
    out) the effect of the focal units the match keeps, E[sum of tau(X) over matched focal units]
    / E[number matched], estimated over the replicates (``info`` rows: replicates x INFO). That
    is the population estimand such a match targets (MatchIt calls it the ATM): comparing it with
    the full ATT/ATC charges the SE with a change of estimand that no SE is meant to cover."""
    matched = info[:, 0]
    if np.all(matched >= 1.0 - 1e-12):
        return float(full)
    ok = np.isfinite(info[:, 3]) & (info[:, 4] > 0)
    return float(info[ok, 3].sum() / info[ok, 4].sum())


def summarise(design: str, draws: np.ndarray, info: np.ndarray, tr: dict[str, float],
              cell_list: list[tuple[str, bool, int, float | None]] | None = None) -> pd.DataFrame:
    """One row per (cell, SE): bias, empirical SD, mean SE, SD/SE, coverage and its exact 95%
    interval, rejection of the truth at 5% (= 1 - coverage for Wald intervals; from the p-value
    against 0 under ``binary_null``)."""
    rows = []
    for c, (est, replace, k, cal) in enumerate(cells() if cell_list is None else cell_list):
        names = SE_WITH if replace else SE_WITHOUT
        tau = estimand_truth(info[:, c], tr[est])
        for s, name in enumerate(names):
            if name in SKIP:
                continue
            x = draws[:, c, s, :]
            ok = np.isfinite(x[:, 0]) & np.isfinite(x[:, 1])
            e, se, lo, hi, p = x[ok].T
            cover = (lo <= tau) & (tau <= hi)
            nc = int(cover.sum())
            clo, chi = _binom_ci(nc, len(cover)) if len(cover) else (np.nan, np.nan)
            rows.append({
                "design": design, "estimand": est, "replace": replace, "k": k,
                "caliper": "0.2 SD" if cal else "none", "se_method": name,
                "well_posed": well_posed(float(np.nanmean(info[:, c, 2])), replace),
                "smd_logit": float(np.nanmean(info[:, c, 2])),
                "reps": int(ok.sum()), "failed": int(len(ok) - ok.sum()),
                "matched_focal": float(np.nanmean(info[:, c, 0])),
                "truth": tau, "truth_full": tr[est], "matching_bias": float(np.nanmean(info[:, c, 5])),
                "bias": float(e.mean() - tau), "empirical_sd": float(e.std(ddof=1)),
                "mean_se": float(se.mean()), "sd_over_se": float(e.std(ddof=1) / se.mean()),
                "coverage": float(cover.mean()), "coverage_lo": clo, "coverage_hi": chi,
                "reject_null": float(np.mean(p < 0.05)) if design == "binary_null" else np.nan,
            })
    return pd.DataFrame(rows)


def run_design(design: str, reps: int | None = None, n_boot: int | None = None) -> tuple[pd.DataFrame, float]:
    n = DESIGNS[design]
    reps = N_REPS if reps is None else reps
    n_boot = N_BOOT if n_boot is None else n_boot
    tr = truth(design)
    t0 = time.perf_counter()
    seed = SEED + sorted({**DESIGNS, **EXTRA_DESIGNS}).index(design)
    res: list = []
    for chunk in range(0, reps, CHUNK):  # chunks, so that a partial run leaves partial draws
        res += parallel_map(one_replicate(design, n, n_boot), min(CHUNK, reps - chunk),
                            random_state=seed * 1000 + chunk // CHUNK, n_jobs=1)
        if DRAWS_DIR is not None:
            tmp = DRAWS_DIR / f"{design}.tmp.npz"
            np.savez_compressed(tmp, draws=np.array([r[0] for r in res]), info=np.array([r[1] for r in res]))
            tmp.replace(DRAWS_DIR / f"{design}.npz")
    seconds = time.perf_counter() - t0
    draws = np.array([r[0] for r in res])
    info = np.array([r[1] for r in res])
    return summarise(design, draws, info, tr), seconds


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.1f}%" if np.isfinite(x) else "-"


def coverage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per SE method and design, over the well-posed cells: lowest and highest coverage, lowest and
    highest SD/SE, and how many of those cells cover within 93-97%."""
    ok = table[table["well_posed"]]
    g = ok.groupby(["se_method", "design"], sort=False)
    return pd.DataFrame({
        "cells": g.size(),
        "coverage_min": g["coverage"].min(), "coverage_max": g["coverage"].max(),
        "sd_over_se_min": g["sd_over_se"].min(), "sd_over_se_max": g["sd_over_se"].max(),
        "cells_93_97": g["coverage"].apply(lambda c: int(((c >= 0.93) & (c <= 0.97)).sum())),
    }).reset_index()


def default_se(design: str, replace: bool) -> str:
    """The row that is ``estimate_effect``'s default in a cell (``variance="auto"`` with the design's
    score passed, as the evaluation does): matched-set cluster without replacement; with
    replacement the regression-bias-corrected estimate with the robust SE for a binary outcome and
    the Abadie-Imbens SE (4 neighbours, 2016 adjustment) otherwise."""
    return "default_bias_corrected" if replace else "matched_set_cluster"


def default_lines(table: pd.DataFrame) -> list[str]:
    """The default standard error in every cell, and its range over the well-posed ones."""
    is_default = [r.se_method == default_se(r.design, bool(r.replace)) for r in table.itertuples()]
    sub = table[is_default]
    ok = sub[sub["well_posed"]]
    inside = int(((ok["coverage"] >= 0.93) & (ok["coverage"] <= 0.97)).sum())
    out = [f"**The default standard error** (`estimate_effect(variance=\"auto\")` with the design's score, as the "
           f"evaluation calls it): over the {len(ok)} well-posed cells coverage {_fmt_pct(ok['coverage'].min())}-"
           f"{_fmt_pct(ok['coverage'].max())}, {inside} of {len(ok)} within 93-97%.", "",
           "| design | estimand | replace | k | caliper | SMD | default SE | bias / emp. SD | SD/SE | coverage (95% MC interval) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sub.itertuples():
        out.append(f"| {r.design} | {r.estimand} | {'yes' if r.replace else 'no'} | {r.k} | {r.caliper} | "
                   f"{r.smd_logit:.3f}{'' if r.well_posed else ' (not posed)'} | {r.se_method} | "
                   f"{r.bias / r.empirical_sd:+.2f} | {r.sd_over_se:.2f} | {_fmt_pct(r.coverage)} "
                   f"({_fmt_pct(r.coverage_lo)}-{_fmt_pct(r.coverage_hi)}) |")
    return out + [""]


def refit_lines() -> list[str]:
    """The stored result of :func:`refit_bootstrap_check`, when there is one."""
    import json

    path = Path(__file__).resolve().parent / "results" / "matching_inference" / "refit_bootstrap.json"
    if not path.exists():
        return []
    r = json.loads(path.read_text())
    c, b = r["matched_set_cluster"], r["matched_set_bootstrap_refit"]
    return [f"**Without replacement, re-estimating the score in the bootstrap** (`refit_bootstrap_check`, {r['design']}, "
            f"{r['cell']}, the same {r['reps']:,} data sets): bias {r['bias']:+.4f} (empirical SD {r['empirical_sd']:.4f}); "
            f"matched-set cluster SE: SD/SE {c['sd_over_se']:.2f}, coverage {_fmt_pct(c['coverage'])} "
            f"({_fmt_pct(c['coverage_lo'])}-{_fmt_pct(c['coverage_hi'])}); matched-set bootstrap that re-estimates the "
            f"score and re-matches in every replicate: SD/SE {b['sd_over_se']:.2f}, coverage {_fmt_pct(b['coverage'])} "
            f"({_fmt_pct(b['coverage_lo'])}-{_fmt_pct(b['coverage_hi'])}).", ""]


def no_replacement_lines() -> list[str]:
    """The stored result of :func:`no_replacement_check`, when there is one."""
    import json

    path = Path(__file__).resolve().parent / "results" / "matching_inference" / "no_replacement.json"
    if not path.exists():
        return []
    r = json.loads(path.read_text())
    out = [f"**Why the cell without replacement covered 92.3%** (`no_replacement_check`, {r['design']}, {r['cell']}, "
           f"{r['reps']:,} data sets each, the study's seeds; `pair shift` mean focal-minus-match logit in SD of the "
           "logit, `SMD` its |SMD| after matching, the design gate's statistic; `bias-corrected` the same pairs with a "
           "regression of the outcome on the covariates in the matched alternative group, a diagnostic that is not "
           "a toolkit option):", "",
           "| run | n | SMD | pair shift | bias / emp. SD | SD/SE | coverage (95% MC interval) | bias-corrected: "
           "bias / SD, SD/SE, coverage |", "|---|---|---|---|---|---|---|---|"]
    for x in r["runs"]:
        out.append(f"| {x['run']} | {x['n']:,} | {x['smd_logit']:.3f} | {x['pair_shift']:+.3f} | "
                   f"{x['bias'] / x['empirical_sd']:+.2f} | {x['sd_over_se']:.2f} | {_fmt_pct(x['coverage'])} "
                   f"({_fmt_pct(x['coverage_lo'])}-{_fmt_pct(x['coverage_hi'])}) | "
                   f"{x['bc_bias'] / x['empirical_sd']:+.2f}, {x['bc_sd_over_se']:.2f}, {_fmt_pct(x['bc_coverage'])} "
                   f"({_fmt_pct(x['bc_coverage_lo'])}-{_fmt_pct(x['bc_coverage_hi'])}) |")
    return out + ["", "The rule that marks the 0.2 SD cell without replacement `not posed` (|SMD| of the score after "
                  "matching at most 0.05 without replacement, the design gate's check) was set after these runs, on "
                  "their evidence; docs/methods/effects.md says what it does and does not fix.", ""]


def summary_lines(table: pd.DataFrame) -> list[str]:
    summ = coverage_summary(table)
    designs = list(table["design"].unique())
    out = ["**Summary over the well-posed cells** (coverage lowest-highest, in how many cells within 93-97%; "
           "SD/SE lowest-highest):", "",
           "| SE | " + " | ".join(designs) + " |", "|---|" + "---|" * len(designs)]
    for se in summ["se_method"].unique():
        cells_txt = []
        for d in designs:
            r = summ[(summ.se_method == se) & (summ.design == d)]
            if r.empty:
                cells_txt.append("-")
                continue
            r = r.iloc[0]
            cells_txt.append(f"{_fmt_pct(r.coverage_min)}-{_fmt_pct(r.coverage_max)} ({r.cells_93_97}/{r.cells}); "
                             f"{r.sd_over_se_min:.2f}-{r.sd_over_se_max:.2f}")
        out.append(f"| {se} | " + " | ".join(cells_txt) + " |")
    return out + [""]


def write_doc(table: pd.DataFrame, seconds: dict[str, float], reps: dict[str, int]) -> None:
    """Write this benchmark's section of docs/simulation-study.md, keeping every other section."""
    lines = [
        SECTION, "",
        "Produced by `nice -n 10 python -m benchmarks matching_inference` (`benchmarks/bench_matching_inference.py`,",
        "designs and standard errors in its docstring); do not edit this section by hand.",
        "Replications: " + ", ".join(f"{d} {r:,}" for d, r in reps.items()) + f"; root seed {SEED}; {N_BOOT} bootstrap",
        "replicates; wall time on one core of a shared 2-core machine (load 5-14 from other work): "
        + ", ".join(f"{d} {s / 60:.0f} min" for d, s in seconds.items()) + ".",
        "",
        "Columns: `SD/SE` empirical SD of the estimates over the mean SE (1 = the SE is right on average);",
        "`coverage` of the toolkit's 95% interval for the cell's truth (column `truth`), with its exact 95% Monte",
        "Carlo interval; `reject` (null design only) share of p-values below 0.05; `SMD` mean |standardised",
        "mean difference| of the logit score after matching, marked `not posed` above 0.1, or above 0.05 without",
        "replacement (the design gate's check) (the match does not balance the score it was made on: poor",
        "matches, see the docstring); `matched` share of focal",
        "units matched (a caliper or a scarce pool leaves some out, which changes the estimand); `truth` the",
        "estimand of the cell (the full ATT/ATC when every focal unit is matched, else the effect of the focal units",
        "the match keeps, see the docstring); `matching bias` E[estimate | X, T, matches] minus the truth, from the",
        "true means (the part of the bias no standard error can cover; a regression bias correction removes it).",
        "",
        "**Published results reproduced (unit tests, not this benchmark).** R `Matching`'s Lalonde example (Dehejia-Wahba",
        "NSW data, ATT, 1:1 with replacement, ties averaged), printed in Bryer's *Applied Propensity Score Analysis with R*",
        "as Estimate 2153.3, AI SE 825.4, 346 pairs: every printed digit, from this package's own score fit, with",
        "`match_nearest(ties=\"average\")` and `estimate_effect(variance=\"abadie-imbens\", ai_neighbors=0)`; five more",
        "settings equal Matching 4.10-8 to 1e-12 (`tests/effects/test_matching_ties_reference.py`). Checked but not",
        "committed (StataCorp data; `stata_cattaneo2_check`): the Stata manual's `teffects psmatch` examples on",
        "cattaneo2 to every printed digit: ATET with `vce(iid)`, -236.7848 (26.11698), and the ATE with the robust SE",
        "and the Abadie-Imbens (2016) Theorem 1 adjustment, -224.006 (29.88627) and -210.9683 (32.021). No published",
        "ATET with the adjusted SE was found. Details in docs/methods/effects.md.",
        "",
    ]
    lines += default_lines(table)
    lines += refit_lines()
    lines += no_replacement_lines()
    lines += summary_lines(table)
    for design in table["design"].unique():
        sub = table[table["design"] == design]
        lines += [f"**{design}** (n = {DESIGNS[design]:,}; truth ATT {sub[sub.estimand == 'ATT'].truth.iloc[0]:.4f}, "
                  f"ATC {sub[sub.estimand == 'ATC'].truth.iloc[0]:.4f})", "",
                  "| estimand | replace | k | caliper | SMD | matched | truth | matching bias | SE | bias | emp. SD | "
                  "mean SE | SD/SE | coverage (95% MC interval) | reject |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sub.itertuples():
            lines.append(
                f"| {r.estimand} | {'yes' if r.replace else 'no'} | {r.k} | {r.caliper} | "
                f"{r.smd_logit:.3f}{'' if r.well_posed else ' (not posed)'} | {_fmt_pct(r.matched_focal)} | {r.truth:.4f} | {r.matching_bias:+.4f} | {r.se_method} | {r.bias:+.4f} | "
                f"{r.empirical_sd:.4f} | {r.mean_se:.4f} | {r.sd_over_se:.2f} | {_fmt_pct(r.coverage)} "
                f"({_fmt_pct(r.coverage_lo)}-{_fmt_pct(r.coverage_hi)}) | {_fmt_pct(r.reject_null)} |")
        lines.append("")
    old = DOC.read_text() if DOC.exists() else ""
    start = old.find("\n" + SECTION)
    body = "\n".join(lines).rstrip("\n") + "\n"
    if start < 0:
        DOC.write_text(old.rstrip("\n") + "\n\n" + body)
        return
    end = old.find("\n## ", start + 1)
    DOC.write_text(old[:start + 1] + body + (old[end:] if end >= 0 else ""))


RESULTS_CSV = Path(__file__).resolve().parent / "results" / "matching_inference.csv"
# wall times per design sit in a subfolder: results/*.json are the harness's record files
SECONDS_JSON = RESULTS_CSV.parent / "matching_inference" / "seconds.json"


def reps_per_design(table: pd.DataFrame) -> dict[str, int]:
    return {d: int(sub["reps"].add(sub["failed"]).max()) for d, sub in table.groupby("design", sort=False)}


def write_doc_from_results() -> None:
    """Rewrite the doc section from the stored table (benchmarks/results/matching_inference.csv)."""
    import json

    table = pd.read_csv(RESULTS_CSV)
    # the rule of well_posed may be newer than the stored table: apply the current one
    table["well_posed"] = [well_posed(float(r.smd_logit), bool(r.replace)) for r in table.itertuples()]
    table.to_csv(RESULTS_CSV, index=False, float_format="%.6g")
    seconds = json.loads(SECONDS_JSON.read_text())
    write_doc(table, seconds, reps_per_design(table))


def table_from_draws(draws_dir: Path) -> pd.DataFrame:
    """The results table from the raw draws a run saved (``DRAWS_DIR``), whatever number of
    replications each design reached; writes RESULTS_CSV."""
    tables = []
    for design in [*DESIGNS, *EXTRA_DESIGNS]:
        f = draws_dir / f"{design}.npz"
        if f.exists():
            z = np.load(f)
            tables.append(summarise(design, z["draws"], z["info"], truth(design)))
    table = pd.concat(tables, ignore_index=True)
    table.to_csv(RESULTS_CSV, index=False, float_format="%.6g")
    return table


def run(sizes: list[int], reps: int | None = None) -> list[dict]:
    import json

    reps = N_REPS if reps is None else reps
    records: list[dict] = []
    tables, seconds = [], {}
    for design in DESIGNS:
        with measure(f"matching_inference_{design}", DESIGNS[design], records, reps=reps):
            table, secs = run_design(design, reps)
        seconds[design] = secs
        tables.append(table)
        RESULTS_CSV.parent.mkdir(exist_ok=True)
        pd.concat(tables).to_csv(RESULTS_CSV, index=False, float_format="%.6g")
        SECONDS_JSON.parent.mkdir(exist_ok=True)
        SECONDS_JSON.write_text(json.dumps(seconds, indent=1) + "\n")
    write_doc_from_results()
    return records


if __name__ == "__main__":
    run(DEFAULT_SIZES)


REFIT_JSON = RESULTS_CSV.parent / "matching_inference" / "refit_bootstrap.json"


def refit_bootstrap_check(reps: int = N_REPS, n_boot: int = N_BOOT) -> dict:
    """The one well-posed cell without replacement (``few_controls``, ATC, 1:1, caliper 0.2 SD):
    the matched-set cluster SE against the matched-set bootstrap that re-estimates the score and
    re-matches in every replicate (``refit=``), on the same data sets as ``run_design`` (same
    seeds), judged against the effect of the controls kept. Run on demand
    (``python -c "from benchmarks.bench_matching_inference import refit_bootstrap_check as f; f()"``,
    about 13 minutes of one core); writes ``REFIT_JSON``."""
    import json

    design = "few_controls"
    covs = COVARIATES[design]

    def rep(i: int, rng: np.random.Generator):
        from altmeasures_eval.effects import estimate_effect
        from altmeasures_eval.matching import estimate_propensity, match_nearest

        d = simulate(design, DESIGNS[design], rng, both=True)  # the draws of one_replicate
        m1, m0 = d.pop("m1").to_numpy(), d.pop("m0").to_numpy()
        ps = estimate_propensity(d, "treatment", covs)
        boot_seed = int(rng.integers(2**31))
        m = match_nearest(d, "treatment", ps, estimand="ATC", ratio=1, replace=False, caliper=0.2)
        w = m.weights.reindex(d.index).to_numpy()
        focal = d["treatment"].to_numpy() == 0

        def refit(sub: pd.DataFrame):
            p2 = estimate_propensity(sub, "treatment", covs)
            return match_nearest(sub, "treatment", p2, estimand="ATC", ratio=1, replace=False, caliper=0.2)

        rows = [_row(estimate_effect(d, "y", "treatment", m, **kw)) for kw in
                (dict(), dict(variance="bootstrap", n_boot=n_boot, refit=refit, random_state=boot_seed))]
        return np.array(rows), float(w[focal] @ (m1 - m0)[focal]), float(w[focal].sum())

    seed = SEED + sorted({**DESIGNS, **EXTRA_DESIGNS}).index(design)
    res: list = []
    for chunk in range(0, reps, CHUNK):
        res += parallel_map(rep, min(CHUNK, reps - chunk), random_state=seed * 1000 + chunk // CHUNK, n_jobs=1)
    draws = np.array([r[0] for r in res])
    tau = sum(r[1] for r in res) / sum(r[2] for r in res)
    out = {"design": design, "cell": "ATC, without replacement, k = 1, caliper 0.2 SD", "reps": len(res),
           "truth": tau, "bias": float(draws[:, 0, 0].mean() - tau), "empirical_sd": float(draws[:, 0, 0].std(ddof=1))}
    for k, name in enumerate(("matched_set_cluster", "matched_set_bootstrap_refit")):
        cover = (draws[:, k, 2] <= tau) & (tau <= draws[:, k, 3])
        lo, hi = _binom_ci(int(cover.sum()), len(cover))
        out[name] = {"mean_se": float(draws[:, k, 1].mean()),
                     "sd_over_se": float(draws[:, 0, 0].std(ddof=1) / draws[:, k, 1].mean()),
                     "coverage": float(cover.mean()), "coverage_lo": lo, "coverage_hi": hi}
    REFIT_JSON.parent.mkdir(exist_ok=True)
    REFIT_JSON.write_text(json.dumps(out, indent=1) + "\n")
    return out


NO_REPLACEMENT_JSON = RESULTS_CSV.parent / "matching_inference" / "no_replacement.json"
#: (label, caliper in SD of the logit, sample size, match on the true score) of ``no_replacement_check``
NO_REPLACEMENT_RUNS = (("caliper 0.2 SD", 0.2, 1_000, False), ("caliper 0.2 SD, true score", 0.2, 1_000, True),
                       ("caliper 0.1 SD", 0.1, 1_000, False), ("caliper 0.05 SD", 0.05, 1_000, False),
                       ("caliper 0.2 SD, n = 4,000", 0.2, 4_000, False))


def no_replacement_check(reps: int = N_REPS) -> dict:
    """Why the one well-posed cell without replacement (``few_controls``, ATC, 1:1, caliper 0.2 SD)
    covered 92.3%: the same data sets (same seeds as ``run_design`` at n = 1,000) matched with
    the caliper of 0.2, 0.1 and 0.05 SD, on the estimated and on the true score, and at n = 4,000.
    Per run: bias against the effect of the controls kept, empirical SD, mean matched-set cluster
    SE (the default without replacement), SD/SE, coverage of the toolkit's interval with its exact
    95% Monte Carlo interval, the mean pair shift of the logit (focal minus match, in SD of the
    logit: the statistic of ``match_nearest``'s note), its |SMD| after matching (the study's and
    the design gate's statistic), and, as a diagnostic only, the same pairs with the regression
    bias correction (least squares of Y on the covariates in the matched treated units,
    pair differences corrected by the fitted difference, SE from the corrected pair differences).
    Run on demand (about 1 minute of one core); writes ``NO_REPLACEMENT_JSON``."""
    import json

    design = "few_controls"
    covs = COVARIATES[design]
    seed = SEED + sorted({**DESIGNS, **EXTRA_DESIGNS}).index(design)
    out: dict = {"design": design, "cell": "ATC, without replacement, k = 1", "reps": reps, "runs": []}
    for label, cal, n, true_score in NO_REPLACEMENT_RUNS:

        def rep(i: int, rng: np.random.Generator, cal=cal, n=n, true_score=true_score):
            from altmeasures_eval.effects import estimate_effect
            from altmeasures_eval.matching import estimate_propensity, match_nearest

            d = simulate(design, n, rng, both=True)  # the draws of one_replicate
            m1, m0 = d.pop("m1").to_numpy(), d.pop("m0").to_numpy()
            ps = estimate_propensity(d, "treatment", covs)
            rng.integers(2**31)  # the bootstrap seed one_replicate draws, so the data sets stay the same
            dist = (pd.Series(1.0 + 0.8 * d["x1"] - 0.5 * d["x2"] + 0.3 * d["x3"], index=d.index, name="true_logit")
                    if true_score else ps)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = match_nearest(d, "treatment", dist, estimand="ATC", ratio=1, replace=False, caliper=cal)
                r = _row(estimate_effect(d, "y", "treatment", m))
            t, y = d["treatment"].to_numpy(), d["y"].to_numpy()
            w = m.weights.reindex(d.index).to_numpy()
            keep = w > 0
            focal = t == 0
            lin = ps.linear.reindex(d.index).to_numpy()
            sd_pooled = np.sqrt((lin[t == 1].var(ddof=1) + lin[t == 0].var(ddof=1)) / 2)
            smd = abs(np.average(lin[focal], weights=w[focal]) - np.average(lin[~focal], weights=w[~focal])) / sd_pooled
            codes = pd.factorize(m.subclass.reindex(d.index).to_numpy(dtype=float, na_value=np.nan)[keep])[0]
            dist_v = m.distance.reindex(d.index).to_numpy()
            fk = focal[keep]

            def per_set(v: np.ndarray, which: np.ndarray) -> np.ndarray:
                return np.bincount(codes, weights=np.where(which, v[keep], 0.0))

            shift = float(np.mean(per_set(dist_v, fk) - per_set(dist_v, ~fk)) / np.std(dist_v))
            Z1 = np.column_stack([np.ones(len(d)), d[covs].to_numpy()])
            beta = np.linalg.lstsq(Z1[keep & ~focal], y[keep & ~focal], rcond=None)[0]
            mu = Z1 @ beta
            pair_bc = (per_set(y, ~fk) - per_set(mu, ~fk) + per_set(mu, fk)) - per_set(y, fk)  # treated - custody
            eff = (m1 - m0)[focal & keep]
            return np.array([*r, pair_bc.mean(), pair_bc.std(ddof=1) / np.sqrt(len(pair_bc)), shift, smd,
                             eff.sum(), len(eff)])

        res: list = []
        for chunk in range(0, reps, CHUNK):
            res += parallel_map(rep, min(CHUNK, reps - chunk), random_state=seed * 1000 + chunk // CHUNK, n_jobs=1)
        a = np.array(res)
        tau = float(a[:, 9].sum() / a[:, 10].sum())
        e, se = a[:, 0], a[:, 1]
        cover = (a[:, 2] <= tau) & (tau <= a[:, 3])
        bc_cover = np.abs(a[:, 5] - tau) <= Z * a[:, 6]
        row = {"run": label, "caliper_sd": cal, "n": n, "true_score": true_score, "truth": tau,
               "bias": float(e.mean() - tau), "empirical_sd": float(e.std(ddof=1)), "mean_se": float(se.mean()),
               "sd_over_se": float(e.std(ddof=1) / se.mean()), "coverage": float(cover.mean()),
               "pair_shift": float(a[:, 7].mean()), "share_shift_above_note": float(np.mean(np.abs(a[:, 7]) > 0.05)),
               "smd_logit": float(a[:, 8].mean()), "matched_custody": float(a[:, 10].mean()),
               "bc_bias": float(a[:, 5].mean() - tau), "bc_sd_over_se": float(a[:, 5].std(ddof=1) / a[:, 6].mean()),
               "bc_coverage": float(bc_cover.mean())}
        row["coverage_lo"], row["coverage_hi"] = _binom_ci(int(cover.sum()), len(cover))
        row["bc_coverage_lo"], row["bc_coverage_hi"] = _binom_ci(int(bc_cover.sum()), len(bc_cover))
        out["runs"].append(row)
    NO_REPLACEMENT_JSON.parent.mkdir(exist_ok=True)
    NO_REPLACEMENT_JSON.write_text(json.dumps(out, indent=1) + "\n")
    return out


STATA_JSON = RESULTS_CSV.parent / "matching_inference" / "stata_cattaneo2.json"
#: Stata's printed results (Stata manual, [TE] teffects psmatch examples; the commands as in
#: kylebutts/teffects-r inst/stata/run_teffects_examples.do and teffects_reference.csv)
STATA_PSMATCH = {
    "atet vce(iid) caliper(0.03)": (-236.7848, 26.11698),
    "ate nneighbor(4) [vce(robust, nn(2))]": (-224.006, 29.88627),
    "ate caliper(0.1) [vce(robust, nn(2))]": (-210.9683, 32.021),
}


def stata_cattaneo2_check(path: str | Path) -> dict:
    """Stata's ``teffects psmatch`` examples on ``cattaneo2.dta`` (StataCorp's data, not in this
    repository: pass the path of your own copy), reproduced with the toolkit: a logistic score of
    mbsmoke on mmarried, mage, mage^2, fbaby and medu; matching on the fitted probability with ties
    averaged (``match_nearest(ties="average")``, caliper in probability units as Stata's).

    - ATET, ``vce(iid)``: ``estimate_effect(variance="abadie-imbens", ai_neighbors=0)``;
    - ATE, robust SE with the Abadie-Imbens (2016) Theorem 1 adjustment: the toolkit offers no ATE
      by matching, so the AI (2006) ATE variance is assembled here from the toolkit's ATT and ATC
      matches (sum over all units of (effect - tau)^2 + sigma^2 (K^2 + 2K - K')) / N^2, sigma^2
      over the unit and its nearest other unit of its group, ties kept: Stata's nn(2) counts the
      unit), and the adjustment is the toolkit's ``ps_estimation_adjustment(..., "ATE", L=2)``.

    Writes ``STATA_JSON`` (our numbers beside Stata's; no data)."""
    import json

    from altmeasures_eval.effects import estimate_effect
    from altmeasures_eval.effects._abadie_imbens import _row_var, _sets, ps_estimation_adjustment
    from altmeasures_eval.matching import estimate_propensity, match_nearest

    d = pd.read_stata(path, convert_categoricals=False)
    d["mbsmoke"] = d["mbsmoke"].astype(int)
    d = d.astype({c: float for c in ["mmarried", "mage", "fbaby", "medu", "bweight"]})
    ps = estimate_propensity(d, "mbsmoke", formula="mmarried + mage + I(mage**2) + fbaby + medu")
    p, X = ps.score.to_numpy(), np.asarray(ps.design)
    y, t = d["bweight"].to_numpy(), d["mbsmoke"].to_numpy()
    d["ps"] = p
    n = len(y)
    out: dict = {"source": "Stata manual [TE] teffects psmatch, cattaneo2.dta", "results": {}}
    m = match_nearest(d, "mbsmoke", "ps", estimand="ATT", ratio=1, replace=True, caliper=0.03, std_caliper=False,
                      ties="average")
    r = estimate_effect(d, "bweight", "mbsmoke", m, variance="abadie-imbens", ai_neighbors=0)["mean_difference"]
    out["results"]["atet vce(iid) caliper(0.03)"] = (float(r["estimate"]), float(r["se"]))
    pos = {label: i for i, label in enumerate(d.index)}
    for name, M, cal in (("ate nneighbor(4) [vce(robust, nn(2))]", 4, None), ("ate caliper(0.1) [vce(robust, nn(2))]", 1, 0.1)):
        y1, y0 = np.where(t == 1, y, 0.0), np.where(t == 0, y, 0.0)
        K, Kp = np.zeros(n), np.zeros(n)
        for est in ("ATT", "ATC"):
            mm = match_nearest(d, "mbsmoke", "ps", estimand=est, ratio=M, replace=True, caliper=cal, std_caliper=False,
                               ties="average").match_matrix
            for label, row in zip(mm.index, mm.to_numpy()):
                got = [pos[c] for c in row if c is not pd.NA]
                (y0 if est == "ATT" else y1)[pos[label]] = y[got].mean()
                np.add.at(K, got, 1 / len(got))
                np.add.at(Kp, got, 1 / len(got) ** 2)
        eff = y1 - y0
        tau = float(eff.mean())
        s2 = np.full(n, np.nan)
        for w in (0, 1):
            pool = np.flatnonzero(t == w)
            s2[pool] = _row_var(y, np.column_stack([pool, _sets(p, pool, pool, 1, True, exclude_self=True)]))
        v = (np.sum((eff - tau) ** 2) + np.sum(s2 * (K**2 + 2 * K - Kp))) / n**2
        adj = ps_estimation_adjustment(y, t, p, X, "ATE", tau, M=M, L=2, score=p, ties=True)["adjustment"]
        out["results"][name] = (tau, float(np.sqrt(v + adj)))
    out["stata"] = STATA_PSMATCH
    STATA_JSON.parent.mkdir(exist_ok=True)
    STATA_JSON.write_text(json.dumps(out, indent=1) + "\n")
    return out
