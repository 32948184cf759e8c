"""Evaluating the reform itself on aggregate data: interrupted time series, staggered
difference-in-differences and synthetic control on a jurisdiction x month panel.

Used when custody for minor possession disappears with a law or a rollout and there is no
concurrent custody group: the question becomes what the reform did to admissions, cases, the prison
population or overdose deaths. Every design is gated by its own diagnostic (pre-trends, pre-period
fit, placebo in time); methods and references in ``docs/methods/reform.md``.
"""

from altmeasures_eval.reform._build import PanelBuild, panel_from_dataset
from altmeasures_eval.reform._data import Panel, month_to_period, period_label, period_to_month, prepare_panel
from altmeasures_eval.reform._did import (
    BaconDecomposition,
    StaggeredDiD,
    TwoWayFE,
    bacon_decomposition,
    staggered_did,
    two_way_fe,
)
from altmeasures_eval.reform._gate import GateSettings, ReformGate, gate_did, gate_its, gate_synth
from altmeasures_eval.reform._its import InterruptedTimeSeries, interrupted_time_series
from altmeasures_eval.reform._run import DesignResult, ReformEvaluation, adoption_periods, run_reform
from altmeasures_eval.reform._spec import (
    DESIGNS,
    DidSettings,
    ItsSettings,
    PolicySettings,
    PolicySpec,
    ReportInfo,
    SynthSettings,
)
from altmeasures_eval.reform._synth import SyntheticControl, simplex_weights, synthetic_control

__all__ = [
    "DESIGNS",
    "BaconDecomposition",
    "DesignResult",
    "DidSettings",
    "GateSettings",
    "InterruptedTimeSeries",
    "ItsSettings",
    "Panel",
    "PanelBuild",
    "PolicySettings",
    "PolicySpec",
    "ReformEvaluation",
    "ReformGate",
    "ReportInfo",
    "StaggeredDiD",
    "SynthSettings",
    "SyntheticControl",
    "TwoWayFE",
    "adoption_periods",
    "bacon_decomposition",
    "gate_did",
    "gate_its",
    "gate_synth",
    "interrupted_time_series",
    "month_to_period",
    "panel_from_dataset",
    "period_label",
    "period_to_month",
    "prepare_panel",
    "run_reform",
    "simplex_weights",
    "staggered_did",
    "synthetic_control",
    "two_way_fe",
]
