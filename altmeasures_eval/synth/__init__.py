"""Synthetic extracts with known causal effects, for tests, benchmarks and the committed sample.

:func:`simulate` returns the contract tables of a plausible (not real) country together with the
ground truth of its evaluation cohort, computed from both potential outcomes of every index person;
:func:`write_synthetic` writes them as a contract folder with ``ground_truth.json``.
"""

from altmeasures_eval.synth._panel import SyntheticPanel, simulate_panel, simulate_single_adopter
from altmeasures_eval.synth._params import DEFAULT_EFFECTS
from altmeasures_eval.synth._simulate import (
    GROUND_TRUTH_FILE,
    SyntheticData,
    population_truth,
    simulate,
    write_synthetic,
)
from altmeasures_eval.synth._truth import DEFINITIONS

__all__ = [
    "DEFAULT_EFFECTS",
    "DEFINITIONS",
    "GROUND_TRUTH_FILE",
    "SyntheticData",
    "SyntheticPanel",
    "population_truth",
    "simulate",
    "simulate_panel",
    "simulate_single_adopter",
    "write_synthetic",
]
