"""Pooling: random-effects meta-analysis of one indicator across countries or across years.

:func:`random_effects` combines estimates with their standard errors (DerSimonian-Laird, REML or
Paule-Mandel tau^2, optional Hartung-Knapp-Sidik-Jonkman interval, I^2, Q test, prediction
interval) into a :class:`PooledEffect`; :func:`heterogeneity_in_words` says what the
heterogeneity means for a reader. The UNODC summary (``altmeasures_eval.report.pool_unodc``) pools
the indicator files of several countries or years with it.
"""

from altmeasures_eval.pooling import _meta
from altmeasures_eval.pooling._meta import *  # noqa: F403
from altmeasures_eval.pooling._tau2 import METHODS as TAU2_METHODS

__all__ = [*_meta.__all__, "TAU2_METHODS"]
