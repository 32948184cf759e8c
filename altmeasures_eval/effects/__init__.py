"""Effect estimates from any design: contrasts with stated variances, bootstrap, AIPW, subgroups
with Holm's adjustment, E-values and Rosenbaum bounds."""

from altmeasures_eval.effects import _aipw, _contrast, _results, _sensitivity, _subgroups, _survival_seam
from altmeasures_eval.effects._aipw import *  # noqa: F403
from altmeasures_eval.effects._contrast import *  # noqa: F403
from altmeasures_eval.effects._results import *  # noqa: F403
from altmeasures_eval.effects._sensitivity import *  # noqa: F403
from altmeasures_eval.effects._subgroups import *  # noqa: F403
from altmeasures_eval.effects._survival_seam import *  # noqa: F403

__all__ = [*_results.__all__, *_contrast.__all__, *_aipw.__all__, *_subgroups.__all__, *_sensitivity.__all__,
           *_survival_seam.__all__]
