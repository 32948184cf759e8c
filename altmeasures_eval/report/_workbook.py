"""The analysts' workbook (``tables.xlsx``): every table of the report, as the report prints it.

Laid out as government statistics publish spreadsheets (UK Government Analysis Function,
"Releasing statistics in spreadsheets", 2021): a cover sheet (title, source, dates, status,
contact, licence, disclosure control, contents), a notes sheet (each table's unit, note and
source, and a dictionary from each column header to its column in ``tables/<name>.csv``), then one
sheet per table in the order of the report. Each table sheet has its numbered title in A1, its
unit, source and note in the rows below, then the table itself, marked up as an Excel table with
a header row whose labels carry the units. Numbers are written as numbers rounded as the report
prints them (an analyst can compute with them, and they carry no more than the page); codes are
written with their display names; every text is in the report's language (the active language of
:mod:`altmeasures_eval._i18n`).

Nothing here decides what may be published: the tables come from
:func:`altmeasures_eval.report.published_tables` (disclosure control done) through
:func:`~altmeasures_eval.report._tables.publishable_frame` (printed precision, formula
neutralisation), and every text cell passes the formula neutralisation again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import math
from pathlib import Path
import re
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._i18n import LANGUAGES, _, current_language, fmt_date
from altmeasures_eval.privacy import neutralise_value
from altmeasures_eval.report._tables import PublishedTable, _decimals, p_format, publishable_frame

__all__ = ["FIRST_ROW", "read_workbook_table", "read_workbook_tables", "workbook_order", "write_workbook"]

#: Row of each table sheet that holds the column headers (title, unit, source and note above it).
FIRST_ROW = 5

_TITLE_ROWS = ("title", "unit", "source", "note")


def workbook_order(content: Mapping[str, Any] | None, tables: Mapping[str, PublishedTable]
                   ) -> list[tuple[str, dict[str, Any] | None]]:
    """The tables of the workbook in report order: ``(name, block)`` for every table block of the
    content (summary, then sections), then the published tables the report does not show
    (``block`` None)."""
    blocks: list[dict[str, Any]] = []
    if content is not None:
        blocks = [b for b in content.get("summary", []) if isinstance(b, dict)]
        for sec in content.get("sections", []):
            blocks.extend(sec.get("blocks", []))
    out: list[tuple[str, dict[str, Any] | None]] = []
    seen: set[str] = set()
    for b in blocks:
        if b.get("kind") == "table" and b.get("name") and b["name"] not in seen:
            out.append((b["name"], b))
            seen.add(b["name"])
    out += [(name, None) for name in tables if name not in seen]
    return out


def _sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", str(name))[:31] or "table"
    sheet, k = base, 2
    while sheet.lower() in taken:
        suffix = f"_{k}"
        sheet, k = base[:31 - len(suffix)] + suffix, k + 1
    taken.add(sheet.lower())
    return sheet


def _number_format(spec: Any, value: float) -> tuple[float | int | str, str]:
    """A value rounded as the report prints it, and the Excel number format that shows it so."""
    if spec is p_format:  # p-values: two decimals, "<0.01" below (as printed)
        return ("<0.01", "@") if value < 0.01 else (round(value, 2), "0.00")
    if isinstance(spec, str):
        m = re.match(r"^\{:(?P<sign>\+)?(?P<group>,)?\.(?P<dec>\d+)f\}(?P<pct>%?)$", spec)
        if m:
            dec = int(m["dec"])
            body = ("#,##0" if m["group"] or abs(value) >= 1000 else "0") + ("." + "0" * dec if dec else "")
            if m["pct"]:
                body += '"%"'
            fmt = f"+{body};-{body};{body}" if m["sign"] else body
            v = round(value, dec)
            return (int(v) if dec == 0 else v), fmt
        if spec == "{}":
            return (int(value) if float(value).is_integer() else value), "0"
        digits = _decimals(spec)
        if digits is not None:
            return round(value, digits), "#,##0" + ("." + "0" * digits if digits else "")
    if float(value).is_integer():
        return int(value), "#,##0"
    dec = 0 if value == 0 else max(0, min(3, 2 - int(math.floor(math.log10(abs(value))))))
    return round(value, dec), "#,##0" + ("." + "0" * dec if dec else "")


def _cell_value(t: PublishedTable, column: str, value: Any) -> tuple[Any, str | None]:
    """The value a workbook cell holds and its number format (None for text)."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return "-", None
    if isinstance(value, bool | np.bool_) or column in t.values or isinstance(value, str):
        return neutralise_value(t.cell(column, value)), None
    return _number_format(t.formats.get(column), float(value))


