"""``altmeasures-eval policy --config policy.toml --out DIR``: evaluate the reform itself on aggregate data.

Validates the config (every section and key), checks and locks the output folder, reads the
``panel`` and ``policy`` tables (:func:`altmeasures_eval.io.read_aggregate`) or, with
``[policy] panel_source = "person_level"``, counts the panel from the person-level tables
(:func:`altmeasures_eval.reform.panel_from_dataset`) and reads only ``policy``; runs the configured
designs on every outcome (:func:`altmeasures_eval.reform.run_reform`: staggered
difference-in-differences, interrupted time series, synthetic control, each gated by its own
diagnostic) and writes ``policy.html``, ``policy.pdf``, ``results.json``, ``figures/*.png|svg`` and
``manifest.json``. Exit status 3 when a gate withholds an effect (the report says why). Keys:
``docs/config.md`` (policy.toml).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir

HELP = "Evaluate a reform on a jurisdiction x month panel (staggered DiD, interrupted time series, synthetic control)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="policy config (TOML), see docs/config.md")
    add_output_arguments(parser, what="the reform report")
    parser.add_argument("--no-pdf", action="store_true", help="skip policy.pdf (overrides [report] pdf)")


def run(args: argparse.Namespace) -> int:
    import tomllib

    from altmeasures_eval.config import load_config
    from altmeasures_eval.io import read_aggregate, read_dataset
    from altmeasures_eval.reform import PolicySpec, panel_from_dataset, run_reform
    from altmeasures_eval.report import write_policy_report

    t0 = time.perf_counter()
    cfg = load_config(args.config)
    raw = tomllib.loads(Path(args.config).read_text(encoding="utf-8"))
    spec = PolicySpec.from_sections(raw, source=str(args.config))  # fails fast, before the data are read
    with output_dir(args.out, overwrite=args.overwrite, command="policy", config_hash=config_hash(args.config)) as out:
        if spec.policy.panel_source == "person_level":
            # counts by jurisdiction and month from the person-level tables; only the policy table is read
            ds = read_dataset(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
            built = panel_from_dataset(ds, start=spec.policy.panel_start or None, threshold=spec.disclosure.threshold,
                                       rounding_base=spec.disclosure.rounding_base or None)
            tables = {"panel": built.panel, **read_aggregate(cfg.data.path, tables=("policy",))}
            print("policy: panel counted from the person-level tables: " + built.notes[0], file=sys.stderr)
        else:
            tables = read_aggregate(cfg.data.path)
        ev = run_reform(tables["panel"], tables["policy"], spec)
        written = write_policy_report(ev, out.path, pdf=False if args.no_pdf else None)
    print(f"policy: {len(written)} files written to {args.out} in {time.perf_counter() - t0:.1f} s")
    withheld = [r for r in ev.results if r.gate is not None and not r.gate.passed]
    for r in withheld:
        print(f"policy: {r.outcome} / {r.design}: effect withheld: {'; '.join(r.gate.reasons)}", file=sys.stderr)
    return 3 if withheld else 0
