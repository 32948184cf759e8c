"""``altmeasures-eval synth``: write a synthetic contract data set with its ground truth."""

from __future__ import annotations

import argparse

HELP = "Generate a synthetic data set with known causal effects (contract folder + ground_truth.json)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--persons", type=int, default=20_000, help="number of persons (default 20000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)")
    parser.add_argument("--effect", type=float, default=None,
                        help="one true hazard ratio for every alternative vs custody (default: per-type defaults)")
    parser.add_argument("--confounding", type=float, default=1.0,
                        help="strength of confounding of the custody decision (0 = none, default 1)")
    parser.add_argument("--population", type=int, default=0, metavar="N",
                        help="also compute the population truth from a Monte Carlo of N persons "
                             "(seed + 1) and store it in ground_truth.json (default: skip)")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.synth import population_truth, simulate, write_synthetic

    data = simulate(args.persons, args.seed, effects=args.effect, confounding=args.confounding)
    population = None
    if args.population:
        population = population_truth(args.population, args.seed + 1, effects=args.effect,
                                      confounding=args.confounding)
    folder = write_synthetic(data, args.out, args.format, population=population)
    n = data.truth["n"]
    rd = data.truth["reoffend"]["365"]
    print(f"wrote {len(data.dataset.persons):,} persons, {len(data.dataset.cases):,} cases to {folder}")
    print(f"evaluation cohort: {n['cohort']:,} ({n['treated']:,} alternatives, {n['control']:,} custody); "
          f"1-year risk difference ATT {rd['att']:+.3f}, ATE {rd['ate']:+.3f}, naive {rd['naive']:+.3f}")
    return 0
