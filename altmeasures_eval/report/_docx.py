"""The editable Word version of the evaluation report (``report.docx``), from the same content as the
HTML and PDF.

A ministry edits the report before it publishes it, so the document is built as an author would
build it in Word, not as a picture of the PDF: the title in the *Title* style, sections in
*Heading 1* and box titles in *Heading 2* (they appear in Word's navigation pane and in a table of
contents), paragraphs in *Normal*, notes in *List Bullet*; every table is a real Word table whose
first row is a header row repeated on each page (``w:tblHeader``), with its numbered title as a
*Caption* kept with the table and as the table's accessible title (``w:tblCaption``); every figure
is the PNG of the report with its alternative text in the drawing's description (``docPr descr``,
what Word shows under "Alt Text") and its numbered title as the drawing's title. The document
language (``w:lang`` of the default run properties and the core properties) is the report's, so
the spelling checker and screen readers use it.

Nothing is computed or worded here: the words are the content model's, and the fixed labels
("Table 2.", "Source:") the same translated messages as the templates (``_render``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from altmeasures_eval._i18n import _
from altmeasures_eval.report._render import figure_parts, page_context, table_label

__all__ = ["render_docx"]

#: Word language tags of the report languages (w:lang; also the core property "language").
_WORD_LANG = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}
_BLUE = "1F5C99"
#: Border and shading of the boxes (text colours keep WCAG AA contrast on their shading).
_BOX = {"can": ("1B6E3C", "EDF7F0"), "cannot": ("A3311F", "FBEFEC"), "verdict": (_BLUE, "FFFFFF"),
        "warning": ("7A4D00", "FFF6E0")}
#: Tables with more rows than this may run over a page (their header row repeats); shorter ones
#: are kept on one page with their title.
_KEEP_TOGETHER_ROWS = 12


def render_docx(content: dict[str, Any], figures: dict[str, Any], path: str | Path) -> Path:
    """Write the report as an editable Word document.

    Parameters
    ----------
    content : dict
        The content model (:func:`altmeasures_eval.report.build_content`): ``meta``, ``summary``,
        ``sections``, ``disclosure``.
    figures : dict of str to Figure
        The rendered figures (their PNG is embedded).
    path : path
        Where to write ``report.docx``.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Written in the active language (``altmeasures_eval._i18n.language``); numbering of tables
    and figures is the content model's, so it is the same as in the HTML and PDF.
    """
    from docx import Document
    from docx.shared import Cm

    ctx = page_context(content)
    meta = ctx["meta"]
    doc = Document()
    st = _Styles(doc)
    _styles(doc, ctx["lang"])
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin = section.bottom_margin = Cm(2.4)
        _page_footer(section)
    props = doc.core_properties
    props.title = str(meta.get("title", ""))
    props.language = _WORD_LANG.get(ctx["lang"], ctx["lang"])
    props.author = str(meta.get("organisation") or "")
    props.subject = str(meta.get("country") or "")
    props.comments = _("Written by altmeasures_eval {version}.").format(
        version=meta.get("toolkit_version") or meta.get("version", ""))

    st.paragraph(str(meta.get("title", "")), "Title")
    _title_block(doc, meta)

    st.paragraph(_("Summary"), "Heading 1")
    for b in ctx["summary"]:
        _block(doc, b, figures, st)

    # "TOC Heading": a title Word leaves out of the table of contents it lists after it
    st.paragraph(_("Contents"), "TOC Heading")
    _contents(doc, [f"{i}. {s['title']}" for i, s in enumerate(ctx.get("sections", []), start=1)])
    for i, s in enumerate(ctx.get("sections", []), start=1):
        h = st.paragraph(f"{i}. {s['title']}", "Heading 1")
        h.paragraph_format.page_break_before = i == 1
        for b in s["blocks"]:
            _block(doc, b, figures, st)
    for n in ctx.get("disclosure", []):
        _small(doc.add_paragraph(str(n)))
    path = Path(path)
    doc.save(str(path))
    return path


# ---------------------------------------------------------------------------------------- blocks
class _Styles:
    """Paragraphs and tables in the named styles of one document, each name looked up once:
    python-docx looks a name up, and scans every style for the default one, at each use (~2 ms,
    a hundred paragraphs a report). Writes what ``add_paragraph(text, style=name)`` and
    ``table.style = name`` write."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._ids: dict[tuple[str, Any], str | None] = {}

    def style_id(self, name: str, kind: Any) -> str | None:
        """The id of style ``name`` of type ``kind`` (None for the default style, as python-docx)."""
        key = (name, kind)
        if key not in self._ids:
            self._ids[key] = self.doc.part.get_style_id(name, kind)
        return self._ids[key]

    def paragraph(self, text: str = "", style: str = "Normal") -> Any:
        """A new paragraph at the end of the document, with ``text`` in one run, in ``style``."""
        from docx.enum.style import WD_STYLE_TYPE

        p = self.doc.add_paragraph(text)
        p._p.style = self.style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        return p

    def table_style(self, table: Any, style: str) -> None:
        """Give ``table`` the table style ``style``."""
        from docx.enum.style import WD_STYLE_TYPE

        table._tbl.tblStyle_val = self.style_id(style, WD_STYLE_TYPE.TABLE)


