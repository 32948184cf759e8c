"""The multi-country summary for UNODC: coverage, effects pooled across countries and years, trends.

Reads validated country indicator files (:func:`~altmeasures_eval.report.read_unodc_file`); pools an
effect indicator with :func:`altmeasures_eval.pooling.random_effects`, leaving out, with the reason,
every file whose design failed its gate or whose value was withheld; renders HTML and PDF (Typst)
from ``templates/unodc_summary.*.j2``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.pooling import PooledEffect, heterogeneity_in_words, random_effects
from altmeasures_eval.report._unodc import ARM_CONTRAST, DIMENSIONS, TOTAL

__all__ = ["UnodcPooling", "UnodcSummary", "pool_unodc", "summary_table", "unodc_summary", "write_unodc_summary"]

_FLAG_WORDS = {
    "design_gate_failed": "the design failed its gate (no reliable comparison)",
    "decision_rules_not_met": "the decision rules withheld the effect (groups too small)",
    "disclosure_primary": "withheld under disclosure control",
    "disclosure_secondary": "withheld under disclosure control",
    "disclosure_derived": "withheld under disclosure control (it uses a small count)",
    "not_estimable": "could not be estimated",
    "interval_not_estimable": "its interval could not be estimated",
}


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def _find(doc: dict[str, Any], indicator: str, **dims: str) -> dict[str, Any] | None:
    want = {d: dims.get(d, TOTAL) for d in DIMENSIONS}
    for r in doc["records"]:
        if r["indicator"] == indicator and all(r[d] == v for d, v in want.items()):
            return r
    return None


def _name(doc: dict[str, Any]) -> str:
    return f"{doc['country']} {doc['country_name']}" if doc["country_name"] != doc["country"] else doc["country"]


def _check_unique(docs: Sequence[dict[str, Any]]) -> None:
    keys = [(d["country"], d["reporting_year"]) for d in docs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise AltMeasuresError(
            "unodc-summary: " + ", ".join(f"{c} {y}" for c, y in dup) + " appears more than once; pass one file per "
            "country and reporting year")


@dataclass(frozen=True)
class UnodcPooling:
    """One effect indicator pooled across countries, or across the reporting years of one country.

    Attributes
    ----------
    indicator : str
    label : str
        The indicator's label from the files.
    across : str
        ``"countries"`` or ``"years of <code>"``.
    studies : pandas.DataFrame
        The files pooled: ``label``, ``country``, ``reporting_year``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``estimand``, ``flags``.
    excluded : pandas.DataFrame
        The files left out: ``country``, ``country_name``, ``reporting_year``, ``reason``.
    result : PooledEffect or None
        ``None`` when fewer than two files can be pooled.
    unit : str
    notes : tuple of str
    """

    indicator: str
    label: str
    across: str
    studies: pd.DataFrame
    excluded: pd.DataFrame
    result: PooledEffect | None
    unit: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> pd.DataFrame:
        """The pooled result's tidy summary (studies and the pooled row); empty when nothing was pooled."""
        return self.result.summary if self.result is not None else pd.DataFrame(
            columns=["label", "estimate", "se", "ci_low", "ci_high", "weight"])


def _exclusion(doc: dict[str, Any], rec: dict[str, Any] | None) -> str | None:
    if doc["design"]["gate_passed"] is False:
        why = "; ".join(r.rstrip(". ") for r in doc["design"]["reasons"][:2])
        return "the design failed its gate" + (f" ({why})" if why else "")
    if rec is None:
        return "the indicator is not in the file"
    if rec["suppressed"]:
        words = [_FLAG_WORDS[f] for f in rec["flags"] if f in _FLAG_WORDS]
        reasons = doc["decision_rules"]["reasons"] if "decision_rules_not_met" in rec["flags"] else []
        text = "; ".join(dict.fromkeys(words)) or "withheld"
        return text + (f" ({'; '.join(r.rstrip('. ') for r in reasons[:2])})" if reasons else "")
    return None


