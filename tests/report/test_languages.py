"""A report in French or Spanish has no English left (issue #15).

The sample evaluation of the session is rendered in French and in Spanish (``[report] language``):
the content model, then the HTML page, the PDF and the Word version. In the text of each, with the
user's own words taken out (title, organisation, country name, contact, licence and the config
printed in the appendix), no English message of the package longer than three words may appear,
and none of a list of frequent English words.

Figures are given their titles, captions and text alternatives from ``figure_specs`` (the words the
figures carry, in the active language) with a blank picture: drawing them is what costs time here,
and the words inside the drawings are checked by ``tests/report/test_figures.py``.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import altmeasures_eval
from altmeasures_eval._i18n import language

PACKAGE = Path(altmeasures_eval.__file__).parent

#: Words frequent in English text that are not words of French or Spanish text. Whole words, any case.
ENGLISH_WORDS = ("the", "of", "and", "with", "people", "were", "which", "every", "within", "reoffended",
                 "reoffending", "custody", "given", "compared", "between", "fewer", "would", "this", "that",
                 "could", "not", "than", "after", "before", "per", "person", "data", "summary", "what", "you",
                 "can", "say", "cannot", "should", "have", "has", "is", "are", "was", "by", "from", "at", "in",
                 "to", "it", "its", "they")
# ("on", "an", "table", "figure", "source", "or" are French words too and are left out)


def _png() -> bytes:
    """A 1 x 1 white PNG (the picture of a figure whose words are all that matters here)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def _english_messages() -> list[str]:
    """Every English message marked in the package (Python and templates) longer than three words,
    with its placeholders as cut points: the fixed pieces of four words or more."""
    pieces: set[str] = set()
    found = extract_from_dir(str(PACKAGE), keywords={"_": None, "N_": None, "ngettext": (1, 2)},
                             method_map=[("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")],
                             options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}})
    for _f, _l, message, _c, _x in found:
        for text in (message if isinstance(message, tuple | list) else (message,)):
            for piece in re.split(r"\{[^}]*\}", text):
                piece = " ".join(piece.split()).strip(" .,:;()")
                if len(piece.split()) > 3:
                    pieces.add(piece)
    return sorted(pieces)


@pytest.fixture(scope="module")
def english() -> list[str]:
    return _english_messages()


@pytest.fixture(scope="module", params=["fr", "es"])
def rendered(request, sample_evaluation, tmp_path_factory) -> tuple[str, dict[str, str]]:
    """(language, {"html", "pdf", "docx", "content"}: the text of each, the user's words taken out)."""
    from docx import Document
    from pypdf import PdfReader

    from altmeasures_eval.report import Figure, build_content, published_tables, render_html, render_pdf
    from altmeasures_eval.report._docx import render_docx
    from altmeasures_eval.report._figures import figure_specs

    code = request.param
    ev = replace(sample_evaluation, spec=replace(sample_evaluation.spec,
                                                  report=replace(sample_evaluation.spec.report, language=code)))
    out = tmp_path_factory.mktemp(f"report-{code}")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10"></svg>'
    with language(code):
        tables, notes = published_tables(ev)
        figures = {name: Figure(name, caption, _png(), svg, title=title, alt=alt)
                   for name, title, caption, alt, _draw, _size in figure_specs(ev)}
        content = build_content(ev, tables, figures, notes, {"sample/cases.csv": "0" * 64})
        html = render_html(content, figures)
        pdf = render_pdf(content, figures, out / "report.pdf")
        docx = render_docx(content, figures, out / "report.docx")
    config = next(b["text"] for s in content["sections"] for b in s["blocks"] if b["kind"] == "code")
    rs = ev.spec.report
    # the user's words, and the names of the data tables and files read (the data contract's names)
    user = [rs.title, rs.organisation, rs.country_name, rs.contact, rs.licence, *config.splitlines(),
            *ev.table_hashes, "sample/cases.csv"]
    html_text = re.sub(r"<pre>.*?</pre>", " ", html, flags=re.S)  # the config as read: the user's text
    html_text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html_text, flags=re.S)
    doc = Document(str(docx))
    docx_text = "\n".join([p.text for p in doc.paragraphs]
                          + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    pdf_text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    pdf_text = re.sub(r"(\w)[-\u00ad]\s+(\w)", r"\1\2", pdf_text)  # words hyphenated across lines
    content_text = repr({k: v for k, v in content.items() if k != "headline"})

    def clean(text: str) -> str:
        import html as h

        text = " ".join(h.unescape(text).split())
        for u in sorted((x.strip() for x in user if x and x.strip()), key=len, reverse=True):
            text = text.replace(" ".join(u.split()), " ")
        return text

    return code, {"html": clean(html_text), "pdf": clean(pdf_text), "docx": clean(docx_text),
                  "content": clean(content_text)}


@pytest.mark.parametrize("form", ["html", "pdf", "docx"])
def test_no_english_sentence_left(rendered, english, form):
    code, texts = rendered
    text = texts[form]
    assert len(text) > 5000, (code, form)  # the whole report was read
    left = [m for m in english if m in text]
    assert not left, f"{code} {form}: English left: {left[:15]}"


@pytest.mark.parametrize("form", ["html", "pdf", "docx"])
def test_no_frequent_english_word_left(rendered, form):
    code, texts = rendered
    words = re.findall(r"[^\W\d_]+", texts[form])  # whole words, accented letters included
    # names of software and statistical terms of art kept in every language
    kept = {"altmeasures", "eval", "SHA", "Kaplan", "Meier", "Holm", "Rubin", "Justice", "Data", "Lab", "ATT",
            "ATC", "ATE", "ATO", "numpy", "pandas", "scipy", "statsmodels", "scikit", "learn", "lifelines",
            "matplotlib", "jinja", "typst"}
    left = sorted({w for w in words if w.lower() in ENGLISH_WORDS and w not in kept})
    context = {w: (m.group(0) if (m := re.search(rf".{{0,60}}(?<!\w){w}(?!\w).{{0,60}}", texts[form])) else w)
               for w in left[:8]}
    assert not left, f"{code} {form}: English words left: {left}\n" + "\n".join(context.values())


def test_numbers_follow_the_language(rendered):
    code, texts = rendered
    # the headline rates print with the language's decimal comma (34,2 not 34.2)
    assert re.search(r"\b\d{1,2},\d\b", texts["html"])
    assert not re.search(r"\b\d{1,2}\.\d (?:ont|reincidieron)\b", texts["html"])
