"""Time-to-event effects: the design's weights and matched sets handed to the survival layer."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.matching import MatchResult, resolve_weights

__all__ = ["time_to_event_effect"]

_FUNCTIONS = {"risk_difference": "risk_difference", "rmst": "rmst", "hazard_ratio": "hazard_ratio"}


def time_to_event_effect(
    data: pd.DataFrame,
    duration: str,
    event: str,
    treatment: str = "treatment",
    design: Any = None,
    *,
    measure: Literal["risk_difference", "rmst", "hazard_ratio"] = "risk_difference",
    cluster: str | None = None,
    **kwargs: Any,
) -> Any:
    """Weighted Kaplan-Meier risk difference, RMST difference or hazard ratio for a design.

    The design's weights are passed to :mod:`altmeasures_eval.survival` as a ``weights`` column, and
    for matching without replacement its matched sets as the ``cluster`` column (robust variance
    summed within matched sets), unless ``cluster`` names another column. Returns the survival
    layer's result object unchanged; its ``notes`` state the variance used.

    Notes
    -----
    Matching with replacement: the Austin and Cafri (2020) variance for hazard ratios is not
    implemented; the survival layer's robust variance with fixed weights is used instead.
    """
    from altmeasures_eval import survival

    name = _FUNCTIONS.get(measure)
    fn = getattr(survival, name, None) if name else None
    if fn is None:
        raise ConfigError(f"measure {measure!r} is not available from altmeasures_eval.survival "
                          f"(available here: {sorted(_FUNCTIONS)})")
    w, _, _ = resolve_weights(data, design)
    work = data.assign(__weights=w)
    work = work[work["__weights"] > 0]
    if cluster is None and isinstance(design, MatchResult) and not design.replace:
        work = work.assign(__set=design.subclass.reindex(work.index).astype("float64"))
        cluster = "__set"
    return fn(work, duration, event, treatment, weights="__weights", cluster=cluster, **kwargs)
