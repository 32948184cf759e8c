"""Plots: ``plot_x(result, ax=None, **kw) -> matplotlib.axes.Axes``.

The only subpackage that imports matplotlib. Each layer's plots live in their own module.
"""

from altmeasures_eval.plotting import _balance, _costs, _palette, _pooling, _population, _reform, _survival
from altmeasures_eval.plotting._balance import *  # noqa: F403
from altmeasures_eval.plotting._costs import *  # noqa: F403
from altmeasures_eval.plotting._palette import *  # noqa: F403
from altmeasures_eval.plotting._pooling import *  # noqa: F403
from altmeasures_eval.plotting._population import *  # noqa: F403
from altmeasures_eval.plotting._reform import *  # noqa: F403
from altmeasures_eval.plotting._survival import *  # noqa: F403

__all__ = [*_survival.__all__, *_balance.__all__, *_population.__all__, *_costs.__all__, *_pooling.__all__,
           *_reform.__all__, *_palette.__all__]
