"""Render the content model as HTML and as PDF (Typst), and the page helpers the Word writer
(``_docx``) shares: the page context, table and figure labels, a figure's parts.

The content model (``_content``) feeds the HTML and Typst templates and the Word writer, which
compute and word nothing themselves: their only own text is the fixed labels of the page
("Table 2.", "Source:"), marked for translation and translated in ``locale/*/render.po``.

Accessibility (``docs/accessibility.md``): the HTML page carries its language, a title, real
headings, ``<th scope>`` on every header cell and numbered captions; each inline SVG figure is an
``role="img"`` with a ``<title>`` and a ``<desc>`` (the alternative text of the content model).
The PDF is tagged (Typst's default since 0.14: headings, paragraphs, lists, tables with header
rows, figures with their alternative text), carries its title and language and is written as
PDF/UA-1, whose rules Typst checks while writing. The Word version has real heading styles, tables
with header rows and pictures with alternative text.
"""

from __future__ import annotations

import html
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval._i18n import _, current_language, ngettext

__all__ = ["figure_label", "figure_parts", "inline_svg", "page_context", "render_html", "render_pdf", "table_label"]


def _typst_string(value: Any) -> str:
    """A Typst string literal (code mode): only backslash, quote and newline need escaping."""
    s = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{s}"'


