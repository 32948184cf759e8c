"""Cells of 05_annual_report.ipynb."""

from _common import setup_cell

SETUP = setup_cell(
    stdlib=("import json", "import tempfile", "import warnings"),
    third_party=("import matplotlib.pyplot as plt",),
    tail="\nwarnings.filterwarnings(\"ignore\", message=\"IProgress not found\")  # no widgets needed here\n"
         "# Every output of this notebook goes to a temporary folder, never into the repository.\n"
         "OUT = Path(tempfile.mkdtemp(prefix=\"altmeasures-nb05-\"))\n",
)

CELLS = [
    ("md", r'''
# 05 · The annual report, from Python

A ministry runs one command every year:

```sh
altmeasures-eval report --config evaluation.toml --out reports/2025/
```

This notebook makes the same run step by step from Python, so that a researcher can inspect every
intermediate result, change one figure and still produce the same published HTML and PDF report, with
the same disclosure control. The config keys are documented in [`docs/config.md`](../docs/config.md),
the machine-readable `results.json` in [`docs/results-schema.md`](../docs/results-schema.md).
'''),
    ("code", SETUP),
    ("md", r'''
## 1. The config

`load_config` reads the TOML file and resolves paths relative to it; `EvaluationSpec.from_config`
validates **every** section and key before any data are read: a typo in a key stops the run with the
list of valid keys, instead of silently using a default.
'''),
    ("code", r'''
from altmeasures_eval.config import load_config
from altmeasures_eval.evaluation import EvaluationSpec

config = load_config(SAMPLE / "evaluation.toml")
spec = EvaluationSpec.from_config(config)
print(config.data.path)
display(pd.DataFrame([("cohort period", f"{spec.cohort.period_start:%Y-%m-%d} to {spec.cohort.period_end:%Y-%m-%d}"),
                      ("design", f"{spec.design.method}, estimand {spec.design.estimand}"),
                      ("covariates", ", ".join(spec.design.covariates)),
                      ("decision rules", spec.decision_rules),
                      ("disclosure", spec.disclosure),
                      ("seed", spec.run.seed)], columns=["setting", "value"]))
'''),
    ("md", r'''
Note the cohort period here: 2017 to 2022, six years of decisions, wider than the single year used in
notebooks 01-04 (whose truth was computed for 2021). A wider period gives a larger cohort and tighter
intervals but mixes years in which practice may have changed.

## 2. The run

The command does exactly these three calls: ingest and validate the data, summarise their quality,
and run the evaluation. `run_evaluation` chains named stages (quality, cohort, design, decision rules,
outcomes, subgroups, prison, costs); when one fails, the error names the stage and what to check.
'''),
    ("code", r'''
from altmeasures_eval.evaluation import run_evaluation
from altmeasures_eval.io import ingest, quality_report

ingestion = ingest(config.data.path, mapping=config.data.mapping, mode=config.data.mode)
quality = quality_report(ingestion)
evaluation = run_evaluation(ingestion.dataset, spec, progress=False, quality=quality)
pd.Series(evaluation.timings, name="seconds").round(2)
'''),
    ("md", r'''
Everything the report shows is an attribute of the `Evaluation` object: the cohort and its attrition,
the design and its balance, the decision rules, the effects by horizon, survival curves, subgroups,
E-values, the prison and cost analyses and the limitations written from the diagnostics.
'''),
    ("code", r'''
from altmeasures_eval.report import headline_sentence

rules = evaluation.rules
print("effects reported:", rules.effects_allowed, "| treated:", rules.n_treated, "| custody:", rules.n_control)
for reason in rules.reasons:
    print(" -", reason)
print()
print(headline_sentence(evaluation))
display(evaluation.recidivism[spec.report.headline_horizon])
display(evaluation.balance)
'''),
    ("md", r'''
The headline follows the Justice Data Lab wording: "for every 100 people given an alternative ..., X
reoffended ..., compared with Y of every 100 *similar* people sent to custody". *Similar* carries the
whole weight of the design: the custody rate shown is the weighted (adjusted) rate, not the raw one.
The decision rules (minimum group sizes, $n p \ge 10$ for significance statements, at least 30
reoffenders for time-to-event results) decide what may be said at all.
'''),
    ("code", r'''
for limitation in evaluation.limitations:
    print("-", limitation)
'''),
    ("md", r'''
## 3. Write the report

`write_report` writes `report.html` (self-contained), `report.pdf` (typeset with Typst),
`results.json` (validated against its JSON schema), every table as CSV and in one Excel workbook, and
every figure as PNG and SVG. **Every published count goes through disclosure control**: cells below
the threshold are suppressed (`[c]`), with secondary suppression so that totals cannot reveal them.
'''),
    ("code", r'''
from altmeasures_eval.report import file_hashes, write_report

written = write_report(evaluation, OUT / "report", input_files=file_hashes(config.data.path))
display(pd.DataFrame({"file": [str(p.relative_to(OUT)) for p in written.values()],
                      "bytes": [p.stat().st_size for p in written.values()]}, index=list(written)).head(12))
results = json.loads((OUT / "report" / "results.json").read_text())
print("results.json schema version", results["schema_version"], "| sections:", ", ".join(results))
'''),
    ("code", r'''
from altmeasures_eval.report import published_tables

tables, disclosure_notes = published_tables(evaluation)
print("published tables:", ", ".join(tables))
for note in disclosure_notes:
    print("disclosure:", note)
print(tables["recidivism"].title)
tables["recidivism"].frame
'''),
    ("md", r'''
## 4. Customising a figure

The report's figures are drawn by `altmeasures_eval.plotting` from the evaluation's results, so a
figure can be redrawn with any matplotlib styling and put back into the report under the same name.
Here we redraw the adjusted survival curves with the ministry's own labels, a one-year marker and no
confidence bands, then render HTML and PDF with it. The numbers do not change; only their drawing
does. (Keep the at-risk table only when no number in it falls below the disclosure threshold, as the
default figure does.)
'''),
    ("code", r'''
import io

from altmeasures_eval import plotting
from altmeasures_eval.report import Figure, build_content, render_figures, render_html, render_pdf

figures = render_figures(evaluation)
print("figures:", ", ".join(figures))


def draw(ax):
    plotting.plot_survival(evaluation.survival_curves, ax=ax, ci=False, at_risk=False,
                           labels={1: "Alternative measure", 0: "Prison (comparable persons)"},
                           xlabel="Days since the decision or release")
    ax.axvline(365, color="0.4", linestyle=":", linewidth=1)
    ax.set_title("Share with a proven reoffence", loc="left", fontsize=10)


fig, ax = plt.subplots(figsize=(6.5, 4.2))
draw(ax)
fig.tight_layout()
png, svg = io.BytesIO(), io.StringIO()
fig.savefig(png, format="png", dpi=150)
fig.savefig(svg, format="svg")
display(fig)  # show it here; plt.close below keeps the inline backend from drawing it twice
plt.close(fig)
figures["survival_curves"] = Figure("survival_curves", figures["survival_curves"].caption,
                                    png.getvalue(), svg.getvalue())
'''),
    ("code", r'''
content = build_content(evaluation, tables, figures, disclosure_notes, file_hashes(config.data.path))
custom = OUT / "custom"
custom.mkdir()
(custom / "report.html").write_text(render_html(content, figures), encoding="utf-8")
render_pdf(content, figures, custom / "report.pdf")
for path in sorted(custom.iterdir()):
    print(f"{path.name}: {path.stat().st_size:,} bytes")
'''),
    ("md", r'''
The customised report keeps every table, note, limitation and the disclosure control of the standard
one; only the figure changed. For a change that every year's report should carry, put the styling in
a small function in your own code and call it after `run_evaluation`, so that next year's run is still
one script.

**What this report does not do.** It does not decide whether a programme "works": it states an
adjusted difference, its uncertainty and the conditions under which it is a causal effect (no
unmeasured confounding, overlap, correct definitions). The limitations section is part of the finding,
not a disclaimer; a summary that drops it overstates the evidence.
'''),
    ("code", r'''
import shutil

shutil.rmtree(OUT)
'''),
]
