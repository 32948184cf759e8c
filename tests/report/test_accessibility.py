"""Accessibility of the rendered report, checked without a browser (issue #15).

HTML: the page language, a title, landmarks, one h1 and no skipped heading level, ``scope`` on every
header cell, numbered captions ("Table 2.", "Figure 3." in the report's language, consecutive),
every figure an accessible image (``role="img"``, ``<title>`` and ``<desc>`` holding the content
model's alternative text), unique ids, and WCAG AA contrast of the template's text colours and
of the figures' palette.
PDF: tagged, with the document title, the language, a Figure element with its alternative text for
every figure, header rows in every table, PDF/UA-1 identification, and no table title left at the
foot of a page. The same checks run on a small hand-made report in each language and on the sample
report of the session. The browser check (axe-core in headless Chromium) is ``make accessibility``
(``docs/accessibility.md``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lhtml
from pypdf import PdfReader

from altmeasures_eval._i18n import language
from altmeasures_eval.report._render import render_html, render_pdf
from tests.report import _renderer_fixture as fx

LANGS = ["en", "fr", "es"]
#: "Table 2." and "Figure 3." in each language (the labels of locale/*/render.po).
LABELS = {"en": ("Table", "Figure"), "fr": ("Tableau", "Figure"), "es": ("Cuadro", "Figura")}
TEMPLATE = Path(__file__).resolve().parents[2] / "altmeasures_eval" / "report" / "templates" / "report.html.j2"


@pytest.fixture(scope="module")
def tiny_html() -> dict[str, Any]:
    out = {}
    for code in LANGS:
        with language(code):
            out[code] = lhtml.fromstring(render_html(fx.content(code), fx.figures()))
    return out


@pytest.fixture(scope="module")
def tiny_pdf(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("a11y-pdf")
    out = {}
    for code in LANGS:
        with language(code):
            out[code] = render_pdf(fx.content(code), fx.figures(), folder / f"{code}.pdf")
    return out


@pytest.fixture(scope="module")
def sample_html(sample_report: Path):
    return lhtml.fromstring((sample_report / "report.html").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------- HTML
def _heading_levels(doc) -> list[int]:
    return [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def _check_headings(doc) -> None:
    levels = _heading_levels(doc)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level skipped: h{before} then h{after}"


def _check_scope(doc) -> None:
    ths = doc.xpath("//th")
    assert ths
    assert all(th.get("scope") in ("col", "row") for th in ths)
    assert all(th.get("scope") == "col" for th in doc.xpath("//thead//th"))
    assert all(th.get("scope") == "row" for th in doc.xpath("//tbody//th"))
    for table in doc.xpath("//table"):  # every data table has a caption and a header row
        assert table.xpath("./caption") and table.xpath("./thead/tr/th")


def _check_figures(doc) -> list[str]:
    """Every <figure> holds one accessible SVG image; returns the alternative texts."""
    alts = []
    for fig in doc.xpath("//figure"):
        svgs = fig.xpath(".//svg")
        assert len(svgs) == 1
        svg = svgs[0]
        assert svg.get("role") == "img"
        ids = svg.get("aria-labelledby").split()
        title, desc = svg.xpath("./title"), svg.xpath("./desc")
        assert len(title) == 1 and len(desc) == 1  # first children of the root, as ARIA reads them
        assert ids == [title[0].get("id"), desc[0].get("id")]
        label = fig.xpath("./figcaption/span[@class='label']")[0].text_content()
        assert title[0].text_content() == label
        assert len(desc[0].text_content().strip()) > 20
        assert not svg.xpath(".//metadata")  # the drawing tool's credits are not read out
        alts.append(desc[0].text_content())
    return alts


def _check_numbering(doc, code: str) -> tuple[int, int]:
    table_word, figure_word = LABELS[code]
    captions = [c.text_content() for c in doc.xpath("//table/caption")]
    numbers = [int(re.match(rf"{table_word} (\d+)\. ", c).group(1)) for c in captions]
    assert numbers == list(range(1, len(captions) + 1)), captions
    labels = [s.text_content() for s in doc.xpath("//figcaption/span[@class='label']")]
    fnumbers = [int(re.match(rf"{figure_word} (\d+)\. ", s).group(1)) for s in labels]
    assert fnumbers == list(range(1, len(labels) + 1)), labels
    return len(numbers), len(fnumbers)


def _check_ids(doc) -> None:
    ids = [e.get("id") for e in doc.xpath("//*[@id]")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]


@pytest.mark.parametrize("code", LANGS)
def test_tiny_report_html(tiny_html, code: str) -> None:
    doc = tiny_html[code]
    content = fx.content(code)
    assert doc.get("lang") == code
    assert doc.xpath("//head/title")[0].text_content() == content["meta"]["title"]
    assert doc.xpath("//h1")[0].text_content() == content["meta"]["title"]
    assert len(doc.xpath("//main")) == 1 and doc.xpath("//header") and doc.xpath("//nav") and doc.xpath("//footer")
    _check_headings(doc)
    _check_scope(doc)
    assert _check_figures(doc) == [fx.ALTS["fig_rates"], fx.ALTS["fig_trend"]]
    n_tables = sum(b["kind"] == "table" for s in content["sections"] for b in s["blocks"])
    assert _check_numbering(doc, code) == (n_tables, 2)
    _check_ids(doc)
    # the four kinds of box, each with its title as a heading under the section's h2
    boxes = {b.get("class"): b.xpath("./h3")[0].text_content() for b in doc.xpath("//div[contains(@class, 'box')]")}
    assert boxes == {"box box-verdict": "Is the comparison reliable?", "box box-can": "What you can say",
                     "box box-cannot": "What you cannot say", "box box-warning": "Placeholder unit costs"}
    # the headline paragraph of the summary stands out
    assert doc.xpath("//p[@class='headline']")[0].text_content() == content["headline"]["reoffending"]


def test_fixed_labels_are_translated(tiny_html) -> None:
    fr, es = tiny_html["fr"], tiny_html["es"]
    assert fr.xpath("//dt")[0].text_content() == "Pays" and es.xpath("//dt")[0].text_content() == "País"
    assert fr.xpath("//table/caption")[0].text_content().startswith("Tableau 1. ")
    assert es.xpath("//figcaption/span")[0].text_content() == "Figura 1. Reoffending within a year"
    assert "Source\u00a0: Ministry of Justice" in fr.xpath("//p[@class='tnote']")[1].text_content()
    assert fr.xpath("//section[@id='summary']/h2")[0].text_content() == "Résumé"


def test_sample_report_html(sample_html) -> None:
    doc = sample_html
    assert doc.get("lang") == "en" and doc.xpath("//head/title")[0].text_content().strip()
    _check_headings(doc)
    _check_scope(doc)
    alts = _check_figures(doc)
    n_tables, n_figures = _check_numbering(doc, "en")
    assert n_figures == len(alts) >= 5 and n_tables >= 10
    _check_ids(doc)


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    """Every text colour of the template on every background it is used on: at least 4.5:1
    (WCAG 2.2 1.4.3, normal text). Reference: contrast of #767676 on white is 4.54 (WebAIM)."""
    assert _contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    css = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", TEMPLATE.read_text(encoding="utf-8")))
    pairs = [("ink", "paper"), ("muted", "paper"), ("blue", "paper"), ("ink", "tint"), ("blue", "tint"),
             ("muted", "tint"), ("paper", "blue"), ("can", "can-bg"), ("ink", "can-bg"), ("cannot", "cannot-bg"),
             ("ink", "cannot-bg"), ("warn", "warn-bg"), ("ink", "warn-bg")]
    low = {f"{t} on {b}": round(_contrast(css[t], css[b]), 2) for t, b in pairs if _contrast(css[t], css[b]) < 4.5}
    assert not low, low
    # table header cells and code blocks sit on light greys that are not variables
    for background in ("#f3f6f9",):
        assert _contrast(css["ink"], background) >= 4.5


