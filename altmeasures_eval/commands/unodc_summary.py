"""``altmeasures-eval unodc-summary FILES... --out DIR``: combine countries' indicator files.

Validates every ``unodc_indicators.json`` against its schema (a bad file stops the run, naming the
file and the problem), pools each effect indicator across countries (and across the reporting years
of a country that sent several) with a random-effects model, leaving out with the reason every file
whose design failed its gate or whose effect was withheld, and writes ``summary.html``,
``summary.pdf``, ``unodc_summary.csv`` (one row per file), ``unodc_pooled.csv`` (every pooled
result) and the figures (PNG and SVG) into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from altmeasures_eval._output import add_output_arguments, config_hash, file_sha256, output_dir

HELP = "Validate several countries' UNODC indicator files, pool their effects and render a summary (HTML, PDF)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path,
                        help="unodc_indicators.json files, one per country and reporting year")
    add_output_arguments(parser, what="summary.html, summary.pdf, the CSV files and figures")
    parser.add_argument("--method", choices=("REML", "DL", "PM"), default="REML",
                        help="estimator of the between-country variance tau^2 (default REML)")
    parser.add_argument("--hksj", action="store_true",
                        help="Hartung-Knapp-Sidik-Jonkman intervals (advisable with few countries)")
    parser.add_argument("--no-pdf", action="store_true", help="skip summary.pdf")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.report import read_unodc_file, unodc_summary, write_unodc_summary

    docs = [read_unodc_file(f) for f in args.files]  # every file is validated before the folder is taken
    options = {"files": {str(f): file_sha256(f) for f in args.files}, "method": args.method, "hksj": args.hksj}
    with output_dir(args.out, overwrite=args.overwrite, command="unodc-summary",
                    config_hash=config_hash(options)) as out:
        summary = unodc_summary(docs, method=args.method, hksj=args.hksj)
        write_unodc_summary(summary, out.path, pdf=not args.no_pdf)
    n = len({d["country"] for d in docs})
    print(f"unodc-summary: {n} {'country' if n == 1 else 'countries'}, {len(docs)} "
          f"{'file' if len(docs) == 1 else 'files'} written to {args.out}")
    return 0