def _block(doc: Any, b: dict[str, Any], figures: dict[str, Any], st: _Styles) -> None:
    kind = b.get("kind")
    if kind == "p":
        p = doc.add_paragraph(str(b.get("text", "")))
        if b.get("headline"):
            for r in p.runs:
                r.bold = True
    elif kind == "list":
        for item in b.get("items", []):
            st.paragraph(str(item), "List Bullet")
    elif kind == "code":
        from docx.shared import Pt

        for line in str(b.get("text", "")).splitlines() or [""]:
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            run = p.add_run(line)
            run.font.name, run.font.size = "Courier New", Pt(7.5)
    elif kind == "box":
        _box(doc, b, st)
    elif kind == "table":
        _table(doc, b, st)
    elif kind == "figure":
        _figure(doc, b, figures, st)
    elif kind == "flow":
        _flow(doc, b)


def _box(doc: Any, b: dict[str, Any], st: _Styles) -> None:
    """A box ("What you can say", verdict, warning): a Heading 2 and its items, inside one border
    with a shading (paragraph borders, so the text stays ordinary editable paragraphs)."""
    from docx.shared import RGBColor

    line, fill = _BOX.get(str(b.get("style")), _BOX["verdict"])
    paras = []
    if b.get("title"):
        h = st.paragraph(str(b["title"]), "Heading 2")
        for r in h.runs:
            r.font.color.rgb = RGBColor.from_string(line)
        h.paragraph_format.keep_with_next = True
        paras.append(h)
    if b.get("text"):
        paras.append(doc.add_paragraph(str(b["text"])))
    for item in b.get("items") or []:
        paras.append(st.paragraph(str(item), "List Bullet"))
    for i, p in enumerate(paras):
        _shade(p, line, fill)
        if i < len(paras) - 1:
            p.paragraph_format.keep_with_next = True


