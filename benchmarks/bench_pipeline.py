"""The whole pipeline at national size: every stage timed alone, the ``report`` command end to end.

For each size ``n`` (persons given to ``synth.simulate``; 1,000,000 persons is about 3,000,000
cases and a first-year cohort of about 97,000 people), in one run:

- ``synth`` and ``write_parquet`` / ``write_csv`` (set-up, recorded for context);
- ``ingest_parquet`` / ``ingest_csv``: ``io.ingest`` (read + validate every table, strict), and the
  same in a fresh process (``ingest_*_fresh_process``) for the memory reading alone takes;
- ``cohort``: ``build_cohort`` with the generator's evaluation period;
- ``propensity``, ``matching`` (1:1 nearest, caliper 0.2 SD, ATT), ``weighting`` (IPW, ATT),
  ``balance`` (SMD, variance ratio, KS, before/after matching);
- ``km`` (weighted Kaplan-Meier by arm), ``cox`` (weighted hazard ratio, matched sets as clusters),
  ``rmst`` (weighted RMST difference at the cohort horizons);
- ``bootstrap_1000``: 1,000 pair-bootstrap replicates of the matched 1-year risk difference on both
  cores (``estimate_effect(..., variance="bootstrap", n_jobs=2)``);
- ``quality_report`` (io) and ``table_hashes`` (evaluation: content hashes of every table), two
  steps of the ``report`` command timed alone;
- ``bootstrap_1000_dask``: the same replicates on a Dask ``LocalCluster`` (2 worker processes),
  with ``equals_local_run`` (identical summary);
- ``bed_days`` (bed-days per cohort member), ``prepare_spells`` (spells joined to cases and
  persons) and ``projection`` (length of stay, admissions, re-admission draws, 5-year projection);
- ``monte_carlo``: cost quantities, bootstrap effect draws and 10,000 Monte Carlo draws;
- ``evaluation`` (``run_evaluation`` on the sample config; its own stage timings are attached) and
  ``report_render`` (``write_report``: HTML, PDF, tables, figures, results.json);
- ``report_end_to_end``: the ``altmeasures-eval report`` command in a fresh process on the Parquet
  folder (reading, validation, evaluation and every output), wall time and that process's peak RSS
  (``/usr/bin/time``). Issue #9 target at 1,000,000 persons: < 180 s and < 6 GB.

Every stage's records carry ``growth_exponent`` at the largest size: the slope of log(seconds) on
log(n) over the sizes run (1 = linear). Side by side: ``cox_ours_100k`` vs ``cox_r_coxph_100k``
(R ``survival::coxph``, Efron ties, weights, cluster-robust SE, timed inside R with
``system.time``) on ``bench_survival.make_data(100_000)``. Matching against MatchIt and
scikit-learn is ``bench_matching``; the naive pandas cohort is ``bench_cohort``.

The machine has 2 cores and is shared with other engineers' jobs: each number is one run and
wall times are noisy (the load average at the start is recorded).
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import measure

DEFAULT_SIZES = [20_000, 100_000, 1_000_000]
REPO = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = REPO / "data" / "sample" / "evaluation.toml"
#: Stages set up by the benchmark itself; not part of the toolkit's pipeline.
SETUP_STAGES = ("synth", "write_parquet", "write_csv")
N_BOOT = 1000
#: Imputations of the ``evaluation`` stage: ``None`` keeps the sample config's (the default, 20).
IMPUTATIONS: int | None = None

R_COX = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
covs <- setdiff(names(d), c("time", "event", "w", "pair"))
f <- as.formula(paste("Surv(time, event) ~", paste(covs, collapse = " + ")))
tm <- system.time(fit <- coxph(f, data = d, weights = w, cluster = pair, ties = "efron"))[["elapsed"]]
write.csv(data.frame(term = names(coef(fit)), coef = unname(coef(fit)), robust_se = sqrt(diag(fit$var)),
                     seconds = tm), args[2], row.names = FALSE)
"""


