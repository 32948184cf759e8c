"""The reform evaluation's report (``altmeasures-eval policy``): HTML, PDF and ``results.json``.

Per outcome and design: the effect (withheld when the design's gate fails, with the reason), the
estimand and the assumptions in plain words, the diagnostics that test them, and the figures
(event study, counterfactual, placebo gaps). Observed monthly values of a single jurisdiction
below the disclosure threshold are not drawn, and rounded when ``[disclosure] rounding_base`` is set
(the run's :class:`~altmeasures_eval.privacy.DisclosurePolicy`, from policy.toml's ``[disclosure]``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from altmeasures_eval import __version__
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._figures import Figure, _render
from altmeasures_eval.report._render import render_html, render_pdf

__all__ = ["POLICY_RESULTS_VERSION", "policy_content", "policy_figures", "policy_results", "write_policy_report"]

#: Version of the policy ``results.json`` layout.
POLICY_RESULTS_VERSION = "1.0.0"
DESIGN_NAMES = {"did": "Staggered difference-in-differences (Callaway & Sant'Anna)",
                "its": "Interrupted time series (segmented regression)",
                "synth": "Synthetic control"}


def _num(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else round(float(v), 6)
    if isinstance(v, dict):
        return {str(k): _num(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_num(x) for x in v]
    return v


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e6):
        return f"{int(v):,}"
    a = abs(float(v))
    return f"{float(v):,.{digits}g}" if a < 1000 else f"{float(v):,.0f}"


def _masked(result: Any, policy: DisclosurePolicy) -> Any:
    """A copy of an ITS or synthetic-control result whose observed values the disclosure policy
    would hide (1 .. threshold - 1) are blank (a small count of one jurisdiction-month is not drawn)
    and, with a rounding base, the others rounded."""
    s = result.series.copy()
    col = "observed" if "observed" in s else "treated"
    v = s[col].to_numpy(dtype=float)
    small = policy.is_small(np.nan_to_num(v))
    if not small.any() and not policy.base:
        return result
    shown = np.where(small, np.nan, v)
    if policy.base:  # drawn like the tables print them: rounded to the base
        ok = np.isfinite(shown)
        shown[ok] = np.asarray(policy.round(shown[ok]), dtype=float)
    s[col] = shown
    return dataclasses.replace(result, series=s)


def _policy_of(ev: Any, threshold: int | None) -> DisclosurePolicy:
    """The run's disclosure policy (``[disclosure]`` of policy.toml); ``threshold`` overrides its
    threshold (kept for callers that passed one)."""
    settings = getattr(ev.spec, "disclosure", None)
    policy = DisclosurePolicy.from_settings(settings)
    if threshold is not None:
        policy = dataclasses.replace(policy, threshold=threshold)
    return policy


def policy_figures(ev: Any, threshold: int | None = None) -> dict[str, Figure]:
    """Event-study, counterfactual and placebo figures of every estimated design.

    Observed single-jurisdiction values that the run's disclosure policy (``[disclosure]``) would
    hide are not drawn; ``threshold`` overrides its threshold.
    """
    from altmeasures_eval import plotting as P

    policy = _policy_of(ev, threshold)
    figs: dict[str, Figure] = {}
    for r in ev.results:
        if r.result is None:
            continue
        stem = f"{r.outcome}_{r.design}"
        if r.design == "did":
            unit = "months" if r.result.att_gt["g"].min() > 5000 else "periods"
            png, svg = _render(lambda ax, res=r.result, u=unit: P.plot_event_study(res, ax, unit=u), (7.5, 3.6))
            figs[f"{stem}_event_study"] = Figure(f"{stem}_event_study", f"{r.outcome}: effect by time since adoption "
                                                 "(pointwise 95% intervals, uniform 95% band shaded; grey: before adoption).", png, svg)
        else:
            res = _masked(r.result, policy)
            png, svg = _render(lambda ax, res=res: P.plot_counterfactual(res, ax), (7.5, 3.6))
            what = ("observed series, the fitted segmented regression and the pre-reform trend projected past the reform "
                    "(95% interval)" if r.design == "its" else "the jurisdiction and its synthetic control")
            figs[f"{stem}_counterfactual"] = Figure(f"{stem}_counterfactual", f"{r.outcome}: {what}.", png, svg)
            if r.design == "synth" and len(r.result.placebos) > 1:
                png, svg = _render(lambda ax, res=r.result: P.plot_placebos(res, ax), (7.5, 3.6))
                figs[f"{stem}_placebos"] = Figure(f"{stem}_placebos", f"{r.outcome}: gap of the jurisdiction (red) and of "
                                                  "every donor treated as if it had adopted (grey).", png, svg)
    return figs


def policy_results(ev: Any) -> dict[str, Any]:
    """``results.json``: per outcome and design, the effect, the estimand, the diagnostics and the gate."""
    out = []
    for r in ev.results:
        diag = {k: _num(v) for k, v in r.diagnostics.items()}
        out.append({
            "outcome": r.outcome, "design": r.design, "estimand": r.estimand, "assumptions": r.assumptions,
            "effect": {k: _num(r.effect[k]) for k in ("estimate", "ci_low", "ci_high", "p_value")},
            "withheld": r.gate is not None and not r.gate.passed,
            "estimable": r.result is not None,
            "gate": None if r.gate is None else {
                "passed": bool(r.gate.passed), "reasons": list(r.gate.reasons),
                "checks": [{k: _num(v) for k, v in row.items()} for row in r.gate.checks.to_dict("records")]},
            "diagnostics": diag, "notes": list(r.notes)})
    spec = ev.spec
    return {"schema_version": POLICY_RESULTS_VERSION, "toolkit_version": __version__,
            "title": spec.report.title, "country": spec.report.country, "panel": _num(ev.panel_info),
            "settings": _num(dataclasses.asdict(spec)), "results": out, "notes": list(ev.notes)}


def policy_content(ev: Any, figures: dict[str, Figure]) -> dict[str, Any]:
    """Content model shared by the HTML and Typst templates."""
    spec, info = ev.spec, ev.panel_info
    sections, summary_rows = [], []
    for r in ev.results:
        withheld = r.gate is not None and not r.gate.passed
        e = r.estimated if not withheld else r.effect
        if r.result is None:
            verdict = f"not estimable: {r.diagnostics.get('not_estimable', '')}"
        elif withheld:
            verdict = "withheld: " + "; ".join(r.gate.reasons)
        else:
            p = e["p_value"]
            verdict = (f"{_fmt(e['estimate'])} (95% CI {_fmt(e['ci_low'])} to {_fmt(e['ci_high'])}; "
                       f"{'p < 0.001' if p is not None and p < 0.001 else 'p = ' + _fmt(p, 2)})")
        summary_rows.append([r.outcome, DESIGN_NAMES[r.design], verdict])
        checks = [] if r.gate is None else [[str(c["check"]), _fmt(c["value"]), _fmt(c["threshold"]),
                                             "passed" if c["passed"] else "FAILED", str(c["detail"])]
                                            for c in r.gate.checks.to_dict("records")]
        extra = []
        if r.design == "did" and r.result is not None:
            tw = r.diagnostics["twfe"]
            extra.append(tw["warning"])
            pt = r.diagnostics["pretrend"]
            extra.append(f"Pre-trend test: F = {_fmt(pt.get('statistic'))} on {_fmt(pt.get('df'))} and "
                         f"{_fmt(pt.get('df_denominator'))} degrees of freedom, p = {_fmt(pt.get('p_value'), 2)}.")
        if r.design == "synth" and r.result is not None:
            d = r.diagnostics
            w = ", ".join(f"{k} {v:.2f}" for k, v in sorted(d["weights"].items(), key=lambda kv: -kv[1])[:8])
            extra.append(f"Donor weights: {w}. Placebo-in-space p-value (rank of the post/pre RMSPE ratio): "
                         f"{_fmt(d['placebo_p_value'], 2)}. Pre-reform RMSPE {_fmt(d['pre_rmspe'])}.")
            if not d["in_hull"]:
                extra.append("The jurisdiction's pre-reform outcome lies outside the donors' range in some periods.")
        if r.design == "its" and r.result is not None:
            d = r.diagnostics
            extra.append(f"Reform month {d['adoption']}; level change {_fmt(d['level_change'])}, slope change "
                         f"{_fmt(d['slope_change'])} per month; {d['errors']} errors ({d['lags']} lag(s)).")
        figs = [{"name": n, "caption": f.caption} for n, f in figures.items() if n.startswith(f"{r.outcome}_{r.design}_")]
        sections.append({"title": f"{r.outcome}: {DESIGN_NAMES[r.design]}", "verdict": verdict, "withheld": withheld,
                         "estimand": r.estimand[:1].upper() + r.estimand[1:], "assumptions": r.assumptions, "checks": checks, "extra": extra,
                         "figures": figs, "notes": list(r.notes)})
    n_withheld = sum(1 for r in ev.results if r.gate is not None and not r.gate.passed)
    summary = [f"{info['jurisdictions']} jurisdictions observed monthly from {info['first_month']} to {info['last_month']}; "
               f"{info['adopters']} adopted the reform ({', '.join(info['cohorts']) or 'no adoption month'}).",
               "Each design answers the question under its own assumption, stated in its section with the check that "
               "tests it; when the check fails the effect is withheld and the reason given."
               + (f" {n_withheld} of {len(ev.results)} estimates are withheld." if n_withheld else "")]
    return {"meta": {"title": spec.report.title, "country": spec.report.country or "-",
                     "organisation": spec.report.organisation, "period": f"{info['first_month']} to {info['last_month']}",
                     "version": __version__},
            "summary": summary, "summary_rows": summary_rows, "sections": sections, "notes": list(ev.notes)}


def write_policy_report(ev: Any, out: str | Path, *, pdf: bool | None = None,
                        threshold: int | None = None) -> dict[str, Path]:
    """Write ``policy.html``, ``policy.pdf``, ``results.json`` and ``figures/*.png|svg`` into ``out``.

    Parameters
    ----------
    ev : ReformEvaluation
    out : path
    pdf : bool, optional
        Default ``ev.spec.report.pdf``.
    threshold : int, optional
        Overrides the ``[disclosure] threshold`` of ``ev.spec`` (default: the run's
        :class:`~altmeasures_eval.privacy.DisclosurePolicy`): observed single-jurisdiction values
        below it are not drawn.

    Returns
    -------
    dict of str to Path
    """
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figures = policy_figures(ev, threshold)
    content = policy_content(ev, figures)
    written: dict[str, Path] = {}
    written["results"] = out / "results.json"
    written["results"].write_text(json.dumps(policy_results(ev), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, f in figures.items():
        (out / "figures" / f"{name}.png").write_bytes(f.png)
        (out / "figures" / f"{name}.svg").write_text(f.svg, encoding="utf-8")
        written[f"figure:{name}"] = out / "figures" / f"{name}.png"
    written["html"] = out / "policy.html"
    written["html"].write_text(render_html(content, figures, template="policy"), encoding="utf-8")
    if ev.spec.report.pdf if pdf is None else pdf:
        render_pdf(content, figures, out / "policy.pdf", template="policy")
        written["pdf"] = out / "policy.pdf"
    return written