def test_figure_palette_contrast() -> None:
    """The figures' text (black) and reference grey reach 4.5:1 on white (WCAG 1.4.3); the two
    group colours, which carry the comparison in every figure, reach 3:1 (WCAG 1.4.11, graphical
    objects). Okabe-Ito blue #0072B2 on white is 5.19:1 and vermillion #D55E00 3.87:1 (computed
    by the WCAG formula above, checked against its #767676 reference)."""
    from altmeasures_eval.plotting import GROUP_COLOURS, NEUTRAL, TEXT

    assert _contrast(TEXT, "#ffffff") >= 4.5 and _contrast(NEUTRAL, "#ffffff") >= 4.5
    for group in ("alternative", "custody"):
        assert _contrast(GROUP_COLOURS[group], "#ffffff") >= 3.0, group
    assert _contrast("#0072B2", "#ffffff") == pytest.approx(5.19, abs=0.01)


# ------------------------------------------------------------------------------------------ PDF
def _struct(pdf: Path) -> tuple[dict, list[tuple[str, Any]]]:
    """The catalogue and every structure element (type, element) of a tagged PDF."""
    root = PdfReader(pdf).trailer["/Root"]
    out: list[tuple[str, Any]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if "/S" in node:
                out.append((str(node["/S"]), node))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    return root, out


def _check_pdf(pdf: Path, code: str, title: str, alts: list[str]) -> None:
    root, elements = _struct(pdf)
    assert root["/Lang"] == code
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert PdfReader(pdf).metadata.title == title
    xmp = root["/Metadata"].get_object().get_data()
    assert b"<pdfuaid:part>1</pdfuaid:part>" in xmp or b'pdfuaid:part="1"' in xmp  # PDF/UA-1
    kinds = [k for k, _ in elements]
    assert [str(e["/Alt"]) for k, e in elements if k == "/Figure"] == alts
    tables = [e for k, e in elements if k == "/Table"]
    assert tables and kinds.count("/THead") == len(tables)
    assert kinds.count("/Title") == 1 and "/H1" in kinds


@pytest.mark.parametrize("code", LANGS)
def test_tiny_report_pdf_is_tagged(tiny_pdf, code: str) -> None:
    _check_pdf(tiny_pdf[code], code, fx.content(code)["meta"]["title"], [fx.ALTS["fig_rates"], fx.ALTS["fig_trend"]])


def test_sample_report_pdf_is_tagged(sample_report: Path, sample_html) -> None:
    alts = [d.text_content() for d in sample_html.xpath("//figure//svg/desc")]
    title = sample_html.xpath("//head/title")[0].text_content()
    _check_pdf(sample_report / "report.pdf", "en", title, alts)


def test_no_table_title_alone_at_the_foot_of_a_page(tmp_path: Path) -> None:
    """Tables placed at every height of a page (paragraphs of varying length between them): each
    title is on the page of the table's first row, and a table of at most 12 rows is not split.
    (The template before #15 left 3 of these 27 filler tables split, one row at a page's foot.)"""
    content = fx.content("en", filler=27)
    pdf = render_pdf(content, fx.figures(), tmp_path / "filler.pdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages]

    def page_of(text: str) -> list[int]:
        return [i for i, t in enumerate(pages) if re.search(re.escape(text) + r"(?!\d)", t)]

    checked = 0
    for s in content["sections"]:
        for b in s["blocks"]:
            if b["kind"] != "table":
                continue
            title = page_of(f"Table {b['number']}. {b['title']}")
            first, last = page_of(f"{b['head'][0]} row 1"), page_of(f"{b['head'][0]} row {len(b['rows'])}")
            assert len(title) == 1 and first[:1] == title, (b["title"], title, first)
            if len(b["rows"]) <= 12:
                assert last == title, (b["title"], title, last)
            checked += 1
    assert checked == 29 and len(pages) >= 8
