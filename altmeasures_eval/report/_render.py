"""Write an evaluation's published outputs: HTML, PDF (Typst), results.json, CSV/XLSX tables, figures.

Every table passes through disclosure control before anything is written (see ``_tables``); the
content model (``_content``) feeds both the HTML and the Typst template.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.report._content import build_content
from altmeasures_eval.report._figures import render_figures
from altmeasures_eval.report._results import build_results, validate_results
from altmeasures_eval.report._tables import publishable_frame, published_tables

__all__ = ["file_hashes", "render_html", "render_pdf", "write_report"]


def _typst_string(value: Any) -> str:
    """A Typst string literal (code mode): only backslash, quote and newline need escaping."""
    s = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{s}"'


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("altmeasures_eval.report", "templates"),
                             autoescape=autoescape, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["ts"] = _typst_string
    return env


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def render_html(content: dict[str, Any], figures: dict[str, Any], *, template: str = "report") -> str:
    """The report as one self-contained HTML page (inline CSS, figures as inline SVG).

    ``template`` names the pair ``templates/<template>.html.j2`` / ``.typ.j2`` (``"unodc_summary"``
    for the UNODC multi-country summary).
    """
    svgs = {name: _SVG_PROLOGUE.sub("", f.svg, count=1) for name, f in figures.items()}
    return _env(True).get_template(f"{template}.html.j2").render(svgs=svgs, **content)


def render_pdf(content: dict[str, Any], figures: dict[str, Any], path: Path, *, template: str = "report") -> Path:
    """Render the report to PDF with Typst (PyPI package ``typst``; offline, fonts embedded).

    ``template`` as in :func:`render_html`.

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
    src = _env(False).get_template(f"{template}.typ.j2").render(**content)
    with tempfile.TemporaryDirectory(prefix="altmeasures-typst-") as tmp:
        root = Path(tmp)
        (root / "figures").mkdir()
        for name, f in figures.items():
            (root / "figures" / f"{name}.png").write_bytes(f.png)
        (root / "report.typ").write_text(src, encoding="utf-8")
        try:
            typst.compile(str(root / "report.typ"), output=str(path), root=str(root))
        except Exception as exc:  # typst raises its own error type with the compiler message
            raise AltMeasuresError(f"Typst could not compile the report: {exc}") from exc
    return path


def file_hashes(source: str | Path, *, files: Any = None, base: str | Path | None = None) -> dict[str, str]:
    """SHA-256 of the input files of a run, keyed by a printable path.

    Parameters
    ----------
    source : path or URL
        The data source (a folder, one file, or a SQL URL, which has no files).
    files : iterable of path, optional
        Exactly the files the run read (the tables' files, the mapping, files the mapping refers
        to, wherever they are). Without it, the files of ``source`` (every file of a folder).
    base : path, optional
        Folder the keys are relative to (the config's folder); keys are never absolute paths and
        URLs are shown with their credentials redacted (:func:`altmeasures_eval.privacy.display_path`).

    Returns
    -------
    dict of str to str
        Printable path -> hex digest; a SQL URL alone gives an empty dict (the table content hashes
        still identify the input).
    """
    from altmeasures_eval.privacy import display_path

    if files is None:
        p = Path(str(source))
        if "://" in str(source) or not p.exists():
            return {}
        files = sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p]
        base = base if base is not None else (p if p.is_dir() else p.parent)
    out = {}
    for f in dict.fromkeys(Path(str(x)) for x in files if x is not None and "://" not in str(x)):
        if not f.is_file():
            continue
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        out[display_path(f.resolve(), Path(str(base)).resolve() if base is not None else None)] = h.hexdigest()
    return out


def _xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    # mixed columns (numbers with the suppression marker) are written cell by cell as they are
    return frame.reset_index(drop=True)


def write_report(ev: Any, out: str | Path, *, input_files: dict[str, str] | None = None,
                 pdf: bool | None = None) -> dict[str, Path]:
    """Write every published output of an evaluation into ``out``.

    Parameters
    ----------
    ev : Evaluation
    out : path
        Output folder (created).
    input_files : dict of str to str, optional
        SHA-256 of each input file, for the reproducibility appendix (:func:`file_hashes`).
    pdf : bool, optional
        Render report.pdf; default ``ev.spec.report.pdf``.

    Returns
    -------
    dict of str to Path
        ``html``, ``pdf``, ``results``, ``workbook``, and one entry per table and figure file.
    """
    out = Path(out)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    tables, dnotes = published_tables(ev)
    figures = render_figures(ev)
    content = build_content(ev, tables, figures, dnotes, input_files)
    written: dict[str, Path] = {}

    results = build_results(ev, tables, dnotes)
    validate_results(results)
    written["results"] = out / "results.json"
    written["results"].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    for name, t in tables.items():
        p = out / "tables" / f"{name}.csv"
        publishable_frame(t).to_csv(p, index=False)
        written[f"table:{name}"] = p
    written["workbook"] = out / "tables.xlsx"
    with pd.ExcelWriter(written["workbook"], engine="openpyxl") as xw:
        for name, t in tables.items():
            _xlsx_frame(publishable_frame(t)).to_excel(xw, sheet_name=name[:31], index=False)
    for name, f in figures.items():
        (out / "figures" / f"{name}.png").write_bytes(f.png)
        (out / "figures" / f"{name}.svg").write_text(f.svg, encoding="utf-8")
        written[f"figure:{name}"] = out / "figures" / f"{name}.png"

    written["html"] = out / "report.html"
    written["html"].write_text(render_html(content, figures), encoding="utf-8")
    if ev.spec.report.pdf if pdf is None else pdf:
        written["pdf"] = render_pdf(content, figures, out / "report.pdf")
    return written
