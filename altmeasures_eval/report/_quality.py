"""HTML and JSON rendering of the data-quality report (computed by :func:`altmeasures_eval.io.quality_report`).

Both files are for the data owner, not for publication (they list problem values by source row).
Every credential of a connection URL is redacted from them
(:func:`altmeasures_eval.privacy.redact_secrets`): the source of a SQL extract is shown as
``postgresql://user:***@host/db``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pandas as pd

from altmeasures_eval.io import QualityReport
from altmeasures_eval.privacy import redact_secrets

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("altmeasures_eval.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
#: Problem rows listed one by one in the HTML page (all of them are in the JSON file).
MAX_HTML_PROBLEMS = 5000


def render_quality_html(report: QualityReport, max_problems: int = MAX_HTML_PROBLEMS) -> str:
    """The quality report as a self-contained HTML page.

    Every problem group is summarised; individual problems are listed up to ``max_problems``
    (the JSON file holds them all).
    """
    shown = report.problems.iloc[:max_problems]
    rows = [
        {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in rec.items()}
        for rec in shown.astype(object).to_dict(orient="records")
    ]
    for rec in rows:
        if rec["source_row"] is not None:
            rec["source_row"] = int(rec["source_row"])
    return redact_secrets(_ENV.get_template("quality.html.j2").render(
        r=report, k=report.k_anonymity, problems=rows, shown=len(shown)
    ))


def write_quality_report(report: QualityReport, out: str | Path) -> tuple[Path, Path]:
    """Write ``quality.html`` and ``quality.json`` into the folder ``out``; return both paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    html = out / "quality.html"
    html.write_text(render_quality_html(report), encoding="utf-8")
    js = out / "quality.json"
    js.write_text(redact_secrets(json.dumps(report.to_dict(), indent=2, ensure_ascii=False)) + "\n",
                  encoding="utf-8")
    return html, js
