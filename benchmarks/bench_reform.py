"""Repeated-sampling study of the reform designs on generated panels with a known effect (issue #18).

Three studies, each over ``N_REPS`` replications with their own seeds:

* **staggered**: :func:`altmeasures_eval.synth.simulate_panel` (24 jurisdictions x 120 months, three
  adoption cohorts of 5, 5 and 4 and 10 never-adopters; the reduction in custody admissions grows
  over 12 months and is larger in later cohorts). Callaway & Sant'Anna (never-treated and
  not-yet-treated controls) against the cohort-size weighted average effect of the generator;
  two-way fixed effects against the same truth (expected biased: effects change with time since
  adoption); the pre-trend test's rejection rate (parallel trends hold, so about 5 % expected).
* **single adopter, synthetic control**: :func:`altmeasures_eval.synth.simulate_single_adopter`
  (30 donors, 60 months before and 24 after, two random-walk factors, AR(1) errors, constant effect
  -8): estimate and conformal interval.
* **single adopter, interrupted time series**: the same generator without factors or seasonality
  (linear trend, AR(1) errors), effect -8 + -0.2 per month since the reform; segmented regression
  with AR(1) errors and with Newey-West errors; the placebo-in-time rejection rate.

It rewrites its own section of ``docs/simulation-study.md``. Run with ``python -m benchmarks reform``
(about 6 CPU-minutes in all: the three studies run in ``N_WORKERS`` processes).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._harness import measure, replace_doc_section

DEFAULT_SIZES = [24]
N_REPS = 200
#: Worker processes (one per study): the three studies are independent (each has its own seed from one SeedSequence).
N_WORKERS = 3
SEED = 20261206
ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "simulation-study.md"
#: Staggered scenarios: the generator's defaults, and effects that keep growing for five years with
#: early, large cohorts and few never-adopters (where two-way fixed effects is known to fail).
STAGGERED = {"ramp 12 months": {},
             "ramp 60 months": {"ramp_months": 60, "cohorts": {"2016-01": 8, "2018-01": 6, "2020-01": 6}}}
HEADING = "## Reform designs on aggregate panels (staggered DiD, synthetic control, interrupted time series)"


def _row(study: str, estimator: str, est: list[float], lo: list[float], hi: list[float], truth: list[float]) -> dict:
    e, l, h, t = map(np.asarray, (est, lo, hi, truth))
    ok = np.isfinite(e)
    e, l, h, t = e[ok], l[ok], h[ok], t[ok]
    bias = e - t
    cover = (l <= t) & (t <= h)
    return {"study": study, "estimator": estimator, "reps": int(ok.sum()), "truth": float(t.mean()),
            "mean_estimate": float(e.mean()), "bias": float(bias.mean()),
            "bias_mcse": float(bias.std(ddof=1) / np.sqrt(len(bias))), "empirical_sd": float(e.std(ddof=1)),
            "rmse": float(np.sqrt(np.mean(bias**2))), "coverage": float(cover.mean()),
            "median_ci_width": float(np.median(h - l))}


def staggered(reps: int, rng: np.random.Generator, scenario: str = "ramp 12 months") -> tuple[list[dict], float]:
    from altmeasures_eval.reform import prepare_panel, staggered_did, two_way_fe
    from altmeasures_eval.reform import adoption_periods, month_to_period
    from altmeasures_eval.synth import simulate_panel

    out: dict[str, list[list[float]]] = {k: [[], [], [], []] for k in ("cs_never", "cs_notyet", "twfe")}
    rejected = []
    for _ in range(reps):
        s = simulate_panel(seed=int(rng.integers(0, 2**31 - 1)), **STAGGERED[scenario])
        frame = s.panel.assign(period=month_to_period(s.panel["month"]))
        p = prepare_panel(frame, "drug_possession_admissions", adoption=adoption_periods(s.policy))
        truth = s.truth["drug_possession_admissions"]["att"]
        for name, control in (("cs_never", "never"), ("cs_notyet", "notyet")):
            r = staggered_did(p, control=control, n_boot=0, pretrend_periods=24, pretrend_bin=6, random_state=int(rng.integers(1 << 30)))
            o = r.overall
            for k, v in zip(out[name], (o["estimate"], o["ci_low"], o["ci_high"], truth)):
                k.append(float(v))
            if control == "never":
                rejected.append(float(r.pretrend["p_value"]) < 0.05)
        tw = two_way_fe(p)
        for k, v in zip(out["twfe"], (tw.estimate, tw.ci_low, tw.ci_high, truth)):
            k.append(float(v))
    rows = [_row(f"staggered, {scenario}", name, *vals) for name, vals in out.items()]
    return rows, float(np.mean(rejected))


def single(reps: int, rng: np.random.Generator) -> tuple[list[dict], float, float]:
    from altmeasures_eval.reform import adoption_periods, interrupted_time_series, month_to_period, prepare_panel, synthetic_control
    from altmeasures_eval.synth import simulate_single_adopter

    sc = [[], [], [], []]
    its = {"its_arima": [[], [], [], []], "its_newey_west": [[], [], [], []]}
    placebo_rej, placebo_rej_nw = [], []
    for _ in range(reps):
        s = simulate_single_adopter(seed=int(rng.integers(0, 2**31 - 1)))
        frame = s.panel.assign(period=month_to_period(s.panel["month"]))
        p = prepare_panel(frame, "y", adoption=adoption_periods(s.policy))
        r = synthetic_control(p, "treated", v_method="equal")
        for k, v in zip(sc, (r.effect["estimate"], r.effect["ci_low"], r.effect["ci_high"], s.truth["y"]["att"])):
            k.append(float(v))
        s2 = simulate_single_adopter(n_donors=3, n_factors=0, trend=0.1, slope=-0.2, seasonality=0.0,
                                     seed=int(rng.integers(0, 2**31 - 1)))
        f2 = s2.panel[s2.panel["jurisdiction"] == "treated"]
        per = month_to_period(f2["month"])
        adopt = int(month_to_period(s2.policy["adoption_month"].iloc[:1])[0])
        for name, errors in (("its_arima", "arima"), ("its_newey_west", "newey-west")):
            ri = interrupted_time_series(f2["y"].to_numpy(), per, adopt, errors=errors, seasonal=None)
            for k, v in zip(its[name], (ri.effect["estimate"], ri.effect["ci_low"], ri.effect["ci_high"], s2.truth["y"]["att"])):
                k.append(float(v))
            (placebo_rej if errors == "arima" else placebo_rej_nw).append(float(ri.placebo["p_value"]) < 0.05)
    rows = [_row("single adopter", "synthetic_control", *sc)] + [_row("single adopter", k, *v) for k, v in its.items()]
    return rows, float(np.mean(placebo_rej)), float(np.mean(placebo_rej_nw))


def write_doc(table: pd.DataFrame, reps: int, seconds: float, pretrend_rej: float, placebo_rej: float,
              placebo_rej_nw: float) -> None:
    mc = 100 * np.sqrt(0.95 * 0.05 / reps)
    lines = [
        HEADING,
        "",
        "Produced by `python -m benchmarks reform` (`benchmarks/bench_reform.py`); do not edit this section by hand.",
        f"{reps} replications of each study; root seed {SEED} (one SeedSequence child per study); wall time",
        f"{seconds:.0f} s with {N_WORKERS} worker process(es) on a shared, heavily loaded 2-core machine. Methods:",
        "`docs/methods/reform.md`.",
        "",
        "* **staggered**: `synth.simulate_panel` defaults: 24 jurisdictions x 120 monthly Poisson counts, adoption",
        "  cohorts 2018-01 (5), 2019-07 (5), 2021-01 (4), 10 never adopt; the reduction in custody admissions grows",
        "  over the first 12 months and is 1.25x / 1.5x larger in the later cohorts. Truth: the generator's",
        "  cohort-size weighted average effect over adopting jurisdiction-months (the estimand of `overall`).",
        "  Second scenario (**ramp 60 months**): the reduction keeps growing for five years, cohorts 2016-01 (8),",
        "  2018-01 (6), 2020-01 (6), only 4 never adopt.",
        "* **single adopter**: `synth.simulate_single_adopter` defaults (30 donors, 60 + 24 months, two",
        "  random-walk factors, AR(1) errors with coefficient 0.3, constant effect -8) for the synthetic control",
        "  (predictor weights equal, interval from the placebo average effects); for the interrupted time series the same generator",
        "  without factors or seasonality (trend 0.1 per month, AR(1) errors with coefficient 0.3), effect -8 - 0.2 per",
        "  month since the reform, truth = its average over the 24 post months; segmented regression without",
        "  seasonal terms (the seasonal dummies are checked in the unit tests; with them each AR fit takes 10x longer).",
        "",
        "| study | estimator | truth | mean estimate | bias (MC SE) | empirical SD | RMSE | coverage | median CI width |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(f"| {r.study} | {r.estimator} | {r.truth:.2f} | {r.mean_estimate:.2f} | {r.bias:+.2f} ({r.bias_mcse:.2f}) | "
                     f"{r.empirical_sd:.2f} | {r.rmse:.2f} | {100 * r.coverage:.1f}% | {r.median_ci_width:.2f} |")
    lines += [
        "",
        f"Gate checks under their null (the assumptions hold in these data): the pre-trend test of the",
        f"staggered design (ramp 12 months; Wald F over the last 24 pre-period months in 4 bins of 6) rejected in {100 * pretrend_rej:.1f}% of",
        f"replications; the ITS placebo-in-time test in {100 * placebo_rej:.1f}% (AR(1) errors) and {100 * placebo_rej_nw:.1f}%",
        "(Newey-West) at the 5% level.",
        "",
        f"Reading: the Monte Carlo SE of a coverage near 95% is about {mc:.1f} percentage points. `twfe` is the",
        "two-way fixed-effects regression against the same truth: with effects that grow with time since adoption,",
        "later-adopting cohorts are compared with already-treated ones whose effect is still growing",
        "(Goodman-Bacon 2021), and its estimate is pulled away from the average effect; its interval does not",
        "cover at the nominal rate.",
        "",
    ]
    replace_doc_section(DOC, HEADING, "\n".join(lines))


def run(sizes: list[int]) -> list[dict]:
    out: list[dict] = []
    for n in sizes:
        t0 = time.perf_counter()
        seeds = [np.random.default_rng(s) for s in np.random.SeedSequence(SEED).spawn(3)]
        with measure("reform", n, out, replications=N_REPS) as rec:
            if N_WORKERS > 1:
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(N_WORKERS) as pool:
                    f1 = pool.submit(staggered, N_REPS, seeds[0])
                    f2 = pool.submit(staggered, N_REPS, seeds[1], "ramp 60 months")
                    f3 = pool.submit(single, N_REPS, seeds[2])
                    (rows1, pre_rej), (rows1b, _), (rows2, plc_rej, plc_rej_nw) = f1.result(), f2.result(), f3.result()
            else:
                rows1, pre_rej = staggered(N_REPS, seeds[0])
                rows1b, _ = staggered(N_REPS, seeds[1], "ramp 60 months")
                rows2, plc_rej, plc_rej_nw = single(N_REPS, seeds[2])
            rows1 += rows1b
            table = pd.DataFrame(rows1 + rows2)
            rec["coverage"] = {r.estimator: round(r.coverage, 3) for r in table.itertuples()}
            rec["bias"] = {r.estimator: round(r.bias, 3) for r in table.itertuples()}
            rec["pretrend_rejection"] = round(pre_rej, 3)
            rec["placebo_rejection"] = round(plc_rej, 3)
        write_doc(table, N_REPS, time.perf_counter() - t0, pre_rej, plc_rej, plc_rej_nw)
    return out
