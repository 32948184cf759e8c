"""The diagnostics gate of the reform designs: a design whose own check fails has its effect withheld.

Like the person-level design gate, the gate never changes a number: it decides whether the
headline may be shown, and says why not in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["GateSettings", "ReformGate", "gate_did", "gate_its", "gate_synth"]

_COLUMNS = ["check", "value", "threshold", "passed", "detail"]


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the reform gate (``[gate]`` in ``policy.toml``).

    Attributes
    ----------
    pretrend_alpha : float
        The difference-in-differences passes when the joint test of the pre-period event-study
        coefficients has p-value at least this.
    pretrend_periods : int
        How many pre-period event times (the last before adoption) the pre-trend test covers;
        0 = all. Monthly coefficients are averaged in bins of 6 months before the test.
    max_pre_rmspe_relative : float
        The synthetic control passes when its pre-reform RMSPE (of yearly means, for monthly
        data) is at most this share of the treated unit's mean pre-reform level.
    placebo_alpha : float
        The interrupted time series passes when the placebo-in-time test (a fake reform halfway
        through the pre-period) has p-value at least this.
    min_controls : int
        Fewest comparison units (never-treated or donors).
    """

    pretrend_alpha: float = 0.05
    pretrend_periods: int = 24
    max_pre_rmspe_relative: float = 0.10
    placebo_alpha: float = 0.05
    min_controls: int = 3


@dataclass(frozen=True)
class ReformGate:
    """Verdict of the gate for one design and outcome.

    Attributes
    ----------
    passed : bool
    checks : pandas.DataFrame
        ``check``, ``value``, ``threshold``, ``passed``, ``detail``.
    reasons : tuple of str
        Why the effect is withheld (empty when passed).
    """

    passed: bool
    checks: pd.DataFrame
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _gate(rows: list[dict[str, object]]) -> ReformGate:
    checks = pd.DataFrame(rows, columns=_COLUMNS)
    reasons = tuple(str(r["detail"]) for r in rows if not r["passed"])
    return ReformGate(passed=not reasons, checks=checks, reasons=reasons)


def gate_did(result: object, settings: GateSettings) -> ReformGate:
    """Pre-trends (joint Wald test of the pre-period event-study coefficients) and enough controls."""
    pt = result.pretrend  # type: ignore[attr-defined]
    p = float(pt["p_value"])
    n_ctrl = int(result.att_gt["n_control"].min())  # type: ignore[attr-defined]
    ok_pt = bool(np.isfinite(p) and p >= settings.pretrend_alpha)
    rows = [
        {"check": "pre-trends", "value": p, "threshold": settings.pretrend_alpha, "passed": ok_pt,
         "detail": ("the pre-reform event-study coefficients are jointly compatible with zero "
                    f"(p = {p:.3f})" if ok_pt else
                    "the adopting and comparison jurisdictions already moved differently before the reform "
                    f"(joint test of the last {int(pt['n_coefficients'])} pre-period coefficients in {int(pt['bins'])} bins, p = {p:.3g}), so parallel trends "
                    "is not credible" if np.isfinite(p) else
                    "there is no pre-reform period to check parallel trends")},
        {"check": "comparison units", "value": n_ctrl, "threshold": settings.min_controls,
         "passed": n_ctrl >= settings.min_controls,
         "detail": f"at least {n_ctrl} comparison jurisdictions in every comparison" if n_ctrl >= settings.min_controls
         else f"only {n_ctrl} comparison jurisdiction(s) in some comparison; at least {settings.min_controls} are needed"},
    ]
    return _gate(rows)


def gate_synth(result: object, settings: GateSettings) -> ReformGate:
    """Pre-reform fit of the synthetic control relative to the outcome's level, and donor count."""
    rel = float(result.pre_rmspe_relative)  # type: ignore[attr-defined]
    n_donors = len(result.weights)  # type: ignore[attr-defined]
    ok = rel <= settings.max_pre_rmspe_relative
    rows = [
        {"check": "pre-reform fit", "value": rel, "threshold": settings.max_pre_rmspe_relative, "passed": ok,
         "detail": (f"the synthetic control tracks the jurisdiction before the reform (RMSPE {rel:.1%} of its level)" if ok else
                    f"the synthetic control does not reproduce the jurisdiction before the reform (RMSPE {rel:.1%} of its "
                    f"level, more than {settings.max_pre_rmspe_relative:.0%}), so its path after the reform is not a credible counterfactual")},
        {"check": "donors", "value": n_donors, "threshold": settings.min_controls,
         "passed": n_donors >= settings.min_controls,
         "detail": f"{n_donors} donor jurisdictions" if n_donors >= settings.min_controls else
         f"only {n_donors} donor jurisdiction(s); at least {settings.min_controls} are needed"},
    ]
    return _gate(rows)


def gate_its(result: object, settings: GateSettings) -> ReformGate:
    """Placebo-in-time test on the pre-reform series."""
    p = float(result.placebo["p_value"])  # type: ignore[attr-defined]
    ok = bool(np.isfinite(p) and p >= settings.placebo_alpha)
    rows = [{"check": "placebo in time", "value": p, "threshold": settings.placebo_alpha, "passed": ok,
             "detail": (f"no break at a fake reform date halfway through the pre-period (p = {p:.3f})" if ok else
                        f"the pre-reform series already breaks at a fake reform date (p = {p:.3g}): the projected "
                        "pre-reform trend is not a credible counterfactual" if np.isfinite(p) else
                        "the pre-reform period is too short for the placebo-in-time check")}]
    return _gate(rows)
