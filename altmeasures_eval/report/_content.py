"""The content model of the evaluation report: one structure feeds the HTML, PDF and Word renderers.

:func:`build_content` returns ``meta`` (title, country, organisation, period, extract date,
publication date, contact, licence, statistical status, version of the publication,
``toolkit_version``, language), ``summary`` (a list of blocks), ``headline`` (key sentences) and
``sections`` (each ``{"id", "title", "blocks"}``). Blocks:

- ``{"kind": "p", "text"}``, ``{"kind": "list", "items"}``, ``{"kind": "code", "text"}``;
- ``{"kind": "box", "style", "title", "items"}``: ``style`` is ``can`` (What you can say),
  ``cannot`` (What you cannot say), ``verdict`` (the design checks' verdict) or ``warning``;
- ``{"kind": "table", "name", "number", "title", "head", "rows", "align", "unit", "source", "note"}``;
- ``{"kind": "figure", "name", "number", "title", "caption", "alt", "source"}`` (``alt``: what the
  figure shows, with its key numbers);
- ``{"kind": "flow", "steps", "final"}`` (the attrition diagram; each step's ``label`` says why
  people were removed).

Tables and figures are numbered in reading order by one pass at the end (:func:`number_blocks`).
Every number comes from the disclosure-controlled tables or from estimates (never from a raw count
below the threshold); every sentence is marked for translation and written in the active language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from altmeasures_eval._i18n import _, fmt_date
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._blocks import figure_blocks, number_blocks, paragraph, table_block
from altmeasures_eval.report._gate_table import gate_table, stages_table
from altmeasures_eval.report._missing import MISSING_TABLES, missing_paragraph
from altmeasures_eval.report._tables import PublishedTable
from altmeasures_eval.report._words import country_words, source_line

__all__ = ["build_content", "report_meta"]


def _consistency_blocks(ev: Any) -> list[dict[str, Any]]:
    """Warnings on the consistency between tables (linkage gaps, tables that stop early), with the fix;
    counts pass the disclosure policy. Added by B2 (#12 part 8)."""
    cons = getattr(ev.quality, "consistency", None)
    if cons is None or cons.warnings.empty:
        return []
    # worded by the consistency check itself, in the report's language, counts through the policy
    return [paragraph(_("The tables do not fully agree with each other:")),
            {"kind": "list", "items": cons.report_lines(DisclosurePolicy.from_settings(ev.spec.disclosure))}]


def build_content(ev: Any, tables: dict[str, PublishedTable], figures: dict[str, Any],
                  disclosure_notes: tuple[str, ...], input_files: dict[str, str] | None = None) -> dict[str, Any]:
    """Assemble the report content in the report's language (``[report] language``).

    Parameters
    ----------
    ev : Evaluation
    tables : dict of str to PublishedTable
        From :func:`published_tables` (already disclosure-controlled).
    figures : dict of str to Figure
    disclosure_notes : tuple of str
    input_files : dict of str to str, optional
        SHA-256 of each input file (name relative to the config -> hex digest).

    Returns
    -------
    dict
        ``meta``, ``summary`` (blocks), ``headline`` (key sentences), ``sections``, ``disclosure``;
        see the module docstring.
    """
    from altmeasures_eval._i18n import current_language, language

    if current_language() != ev.spec.report.language and current_language() == "en":
        with language(ev.spec.report.language):
            return build_content(ev, tables, figures, disclosure_notes, input_files)
    return _build(ev, tables, figures, disclosure_notes, input_files)


def report_meta(ev: Any) -> dict[str, Any]:
    """The title-page facts: ``title``, ``country``, ``organisation``, ``period``, ``extract_date``,
    ``publication_date``, ``contact``, ``licence``, ``status`` (in words), ``status_note``,
    ``version`` (of the publication), ``toolkit_version``, ``language``, and the estimand."""
    import datetime

    from altmeasures_eval import __version__ as toolkit_version
    from altmeasures_eval._i18n import current_language
    from altmeasures_eval.report._sections import status_words
    from altmeasures_eval.report._words import period_words
    from altmeasures_eval.report._summary import whom

    rs = ev.spec.report
    status, status_note = status_words(rs.status)
    pub = rs.publication_date or datetime.date.today().isoformat()
    return {"title": rs.title, "country": country_words(ev), "organisation": rs.organisation,
            "period": period_words(ev), "extract_date": fmt_date(ev.extract_date), "publication_date": fmt_date(pub),
            "publication_date_iso": pub, "contact": rs.contact, "licence": rs.licence, "status": status,
            "status_note": status_note, "version": rs.version, "toolkit_version": toolkit_version,
            "language": current_language(), "estimand": ev.design.estimand, "estimand_label": whom(ev),
            "design_passed": ev.design.gate.passed}


def _build(ev: Any, tables: dict[str, PublishedTable], figures: dict[str, Any],
           disclosure_notes: tuple[str, ...], input_files: dict[str, str] | None) -> dict[str, Any]:
    from altmeasures_eval._i18n import _, ngettext
    from altmeasures_eval.report import _sections as s
    from altmeasures_eval.report._results import technical_notes
    from altmeasures_eval.report._summary import summary_blocks

    spec = ev.spec
    meta = report_meta(ev)
    policy = DisclosurePolicy.from_settings(spec.disclosure)
    summary, headline = summary_blocks(ev, policy)
    sections: list[dict[str, Any]] = []
    sections.append({"id": "methods", "title": _("Data and methods"), "blocks": [
        *s.methods_blocks(ev),
        *_missing_blocks(ev, tables),  # report/_missing.py (M, #17)
    ]})
    n_prob = len(getattr(ev.quality, "problems", [])) if ev.quality is not None else 0
    # the count of problems is said once: here when there are some, else in the note of the table below
    quality = _("The data were extracted on {date}.").format(date=meta["extract_date"]) + (
        " " + ngettext("The data-quality check found {n} problem, listed below with its fix.",
                       "The data-quality check found {n} problems, listed below with their fixes.", n_prob).format(
            n=s.people(policy, n_prob)) if n_prob else "")
    sections.append({"id": "quality", "title": _("Data quality"), "blocks": [
        paragraph(quality), table_block(tables["data_quality"]),
        *([table_block(tables["data_problems"])] if "data_problems" in tables else []),
        *_consistency_blocks(ev)]})
    st = stages_table(ev)
    sections.append({"id": "cohort", "title": _("The evaluation cohort"), "blocks": [
        s.flow_block(ev, tables),
        *([paragraph(_("An alternative measure is compared with custody decided at the same point of the process. At the "
                "stages below only one of the two occurs, so they are described here and left out of the "
                "comparison.")), table_block(st)] if st is not None else []),
        *([table_block(tables["cohort_description"])] if "cohort_description" in tables else []),
        *figure_blocks(figures, "love_plot"), *figure_blocks(figures, "propensity_overlap"),
    ]})
    sections.append({"id": "design", "title": _("Is the comparison reliable?"),
                     "blocks": s.design_blocks(ev, gate_table(ev), table_block)})
    sections.append({"id": "rules", "title": _("Decision rules"), "blocks": s.rules_blocks(ev, tables, table_block)})
    if ev.recidivism:
        sections.append({"id": "reoffending", "title": _("Reoffending"),
                         "blocks": s.reoffending_blocks(ev, tables, figures, table_block, figure_blocks)})
    if "health" in tables:
        sections.append({"id": "health", "title": _("Health and treatment outcomes"),
                         "blocks": s.health_blocks(ev, tables, table_block)})
    if "subgroups" in tables:
        sections.append({"id": "subgroups", "title": _("Subgroups"),
                         "blocks": s.subgroup_blocks(ev, tables, table_block)})
    if ev.prison is not None:
        sections.append({"id": "prison", "title": _("Prison population"), "blocks": [
            table_block(tables["bed_days"]), *figure_blocks(figures, "bed_days"), table_block(tables["steady_state"]),
            *figure_blocks(figures, "population_projection"), table_block(tables["population_projection"])]})
    if ev.costs is not None:
        from altmeasures_eval.report._costs import costs_section  # P3's section (#15)

        sections.append(costs_section(ev, tables, figures))
    if "evalues" in tables:
        sections.append({"id": "sensitivity", "title": _("Sensitivity to unmeasured confounding"),
                         "blocks": s.sensitivity_blocks(tables, table_block)})
    sections.append({"id": "limitations", "title": _("Limitations"), "blocks": [
        {"kind": "list", "items": s.limitation_items(ev, policy)}]})
    sections.append({"id": "appendix", "title": _("Appendix: how this report was produced"),
                     "blocks": s.appendix_blocks(ev, meta, disclosure_notes, input_files,
                                                 _config_text(_shown_paths(spec.config)),
                                                 technical_notes(ev, tables))})
    content = {"meta": meta, "summary": summary, "headline": headline, "sections": sections,
               "disclosure": list(disclosure_notes)}
    return number_blocks(content, source_line(ev))


def _toml_value(v: Any) -> str:
    import datetime
    import json

    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _shown_paths(cfg: dict[str, Any]) -> dict[str, Any]:
    """The config with ``[data] path`` and ``mapping`` as they may be printed (resolved to absolute
    paths when the config was read; shown by name, never absolute: :func:`altmeasures_eval.privacy.display_path`)."""
    from altmeasures_eval.privacy import display_path

    data = cfg.get("data")
    if not isinstance(data, dict):
        return cfg
    shown = {k: (display_path(v) if k in ("path", "mapping") and isinstance(v, str) and v else v)
             for k, v in data.items()}
    return {**cfg, "data": shown}


def _config_text(cfg: dict[str, Any], prefix: str = "") -> str:
    """The config as read, in TOML form (nested tables as [a.b])."""
    lines: list[str] = []
    for section, values in cfg.items():
        name = f"{prefix}{section}"
        plain = {k: v for k, v in values.items() if not isinstance(v, dict)}
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in plain.items())
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        if nested:
            lines.append(_config_text(nested, prefix=f"{name}."))
    return "\n".join(lines)


def _missing_blocks(ev: Any, tables: Mapping[str, PublishedTable]) -> list[dict[str, Any]]:
    """The blocks of the missing-data part of the methods section: the paragraph
    (``report/_missing.py``), then the published missing-data tables (``published_tables`` includes
    them, so that they are written as files and counted in the disclosure note like every other
    table; ``tables`` is only read)."""
    text = missing_paragraph(ev)
    blocks: list[dict[str, Any]] = [paragraph(text)] if text else []
    shown = [tables[name] for name in MISSING_TABLES if name in tables]
    if shown:
        blocks.append(paragraph(_("The tables below show how the comparison held in the imputed data sets and what the "
                           "imputation changed.")))
    blocks.extend(table_block(t) for t in shown)
    return blocks
