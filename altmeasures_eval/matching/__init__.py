"""Designs that compare like with like: propensity scores, matching, weighting and balance.

Matching and weighting are preprocessing: they return matched sets, weights and diagnostics; the
effect is estimated afterwards by :mod:`altmeasures_eval.effects`, which accepts any weights.
"""

from altmeasures_eval.matching import _nearest, _propensity
from altmeasures_eval.matching._nearest import *  # noqa: F403
from altmeasures_eval.matching._propensity import *  # noqa: F403

__all__ = [*_propensity.__all__, *_nearest.__all__]