def _table(doc: Any, b: dict[str, Any], st: _Styles) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    label = table_label(b) + (f" ({b['unit']})" if b.get("unit") else "")
    cap = st.paragraph("", "Caption")
    cap.add_run(label).bold = True
    cap.paragraph_format.keep_with_next = True  # the title never stays alone at the foot of a page
    head, rows, align = list(b.get("head", [])), list(b.get("rows", [])), list(b.get("align", []))
    table = doc.add_table(rows=1 + len(rows), cols=max(len(head), 1))
    st.table_style(table, "Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _table_caption(table, label)
    keep = len(rows) <= _KEEP_TOGETHER_ROWS
    widths = _column_widths(head, rows)
    table.autofit = False
    for column, width in zip(table.columns, widths):  # w:gridCol, which LibreOffice reads
        column.width = width
    trs = table._tbl.tr_lst
    twips = [w.twips for w in widths]
    for i, values in enumerate([head, *rows]):
        tr = trs[i]
        _no_split(tr, header=i == 0)
        tcs = tr.tc_lst
        for j, value in enumerate(values):
            left = (align[j] if j < len(align) else "left") == "left"
            _cell(tcs[j], str(value), twips[j], left=left, header=i == 0, keep=keep and i < len(rows))
    for text in (b.get("note"), _("Source: {source}").format(source=b["source"]) if b.get("source") else None):
        if text:
            _small(doc.add_paragraph(str(text)))


def _column_widths(head: list[Any], rows: list[list[Any]], total_cm: float = 16.6) -> list[Any]:
    """Column widths in proportion to what the columns hold (the longest cell, the longest word
    of the header), so that a label column is not squeezed to the width of a number column."""
    from docx.shared import Cm

    n = max(len(head), 1)
    need = []
    for j in range(n):
        cells = [str(r[j]) for r in rows if j < len(r)]
        words = str(head[j]).split() if j < len(head) else []
        word = max((len(w) for w in words), default=1) + 4  # bold header words (and cell padding) are not split
        need.append(min(max([len(c) for c in cells] + [word, 5]), 26))
    scale = total_cm / sum(need)
    return [Cm(k * scale) for k in need]


def _figure(doc: Any, b: dict[str, Any], figures: dict[str, Any], st: _Styles) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    f = figures.get(b.get("name"))
    parts = figure_parts(b)
    if f is not None:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True  # the picture stays with its caption
        run = p.add_run()
        shape = run.add_picture(io.BytesIO(f.png), width=Cm(15.5))
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", parts["alt"])
        doc_pr.set("title", parts["label"])
    cap = st.paragraph("", "Caption")
    label = cap.add_run(parts["label"])
    label.bold = True
    rest = " ".join(x for x in (parts["caption"], _("Source: {source}").format(source=parts["source"])
                                if parts["source"] else "") if x)
    if rest:  # on its own line, as in the HTML and the PDF
        label.add_break()
        cap.add_run(rest)


def _flow(doc: Any, b: dict[str, Any]) -> None:
    """The attrition diagram as centred lines: each count in bold, the step removed above it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    def line(bold: str, text: str = "", arrow: bool = False) -> None:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(2)
        p.paragraph_format.keep_with_next = True
        if arrow:
            r = p.add_run("\u2193 " + text)
            r.font.size = Pt(8.5)
            return
        r = p.add_run(bold)
        r.bold = True
        if text:
            p.add_run(" " + text)

    for i, st in enumerate(b.get("steps", [])):
        if i == 0:
            line(str(st["remaining"]), str(st["label"]))
        elif st["removed"] not in ("0", "-"):
            line("", _("{removed} removed: {reason}").format(removed=st["removed"], reason=st["label"]), arrow=True)
            line(str(st["remaining"]), _("remaining"))
    line("", _("evaluation cohort"), arrow=True)
    line(str(b.get("final", "")))
    _small(doc.add_paragraph(_("Steps that removed nobody are listed in the attrition table in the files.")))


def _title_block(doc: Any, meta: dict[str, Any]) -> None:
    rows = [(_("Country"), meta.get("country")), (_("Published by"), meta.get("organisation")),
            (_("Publication date"), meta.get("publication_date")), (_("Decisions"), meta.get("period")),
            (_("Data extract"), meta.get("extract_date")),
            (_("Statistical status"), (str(meta["status"]) + (f". {meta['status_note']}" if meta.get("status_note")
                                                             else "")) if meta.get("status") else None),
            (_("Contact"), meta.get("contact")), (_("Licence"), meta.get("licence"))]
    if meta.get("toolkit_version"):
        rows += [(_("Version"), meta.get("version")), (_("Toolkit"), f"altmeasures_eval {meta['toolkit_version']}")]
    else:
        rows += [(_("Toolkit"), f"altmeasures_eval {meta.get('version', '')}")]
    for label, value in rows:
        if value:
            p = doc.add_paragraph()
            p.paragraph_format.space_after = 0
            p.add_run(f"{label}: ").bold = True
            p.add_run(str(value))


# ------------------------------------------------------------------------------ low-level OOXML
def _styles(doc: Any, lang: str) -> None:
    """Fonts, heading colours and the document language (default run properties)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    for name, size in (("Title", 22), ("Heading 1", 14), ("Heading 2", 11)):
        st = styles[name]
        st.font.name, st.font.size = "Arial", Pt(size)
        st.font.color.rgb = RGBColor.from_string(_BLUE)
    styles["Caption"].font.size = Pt(9)
    styles["Caption"].font.bold = False  # the label ("Figure 3.") is bold, the words after it are not
    styles["Caption"].paragraph_format.keep_together = True
    styles["Caption"].font.color.rgb = RGBColor.from_string("1D2733")
    tag = _WORD_LANG.get(lang, lang)
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    node = rpr.find(qn("w:lang"))
    if node is None:
        node = OxmlElement("w:lang")
        rpr.append(node)
    node.set(qn("w:val"), tag)  # the language of Latin-script text; east-Asian and bidi ones stay
    # the current language also on Normal, which Word and LibreOffice read first
    nrpr = normal.element.get_or_add_rPr()
    nlang = nrpr.find(qn("w:lang"))
    if nlang is None:
        nlang = OxmlElement("w:lang")
        nrpr.append(nlang)
    nlang.set(qn("w:val"), tag)


def _small(p: Any) -> Any:
    from docx.shared import Pt, RGBColor

    for r in p.runs:
        r.font.size = Pt(8)
        r.font.color.rgb = RGBColor.from_string("4A5866")
    return p


def _shade(p: Any, line: str, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for k, v in (("w:val", "single"), ("w:sz", "24"), ("w:space", "8"), ("w:color", line)):
        left.set(qn(k), v)
    borders.append(left)
    ppr.append(borders)
    shd = OxmlElement("w:shd")
    for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shd.set(qn(k), v)
    ppr.append(shd)
    _reorder_ppr(ppr)


def _reorder_ppr(ppr: Any) -> None:
    """Put the children of ``w:pPr`` in the schema's order (Word refuses a file otherwise)."""
    from docx.oxml.ns import qn

    order = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
             "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
             "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
             "sectPr", "pPrChange"]
    rank = {qn(f"w:{n}"): i for i, n in enumerate(order)}
    children = sorted(ppr, key=lambda e: rank.get(e.tag, len(order)))
    for c in children:
        ppr.remove(c)
        ppr.append(c)


def _cell(tc: Any, text: str, width: int, *, left: bool, header: bool, keep: bool) -> None:
    """Fill one table cell (``w:tc``) as python-docx's ``cell.width``, ``cell.text``, paragraph format
    and run font would, in one pass of lxml calls (the proxies cost ~1 ms a cell, 1,400 cells a report):
    width in twips, the header's shading, one paragraph (kept with the next row when the table is
    kept together; no space after; left or right aligned) with one run (8 pt, bold in the header)."""
    from docx.oxml.ns import qn
    from lxml import etree

    sub = etree.SubElement
    tcpr = tc.get_or_add_tcPr()
    tcw = tcpr.get_or_add_tcW()
    tcw.set(qn("w:type"), "dxa")
    tcw.set(qn("w:w"), str(width))
    if header:
        shd = sub(tcpr, qn("w:shd"))
        for k, v in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "F3F6F9")):
            shd.set(qn(k), v)
    for child in tc[1:]:  # the empty paragraph of a new cell (tcPr is always the first child)
        tc.remove(child)
    p = sub(tc, qn("w:p"))
    ppr = sub(p, qn("w:pPr"))
    if keep:
        sub(ppr, qn("w:keepNext"))
    sub(ppr, qn("w:spacing")).set(qn("w:after"), "0")
    sub(ppr, qn("w:jc")).set(qn("w:val"), "left" if left else "right")
    r = sub(p, qn("w:r"))
    rpr = sub(r, qn("w:rPr"))
    if header:
        sub(rpr, qn("w:b"))
    sub(rpr, qn("w:sz")).set(qn("w:val"), "16")
    _run_text(r, text)


