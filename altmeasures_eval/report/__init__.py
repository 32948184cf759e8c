"""Rendering of results as text, HTML, PDF and JSON (the top layer: nothing below imports it).

The data-quality page (:func:`write_quality_report`) and the evaluation report
(:func:`write_report`: report.html, report.pdf, report.docx, results.json, CSV/XLSX tables, PNG/SVG figures),
every published table under disclosure control; the UNODC country indicator file and the
multi-country summary.
"""

from altmeasures_eval.report._content import build_content
from altmeasures_eval.report._docx import render_docx
from altmeasures_eval.report._figures import Figure, render_figures
from altmeasures_eval.report._gate_table import gate_table
from altmeasures_eval.report._policy import (
    POLICY_RESULTS_VERSION,
    policy_content,
    policy_figures,
    policy_results,
    write_policy_report,
)
from altmeasures_eval.report._quality import render_quality_html, write_quality_report
from altmeasures_eval.report._render import render_html, render_pdf
from altmeasures_eval.report._results import (
    RESULTS_SCHEMA_VERSION,
    build_results,
    load_results_schema,
    validate_results,
)
from altmeasures_eval.report._summary import headline_sentence
from altmeasures_eval.report._tables import (
    PublishedTable,
    publish_attrition,
    publish_counts,
    publish_notes,
    published_tables,
)
from altmeasures_eval.report._unodc import (
    UNODC_INDICATORS,
    UNODC_SCHEMA_VERSION,
    read_unodc_file,
    unodc_indicators,
    validate_unodc,
    write_unodc_files,
)
from altmeasures_eval.report._write import file_hashes, write_report
from altmeasures_eval.report._unodc_summary import (
    UnodcPooling,
    UnodcSummary,
    pool_unodc,
    summary_table,
    unodc_summary,
    write_unodc_summary,
)

__all__ = [
    "POLICY_RESULTS_VERSION",
    "RESULTS_SCHEMA_VERSION",
    "UNODC_INDICATORS",
    "UNODC_SCHEMA_VERSION",
    "UnodcPooling",
    "UnodcSummary",
    "Figure",
    "PublishedTable",
    "build_content",
    "build_results",
    "file_hashes",
    "gate_table",
    "headline_sentence",
    "load_results_schema",
    "policy_content",
    "policy_figures",
    "policy_results",
    "publish_attrition",
    "publish_counts",
    "publish_notes",
    "published_tables",
    "render_docx",
    "render_figures",
    "render_html",
    "render_pdf",
    "read_unodc_file",
    "render_quality_html",
    "summary_table",
    "pool_unodc",
    "unodc_indicators",
    "unodc_summary",
    "validate_results",
    "validate_unodc",
    "write_policy_report",
    "write_quality_report",
    "write_report",
    "write_unodc_files",
    "write_unodc_summary",
]
