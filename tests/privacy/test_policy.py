"""The one disclosure policy (issue #13): rounding rule, marker, threshold semantics, notes, labels,
and the safe-output helpers (formulas, secrets, paths). Expected values are worked by hand beside
each assertion."""

from __future__ import annotations

import csv
import logging

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError, PrivacyError
from altmeasures_eval.privacy import (
    DisclosurePolicy,
    display_path,
    neutralise_formulas,
    pool_rare_labels,
    redact_secrets,
    round_half_away,
    suppress_counts,
)


# --- rounding: one rule everywhere -----------------------------------------------------------------
def test_rounding_is_half_away_from_zero_not_half_to_even() -> None:
    # by hand: 25/10 = 2.5 -> 3 -> 30 (half-to-even would give 20); 15 -> 20; 35 -> 40; -25 -> -30
    assert [round_half_away(v, 10) for v in (25, 15, 35, 24, 26, -25)] == [30, 20, 40, 20, 30, -30]
    assert round_half_away(pd.Series([25, 15]), 10).tolist() == [30, 20]
    assert round_half_away(np.array([2.5, 7.5]), 5).tolist() == [5.0, 10.0]


def test_the_same_count_prints_the_same_in_every_path() -> None:
    """Issue #13: with an even base a count of 25 printed as 30 in one table and 20 in another
    (Python's round is half-to-even). Every path now calls the same function."""
    p = DisclosurePolicy(threshold=10, rounding_base=10)
    table = pd.DataFrame({"n": [25, 40]}, index=["a", "b"])
    via_table = suppress_counts(table, ["n"], 10, margins="none", rounding_base=10).table.loc["a", "n"]
    removed, remaining, start = p.attrition(np.array([15.0]), np.array([25.0]), 40.0)
    assert p.count(25) == via_table == remaining[0] == 30
    assert removed == [20] and start == 40


def test_rates_are_computed_from_the_rounded_counts() -> None:
    # 448 of 1316 is 34.04255...%, which gives 448 back; from the published 450 / 1315 it is 34.2205%
    p = DisclosurePolicy(rounding_base=5)
    assert p.rate(448, 1316) == pytest.approx(450 / 1315)
    assert DisclosurePolicy().rate(448, 1316) == pytest.approx(448 / 1316)


# --- marker and threshold ---------------------------------------------------------------------------
@pytest.mark.parametrize("marker", ["5", "x1", "=c", "-", "+", "@c", "NA", " "])
def test_markers_that_read_as_numbers_formulas_or_missing_are_refused(marker: str) -> None:
    with pytest.raises(PrivacyError, match="marker"):
        DisclosurePolicy(marker=marker)


def test_threshold_that_switches_protection_off_needs_the_opt_out(caplog: pytest.LogCaptureFixture) -> None:
    for t in (0, 1):
        with pytest.raises(PrivacyError, match="allow_unprotected"):
            DisclosurePolicy(threshold=t)
    with caplog.at_level(logging.WARNING, logger="altmeasures_eval.privacy"):
        off = DisclosurePolicy(threshold=1, allow_unprotected=True)
    assert "DISCLOSURE CONTROL IS OFF" in caplog.text
    assert off.describe().startswith("DISCLOSURE CONTROL IS OFF") and "NOT FOR PUBLICATION" in off.describe()
    assert not off.protected and off.count(3) == 3


def test_config_section_is_validated_by_the_policy() -> None:
    from altmeasures_eval.evaluation import DisclosureSettings

    with pytest.raises(ConfigError, match="allow_unprotected"):
        DisclosureSettings(threshold=1)
    with pytest.raises(ConfigError, match="digit"):
        DisclosureSettings(marker="0")
    assert DisclosureSettings(threshold=1, allow_unprotected=True).allow_unprotected
    with pytest.raises(PrivacyError, match="unknown key"):
        DisclosurePolicy.from_settings({"treshold": 5})


# --- text ---------------------------------------------------------------------------------------------
def test_notes_hide_small_counts_complements_and_statistics_of_hidden_categories() -> None:
    p = DisclosurePolicy()
    out = p.notes(["6 of 6,543 rows have no outcome", "4,999 of 5,001 records read",
                   "No one in the custody group has stage = police, while 20.8% of the alternative group does",
                   "605 scores clipped at 0.01"], hidden_labels=["stage = police"])
    assert out[0] == "fewer than 10 of 6,543 rows have no outcome"
    assert "4,999" not in out[1] and "fewer than 10" in out[1]  # 5,001 - 4,999 = 2 rejected
    assert "20.8" not in out[2] and "[c]" in out[2]
    assert out[3] == "605 scores clipped at 0.01"


