"""``altmeasures-eval unodc-summary FILES... --out DIR``: combine countries' indicator files.

Validates every ``unodc_indicators.json`` against its schema (a bad file stops the run, naming the
file and the problem), then writes ``summary.html``, ``summary.pdf``, ``unodc_summary.csv`` and the
comparative charts (PNG and SVG) into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Validate several countries' UNODC indicator files and render a multi-country summary (HTML, PDF)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="unodc_indicators.json files, one per country")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--no-pdf", action="store_true", help="skip summary.pdf")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.report import read_unodc_file, render_html, render_pdf, unodc_summary_content

    docs = [read_unodc_file(f) for f in args.files]
    content, table, figures = unodc_summary_content(docs)
    out = Path(args.out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    from altmeasures_eval.report import summary_table

    summary_table(docs).to_csv(out / "unodc_summary.csv", index=False)
    for name, f in figures.items():
        (out / "figures" / f"{name}.png").write_bytes(f.png)
        (out / "figures" / f"{name}.svg").write_text(f.svg, encoding="utf-8")
    (out / "summary.html").write_text(render_html(content, figures), encoding="utf-8")
    if not args.no_pdf:
        render_pdf(content, figures, out / "summary.pdf")
    print(f"unodc-summary: {len(docs)} countries written to {out}")
    return 0