@lru_cache(maxsize=None)
def _env(autoescape: bool) -> jinja2.Environment:
    # one environment per kind, for the process: it compiles each template once (its loader
    # still reloads a template whose file changed), not at every report
    env = jinja2.Environment(loader=jinja2.PackageLoader("altmeasures_eval.report", "templates"),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
    # the templates' fixed labels go through the active language (the context variable of _i18n is
    # read when the template renders, so one environment serves every language)
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters["ts"] = _typst_string
    return env


def _summary_blocks(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary as blocks; the paragraph that states the headline result (or the verdict when
    there is none) is marked ``headline`` so that it stands out. Plain strings (the content model
    before #15) become paragraphs."""
    head = content.get("headline", {}) or {}
    lead = {str(v) for k, v in head.items() if k in ("reoffending", "verdict") and v}
    out = []
    for b in content.get("summary", []):
        if isinstance(b, str):
            b = {"kind": "p", "text": b}
        if b.get("kind") == "p" and b.get("text") in lead:
            b = {**b, "headline": True}
        out.append(b)
    return out


def page_context(content: dict[str, Any]) -> dict[str, Any]:
    """What the templates read: the content, its summary as blocks and the page language."""
    meta = dict(content.get("meta", {}))
    meta.setdefault("language", current_language())
    return {**content, "meta": meta, "summary": _summary_blocks(content), "lang": meta["language"],
            "headline": content.get("headline", {}), "disclosure": content.get("disclosure", [])}


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_ID = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def inline_svg(svg: str, key: str, title: str, alt: str) -> str:
    """An SVG figure ready to sit inline in an HTML page, accessible as one image.

    The root gets ``role="img"`` and ``aria-labelledby`` pointing at a ``<title>`` (the numbered
    figure title) and a ``<desc>`` (the alternative text: what the figure shows, with its key
    numbers), so a screen reader announces the figure as one image with that name and skips the
    ticks and labels drawn inside. Every ``id`` of the drawing is prefixed with ``key`` (several
    matplotlib SVGs on one page would otherwise share ids such as ``patch_1``), and the drawing
    tool's metadata is removed.

    Parameters
    ----------
    svg : str
        The SVG document (with or without XML prologue).
    key : str
        Unique prefix on the page (the figure's name).
    title, alt : str
        Accessible name and description (plain text; escaped here).

    Returns
    -------
    str
    """
    body = _SVG_METADATA.sub("", _SVG_PROLOGUE.sub("", svg, count=1), count=1)
    body = _SVG_ID.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", body)
    tid, did = f"{key}-title", f"{key}-desc"
    root_end = body.index(">", body.index("<svg")) + 1
    root = body[:root_end - 1] + f' role="img" aria-labelledby="{tid} {did}" focusable="false">'
    return (root + f'<title id="{tid}">{html.escape(title)}</title><desc id="{did}">{html.escape(alt)}</desc>'
            + body[root_end:])


def figure_label(block: dict[str, Any]) -> str:
    """"Figure 3. Title" in the active language (the title alone when the block has no number)."""
    title = block.get("title") or block.get("caption") or ""
    if block.get("number") is None:
        return str(title)
    return _("Figure {number}. {title}").format(number=block["number"], title=title)


def table_label(block: dict[str, Any]) -> str:
    """"Table 2. Title" in the active language (the title alone when the block has no number)."""
    if block.get("number") is None:
        return str(block.get("title", ""))
    return _("Table {number}. {title}").format(number=block["number"], title=block.get("title", ""))


def figure_parts(block: dict[str, Any]) -> dict[str, str]:
    """Label, caption (when it says more than the title), alternative text and source of a figure block."""
    label = figure_label(block)
    caption = str(block.get("caption") or "")
    if caption == str(block.get("title") or ""):
        caption = ""
    return {"label": label, "caption": caption, "alt": str(block.get("alt") or caption or label),
            "source": str(block.get("source") or "")}


def render_html(content: dict[str, Any], figures: dict[str, Any], *, template: str = "report") -> str:
    """The report as one self-contained HTML page (inline CSS, figures as inline accessible SVG).

    ``template`` names the pair ``templates/<template>.html.j2`` / ``.typ.j2`` (``"unodc_summary"``
    for the UNODC multi-country summary). The page is written in the active language
    (``altmeasures_eval._i18n.language``).
    """
    ctx = page_context(content)
    if template != "report":
        svgs = {name: _SVG_PROLOGUE.sub("", f.svg, count=1) for name, f in figures.items()}
        return _env(True).get_template(f"{template}.html.j2").render(svgs=svgs, **content)
    svgs = {}
    for block in _figure_blocks(ctx):
        f = figures.get(block["name"])
        if f is not None:
            parts = figure_parts(block)
            svgs[block["name"]] = inline_svg(f.svg, f"fig-{block['name']}", parts["label"], parts["alt"])
    return _env(True).get_template(f"{template}.html.j2").render(
        svgs=svgs, figure_parts=figure_parts, table_label=table_label, **ctx)


def _figure_blocks(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = [b for b in ctx["summary"] if b.get("kind") == "figure"]
    for s in ctx.get("sections", []):
        blocks += [b for b in s["blocks"] if b.get("kind") == "figure"]
    return blocks


def render_pdf(content: dict[str, Any], figures: dict[str, Any], path: Path, *, template: str = "report") -> Path:
    """Render the report to PDF with Typst (PyPI package ``typst``; offline, fonts embedded).

    ``template`` as in :func:`render_html`. The evaluation report's PDF is tagged (structure tree
    with headings, paragraphs, lists, tables with header rows and figures with their alternative
    text), declares its title and language, and is compiled as PDF/UA-1 (ISO 14289-1), whose
    requirements Typst checks while it writes the file.

    Raises
    ------
    AltMeasuresError
        When typst is not installed or the document does not compile (the message says which).
    """
    try:
        import typst
    except ImportError as exc:
        raise AltMeasuresError("report.pdf needs the typst package: pip install typst "
                               "(or set [report] pdf = false)") from exc
    if template == "report":
        src = _env(False).get_template(f"{template}.typ.j2").render(
            figure_parts=figure_parts, table_label=table_label, **page_context(content))
    else:
        src = _env(False).get_template(f"{template}.typ.j2").render(**content)
    with tempfile.TemporaryDirectory(prefix="altmeasures-typst-") as tmp:
        root = Path(tmp)
        (root / "figures").mkdir()
        for name, f in figures.items():
            (root / "figures" / f"{name}.png").write_bytes(f.png)
        (root / "report.typ").write_text(src, encoding="utf-8")
        # the evaluation report is checked against PDF/UA-1 by the compiler itself (title, language,
        # alternative text of every figure, tagged structure): a gap is an error, not a silent PDF
        standard = {"pdf_standards": "ua-1"} if template == "report" else {}
        try:
            typst.compile(str(root / "report.typ"), output=str(path), root=str(root), **standard)
        except Exception as exc:  # typst raises its own error type with the compiler message
            raise AltMeasuresError(f"Typst could not compile the report: {exc}") from exc
    return path


