"""The editable Word version of the report (report.docx, issue #15): real heading styles, tables
with a repeated header row, figures with alternative text, the same content and numbering as the
HTML, in the report's language; written by write_report and listed in the manifest.

The look of the pages (LibreOffice, ``soffice --headless --convert-to pdf``) was checked by eye and
is recorded in ``docs/accessibility.md``; it is not part of the unit suite.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import html as lhtml

from altmeasures_eval._i18n import language
from altmeasures_eval.report import render_docx
from tests.report import _renderer_fixture as fx

WORD_LANG = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}
LABELS = {"en": ("Table", "Figure"), "fr": ("Tableau", "Figure"), "es": ("Cuadro", "Figura")}


@pytest.fixture(scope="module")
def tiny_docx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("docx")
    out = {}
    for code in ("en", "fr", "es"):
        with language(code):
            out[code] = Document(str(render_docx(fx.content(code), fx.figures(), folder / f"{code}.docx")))
    return out


def _headings(doc) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def _captions(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Caption"]


def _pictures(doc) -> list[tuple[str, str]]:
    """(title, descr) of every picture: the drawing's docPr, which Word shows as Alt Text."""
    return [(d.get("title"), d.get("descr")) for d in doc.element.body.iter(qn("wp:docPr"))]


def _header_rows(table) -> list[bool]:
    return [r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None for r in table.rows]


@pytest.mark.parametrize("code", ["en", "fr", "es"])
def test_structure_styles_and_language(tiny_docx, code: str) -> None:
    doc = tiny_docx[code]
    content = fx.content(code)
    table_word, figure_word = LABELS[code]
    heads = _headings(doc)
    assert heads[0] == ("Title", content["meta"]["title"])
    h1 = [t for s, t in heads if s == "Heading 1"]
    sections = [f"{i}. {s['title']}" for i, s in enumerate(content["sections"], 1)]
    assert h1[-len(sections):] == sections  # after Summary and Contents
    # the contents: a TOC field over Heading 1 (Word adds page numbers on update), showing the sections
    toc = [t.text for t in doc.element.body.iter(qn("w:instrText")) if "TOC" in t.text]
    assert toc == [' TOC \\o "1-1" \\h \\z \\u ']
    texts = [p.text for p in doc.paragraphs]
    start = texts.index(next(p.text for p in doc.paragraphs if p.style.name == "TOC Heading")) + 1
    assert texts[start:start + len(sections)] == sections
    assert [t for s, t in heads if s == "Heading 2"] == ["Is the comparison reliable?", "What you can say",
                                                         "What you cannot say", "Placeholder unit costs"]
    # tables: a caption "Table n. title (unit)" kept with the table, a header row repeated on each page
    blocks = [b for s in content["sections"] for b in s["blocks"] if b["kind"] == "table"]
    assert len(doc.tables) == len(blocks)
    tcaps = [c for c in _captions(doc) if c.startswith(table_word)]
    assert tcaps == [f"{table_word} {b['number']}. {b['title']} ({b['unit']})" for b in blocks]
    for table, b in zip(doc.tables, blocks):
        assert [c.text for c in table.rows[0].cells] == b["head"]
        assert [[c.text for c in r.cells] for r in table.rows[1:]] == b["rows"]
        assert _header_rows(table) == [True] + [False] * len(b["rows"])
        caption = table._tbl.tblPr.find(qn("w:tblCaption"))
        assert caption is not None and caption.get(qn("w:val")).startswith(f"{table_word} {b['number']}.")
    for p in doc.paragraphs:
        if p.style.name == "Caption" and p.text.startswith(table_word):
            assert p.paragraph_format.keep_with_next  # never alone at the foot of a page
    # figures: the PNG with its alternative text and numbered title; the caption below it
    assert _pictures(doc) == [(f"{figure_word} 1. Reoffending within a year", fx.ALTS["fig_rates"]),
                              (f"{figure_word} 2. Prison population", fx.ALTS["fig_trend"])]
    assert [c for c in _captions(doc) if c.startswith(figure_word)][0].startswith(f"{figure_word} 1. ")
    # the document language (spelling, screen readers) and its properties
    lang = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == WORD_LANG[code]
    assert doc.core_properties.language == WORD_LANG[code]
    assert doc.core_properties.title == content["meta"]["title"]


def test_fixed_labels_are_translated(tiny_docx) -> None:
    fr = tiny_docx["fr"]
    text = "\n".join(p.text for p in fr.paragraphs)
    assert "Pays: Testland" in text and "Sommaire" in text and "Résumé" in text
    assert "660 exclus\u00a0: aged under 18" in text and "Source\u00a0: Ministry of Justice" in text
    assert "Country" not in text and "Contents" not in text


