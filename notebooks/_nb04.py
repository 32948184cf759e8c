"""Cells of 04_prison_and_costs.ipynb."""

from _common import setup_cell

SETUP = setup_cell(stdlib=("import json",), third_party=("import matplotlib.pyplot as plt", "import numpy as np"))

CELLS = [
    ("md", r'''
# 04 · Prison population and costs

Resolution 58/5 names two aims besides fewer offences: **less prison overcrowding** and **lower cost
to the State**. This notebook turns the cohort and its design into those two quantities:

1. custody bed-days per person, with the design's weights, against the known truth;
2. Little's law: what diverting a share of admissions does to the average prison population;
3. a monthly stock-flow projection of the population under diversion scenarios, against capacity;
4. per-person costs by perspective, net present value and benefit-cost ratio;
5. a Monte Carlo risk analysis and a one-way sensitivity (tornado) analysis.

Methods: [`docs/methods/population.md`](../docs/methods/population.md) and
[`docs/methods/costs.md`](../docs/methods/costs.md).
'''),
    ("code", SETUP),
    ("code", r'''
from altmeasures_eval import costs, io, matching, plotting, population
from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.evaluation import DEFAULT_COVARIATES
from altmeasures_eval.schema import SUBSTANCES

dataset = io.read_dataset(SAMPLE)
truth = json.loads((SAMPLE / "ground_truth.json").read_text())
extract_date = dataset.extract.extract_date
spec = CohortSpec(period_start=pd.Timestamp("2021-01-01"), period_end=pd.Timestamp("2021-12-31"))
cohort = build_cohort(dataset, spec).data
UNKNOWN = "unknown"
assert UNKNOWN in SUBSTANCES
cohort = cohort.assign(substance=cohort["substance"].fillna(UNKNOWN))

covariates = list(DEFAULT_COVARIATES)
ps = matching.estimate_propensity(cohort, "treatment", covariates)
design = matching.weight_ipw(cohort, "treatment", ps, estimand="ATT")
weights = design.weights.to_numpy(float)
print(len(cohort), "persons;", "; ".join(design.notes) or "IPW (ATT) weights, no notes")
'''),
    ("md", r'''
We use inverse-probability weights for the ATT, as the sample's `evaluation.toml` does, on the whole
2021 cohort (the same population as the truth for bed-days). Notebook 03 explains the design and its
caveat: police-stage diversions have no custody counterpart, so their part of the estimate rests on
extrapolation.

## 1. Bed-days per person

A bed-day is a night in custody. For each person the window opens at the **decision** for both groups,
so the custody group's index sentence counts (it is what a diversion averts), and breach or recall
custody of the alternative group counts against the alternative. Spells are split into the `index`
case and `later` custody (new offences, other cases).
'''),
    ("code", r'''
beds = population.count_bed_days(cohort, dataset.custody_spells, extract_date)
bed_days = population.bed_days_by_group(beds, cohort["treatment"], weights, estimand="ATT")
display(bed_days)
fig, ax = plt.subplots(figsize=(6, 4.5))
plotting.plot_bed_days(bed_days, ax=ax, horizon=365)
plt.show()
'''),
    ("code", r'''
rows = []
for h in [365, 730, 1095]:
    r = bed_days.table.query("horizon == @h and component == 'total'").iloc[0]
    t = truth["start_decision"]["bed_days"][str(h)]
    rows.append({"horizon": h, "estimate (alternative - custody)": r["difference"], "ci_low": r["ci_low"],
                 "ci_high": r["ci_high"], "true ATT": t["att"], "naive": t["naive"],
                 "truth in CI": bool(r["ci_low"] <= t["att"] <= r["ci_high"])})
pd.DataFrame(rows).set_index("horizon").round(1)
'''),
    ("md", r'''
Each person given an alternative instead of custody spends about three months fewer nights in custody
over the following one to three years, almost all of it the index sentence itself. Later custody
differs much less: people diverted still reoffend and some are imprisoned later. The naive comparison
overstates the saving, increasingly with the horizon: the index sentence is what it is, but the custody
group's longer records bring more *later* custody whatever the sentence, and that part is confounded
(compare the `later` rows of the first table with `bed_days` in `ground_truth.json`, measured from
release).

## 2. Little's law: the steady state

In a stable system the average number held equals the admission rate times the mean length of stay,
$L = \lambda W$. Diverting $D$ admissions a year with mean stay $W$ removes $D W / 365.25$ people from
the average daily population, less the extra (or fewer) re-admissions that follow. We take $D$ as a
share of the last twelve months' eligible custody admissions, and the change in re-admission risk from
the weighted cohort.
'''),
    ("code", r'''
spells = population.prepare_spells(dataset.custody_spells, dataset.cases, dataset.persons, extract_date,
                                   eligible_prefixes=spec.eligible_prefixes)
admissions = population.monthly_admissions(spells)
los = population.length_of_stay(spells)
display(los)
rates = population.readmission_rates(cohort, beds, horizon=365, weights=weights, n_boot=200, random_state=1)
q_alternative, q_custody = rates.arms()
readmission_change = float(np.mean(np.asarray(q_alternative) - np.asarray(q_custody)))
mean_stay = float(los.summary.query("jurisdiction == 'all' and stream == 'eligible'")["mean_days"].iloc[0])
months = pd.PeriodIndex(admissions["month"], freq="M")
last_year = float(admissions.loc[months > pd.Period(extract_date, "M") - 12, "eligible"].sum())
print(f"eligible admissions in the last 12 months: {last_year:.0f}; mean stay {mean_stay:.1f} days; "
      f"change in re-admission probability {readmission_change:+.3f}")
steady = population.steady_state(0.25 * last_year, mean_stay, readmission_change)
steady
'''),
    ("code", r'''
for line in steady.arithmetic:
    print(line)
'''),
    ("md", r'''
Little's law needs no model of time, which is its strength (anyone can check the arithmetic) and its
limit: it describes the system *after* it has settled, assumes admissions and stays stay as they are,
and says nothing about how long settling takes. The projection does.

## 3. Monthly projection under scenarios

The stock-flow model (as in the UK Ministry of Justice projections) convolves monthly admissions with
the distribution of time served, by jurisdiction, and adds re-admissions. It is first run over the
observed past (a **back-cast**) and compared with the observed population, which is the check on the
model; then admissions are projected five years ahead at their recent level, with 10 %, 25 % and 50 %
of eligible admissions diverted.

The sample ships no `prison_capacity` table, so for illustration we invent one: every jurisdiction at
98 % of its current population. A real evaluation uses the ministry's certified capacity.
'''),
    ("code", r'''
observed = population.observed_population(spells, pd.PeriodIndex(admissions["month"].unique(), freq="M"))
last_month = observed["month"].max()
capacity = (observed[observed["month"] == last_month]
            .assign(capacity=lambda f: np.ceil(f["population"] / 0.98).astype(int))
            [["jurisdiction", "month", "capacity"]])
capacity["month"] = capacity["month"].astype(str)
projection = population.project_population(admissions, los, extract_date, years=5, shares=(0.10, 0.25, 0.50),
                                           rates=rates, capacity=capacity, observed=observed)
display(projection.backcast.round(3))
display(projection.summary.query("jurisdiction == 'all'").round(1))
'''),
    ("code", r'''
fig, axes = plt.subplots(1, 2, figsize=(14, 5))
plotting.plot_population_paths(projection, ax=axes[0])
plotting.plot_population_paths(projection, ax=axes[1], jurisdiction="north")
for ax in axes:
    ax.set_xlim(pd.Timestamp("2022-01-01"), None)
plt.tight_layout()
plt.show()
paths = projection.paths
over = (paths[paths["projected"]].groupby(["jurisdiction", "scenario"])["occupancy"]
        .agg(lambda s: int((s > 1).sum())).unstack())
print("projected months over capacity (illustrative capacity):")
over
'''),
    ("md", r'''
How to read the projection:

* the **back-cast** error (mean absolute percentage error of a few per cent) is the model's track record
  on this country's own past; the first years of the series are a burn-in, because people admitted
  before the data begin are missing;
* the bands show uncertainty in the *effect* (the re-admission rates, bootstrapped) only. Admissions are
  held at their recent level and stays at their estimates; a change in sentencing policy, a crime wave
  or a court backlog would move the baseline far more than the bands suggest;
* diversion removes people in proportion to their stay, so short-stay offences (like personal drug use)
  move the population less than their share of admissions: compare the change in population with the
  share diverted;
* the model has no capacity feedback: overcrowding does not change sentencing in it.

## 4. Costs

Costs follow the Washington State Institute for Public Policy (WSIPP) approach: quantities per person
from the cohort (custody nights, days under the measure, treatment days and episodes, reoffences, by
follow-up year), times **marginal** unit costs, discounted to present value, compared between groups
with the design's weights, by perspective (justice, health, victims).

**The sample has no unit costs.** `costs.default_unit_costs()` returns clearly labelled placeholders so
that the machinery runs; every result made with them says so in its notes. Never publish them.
'''),
    ("code", r'''
unit_costs = costs.default_unit_costs()
display(unit_costs)
treatment_days = costs.count_treatment_days(cohort, dataset.treatment_episodes, extract_date)
quantities = costs.cost_quantities(cohort, beds, treatment_days)
comparison = costs.compare_costs(quantities, unit_costs, weights=weights, estimand="ATT")
display(comparison)
'''),
    ("code", r'''
fig, ax = plt.subplots(figsize=(9, 5))
plotting.plot_cost_waterfall(comparison, ax=ax)
plt.tight_layout()
plt.show()
print(f"verdict: {comparison.verdict}; net present value per person {comparison.npv:,.0f} {comparison.currency}")
'''),
    ("md", r'''
When the alternative is cheaper than custody *and* produces benefits, the benefit-cost ratio is
undefined (there is no net cost to divide by); the result reports the alternative as **dominant**, as
WSIPP does, rather than an infinite or negative ratio.

Your own unit costs come from the `[costs]` section of the evaluation config (documented in
[`docs/methods/costs.md`](../docs/methods/costs.md)); the same dictionary can be passed from Python.
Groups left out keep the placeholders, and the notes say which:
'''),
    ("code", r'''
own = costs.unit_costs_from_config({
    "currency": "USD", "price_year": 2024, "discount_rate": 0.035,
    "custody_day": {"value": 95.0, "basis": "marginal", "distribution": "triangular", "low": 70.0, "high": 140.0},
})
for note in own.notes:
    print(note)
'''),
    ("md", r'''
## 5. Uncertainty: Monte Carlo and tornado

Two kinds of uncertainty enter a cost-benefit result: the **effects** (sampling error of the estimated
differences in quantities; bootstrapped over persons) and the **unit costs** (drawn from the
distributions given for each cost). The Monte Carlo combines both and reports the chance that benefits
exceed costs. The one-way sensitivity analysis moves one input at a time across its range and ranks
inputs by how much they move the net present value: the tornado shows where better data would matter
most.
'''),
    ("code", r'''
draws = costs.cost_effect_draws(quantities, unit_costs, weights, n_boot=200, random_state=1)
mc = costs.monte_carlo(comparison, unit_costs, effect_draws=draws, n_draws=5000, random_state=2)
sensitivity = costs.one_way_sensitivity(comparison, unit_costs, quantities=quantities, weights=weights,
                                        effect_draws=draws)
display(mc)
fig, axes = plt.subplots(1, 2, figsize=(15, 5.5))
plotting.plot_monte_carlo(mc, ax=axes[0])
plotting.plot_tornado(sensitivity, ax=axes[1])
plt.tight_layout()
plt.show()
'''),
    ("md", r'''
What these results mean, and what they do not:

* The saving is driven by the **custody day**: its unit cost and the nights averted top the tornado.
  Getting a defensible *marginal* cost of a prison night is therefore the single most valuable piece of
  local data (Vera Institute 2013 explains how). An *average* cost, which includes fixed overheads that
  do not fall when one person fewer is held, overstates the saving.
* "Chance benefits exceed costs" is a statement about the inputs' stated uncertainty, not about the
  world: it cannot reflect a confounder the design missed (notebook 03), or a unit cost that is wrong
  but stated with confidence.
* Savings per person diverted are not cash in a budget line: a prison budget falls only when a wing
  closes or staff are not replaced. The projection in section 3 says how many places the scenarios free
  and when.
* With placeholder costs none of these numbers describes any country.
'''),
]
