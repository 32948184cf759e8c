"""A small hand-made content model and two figures, for tests of the renderers (HTML, PDF, Word)
that need no evaluation: every block kind, numbered tables and figures, boxes, a long table."""

from __future__ import annotations

import io
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

ALTS = {"fig_rates": "Bar chart: 34 of every 100 people given an alternative reoffended within a year, "
                     "against 40 of every 100 people sent to custody.",
        "fig_trend": "Line chart of the prison population, 1,000 people in 2020 falling to 900 in 2024."}


@lru_cache(maxsize=1)
def figures() -> dict[str, Any]:
    """Two small rendered figures (PNG and SVG), as report.Figure carries them."""
    import matplotlib
    from matplotlib.figure import Figure

    out = {}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "test"}):
        for name, draw in (("fig_rates", lambda ax: ax.bar(["Alternative", "Custody"], [34, 40])),
                           ("fig_trend", lambda ax: ax.plot([2020, 2022, 2024], [1000, 950, 900]))):
            fig = Figure(figsize=(3, 2))
            draw(fig.subplots())
            png, svg = io.BytesIO(), io.StringIO()
            fig.savefig(png, format="png", dpi=60)
            fig.savefig(svg, format="svg", metadata={"Date": None})
            out[name] = SimpleNamespace(name=name, caption="", png=png.getvalue(), svg=svg.getvalue())
    return out


def _table(name: str, number: int, title: str, n_rows: int, head: tuple[str, ...]) -> dict[str, Any]:
    rows = [[f"{head[0]} row {i + 1}", *[f"{(i + 1) * (j + 3):,}" for j in range(len(head) - 1)]]
            for i in range(n_rows)]
    return {"kind": "table", "name": name, "number": number, "title": title, "head": list(head), "rows": rows,
            "align": ["left", *["right"] * (len(head) - 1)], "unit": "people", "source": "Ministry of Justice",
            "note": "Counts rounded to the nearest 5."}


def content(lang: str = "en", *, filler: int = 0) -> dict[str, Any]:
    """The content model of a short report in ``lang`` (the user's and content words stay English:
    only the renderers' fixed labels are translated). ``filler``: paragraphs and short tables added
    to a section, so that table titles fall at every height of a page."""
    headline = ("For every 100 people given an alternative measure, 34.2 reoffended within a year, compared "
                "with 40.1 of every 100 similar people sent to custody.")
    extra: list[dict[str, Any]] = []
    for k in range(filler):
        extra.append({"kind": "p", "text": "Filler paragraph. " * (1 + (k * 7) % 23)})
        extra.append(_table(f"filler_{k}", 3 + k, f"Filler table {k + 1}", 6, (f"Stub{k + 1}", "Count", "Share")))
    return {
        "meta": {"title": "Alternatives to custody: test report", "country": "Testland",
                 "organisation": "Ministry of Justice", "period": "2017 to 2022", "extract_date": "31 December 2025",
                 "publication_date": "6 December 2026", "contact": "stats@example.org", "licence": "CC BY 4.0",
                 "status": "Official statistics in development", "status_note": "Read with care.",
                 "version": "1.0", "toolkit_version": "0.1.0", "language": lang},
        "headline": {"reoffending": headline},
        "summary": [
            {"kind": "p", "text": "This report compares 4,270 people given an alternative with 1,166 sent to custody."},
            {"kind": "box", "style": "verdict", "title": "Is the comparison reliable?",
             "items": ["Yes: every design check passed."]},
            {"kind": "p", "text": headline},
            {"kind": "box", "style": "can", "title": "What you can say",
             "items": ["Alternatives reduced proven reoffending within a year."]},
            {"kind": "box", "style": "cannot", "title": "What you cannot say",
             "items": ["That the results apply to everyone."]},
        ],
        "sections": [
            {"id": "methods", "title": "Data and methods", "blocks": [
                {"kind": "p", "text": "The cohort is every adult with a first proven minor drug offence."},
                {"kind": "list", "items": ["First note.", "Second note."]},
                _table("rates", 1, "Proven reoffending within a year", 3, ("Group", "People", "Reoffended")),
                {"kind": "figure", "name": "fig_rates", "number": 1, "title": "Reoffending within a year",
                 "caption": "Rates per 100 people, adjusted.", "alt": ALTS["fig_rates"],
                 "source": "Ministry of Justice"},
            ]},
            {"id": "cohort", "title": "The evaluation cohort", "blocks": [
                {"kind": "flow", "steps": [{"label": "people in the data", "removed": "-", "remaining": "20,000"},
                                           {"label": "aged under 18", "removed": "660", "remaining": "19,340"},
                                           {"label": "nobody", "removed": "0", "remaining": "19,340"}],
                 "final": "4,270 alternative, 1,166 custody"},
                _table("long", 2, "A long table that runs over a page", 70, ("Stratum", "Alternative", "Custody")),
                {"kind": "box", "style": "warning", "title": "Placeholder unit costs",
                 "items": ["Replace the unit costs before publishing."]},
                *extra,
                {"kind": "figure", "name": "fig_trend", "number": 2, "title": "Prison population",
                 "caption": "Prison population", "alt": ALTS["fig_trend"], "source": ""},
            ]},
            {"id": "appendix", "title": "How this report was produced", "blocks": [
                {"kind": "code", "text": "[report]\nlanguage = \"en\""}]},
        ],
        "disclosure": ["Counts below 10 are not shown."],
    }