def test_boxes_are_bordered_shaded_paragraphs(tiny_docx) -> None:
    doc = tiny_docx["en"]
    title = next(p for p in doc.paragraphs if p.text == "What you cannot say")
    item = next(p for p in doc.paragraphs if p.text == "That the results apply to everyone.")
    for p in (title, item):
        ppr = p._p.pPr
        assert ppr.find(qn("w:pBdr")).find(qn("w:left")).get(qn("w:color")) == "A3311F"
        assert ppr.find(qn("w:shd")).get(qn("w:fill")) == "FBEFEC"
    assert item.style.name == "List Bullet"


def test_sample_report_docx_has_the_html_content(sample_report: Path) -> None:
    """Same sections, tables, figures, numbering and alternative texts as report.html, and listed
    in the manifest with the other outputs."""
    path = sample_report / "report.docx"
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    assert "report.docx" in {f["path"] for f in manifest["files"]}
    doc = Document(str(path))
    page = lhtml.fromstring((sample_report / "report.html").read_text(encoding="utf-8"))
    h2 = [h.text_content() for h in page.xpath("//section[@id!='summary']/h2")]
    assert [t for s, t in _headings(doc) if s == "Heading 1"][-len(h2):] == h2
    html_tables = [c.text_content() for c in page.xpath("//table/caption")]
    assert [c for c in _captions(doc) if c.startswith("Table ")] == html_tables
    assert len(doc.tables) == len(html_tables)
    labels = [s.text_content() for s in page.xpath("//figcaption/span[@class='label']")]
    alts = [d.text_content() for d in page.xpath("//figure//svg/desc")]
    assert _pictures(doc) == list(zip(labels, alts)) and len(alts) >= 5
    assert all(re.match(r"Figure \d+\. ", t) for t, _ in _pictures(doc))
    for table in doc.tables:
        assert _header_rows(table)[0]


def test_identifier_scan_reads_word_documents(tmp_path: Path) -> None:
    """The output scan (privacy) reads the text of a .docx, table cells and alt text included."""
    from altmeasures_eval.privacy import scan_outputs_for_identifiers

    doc = Document()
    doc.add_paragraph("nothing to see P0001234")
    doc.add_table(rows=1, cols=2).cell(0, 1).text = "C-2019/0042"
    doc.save(str(tmp_path / "a.docx"))
    with language("en"):
        content = fx.content("en")
        content["sections"][0]["blocks"][3] = {**content["sections"][0]["blocks"][3], "alt": "case 7f3a9c0e11b24d5e"}
        render_docx(content, fx.figures(), tmp_path / "b.docx")
    hits = scan_outputs_for_identifiers(tmp_path, ["P000123", "C-2019/0042", "7f3a9c0e11b24d5e"])
    assert {(h.path.name, h.identifier) for h in hits} == {("a.docx", "C-2019/0042"), ("b.docx", "7f3a9c0e11b24d5e")}


@pytest.mark.parametrize("text", ["Age at the decision", "", " padded ", "a\tb", "two\nlines\r\nend", "\u221212\u202f345"])
@pytest.mark.parametrize("header", [True, False])
def test_table_cell_xml_is_what_python_docx_writes(text: str, header: bool) -> None:
    """_docx._cell writes a table cell in one pass of lxml calls; the reference is the same cell
    written through python-docx's proxies (cell.width, cell.text, paragraph format, run font), as
    the report did before (tabs, line breaks and edge spaces are where Run.text has rules)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
    from lxml import etree

    from altmeasures_eval.report._docx import _cell

    width = Cm(3.7)
    ref, new = (Document().add_table(rows=1, cols=2) for _ in range(2))
    cell = ref.rows[0].cells[0]
    cell.width = width
    cell.text = text
    for p in cell.paragraphs:
        p.paragraph_format.space_after = Pt(0)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.keep_with_next = True
        for r in p.runs:
            r.font.size = Pt(8)
            r.bold = header or None
    if header:
        shd = etree.SubElement(cell._tc.get_or_add_tcPr(), qn("w:shd"))
        for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "F3F6F9")):
            shd.set(qn(k), v)
    _cell(new._tbl.tr_lst[0].tc_lst[0], text, width.twips, left=False, header=header, keep=True)
    assert etree.tostring(new._tbl) == etree.tostring(ref._tbl)
