"""UNODC indicator file (export, schema 2) and the multi-country summary."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._country import check_country_code
from altmeasures_eval._errors import AltMeasuresError, ConfigError
from altmeasures_eval.cli import main
from altmeasures_eval.report import (
    pool_unodc,
    read_unodc_file,
    summary_table,
    unodc_indicators,
    unodc_summary,
    validate_unodc,
    write_unodc_files,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def indicators(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unodc") / "out"
    code = main(["unodc-export", "--config", str(SAMPLE / "evaluation.toml"), "--out", str(out), "--quiet"])
    assert code in (0, 3)  # 3: written, design gate failed (documented exit status)
    return out


def _records(doc: dict) -> pd.DataFrame:
    return pd.DataFrame(doc["records"])


def test_export_writes_json_and_csv_with_the_same_records(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    csv = pd.read_csv(indicators / "unodc_indicators.csv", keep_default_na=False)
    assert len(csv) == len(doc["records"])
    assert set(csv["country"]) == {"XSY"} and set(csv["reporting_year"]) == {2022}
    assert doc["country"] == "XSY" and doc["country_name"] == "Synthetic sample" and doc["country_code_user_assigned"]
    assert {"eligible_persons", "share_by_disposition", "persons_in_comparison", "treatment_entry_90_rate_unadjusted",
            "treatment_completed_rate_unadjusted", "reoffending_1y_rate_unadjusted"} <= set(csv["indicator"])
    assert (indicators / "manifest.json").exists()  # written through the atomic output folder
    raw = pd.read_csv(indicators / "unodc_indicators.csv", dtype=str, keep_default_na=False)
    counts = raw.loc[(raw["kind"] == "count") & (raw["value"] != ""), "value"]
    assert len(counts) and counts.str.fullmatch(r"\d+").all()  # whole numbers, not "90.0"
    # every indicator used by a record is labelled, with its adjustment said in the name and the label
    for name in set(csv["indicator"]):
        meta = doc["indicators"][name]
        if meta["adjustment"] != "none":
            assert name.endswith(meta["adjustment"]) or f"_{meta['adjustment']}" in name, name
            assert meta["adjustment"] in meta["label"], name


def test_eligible_persons_count_every_stage_whatever_the_comparison(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    rec = _records(doc)
    eligible = rec[rec["indicator"] == "eligible_persons"]
    grand = eligible[(eligible[["year", "stage", "disposition", "sex", "age_group"]] == "_T").all(axis=1)]
    # the sample cohort, every stage (see the report's attrition): 6,543; police-stage diversions included
    assert grand["value"].tolist() == [6543]
    by_stage = eligible[(eligible["year"] == "_T") & (eligible["stage"] != "_T") & (eligible["disposition"] == "_T")]
    assert by_stage.set_index("stage")["value"].to_dict() == {"police": 605, "pre_trial": 880, "trial": 1699,
                                                              "sentencing": 3359}
    # persons given each alternative by stage: police decisions are diversions only
    police = eligible[(eligible["year"] == "_T") & (eligible["stage"] == "police") & (eligible["disposition"] != "_T")]
    assert police.set_index("disposition").loc["diversion", "value"] == 605
    assert police.set_index("disposition").loc["custody", "value"] == 0
    # the comparison may be smaller (decision points where both groups occur) but never larger
    comp = rec[(rec["indicator"] == "persons_in_comparison") & (rec["disposition"] == "_T")]["value"].iloc[0]
    assert comp <= 6543


def test_counts_add_up_and_shares_sum_to_one(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    rec = _records(doc)
    e = rec[rec["indicator"] == "eligible_persons"]
    for dim in ("stage", "disposition", "sex"):
        cells = e[(e["year"] != "_T") & (e[dim] != "_T")]
        for year, g in cells.groupby("year"):
            total = e[(e["year"] == year) & (e[["stage", "disposition", "sex", "age_group"]] == "_T").all(axis=1)]
            if not g["suppressed"].any():
                assert g["value"].sum() == total["value"].iloc[0], (dim, year)
    share = rec[(rec["indicator"] == "share_by_disposition") & (rec["year"] != "_T")]
    for year, g in share.groupby("year"):
        if not g["suppressed"].any():
            assert g["value"].sum() == pytest.approx(1.0, abs=1e-6)
    assert rec.loc[rec["suppressed"], "value"].isna().all()


def test_effects_say_estimand_adjustment_interval_and_flags(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    rec = _records(doc)
    adj = rec[rec["indicator"] == "reoffending_1y_difference_adjusted"].iloc[0]
    assert adj["kind"] == "effect" and adj["estimand"] == doc["estimand"]["code"]
    naive = rec[rec["indicator"] == "reoffending_1y_difference_unadjusted"].iloc[0]
    assert naive["kind"] == "difference" and naive["estimand"] is None
    if doc["design"]["gate_passed"] is False:
        assert adj["suppressed"] and "design_gate_failed" in adj["flags"]
    else:
        assert not adj["suppressed"] and adj["ci_low"] < adj["value"] < adj["ci_high"]
    costs = rec[rec["indicator"].str.startswith(("cost_per_person", "net_saving"))]
    assert len(costs) and all("placeholder_unit_costs" in f for f in costs["flags"])  # the sample uses placeholders
    assert doc["unit_costs"]["placeholder"] is True
    assert doc["dimensions"]["citizenship"].startswith("not collected")


def test_small_counts_are_suppressed(small_evaluation) -> None:
    doc = unodc_indicators(small_evaluation)
    validate_unodc(doc)
    for r in doc["records"]:
        if r["unit"] == "persons" and r["value"] is not None:
            assert not (0 < r["value"] < 10), r
        if r["suppressed"]:
            assert r["value"] is None and r["n"] is None and r["flags"]
    assert any(r["suppressed"] for r in doc["records"])
    # effects withheld by the decision rules (or the gate) are flagged, never published
    eff = [r for r in doc["records"] if r["kind"] == "effect"]
    assert eff and all(r["suppressed"] and r["value"] is None for r in eff)
    assert all({"decision_rules_not_met", "design_gate_failed"} & set(r["flags"]) for r in eff)


def test_schema_rejects_bad_records(indicators: Path) -> None:
    doc = json.loads((indicators / "unodc_indicators.json").read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["records"][0]["suppressed"] = True  # a suppressed record must not carry its value
    with pytest.raises(AltMeasuresError, match="records/0/value"):
        validate_unodc(bad)
    bad = copy.deepcopy(doc)
    bad["records"][0]["indicator"] = "persons by colour"
    with pytest.raises(AltMeasuresError, match="records/0/indicator"):
        validate_unodc(bad)
    # an effect with an unbounded interval cannot be published unflagged
    bad = copy.deepcopy(doc)
    i = next(i for i, r in enumerate(bad["records"]) if r["kind"] == "difference")
    bad["records"][i].update(ci_low=None, suppressed=False, flags=[])
    with pytest.raises(AltMeasuresError, match=f"records/{i}/ci_low"):
        validate_unodc(bad)
    bad = copy.deepcopy(doc)
    bad["country"] = "Synthetic"
    with pytest.raises(AltMeasuresError, match="country"):
        validate_unodc(bad)
    old = copy.deepcopy(doc)
    old["schema_version"] = "1.0.0"
    with pytest.raises(AltMeasuresError, match="export it again"):
        validate_unodc(old)


def test_country_must_be_an_iso_code_with_the_nearest_match() -> None:
    assert check_country_code("KEN") == "KEN" and check_country_code("XSY") == "XSY"
    for wrong, near in (("Kenya", "KEN (Kenya)"), ("KNE", "KEN (Kenya)"), ("Portgal", "PRT (Portugal)"),
                        ("UK", "GBR (United Kingdom)"), ("XSY (synthetic sample)", "XSY")):
        with pytest.raises(ConfigError, match=r"\[report\] country .* nearest valid code is " + near.replace("(", r"\(")
                           .replace(")", r"\)")):
            check_country_code(wrong)
    from altmeasures_eval.evaluation import EvaluationSpec

    with pytest.raises(ConfigError, match="KEN"):
        EvaluationSpec.from_config({"report": {"country": "Kenya"}})
    spec = EvaluationSpec.from_config({"report": {"country": "KEN", "country_name": "Kenya (pilot counties)"}})
    assert spec.report.country_name == "Kenya (pilot counties)"


def _variant(doc: dict, code: str, name: str, shift: float, year: int | None = None) -> dict:
    other = copy.deepcopy(doc)
    other["country"], other["country_name"] = code, name
    if year is not None:
        other["reporting_year"] = year
    for r in other["records"]:
        if r["kind"] == "effect" and r["unit"] == "proportion_difference" and not r["suppressed"]:
            r["value"] += shift
            r["ci_low"] += shift
            r["ci_high"] += shift
    return other


def test_summary_of_two_countries(indicators: Path, tmp_path: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    other = _variant(doc, "XSZ", "Second sample", 0.02)
    write_unodc_files(other, tmp_path / "xsz")
    out = tmp_path / "summary"
    code = main(["unodc-summary", str(indicators / "unodc_indicators.json"),
                 str(tmp_path / "xsz" / "unodc_indicators.json"), "--out", str(out)])
    assert code == 0
    for name in ("summary.html", "summary.pdf", "unodc_summary.csv", "unodc_pooled.csv", "manifest.json"):
        assert (out / name).stat().st_size > 300, name
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "2 countries" in html and "1 countries" not in html
    assert "Every count" not in html
    assert len(pd.read_csv(out / "unodc_summary.csv")) == 2
    tab = summary_table([doc, other])
    assert list(tab["country"]) == ["XSY", "XSZ"]
    # share given an alternative: 1 - custody / all eligible (sample: 1,217 in custody of 6,543)
    assert tab["share_alternative"].iloc[0] == pytest.approx(1 - 1217 / 6543, abs=1e-9)


def test_pooling_leaves_out_failed_designs_with_the_reason(indicators: Path) -> None:
    doc = read_unodc_file(indicators / "unodc_indicators.json")
    ind = "reoffending_1y_difference_adjusted"
    docs = [_variant(doc, "XAA", "A", -0.01), _variant(doc, "XBB", "B", 0.01), _variant(doc, "XCC", "C", 0.03)]
    failed = copy.deepcopy(docs[2])
    failed["design"] = {"method": "ipw", "gate_passed": False, "reasons": ["stage separates the groups"]}
    pooled = pool_unodc([docs[0], docs[1], failed], ind)
    assert list(pooled.excluded["country"]) == ["XCC"]
    assert "design failed its gate (stage separates the groups)" in pooled.excluded["reason"].iloc[0]
    if doc["design"]["gate_passed"] is not False:
        assert pooled.result is not None and pooled.result.k == 2
        summary = unodc_summary([docs[0], docs[1], failed])
        text = " ".join(summary.content["summary"])
        assert "XCC C is left out of the pooled effect: the design failed its gate" in text
        assert "forest_" + ind in summary.figures
    # across years of one country: one period per reporting year
    years = []
    for shift, year in ((0.0, 2020), (0.01, 2021), (-0.005, 2022)):
        v = _variant(doc, "XAA", "A", shift, year=year)
        v["period"] = {"start": f"{year}-01-01", "end": f"{year}-12-31", "years": [str(year)]}
        years.append(v)
    by_year = pool_unodc(years, ind, across="years", country="XAA")
    assert by_year.across == "years of XAA"
    if doc["design"]["gate_passed"] is not False:
        assert list(by_year.studies["label"]) == ["2020", "2021", "2022"] and by_year.result.k == 3
    # files whose periods overlap hold the same people: not pooled, and said why
    years[1]["period"]["start"] = "2020-06-01"
    overlapping = pool_unodc(years, ind, across="years", country="XAA")
    assert overlapping.result is None and "overlapping periods" in overlapping.notes[-1]
    with pytest.raises(AltMeasuresError, match="more than once"):
        pool_unodc([docs[0], docs[0]], ind)


def test_summary_refuses_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"country": "X"}), encoding="utf-8")
    assert main(["unodc-summary", str(bad), "--out", str(tmp_path / "o"), "--no-pdf"]) == 2
    assert not (tmp_path / "o").exists()


def test_eligible_tables_on_a_hand_made_cohort() -> None:
    """Hand fixture: 2 years x 2 stages x 2 dispositions x 2 sexes, ages 16 to 40. With [cohort]
    min_age 16 juveniles can be eligible, so the age group is broken down (juvenile = under 18)."""
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._unodc import _eligible_records

    rng = np.random.default_rng(5)
    n = 400
    data = pd.DataFrame({
        "index_year": rng.choice([2021, 2022], n), "stage": rng.choice(["trial", "sentencing"], n),
        "disposition": rng.choice(["custody", "fine"], n, p=[0.3, 0.7]), "sex": rng.choice(["male", "female"], n),
        "age": rng.integers(16, 41, n).astype(float)})
    data.loc[:2, "sex"] = "other"  # 3 people: a small cell in every year x sex line that holds one
    records, notes = _eligible_records(data, DisclosurePolicy(threshold=10), min_age=16)
    rec = pd.DataFrame(records)
    e = rec[rec["indicator"] == "eligible_persons"]
    assert notes == []
    # hand count: juveniles (16 or 17 at the decision) in 2021
    juveniles = int(((data["age"] < 18) & (data["index_year"] == 2021)).sum())
    cell = e[(e["year"] == "2021") & (e["age_group"] == "juvenile")]
    assert cell["value"].iloc[0] == juveniles
    # stage x disposition: every published line adds up to its published total
    for stage, g in e[(e["year"] == "_T") & (e["stage"] != "_T") & (e["disposition"] != "_T")].groupby("stage"):
        total = e[(e["year"] == "_T") & (e["stage"] == stage) & (e["disposition"] == "_T")]["value"].iloc[0]
        assert g["value"].sum() == total == int((data["stage"] == stage).sum())
    # the 'other' sex cells are small: hidden, with a second cell in their line so the year total cannot reveal them
    other = e[(e["sex"] == "other") & (e["year"] != "_T")]
    assert other["suppressed"].all() and (other["flags"].map(tuple) == ("disclosure_primary",)).all()
    for year in other["year"]:
        line = e[(e["year"] == year) & (e["sex"] != "_T")]
        assert line["suppressed"].sum() >= 2
    # one record per combination of dimensions (shared totals are written once)
    dims = ["indicator", "year", "stage", "disposition", "sex", "age_group", "citizenship"]
    assert not rec.duplicated(subset=dims).any()


def test_rounding_base_rounds_every_published_count_and_flags_it() -> None:
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._unodc import _eligible_records

    rng = np.random.default_rng(6)
    n = 300
    data = pd.DataFrame({"index_year": rng.choice([2021, 2022], n), "stage": rng.choice(["trial", "sentencing"], n),
                         "disposition": rng.choice(["custody", "fine", "probation"], n),
                         "sex": rng.choice(["male", "female"], n), "age": rng.integers(18, 60, n).astype(float)})
    records, _ = _eligible_records(data, DisclosurePolicy(threshold=10, rounding_base=5), min_age=18)
    counts = [r for r in records if r["kind"] == "count" and not r["suppressed"]]
    assert counts and all(r["value"] % 5 == 0 and "rounded" in r["flags"] for r in counts)
    # shares come from the rounded counts (privacy: rates recomputed from what is published)
    shares = [r for r in records if r["indicator"] == "share_by_disposition" and not r["suppressed"]]
    line = {(r["year"], r["disposition"]): r["value"] for r in counts if r["stage"] == "_T" and r["sex"] == "_T"}
    for r in shares:
        if r["year"] != "_T":
            assert r["value"] == pytest.approx(line[(r["year"], r["disposition"])] / line[(r["year"], "_T")])


def test_pooled_headline_never_calls_an_inconclusive_result_an_effect() -> None:
    from altmeasures_eval.pooling import random_effects
    from altmeasures_eval.report._unodc_summary import _headline

    clear = random_effects([-0.06, -0.05, -0.07], se=[0.01, 0.012, 0.011])
    text = _headline(clear, "proven reoffending", 100.0, "percentage points")
    assert text.startswith("Pooled over 3 countries, an alternative instead of custody reduced proven reoffending by")
    unclear = random_effects([-0.06, 0.04, 0.01], se=[0.03, 0.04, 0.035])
    text = _headline(unclear, "proven reoffending", 100.0, "percentage points")
    assert "neither show an effect nor rule one out" in text and "reduced" not in text


def test_a_file_read_again_is_validated_again_only_if_its_text_changed(indicators: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """read_unodc_file keeps the SHA-256 of the texts it found valid (jsonschema walks every record:
    the same file is read by a summary, then by the pooling of its files): the same text is not
    validated twice, a changed text is, an invalid one is never kept, and at most
    ``_VALID_TEXTS_KEPT`` digests are kept."""
    from altmeasures_eval.report import _unodc

    checked = []

    def counting(doc, source="document"):
        checked.append(source)
        return validate_unodc(doc, source)

    monkeypatch.setattr(_unodc, "validate_unodc", counting)
    monkeypatch.setattr(_unodc, "_VALID_TEXTS", set())
    monkeypatch.setattr(_unodc, "_VALID_TEXTS_KEPT", 1)
    # the sample's export cut to its first 12 records: a valid document that is quick to walk
    doc = json.loads((indicators / "unodc_indicators.json").read_text(encoding="utf-8"))
    doc["records"] = doc["records"][:12]
    path = tmp_path / "unodc_indicators.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert read_unodc_file(path) == doc
    assert read_unodc_file(path) == doc and len(checked) == 1  # the same text: valid, not walked again
    broken = copy.deepcopy(doc)
    broken["records"][0]["kind"] = "guess"
    path.write_text(json.dumps(broken), encoding="utf-8")
    for _attempt in range(2):  # an invalid text is never kept: it fails every time
        with pytest.raises(AltMeasuresError, match="not a valid UNODC indicator file"):
            read_unodc_file(path)
    assert len(checked) == 3
    path.write_text(json.dumps(doc), encoding="utf-8")  # the same document, another text: validated
    assert read_unodc_file(path) == doc and len(checked) == 4 and len(_unodc._VALID_TEXTS) == 1
