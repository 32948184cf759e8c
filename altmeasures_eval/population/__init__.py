"""Prison population: bed-days, length of stay, Little's law and the monthly stock-flow projection.

Pure functions and immutable results on the contract tables and the cohort; plots are in
:mod:`altmeasures_eval.plotting`. Methods: ``docs/methods/population.md``.
"""

from altmeasures_eval.population._bed_days import BedDays, bed_days_by_group, count_bed_days
from altmeasures_eval.population._bootstrap import bootstrap_group_means, readmission_rates
from altmeasures_eval.population._little import SteadyState, steady_state
from altmeasures_eval.population._los import LengthOfStay, length_of_stay, stay_kernel
from altmeasures_eval.population._projection import (
    Projection,
    ReadmissionRates,
    project_population,
)
from altmeasures_eval.population._spells import (
    DAYS_PER_MONTH,
    STREAM_ELIGIBLE,
    STREAM_OTHER,
    monthly_admissions,
    observed_population,
    prepare_spells,
)

__all__ = [
    "DAYS_PER_MONTH",
    "STREAM_ELIGIBLE",
    "STREAM_OTHER",
    "BedDays",
    "LengthOfStay",
    "Projection",
    "ReadmissionRates",
    "SteadyState",
    "bed_days_by_group",
    "bootstrap_group_means",
    "count_bed_days",
    "length_of_stay",
    "monthly_admissions",
    "observed_population",
    "prepare_spells",
    "project_population",
    "readmission_rates",
    "stay_kernel",
    "steady_state",
]
