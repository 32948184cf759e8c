"""The cell sources of every notebook, in order (one module per notebook)."""

from __future__ import annotations

import _nb01
import _nb02
import _nb03
import _nb04
import _nb05
import _nb06
import _nb07

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_data_and_cohort": _nb01.CELLS,
    "02_reoffending_survival": _nb02.CELLS,
    "03_matching_and_balance": _nb03.CELLS,
    "04_prison_and_costs": _nb04.CELLS,
    "05_annual_report": _nb05.CELLS,
    "06_unodc_multicountry": _nb06.CELLS,
    "07_reform_evaluation": _nb07.CELLS,
}
