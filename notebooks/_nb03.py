"""Cells of 03_matching_and_balance.ipynb."""

from _common import setup_cell

SETUP = setup_cell(stdlib=("import json",), third_party=("import matplotlib.pyplot as plt", "import numpy as np"))

CELLS = [
    ("md", r'''
# 03 · Matching, weighting and balance: from association to effect

People given custody differ from people given an alternative *before* the sentence: they have longer
records, more prior custody, and they come from different courts. Those differences also predict
reoffending. The raw difference in reoffending therefore mixes two things: the effect of the measure
and the difference in who receives it (**confounding by indication**). This notebook

1. shows how badly the naive difference misleads, against the sample's known truth;
2. fits a propensity-score model and checks overlap;
3. compares nearest-neighbour matching, inverse-probability weighting, entropy balancing, overlap
   weighting and a doubly robust (AIPW) estimator;
4. checks covariate balance, the only diagnostic a design can be judged on before looking at outcomes;
5. asks how strong an unmeasured confounder would have to be to explain the result away.

The sample is synthetic, so for once the right answer is known: `ground_truth.json` holds the
average effect computed from **both** potential outcomes of every person. Methods and references:
[`docs/methods/matching.md`](../docs/methods/matching.md) and
[`docs/methods/effects.md`](../docs/methods/effects.md).
'''),
    ("code", SETUP),
    ("code", r'''
from altmeasures_eval import effects, io, matching, plotting, survival
from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.evaluation import DEFAULT_COVARIATES
from altmeasures_eval.schema import STAGE_POLICE, SUBSTANCES

dataset = io.read_dataset(SAMPLE)
truth = json.loads((SAMPLE / "ground_truth.json").read_text())
spec = CohortSpec(period_start=pd.Timestamp("2021-01-01"), period_end=pd.Timestamp("2021-12-31"))
full = build_cohort(dataset, spec).data
UNKNOWN = "unknown"
assert UNKNOWN in SUBSTANCES
full = full.assign(substance=full["substance"].fillna(UNKNOWN))  # missing is a level, not a dropped row
pd.crosstab(full["stage"], full["treatment"].map({1: "alternative", 0: "custody"}), margins=True)
'''),
    ("md", r'''
## 1. Positivity first: who could have received either measure?

Every method below compares each person with people *like them* who received the other measure. That
is only possible where both measures were actually possible (**positivity**, or overlap). The table
shows that diversions at the **police stage** are never followed by custody: nobody at that stage is
sentenced. No amount of statistics can say what custody would have done to them; any estimate for
them is an extrapolation. We therefore restrict the comparison to court stages, and the truth we
compare with is the one for the same population (`court_stages` in `ground_truth.json`).
'''),
    ("code", r'''
cohort = full[full["stage"] != STAGE_POLICE].reset_index(drop=True)
truth_court = truth["court_stages"]
print(truth_court["n"], "| cohort here:", len(cohort), "persons,", int(cohort["treatment"].sum()), "treated")
assert len(cohort) == truth_court["n"]["cohort"]
covariates = list(DEFAULT_COVARIATES)
print("covariates:", ", ".join(covariates))
'''),
    ("md", r'''
## 2. The naive difference against the truth

The *estimand* is the average effect on those who received an alternative (**ATT**): for the people
who were given an alternative, how would their reoffending have differed had they been given custody?
The truth comes from the generator, which knows both outcomes of every person (common random numbers),
averaged over the treated. The naive estimate is the plain difference between the groups' observed
reoffending rates.
'''),
    ("code", r'''
HORIZONS = [365, 730]
rows = []
for h in HORIZONS:
    naive = effects.estimate_effect(cohort, f"reoffend_{h}", "treatment", None)
    r = naive.summary.loc["risk_difference"]
    t = truth_court["reoffend"][str(h)]
    rows.append({"horizon (days)": h, "naive estimate": r["estimate"], "naive ci_low": r["ci_low"],
                 "naive ci_high": r["ci_high"], "true ATT": t["att"], "true ATE": t["ate"],
                 "naive / true ATT": r["estimate"] / t["att"]})
naive_table = pd.DataFrame(rows).set_index("horizon (days)")
naive_table.round(3)
'''),
    ("md", r'''
The naive comparison says an alternative cuts one-year reoffending by about 17 percentage points; the
true effect is about 4. The naive confidence interval does not come close to the truth: more data
would not help, because the error is **bias**, not noise. Courts give custody to people with longer
records, and those people reoffend more *whatever* the sentence. A report that published the naive
figure would overstate the benefit of alternatives about four-fold.

## 3. The propensity score

The propensity score $e(x) = P(T = 1 \mid X = x)$ is the probability of receiving an alternative given
the covariates measured at the index date. Rosenbaum and Rubin (1983) showed that if treatment is
unconfounded given $X$, it is also unconfounded given $e(X)$: comparing people with the same score
compares like with like on every covariate in the model, *on average*. It does nothing for covariates
that are not in the model. The default model is a logistic regression on the covariates (categorical
ones dummy-coded); any scikit-learn classifier can be passed instead.
'''),
    ("code", r'''
ps = matching.estimate_propensity(cohort, "treatment", covariates)
print(ps.method, "|", "; ".join(ps.notes) or "no notes")
fig, ax = plt.subplots(figsize=(8, 4.5))
plotting.plot_overlap(ps, ax=ax)
plt.show()
'''),
    ("md", r'''
Read the mirrored histogram as a positivity check: where one group has mass and the other has none,
there is nobody to compare with. Overlap is reasonable here, but the custody group thins out at high
scores (people the courts almost always divert) and the alternative group at low scores. Those regions
are where weights get large and matches get poor.

## 4. Five designs

| design | idea | estimand here |
|---|---|---|
| nearest-neighbour matching (1:1, with replacement, caliper 0.2 SD of the logit score) | each treated person gets the closest control | ATT (of matched treated) |
| inverse-probability weighting | weight controls by $e/(1-e)$ so they resemble the treated | ATT |
| entropy balancing | weights that make control means *exactly* equal to treated means | ATT |
| overlap weighting | weight by $1-e$ (treated) and $e$ (controls) | ATO: the population with most overlap |
| AIPW (doubly robust) | outcome model + propensity model; consistent if either is right | ATT |

Matching and weighting are *preprocessing*: they produce weights (and matched sets), and the effect is
then estimated by the same outcome code for all of them (`effects.estimate_effect`), with a variance
suited to the design.
'''),
    ("code", r'''
designs = {
    "matching 1:1": matching.match_nearest(cohort, "treatment", ps, estimand="ATT", ratio=1, replace=True,
                                           caliper=0.2, random_state=20150317),
    "IPW": matching.weight_ipw(cohort, "treatment", ps, estimand="ATT"),
    "entropy balancing": matching.entropy_balance(cohort, "treatment", covariates, estimand="ATT"),
    "overlap weights": matching.weight_overlap(cohort, "treatment", ps),
}
designs["matching 1:1"]
'''),
    ("md", r'''
The caliper refused some treated persons a match: there was no control close enough. The estimand then
quietly shifts to the *matched* treated, which the result says in its notes. This is the price of
matching's transparency; weighting keeps everyone but leans on a few controls with large weights, which
the **effective sample size** (ESS, Kish) measures.
'''),
    ("code", r'''
ess = pd.DataFrame({name: d.ess.loc["after"] if hasattr(d, "ess") else d.counts.loc["matched"]
                    for name, d in designs.items()}).T
ess.columns = ["treated (ESS or matched)", "custody (ESS or matched)"]
ess.round(1)
'''),
    ("md", r'''
## 5. Balance

A design is judged by the balance it achieves on the covariates, **before** any outcome is looked at
(Rubin 2001; Austin 2009): the standardised mean difference (SMD) of every covariate and of every level
of a categorical covariate, the variance ratio and the Kolmogorov-Smirnov statistic, before and after.
$|\mathrm{SMD}| < 0.1$ is the usual threshold for good balance. One function handles every design, and
"before" always goes through the same code path.
'''),
    ("code", r'''
balance = {name: matching.balance_table(cohort, "treatment", covariates, d, distance=ps)
           for name, d in designs.items()}
display(balance["IPW"])
def smd_summary(b):
    t = b.table.drop(index="distance", errors="ignore")  # the score itself is not a covariate
    return {"max |SMD| before": t["smd_before"].abs().max(), "max |SMD| after": t["smd_after"].abs().max(),
            "terms with |SMD| >= 0.1 after": int((t["smd_after"].abs() >= 0.1).sum())}


pd.DataFrame({name: smd_summary(b) for name, b in balance.items()}).T.round(3)
'''),
    ("code", r'''
fig, axes = plt.subplots(1, 2, figsize=(14, 7), sharey=True)
plotting.plot_love(balance["matching 1:1"], ax=axes[0])
axes[0].set_title("Love plot: 1:1 matching")
plotting.plot_love(balance["IPW"], ax=axes[1])
axes[1].set_title("Love plot: IPW (ATT)")
plt.tight_layout()
plt.show()
'''),
    ("md", r'''
Before adjustment the custody group differs on prior custody, prior offences and prior bed-days by
more than half a standard deviation, and on substance and jurisdiction by a third of one or more. After adjustment most covariates fall under 0.1;
entropy balancing matches the means exactly by construction (but not necessarily variances or
distributions: look at the variance ratios and KS statistics too). Where a covariate stays imbalanced,
the outcome model of the doubly robust estimator, or adding that covariate to the outcome regression,
is the remedy.

## 6. Estimates against the truth
'''),
    ("code", r'''
rows = []
for h in HORIZONS:
    outcome = f"reoffend_{h}"
    t = truth_court["reoffend"][str(h)]
    results = {"naive": effects.estimate_effect(cohort, outcome, "treatment", None)}
    for name, d in designs.items():
        results[name] = effects.estimate_effect(cohort, outcome, "treatment", d)
    results["AIPW (doubly robust)"] = effects.estimate_aipw(cohort, outcome, "treatment", covariates,
                                                            estimand="ATT", propensity=ps)
    for name, res in results.items():
        r = res.summary.loc["risk_difference"]
        target = t["ate"] if name == "overlap weights" else t["att"]  # no true ATO: ATE as an indication
        rows.append({"horizon": h, "design": name, "estimate": r["estimate"], "se": r["se"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"], "truth": target,
                     "truth in CI": bool(r["ci_low"] <= target <= r["ci_high"]),
                     "variance": res.variance.split("(")[0].strip()})
estimates = pd.DataFrame(rows)
estimates.round(3)
'''),
    ("code", r'''
fig, axes = plt.subplots(1, len(HORIZONS), figsize=(13, 4.5), sharey=True)
for ax, h in zip(axes, HORIZONS):
    e = estimates[estimates["horizon"] == h].reset_index(drop=True)
    y = np.arange(len(e))[::-1]
    ax.errorbar(e["estimate"], y, xerr=[e["estimate"] - e["ci_low"], e["ci_high"] - e["estimate"]],
                fmt="o", color="C0", capsize=3)
    ax.axvline(truth_court["reoffend"][str(h)]["att"], color="C2", linestyle="--", label="true ATT")
    ax.axvline(0, color="0.5", linewidth=0.8)
    ax.set_yticks(y, e["design"])
    ax.set_xlabel(f"risk difference in reoffending by day {h} (alternative - custody)")
    ax.legend(frameon=False, loc="upper right")
axes[0].set_title("Naive vs adjusted estimates, sample (court stages)")
plt.tight_layout()
plt.show()
'''),
    ("md", r'''
What this shows:

* every adjusted design moves most of the way from the naive estimate towards the truth, and the
  95 % intervals of the ATT designs contain the true ATT; the naive interval does not;
* the adjusted intervals are wider than the naive one: adjustment trades bias for variance (the ESS
  table says why: a few hundred controls carry the comparison);
* the adjusted point estimates still sit somewhat below the truth. With standard errors around 0.04
  this is within sampling noise for one data set of this size; a simulation over many generated data
  sets (`benchmarks/bench_simulation.py`, [`docs/simulation-study.md`](../docs/simulation-study.md))
  is how bias and interval coverage are judged, not a single run;
* designs differ in their **estimand** as much as in their method: overlap weights estimate the effect
  in the population where both measures are common (ATO), which need not equal the ATT or the ATE.
  The generator does not report an ATO, so its row is compared with the ATE only as an indication (and
  can miss it, as it may at 730 days); matching with a caliper estimates the effect for the matched
  treated.

What it does *not* show: that adjustment works on real data. Here the generator's confounders are all
in the covariate list, by construction. In a real country the decision to imprison may depend on
things no register records (a judge's view of the person, employment, family). The next section asks
how much such a confounder would matter.

## 7. Time to reoffence with the same design

The weights (and, for matching, the matched sets) go straight into the survival layer of notebook 02.
With ATT weights the custody curve becomes an estimate of what the people given an alternative would
have experienced in custody: the gap between the curves narrows, as the risk differences did.
`effects.time_to_event_effect` passes the design on and uses a robust variance (the weights are
estimated, so Greenwood's formula no longer applies).
'''),
    ("code", r'''
weighted = cohort.assign(ipw=designs["IPW"].weights.to_numpy())
curves = {"unadjusted": survival.kaplan_meier(cohort, "time_reoffend", "event_reoffend", group="treatment"),
          "IPW (ATT)": survival.kaplan_meier(weighted, "time_reoffend", "event_reoffend", group="treatment",
                                             weights="ipw")}
fig, axes = plt.subplots(1, 2, figsize=(14, 5), sharey=True)
for ax, (name, km) in zip(axes, curves.items()):
    plotting.plot_survival(km, ax=ax, labels={1: "alternative", 0: "custody"}, at_risk=False)
    ax.set_title(f"Proven reoffending, {name}")
plt.tight_layout()
plt.show()

tte = effects.time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", designs["IPW"])
display(tte)
hr = effects.time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", designs["IPW"],
                                  measure="hazard_ratio")
display(hr.summary[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high", "p_value"]])
'''),
    ("md", r'''
## 8. Sensitivity to unmeasured confounding

**E-value** (VanderWeele and Ding 2017): the minimum strength of association, on the risk-ratio scale,
that an unmeasured confounder would need with *both* the treatment and the outcome, beyond the
measured covariates, to explain away the estimate (and, for the second number, to move the confidence
interval to include no effect).

**Rosenbaum bounds** (Rosenbaum 2002): for 1:1 matched pairs, how large the odds ratio $\Gamma$ of
receiving an alternative between two matched people with the same covariates could be before the
finding is no longer significant. $\Gamma = 1$ is a randomised experiment.
'''),
    ("code", r'''
ipw_365 = effects.estimate_effect(cohort, "reoffend_365", "treatment", designs["IPW"]).summary.loc["risk_ratio"]
ev = effects.evalue(ipw_365["estimate"], ipw_365["ci_low"], ipw_365["ci_high"], measure="rr", rare=False)
print(f"risk ratio {ipw_365['estimate']:.2f} ({ipw_365['ci_low']:.2f} to {ipw_365['ci_high']:.2f}); "
      f"E-value {ev.point:.2f} for the estimate, {ev.ci:.2f} for the confidence limit")
strongest = pd.crosstab(cohort["has_prior"], cohort["treatment"], normalize="columns")
print("for comparison, share with a prior proven offence: custody "
      f"{strongest.loc[1, 0]:.0%}, alternative {strongest.loc[1, 1]:.0%}")

pairs = matching.match_nearest(cohort, "treatment", ps, estimand="ATT", ratio=1, replace=False, caliper=0.2,
                               random_state=20150317)
bounds = effects.rosenbaum_bounds(cohort, "reoffend_365", pairs)
display(bounds.table)
g = bounds.gamma_critical
print("discordant pairs:", bounds.discordant)
print(f"first Gamma with upper p > 0.05: {g} (two people who look identical in the register may differ "
      f"by {100 * (g - 1):.0f}% in their odds of an alternative)")
'''),
    ("md", r'''
Both measures say the same thing here: the one-year finding is **fragile**. An unmeasured confounder
associated with custody and with reoffending by a risk ratio in the range of the E-value for the
confidence limit, beyond everything in the covariate list, would be enough to make the effect
compatible with none; and a hidden bias of $\Gamma$ at the critical value printed above (a modest
difference in the odds of custody between two people who look identical in the register) would already
make the matched comparison non-significant. Prior record, the strongest
measured confounder, is associated with custody far more strongly than that (the last line above).
So the conclusion "alternatives reduce one-year reoffending" is only as good as the belief that the
register covariates capture why courts choose custody. Say so in the report, as the Justice Data Lab
does; the toolkit's report prints the E-values under its limitations.

(The true effect in the sample is about -4 percentage points, a risk ratio near 0.9: a small true
effect is *necessarily* fragile in this sense. Fragility is a property of the evidence, not proof that
the effect is absent.)

## 9. Subgroups

Effects may differ by substance or by type of alternative. Testing many subgroups produces false
positives at the rate of the significance level; `subgroup_effects` adjusts p-values with Holm's method
and tests heterogeneity jointly. Small subgroups give wide intervals: absence of evidence of a
difference is not evidence of none.
'''),
    ("code", r'''
sub = effects.subgroup_effects(cohort, "reoffend_365", "treatment", ["substance"], designs["IPW"], min_per_group=30)
display(sub.table[["variable", "level", "estimate", "ci_low", "ci_high", "p_value", "p_holm", "n_treated",
                   "n_control"]].round(3))
display(sub.heterogeneity)
'''),
    ("md", r'''
The joint test gives no evidence that the effect differs by substance, and after Holm's adjustment no
single substance stands out. In the generator the effect depends on the *type of alternative*, not on
the substance ([`docs/methods/synth.md`](../docs/methods/synth.md)). Reporting a subgroup whose
unadjusted $p$ happens to fall below 0.05 as "works for X" would be exactly the false positive the
adjustment guards against.
'''),
]
