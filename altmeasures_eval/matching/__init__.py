"""Designs that compare like with like: propensity scores, matching, weighting and balance.

Matching and weighting are preprocessing: they return matched sets, weights and diagnostics; the
effect is estimated afterwards by :mod:`altmeasures_eval.effects`, which accepts any weights.
"""

from altmeasures_eval.matching import _balance, _nearest, _propensity, _support, _weighting
from altmeasures_eval.matching._balance import *  # noqa: F403
from altmeasures_eval.matching._nearest import *  # noqa: F403
from altmeasures_eval.matching._propensity import *  # noqa: F403
from altmeasures_eval.matching._support import *  # noqa: F403
from altmeasures_eval.matching._weighting import *  # noqa: F403

__all__ = [*_propensity.__all__, *_support.__all__, *_nearest.__all__, *_weighting.__all__, *_balance.__all__]
