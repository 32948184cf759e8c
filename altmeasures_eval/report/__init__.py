"""Rendering of results as text, HTML and JSON (the top layer: nothing below imports it)."""

from altmeasures_eval.report._quality import render_quality_html, write_quality_report

__all__ = ["render_quality_html", "write_quality_report"]
