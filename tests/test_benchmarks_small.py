"""A small version of every benchmark: catches a regression in correctness, not in time.

Each ``benchmarks/bench_*.py`` runs ``run([small size])`` (constants that fix a large amount of
work regardless of the sizes are lowered with ``monkeypatch``). The records must be well formed
(what ``python -m benchmarks`` writes as JSON) and the computed results sane. No wall-clock
assertion anywhere: the machine is shared.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import math

import numpy as np
import pytest

import benchmarks.__main__ as bench_main


@pytest.fixture(autouse=True)
def _docs_untouched():
    """A small run must never rewrite a committed document (the studies write docs/*.md)."""
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    before = {p: p.stat().st_mtime_ns for p in docs.rglob("*.md")}
    yield
    changed = [str(p) for p, t in before.items() if p.exists() and p.stat().st_mtime_ns != t]
    assert not changed, f"a small benchmark run rewrote {changed}"


def _small(monkeypatch, module, reps: int) -> None:
    """No document writers; every replication count of the module lowered to ``reps``."""
    for name in dir(module):
        if name.startswith("write_doc") and callable(getattr(module, name)):
            monkeypatch.setattr(module, name, lambda *a, **k: None)
        elif name.endswith("_REPS") and isinstance(getattr(module, name), int):
            monkeypatch.setattr(module, name, reps)


def _well_formed(records: list[dict], stages: set[str]) -> dict[str, list[dict]]:
    assert records, "a benchmark returned no records"
    json.dumps(records)  # what `python -m benchmarks` writes
    by: dict[str, list[dict]] = {}
    for r in records:
        assert isinstance(r["stage"], str) and r["stage"]
        assert isinstance(r["n"], int) and r["n"] > 0
        assert isinstance(r["seconds"], float | int) and r["seconds"] >= 0
        rss = r["peak_rss_mb"]
        assert isinstance(rss, float | int) and (math.isnan(rss) or rss > 0)
        by.setdefault(r["stage"], []).append(r)
    missing = stages - set(by)
    assert not missing, f"stages not recorded: {sorted(missing)}"
    return by


COVERED = {"synth", "ingest", "cohort", "matching", "survival", "population", "privacy", "simulation", "pipeline",
           "recovery", "matching_inference", "scenarios", "reform", "missing"}


def test_missing_small(monkeypatch):
    """bench_missing: two replications of one missing share with m = 3, no files written."""
    from benchmarks import bench_missing as b

    _small(monkeypatch, b, 2)
    monkeypatch.setattr(b, "M", 3)
    monkeypatch.setattr(b, "SHARES", (0.25,))
    monkeypatch.setattr(b, "TRUTH_N", 100_000)
    by = _well_formed(b.run([300]), {"missing"})
    rec = by["missing"][0]
    assert set(rec["coverage"]) == {f"0.25/{m}" for m in b.METHODS}
    assert all(0 <= v <= 1 for v in rec["coverage"].values())


def test_reform_small(monkeypatch):
    """bench_reform: two replications of each study, no document written."""
    from benchmarks import bench_reform as b

    _small(monkeypatch, b, 2)
    monkeypatch.setattr(b, "N_WORKERS", 1)
    by = _well_formed(b.run([24]), {"reform"})
    rec = by["reform"][0]
    assert set(rec["coverage"]) == {"cs_never", "cs_notyet", "twfe", "synthetic_control", "its_arima", "its_newey_west"}
    assert all(0 <= v <= 1 for v in rec["coverage"].values())


def test_matching_inference_small(monkeypatch, tmp_path):
    """bench_matching_inference: two replications of the null design, results to a temporary folder."""
    import pandas as pd

    from benchmarks import bench_matching_inference as b

    _small(monkeypatch, b, 2)
    monkeypatch.setattr(b, "DESIGNS", {"binary_null": 400})
    monkeypatch.setattr(b, "TRUTH_SIZE", 20_000)
    monkeypatch.setattr(b, "N_BOOT", 19)
    monkeypatch.setattr(b, "RESULTS_CSV", tmp_path / "mi.csv")
    monkeypatch.setattr(b, "SECONDS_JSON", tmp_path / "mi.seconds.json")
    _well_formed(b.run([1_000]), {"matching_inference_binary_null"})
    table = pd.read_csv(tmp_path / "mi.csv")
    assert len(table) == 6 * 5 + 4 * 3  # 10 cells: 5 SEs with replacement, 3 without
    assert (table["truth"] == 0).all() and (table["reps"] + table["failed"] == 2).all()


@pytest.mark.parametrize("name", bench_main.available())
def test_every_benchmark_module_follows_the_harness(name):
    """``python -m benchmarks NAME`` needs ``run(sizes)`` and ``DEFAULT_SIZES``; a small run is below."""
    import importlib

    # an import error is a failure, never a skip (issue #14: a skip would hide a broken benchmark)
    module = importlib.import_module(f"benchmarks.bench_{name}")
    assert callable(module.run) and all(isinstance(n, int) and n > 0 for n in module.DEFAULT_SIZES)
    assert name in COVERED, f"add a small run of bench_{name} to tests/test_benchmarks_small.py"


def test_growth_exponent_recovers_known_powers():
    """Property: seconds = c * n**b over three sizes gives back b (log-log least squares)."""
    from benchmarks.bench_pipeline import growth_exponents

    recs = [{"stage": s, "n": n, "seconds": c * n**b} for s, c, b in (("lin", 1e-6, 1.0), ("quad", 1e-9, 2.0),
                                                                      ("nlogn", 1e-7, None))
            for n in (20_000, 100_000, 1_000_000) if b is not None]
    recs += [{"stage": "nlogn", "n": n, "seconds": 1e-7 * n * np.log(n)} for n in (20_000, 100_000, 1_000_000)]
    recs += [{"stage": "tiny", "n": n, "seconds": 1e-4} for n in (20_000, 1_000_000)]
    recs += [{"stage": "one_size", "n": 20_000, "seconds": 1.0}]
    got = growth_exponents(recs)
    assert got["lin"] == pytest.approx(1.0, abs=1e-9)
    assert got["quad"] == pytest.approx(2.0, abs=1e-9)
    assert 1.0 < got["nlogn"] < 1.15  # n log n over 20k..1M: slope 1 + 1/log(n) ~ 1.08
    assert "tiny" not in got and "one_size" not in got


def test_scenarios_small(monkeypatch):
    """bench_scenarios: two draws of one well-posed scenario, one of each ill-posed one, no report runs."""
    from benchmarks import bench_scenarios as b

    _small(monkeypatch, b, 2)
    monkeypatch.setattr(b, "N_REPS_ILL", 1)
    monkeypatch.setattr(b, "REPORT_RUNS", False)
    monkeypatch.setattr(b, "COVERAGE_SCENARIOS", ("second_aliased",))
    by = _well_formed(b.run([1]), {"coverage_second_aliased", "refusal_second_jurisdiction_decides"})
    assert by["coverage_second_aliased"][0]["errors"] == 0 and 0 <= by["coverage_second_aliased"][0]["coverage"] <= 1
    assert all(r[0]["as_expected"] == 1 and r[0]["estimated"] == 0 for k, r in by.items() if k.startswith("refusal_"))


def test_pipeline_small(monkeypatch, request):
    """Every stage at 5,000 persons with 200 bootstrap replicates (1,000 in the benchmark) and an
    evaluation with 2 imputations (the sample config's 20 in the benchmark: every imputation path is
    taken with 2), on the local worker pool and on a Dask cluster of two worker processes (the
    session's, when dask is installed: tests/conftest.py)."""
    from benchmarks import bench_pipeline

    monkeypatch.setattr(bench_pipeline, "N_BOOT", 200)
    monkeypatch.setattr(bench_pipeline, "IMPUTATIONS", 2)
    n = 5_000
    # without dask.distributed the benchmark records that it is not installed
    cluster = request.getfixturevalue("dask_worker_processes") if importlib.util.find_spec("distributed") else None
    # The benchmark's gc.collect() between stages (so that each stage's peak RSS is its own) would
    # walk every object this process holds, in the suite the whole session's (~0.3 s each, five of
    # them): what exists now is frozen out of the collections during the run, and put back after.
    gc.freeze()
    try:
        records = bench_pipeline.run([n], cox_r=False, end_to_end=False, pdf=False, dask_cluster=cluster)
    finally:
        gc.unfreeze()
    by = _well_formed(records, {"synth", "write_parquet", "write_csv", "ingest_parquet", "ingest_csv", "ingest_parquet_fresh_process",
                                "ingest_csv_fresh_process", "quality_report",
                                "table_hashes", "cohort", "propensity", "matching", "weighting", "balance", "km", "cox", "rmst",
                                f"bootstrap_{bench_pipeline.N_BOOT}", "bed_days", "prepare_spells", "projection", "monte_carlo", "evaluation",
                                "report_render"})
    assert by["ingest_parquet"][0]["case_rows"] == by["ingest_csv"][0]["case_rows"] == by["synth"][0]["cases"]
    assert by["ingest_csv_fresh_process"][0]["case_rows"] == by["synth"][0]["cases"]
    assert 0 < by["cohort"][0]["cohort_rows"] < n
    assert 0 < by["matching"][0]["matched_treated"] <= by["cohort"][0]["cohort_rows"]
    boot = by[f"bootstrap_{bench_pipeline.N_BOOT}"][0]
    assert -1 < boot["risk_difference"] < 1 and 0 < boot["se"] < 0.5
    assert by["cox"][0]["hazard_ratio"] > 0
    dask = by.get(f"bootstrap_{bench_pipeline.N_BOOT}_dask")
    if dask is not None and not math.isnan(dask[0]["seconds"]):  # dask installed: same numbers as locally
        assert dask[0]["equals_local_run"] is True
    assert set(by["evaluation"][0]["stage_seconds"]) >= {"cohort", "design", "recidivism", "prison", "costs"}
    assert by["report_render"][0]["files"] > 5


def test_cox_side_by_side_with_r_small():
    """Ours and R coxph on the same data agree (when R is installed; CI has no R)."""
    import shutil

    from benchmarks import bench_pipeline

    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not installed")
    recs = bench_pipeline.cox_vs_r(3_000)
    by = _well_formed(recs, {"cox_ours_100k", "cox_r_coxph_100k"})
    r = by["cox_r_coxph_100k"][0]
    assert r["max_abs_coef_diff"] < 1e-6 and r["max_rel_se_diff"] < 1e-4


def test_synth_small():
    from benchmarks import bench_synth

    by = _well_formed(bench_synth.run([2_000]), {"simulate (total)", "engine (careers + forks)", "contract tables"})
    assert by["simulate (total)"][0]["cases"] > 2_000 and by["simulate (total)"][0]["cohort"] > 0


def test_ingest_small():
    from benchmarks import bench_ingest

    by = _well_formed(bench_ingest.run([2_000]), {"read_validate_parquet", "read_validate_csv",
                                                 "read_validate_parquet_quarantine"})
    assert by["read_validate_parquet"][0]["rows_all_tables"] == 2_000 + 1_000 + 300 + 200
    assert by["read_validate_parquet_quarantine"][0]["rejected_rows"] >= 20  # 1% of cases broken


def test_cohort_small(monkeypatch):
    from benchmarks import bench_cohort

    monkeypatch.setattr(bench_cohort, "NAIVE_SIZE", 150)
    by = _well_formed(bench_cohort.run([2_000]), {"naive_groupby_apply", "build_cohort", "build_cohort_first_year",
                                                  "build_cohort_every"})
    assert by["build_cohort"][0]["agrees_with_naive"] is True
    assert by["build_cohort_every"][0]["rows"] >= by["build_cohort_first_year"][0]["rows"] > 0


def test_matching_small(monkeypatch):
    from benchmarks import bench_matching

    monkeypatch.setattr(bench_matching, "COMPARE_SIZES", (3_000,))
    by = _well_formed(bench_matching.run([3_000]), {"compile", "ours_nn_nocal", "ours_nn_caliper", "sklearn_nn_replace"})
    assert by["ours_nn_caliper"][0]["matched_treated"] <= by["ours_nn_nocal"][0]["matched_treated"]
    for tag in ("nocal", "caliper"):
        if f"matchit_nn_{tag}" in by:  # R installed: same matched sets as MatchIt
            assert by[f"matchit_nn_{tag}"][0]["same_matched_count"] is True


def test_survival_small(monkeypatch):
    from benchmarks import bench_survival

    real = bench_survival.coverage
    monkeypatch.setattr(bench_survival, "coverage", lambda: real(reps=40, n=400))
    by = _well_formed(bench_survival.run([5_000]), {"cox_weighted_clustered", "km_weighted_clustered",
                                                    "risk_and_rmst_difference", "coverage_simulation"})
    # make_data: log HR of treatment 0.3 -> HR 1.35; SE of the log HR at 5,000 rows is about 0.04
    assert by["cox_weighted_clustered"][0]["hr_treatment"] == pytest.approx(np.exp(0.3), rel=0.15)
    assert 0.8 <= by["coverage_simulation"][0]["coverage_rd"] <= 1.0


def test_population_small():
    from benchmarks import bench_population

    by = _well_formed(bench_population.run([5_000]), {"prepare_los_admissions", "project_1000_draws", "bed_days",
                                                      "bootstrap_1000", "monte_carlo_100k"})
    assert by["project_1000_draws"][0]["littles_law_rel_error"] < 1e-3


def test_privacy_small(monkeypatch):
    from benchmarks import bench_privacy

    monkeypatch.setattr(bench_privacy, "TABLE_SIDES", [5, 10])
    by = _well_formed(bench_privacy.run([2_000]), {"pseudonymise_dataset", "k_anonymity", "scan_outputs_40k_ids",
                                                   "suppress_counts"})
    assert by["scan_outputs_40k_ids"][0]["hits"] == 0
    assert all(r["primary"] >= 0 and r["secondary"] >= 0 for r in by["suppress_counts"])


def test_simulation_small(monkeypatch):
    """Six replications of every study; the true values of the two replacement studies from 20,000
    simulated units instead of 2,000,000 and 400,000 (only the main table is checked here)."""
    from benchmarks import bench_simulation

    _small(monkeypatch, bench_simulation, reps=6)
    het, theory, surv = (bench_simulation.heterogeneous_truth, bench_simulation.adjustment_theory,
                         bench_simulation.survival_truth)
    monkeypatch.setattr(bench_simulation, "heterogeneous_truth", lambda n=20_000: het(n))
    monkeypatch.setattr(bench_simulation, "adjustment_theory", lambda n, size=20_000: theory(n, size))
    monkeypatch.setattr(bench_simulation, "survival_truth", lambda n=20_000: surv(n))
    by = _well_formed(bench_simulation.run([400]), {f"sim_{d}" for d in bench_simulation.DESIGNS})
    for d in bench_simulation.DESIGNS:
        r = by[f"sim_{d}"][0]
        assert 0 <= r["coverage"] <= 1 and np.isfinite(r["bias"]) and r["empirical_sd"] > 0


def test_recovery_small(monkeypatch):
    from benchmarks import bench_recovery  # an import error fails the test (issue #14)
    _small(monkeypatch, bench_recovery, reps=2)
    monkeypatch.setattr(bench_recovery, "N_JOBS", 1)
    by = _well_formed(bench_recovery.run([20_000]), {"recovery"})
    rec = by["recovery"][0]
    assert set(rec["bias"]) == set(bench_recovery.ESTIMATORS)
    assert all(np.isfinite(v) for v in rec["bias"].values())  # risks and RMST days: scales differ
    assert all(0 <= v <= 1 for v in rec["coverage"].values())


def test_performance_doc_is_produced_from_the_committed_results():
    """docs/performance.md is the output of benchmarks/perf_table.py on benchmarks/results/*.json."""
    from benchmarks import perf_table

    assert perf_table.DOC.read_text(encoding="utf-8") == perf_table.render() + "\n", (
        "docs/performance.md is out of date with benchmarks/results: run `.venv/bin/python -m benchmarks.perf_table`")
