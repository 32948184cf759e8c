"""Write an evaluation's published outputs into one folder: results.json, CSV and XLSX tables, PNG
and SVG figures, report.html and report.pdf (``_render``) and report.docx (``_docx``), all from one
content model (``_content``), in the report's language; and the SHA-256 of the input files for the
reproducibility appendix.

Every table passes through disclosure control before anything is written (``_tables``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from altmeasures_eval._i18n import language
from altmeasures_eval.report._content import build_content
from altmeasures_eval.report._docx import render_docx
from altmeasures_eval.report._figures import render_figures
from altmeasures_eval.report._render import render_html, render_pdf
from altmeasures_eval.report._results import build_results, validate_results
from altmeasures_eval.report._tables import publishable_frame, published_tables
from altmeasures_eval.report._workbook import write_workbook

__all__ = ["file_hashes", "write_report"]


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


def write_report(ev: Any, out: str | Path, *, input_files: dict[str, str] | None = None,
                 pdf: bool | None = None, docx: bool = True) -> dict[str, Path]:
    """Write every published output of an evaluation into ``out``, in the report's language.

    Parameters
    ----------
    ev : Evaluation
    out : path
        Output folder (created).
    input_files : dict of str to str, optional
        SHA-256 of each input file, for the reproducibility appendix (:func:`file_hashes`).
    pdf : bool, optional
        Render report.pdf; default ``ev.spec.report.pdf``.
    docx : bool, default True
        Write report.docx, the editable Word version of the same content.

    Returns
    -------
    dict of str to Path
        ``html``, ``pdf``, ``docx``, ``results``, ``workbook``, and one entry per table and
        figure file.
    """
    with language(getattr(ev.spec.report, "language", "en") or "en"):
        return _write_report(ev, Path(out), input_files=input_files, pdf=pdf, docx=docx)


def _write_report(ev: Any, out: Path, *, input_files: dict[str, str] | None, pdf: bool | None,
                  docx: bool) -> dict[str, Path]:
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

    frames = {name: publishable_frame(t) for name, t in tables.items()}  # the CSV files and the workbook
    for name, frame in frames.items():
        p = out / "tables" / f"{name}.csv"
        frame.to_csv(p, index=False)
        written[f"table:{name}"] = p
    written["workbook"] = write_workbook(out / "tables.xlsx", content, tables, dnotes,
                                         marker=ev.spec.disclosure.marker, frames=frames)
    for name, f in figures.items():
        (out / "figures" / f"{name}.png").write_bytes(f.png)
        (out / "figures" / f"{name}.svg").write_text(f.svg, encoding="utf-8")
        written[f"figure:{name}"] = out / "figures" / f"{name}.png"

    written["html"] = out / "report.html"
    written["html"].write_text(render_html(content, figures), encoding="utf-8")
    if ev.spec.report.pdf if pdf is None else pdf:
        written["pdf"] = render_pdf(content, figures, out / "report.pdf")
    if docx:
        written["docx"] = render_docx(content, figures, out / "report.docx")
    return written
