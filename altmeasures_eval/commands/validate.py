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
configuration or privacy error; 4 the output folder cannot be written (see ``altmeasures-eval
--help``). The report is written even when the data are invalid (that is its purpose); its
``manifest.json`` records the outcome.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from altmeasures_eval._errors import DataContractError
from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval.commands.cohort import write_not_for_publication
from altmeasures_eval.config import check_delimiter, check_encoding, option
from altmeasures_eval.commands._reuse import ingest_source
from altmeasures_eval.io import quality_report
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
    add_output_arguments(parser, default=DEFAULT_OUT, what="quality.html and quality.json")
    parser.add_argument("--encoding", default=None, type=option(check_encoding),
                        help="encoding of every CSV file, e.g. utf-8 or cp1252 (default: detected)")
    parser.add_argument("--delimiter", default=None, type=option(check_delimiter),
                        help="delimiter of every CSV file, e.g. ';' or 'tab' (default: detected)")


def run(args: argparse.Namespace) -> int:
    """Validate, write the report as HTML and JSON, then print it; return the exit code."""
    from altmeasures_eval.privacy import redact_secrets

    # the data source as it may be written and printed: a URL's password never is (manifest, stdout)
    options = {"data": redact_secrets(str(args.data)), "mapping": str(args.mapping or ""), "mode": args.mode,
               "encoding": args.encoding, "delimiter": args.delimiter}
    with output_dir(args.out, overwrite=args.overwrite, command="validate", config_hash=config_hash(options),
                    extra={"options": options}) as out:
        try:
            result = ingest_source(args.data, args.mapping, args.mode, encoding=args.encoding, delimiter=args.delimiter)
        except DataContractError as exc:
            report = quality_report(None, exc.problems, source=options["data"], mode=args.mode)
            valid = False
        else:
            report = quality_report(result)
            valid = result.valid or args.mode == "quarantine"
        out.extra["outcome"] = "valid" if valid else "the data break the contract"
        html, js = write_quality_report(report, out.path)
        notice = write_not_for_publication(
            out.path, f"{html.name} and {js.name} are the data-quality report for the data holder: exact "
            "counts (small ones included), problem rows by source row number and the k-anonymity check "
            "of the extract. The evaluation report (altmeasures-eval report) publishes the data-quality "
            "summary under disclosure control.")
    # printed after the folder is in place: a reader that stops early (`| head`) loses no file
    print(redact_secrets(report.to_text()))
    print(f"\nWrote {args.out / html.name} and {args.out / js.name}: for the data holder, NOT FOR "
          f"PUBLICATION (see {notice.name})")
    return 0 if valid else 1