# --- labels -------------------------------------------------------------------------------------------
def test_rare_free_text_labels_are_pooled_and_never_named() -> None:
    from types import SimpleNamespace

    persons = pd.DataFrame({"person_id": [f"p{i}" for i in range(25)],
                            "jurisdiction": ["north"] * 12 + ["Smith, 12 High Street"] * 3 + ["hamlet"] * 2
                            + ["south"] * 8})
    pooled, notes = pool_rare_labels(SimpleNamespace(persons=persons), DisclosurePolicy(threshold=10))
    # by hand: north 12 stays; Smith (3), hamlet (2) and south (8) are below 10
    assert pooled.persons["jurisdiction"].value_counts().to_dict() == {"other": 13, "north": 12}
    assert "3 label(s)" in notes[0] and "Smith" not in notes[0]
    assert persons["jurisdiction"].iloc[12] == "Smith, 12 High Street"  # the input is not changed


# --- formulas -----------------------------------------------------------------------------------------
def test_formula_cells_are_neutralised_in_csv_and_xlsx(tmp_path) -> None:
    import openpyxl

    frame = pd.DataFrame({"label": ['=HYPERLINK("http://x.example")', "=1+1", "a = b", "+cmd", "@SUM(A1)",
                                    "\tx", "-2+3", "-"],
                          "value": [-1.5, 2.0, 3.0, -4.0, 5.0, 6.0, 7.0, 8.0]})
    safe = neutralise_formulas(frame)
    safe.to_csv(tmp_path / "t.csv", index=False)
    with open(tmp_path / "t.csv", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    labels = [r[0] for r in rows]
    assert labels == ['\'=HYPERLINK("http://x.example")', "'=1+1", "a = b", "'+cmd", "'@SUM(A1)", "'\tx",
                      "'-2+3", "-"]
    assert [r[1] for r in rows][:1] == ["-1.5"]  # a negative number stays a number
    safe.to_excel(tmp_path / "t.xlsx", index=False)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    types = [ws.cell(row=i, column=1).data_type for i in range(2, 10)]
    assert "f" not in types  # no cell is a formula
    assert ws.cell(row=2, column=2).value == -1.5 and ws.cell(row=2, column=2).data_type == "n"


# --- secrets and paths ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("postgresql://ana:s3cr3t@db.example.org:5432/justice",
     "postgresql://ana:***@db.example.org:5432/justice"),
    ("cannot connect to mysql+pymysql://u:p%40ss@h/db: timeout", "cannot connect to mysql+pymysql://u:***@h/db: timeout"),
    ("mssql://u:pa@ss@h/db", "mssql://u:***@h/db"),
    ("https://ghp_token123@github.com/x", "https://***@github.com/x"),
    ("sqlite:///data/x.db?password=zz&mode=ro", "sqlite:///data/x.db?password=***&mode=ro"),
    ("no url here: ana@example.org", "no url here: ana@example.org"),
])
def test_credentials_in_urls_are_redacted(text: str, expected: str) -> None:
    assert redact_secrets(text) == expected
    assert redact_secrets(expected) == expected  # idempotent


def test_display_paths_are_relative_never_absolute(tmp_path) -> None:
    assert display_path(tmp_path / "data" / "persons.csv", tmp_path) == "data/persons.csv"
    assert display_path(tmp_path / "maps" / "m.toml", tmp_path / "config") == "../maps/m.toml"
    assert display_path("postgresql://a:b@h/db", tmp_path) == "postgresql://a:***@h/db"
    assert not display_path(tmp_path / "x.csv").startswith("/")


def test_counts_in_sentences_are_rounded_like_the_tables() -> None:
    """With rounding base 5 a sentence must not print 53 people when every table prints 55
    (by hand: 53 -> 55, 5,001 -> 5,000, 6,543 -> 6,545; 4,999 of 5,001 hides the 2 rejected)."""
    p = DisclosurePolicy(rounding_base=5)
    assert p.notes(["Only 53 people given an alternative", "4,999 of 5,001 records read",
                    "6 of 6,543 rows have no outcome"]) == [
        "Only 55 people given an alternative", "all but fewer than 10 of 5,000 records read",
        "fewer than 10 of 6,545 rows have no outcome"]
