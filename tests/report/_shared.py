"""The published tables of the session's sample evaluation in each language, computed once per
process for the report tests that read them (``test_tables_labels``, ``test_wording``,
``test_disclosure``, ``test_workbook``, ``test_languages``): each module computed them again,
about 0.17 s of CPU a language (issue #14).

``published_tables`` is a function of the evaluation and the active language only (it does not
read ``[report] language``; the French and Spanish tables of the sample evaluation and of a copy
with that setting were compared equal when this was written). Every call returns a new dict of the
same :class:`~altmeasures_eval.report.PublishedTable` objects: ``build_content`` adds the
missing-data tables to the dict it is given, and nothing changes a table.
"""

from __future__ import annotations

from typing import Any

from altmeasures_eval._i18n import language

_TABLES: dict[tuple[int, str], tuple[Any, dict[str, Any], tuple[str, ...]]] = {}


def sample_tables(ev: Any, code: str = "en") -> tuple[dict[str, Any], tuple[str, ...]]:
    """``published_tables(ev)`` in language ``code``, computed once per evaluation and language.

    Parameters
    ----------
    ev : Evaluation
        The session's sample evaluation (kept alive here with its tables).
    code : str
        Language of the tables.

    Returns
    -------
    tables : dict of str to PublishedTable
        A new dict at every call.
    notes : tuple of str
    """
    from altmeasures_eval.report import published_tables

    kept = _TABLES.get((id(ev), code))
    if kept is None or kept[0] is not ev:
        with language(code):
            tables, notes = published_tables(ev)
        kept = _TABLES[(id(ev), code)] = (ev, tables, notes)
    return dict(kept[1]), kept[2]
