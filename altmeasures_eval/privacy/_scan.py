"""Scan written outputs for person or case identifiers (issue #7: "no output ever contains a
person or case identifier").

Every file is turned into text (plain text, CSV, JSON, HTML and SVG as they are; XLSX cell by
cell; Parquet column by column; PDF through ``pypdf`` or ``pdftotext`` when available; anything
else as its raw bytes), split into tokens with one regular expression, and the set of tokens is
intersected with the set of identifiers. The cost is one pass over each file plus a hash lookup
per distinct token, whatever the number of identifiers.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["Hit", "scan_outputs_for_identifiers"]

_TEXT_SUFFIXES: Final = frozenset(
    {".txt", ".csv", ".tsv", ".json", ".html", ".htm", ".svg", ".md", ".toml", ".xml", ".log",
     ".yaml", ".yml", ".tex", ".js", ".css"}
)
# Tokens are runs of word characters; the joining punctuation that ids may contain
# ("2019/000123", "C-12", "P.1") is considered only when some identifier contains it, so that
# ordinary numbers ("0.1234") cost nothing extra.
_PART: Final = re.compile(r"\w+")
_JOINERS: Final = "-/.:"
_MAX_PARTS: Final = 8


@dataclass(frozen=True)
class Hit:
    """An identifier found in a file.

    Attributes
    ----------
    path : pathlib.Path
    identifier : str
        The identifier found (kept in memory only: never write hits into an output).
    line : int or None
        1-based line of the first occurrence in the file's text, when the file is text.
    """

    path: Path
    identifier: str
    line: int | None = None


def _files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            out.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder to scan")
    return out


def _docx_text(path: Path) -> str:
    """Text of a Word document (report.docx): paragraphs and table cells of the body, headers,
    footers and core properties, and the alternative text and titles of figures and tables."""
    import html as _html

    parts = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml") or not name.startswith(("word/", "docProps/")):
                continue
            xml = z.read(name).decode("utf-8", errors="replace")
            # alt text and titles of pictures (docPr), accessible titles of tables; not the
            # style names, colours and revision ids that other w:val attributes hold
            parts.extend(re.findall(r'\b(?:descr|title)="([^"]*)"', xml))
            parts.extend(re.findall(r'<w:tbl(?:Caption|Description) w:val="([^"]*)"', xml))
            parts.append(re.sub(r"<[^>]+>", "", re.sub(r"</w:p>|</w:tc>|<w:tab/>|<w:br/>", "\n", xml)))
    return _html.unescape("\n".join(parts))


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        parts = []
        for sheet in book.worksheets:
            parts.append(str(sheet.title))
            for row in sheet.iter_rows(values_only=True):
                parts.append("\t".join("" if v is None else str(v) for v in row))
        return "\n".join(parts)
    finally:
        book.close()


def _parquet_text(path: Path) -> str:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    parts = [" ".join(table.column_names)]
    for column in table.columns:
        parts.append("\n".join(str(v) for v in column.to_pylist()))
    return "\n".join(parts)


# pypdf's text of the PDFs read last, by SHA-256 of the file's bytes: the same report is often
# scanned several times in one process (a command's outputs, then the tests reading them), and
# pypdf parses every content stream in pure Python (about 30 ms a page). The key is the content,
# so a file rewritten in place is read again; a few entries keep the memory small.
_PDF_PAGES: OrderedDict[str, tuple[str, ...]] = OrderedDict()
_PDF_MEMO_SIZE: Final = 8


def _pdf_pages(path: Path, data: bytes | None = None) -> tuple[str, ...] | None:
    """The text of each page of a PDF as pypdf extracts it (``None`` without pypdf).

    ``data`` is the file's content when the caller has read it already."""
    try:
        from pypdf import PdfReader  # optional
    except ImportError:
        return None
    if data is None:
        data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    pages = _PDF_PAGES.get(key)
    if pages is None:
        pages = tuple(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
        _PDF_PAGES[key] = pages
        while len(_PDF_PAGES) > _PDF_MEMO_SIZE:
            _PDF_PAGES.popitem(last=False)
    else:
        _PDF_PAGES.move_to_end(key)
    return pages


def _pdf_text(path: Path, data: bytes | None = None) -> str | None:
    pages = _pdf_pages(path, data)
    if pages is not None:
        return "\n".join(pages)
    tool = shutil.which("pdftotext")
    if tool is not None:
        done = subprocess.run(
            [tool, "-layout", str(path), "-"], capture_output=True, check=False, timeout=120
        )
        if done.returncode == 0:
            return done.stdout.decode("utf-8", errors="replace")
    return None


def _text_of(path: Path) -> tuple[str, bool]:
    """The file's text, and whether line numbers are meaningful."""
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="replace"), True
    if suffix in (".xlsx", ".xlsm") and zipfile.is_zipfile(path):
        return _xlsx_text(path), False
    if suffix == ".docx" and zipfile.is_zipfile(path):
        return _docx_text(path), False
    if suffix == ".parquet":
        return _parquet_text(path), False
    data = path.read_bytes()
    raw = data.decode("latin-1")
    if suffix == ".pdf":
        text = _pdf_text(path, data)
        if text is None:
            warnings.warn(
                f"{path}: no PDF text extractor (pypdf or pdftotext) is available; only the raw "
                "bytes were scanned, which misses text in compressed streams.",
                stacklevel=3,
            )
            return raw, False
        return text + "\n" + raw, False
    return raw, False  # images and other binaries: metadata and any uncompressed text


