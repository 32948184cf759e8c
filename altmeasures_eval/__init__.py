"""altmeasures_eval: evaluate alternatives to custody for minor drug offences.

The package follows the data flow: ``io`` reads and validates sources into the canonical
:class:`~altmeasures_eval.schema.Dataset`; ``cohort`` builds one analysis row per person;
``matching``, ``survival`` and ``effects`` estimate effects; ``population`` and ``costs`` turn
them into prison-population and cost figures; ``report`` renders them. ``privacy`` guards inputs
and outputs; ``synth`` generates data with known truth.
"""

from altmeasures_eval._errors import (
    AltMeasuresError,
    ComputeError,
    ConfigError,
    DataContractError,
    NotEstimable,
    OutputError,
    PrivacyError,
)

__version__ = "0.1.0"

__all__ = [
    "AltMeasuresError",
    "ComputeError",
    "ConfigError",
    "DataContractError",
    "NotEstimable",
    "OutputError",
    "PrivacyError",
    "__version__",
]
