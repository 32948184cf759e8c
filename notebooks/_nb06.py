"""Cells of 06_unodc_multicountry.ipynb."""

from _common import setup_cell

SETUP = setup_cell(
    stdlib=("import json", "import tempfile", "import warnings"),
    third_party=("import matplotlib.pyplot as plt",),
    tail="\nwarnings.filterwarnings(\"ignore\", message=\"IProgress not found\")  # no widgets needed here\n"
         "# Every output of this notebook goes to a temporary folder, never into the repository.\n"
         "OUT = Path(tempfile.mkdtemp(prefix=\"altmeasures-nb06-\"))\n",
)

CELLS = [
    ("md", r'''
# 06 · UNODC: combining countries and years

Resolution 58/5 asks States to share data on the results of alternatives and asks UNODC to report
progress. Microdata never leave a country: each country runs `altmeasures-eval unodc-export`, which
writes one small **indicator file** (JSON and CSV, schema in
[`docs/unodc-schema.md`](../docs/unodc-schema.md)): its ISO 3166-1 alpha-3 code, counts of eligible
persons by year, stage, disposition, sex and age group under disclosure control, and the effect
indicators with their estimand, adjustment, interval and quality flags. UNODC validates the files,
**pools** each effect with a random-effects meta-analysis and renders a multi-country summary with
`altmeasures-eval unodc-summary`.

This notebook plays both roles with three synthetic countries whose true effects differ, and one
country that reports two periods, so that we can see what pooling can and cannot say.
'''),
    ("code", SETUP),
    ("params", r'''
# Parameters (this cell is tagged "parameters": `papermill -p IMPUTATIONS 5 ...` runs the notebook
# with another value). IMPUTATIONS is [design] imputations, the number of completed data sets of the
# multiple imputation of missing covariates; 20 is the toolkit's default. PERSONS is the size of each
# country's generated extract. The test suite runs this notebook with 2 imputations and half the
# persons, which gives the same steps, files and pooling in a fraction of the time.
IMPUTATIONS = 20
PERSONS = {"XAA": 16_000, "XBB": 8_000, "XCC": 8_000}
'''),
    ("md", r'''
## 1. Three countries with different true effects

`synth.simulate(country=..., effects=...)` generates a country's extract with a known effect: the
true hazard ratio of reoffending after an alternative versus custody. Codes `XAA`-`XZZ` are the
ISO 3166-1 range reserved for user assignment, right for fictitious countries. XAA is larger and
reports two periods (2018-2020 and 2021-2022), so that UNODC has two reporting years of one country;
its truth is computed for the latest period.

| country | true hazard ratio | persons (`PERSONS`) | reporting years |
|---|---|---|---|
| XAA | 0.60 for every alternative | 16,000 | 2020, 2022 |
| XBB | 0.80 | 8,000 | 2022 (2018-2022) |
| XCC | 1.00 (no effect) | 8,000 | 2022 (2018-2022) |
'''),
    ("code", r'''
from altmeasures_eval import synth

PERIOD = ("2018-01-01", "2022-12-31")
COUNTRIES = {"XAA": ("Country A", 0.60, 21, ("2021-01-01", "2022-12-31")),
             "XBB": ("Country B", 0.80, 22, PERIOD),
             "XCC": ("Country C", 1.00, 23, PERIOD)}
truth = {}
for code, (name, hazard_ratio, seed, period) in COUNTRIES.items():
    data = synth.simulate(PERSONS[code], seed=seed, effects=hazard_ratio, period=period, country=code)
    synth.write_synthetic(data, OUT / code / "data")
    truth[code] = data.truth
pd.DataFrame({code: {"cohort": t["n"]["cohort"], "alternative": t["n"]["treated"], "custody": t["n"]["control"],
                     "true ATT, 1-year reoffending": round(t["reoffend"]["365"]["att"], 3),
                     "naive difference": round(t["reoffend"]["365"]["naive"], 3)}
              for code, t in truth.items()}).T
'''),
    ("md", r'''
## 2. Each country exports its indicators

Each country has its own evaluation config. `[report] country` must be an ISO 3166-1 alpha-3 code
(a name or a typo is refused with the nearest code), `country_name` is what is printed. As in the
sample config, the effect compares alternatives with custody decided at the same point (the court
stages); the indicator file still counts **every** eligible person, at every stage. Entropy
balancing and light uncertainty settings keep this notebook quick (a real run keeps the defaults).
In a ministry the export is one command:

```sh
altmeasures-eval unodc-export --config evaluation.toml --out unodc/
```

Here we make the same calls from Python, one file per country and reporting period.
'''),
    ("code", r'''
from altmeasures_eval.config import load_config
from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation
from altmeasures_eval.io import ingest, quality_report
from altmeasures_eval.report import unodc_indicators, write_unodc_files

CONFIG = """
[data]
path = "data"

[report]
country = "{code}"
country_name = "{name}"

[cohort]
period_start = {start}
period_end = {end}
stages = ["trial", "sentencing"]

[design]
method = "entropy"
imputations = {imputations}

[outcomes]
subgroups = []

[population]
n_boot = 50

[costs.analysis]
n_boot = 50
n_draws = 2000
"""


def export(code, name, start, end):
    path = OUT / code / f"evaluation_{end[:4]}.toml"
    path.write_text(CONFIG.format(code=code, name=name, start=start, end=end, imputations=IMPUTATIONS),
                    encoding="utf-8")
    config = load_config(path)
    spec = EvaluationSpec.from_config(config)
    ingestion = ingest(config.data.path, mapping=config.data.mapping, mode=config.data.mode)
    evaluation = run_evaluation(ingestion.dataset, spec, progress=False, quality=quality_report(ingestion))
    # the data set lets the export count eligible persons at every stage, not only the court stages
    doc = unodc_indicators(evaluation, ingestion.dataset)
    return write_unodc_files(doc, OUT / code / f"unodc_{end[:4]}")["json"]


files = {"XAA 2020": export("XAA", "Country A", "2018-01-01", "2020-12-31"),
         "XAA 2022": export("XAA", "Country A", "2021-01-01", "2022-12-31"),
         "XBB 2022": export("XBB", "Country B", *PERIOD),
         "XCC 2022": export("XCC", "Country C", *PERIOD)}
{key: str(path.relative_to(OUT)) for key, path in files.items()}
'''),
    ("md", r'''
The header of a file says who and what it is about; every record carries its dimensions (`_T` =
total), its kind and unit, and flags that say why a value is withheld or how to read it.
'''),
    ("code", r'''
doc = json.loads(files["XBB 2022"].read_text())
print({k: doc[k] for k in ("schema_version", "country", "country_name", "reporting_year", "period", "estimand",
                           "design", "decision_rules")})
records = pd.DataFrame(doc["records"])
display(records[(records["indicator"] == "eligible_persons") & (records["year"] == "_T")
                & (records["disposition"] == "_T") & (records["sex"] == "_T")])
records[records["kind"].isin(["effect", "difference"])].drop(columns=["age_group", "citizenship", "sex"])
'''),
    ("md", r'''
## 3. UNODC pools the effect across countries

`read_unodc_file` validates each file against the schema (a country that sends a malformed or
outdated file gets an error naming the field). `pool_unodc` combines one effect indicator with a
random-effects meta-analysis (`altmeasures_eval.pooling.random_effects`: REML, DerSimonian-Laird or
Paule-Mandel τ², optional Hartung-Knapp-Sidik-Jonkman interval; checked against R `metafor`). Each
country enters with its latest reporting year (XAA with 2021-2022); a country whose design failed
its gate, or whose effect was withheld, is listed in `excluded` with the reason and does not enter
the pool.
'''),
    ("code", r'''
from altmeasures_eval.pooling import heterogeneity_in_words
from altmeasures_eval.report import pool_unodc, read_unodc_file

docs = [read_unodc_file(path) for path in files.values()]
pooled = pool_unodc(docs, "reoffending_1y_difference_adjusted", method="REML", hksj=True)
res = pooled.result
print(f"pooled difference {res.estimate:+.3f} (95% CI {res.ci_low:+.3f} to {res.ci_high:+.3f}), "
      f"tau^2 = {res.tau2:.5f}, I^2 = {res.i2:.0f}%, Q = {res.q:.2f} (p = {res.q_pvalue:.2f}), "
      f"prediction interval {res.pi_low:+.3f} to {res.pi_high:+.3f}")
print(heterogeneity_in_words(res))
pooled.summary.assign(true_att=[truth[c]["reoffend"]["365"]["att"] for c in pooled.studies["country"]] + [None])
'''),
    ("code", r'''
from altmeasures_eval.plotting import plot_forest

ax = plot_forest(res, xlabel="difference in 1-year proven reoffending (points), alternative minus custody")
y = [len(pooled.studies) + 1 - i for i in range(len(pooled.studies))]
ax.scatter([100 * truth[c]["reoffend"]["365"]["att"] for c in pooled.studies["country"]], y, marker="x",
           color="C2", zorder=4, label="true ATT (synthetic)")
ax.legend(frameon=False, fontsize=8, loc="lower left")
plt.show()
'''),
    ("md", r'''
How to read a pooled effect, and how not to:

* The pooled value is an average over the countries that sent files, weighted by precision and
  allowing the true effect to differ between them. It describes those countries, not the world.
* **Heterogeneity** says whether the countries' true effects differ: here they do by construction
  (hazard ratios 0.6, 0.8, 1.0), but with three countries of this size the test has little power
  and τ² may be estimated near zero. The **prediction interval** is the honest range for a further
  country; with few countries it is wide, and the HKSJ interval (`hksj=True`) is the safer choice.
* A country whose interval includes zero has **not** shown that its programme has no effect: XCC
  truly has none, XBB a real one, and both intervals can include zero.
* Never add counts across countries, and never back-calculate suppressed cells (`null` with a
  `disclosure_*` flag) from totals.
'''),
    ("md", r'''
## 4. A failed design is left out, with the reason

Suppose XBB's design had failed its gate (for instance, no comparable custody cases at one stage).
Its export would withhold every effect (flag `design_gate_failed`); the pooling lists it and goes on
with the others.
'''),
    ("code", r'''
import copy

latest = {d["country"]: d for d in sorted(docs, key=lambda d: d["reporting_year"])}
failed = copy.deepcopy(latest["XBB"])
failed["design"] = {"method": "entropy", "gate_passed": False,
                    "reasons": ["no comparable custody case at the pre-trial stage"]}
partial = pool_unodc([latest["XAA"], failed, latest["XCC"]], "reoffending_1y_difference_adjusted")
display(partial.excluded)
partial.summary
'''),
    ("md", r'''
## 5. Across the years of one country, and the summary report

XAA sent two reporting years. `pool_unodc(..., across="years", country="XAA")` pools them. The two
periods do not overlap (files whose periods overlap hold the same people and are refused), but a
person decided in both periods is in both cohorts, so treat the pooled value as indicative. `unodc_summary` builds the whole multi-country document:
coverage, pooled effects with forest plots, heterogeneity in words, trends over years; the
`unodc-summary` command writes it as HTML and PDF.
'''),
    ("code", r'''
from altmeasures_eval.report import unodc_summary, write_unodc_summary

years = pool_unodc(docs, "reoffending_1y_difference_adjusted", across="years", country="XAA")
display(years.studies[["label", "estimate", "ci_low", "ci_high"]])
summary = unodc_summary(docs, method="REML", hksj=True)
paths = write_unodc_summary(summary, OUT / "summary", pdf=False)
print("\n".join(summary.content["summary"]))
print({name: path.name for name, path in paths.items()}, "figures:", ", ".join(summary.figures))
'''),
    ("code", r'''
import shutil

shutil.rmtree(OUT)
'''),
]
