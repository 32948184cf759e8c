"""``altmeasures-eval cohort``: build the evaluation cohort and write it with its attrition table.

``cohort.csv`` is an analysis file, one row per person (issue #3), never a publication: a notice
file ``NOT_FOR_PUBLICATION.txt`` is written beside it and the command says so on its output.
``attrition.csv`` holds the exact counts for the analyst; ``attrition_published.csv`` is the same
table under the ``[disclosure]`` rules of the report (:func:`altmeasures_eval.report.publish_attrition`),
the only file of the folder meant for publication.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval.schema import IDENTIFIER_COLUMNS

HELP = "Build the evaluation cohort (one row per person) and its attrition table from [data] and [cohort]."

#: Files written into ``--out``.
COHORT_FILE = "cohort.csv"
ATTRITION_FILE = "attrition.csv"
SPEC_FILE = "cohort_spec.json"
PUBLISHED_ATTRITION_FILE = "attrition_published.csv"
NOTICE_FILE = "NOT_FOR_PUBLICATION.txt"


def write_not_for_publication(folder: Path, what: str) -> Path:
    """Write ``NOT_FOR_PUBLICATION.txt`` into ``folder``, saying what the files there are and why
    they must not be published or shared; return its path."""
    path = Path(folder) / NOTICE_FILE
    path.write_text(
        "NOT FOR PUBLICATION\n\n"
        f"{what}\n\n"
        "Do not publish these files, attach them to a report or send them outside the "
        "organisation that holds the data. Published "
        "figures come from `altmeasures-eval report`, `project`, `costs` and `unodc-export`, whose "
        "counts pass through disclosure control ([disclosure] in the config).\n",
        encoding="utf-8",
    )
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="evaluation config (TOML) with [data] and [cohort]")
    add_output_arguments(parser, what="cohort.csv, attrition.csv, cohort_spec.json")
    parser.add_argument(
        "--with-ids",
        action="store_true",
        help="keep person_id and index_case_id in cohort.csv (the file is then NOT for publication)",
    )


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec
    from altmeasures_eval.commands._reuse import read_source
    from altmeasures_eval.report import publish_attrition

    cfg = load_config(args.config)
    # the whole config is checked, by the one checker every command uses, before any data are read
    spec = EvaluationSpec.from_config(cfg)
    with output_dir(args.out, overwrite=args.overwrite, command="cohort", config_hash=config_hash(args.config),
                    extra={"with_ids": bool(args.with_ids)}) as out_dir:
        out = out_dir.path
        dataset = read_source(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
        cohort = build_cohort(dataset, spec.cohort)
        if cohort.n == 0:  # an empty cohort is a mistake of [cohort] or the data, not a result
            cohort.require_groups(1)
        data = cohort.data
        if args.with_ids:
            print(
                "altmeasures-eval cohort: warning: --with-ids writes person and case identifiers; "
                f"{COHORT_FILE} is not for publication or sharing",
                file=sys.stderr,
            )
        else:
            data = data.drop(columns=[c for c in data.columns if c in IDENTIFIER_COLUMNS or c == "index_case_id"])
            data.insert(0, "row", range(1, len(data) + 1))
        data.to_csv(out / COHORT_FILE, index=False, date_format="%Y-%m-%d")
        cohort.attrition.to_csv(out / ATTRITION_FILE, index=False)
        publish_attrition(cohort.attrition, spec.disclosure).to_csv(out / PUBLISHED_ATTRITION_FILE, index=False)
        ids = "with person and case identifiers" if args.with_ids else "without identifiers but one row per person"
        write_not_for_publication(out, f"{COHORT_FILE} is the evaluation cohort {ids}, and "
                                       f"{ATTRITION_FILE} holds exact counts, small ones included: analysis files. "
                                       f"{PUBLISHED_ATTRITION_FILE} is the attrition table under disclosure "
                                       "control, the only file here that may be published.")
        meta = {"spec": spec.cohort.to_dict(), "extract_date": cohort.extract_date.date().isoformat(),
                "notes": list(cohort.notes)}
        (out / SPEC_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    g = cohort.group_sizes()
    print(
        f"cohort: {cohort.n:,} rows ({g[1]:,} alternative, {g[0]:,} comparator); "
        f"{cohort.excluded_in_custody:,} still in custody excluded; written to {args.out}"
    )
    print(
        f"cohort: {COHORT_FILE} has one row per person and {ATTRITION_FILE} exact counts: NOT FOR "
        f"PUBLICATION (see {NOTICE_FILE}); publish {PUBLISHED_ATTRITION_FILE} instead"
    )
    return 0
