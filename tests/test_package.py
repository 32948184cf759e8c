"""The package imports, exposes its vocabulary once, and its CLI answers."""

from __future__ import annotations

import subprocess
import sys

import altmeasures_eval
from altmeasures_eval import schema
from altmeasures_eval.cli import main


def test_version_and_public_errors():
    assert altmeasures_eval.__version__
    assert issubclass(altmeasures_eval.DataContractError, altmeasures_eval.AltMeasuresError)


def test_vocabulary_is_complete_and_disjoint():
    # 14 dispositions in the contract v1 (issue #2): custody, 12 alternatives, dismissed.
    assert len(schema.DISPOSITIONS) == 14
    assert len(set(schema.DISPOSITIONS)) == 14
    assert schema.DISPOSITION_CUSTODY not in schema.ALTERNATIVE_DISPOSITIONS
    assert schema.DISPOSITION_DISMISSED not in schema.ALTERNATIVE_DISPOSITIONS
    for table, cols in schema.VOCABULARY_COLUMNS.items():
        assert set(cols) <= set(schema.TABLE_COLUMNS[table])


def test_cli_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert "altmeasures-eval" in out


def test_console_script_runs_as_module():
    proc = subprocess.run(
        [sys.executable, "-m", "altmeasures_eval.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert altmeasures_eval.__version__ in proc.stdout
