"""``altmeasures-eval cohort``: build the evaluation cohort and write it with its attrition table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from altmeasures_eval.schema import IDENTIFIER_COLUMNS

HELP = "Build the evaluation cohort (one row per person) and its attrition table from [data] and [cohort]."

#: Files written into ``--out``.
COHORT_FILE = "cohort.csv"
ATTRITION_FILE = "attrition.csv"
SPEC_FILE = "cohort_spec.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="evaluation config (TOML) with [data] and [cohort]")
    parser.add_argument("--out", required=True, type=Path, help="folder for cohort.csv, attrition.csv, cohort_spec.json")
    parser.add_argument(
        "--with-ids",
        action="store_true",
        help="keep person_id and index_case_id in cohort.csv (the file is then NOT for publication)",
    )


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.cohort import CohortSpec, build_cohort
    from altmeasures_eval.config import load_config
    from altmeasures_eval.io import read_dataset

    cfg = load_config(args.config)
    spec = CohortSpec.from_config(cfg.section("cohort"))
    dataset = read_dataset(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
    cohort = build_cohort(dataset, spec)
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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data.to_csv(out / COHORT_FILE, index=False, date_format="%Y-%m-%d")
    cohort.attrition.to_csv(out / ATTRITION_FILE, index=False)
    meta = {"spec": spec.to_dict(), "extract_date": cohort.extract_date.date().isoformat(), "notes": list(cohort.notes)}
    (out / SPEC_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    g = cohort.group_sizes()
    print(
        f"cohort: {cohort.n:,} rows ({g[1]:,} alternative, {g[0]:,} comparator); "
        f"{cohort.excluded_in_custody:,} still in custody excluded; written to {out}"
    )
    return 0