def growth_exponents(records: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares slope of log(seconds) on log(n) per stage (stages seen at two sizes or more).

    ``seconds ~ c * n ** b``: ``b`` near 1 is linear growth, 2 quadratic. Stages below 5 ms at
    every size are left out (their times are dominated by overhead and timer noise).
    """
    frame = pd.DataFrame([{k: r[k] for k in ("stage", "n", "seconds")} for r in records])
    out = {}
    for stage, g in frame.groupby("stage", sort=False):
        g = g[g["seconds"] > 0]
        if g["n"].nunique() < 2 or g["seconds"].max() < 0.005:
            continue
        b = np.polyfit(np.log(g["n"].to_numpy(float)), np.log(g["seconds"].to_numpy(float)), 1)[0]
        out[str(stage)] = round(float(b), 2)
    return out


def _config(folder: Path, data: Path, period: dict[str, Any], n_boot: int = 200) -> Path:
    """The sample evaluation config pointed at ``data`` with the generator's evaluation period."""
    import tomllib

    raw = tomllib.loads(SAMPLE_CONFIG.read_text())
    text = SAMPLE_CONFIG.read_text().replace('path = "."', f'path = "{data.as_posix()}"')
    text = text.replace(str(raw["cohort"]["period_start"]), str(pd.Timestamp(period["period_start"]).date()))
    text = text.replace(str(raw["cohort"]["period_end"]), str(pd.Timestamp(period["period_end"]).date()))
    text = text.replace("n_boot = 200", f"n_boot = {n_boot}")
    if IMPUTATIONS is not None:
        text = text.replace("[design]\n", f"[design]\nimputations = {IMPUTATIONS}\n", 1)
    path = folder / "evaluation.toml"
    path.write_text(text)
    return path


def _timed_process(cmd: list[str], what: str) -> tuple[float, float, str]:
    """Run ``cmd`` in a fresh process: wall seconds, its peak RSS (MB, via /usr/bin/time) and stdout."""
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if timer:
            cmd = [timer, "-f", "%M", "-o", rss.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        seconds = time.perf_counter() - t0
        peak = float(Path(rss.name).read_text().split()[-1]) / 1024.0 if timer else float("nan")
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, peak, proc.stdout


def _report_command(config: Path, out: Path) -> dict[str, Any]:
    """``altmeasures-eval report`` in a fresh process: wall seconds and the process's peak RSS."""
    cmd = [sys.executable, "-m", "altmeasures_eval.cli", "report", "--config", str(config), "--out", str(out), "--quiet"]
    seconds, peak, stdout = _timed_process(cmd, "report command")
    return {"seconds": seconds, "peak_rss_mb": peak, "stdout": stdout.strip()[-300:]}


def _fresh_ingest(folder: Path) -> dict[str, Any]:
    """``io.ingest(folder)`` alone in a fresh process: wall seconds and that process's peak RSS."""
    code = ("from altmeasures_eval.io import ingest; import sys; "
            "print(len(ingest(sys.argv[1]).dataset.cases))")
    seconds, peak, stdout = _timed_process([sys.executable, "-c", code, str(folder)], f"ingest of {folder}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "case_rows": int(stdout.split()[-1]),
            "input_mb": round(sum(f.stat().st_size for f in folder.iterdir()) / 2**20, 1),
            "note": "fresh process (imports included), /usr/bin/time peak RSS"}


def cox_vs_r(n: int = 100_000, records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Weighted, clustered Cox (10 covariates, integer days) by ours and by R ``coxph``."""
    from altmeasures_eval.survival import cox_ph
    from benchmarks.bench_survival import P, make_data

    records = [] if records is None else records
    df = make_data(n, seed=3)
    covs = ["treatment", *[f"x{i}" for i in range(P - 1)]]
    with measure("cox_ours_100k", n, records, covariates=len(covs)):
        res = cox_ph(df, "time", "event", covs, weights="w", cluster="pair", ph_test=False)
    rscript = shutil.which("Rscript")
    if rscript is None:
        records[-1]["note"] = "Rscript not found: R side not run"
        return records
    with tempfile.TemporaryDirectory() as tmp:
        data, out, script = Path(tmp) / "d.csv", Path(tmp) / "out.csv", Path(tmp) / "cox.R"
        df[[*covs, "time", "event", "w", "pair"]].to_csv(data, index=False)
        script.write_text(R_COX)
        subprocess.run([rscript, str(script), str(data), str(out)], check=True, capture_output=True)
        r = pd.read_csv(out).set_index("term")
    ours = res.summary.set_index("term") if "term" in res.summary.columns else res.summary
    coef_col, se_col = "estimate", "se"  # log hazard ratio and its cluster-robust SE
    diff_coef = float(np.max(np.abs(ours.loc[r.index, coef_col].to_numpy(float) - r["coef"].to_numpy())))
    diff_se = float(np.max(np.abs(ours.loc[r.index, se_col].to_numpy(float) / r["robust_se"].to_numpy() - 1)))
    r_seconds = float(r["seconds"].iloc[0])
    records.append({"stage": "cox_r_coxph_100k", "n": n, "seconds": r_seconds, "peak_rss_mb": float("nan"),
                    "ratio_to_ours": round(r_seconds / records[-1]["seconds"], 1),
                    "max_abs_coef_diff": float(f"{diff_coef:.2e}"), "max_rel_se_diff": float(f"{diff_se:.2e}"),
                    "note": "R time is coxph() only (system.time), CSV reading excluded"})
    return records


def warm_up() -> None:
    """Pay the one-off costs before timing: imports, numba compilation, the loky worker pool."""
    from altmeasures_eval._parallel import parallel_map
    from altmeasures_eval.matching import match_nearest
    import altmeasures_eval.io, altmeasures_eval.report, altmeasures_eval.survival  # noqa: E401, F401

    rng = np.random.default_rng(0)
    tiny = pd.DataFrame({"t": rng.integers(0, 2, 200), "s": rng.normal(size=200)})
    match_nearest(tiny, "t", "s", caliper=None, replace=False)
    parallel_map(_square, 8, random_state=0, n_jobs=2)


def _square(i: int, rng: np.random.Generator) -> float:
    return float(rng.normal()) ** 2


def _stages(n: int, folder: Path, records: list[dict[str, Any]], csv: bool, end_to_end: bool = True,
            pdf: bool = True, dask_cluster: Any = None) -> None:
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.effects import estimate_effect
    from altmeasures_eval.evaluation import EvaluationSpec, prepare_covariates, run_evaluation, table_hashes
    from altmeasures_eval.io import ingest, quality_report, write_dataset
    from altmeasures_eval.matching import balance_table, estimate_propensity, match_nearest, weight_ipw
    from altmeasures_eval.report import write_report
    from altmeasures_eval.survival import cox_ph, kaplan_meier, rmst
    from altmeasures_eval.synth import simulate

    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at start"
    with measure("synth", n, records, note="set-up") as rec:
        sim = simulate(n, seed=1)
        rec["cases"] = len(sim.dataset.cases)
    period = sim.truth["cohort_definition"]
    with measure("write_parquet", n, records, note="set-up"):
        pq = write_dataset(sim.dataset, folder / "parquet", format="parquet")
    if csv:
        with measure("write_csv", n, records, note="set-up"):
            write_dataset(sim.dataset, folder / "csv", format="csv")
    del sim
    gc.collect()
    for fmt in ("parquet", "csv") if csv else ("parquet",):
        records.append({"stage": f"ingest_{fmt}_fresh_process", "n": n, **_fresh_ingest(folder / fmt)})
    with measure("ingest_parquet", n, records, note=load) as rec:
        ing = ingest(pq)
        dataset = ing.dataset
        rec["case_rows"] = len(dataset.cases)
    with measure("quality_report", n, records):
        quality = quality_report(ing)
    del ing
    with measure("table_hashes", n, records, note="content hashes for the reproducibility appendix"):
        table_hashes(dataset)
    if csv:
        with measure("ingest_csv", n, records) as rec:
            rec["case_rows"] = len(ingest(folder / "csv").dataset.cases)
        gc.collect()
    config = _config(folder, pq, period)
    from altmeasures_eval.config import load_config

    spec = EvaluationSpec.from_config(load_config(config))
    with measure("cohort", n, records) as rec:
        cohort = build_cohort(dataset, spec.cohort)
        rec["cohort_rows"] = cohort.n
    data, covs, _ = prepare_covariates(cohort.data, spec.design.covariates)  # as the report command
    covs = list(covs)
    with measure("propensity", n, records, covariates=len(covs), cohort_rows=len(data)):
        ps = estimate_propensity(data, "treatment", covs)
    with measure("matching", n, records, cohort_rows=len(data)) as rec:
        m = match_nearest(data, "treatment", ps, caliper=0.2, random_state=1, replace=False)
        rec["matched_treated"] = int(((m.weights > 0) & (data["treatment"] == 1)).sum())
    with measure("weighting", n, records, cohort_rows=len(data)):
        weight_ipw(data, "treatment", ps, estimand="ATT")
    with measure("balance", n, records, covariates=len(covs)) as rec:
        bal = balance_table(data, "treatment", covs, m, distance=ps)
        rec["max_abs_smd_after"] = round(float(np.nanmax(np.abs(bal.table["smd_after"]))), 4) \
            if "smd_after" in getattr(bal, "table", pd.DataFrame()).columns else None
    wdata = data.assign(design_weight=m.weights.to_numpy(float), matched_set=m.subclass.to_numpy(float))
    wdata = wdata[wdata["design_weight"] > 0].copy()
    wdata["matched_set"] = wdata["matched_set"].astype("int64")
    horizons = list(spec.cohort.horizons)
    with measure("km", n, records, rows=len(wdata)):
        kaplan_meier(wdata, "time_reoffend", "event_reoffend", "treatment", weights="design_weight",
                     cluster="matched_set", times=horizons)
    with measure("cox", n, records, rows=len(wdata)) as rec:
        cx = cox_ph(wdata, "time_reoffend", "event_reoffend", ["treatment"], weights="design_weight",
                    cluster="matched_set", ph_test=False)
        rec["hazard_ratio"] = round(float(cx.summary["hazard_ratio"].iloc[0]), 4)
    with measure("rmst", n, records, rows=len(wdata), horizons=len(horizons)):
        rmst(wdata, "time_reoffend", "event_reoffend", "treatment", weights="design_weight",
             cluster="matched_set", times=horizons)
    outcome = f"reoffend_{spec.report.headline_horizon}"
    with measure(f"bootstrap_{N_BOOT}", n, records, n_jobs=2, matched_rows=len(wdata)) as rec:
        cpu = time.process_time()
        eff = estimate_effect(data, outcome, "treatment", m, variance="bootstrap", n_boot=N_BOOT,
                              random_state=1, n_jobs=2)
        rec["parent_cpu_seconds"] = round(time.process_time() - cpu, 2)
        rec["risk_difference"] = round(float(eff.summary["estimate"].iloc[0]), 4)
        rec["se"] = round(float(eff.summary["se"].iloc[0]), 4)
    local = eff.summary
    eff = _dask_bootstrap(n, data, outcome, m, len(wdata), records, dask_cluster)
    records[-1]["equals_local_run"] = bool(eff is not None and eff.summary.equals(local))
    _population_and_costs(n, dataset, data, m.weights.to_numpy(float), spec, records)
    del wdata, cohort
    gc.collect()
    with measure("evaluation", n, records, note="run_evaluation, sample config, quality report given") as rec:
        ev = run_evaluation(dataset, spec, progress=False, quality=quality)
        rec["stage_seconds"] = dict(ev.timings) if hasattr(ev, "timings") else None
    with measure("report_render", n, records) as rec:
        written = write_report(ev, folder / "report_inproc", pdf=pdf)
        rec["files"] = len(written)
    del ev, dataset, data
    gc.collect()
    if not end_to_end:
        return
    e2e = _report_command(config, folder / "report")
    records.append({"stage": "report_end_to_end", "n": n, "seconds": round(e2e["seconds"], 2),
                    "peak_rss_mb": round(e2e["peak_rss_mb"], 1), "note": "fresh process, /usr/bin/time peak RSS; "
                    + load, "target_seconds": 180 if n >= 1_000_000 else None,
                    "target_peak_rss_mb": 6144 if n >= 1_000_000 else None})


def _dask_bootstrap(n: int, data: pd.DataFrame, outcome: str, m: Any, rows: int,
                    records: list[dict[str, Any]], cluster: Any = None) -> Any:
    """The same 1,000 replicates on a Dask ``LocalCluster`` of two worker processes (cluster start
    excluded): ``cluster`` if given (the unit suite passes the one its session started), else one
    started here and closed after."""
    from altmeasures_eval._parallel import compute_backend
    from altmeasures_eval.effects import estimate_effect

    try:
        import distributed
    except ImportError:
        records.append({"stage": f"bootstrap_{N_BOOT}_dask", "n": n, "seconds": float("nan"),
                        "peak_rss_mb": float("nan"), "note": "dask.distributed not installed"})
        return None
    with contextlib.ExitStack() as stack:
        if cluster is None:
            cluster = stack.enter_context(distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                                   dashboard_address=":0", silence_logs=40))
        client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        client.run(lambda: __import__("altmeasures_eval.effects"))  # workers import the package first
        with measure(f"bootstrap_{N_BOOT}_dask", n, records, workers=2, matched_rows=rows,
                     note="LocalCluster, 2 worker processes; same seed as bootstrap_1000"), compute_backend(client):
            return estimate_effect(data, outcome, "treatment", m, variance="bootstrap", n_boot=N_BOOT, random_state=1)


def _population_and_costs(n: int, dataset: Any, data: pd.DataFrame, weights: np.ndarray, spec: Any,
                          records: list[dict[str, Any]]) -> None:
    from altmeasures_eval import costs as C
    from altmeasures_eval import population as P

    ext = dataset.extract.extract_date
    s = spec.population
    with measure("bed_days", n, records):
        beds = P.count_bed_days(data, dataset.custody_spells, ext, horizons=spec.cohort.horizons)
    with measure("prepare_spells", n, records) as rec:
        spells = P.prepare_spells(dataset.custody_spells, dataset.cases, dataset.persons, ext,
                                  eligible_prefixes=spec.cohort.eligible_prefixes)
        rec["spells"] = len(spells)
    with measure("projection", n, records, years=s.years, n_boot=s.n_boot) as rec:
        adm = P.monthly_admissions(spells)
        los = P.length_of_stay(spells)
        rates = P.readmission_rates(data, beds, horizon=s.horizon, weights=weights, n_boot=s.n_boot, random_state=1)
        proj = P.project_population(adm, los, ext, years=s.years, shares=s.shares, rates=rates)
        rec["projection_rows"] = len(proj.paths)
    a = spec.costs_analysis
    with measure("monte_carlo", n, records, n_draws=10_000, n_boot=a.n_boot) as rec:
        horizons = list(spec.cohort.horizons)
        tdays = C.count_treatment_days(data, dataset.treatment_episodes, ext, horizons=horizons)
        q = C.cost_quantities(data, beds, tdays, horizons=horizons)
        table = C.default_unit_costs()
        res = C.compare_costs(q, table, weights=weights, estimand=spec.design.estimand)
        draws = C.cost_effect_draws(q, table, weights, n_boot=a.n_boot, random_state=1)
        C.monte_carlo(res, table, effect_draws=draws, n_draws=10_000, random_state=2)


def run(sizes: list[int], *, csv_up_to: int = 1_000_000, cox_r: bool = True, end_to_end: bool = True,
        pdf: bool = True, dask_cluster: Any = None) -> list[dict[str, Any]]:
    """Every stage at every size, the Cox comparison with R, and the growth exponents.

    ``end_to_end=False`` skips the ``report`` command in a fresh process and ``pdf=False`` the PDF
    of the in-process render (the unit suite's small version uses both); ``dask_cluster`` is a
    running ``distributed.LocalCluster`` of two worker processes to use instead of starting one.
    """
    records: list[dict[str, Any]] = []
    warm_up()
    for n in sorted(sizes):
        with tempfile.TemporaryDirectory(prefix=f"bench_pipeline_{n}_") as tmp:
            _stages(n, Path(tmp), records, csv=n <= csv_up_to, end_to_end=end_to_end, pdf=pdf,
                    dask_cluster=dask_cluster)
        gc.collect()
    if cox_r:
        cox_vs_r(100_000, records)
    exps = growth_exponents([r for r in records if r["stage"] not in ("cox_ours_100k", "cox_r_coxph_100k")])
    top = {}
    for r in records:
        if r["stage"] in exps and r["n"] >= top.get(r["stage"], (0, None))[0]:
            top[r["stage"]] = (r["n"], r)
    for stage, (_, r) in top.items():
        r["growth_exponent"] = exps[stage]
    return records