def _tokens(text: str, separators: str) -> set[str]:
    """Whole tokens of ``text``: runs of word characters, and, when identifiers contain some of
    the joining characters ``- / . :`` (``separators``), every contiguous stretch of parts joined
    by them ("C-12/P1" gives C, 12, P1, C-12, 12/P1 and C-12/P1)."""
    tokens = set(_PART.findall(text))
    if not separators:
        return tokens
    escaped = re.escape(separators)
    for run in set(re.findall(rf"\w+(?:[{escaped}]+\w+)+", text)):
        pieces = re.split(rf"([{escaped}])", run)
        parts = pieces[0::2]
        if len(parts) > _MAX_PARTS:  # long paths and URLs: the parts and the whole run only
            tokens.add(run)
            continue
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):
                tokens.add("".join(pieces[2 * i : 2 * j + 1]))
    tokens.discard("")
    return tokens


def _first_line(text: str, identifier: str) -> int | None:
    match = re.search(rf"(?<![\w]){re.escape(identifier)}(?![\w])", text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1


def scan_outputs_for_identifiers(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    identifiers: Iterable[object],
) -> list[Hit]:
    """Find which identifiers occur in which output files.

    Parameters
    ----------
    paths : path-like or iterable of path-like
        Files and folders (searched recursively) written by a command.
    identifiers : iterable
        Person, case, spell or episode ids (converted with ``str``; empty values ignored).

    Returns
    -------
    list of Hit
        One per (file, identifier) found, in file order; empty when the outputs are clean.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "table.csv").write_text("group,n\\nP0000123,12\\n")
    >>> [(h.path.name, h.identifier, h.line) for h in
    ...  scan_outputs_for_identifiers(folder, ["P0000123", "P0000124"])]
    [('table.csv', 'P0000123', 2)]

    Notes
    -----
    An identifier is found when it appears as a whole token: delimited by characters other than
    letters, digits and underscore (for ids containing ``-``, ``/``, ``.`` or ``:``, also as a
    whole run of those). ``"P12"`` is therefore found in ``"P12,"`` and ``"id: P12"`` but not in
    ``"P123"``. Short numeric ids (``"7"``) will match ordinary numbers; scan for ids that
    cannot be confused with data. PDF text needs ``pypdf`` or ``pdftotext``; without them the
    raw bytes are scanned and a warning is issued.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    wanted = {str(i) for i in identifiers if i is not None and str(i) not in ("", "nan", "None")}
    hits: list[Hit] = []
    if not wanted:
        return hits
    separators = "".join(ch for ch in _JOINERS if any(ch in i for i in wanted))
    for path in _files(paths):
        text, has_lines = _text_of(path)
        found = _tokens(text, separators) & wanted
        for identifier in sorted(found):
            line = _first_line(text, identifier) if has_lines else None
            hits.append(Hit(path=path, identifier=identifier, line=line))
    return hits
