"""Cells of 07_reform_evaluation.ipynb."""

from _common import setup_cell

SETUP = setup_cell(
    stdlib=("import tempfile",),
    third_party=("import matplotlib.pyplot as plt", "import numpy as np"),
    tail="\n# Every output of this notebook goes to a temporary folder, never into the repository.\n"
         "OUT = Path(tempfile.mkdtemp(prefix=\"altmeasures-nb07-\"))\n",
)

CELLS = [
    ("md", r'''
# 07 · Evaluating the reform itself on aggregate data

When a law removes custody for minor possession, or diversion is rolled out district by district,
there is often no concurrent custody group to compare people with, and many ministries only hold
counts by district and month. The question becomes: **what did the reform do to custody admissions,
cases and overdose deaths?** This notebook runs the three designs of `altmeasures_eval.reform` on the
committed sample panel, whose true effect is known because it comes from the generator:

* staggered **difference-in-differences** (Callaway & Sant'Anna 2021) across the districts that
  adopted at different dates, with the naive two-way fixed-effects estimate beside it;
* an **interrupted time series** for one district;
* a **synthetic control** for the same district, with placebo-in-space inference.

Each design is gated by the check of its own assumption. Methods and references:
[`docs/methods/reform.md`](../docs/methods/reform.md).
'''),
    ("code", SETUP),
    ("md", r'''
## 1. The panel and the policy table

`panel.csv` has one row per district and month, `policy.csv` the first month under the reform
(empty for districts that never adopted it). `io.read_aggregate` reads them from a folder, a
workbook or a database and lists every problem at once.
'''),
    ("code", r'''
from altmeasures_eval.io import read_aggregate
from altmeasures_eval.synth import simulate_panel

tables = read_aggregate(SAMPLE)
panel, policy = tables["panel"], tables["policy"]
display(panel.head())
display(policy.groupby(policy["adoption_month"].fillna("never")).size().rename("districts"))

# The sample is simulate_panel() with its defaults: its truth is known.
truth = simulate_panel().truth["drug_possession_admissions"]
print(f"true average effect on adopting district-months: {truth['att']:.2f} admissions per month")
print(f"true average effect in district_17 after 2021-01: {truth['single_att']['district_17']:.2f}")
'''),
    ("md", r'''
## 2. Staggered difference-in-differences

Each cohort of districts is compared with the districts that never adopted, month by month
(`ATT(g, t)`), and the group-time effects are averaged. The event study shows the effect by months
since adoption; before adoption the coefficients should hover around zero (parallel trends).
'''),
    ("code", r'''
from altmeasures_eval import plotting, reform

frame = panel.assign(period=reform.month_to_period(panel["month"]))
admissions = reform.prepare_panel(frame, "drug_possession_admissions", adoption=reform.adoption_periods(policy))
did = reform.staggered_did(admissions, control="never", n_boot=499, pretrend_periods=24, pretrend_bin=6,
                           random_state=1)
display(did.summary.head(3).round(3))
print("pre-trend test:", did.pretrend[["statistic", "p_value"]].round(3).to_dict())
ax = plotting.plot_event_study(did)
ax.set_xlim(-36, 72);
'''),
    ("md", r'''
The two-way fixed-effects regression is what many evaluations run. With staggered adoption and an
effect that builds up over time it also compares late adopters with districts already treated; the
Goodman-Bacon decomposition shows how much weight those comparisons get.
'''),
    ("code", r'''
twfe = reform.two_way_fe(admissions)
bacon = reform.bacon_decomposition(admissions)
print(f"TWFE {twfe.estimate:.2f} (95% CI {twfe.ci_low:.2f} to {twfe.ci_high:.2f}); "
      f"Callaway-Sant'Anna {did.overall['estimate']:.2f}; truth {truth['att']:.2f}")
display(bacon.by_type.round(3))
'''),
    ("md", r'''
Here TWFE is close, because the effect stops growing after 12 months and many districts never adopt.
When the effect keeps growing for years and most districts adopt early, TWFE recovers only about
half of it (the simulation study in `docs/simulation-study.md`). A quick illustration:
'''),
    ("code", r'''
grow = simulate_panel(ramp_months=60, cohorts={"2016-01": 8, "2018-01": 6, "2020-01": 6}, seed=3)
g_panel = reform.prepare_panel(grow.panel.assign(period=reform.month_to_period(grow.panel["month"])),
                               "drug_possession_admissions", adoption=reform.adoption_periods(grow.policy))
print(f"truth {grow.truth['drug_possession_admissions']['att']:.2f}; "
      f"Callaway-Sant'Anna {reform.staggered_did(g_panel, n_boot=0).overall['estimate']:.2f}; "
      f"TWFE {reform.two_way_fe(g_panel).estimate:.2f}")
'''),
    ("md", r'''
## 3. One district: interrupted time series and synthetic control

`district_17` adopted the reform in 2021-01. The interrupted time series projects its own pre-reform
level, trend and seasonality; the synthetic control builds a weighted average of never-adopting
districts that tracked it before the reform.
'''),
    ("code", r'''
i = admissions.units.index("district_17")
its = reform.interrupted_time_series(admissions.y[i], admissions.periods, int(admissions.adoption[i]), errors="arima")
display(its.summary.round(3))
print("placebo in time:", its.placebo[["statistic", "p_value"]].round(3).to_dict())
plotting.plot_counterfactual(its);
'''),
    ("code", r'''
sc = reform.synthetic_control(admissions, "district_17", fit_block=12)
display(sc.summary.round(3))
display(sc.weights[sc.weights > 0.01].round(3).to_frame())
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
plotting.plot_counterfactual(sc, axes[0])
plotting.plot_placebos(sc, axes[1]);
'''),
    ("md", r'''
## 4. The `policy` command: every outcome, every design, gated

`altmeasures-eval policy --config data/sample/policy.toml --out DIR` runs the three designs on every
outcome, applies the gates and writes `policy.html`, `policy.pdf` and `results.json`. The same from
Python (here without the PDF):
'''),
    ("code", r'''
import tomllib

from altmeasures_eval.report import write_policy_report

raw = tomllib.loads((SAMPLE / "policy.toml").read_text())
spec = reform.PolicySpec.from_sections(raw)
ev = reform.run_reform(panel, policy, spec)
display(ev.summary.round(3))
written = write_policy_report(ev, OUT / "policy", pdf=False)
print(sorted(p.name for p in written.values())[:6], "...")
'''),
    ("md", r'''
`drug_possession_cases` and `overdose_deaths` have no true effect in the sample: their intervals
should mostly cover zero (with nine intervals, one may miss by chance). An effect whose check fails
is withheld, with the reason:
'''),
    ("code", r'''
for r in ev.results:
    status = "withheld: " + "; ".join(r.gate.reasons) if r.gate and not r.gate.passed else "shown"
    print(f"{r.outcome:28s} {r.design:6s} {status}")
'''),
]
