"""Cells of 06_unodc_multicountry.ipynb."""

from _common import setup_cell

SETUP = setup_cell(
    stdlib=("import dataclasses", "import json", "import tempfile", "import warnings"),
    third_party=("import matplotlib.pyplot as plt",),
    tail="\nwarnings.filterwarnings(\"ignore\", message=\"IProgress not found\")  # no widgets needed here\n"
         "# Every output of this notebook goes to a temporary folder, never into the repository.\n"
         "OUT = Path(tempfile.mkdtemp(prefix=\"altmeasures-nb06-\"))\n",
)

CELLS = [
    ("md", r'''
# 06 · UNODC: combining countries

Resolution 58/5 asks States to share data on the results of alternatives and asks UNODC to report
progress. Microdata never leave a country: each country runs `altmeasures-eval unodc-export`, which
writes one small **indicator file** (JSON and CSV, schema in
[`docs/unodc-schema.md`](../docs/unodc-schema.md)) with aggregate indicators under disclosure control;
UNODC validates the files and renders a multi-country summary with `altmeasures-eval unodc-summary`.

This notebook plays both roles with three synthetic countries whose true effects differ, so that we
can see what a cross-country table can and cannot say.
'''),
    ("code", SETUP),
    ("md", r'''
## 1. Three countries

`synth.simulate` generates a country's extract with a known effect. We vary the true hazard ratio of
reoffending after an alternative (versus custody) and how strongly courts' custody decisions depend
on the person's record (confounding):

| country | true hazard ratio | confounding |
|---|---|---|
| XAA | 0.70 for every alternative | default |
| XBB | the generator's defaults (0.65 treatment orders ... 0.95 fines) | default |
| XCC | 1.00 (no effect) | 1.5 x default |
'''),
    ("code", r'''
from altmeasures_eval import synth

PERIOD = ("2019-01-01", "2022-12-31")
COUNTRIES = {"XAA": dict(effects=0.70, confounding=1.0, seed=101),
             "XBB": dict(effects=None, confounding=1.0, seed=102),
             "XCC": dict(effects=1.00, confounding=1.5, seed=103)}
truth = {}
for code, settings in COUNTRIES.items():
    data = synth.simulate(12_000, period=PERIOD, **settings)
    extract = dataclasses.replace(data.dataset.extract, country=code)
    data = dataclasses.replace(data, dataset=dataclasses.replace(data.dataset, extract=extract))
    synth.write_synthetic(data, OUT / code / "data")
    truth[code] = data.truth
pd.DataFrame({code: {"cohort": t["n"]["cohort"], "alternative": t["n"]["treated"], "custody": t["n"]["control"],
                     "true ATT, 1-year reoffending": round(t["reoffend"]["365"]["att"], 3),
                     "naive difference": round(t["reoffend"]["365"]["naive"], 3)}
              for code, t in truth.items()}).T
'''),
    ("md", r'''
## 2. Each country exports its indicators

Each country has its own evaluation config. The one below is the minimum a country needs, plus
lighter uncertainty settings so that this notebook runs quickly (a real run keeps the defaults).
In a ministry, the export is one command:

```sh
altmeasures-eval unodc-export --config evaluation.toml --out unodc/
```

Here we make the same calls from Python.
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
country = "{code} (synthetic)"

[cohort]
period_start = {start}
period_end = {end}

[outcomes]
subgroups = []

[population]
n_boot = 100

[costs.analysis]
n_boot = 100
n_draws = 2000
"""

files = {}
for code in COUNTRIES:
    path = OUT / code / "evaluation.toml"
    path.write_text(CONFIG.format(code=code, start=PERIOD[0], end=PERIOD[1]), encoding="utf-8")
    config = load_config(path)
    spec = EvaluationSpec.from_config(config)
    ingestion = ingest(config.data.path, mapping=config.data.mapping, mode=config.data.mode)
    evaluation = run_evaluation(ingestion.dataset, spec, progress=False, quality=quality_report(ingestion))
    files[code] = write_unodc_files(unodc_indicators(evaluation), OUT / code / "unodc")["json"]
    print(code, "->", files[code].relative_to(OUT))
'''),
    ("md", r'''
An indicator file holds counts by stage and disposition, the share given each alternative, treatment
uptake and completion, one-year reoffending by group and the adjusted difference with its interval,
bed-days averted and cost per person, each with its unit and each count under the disclosure threshold
suppressed. No person-level row, no identifier.
'''),
    ("code", r'''
doc = json.loads(files["XAA"].read_text())
print({k: v for k, v in doc.items() if k != "records"})
pd.DataFrame(doc["records"]).head(15)
'''),
    ("md", r'''
## 3. UNODC combines them

`read_unodc_file` validates each file against the schema (a country that sends a malformed or
outdated file gets an error naming the field), `summary_table` lines the countries up, and
`unodc_summary_content` builds the same HTML/PDF document the `unodc-summary` command writes.
'''),
    ("code", r'''
from altmeasures_eval.report import read_unodc_file, render_html, summary_table, unodc_summary_content

docs = [read_unodc_file(files[code]) for code in COUNTRIES]
table = summary_table(docs)
table["true ATT"] = [truth[code]["reoffend"]["365"]["att"] for code in COUNTRIES]
table.round(3)
'''),
    ("code", r'''
fig, ax = plt.subplots(figsize=(7, 3.5))
y = range(len(table))[::-1]
ax.errorbar(table["adjusted_difference"], list(y),
            xerr=[table["adjusted_difference"] - table["ci_low"], table["ci_high"] - table["adjusted_difference"]],
            fmt="o", capsize=3, label="adjusted estimate (95% CI)")
ax.scatter(table["true ATT"], list(y), marker="x", color="C2", zorder=3, label="true ATT (synthetic)")
ax.axvline(0, color="0.5", linewidth=0.8)
ax.set_yticks(list(y), table["country"])
ax.set_xlabel("difference in 1-year proven reoffending (alternative - custody)")
ax.legend(frameon=False, fontsize=8, loc="lower left")
plt.tight_layout()
plt.show()

content, published, figures = unodc_summary_content(docs)
html = render_html(content, figures)
(OUT / "summary.html").write_text(html, encoding="utf-8")
print(f"summary.html: {len(html):,} characters, figures: {', '.join(figures)}")
'''),
    ("md", r'''
How to read a cross-country table, and how not to:

* Each country's estimate is only as good as its own design and data; the table does not make them
  comparable. Countries differ in what counts as an "alternative", in how offences reach the register,
  in the follow-up and in who is diverted. A larger effect in one country may reflect a different
  population, not a better programme.
* Intervals are wide at these sizes. A country whose interval includes zero has **not** shown that
  its programme has no effect: XCC truly has none, while XBB has a real but small one (about 4 points),
  and both intervals can include zero. In a table the two look alike; only a larger cohort, or
  several years of data, separates them.
* Do not pool the estimates into one "global effect" without a model for why effects differ (a
  random-effects meta-analysis at least), and never by adding counts across countries.
* Suppressed cells (`[c]` in the CSV, `null` with a flag in the JSON) are missing by design: do not
  back-calculate them from totals of other tables.
'''),
    ("code", r'''
import shutil

shutil.rmtree(OUT)
'''),
]