def _run_text(r: Any, text: str) -> None:
    """The text of a run as python-docx writes it (``Run.text``): a tab is ``w:tab``, a line break
    ``w:br``, the rest ``w:t`` (space-preserving when it starts or ends with white space)."""
    import re

    from docx.oxml.ns import qn
    from lxml import etree

    for piece in re.split(r"([\t\r\n])", text):
        if piece == "\t":
            etree.SubElement(r, qn("w:tab"))
        elif piece in ("\r", "\n"):
            etree.SubElement(r, qn("w:br"))
        elif piece:
            t = etree.SubElement(r, qn("w:t"))
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(qn("xml:space"), "preserve")


def _no_split(tr: Any, *, header: bool) -> None:
    """A row (``w:tr``) is never split across pages; the first row is the header row, repeated on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)


def _table_caption(table: Any, label: str) -> None:
    """The table's accessible title (``w:tblCaption``, Word's "Alt Text" title of a table)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    cap = OxmlElement("w:tblCaption")
    cap.set(qn("w:val"), label[:255])
    # schema order: tblCaption and tblDescription are the last children of tblPr
    tblpr.append(cap)


def _contents(doc: Any, titles: list[str]) -> None:
    """The contents as a Word table-of-contents field (``TOC \\o "1-1" \\h``) whose shown result
    is the list of section titles: Word adds page numbers and links when the field is updated
    (right-click, Update Field), and the list reads the same before that."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field_char(paragraph: Any, kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    paras = [doc.add_paragraph() for _title in titles] or [doc.add_paragraph()]
    field_char(paras[0], "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-1" \\h \\z \\u '
    paras[0].add_run()._r.append(instr)
    field_char(paras[0], "separate")
    for p, title in zip(paras, titles):
        p.add_run(title)
        p.paragraph_format.space_after = 0
    field_char(paras[-1], "end")


def _page_footer(section: Any) -> None:
    """Page number (a PAGE field) in the footer, right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "1":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
