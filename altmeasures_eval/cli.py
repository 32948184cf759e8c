"""Command-line interface: ``altmeasures-eval COMMAND ...``.

Each command lives in its own module under :mod:`altmeasures_eval.commands` and defines ``HELP``
(one line), ``add_arguments(parser)`` and ``run(args) -> int``. Module ``unodc_export`` becomes the
command ``unodc-export``. The CLI is an edge of the package: commands read files and config, call
the pure layers, and write outputs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from altmeasures_eval import __version__, commands
from altmeasures_eval._errors import AltMeasuresError


def _command_modules() -> dict[str, object]:
    found = {}
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        found[info.name.replace("_", "-")] = importlib.import_module(
            f"{commands.__name__}.{info.name}"
        )
    return found


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="altmeasures-eval",
        description=(
            "Evaluate alternatives to custody for minor drug offences: validate data, build the "
            "cohort, estimate effects on reoffending, prison population and cost, and render reports."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _command_modules().items():
        help_text = getattr(module, "HELP")
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(cmd)  # type: ignore[attr-defined]
        cmd.set_defaults(_run=module.run)  # type: ignore[attr-defined]
    return parser


def reference_markdown() -> str:
    """The CLI reference (``docs/cli.md``) generated from the parser, so it cannot drift."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width; fix it for the docs
    try:
        parser = build_parser()
        parts = [
            "# CLI reference\n",
            "Generated from the argument parser by `python -m altmeasures_eval.cli --reference` "
            "(a test fails when this file is out of date).\n",
            "```text\n" + parser.format_help() + "```\n",
        ]
        for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
            for name, sub in action.choices.items():
                parts.append(f"## `altmeasures-eval {name}`\n")
                parts.append("```text\n" + sub.format_help() + "```\n")
        return "\n".join(parts)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    Exit codes: 0 success, 1 the data failed validation (strict mode), 2 a usage, configuration or
    data error that the message explains.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--reference"]:
        print(reference_markdown(), end="")
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except AltMeasuresError as exc:
        print(f"altmeasures-eval {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
