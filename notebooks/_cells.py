"""The cell sources of every notebook, in order (one module per notebook)."""

from __future__ import annotations

import _nb01
import _nb02

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_data_and_cohort": _nb01.CELLS,
    "02_reoffending_survival": _nb02.CELLS,
}