def write_workbook(path: str | Path, content: Mapping[str, Any] | None, tables: Mapping[str, PublishedTable],
                   disclosure_notes: Iterable[str] = (), *, marker: str = "[c]",
                   frames: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write the analysts' workbook.

    Parameters
    ----------
    path : path
        The ``.xlsx`` file to write.
    content : dict or None
        The report's content model (:func:`altmeasures_eval.report.build_content`): gives the
        order, numbers and titles of the tables and the cover's metadata. Without it the tables
        are written in the order of ``tables``, unnumbered.
    tables : mapping of str to PublishedTable
        The disclosure-controlled tables (:func:`altmeasures_eval.report.published_tables`). A
        table block of the content that is not among them (a table the report builds itself,
        such as the design checks) is written from the block's displayed cells.
    disclosure_notes : iterable of str
        The disclosure-control notes, for the cover.
    marker : str, default "[c]"
        The suppression marker of the tables (``[disclosure] marker``), explained on the cover.
    frames : mapping of str to DataFrame, optional
        The ``publishable_frame`` of each table (by name), when the caller has
        them already (the CSV files are written from the same frames); computed here otherwise.

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.table import Table, TableStyleInfo

    path = Path(path)
    meta = dict(content.get("meta", {})) if content is not None else {}
    order = workbook_order(content, tables)
    wb = Workbook()
    cover = wb.active
    taken: set[str] = set()
    cover.title = _sheet_name(_("Cover"), taken)
    notes_ws = wb.create_sheet(_sheet_name(_("Notes"), taken))
    sheets = [(name, block, _sheet_name(name, taken)) for name, block in order]
    bold, title_font = Font(bold=True), Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")

    def text(v: Any) -> Any:
        return neutralise_value(str(v)) if v not in (None, "") else ""

    def table_title(name: str, block: dict[str, Any] | None) -> str:
        t = tables.get(name)
        title = (block or {}).get("title") or (t.title if t is not None else name)
        number = (block or {}).get("number")
        return title if number is None else _("Table {number}. {title}").format(number=number, title=title)

    # --- cover ---------------------------------------------------------------------------------
    cover["A1"] = text(meta.get("title") or _("Evaluation tables"))
    cover["A1"].font = title_font
    source = next((b.get("source") for _n, b, _s in sheets if b and b.get("source")), "")
    facts = [
        (_("Country"), meta.get("country")),
        (_("Published by"), meta.get("organisation")),
        (_("Decisions"), meta.get("period")),
        (_("Data extract"), _date(meta.get("extract_date"))),
        (_("Publication date"), _date(meta.get("publication_date"))),
        (_("Statistical status"), meta.get("status")),
        (_("Contact"), meta.get("contact")),
        (_("Licence"), meta.get("licence")),
        (_("Version"), meta.get("version")),
        (_("Source"), source),
        (_("Language"), LANGUAGES.get(meta.get("language") or current_language(), "")),
    ]
    row = 3
    for label, value in facts:
        if value in (None, ""):
            continue
        cover.cell(row, 1, text(label)).font = bold
        cover.cell(row, 2, text(value)).alignment = wrap
        row += 1
    row += 1
    cover.cell(row, 1, text(_("Disclosure control"))).font = bold
    # long lines stay in column A and run over the empty cells beside it: no merged cells, which
    # screen readers and sorting handle badly (the Analysis Function's spreadsheet guidance)
    for note in disclosure_notes:
        row += 1
        cover.cell(row, 1, text(note))
    row += 2
    cover.cell(row, 1, text(_("About this workbook"))).font = bold
    for line in (_("One sheet per table of the report, in the order of the report; each sheet has the name of "
                   "its file in the tables folder (CSV)."),
                 _("Numbers are rounded as the report prints them. Units are given in the column headers."),
                 _("{marker}: suppressed to protect confidentiality (disclosure control). -: nothing to show "
                   "(not applicable, not estimable or not allowed by the decision rules).").format(marker=marker),
                 _("The notes sheet gives each table's unit, note and source, and the column of the CSV file "
                   "behind each column header.")):
        row += 1
        cover.cell(row, 1, text(line))
    row += 2
    cover.cell(row, 1, text(_("Contents"))).font = bold
    for name, block, sheet in sheets:
        row += 1
        c = cover.cell(row, 1, sheet)
        c.hyperlink = Hyperlink(ref=c.coordinate, location=f"'{sheet}'!A1", display=sheet)  # within the workbook
        c.style = "Hyperlink"
        cover.cell(row, 2, text(table_title(name, block))).alignment = wrap
    cover.column_dimensions["A"].width = 28
    cover.column_dimensions["B"].width = 90
    cover.column_dimensions["C"].width = 20

    # --- one sheet per table ------------------------------------------------------------------
    dictionary: list[tuple[str, str, str, str]] = []
    notes_rows: list[tuple[str, str, str, str, str]] = []
    for k, (name, block, sheet) in enumerate(sheets):
        ws = wb.create_sheet(sheet)
        t = tables.get(name)
        title = table_title(name, block)
        unit = (block or {}).get("unit") or (t.unit if t is not None else "")
        note = (block or {}).get("note") or (t.note if t is not None else "")
        src = (block or {}).get("source") or (t.source if t is not None else "") or source
        ws["A1"] = text(title)
        ws["A1"].font = Font(bold=True, size=12)
        ws["A2"] = text(_("Unit: {unit}").format(unit=unit) if unit else _("Unit: given in the column headers"))
        ws["A3"] = text(_("Source: {source}").format(source=src) if src else "")
        ws["A4"] = text(_("Note: {note}").format(note=note) if note else "")
        if t is not None:
            frame = frames[name] if frames is not None and name in frames else publishable_frame(t)
            columns = list(t.frame.columns)
            head = [t.header(c) for c in columns]
            data = [[_cell_value(t, c, v) for c, v in zip(columns, rec)]
                    for rec in zip(*(frame[c].to_numpy(dtype=object) for c in columns))]
            dictionary += [(sheet, h, c, t.units.get(c, "")) for h, c in zip(head, columns)]
        else:  # a table the report builds itself: its displayed cells, numbers as numbers
            head = [str(h) for h in block.get("head", [])]
            data = [[_displayed(v) for v in r] for r in block.get("rows", [])]
            dictionary += [(sheet, h, "", "") for h in head]
        head = _unique(head)
        for j, h in enumerate(head, start=1):
            c = ws.cell(FIRST_ROW, j, text(h))
            c.font = bold
            c.alignment = Alignment(wrap_text=True, vertical="bottom")
        for i, r in enumerate(data, start=FIRST_ROW + 1):
            for j, (v, fmt) in enumerate(r, start=1):
                c = ws.cell(i, j, v)
                if fmt is not None:
                    c.number_format = fmt
                elif isinstance(v, str):
                    c.alignment = Alignment(horizontal="right" if _looks_numeric(v) else "left", vertical="top")
        for j, h in enumerate(head, start=1):
            longest = max([len(str(r[j - 1][0])) for r in data] + [min(len(h), 30), 8])
            ws.column_dimensions[get_column_letter(j)].width = min(60, longest + 2)
        if head:
            ref = f"A{FIRST_ROW}:{get_column_letter(len(head))}{FIRST_ROW + max(len(data), 1)}"
            if not data:  # an Excel table needs a data row
                ws.cell(FIRST_ROW + 1, 1, "-")
            tab = Table(displayName=f"table_{k + 1}", ref=ref)
            tab.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
            ws.add_table(tab)
        ws.freeze_panes = ws.cell(FIRST_ROW + 1, 1)
        notes_rows.append((sheet, title, unit, note, src))

    # --- notes -----------------------------------------------------------------------------------
    notes_ws["A1"] = text(_("Notes to the tables"))
    notes_ws["A1"].font = title_font
    r0 = 3
    for j, h in enumerate((_("Sheet"), _("Table"), _("Unit"), _("Note"), _("Source")), start=1):
        notes_ws.cell(r0, j, text(h)).font = bold
    for i, rec in enumerate(notes_rows, start=r0 + 1):
        for j, v in enumerate(rec, start=1):
            notes_ws.cell(i, j, text(v)).alignment = wrap
    r1 = r0 + len(notes_rows) + 3
    notes_ws.cell(r1 - 1, 1, text(_("Columns of the tables"))).font = bold
    for j, h in enumerate((_("Sheet"), _("Column header"), _("Column in the CSV file"), _("Unit")), start=1):
        notes_ws.cell(r1, j, text(h)).font = bold
    for i, rec in enumerate(dictionary, start=r1 + 1):
        for j, v in enumerate(rec, start=1):
            notes_ws.cell(i, j, text(v))
    for col, width in zip("ABCDE", (24, 60, 30, 80, 40)):
        notes_ws.column_dimensions[col].width = width

    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def read_workbook_table(path: str | Path, sheet: str) -> pd.DataFrame:
    """One table of a workbook written by :func:`write_workbook`, with the column names of its CSV
    file where the notes sheet maps them (the header labels otherwise): for checks that read the
    workbook like the CSV files.

    Parameters
    ----------
    path : path
    sheet : str
        Sheet name (the table's name).

    Returns
    -------
    pandas.DataFrame
        Cells as written (numbers, display texts, the suppression marker).
    """
    return read_workbook_tables(path, [sheet])[sheet]


def read_workbook_tables(path: str | Path, sheets: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table sheet (or the ``sheets`` named) of a workbook written by :func:`write_workbook`,
    read once, as :func:`read_workbook_table` gives one."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        names: dict[tuple[str, str], str] = {}
        for r in wb.worksheets[1].iter_rows(values_only=True):  # the notes sheet's column dictionary
            if r and len(r) >= 3 and all(isinstance(x, str) for x in r[:3]) and r[2]:
                names[(r[0], r[1])] = r[2]
        out: dict[str, pd.DataFrame] = {}
        for sheet in (list(sheets) if sheets is not None else wb.sheetnames[2:]):
            rows = [list(r) for r in wb[sheet].iter_rows(min_row=FIRST_ROW, values_only=True)]
            if not rows:
                out[sheet] = pd.DataFrame()
                continue
            head = [str(h) for h in rows[0]]
            out[sheet] = pd.DataFrame(rows[1:], columns=[names.get((sheet, h), h) for h in head])
        return out
    finally:
        wb.close()


def _displayed(value: Any) -> tuple[Any, str | None]:
    """A cell printed by the report (in the active language) as the workbook holds it: a number
    as printed ("1,234.5", "−0.12", "+3") becomes that number with as many decimals; anything
    else ("<0.01", "0.088 (max 0.1)", the marker) stays text."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    text = str(value).strip()
    code = current_language()
    dec, group = get_decimal_symbol(code), get_group_symbol(code)
    groups = "".join(re.escape(g) for g in {group, ",", "\u202f", "\u00a0", " "} if g != dec)
    m = re.fullmatch(rf"([+\-\u2212]?)(\d{{1,3}}(?:[{groups}]\d{{3}})*|\d+)(?:{re.escape(dec)}(\d+))?", text)
    if not m:
        return neutralise_value(text), None
    digits = re.sub(rf"[{groups}]", "", m[2])
    decimals = len(m[3] or "")
    number = float(f"{digits}.{m[3]}") if decimals else int(digits)
    number = -number if m[1] in ("-", "\u2212") else number
    # printed without grouping although it has four digits: a year or a code, kept as printed
    body = "0" if len(digits) >= 4 and digits == m[2] else "#,##0"
    body += "." + "0" * decimals if decimals else ""
    return number, (f"+{body};-{body};{body}" if m[1] == "+" else body)


def _date(value: Any) -> str:
    if not value:
        return ""
    try:
        return fmt_date(value)
    except (ValueError, TypeError):
        return str(value)


def _unique(head: list[str]) -> list[str]:
    """Excel tables need distinct header labels."""
    out: list[str] = []
    for h in head:
        label, k = h or "-", 2
        while label in out:
            label, k = f"{h} ({k})", k + 1
        out.append(label)
    return out


def _looks_numeric(v: str) -> bool:
    return bool(re.fullmatch(r"[<>+\-\u2212]?\s?[\d.,\u202f\u00a0 ]+%?", v.strip()))
