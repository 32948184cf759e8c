"""Run benchmarks on demand: ``python -m benchmarks [NAME ...] [--sizes 20000 100000]``.

Each ``benchmarks/bench_NAME.py`` is run; its measurements go to ``benchmarks/results/NAME.json``
and all results are tabulated in ``benchmarks/results/README.md``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from pathlib import Path

from benchmarks._harness import RESULTS, machine

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def write_table() -> Path:
    rows = []
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        for rec in data["records"]:
            extra = {k: v for k, v in rec.items() if k not in ("stage", "n", "seconds", "peak_rss_mb")}
            rows.append(
                f"| {path.stem} | {rec['stage']} | {rec['n']:,} | {rec['seconds']:.3f} | "
                f"{rec['peak_rss_mb']:.0f} | {', '.join(f'{k}={v}' for k, v in extra.items())} | "
                f"{data['machine']['date']} |"
            )
    text = (
        "# Benchmark results\n\nProduced by `python -m benchmarks` (or `make benchmarks`); do not edit by hand.\n\n"
        "| benchmark | stage | n | seconds | peak RSS MB | notes | date |\n|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    out = RESULTS / "README.md"
    out.write_text(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(available())}")
    parser.add_argument("--sizes", nargs="*", type=int, default=None, help="sizes (persons/rows) to run")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for name in args.names or available():
        module = importlib.import_module(f"benchmarks.bench_{name}")
        sizes = args.sizes or getattr(module, "DEFAULT_SIZES", [20_000, 100_000, 1_000_000])
        print(f"== {name} sizes={sizes}", flush=True)
        records = module.run(sizes)
        for rec in records:
            print(f"   {rec['stage']:<28} n={rec['n']:>9,}  {rec['seconds']:8.3f} s  {rec['peak_rss_mb']:8.0f} MB", flush=True)
        (RESULTS / f"{name}.json").write_text(
            json.dumps({"machine": machine(), "records": records}, indent=2) + "\n"
        )
    print(f"table: {write_table()}")
    from benchmarks import perf_table  # docs/performance.md: the issue-#9 targets from these results

    perf_table.main()


if __name__ == "__main__":
    main()
