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
import textwrap
import traceback
from collections.abc import Collection, Sequence
from pathlib import Path

from altmeasures_eval import __version__, commands
from altmeasures_eval._errors import AltMeasuresError


def _command_names() -> dict[str, str]:
    """Command name -> the name of its module, without importing the modules."""
    return {info.name.replace("_", "-"): f"{commands.__name__}.{info.name}"
            for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name)
            if not info.name.startswith("_")}


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command registered.

    Parameters
    ----------
    only : collection of str, optional
        Import and register the arguments of these commands only; the others are registered by
        name alone, which is enough to parse a command line that names one of ``only`` or no
        command (``--version``, a misspelt command) with the same result and messages. Their
        modules import the scientific stack: ``altmeasures-eval --version`` should not.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="altmeasures-eval",
        description=(
            "Evaluate alternatives to custody for minor drug offences: validate data, build the "
            "cohort, estimate effects on reoffending, prison population and cost, and render reports."
        ),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help=f"print the traceback of an error (also: {DEBUG_ENV}=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in _command_names().items():
        if only is not None and name not in only:
            sub.add_parser(name)
            continue
        module = importlib.import_module(module_name)
        help_text = getattr(module, "HELP")
        cmd = sub.add_parser(name, help=help_text, description=help_text, epilog=_epilog(),
                             formatter_class=argparse.RawDescriptionHelpFormatter)
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


#: Exit statuses, one per failure class (printed in ``--help`` and ``docs/cli.md``).
EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (1, "the data break the data contract (validate, pseudonymise: the quality report says where)"),
    (2, "usage, configuration or input error: a bad option, config key or value, mapping, or data "
        "that cannot be read or evaluated (the message names the file, key or option and the fix)"),
    (3, "report, project, costs, unodc-export, policy: the design gate failed, or (report) the primary outcome's headline "
        "effect is not estimable (e.g. nobody in a group reoffends); the diagnostic output was written, "
        "effects withheld"),
    (4, "environment: the output folder is a file, not empty without --overwrite, read-only or "
        "locked by another run; the [compute] scheduler cannot be reached"),
    (70, "internal error (a bug): a short message; set ALTMEASURES_DEBUG=1 or pass --debug for the "
         "traceback and report it"),
    (130, "interrupted (Ctrl-C)"),
    (141, "the reader of the output went away (e.g. `| head`); nothing more is printed"),
)
DEBUG_ENV = "ALTMEASURES_DEBUG"


def _epilog() -> str:
    lines = ["exit status:"]
    for code, text in EXIT_STATUSES:
        lines += textwrap.wrap(text, width=92, initial_indent=f"  {code:>3}  ", subsequent_indent=" " * 7)
    return "\n".join(lines)


def _quiet_stdout() -> None:
    """After a broken pipe: send what is left of stdout to /dev/null, so that the interpreter's
    final flush does not print an error of its own."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status.

    Exit statuses (:data:`EXIT_STATUSES`): 0 success; 1 the data break the contract; 2 a usage,
    configuration or input error that the message explains; 3 the design gate failed or the
    headline effect is not estimable (``report``);
    4 the environment (output folder, lock, compute cluster); 70 an internal error, reported in
    one paragraph (the traceback with ``--debug`` or ``ALTMEASURES_DEBUG=1``); 130 interrupted;
    141 broken pipe.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--reference"]:
        print(reference_markdown(), end="")
        return 0
    # Only the named command's module is imported (the top-level options take no value, so the
    # first word that is not an option names it); the whole help needs every command's.
    command = next((a for a in argv if not a.startswith("-")), None)
    before = argv[:argv.index(command)] if command is not None else argv
    whole = any(a in ("-h", "--help") for a in before)
    parser = build_parser(None if whole else [command] if command is not None else [])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2), --help and --version (0): argparse printed them
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    debug = bool(getattr(args, "debug", False)) or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    if not getattr(args, "_run", None):
        build_parser().print_help()
        return 2
    name = f"altmeasures-eval {args.command}"
    try:
        code = int(args._run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except AltMeasuresError as exc:
        from altmeasures_eval.privacy import redact_secrets

        if debug:
            traceback.print_exc()
        print(redact_secrets(f"{name}: error: {exc}"), file=sys.stderr)  # no password of a URL
        return exc.exit_status
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted; nothing was left half-written in --out", file=sys.stderr)
        return 130
    except MemoryError:
        print(f"{name}: error: out of memory; run on a machine with more memory, or on a smaller "
              "extract (e.g. a shorter [cohort] period)", file=sys.stderr)
        return 4
    except Exception as exc:  # noqa: BLE001  (last resort: never a raw traceback for a user)
        from altmeasures_eval.privacy import redact_secrets

        if debug:
            traceback.print_exc()
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" in {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        print(redact_secrets(
            f"{name}: internal error: {type(exc).__name__}: {exc}{where}. This is a bug in "
            f"altmeasures-eval {__version__}, not in your data or config as far as the program can "
            f"tell. Please report it with the command you ran; rerun with --debug (or {DEBUG_ENV}=1) "
            "to print the traceback. Nothing was left half-written in --out."),
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
