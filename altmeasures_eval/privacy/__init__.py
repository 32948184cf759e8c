"""Privacy: direct-identifier guard, k-anonymity, pseudonymisation and disclosure control.

Called at ingestion (:func:`guard_direct_identifiers`), in the data-quality report
(:func:`k_anonymity`), by ``altmeasures-eval pseudonymise`` and on every published table
(disclosure control: one :class:`DisclosurePolicy` for every output; safe text in outputs:
:func:`neutralise_formulas`, :func:`redact_secrets`, :func:`display_path`).
"""

from altmeasures_eval.privacy import (
    _identifiers,
    _kanonymity,
    _outputs,
    _policy,
    _pseudonymise,
    _scan,
    _suppression,
)
from altmeasures_eval.privacy._identifiers import *  # noqa: F403
from altmeasures_eval.privacy._kanonymity import *  # noqa: F403
from altmeasures_eval.privacy._outputs import *  # noqa: F403
from altmeasures_eval.privacy._policy import *  # noqa: F403
from altmeasures_eval.privacy._pseudonymise import *  # noqa: F403
from altmeasures_eval.privacy._scan import *  # noqa: F403
from altmeasures_eval.privacy._suppression import *  # noqa: F403

__all__ = [*_identifiers.__all__, *_kanonymity.__all__, *_outputs.__all__, *_policy.__all__,
           *_pseudonymise.__all__, *_scan.__all__, *_suppression.__all__]
