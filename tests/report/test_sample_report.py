"""The sample report end to end: files, results.json schema, disclosure, PDF pages not blank."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.privacy._scan import _pdf_pages
from altmeasures_eval.report import load_results_schema, validate_results

FIGURES = ("love_plot", "propensity_overlap", "survival_curves", "bed_days",  # P3 (#15): no second, near-duplicate
           "population_projection", "cost_waterfall", "break_even", "monte_carlo", "tornado")  # survival figure


def test_every_output_is_written(sample_report: Path) -> None:
    for name in ("report.html", "report.pdf", "results.json", "tables.xlsx"):
        assert (sample_report / name).stat().st_size > 1000, name
    for fig in FIGURES:
        assert (sample_report / "figures" / f"{fig}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (sample_report / "figures" / f"{fig}.svg").read_text(encoding="utf-8")
    csvs = {p.stem for p in (sample_report / "tables").glob("*.csv")}
    assert {"attrition", "cohort_description", "recidivism", "frequency", "time_to_event", "cumulative_incidence",
            "health", "subgroups", "evalues", "bed_days", "steady_state", "costs_per_person", "cost_summary",
            "decision_rules", "data_quality"} <= csvs
    # the sample has missing covariates (multiple imputation): the missing-data tables are files too
    # (build_content adds them to the tables it is given; a write order that ran before it lost them)
    assert {"balance_imputations", "imputations", "missing_sensitivity"} <= csvs
    sheets = pd.ExcelFile(sample_report / "tables.xlsx").sheet_names
    # cover, notes, then every table of the report (layout pinned in test_workbook.py)
    assert sheets[:2] == ["Cover", "Notes"] and csvs <= set(sheets[2:])


def test_results_json_follows_its_schema(sample_report: Path) -> None:
    doc = json.loads((sample_report / "results.json").read_text(encoding="utf-8"))
    validate_results(doc)  # raises on any violation
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(load_results_schema())
    assert doc["schema_version"].startswith("1.")
    assert doc["country"] and doc["period"] == {"start": "2017-01-01", "end": "2022-12-31"}
    one = doc["recidivism"]["365"]
    rd = one["risk_difference"]
    # the difference is the difference of the stated rates; the CI brackets it. results.json rounds each
    # of the three numbers to 6 decimals (half a unit, 5e-7, each): they agree within 1.5e-6
    assert rd["estimate"] == pytest.approx(one["rate_treated"] - one["rate_control"], abs=1.5e-6)
    assert rd["ci_low"] < rd["estimate"] < rd["ci_high"]
    assert set(doc["recidivism"]) == {"365", "730", "1095"}
    for key in ("hazard_ratio", "rmst_difference"):
        assert set(doc[key]) >= {"estimate", "ci_low", "ci_high", "p_value"}
    assert doc["design"]["max_abs_smd_after"] < doc["design"]["max_abs_smd_before"]
    assert doc["prison"]["bed_days_averted_per_person"] > 0
    assert doc["costs"]["dominant"] or doc["costs"]["benefit_cost_ratio"] is not None
    assert any("PLACEHOLDER" in n for n in doc["notes"])  # the sample uses the shipped unit costs
    # the attrition chain is consistent wherever both counts are published
    att = doc["cohort"]["attrition"]
    for prev, cur in zip(att, att[1:]):
        if None not in (prev["persons_remaining"], cur["persons_remaining"], cur["persons_removed"]):
            assert prev["persons_remaining"] - cur["persons_removed"] == cur["persons_remaining"]
    assert att[-1]["persons_remaining"] == doc["cohort"]["n_treated"] + doc["cohort"]["n_control"]


def test_schema_rejects_a_broken_document(sample_report: Path) -> None:
    from altmeasures_eval._errors import AltMeasuresError

    doc = json.loads((sample_report / "results.json").read_text(encoding="utf-8"))
    del doc["recidivism"]["365"]["naive_risk_difference"]
    doc["cohort"]["n_treated"] = -1
    with pytest.raises(AltMeasuresError, match="naive_risk_difference|n_treated"):
        validate_results(doc)


def test_no_identifier_in_any_output(sample_report: Path, sample_dataset, tmp_path: Path) -> None:
    from altmeasures_eval.privacy import scan_outputs_for_identifiers

    ds = sample_dataset
    ids = pd.concat([ds.persons["person_id"], ds.cases["case_id"], ds.custody_spells["spell_id"],
                     ds.treatment_episodes["episode_id"]]).astype(str)
    # PDF and XLSX are compressed: scan their extracted text too (the PDF's when pypdf is installed;
    # the scanner keeps pypdf's pages of a file by its content, so the PDF is read once in this
    # process, here, by the scan of the folder below and by the page tests)
    pages = _pdf_pages(sample_report / "report.pdf")
    if pages is not None:
        (tmp_path / "report_pdf.txt").write_text("\n".join(pages), encoding="utf-8")
    for sheet, frame in pd.read_excel(sample_report / "tables.xlsx", sheet_name=None).items():
        frame.to_csv(tmp_path / f"xlsx_{sheet}.csv", index=False)
    hits = scan_outputs_for_identifiers([sample_report, tmp_path], ids)
    assert hits == []
    # the scanner does find an id when one is there (the check is not vacuous)
    (tmp_path / "leak.txt").write_text(f"x {ids.iloc[0]} y", encoding="utf-8")
    assert len(scan_outputs_for_identifiers(tmp_path, ids)) == 1


def test_no_published_count_below_the_threshold(sample_report: Path) -> None:
    count_cols = re.compile(r"^(n_|reoffenders_|events|persons_|records_read|kept_rows|rejected_rows|n$)")
    for csv in (sample_report / "tables").glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str)
        for col in frame.columns:
            if count_cols.match(col):
                vals = pd.to_numeric(frame[col], errors="coerce").dropna()
                assert not ((vals > 0) & (vals < 10)).any(), f"{csv.name}:{col}"


def test_html_is_self_contained(sample_report: Path) -> None:
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<style>" in html
    assert not re.search(r'<(link|script|img)[^>]+(href|src)="(?!data:|#)', html)
    assert "For every 100 people given an alternative measure" in html
    for section in ("Data quality", "Decision rules", "Reoffending", "Prison population", "Costs",
                    "Limitations", "Appendix: how this report was produced"):
        assert section in html
    assert "SHA-256" in html and "seed 20150317" in html


def _page_texts(pdf: Path) -> list[str]:
    """pypdf's text of each page (extracted once per file content in a process: the scanner's memo)."""
    pytest.importorskip("pypdf", reason="pypdf is not installed (test extra)")
    return list(_pdf_pages(pdf))


def test_pdf_pages_have_text(sample_report: Path) -> None:
    """Pure-Python check (pypdf): every page carries text beyond the running header."""
    texts = _page_texts(sample_report / "report.pdf")
    assert len(texts) >= 8
    for i, t in enumerate(texts, 1):
        assert len(t.strip()) > 150, f"page {i} is (nearly) empty"
    assert "For every 100 people given an alternative measure" in " ".join(texts[0].split())


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_pdf_pages_rendered_are_not_blank(sample_report: Path, tmp_path: Path) -> None:
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "30", "-png", str(sample_report / "report.pdf"), str(tmp_path / "p")],
                   check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(_page_texts(sample_report / "report.pdf"))
    for page in pages:
        px = np.asarray(Image.open(page).convert("L"), dtype=float)
        h = px.shape[0]
        body = px[int(0.08 * h):int(0.92 * h)]  # without the running header and the page number
        ink = (body < 200).mean()
        # a page with only a header and a footer has no ink here; the sparsest real page (the
        # contents) has about 1%
        assert ink > 0.003, f"{page.name}: only {ink:.2%} of the page body is ink"