def pool_unodc(docs: Sequence[dict[str, Any]], indicator: str, *, across: str = "countries",
               country: str | None = None, method: str = "REML", hksj: bool = False,
               level: float = 0.95) -> UnodcPooling:
    """Pool one effect indicator of several indicator files with a random-effects model.

    Parameters
    ----------
    docs : sequence of dict
        Validated indicator files (:func:`~altmeasures_eval.report.read_unodc_file`).
    indicator : str
        An indicator of kind ``effect``, e.g. ``"reoffending_1y_difference_adjusted"``.
    across : {"countries", "years"}
        ``countries``: one estimate per country, from its latest reporting year; ``years``: the
        reporting years of ``country``.
    country : str, optional
        ISO code of the country whose years are pooled (``across="years"`` only).
    method, hksj, level
        As in :func:`altmeasures_eval.pooling.random_effects`.

    Returns
    -------
    UnodcPooling
        Files whose design failed its gate, or whose value is withheld (decision rules, disclosure,
        not estimable) or absent, are in ``excluded`` with the reason and do not enter the pool.

    Raises
    ------
    AltMeasuresError
        For an unknown ``across``, a missing ``country``, or values in different units (costs in
        different currencies cannot be pooled).
    """
    _check_unique(docs)
    if across == "countries":
        latest: dict[str, dict[str, Any]] = {}
        for d in docs:
            if d["country"] not in latest or d["reporting_year"] > latest[d["country"]]["reporting_year"]:
                latest[d["country"]] = d
        chosen = sorted(latest.values(), key=lambda d: d["country"])
        older = len(docs) - len(chosen)
        label_of = (lambda d: f"{_name(d)} {d['reporting_year']}") if older else _name
        where = "countries"
    elif across == "years":
        if country is None:
            raise AltMeasuresError("pool_unodc: across='years' needs country= (the ISO code whose years are pooled)")
        chosen = sorted((d for d in docs if d["country"] == country), key=lambda d: d["reporting_year"])
        older = 0
        label_of = (lambda d: str(d["reporting_year"]))
        where = f"years of {country}"
    else:
        raise AltMeasuresError(f"pool_unodc: across must be 'countries' or 'years', got {across!r}")
    rows, out, labels, units, estimands = [], [], set(), set(), set()
    for d in chosen:
        rec = _find(d, indicator, disposition=ARM_CONTRAST)
        if indicator in d["indicators"]:
            labels.add(d["indicators"][indicator]["label"])
        reason = _exclusion(d, rec)
        if reason is not None:
            out.append({"country": d["country"], "country_name": d["country_name"],
                        "reporting_year": d["reporting_year"], "reason": reason})
            continue
        assert rec is not None
        units.add(rec["unit"])
        estimands.add(rec["estimand"])
        rows.append({"label": label_of(d), "country": d["country"], "reporting_year": d["reporting_year"],
                     "estimate": rec["value"], "se": rec["se"], "ci_low": rec["ci_low"], "ci_high": rec["ci_high"],
                     "estimand": rec["estimand"], "flags": ";".join(rec["flags"])})
    if len(units) > 1:
        raise AltMeasuresError(f"pool_unodc: {indicator} is in different units ({', '.join(sorted(units))}); values "
                               "in different currencies or price years cannot be pooled without conversion")
    studies = pd.DataFrame(rows, columns=["label", "country", "reporting_year", "estimate", "se", "ci_low",
                                          "ci_high", "estimand", "flags"])
    excluded = pd.DataFrame(out, columns=["country", "country_name", "reporting_year", "reason"])
    notes = []
    if older:
        notes.append(f"Each country enters with its latest reporting year ({_plural(older, 'older file')} not "
                     "pooled here: see the trends over years).")
    if len(estimands) > 1:
        notes.append(f"The files estimate different populations ({', '.join(sorted(map(str, estimands)))}): the "
                     "pooled value mixes them.")
    if any("design_gate_not_assessed" in f for f in studies["flags"]):
        notes.append("Some files were produced without the design gate (flag design_gate_not_assessed).")
    overlap = _overlapping(chosen) if across == "years" else []
    result = None
    if overlap:
        notes.append(f"The files of {country} cover overlapping periods ({'; '.join(overlap)}): the same people are "
                     "in more than one, so the years are not pooled. Export one period per reporting year.")
    elif len(studies) >= 2:
        result = random_effects(studies["estimate"], se=studies["se"], labels=studies["label"], method=method,
                                hksj=hksj, level=level)
        notes.extend(result.notes)
    else:
        notes.append(f"Fewer than two {where} have a publishable estimate of this effect, so nothing is pooled.")
    return UnodcPooling(indicator=indicator, label=next(iter(sorted(labels)), indicator), across=where,
                        studies=studies, excluded=excluded, result=result, unit=next(iter(units), ""),
                        notes=tuple(notes))


