"""``altmeasures-eval synth``: write a synthetic contract data set with its ground truth."""

from __future__ import annotations

import argparse

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval.config import check_number, option

HELP = "Generate a synthetic data set with known causal effects (contract folder + ground_truth.json)."

#: Fewest persons: below this the simulated extract has almost no index case to build a cohort from.
MIN_PERSONS = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", type=option(check_number, MIN_PERSONS, 50_000_000, integer=True),
                        default=20_000, help=f"number of persons, at least {MIN_PERSONS} (default 20000)")
    parser.add_argument("--seed", type=option(check_number, 0, 2**32 - 1, integer=True), default=0,
                        help="random seed, 0 to 2^32-1 (default 0)")
    add_output_arguments(parser, what="the synthetic data set")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)")
    parser.add_argument("--effect", type=option(check_number, 0.01, 100), default=None,
                        help="one true hazard ratio for every alternative vs custody, 0.01 to 100 "
                             "(default: per-type defaults)")
    parser.add_argument("--confounding", type=option(check_number, 0, 10), default=1.0,
                        help="strength of confounding of the custody decision, 0 to 10 (0 = none, default 1)")
    parser.add_argument("--population", type=option(check_number, 0, 50_000_000, integer=True), default=0,
                        metavar="N",
                        help="also compute the population truth from a Monte Carlo of N persons "
                             "(seed + 1) and store it in ground_truth.json (default: skip)")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.synth import population_truth, simulate, write_synthetic

    options = {k: getattr(args, k) for k in ("persons", "seed", "format", "effect", "confounding", "population")}
    with output_dir(args.out, overwrite=args.overwrite, command="synth", config_hash=config_hash(options),
                    extra={"options": options}) as out:
        data = simulate(args.persons, args.seed, effects=args.effect, confounding=args.confounding)
        population = None
        if args.population:
            population = population_truth(args.population, args.seed + 1, effects=args.effect,
                                          confounding=args.confounding)
        write_synthetic(data, out.path, args.format, population=population)
    n = data.truth["n"]
    rd = data.truth["reoffend"]["365"]
    print(f"wrote {len(data.dataset.persons):,} persons, {len(data.dataset.cases):,} cases to {args.out}")
    print(f"evaluation cohort: {n['cohort']:,} ({n['treated']:,} alternatives, {n['control']:,} custody); "
          f"1-year risk difference ATT {rd['att']:+.3f}, ATE {rd['ate']:+.3f}, naive {rd['naive']:+.3f}")
    return 0
