"""Cells of 02_reoffending_survival.ipynb."""

from _common import setup_cell

SETUP = setup_cell(stdlib=(), third_party=("import matplotlib.pyplot as plt",))

CELLS = [
    ("md", r'''
# 02 · Time to reoffence: survival analysis

Binary "reoffended within a year" outcomes throw information away: they treat a reoffence on day 2
like one on day 360, and they need complete follow-up. Survival analysis uses the **time** to the
first proven reoffence and handles people whose follow-up is cut short (censoring). This notebook
covers, on the sample cohort and then on a real experiment:

1. Kaplan-Meier curves, cumulative incidence and medians;
2. the log-rank test;
3. the Cox proportional-hazards model and how to check proportional hazards;
4. restricted mean survival time (RMST) and risk differences at fixed horizons;
5. competing risks: death prevents reoffending;
6. the Rossi recidivism experiment (Rossi, Berk and Lenihan 1980), a randomised trial, checked
   against published results.

Every estimator, its variance and its references are in
[`docs/methods/survival.md`](../docs/methods/survival.md).
'''),
    ("code", SETUP),
    ("code", r'''
from altmeasures_eval import io, plotting, survival
from altmeasures_eval.cohort import CohortSpec, build_cohort

dataset = io.read_dataset(SAMPLE)
spec = CohortSpec(period_start=pd.Timestamp("2021-01-01"), period_end=pd.Timestamp("2021-12-31"))
cohort = build_cohort(dataset, spec).data
ARMS = {1: "alternative", 0: "custody"}
cohort[["time_reoffend", "event_reoffend", "event_type"]].describe().round(1)
'''),
    ("md", r'''
`time_reoffend` is the number of days from the start of time at risk (the decision for an
alternative, release for custody) to the **offence date** of the first reoffence that was later
proven, or to censoring: death, the end of the 1,095-day follow-up, or the last date at which a
reoffence could still have been proven by the extract date. `event_reoffend` is 1 for a reoffence.

## 1. Kaplan-Meier

The Kaplan-Meier estimator multiplies, over event times, the share of people at risk who did *not*
reoffend: $\hat S(t) = \prod_{t_j \le t} (1 - d_j / n_j)$. We report its complement, the
**cumulative incidence** $1 - \hat S(t)$: the share who have reoffended by day $t$. It is unbiased
only if censoring is *non-informative*: those whose follow-up ended early would have reoffended at
the same rate as those still followed. Administrative censoring at the extract date satisfies this;
death does not really (see section 5).
'''),
    ("code", r'''
km = survival.kaplan_meier(cohort, "time_reoffend", "event_reoffend", group="treatment")
display(km)
display(km.medians)
'''),
    ("code", r'''
fig, ax = plt.subplots(figsize=(8, 5))
plotting.plot_survival(km, ax=ax, labels=ARMS)
ax.set_title("Proven reoffending since start of time at risk (sample, unadjusted)")
plt.show()
'''),
    ("md", r'''
Read the curves as "by day $t$, this share of the group had reoffended"; the bands are pointwise 95 %
intervals and the table under the axis counts those still at risk. The custody curve rises much
faster. **This is not the effect of custody.** The two groups differ before any sentence (notebook 01:
the custody group has about twice the prior offences), and prior offending predicts reoffending
whatever the sentence. These curves describe the groups; notebook 03 adjusts them.

## 2. Log-rank test

The log-rank test compares, at each event time, the observed events in each group with those expected
if the groups shared one hazard, and sums over time. It tests *equality of the whole curves*; it says
nothing about the size of a difference, and it has little power when curves cross.
'''),
    ("code", r'''
logrank = survival.logrank_test(cohort, "time_reoffend", "event_reoffend", group="treatment")
display(logrank)
display(logrank.groups)
'''),
    ("md", r'''
## 3. Cox proportional hazards

The Cox model writes the hazard as $h(t \mid x) = h_0(t)\exp(x^\top\beta)$; $\exp(\beta)$ is a
**hazard ratio**, assumed constant over follow-up (proportional hazards, PH). The model adjusts for the
covariates it is given, here prior offending, prior custody and age, and only for those: it is a
regression adjustment, with the same "no unmeasured confounding" assumption as the designs of
notebook 03, plus the assumption that the covariates act linearly on the log hazard.
'''),
    ("code", r'''
covariates = ["treatment", "age", "prior_proven", "prior_custody_spells", "prior_treatment_episodes"]
crude = survival.cox_ph(cohort, "time_reoffend", "event_reoffend", ["treatment"])
adjusted = survival.cox_ph(cohort, "time_reoffend", "event_reoffend", covariates)
display(crude.summary[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high", "p_value", "n"]])
display(adjusted.summary[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high", "p_value", "n"]])
print(adjusted.variance)
'''),
    ("md", r'''
Adjusting for prior record moves the hazard ratio of an alternative towards 1: part of the crude
difference was who gets custody, not what custody does. The sample's generator used true hazard ratios
between 0.65 (treatment order) and 0.95 (fine) for the different alternatives
(`ground_truth.json`, `generator.effects_hazard_ratio`), so a single "alternative vs custody" hazard
ratio is an average over a mix of measures. Remaining confounding (jurisdiction, stage, substance are
left out here) is treated properly in notebook 03.

### Checking proportional hazards

`cox_ph` runs the Grambsch-Therneau score test on scaled Schoenfeld residuals (R's `cox.zph`) by
default. A small p-value says the effect of that term changes over follow-up; the plot of residuals
against (transformed) time shows how. A rejected PH assumption does not make the model useless, but
the hazard ratio is then an average over time that depends on the censoring pattern; prefer risk
differences or RMST at stated horizons, which do not assume PH.
'''),
    ("code", r'''
display(adjusted.ph_test.summary)
print("PH rejected for:", adjusted.ph_violated or "none")
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
plotting.plot_schoenfeld(adjusted.ph_test, "treatment", ax=axes[0])
plotting.plot_loglog(km, ax=axes[1])
plt.tight_layout()
plt.show()
'''),
    ("md", r'''
In the log-log plot ($\log(-\log \hat S(t))$ against $\log t$), proportional hazards appear as
parallel curves.

## 4. RMST and risk differences

Two measures that need no PH assumption and that a minister can read:

* **risk difference** at a horizon: $F_1(t) - F_0(t)$, the difference in cumulative incidence, in
  percentage points;
* **restricted mean survival time** up to $\tau$: the area under $S(t)$ from 0 to $\tau$, i.e. the
  average number of reoffence-free days in the first $\tau$ days. The difference is in days.
'''),
    ("code", r'''
risk = survival.risk_difference(cohort, "time_reoffend", "event_reoffend", group="treatment")
rmst = survival.rmst(cohort, "time_reoffend", "event_reoffend", group="treatment")
display(risk)
display(rmst)
'''),
    ("md", r'''
Again these are unadjusted descriptions of the two groups. The same functions take `weights=` (the
weights of a matching or weighting design) and `cluster=` (matched sets) and then estimate adjusted
contrasts with a robust variance; notebook 03 does exactly that.

## 5. Competing risks: death

A person who dies cannot reoffend. Treating deaths as ordinary censoring (as Kaplan-Meier does)
estimates the reoffending risk in a world without death, which overstates the risk in the real one.
The **Aalen-Johansen** estimator gives the cumulative incidence of each cause (1 = reoffence,
2 = death) in the presence of the other; the two add up to the share who experienced either.
Cause-specific Cox models give the hazard ratio of each cause among those still event-free.
'''),
    ("code", r'''
cif = survival.cumulative_incidence(cohort, "time_reoffend", "event_type", group="treatment")
display(cif.summary.query("time == 1095")[["group", "cause", "time", "estimate", "ci_low", "ci_high"]])
one_minus_km = km.summary.query("time == 1095").set_index("group")["estimate"]
aj = cif.summary.query("time == 1095 and cause == 1").set_index("group")["estimate"]
display(pd.DataFrame({"1 - KM (death censored)": one_minus_km, "Aalen-Johansen": aj,
                      "difference": one_minus_km - aj}).rename(index=ARMS))
fig, ax = plt.subplots(figsize=(8, 5))
plotting.plot_survival(cif, ax=ax, cause=1, labels=ARMS)
ax.set_title("Cumulative incidence of reoffending, death as a competing event")
plt.show()
display(survival.cause_specific_cox(cohort, "time_reoffend", "event_type", ["treatment"], cause=2).summary)
'''),
    ("md", r'''
In this cohort deaths are rare (under 1 % over three years), so $1 - \mathrm{KM}$ and Aalen-Johansen
barely differ. In a population with high overdose mortality (people leaving prison are at
sharply raised risk of overdose in the first weeks) the gap grows, and a programme that keeps people
alive would look "worse" on naive reoffending simply because survivors can reoffend. Report deaths as
an outcome in their own right.

## 6. A real experiment: Rossi et al. (1980)

The Rossi data (in `lifelines.datasets`) come from the Transitional Aid Research Project in Maryland:
432 men released from state prisons were **randomly** assigned to receive financial aid (`fin = 1`) or
not, and followed for 52 weeks for re-arrest. Because assignment was random, the crude comparison is
an unbiased estimate of the effect of aid, and nothing like notebook 03 is needed. The same functions
run on any data frame with a duration and an event column; we compare their output with published
values (Fox and Weisberg, *Cox proportional-hazards regression for survival data in R*, appendix to
*An R Companion to Applied Regression*, 2018; the same numbers come out of R's `survival` package,
which the test suite checks directly in `tests/survival/`).
'''),
    ("code", r'''
from lifelines.datasets import load_rossi

rossi = load_rossi()
km_rossi = survival.kaplan_meier(rossi, "week", "arrest", group="fin", times=[52])
lr_rossi = survival.logrank_test(rossi, "week", "arrest", group="fin")
cox_rossi = survival.cox_ph(rossi, "week", "arrest", ["fin", "age", "race", "wexp", "mar", "paro", "prio"])

# Published values: Fox & Weisberg (2018), appendix "Cox proportional-hazards regression", Efron ties;
# KM and log-rank from R survival::survfit / survdiff on the same data (see DOMAIN reference numbers).
terms = cox_rossi.summary.set_index("term")
lr_test = cox_rossi.tests.set_index("test")
check = pd.DataFrame([
    ("KM P(arrest by week 52), no aid", km_rossi.summary.query("group == 0")["estimate"].iloc[0], 0.3056),
    ("KM P(arrest by week 52), aid", km_rossi.summary.query("group == 1")["estimate"].iloc[0], 0.2222),
    ("log-rank chi-square", lr_rossi.summary["statistic"].iloc[0], 3.8376),
    ("log-rank p-value", lr_rossi.summary["p_value"].iloc[0], 0.0501),
    ("Cox coef fin", terms.loc["fin", "estimate"], -0.37942),
    ("Cox SE fin", terms.loc["fin", "se"], 0.19138),
    ("Cox coef age", terms.loc["age", "estimate"], -0.05744),
    ("Cox SE age", terms.loc["age", "se"], 0.02200),
    ("Cox coef prio", terms.loc["prio", "estimate"], 0.09150),
    ("Cox SE prio", terms.loc["prio", "se"], 0.02865),
    ("likelihood-ratio test (7 df)", lr_test.loc["likelihood ratio", "statistic"], 33.27),
], columns=["quantity", "altmeasures_eval", "published"])
check["difference"] = check["altmeasures_eval"] - check["published"]
display(check.round(5))
assert (check["difference"].abs() < 5e-4 * check["published"].abs().clip(lower=1)).all()
'''),
    ("code", r'''
fig, ax = plt.subplots(figsize=(8, 5))
plotting.plot_survival(km_rossi, ax=ax, labels={0: "no financial aid", 1: "financial aid"},
                       xlabel="Weeks since release", at_risk_times=[0, 10, 20, 30, 40, 50])
ax.set_title("Rossi et al. (1980): re-arrest after release")
plt.show()
display(cox_rossi.summary[["term", "hazard_ratio", "hr_ci_low", "hr_ci_high", "p_value"]])
display(cox_rossi.ph_test.summary)
'''),
    ("md", r'''
What the Rossi results say, and what they do not:

* **Financial aid reduced re-arrest**: hazard ratio about 0.68 adjusted for the other covariates, with a
  95 % interval that just excludes 1; the log-rank p-value is 0.05. Because aid was randomised, this is
  a causal effect, but a modest one, estimated imprecisely: the interval runs from a one-half
  reduction to almost nothing.
* The covariate coefficients (age, prior convictions) are *associations* within a randomised trial of
  something else; they are not causal effects of age or of prior convictions.
* The PH test flags **age** and **work experience** (`wexp`): their association with arrest changes over
  the year, as Fox and Weisberg also discuss. The treatment term `fin` shows no evidence against PH, so
  its hazard ratio is a fair summary.
* The experiment ran in Maryland in the 1970s; whether the effect carries over to another country and
  another benefit system is a question of external validity that no statistic answers.
'''),
]
