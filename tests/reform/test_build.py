"""panel_from_dataset: counts by jurisdiction-month from the person-level sample, under disclosure control."""

from __future__ import annotations

import pytest

from altmeasures_eval.privacy import SUPPRESSION_MARKER
from altmeasures_eval.reform import panel_from_dataset
from altmeasures_eval.schema import ICCS_DRUG_PERSONAL_USE

pytestmark = pytest.mark.slow  # builds the panel from the whole person-level sample


@pytest.fixture(scope="module")
def built(sample_dataset):
    """The sample as the session read it (``read_dataset(data/sample)``, tests/conftest.py): reading
    is not what this module tests, and panel_from_dataset does not modify its input."""
    ds = sample_dataset
    return ds, panel_from_dataset(ds, start="2017-01")


def test_counts_add_up_with_the_attrition(built):
    ds, b = built
    cases = ds.cases[ds.cases["iccs_code"].str.startswith(ICCS_DRUG_PERSONAL_USE)]
    att = b.attrition.set_index(["count", "step"])["rows"]
    assert att[("drug_possession_cases", "records read")] == len(cases)
    left_out = att[("drug_possession_cases", "left out: month outside the range")] + att[
        ("drug_possession_cases", "left out: person has no jurisdiction")]
    assert b.panel["drug_possession_cases"].sum() == len(cases) - left_out
    spells = ds.custody_spells[ds.custody_spells["case_id"].isin(cases["case_id"])]
    assert att[("drug_possession_admissions", "records read")] == len(spells)


def test_panel_is_balanced_and_identifier_free(built):
    _, b = built
    assert set(b.panel.columns) == {"jurisdiction", "month", "drug_possession_admissions", "drug_possession_cases"}
    per_j = b.panel.groupby("jurisdiction").size()
    assert per_j.nunique() == 1


def test_published_tables_hide_small_counts(built):
    _, b = built
    pub = b.published["drug_possession_admissions"]
    exact = b.panel["drug_possession_admissions"]
    shown = pub.table["drug_possession_admissions"]
    small = (exact > 0) & (exact < 10)
    assert small.any()
    assert (shown[small.to_numpy()] == SUPPRESSION_MARKER).all()
