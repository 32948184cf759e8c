"""``altmeasures-eval validate DATA``: check an extract against the data contract and write the
data-quality report.

``quality.html`` and ``quality.json`` are for the data holder: they list problem rows by source
row number (identifier values are withheld by the io layer) and give exact counts, small ones
included, so that the extract can be fixed. They are not a publication: a notice file
``NOT_FOR_PUBLICATION.txt`` is written beside them and the command says so. The publishable
version of the data-quality summary is the one in the evaluation report, whose counts pass through
disclosure control.

Exit codes: 0 the data are valid (or, in quarantine mode, were read with bad rows set aside);
1 the data break the contract (strict mode) or cannot be read as the contract; 2 usage,
configuration or privacy error (from the CLI).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.commands.cohort import write_not_for_publication
from altmeasures_eval.io import ingest, quality_report
from altmeasures_eval.report import write_quality_report

HELP = "Check a data extract against the data contract; print and write the data-quality report."
DEFAULT_OUT = Path("reports") / "quality"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``validate``."""
    parser.add_argument(
        "data",
        help="a folder of contract tables (CSV/Parquet/one .xlsx), an .xlsx or SQLite file, or a SQLAlchemy URL",
    )
    parser.add_argument("--mapping", type=Path, default=None, help="mapping file (TOML) from local columns and codes to the contract")
    parser.add_argument(
        "--mode", choices=("strict", "quarantine"), default="strict",
        help="strict: any problem makes the data invalid (exit 1); quarantine: bad rows are set aside and counted (default: strict)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for quality.html and quality.json (default: {DEFAULT_OUT})")
    parser.add_argument("--encoding", default=None, help="encoding of every CSV file (default: detected)")
    parser.add_argument("--delimiter", default=None, help="delimiter of every CSV file, e.g. ';' or 'tab' (default: detected)")


def run(args: argparse.Namespace) -> int:
    """Validate, print the report, write it as HTML and JSON; return the exit code."""
    try:
        result = ingest(args.data, args.mapping, args.mode, encoding=args.encoding, delimiter=args.delimiter)
    except DataContractError as exc:
        report = quality_report(None, exc.problems, source=str(args.data), mode=args.mode)
        valid = False
    else:
        report = quality_report(result)
        valid = result.valid or args.mode == "quarantine"
    print(report.to_text())
    html, js = write_quality_report(report, args.out)
    notice = write_not_for_publication(
        args.out, f"{html.name} and {js.name} are the data-quality report for the data holder: exact "
        "counts (small ones included), problem rows by source row number and the k-anonymity check "
        "of the extract. The evaluation report (altmeasures-eval report) publishes the data-quality "
        "summary under disclosure control.")
    print(f"\nWrote {html} and {js}: for the data holder, NOT FOR PUBLICATION (see {notice.name})")
    return 0 if valid else 1
