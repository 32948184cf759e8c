"""``altmeasures-eval pseudonymise DATA --out DIR``: replace raw person, case, spell and episode
identifiers with keyed pseudonyms (HMAC-SHA256), consistently across tables.

The key comes from ``--key-file`` or the environment variable ``ALTMEASURES_PSEUDONYM_KEY``; it
is never written, and a key file inside the output folder is refused, so the key cannot travel
with the data.

The output is a whole data set, one row per person, case, spell and episode: it is not a
publication, and ``NOT_FOR_PUBLICATION.txt`` written beside the tables says so.

Exit codes: 0 written; 1 the data break the contract (nothing written); 2 usage, key or privacy
error (from the CLI).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval.commands.cohort import write_not_for_publication
from altmeasures_eval.config import check_number, option
from altmeasures_eval.commands._reuse import read_source
from altmeasures_eval.io import format_problems, write_dataset
from altmeasures_eval.privacy import (
    DEFAULT_KEY_ENV_VAR,
    PSEUDONYM_LENGTH,
    load_key,
    pseudonymise_dataset,
)
from altmeasures_eval.schema import IDENTIFIER_COLUMNS

HELP = "Replace person, case, spell and episode ids with keyed pseudonyms (HMAC-SHA256)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``pseudonymise``."""
    parser.add_argument(
        "data",
        help="the extract with raw ids: a folder of contract tables, an .xlsx or SQLite file, or "
        "a SQLAlchemy URL",
    )
    add_output_arguments(parser, what="the pseudonymised tables and extract.toml")
    parser.add_argument(
        "--key-file", type=Path, default=None,
        help=f"file holding the secret key (default: the environment variable "
        f"{DEFAULT_KEY_ENV_VAR}); must not lie inside --out",
    )
    parser.add_argument(
        "--mapping", type=Path, default=None,
        help="mapping file (TOML) from local columns and codes to the contract",
    )
    parser.add_argument(
        "--format", choices=("csv", "parquet"), default="csv",
        help="format of the written tables (default: csv)",
    )
    parser.add_argument(
        "--length", type=option(check_number, 16, 64, integer=True), default=PSEUDONYM_LENGTH,
        help=f"pseudonym length in hex characters, 16 to 64 (default: {PSEUDONYM_LENGTH})",
    )


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _check_paths(args: argparse.Namespace) -> None:
    if args.key_file is not None and _inside(args.key_file, args.out):
        raise ConfigError(
            f"the key file {str(args.key_file)!r} lies inside the output folder "
            f"{str(args.out)!r}; the key must never be stored with the data. Keep it elsewhere."
        )
    data = Path(args.data)
    if data.exists() and data.is_dir() and _inside(args.out, data):
        raise ConfigError(
            f"the output folder {str(args.out)!r} is the input folder or inside it; choose a new "
            "folder so that raw and pseudonymised tables are never mixed."
        )


def run(args: argparse.Namespace) -> int:
    """Read, pseudonymise and write; return the exit code."""
    try:
        return _run(args)
    except _NothingWritten:
        return 1


def _run(args: argparse.Namespace) -> int:
    _check_paths(args)
    key = load_key(args.key_file)  # before reading: a bad key should not cost a full read
    options = {"data": str(args.data), "mapping": str(args.mapping or ""), "format": args.format,
               "length": args.length}
    with output_dir(args.out, overwrite=args.overwrite, command="pseudonymise",
                    config_hash=config_hash(options), extra={"options": options}) as out:
        try:
            dataset = read_source(args.data, mapping=args.mapping, mode="strict")
        except DataContractError as exc:
            print(f"The data break the contract; nothing was written.\n{exc}")
            if exc.problems is not None:
                print(format_problems(exc.problems))
            raise _NothingWritten from None
        pseudonymised = pseudonymise_dataset(dataset, key, length=args.length)
        write_dataset(pseudonymised, out.path, format=args.format)
        write_not_for_publication(
            out.path, "These tables are the pseudonymised extract: every person, case, custody spell and "
            "treatment episode, with keyed pseudonyms in place of the raw ids. Pseudonymised data are "
            "still personal data (GDPR Recital 26): anyone holding the key, or enough other facts, can "
            "link them back.")
    counts = []
    for column in IDENTIFIER_COLUMNS:
        values = [
            frame[column] for frame in pseudonymised.tables().values() if column in frame.columns
        ]
        distinct = set().union(*(set(v.dropna()) for v in values)) if values else set()
        counts.append(f"{len(distinct)} {column.removesuffix('_id')} ids")
    print(
        f"Pseudonymised {', '.join(counts)} into {args.out} ({args.format}). The key was not "
        "written: keep it apart from the data, and use the same key for later extracts so that "
        "they link. These tables are NOT FOR PUBLICATION (see NOT_FOR_PUBLICATION.txt)."
    )
    return 0


class _NothingWritten(Exception):
    """The data broke the contract: the output folder is discarded (exit status 1)."""
