"""Matching speed: ours vs R MatchIt 4.5.1 vs scikit-learn NearestNeighbors, and the 1,000,000 targets.

Stages (``python -m benchmarks matching``):

- ``compile``: first call of the numba kernel on a tiny problem (cached on disk afterwards).
- at each size in ``COMPARE_SIZES`` (10,000 and 100,000 units, 30% treated, 1-D logit score):
  ``ours_nn_nocal`` and ``matchit_nn_nocal`` (1:1 greedy without replacement, largest first, no caliper),
  ``ours_nn_caliper`` and ``matchit_nn_caliper`` (the same with caliper 0.2 SD),
  ``ours_nn_replace`` and ``sklearn_nn_replace`` (1:1 with replacement = one nearest-neighbour query;
  scikit-learn cannot match without replacement). MatchIt times are the ``matchit()`` call only,
  measured inside R with ``system.time`` (R start-up and CSV reading excluded); the records carry
  the ratio MatchIt / ours and sklearn / ours.
- at 1,000,000 units: ``caliper_exact_1m`` (1:1 caliper 0.2 SD + exact on 4 jurisdictions x 5 years,
  target < 10 s) and ``propensity_balance_1m_20`` (logistic propensity model + balance table on 20
  covariates, target < 30 s).

The machine is shared with other engineers' jobs, so timings are noisy; each number is one run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import measure

DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
COMPARE_SIZES = (10_000, 100_000)

R_SCRIPT = r"""
suppressPackageStartupMessages(library(MatchIt))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
out <- list()
for (cal in c("none", "0.2")) {
  caliper <- if (cal == "none") NULL else 0.2
  tm <- system.time(m <- matchit(treat ~ 1, data = d, method = "nearest", distance = d$score * 1e6,
                                  caliper = caliper))[["elapsed"]]
  out[[cal]] <- c(seconds = tm, matched = sum(m$weights > 0 & d$treat == 1))
}
write.csv(do.call(rbind, out), args[2])
"""


def _scores(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    lin = -0.85 + x @ np.array([0.6, -0.4, 0.3])
    t = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(np.int8)
    return pd.DataFrame({"treat": t, "score": lin + rng.normal(scale=0.3, size=n)})


def _cohort_like(n: int, p: int = 20, seed: int = 2) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(p):
        cols[f"x{j}"] = rng.binomial(1, 0.3, n).astype(float) if j % 4 == 0 else rng.normal(size=n)
    data = pd.DataFrame(cols)
    data["jurisdiction"] = rng.choice(["north", "south", "east", "west"], n)
    data["index_year"] = rng.integers(2018, 2023, n)
    lin = -0.85 + data[[f"x{j}" for j in range(p)]].to_numpy() @ rng.normal(scale=0.15, size=p)
    data["treatment"] = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(np.int8)
    return data, [f"x{j}" for j in range(p)]


def _matchit(frame: pd.DataFrame) -> dict[str, tuple[float, int]] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, out, script = Path(tmp, "d.csv"), Path(tmp, "o.csv"), Path(tmp, "m.R")
        frame.to_csv(src, index=False)
        script.write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(script), str(src), str(out)], check=True, capture_output=True)
        res = pd.read_csv(out, index_col=0)
    return {str(k): (float(r["seconds"]), int(r["matched"])) for k, r in res.iterrows()}


def run(sizes: list[int]) -> list[dict]:
    from sklearn.neighbors import NearestNeighbors

    from altmeasures_eval.matching import balance_table, estimate_propensity, match_nearest

    records: list[dict] = []
    with measure("compile", 100, records):
        tiny = _scores(100)
        match_nearest(tiny, "treat", "score", caliper=None, replace=False)
    for n in sizes:
        if n in COMPARE_SIZES:
            frame = _scores(n)
            r = _matchit(frame)
            for tag, cal in (("nocal", None), ("caliper", 0.2)):
                with measure(f"ours_nn_{tag}", n, records) as rec:
                    res = match_nearest(frame, "treat", "score", caliper=cal, replace=False)
                rec["matched_treated"] = int(res.counts.loc["matched", "treated"])
                if r is not None:
                    key = "none" if cal is None else "0.2"
                    records.append({"stage": f"matchit_nn_{tag}", "n": n, "seconds": round(r[key][0], 4),
                                    "peak_rss_mb": float("nan"), "matched_treated": r[key][1]})
            with measure("ours_nn_replace", n, records):
                match_nearest(frame, "treat", "score", caliper=None, replace=True)
            with measure("sklearn_nn_replace", n, records):
                t = frame["treat"].to_numpy()
                s = frame["score"].to_numpy()[:, None]
                nn = NearestNeighbors(n_neighbors=1).fit(s[t == 0])
                nn.kneighbors(s[t == 1])
            by = {rec["stage"]: rec for rec in records if rec["n"] == n}
            for tag in ("nocal", "caliper"):
                if f"matchit_nn_{tag}" in by:
                    ratio = by[f"matchit_nn_{tag}"]["seconds"] / by[f"ours_nn_{tag}"]["seconds"]
                    by[f"matchit_nn_{tag}"]["ratio_to_ours"] = round(ratio, 1)
                    by[f"matchit_nn_{tag}"]["same_matched_count"] = (
                        by[f"matchit_nn_{tag}"]["matched_treated"] == by[f"ours_nn_{tag}"]["matched_treated"])
            by["sklearn_nn_replace"]["ratio_to_ours"] = round(
                by["sklearn_nn_replace"]["seconds"] / by["ours_nn_replace"]["seconds"], 1)
        if n >= 1_000_000:
            data, covs = _cohort_like(n)
            score = pd.Series(np.log(np.random.default_rng(3).uniform(0.05, 0.95, n)), index=data.index)
            with measure("caliper_exact_1m", n, records, target_seconds=10) as rec:
                res = match_nearest(data, "treatment", score.to_numpy(), caliper=0.2, replace=False,
                                    exact=["jurisdiction", "index_year"])
            rec["matched_treated"] = int(res.counts.loc["matched", "treated"])
            rec["strata"] = 20
            with measure("propensity_balance_1m_20", n, records, target_seconds=30) as rec:
                t0 = time.perf_counter()
                ps = estimate_propensity(data, "treatment", covs)
                rec["propensity_seconds"] = round(time.perf_counter() - t0, 2)
                w = np.where(data["treatment"].to_numpy() == 1, 1 / ps.score, 1 / (1 - ps.score))
                bal = balance_table(data, "treatment", covs, w)
            rec["max_abs_smd_after"] = round(bal.max_abs_smd, 4)
    return records


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run([10_000]), indent=2))
