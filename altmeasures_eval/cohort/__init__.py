"""The evaluation cohort: eligibility, index events, time at risk, outcomes and attrition.

``build_cohort(dataset, spec)`` turns validated canonical tables into one analysis row per person
(per index event with ``index_event="every"``), following the UK Ministry of Justice proven
reoffending measure. Definitions and sources: ``docs/methods/cohort.md``.
"""

from altmeasures_eval.cohort._build import Cohort, build_cohort, cohort_columns
from altmeasures_eval.cohort._index import ATTRITION_COLUMNS
from altmeasures_eval.cohort._spec import CohortSpec

__all__ = ["ATTRITION_COLUMNS", "Cohort", "CohortSpec", "build_cohort", "cohort_columns"]
