"""The blocks of the report's content model (see :mod:`altmeasures_eval.report._content`): a
paragraph, a box, a table and a figure block, and the one pass that numbers tables and figures in
reading order. Every writer of a section builds its blocks with these.
"""

from __future__ import annotations

from typing import Any

from altmeasures_eval.report._tables import PublishedTable

__all__ = ["box", "figure_blocks", "number_blocks", "paragraph", "table_block"]


def table_block(t: PublishedTable) -> dict[str, Any]:
    """A numbered table block (``number`` is set by :func:`number_blocks` in reading order); ``unit``
    and ``source`` come from the table where it states them, else the report's source line."""
    head, rows = t.display()
    return {"kind": "table", "name": t.name, "number": None, "title": t.title, "head": head, "rows": rows,
            "note": t.note, "align": t.alignment(), "unit": getattr(t, "unit", "") or "",
            "source": getattr(t, "source", "") or ""}


def paragraph(text: str) -> dict[str, Any]:
    return {"kind": "p", "text": text}


def figure_blocks(figures: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A numbered figure block: title, caption, ``alt`` (what the figure shows, with its key
    numbers: the text alternative of the picture) and source, as the Figure object carries them."""
    f = figures.get(name)
    if f is None:
        return []
    return [{"kind": "figure", "name": name, "number": None, "title": getattr(f, "title", "") or f.caption,
             "caption": f.caption, "alt": getattr(f, "alt", "") or f.caption, "source": getattr(f, "source", "") or ""}]


def box(style: str, title: str, items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A box of the summary: ``can`` (What you can say), ``cannot`` (What you cannot say),
    ``verdict`` (the design gate's verdict) or ``warning``."""
    assert style in ("can", "cannot", "verdict", "warning"), style
    return {"kind": "box", "style": style, "title": title, "items": list(items)}


def number_blocks(content: dict[str, Any], source: str = "") -> dict[str, Any]:
    """Number the tables and the figures of ``content`` in reading order (summary, then the
    sections), each series from 1, and give every one without a source the report's ``source``.

    The one numbering pass of the report: renderers print "Table 3", "Figure 2" from ``number``
    and never count for themselves. Returns ``content`` (changed in place).
    """
    counters = {"table": 0, "figure": 0}
    blocks = [b for b in content.get("summary", []) if isinstance(b, dict)]
    for sec in content.get("sections", []):
        blocks.extend(sec.get("blocks", []))
    for b in blocks:
        kind = b.get("kind")
        if kind in counters:
            counters[kind] += 1
            b["number"] = counters[kind]
            if not b.get("source"):
                b["source"] = source
    return content