def _overlapping(docs: Sequence[dict[str, Any]]) -> list[str]:
    """Pairs of files (sorted by start) whose decision periods overlap, in words."""
    spans = sorted(((d["period"]["start"] or "0000-00-00", d["period"]["end"] or "9999-12-31", d["reporting_year"])
                    for d in docs))
    return [f"{a[2]}: {a[0]} to {a[1]} and {b[2]}: {b[0]} to {b[1]}" for a, b in zip(spans, spans[1:]) if b[0] <= a[1]]


def summary_table(docs: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per file: coverage, the share given an alternative, reoffending and the adjusted effect.

    Parameters
    ----------
    docs : sequence of dict
        Validated indicator files.

    Returns
    -------
    pandas.DataFrame
        ``country``, ``country_name``, ``reporting_year``, ``period``, ``stages``, ``eligible_persons``,
        ``share_alternative``, ``persons_in_comparison``, ``design_gate``, ``reoffending_observed_alternative``,
        ``reoffending_observed_custody``, ``difference_adjusted``, ``ci_low``, ``ci_high``,
        ``difference_unadjusted``, ``treatment_entry_alternative``, ``effects_status``. Suppressed
        values are ``NaN``.
    """
    rows = []
    for d in docs:
        reo = next((k for k in d["indicators"] if re.fullmatch(r"reoffending_\w+_difference_adjusted", k)), None)
        stem = reo[: -len("_difference_adjusted")] if reo else "reoffending_1y"
        total = _find(d, "eligible_persons")
        stage_totals = [r for r in d["records"] if r["indicator"] == "eligible_persons" and r["stage"] != TOTAL
                        and all(r[k] == TOTAL for k in DIMENSIONS if k != "stage")]
        stages = [r["stage"] for r in stage_totals if r["suppressed"] or (r["value"] or 0) > 0]
        comp = _find(d, "persons_in_comparison")
        eff = _find(d, f"{stem}_difference_adjusted", disposition=ARM_CONTRAST)
        naive = _find(d, f"{stem}_difference_unadjusted", disposition=ARM_CONTRAST)

        def val(r: dict[str, Any] | None, key: str = "value") -> float:
            return float("nan") if r is None or r[key] is None else float(r[key])

        # the share given an alternative over the period: 1 - the custody share of the period total
        custody_n = _find(d, "eligible_persons", disposition="custody")
        share_alt = 1 - val(custody_n) / val(total) if val(total) > 0 else float("nan")
        gate = d["design"]["gate_passed"]
        reason = _exclusion(d, eff)
        rows.append({
            "country": d["country"], "country_name": d["country_name"], "reporting_year": d["reporting_year"],
            "period": f"{d['period']['start']} to {d['period']['end']}", "stages": ", ".join(stages),
            "eligible_persons": val(total), "share_alternative": share_alt, "persons_in_comparison": val(comp),
            "design_gate": {True: "passed", False: "failed", None: "not assessed"}[gate],
            "reoffending_observed_alternative": val(_find(d, f"{stem}_rate_unadjusted", disposition="alternative")),
            "reoffending_observed_custody": val(_find(d, f"{stem}_rate_unadjusted", disposition="custody")),
            "difference_adjusted": val(eff), "ci_low": val(eff, "ci_low"), "ci_high": val(eff, "ci_high"),
            "difference_unadjusted": val(naive),
            "treatment_entry_alternative": val(_find(d, "treatment_entry_90_rate_unadjusted", disposition="alternative")),
            "effects_status": "published" if reason is None else f"withheld: {reason}",
        })
    return pd.DataFrame(rows)


def _year_series(docs: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Eligible persons and the share given an alternative by calendar year, per country (latest file
    per country and year of decision)."""
    rows = {}
    for d in sorted(docs, key=lambda d: d["reporting_year"]):
        for y in d["period"]["years"]:
            tot = _find(d, "eligible_persons", year=y)
            cus = _find(d, "share_by_disposition", year=y, disposition="custody")
            share = np.nan if cus is None or cus["suppressed"] else 1 - cus["value"]
            rows[(d["country"], y)] = {"country": d["country"], "year": int(y),
                                       "eligible_persons": np.nan if tot is None or tot["suppressed"] else tot["value"],
                                       "share_alternative": share}
    return pd.DataFrame(list(rows.values()), columns=["country", "year", "eligible_persons", "share_alternative"])


@dataclass(frozen=True)
class UnodcSummary:
    """The multi-country summary: what :func:`write_unodc_summary` renders.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`summary_table` of the files.
    pooled : tuple of UnodcPooling
        Each pooled indicator across countries, then across years of each country with several.
    years : pandas.DataFrame
        Eligible persons and the share given an alternative by year of decision and country.
    content : dict
        The document model of the templates.
    figures : dict of str to Figure
    notes : tuple of str
    """

    table: pd.DataFrame
    pooled: tuple[UnodcPooling, ...]
    years: pd.DataFrame
    content: dict[str, Any]
    figures: dict[str, Any]
    notes: tuple[str, ...] = field(default_factory=tuple)


def _fmt(v: Any, fmt: str, scale: float = 1.0) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "[c]" if v is None else "-"
    return fmt.format(scale * v)


def _pp(v: float) -> str:
    return f"{100 * v:+.1f}"


def _table(title: str, head: list[str], rows: list[list[str]], note: str = "", align: list[str] | None = None
           ) -> dict[str, Any]:
    return {"kind": "table", "title": title, "head": head, "rows": rows, "note": note,
            "align": align or ["left"] + ["right"] * (len(head) - 1)}


def _pooled_block(p: UnodcPooling, figure: str | None, scale: float, unit: str) -> list[dict[str, Any]]:
    res = p.result
    blocks: list[dict[str, Any]] = []
    if res is None:
        own = [f"{r.label}: {scale * r.estimate:+.1f} {unit} (95% CI {scale * r.ci_low:+.1f} to "
               f"{scale * r.ci_high:+.1f})." for r in p.studies.itertuples()]
        blocks.append({"kind": "p", "text": " ".join([p.notes[-1], *own])})
    else:
        z = f"{100 * res.level:.0f}%"
        blocks.append({"kind": "p", "text": (
            f"Pooled over {_plural(res.k, 'country', 'countries') if p.across == 'countries' else _plural(res.k, 'year')}"
            f"{'' if p.across == 'countries' else ' of ' + p.across.split(' ')[-1]}: "
            f"{scale * res.estimate:+.1f} {unit} ({z} CI {scale * res.ci_low:+.1f} to {scale * res.ci_high:+.1f}; "
            f"random-effects model, \u03c4\u00b2 by {res.method}"
            f"{', Hartung-Knapp-Sidik-Jonkman interval' if res.hksj else ''}).")})
        blocks.append({"kind": "p", "text": heterogeneity_in_words(res, scale=scale, unit=unit)})
        if figure:
            blocks.append({"kind": "figure", "name": figure, "caption": ""})
        s = res.summary
        rows = [[str(r["label"]), _pp(r["estimate"]) if scale == 100 else f"{r['estimate']:+.1f}",
                 f"{scale * r['ci_low']:+.1f} to {scale * r['ci_high']:+.1f}", f"{100 * r['weight']:.0f}%"]
                for _, r in s.iloc[:-1].iterrows()]
        rows.append(["Pooled", f"{scale * res.estimate:+.1f}", f"{scale * res.ci_low:+.1f} to {scale * res.ci_high:+.1f}",
                     "100%"])
        rows.append([f"Prediction interval ({z})", "", f"{scale * res.pi_low:+.1f} to {scale * res.pi_high:+.1f}", ""])
        blocks.append(_table(f"{p.label}; in {unit}", ["", "estimate", f"{z} CI", "weight"], rows, note=(
            f"\u03c4\u00b2 = {res.tau2 * scale ** 2:.2f} ({unit})\u00b2, I\u00b2 = {res.i2:.0f}%, "
            f"Q = {res.q:.2f} on {res.q_df} df (p = {res.q_pvalue:.3g}). Common-effect estimate for comparison: "
            f"{scale * res.fixed_estimate:+.1f}.")))
    if len(p.excluded):
        blocks.append({"kind": "list", "items": [
            f"Left out: {r.country} {r.country_name} {r.reporting_year}: {r.reason}." for r in p.excluded.itertuples()]})
    extra = list(p.notes[:-1]) if res is None else list(p.notes)
    if extra:
        blocks.append({"kind": "list", "items": extra})
    return blocks


def _headline(r: PooledEffect, words: str, scale: float, unit: str) -> str:
    """The pooled effect in one sentence that does not overstate it (an interval that includes 0 is
    said to be inconclusive, not "no effect")."""
    ci = f"{100 * r.level:.0f}% CI {scale * r.ci_low:+.1f} to {scale * r.ci_high:+.1f}"
    where = f"Pooled over {_plural(r.k, 'country', 'countries')}"
    if r.ci_low > 0 or r.ci_high < 0:
        way = "reduced" if r.estimate < 0 else "increased"
        return (f"{where}, an alternative instead of custody {way} {words} by {abs(scale * r.estimate):.1f} {unit} "
                f"on average ({ci}).")
    return (f"{where}, the difference in {words} between an alternative and custody is {scale * r.estimate:+.1f} "
            f"{unit} ({ci}): the interval includes no difference, so together these countries' data neither show "
            "an effect nor rule one out.")


_POOL: tuple[tuple[str, str, float, str], ...] = (
    (r"reoffending_\w+_difference_adjusted", "proven reoffending", 100.0, "percentage points"),
    (r"treatment_entry_90_difference_adjusted", "entry into treatment within 90 days", 100.0, "percentage points"),
    (r"bed_days_averted_per_person_\w+_adjusted", "custody bed-days averted per person", 1.0, "days"),
)


def unodc_summary(docs: Sequence[dict[str, Any]], *, method: str = "REML", hksj: bool = False) -> UnodcSummary:
    """The multi-country summary of several validated indicator files.

    Coverage (countries, reporting years, stages), each effect indicator pooled across countries
    with a forest plot and the heterogeneity in words (files whose design failed its gate or whose
    effect was withheld are listed and left out with the reason), pooled across the years of each
    country that sent several, and trends over the years of decision.

    Parameters
    ----------
    docs : sequence of dict
        From :func:`~altmeasures_eval.report.read_unodc_file`.
    method : {"REML", "DL", "PM"}
        tau^2 estimator.
    hksj : bool
        Hartung-Knapp-Sidik-Jonkman intervals.

    Returns
    -------
    UnodcSummary
    """
    from altmeasures_eval import __version__
    from altmeasures_eval.plotting import plot_forest, plot_trend
    from altmeasures_eval.report._figures import Figure, _render

    if not docs:
        raise AltMeasuresError("unodc-summary: no indicator file given")
    _check_unique(docs)
    docs = sorted(docs, key=lambda d: (d["country"], d["reporting_year"]))
    tab = summary_table(docs)
    countries = sorted({d["country"] for d in docs})
    years = sorted({d["reporting_year"] for d in docs})
    by_country = {c: [d for d in docs if d["country"] == c] for c in countries}
    names = {d["country"]: d["country_name"] for d in docs}
    figures: dict[str, Any] = {}
    pooled: list[UnodcPooling] = []
    sections: list[dict[str, Any]] = []

    # --- coverage
    rows = []
    for r in tab.itertuples():
        rows.append([r.country, str(r.reporting_year), r.period, r.stages.replace("_", " "),
                     _fmt(r.eligible_persons, "{:,.0f}"), _fmt(r.share_alternative, "{:.0f}%", 100),
                     _fmt(r.persons_in_comparison, "{:,.0f}"), r.design_gate,
                     "yes" if r.effects_status == "published" else "withheld"])
    sections.append({"id": "coverage", "title": "Coverage: countries, years and stages", "blocks": [
        {"kind": "p", "text": (
            f"{_plural(len(docs), 'indicator file')} from {_plural(len(countries), 'country', 'countries')} "
            f"({', '.join(f'{c} {names[c]}' if names[c] != c else c for c in countries)}), reporting "
            f"{_plural(len(years), 'year')} ({', '.join(map(str, years))}). Eligible persons are everyone with a "
            "decision on a minor drug offence at any stage; the effect compares alternatives with custody "
            "where both are decided (persons in the comparison).")},
        _table("Coverage by country and reporting year",
               ["country", "year", "decisions", "stages", "eligible persons", "% alternative", "in comparison",
                "design gate", "effects"], rows, note="[c]: suppressed by the country's disclosure control; "
               "- : not in the file.", align=["left", "right", "left", "left", "right", "right", "right", "left",
                                             "left"])]})

    # --- pooled effects across countries
    blocks: list[dict[str, Any]] = []
    headline = None
    present = sorted({k for d in docs for k in d["indicators"]})
    for pattern, words, scale, unit in _POOL:
        for ind in [k for k in present if re.fullmatch(pattern, k)]:
            p = pool_unodc(docs, ind, across="countries", method=method, hksj=hksj)
            pooled.append(p)
            fig = None
            if p.result is not None:
                fig = f"forest_{ind}"
                res = p.result
                png, svg = _render(lambda ax, res=res, unit=unit, scale=scale, p=p: plot_forest(
                    res, ax=ax, scale=scale, xlabel=f"{words} ({unit}), alternative minus custody"
                    if unit != "days" else f"{words} ({unit})",
                    excluded=[f"{r.country}: {r.reason.split(' (')[0]}" for r in p.excluded.itertuples()]),
                    (7.5, 0.42 * (res.k + 3) + 1.4))
                figures[fig] = Figure(fig, f"{p.label}: each country's estimate with its 95% CI (squares sized by "
                                      "weight), the pooled estimate (diamond) and the 95% prediction interval (dashed).",
                                      png, svg)
            blocks.append({"kind": "h", "text": words[0].upper() + words[1:]})
            pb = _pooled_block(p, fig, scale, unit)
            for b in pb:
                if b["kind"] == "figure":
                    b["caption"] = figures[b["name"]].caption
            blocks.extend(pb)
            if headline is None and pattern.startswith("reoffending"):
                headline = (p, scale, unit, words)
    blocks.append({"kind": "p", "text": (
        "Costs are not pooled: each country reports them in its own currency and price year.")})
    sections.append({"id": "pooled", "title": "Effects pooled across countries", "blocks": blocks})

    # --- trends over years
    yrs = _year_series(docs)
    tblocks: list[dict[str, Any]] = []
    if len(yrs.dropna(subset=["share_alternative"])) and yrs["year"].nunique() > 1:
        png, svg = _render(lambda ax: plot_trend(yrs.dropna(subset=["share_alternative"]), "year", "share_alternative",
                                                 "country", ax=ax, scale=100, ylim=(0, 100),
                                                 ylabel="% of eligible persons given an alternative"), (7, 3.4))
        figures["trend_share_alternative"] = Figure(
            "trend_share_alternative", "Share of eligible persons given an alternative, by year of decision and "
            "country (suppressed years are left out).", png, svg)
        tblocks.append({"kind": "figure", "name": "trend_share_alternative",
                        "caption": figures["trend_share_alternative"].caption})
        wide = yrs.pivot(index="country", columns="year", values="eligible_persons")
        tblocks.append(_table("Eligible persons by year of decision", ["country", *map(str, wide.columns)],
                              [[c, *[_fmt(v, "{:,.0f}") for v in wide.loc[c]]] for c in wide.index],
                              note="[c] or -: suppressed or not reported. Each person is counted in the year of "
                                   "their first eligible decision within the period of the file; when a country "
                                   "sends several periods, the first year of a later period also counts people "
                                   "decided before it."))
    multi = [c for c, ds in by_country.items() if len(ds) > 1]
    reo_inds = [k for k in present if re.fullmatch(_POOL[0][0], k)]
    for c in multi:
        for ind in reo_inds:
            p = pool_unodc(docs, ind, across="years", country=c, method=method, hksj=hksj)
            pooled.append(p)
            tblocks.append({"kind": "h", "text": f"{c} {names[c]}: the effect over its reporting years"})
            tblocks.extend(_pooled_block(p, None, 100.0, "percentage points"))
    if multi:
        eff = tab.dropna(subset=["difference_adjusted"])
        eff = eff[eff["country"].isin(multi)]
        if len(eff) > 1:
            png, svg = _render(lambda ax: plot_trend(eff, "reporting_year", "difference_adjusted", "country", ax=ax,
                                                     ci=("ci_low", "ci_high"), scale=100, zero_line=True,
                                                     ylabel="adjusted difference (points)"), (7, 3.4))
            figures["trend_effect"] = Figure("trend_effect", "Adjusted effect on proven reoffending by reporting year, "
                                             "with 95% CIs.", png, svg)
            tblocks.append({"kind": "figure", "name": "trend_effect", "caption": figures["trend_effect"].caption})
    if not tblocks:
        tblocks.append({"kind": "p", "text": "Each file covers a single year of decisions: no trend can be shown."})
    elif not multi:
        tblocks.append({"kind": "p", "text": "No country sent files for more than one reporting year, so the effect "
                                             "is not pooled over years."})
    sections.append({"id": "trends", "title": "Trends over years", "blocks": tblocks})

    # --- indicators by country
    irows = [[f"{r.country} {r.reporting_year}", _fmt(r.reoffending_observed_alternative, "{:.1f}", 100),
              _fmt(r.reoffending_observed_custody, "{:.1f}", 100), _fmt(r.difference_unadjusted, "{:+.1f}", 100),
              _fmt(r.difference_adjusted, "{:+.1f}", 100),
              ("" if not np.isfinite(r.ci_low) else f"{100 * r.ci_low:+.1f} to {100 * r.ci_high:+.1f}"),
              _fmt(r.treatment_entry_alternative, "{:.1f}", 100)] for r in tab.itertuples()]
    sections.append({"id": "indicators", "title": "Indicators by country", "blocks": [
        _table("Proven reoffending within one year and treatment uptake",
               ["country, year", "alternative %", "custody %", "unadjusted diff.", "adjusted diff.", "95% CI",
                "treatment %"], irows,
               note="Alternative % and custody %: observed shares reoffending within one year (unadjusted). "
                    "Differences in percentage points, alternative minus custody: the unadjusted one compares the "
                    "groups as they are (not an effect); only the adjusted one estimates the effect, for each "
                    "country's estimand population. Treatment %: observed share of the alternative group entering "
                    "drug treatment within 90 days.")]})

    # --- notes and method
    grouped: dict[str, list[str]] = {}
    for d in docs:
        for n in d["notes"]:
            grouped.setdefault(n, []).append(f"{d['country']} {d['reporting_year']}")
    notes = [f"{', '.join(who)}: {n}" for n, who in grouped.items()]
    sections.append({"id": "notes", "title": "Notes from the countries", "blocks": [
        {"kind": "list", "items": notes or ["No notes."]}]})
    sections.append({"id": "method", "title": "How the pooling works", "blocks": [{"kind": "p", "text": (
        "Each country estimates the effect in its own data against its own custody comparison. The pooled value "
        "is a random-effects meta-analysis: the true effect is allowed to differ between countries, with a "
        f"between-country variance \u03c4\u00b2 estimated by {method} "
        f"({'restricted maximum likelihood' if method == 'REML' else 'DerSimonian-Laird' if method == 'DL' else 'Paule-Mandel'}); "
        "countries are weighted by the inverse of their sampling variance plus \u03c4\u00b2. The prediction interval "
        "is where the effect in a further country would lie. I\u00b2 is the share of the variation between "
        "estimates that is due to real differences rather than chance. The pooled value describes the "
        "countries that sent files, not the world; it is computed with the altmeasures_eval pooling module, "
        "which agrees with R metafor to 1e-9.")}]})

    # --- summary page
    summary = [f"This summary combines {_plural(len(docs), 'indicator file')} from "
               f"{_plural(len(countries), 'country', 'countries')} ({', '.join(countries)}), produced with "
               "altmeasures_eval under each country's disclosure control."]
    if headline is not None:
        p, scale, unit, words = headline
        if p.result is not None:
            r = p.result
            summary.append(_headline(r, words, scale, unit))
            summary.append(heterogeneity_in_words(r, scale=scale, unit=unit))
        else:
            summary.append(p.notes[-1])
        for e in p.excluded.itertuples():
            summary.append(f"{e.country} {e.country_name} is left out of the pooled effect: {e.reason}.")
    n_sup = sum(r["suppressed"] and any(f.startswith("disclosure") for f in r["flags"]) for d in docs
                for r in d["records"])
    thresholds = sorted({d["disclosure"]["threshold"] for d in docs})
    disclosure = [
        f"Counts come from the country files, each protected by its country's disclosure control (counts from 1 to "
        f"{'/'.join(str(t - 1) for t in thresholds)} suppressed, with secondary suppression so that totals cannot "
        "reveal them). "
        + (f"{_plural(n_sup, 'value')} in the files are suppressed for disclosure and shown as [c]; they are not "
           "estimated here." if n_sup else "No value in these files needed suppression.")]
    content = {
        "meta": {"title": "Alternatives to custody for minor drug offences: multi-country summary",
                 "countries": ", ".join(f"{c} {names[c]}" if names[c] != c else c for c in countries),
                 "years": ", ".join(map(str, years)), "version": __version__,
                 "extract_date": ", ".join(sorted({d["extract_date"] for d in docs}))},
        "summary": summary, "sections": sections, "disclosure": disclosure,
    }
    return UnodcSummary(table=tab, pooled=tuple(pooled), years=yrs, content=content, figures=figures,
                        notes=tuple(notes))


def write_unodc_summary(summary: UnodcSummary, out: str | Path, *, pdf: bool = True) -> dict[str, Path]:
    """Write ``summary.html``, ``summary.pdf``, ``unodc_summary.csv``, ``unodc_pooled.csv`` and the figures.

    Parameters
    ----------
    summary : UnodcSummary
    out : path
        Folder (created).
    pdf : bool, default True
        Render ``summary.pdf`` with Typst.

    Returns
    -------
    dict of str to Path
    """
    from altmeasures_eval.pooling import POOLED_KEYS
    from altmeasures_eval.privacy import neutralise_formulas
    from altmeasures_eval.report._render import render_html, render_pdf

    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "unodc_summary.csv", "pooled": out / "unodc_pooled.csv", "html": out / "summary.html"}
    neutralise_formulas(summary.table).to_csv(paths["csv"], index=False)
    pooled_rows = []
    for p in summary.pooled:
        base = {"indicator": p.indicator, "across": p.across, "unit": p.unit}
        if p.result is not None:
            pooled_rows.append({**base, **{k: v for k, v in p.result.to_dict().items() if k != "notes"},
                                "excluded": "; ".join(f"{r.country} {r.reporting_year}: {r.reason}"
                                                      for r in p.excluded.itertuples())})
    columns = ["indicator", "across", "unit", *POOLED_KEYS, "excluded"]  # the header also when nothing pooled
    neutralise_formulas(pd.DataFrame(pooled_rows, columns=columns)).to_csv(paths["pooled"], index=False)
    for name, f in summary.figures.items():
        (out / "figures" / f"{name}.png").write_bytes(f.png)
        (out / "figures" / f"{name}.svg").write_text(f.svg, encoding="utf-8")
    paths["html"].write_text(render_html(summary.content, summary.figures, template="unodc_summary"),
                             encoding="utf-8")
    if pdf:
        paths["pdf"] = render_pdf(summary.content, summary.figures, out / "summary.pdf", template="unodc_summary")
    return paths
