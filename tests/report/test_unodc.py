"""UNODC indicator file (export) and the multi-country summary."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.cli import main
from altmeasures_eval.report import (
    read_unodc_file,
    summary_table,
    unodc_indicators,
    validate_unodc,
    write_unodc_files,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def indicators(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unodc")
    assert main(["unodc-export", "--config", str(SAMPLE / "evaluation.toml"), "--out", str(out), "--quiet"]) == 0
    return out


def test_export_writes_json_and_csv_with_the_same_records(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    csv = pd.read_csv(indicators / "unodc_indicators.csv")
    assert len(csv) == len(doc["records"])
    assert set(csv["indicator"]) >= {"persons_by_stage", "persons_by_disposition", "share_by_disposition",
                                     "treatment_entry_90", "treatment_completed", "reoffending_1y",
                                     "bed_days_averted_per_person", "cost_per_person"}


def test_counts_add_up_and_shares_sum_to_one(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    rec = pd.DataFrame(doc["records"])
    disp = rec[rec["indicator"] == "persons_by_disposition"]
    for year, g in disp.groupby("year"):
        cells = g[g["group"] != "total"]
        if not cells["suppressed"].any():
            assert cells["value"].sum() == g.loc[g["group"] == "total", "value"].iloc[0]
    share = rec[(rec["indicator"] == "share_by_disposition") & ~rec["suppressed"]]
    for year, g in share.groupby("year"):
        if len(g) == len(disp[(disp["year"] == year) & (disp["group"] != "total")]):
            assert g["value"].sum() == pytest.approx(1.0, abs=1e-5)
    # the cohort size over the years is the evaluation cohort (sample: 6,543, see the report's attrition)
    assert disp[disp["group"] == "total"]["value"].sum() == 6543


def test_small_counts_are_suppressed(small_evaluation) -> None:
    doc = unodc_indicators(small_evaluation)
    validate_unodc(doc)
    for r in doc["records"]:
        if r["unit"] == "persons" and r["value"] is not None:
            assert not (0 < r["value"] < 10), r
        if r["suppressed"]:
            assert r["value"] is None and r["n"] is None
    assert any(r["suppressed"] for r in doc["records"])
    # effects withheld by the decision rules are absent, not zero
    assert not any(r["group"] == "adjusted_difference" for r in doc["records"])


def test_schema_rejects_an_unsuppressed_record(indicators: Path) -> None:
    doc = json.loads((indicators / "unodc_indicators.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["records"][0]["suppressed"] = True  # a suppressed record must not carry its value
    with pytest.raises(AltMeasuresError, match="records/0/value"):
        validate_unodc(bad)
    bad = copy.deepcopy(doc)
    bad["records"][0]["indicator"] = "persons_by_colour"
    with pytest.raises(AltMeasuresError, match="records/0/indicator"):
        validate_unodc(bad)


def test_summary_of_two_countries(indicators: Path, tmp_path: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    other = copy.deepcopy(doc)
    other["country"] = "XSZ"
    write_unodc_files(other, tmp_path / "xsz")
    out = tmp_path / "summary"
    code = main(["unodc-summary", str(indicators / "unodc_indicators.json"),
                 str(tmp_path / "xsz" / "unodc_indicators.json"), "--out", str(out)])
    assert code == 0
    for name in ("summary.html", "summary.pdf", "unodc_summary.csv", "figures/effects_by_country.png",
                 "figures/share_alternatives.svg"):
        assert (out / name).stat().st_size > 300, name
    assert len(pd.read_csv(out / "unodc_summary.csv")) == 2
    tab = summary_table([doc, other])
    assert list(tab["country"]) == [doc["country"], "XSZ"]
    assert tab["share_alternative"].iloc[0] == pytest.approx(5326 / 6543, abs=1e-9)


def test_summary_refuses_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"country": "X"}), encoding="utf-8")
    assert main(["unodc-summary", str(bad), "--out", str(tmp_path / "o"), "--no-pdf"]) == 2
