"""The committed sample (data/sample) is what the generator makes, valid, and its truth is right."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.synth import GROUND_TRUTH_FILE, SyntheticData

HORIZONS = ("365", "730", "1095")


@pytest.fixture(scope="module")
def stored(sample_dir: Path) -> dict:
    return json.loads((sample_dir / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))


def test_sample_is_reproducible_from_its_command(sample: SyntheticData, stored: dict,
                                                 sample_dir: Path) -> None:
    """`altmeasures-eval synth --persons 20000 --seed 0` regenerates the committed files."""
    truth = {k: v for k, v in stored.items() if k != "population"}
    assert truth == json.loads(json.dumps(sample.truth))
    persons = pd.read_csv(sample_dir / "persons.csv", dtype=str)
    np.testing.assert_array_equal(persons["person_id"], sample.dataset.persons["person_id"])
    cases = pd.read_csv(sample_dir / "cases.csv", dtype=str)
    assert len(cases) == len(sample.dataset.cases)
    np.testing.assert_array_equal(cases["iccs_code"], sample.dataset.cases["iccs_code"])
    assert (sample_dir / "extract.toml").read_text().startswith('country = "XSY"')


def test_sample_substance_gaps_are_those_of_its_command(sample: SyntheticData, sample_dir: Path) -> None:
    """data/sample/README.md: simulate(20000, seed=0, missingness={"substance": 0.10}) (issue #17).

    The extra gaps are drawn after the careers from their own stream, so the sample is the plain
    generator's plus exactly these blanks: 2,901 of the 28,462 recorded substances (README.md).
    """
    from altmeasures_eval.synth._missing import add_missingness

    cases = pd.read_csv(sample_dir / "cases.csv", dtype=str)
    plain = sample.dataset.cases["substance"]
    gapped = add_missingness(sample.dataset, {"substance": 0.10}, 0).cases["substance"]
    np.testing.assert_array_equal(cases["substance"].isna(), gapped.isna())
    recorded = cases["substance"].notna().to_numpy()
    np.testing.assert_array_equal(cases["substance"][recorded], plain[recorded].astype(str))
    blanked = int((plain.notna() & gapped.isna()).sum())
    assert (blanked, int(plain.notna().sum())) == (2_901, 28_462)


def test_sample_tables_are_those_of_its_command(sample: SyntheticData, sample_dataset) -> None:
    """Every table of the committed sample, as the session read it (tests/conftest.py), equals the
    generator's output with the sample's extra substance gaps, value for value and dtype for dtype:
    the committed files were written by the generator as it was when they were made, so this pins
    every column that ``build_tables`` computes (the row order of cases is the reader's, by id)."""
    from altmeasures_eval.synth._missing import add_missingness

    made = add_missingness(sample.dataset, {"substance": 0.10}, 0)
    for table in ("persons", "cases", "custody_spells", "treatment_episodes"):
        got = getattr(made, table)
        if table == "cases":  # ids are zero-padded: text order is number order
            got = got.sort_values("case_id", kind="stable", ignore_index=True)
        pd.testing.assert_frame_equal(got, getattr(sample_dataset, table), check_exact=True, obj=table)


def test_sample_truth_matches_the_stored_million_person_monte_carlo(stored: dict) -> None:
    pop = stored["population"]
    assert pop["n_persons"] == 1_000_000 and pop["seed"] != stored["generator"]["seed"]
    for measure in ("reoffend", "bed_days"):
        for h in HORIZONS:
            s, p = stored[measure][h], pop[measure][h]
            for est in ("ate", "att"):
                se = np.hypot(s[f"{est}_se"], p[f"{est}_se"])
                assert abs(s[est] - p[est]) < 4 * se, (measure, h, est)


def test_sample_files_are_small_and_hold_no_identifier_in_the_truth(sample_dir: Path) -> None:
    total = sum(f.stat().st_size for f in sample_dir.glob("*.*"))
    assert total < 10_000_000
    text = (sample_dir / GROUND_TRUTH_FILE).read_text()
    assert "person_id" not in text and "case_id" not in text and '"P0' not in text
