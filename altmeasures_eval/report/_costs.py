"""The costs section of the evaluation report (benefits and costs in the manner of WSIPP).

:func:`costs_section` returns one section of the content model (``{"id", "title", "blocks"}``)
built from the run's cost results, its published tables and its figures.
"""

from __future__ import annotations

from typing import Any

__all__ = ["costs_section"]


def costs_section(ev: Any, tables: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    """The "Costs" section of the report.

    Parameters
    ----------
    ev : Evaluation
        A completed evaluation whose ``costs`` is not None.
    tables : dict
        The published tables of the run, by name.
    figures : dict
        The figures of the run, by name.

    Returns
    -------
    dict
        A section of the content model: ``id``, ``title`` and ``blocks``.
    """
    from altmeasures_eval.report._content import _fig, _p, _table_block

    return {"id": "costs", "title": "Costs", "blocks": [
        *([_p("Every unit cost below is a PLACEHOLDER shipped with the toolkit, not an estimate for this "
              "country: replace them in [costs] before publishing.")] if ev.costs.unit_costs.placeholders else []),
        _table_block(tables["cost_summary"]), _table_block(tables["costs_per_person"]),
        *_fig(figures, "cost_waterfall"), *_fig(figures, "monte_carlo"), *_fig(figures, "tornado"),
        _table_block(tables["unit_costs"])]}
