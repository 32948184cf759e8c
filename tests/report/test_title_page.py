"""The title page names the country in words: ``[report] country_name`` where set, else the ISO name."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from altmeasures_eval.report._words import country_words


def _ev(code: str, name: str = "") -> SimpleNamespace:
    return SimpleNamespace(country=code, spec=SimpleNamespace(report=SimpleNamespace(country_name=name)))


@pytest.mark.parametrize(("code", "name", "printed"), [
    ("XSY", "Synthetic sample", "Synthetic sample"),  # the sample config's [report] country_name
    ("KEN", "", "Kenya"),  # ISO 3166-1 short name (pycountry)
    ("KEN", "Republic of Kenya", "Republic of Kenya"),  # the config's name wins
    ("XSY", "", "XSY"),  # a user-assigned code has no name: the code itself
    ("", "", "not stated"),
])
def test_country_words(code: str, name: str, printed: str) -> None:
    assert country_words(_ev(code, name)) == printed


def test_sample_report_title_page_prints_the_country_name(sample_report: Path) -> None:
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    assert "<dt>Country</dt><dd>Synthetic sample</dd>" in html
    assert "<dd>XSY</dd>" not in html
