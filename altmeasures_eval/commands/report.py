"""``altmeasures-eval report``: from an evaluation config to a publishable report.

Validates the config (every section and key), checks and locks the output folder, reads and
validates the data, runs the evaluation (:func:`altmeasures_eval.evaluation.run_evaluation`) and
writes ``report.html``, ``report.pdf``, ``report.docx``, ``results.json``, ``tables/*.csv``, ``tables.xlsx``,
``figures/*.png|svg`` and ``manifest.json``, every table under disclosure control. The folder is
written beside ``--out`` and moved into place only when complete
(:func:`altmeasures_eval._output.output_dir`). Keys: ``docs/config.md``. The data and the
evaluation are kept for the next command of the same Python process (``project``, ``costs``,
``unodc-export``: ``altmeasures_eval/commands/_reuse.py``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval._parallel import check_scheduler

HELP = "Run the whole evaluation from a config and write the report (HTML, PDF, results.json, tables, figures)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="evaluation config (TOML), see docs/config.md")
    add_output_arguments(parser, what="the report")
    parser.add_argument("--no-pdf", action="store_true", help="skip report.pdf (overrides [report] pdf)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation
    from altmeasures_eval.commands._reuse import ingest_source, remember
    from altmeasures_eval.io import quality_report
    from altmeasures_eval.report import file_hashes, write_report

    t0 = time.perf_counter()
    cfg = load_config(args.config)
    spec = EvaluationSpec.from_config(cfg)  # fails fast, before the data are read
    check_scheduler(spec.compute.scheduler)  # an unreachable [compute] scheduler: in seconds, not after the cohort
    with output_dir(args.out, overwrite=args.overwrite, command="report",
                    config_hash=config_hash(args.config)) as out:
        if not args.quiet:
            from altmeasures_eval.privacy import display_path

            print(f"report: reading {display_path(cfg.data.path)}", file=sys.stderr)  # no password, no absolute path
        ing = ingest_source(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
        quality = quality_report(ing)
        ev = run_evaluation(ing.dataset, spec, progress=not args.quiet, quality=quality)
        remember(cfg.data.path, cfg.data.mapping, cfg.data.mode, spec, ev)  # for project, costs, unodc-export
        # the SHA-256 of every file the run read (mapping and files outside the data folder too)
        # a file outside the data folder is keyed by its full path: shown relative to the config instead
        from altmeasures_eval.privacy import display_path

        config_dir = Path(args.config).resolve().parent
        read = {(display_path(k, config_dir) if Path(k).is_absolute() else k): v for k, v in ing.input_files.items()}
        written = write_report(ev, out.path, input_files=read or file_hashes(cfg.data.path),
                               pdf=False if args.no_pdf else None)
    print(f"report: {len(written)} files written to {args.out} in {time.perf_counter() - t0:.1f} s "
          f"({', '.join(k for k in ('html', 'pdf', 'docx', 'results', 'workbook') if k in written)})")
    if not ev.design.gate.passed:  # B1 (#12): the diagnostic report is written, effects withheld
        print("report: the design gate failed: no reliable comparison could be made, effects are withheld "
              "(see the section 'Is the comparison reliable?' of the report):", file=sys.stderr)
        for reason in ev.design.gate.reasons:
            print(f"  - {reason}", file=sys.stderr)
        for advice in ev.design.gate.advice:
            print(f"  try: {advice}", file=sys.stderr)
        return 3
    if ev.headline_not_estimable:  # B3 (#12): the primary outcome cannot be estimated; report written, effects withheld
        from altmeasures_eval.report import publish_notes

        print("report: the headline effect is not estimable, so effects and the conclusions that depend on them "
              "are withheld (see the summary of the report):", file=sys.stderr)
        for line in publish_notes((ev.headline_not_estimable,), spec.disclosure):
            print(f"  - {line}", file=sys.stderr)
        return 3
    return 0
