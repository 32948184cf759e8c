"""UNODC progress reporting (CND resolution 58/5, para. 11): a country-year indicator file, and the
multi-country summary built from several such files.

The indicator file is long-format: one record per (indicator, year, group) with ``value``, ``unit``,
``ci_low``, ``ci_high``, ``n`` and ``suppressed``; JSON (with a header) and CSV carry the same records.
Schema: ``docs/unodc-schema.md`` and ``unodc.schema.json`` in this package. Every count passes
through :func:`altmeasures_eval.privacy.suppress_counts` before it is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.privacy import suppress_counts
from altmeasures_eval.schema import DISPOSITION_CUSTODY

__all__ = ["UNODC_SCHEMA_VERSION", "read_unodc_file", "summary_table", "unodc_indicators",
           "unodc_summary_content", "validate_unodc", "write_unodc_files"]

#: Version of the UNODC indicator file schema.
UNODC_SCHEMA_VERSION = "1.0.0"
RECORD_FIELDS = ("indicator", "year", "group", "value", "unit", "ci_low", "ci_high", "n", "suppressed")


def _rec(indicator: str, year: str, group: str, value: Any, unit: str, ci: tuple[Any, Any] = (None, None),
         n: Any = None, suppressed: bool = False) -> dict[str, Any]:
    def clean(v: Any) -> Any:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return int(v)
        f = float(v)
        return None if not np.isfinite(f) else round(f, 6)

    return {"indicator": indicator, "year": year, "group": group, "value": None if suppressed else clean(value),
            "unit": unit, "ci_low": clean(ci[0]), "ci_high": clean(ci[1]),
            "n": None if n is None or suppressed else int(n), "suppressed": bool(suppressed)}


def _count_records(frame: pd.DataFrame, indicator: str, threshold: int, base: int | None,
                   share_indicator: str | None = None) -> list[dict[str, Any]]:
    """Years x categories counts with row/column totals published, under suppression; shares of the row total."""
    frame = frame.astype("int64")
    res = suppress_counts(frame, list(frame.columns), threshold, margins="both", rounding_base=base,
                          name=indicator)
    # a year's total can be suppressed as a secondary cell too: take its flag from the suppression
    implied = res.implied_totals
    hidden_rows = {str(label) for label in implied.loc[(implied["margin"] == "row") & (implied["flag"] != ""),
                                                          "label"]} if len(implied) else set()
    out = []
    for year, row in res.table.iterrows():
        total = int(frame.loc[year].sum())
        tot_sup = 0 < total < threshold or str(year) in hidden_rows
        for cat, shown in row.items():
            sup = res.flags.loc[year, cat] != ""
            out.append(_rec(indicator, str(year), str(cat), shown if not sup else None, "persons", suppressed=sup))
            if share_indicator and total >= threshold:  # a share with a hidden total would reveal the total
                out.append(_rec(share_indicator, str(year), str(cat), frame.loc[year, cat] / total,
                                "proportion", n=None, suppressed=sup or tot_sup))
        out.append(_rec(indicator, str(year), "total", res_round(total, base), "persons", suppressed=tot_sup))
    return out


def res_round(v: int, base: int | None) -> int:
    return int(base * round(v / base)) if base else int(v)


def unodc_indicators(ev: Any) -> dict[str, Any]:
    """The country-year indicators of an evaluation (JSON-ready).

    Indicators: ``persons_by_stage`` (persons in the cohort by stage of the index decision and year),
    ``persons_by_disposition`` and ``share_by_disposition`` (each alternative and custody), over the
    whole period: ``treatment_entry_90`` and ``treatment_completed`` (proportions by group),
    ``reoffending_1y`` (observed proportion by group, and the adjusted risk difference),
    ``bed_days_averted_per_person`` and ``cost_per_person`` (by group and the net saving).

    Parameters
    ----------
    ev : Evaluation

    Returns
    -------
    dict
        ``schema_version``, ``country``, ``period``, ``extract_date``, ``estimand``, ``records``,
        ``notes``.
    """
    d = ev.cohort.data
    dc = ev.spec.disclosure
    base = dc.rounding_base or None
    recs: list[dict[str, Any]] = []
    year = d["index_year"].astype(int)
    by_stage = pd.crosstab(year, d["stage"]).rename_axis(index=None, columns=None)
    recs += _count_records(by_stage, "persons_by_stage", dc.threshold, base)
    by_disp = pd.crosstab(year, d["disposition"]).rename_axis(index=None, columns=None)
    recs += _count_records(by_disp, "persons_by_disposition", dc.threshold, base, "share_by_disposition")
    period = "all"
    groups = {"alternative": d["treatment"] == 1, "custody": d["treatment"] == 0}
    for col, ind in (("treatment_entry_90", "treatment_entry_90"), ("treatment_completed", "treatment_completed"),
                     (f"reoffend_{ev.headline_horizon}", "reoffending_1y" if ev.headline_horizon == 365
                      else f"reoffending_{ev.headline_horizon}d")):
        if col not in d.columns:
            continue
        for g, m in groups.items():
            y = d.loc[m, col].dropna()
            events = int(y.sum())
            small = (0 < len(y) < dc.threshold) or (0 < events < dc.threshold) or (0 < len(y) - events < dc.threshold)
            recs.append(_rec(ind, period, g, y.mean() if len(y) else None, "proportion", n=len(y), suppressed=small))
    h0 = ev.headline_horizon
    if h0 in ev.recidivism:
        rd = ev.recidivism[h0].summary.loc["risk_difference"]
        recs.append(_rec("reoffending_1y" if h0 == 365 else f"reoffending_{h0}d", period, "adjusted_difference",
                         rd["estimate"], "proportion_difference", (rd["ci_low"], rd["ci_high"])))
    if ev.prison is not None:
        row = ev.prison.bed_days.summary.query("component == 'total' and horizon == @h0").iloc[0]
        recs.append(_rec("bed_days_averted_per_person", period, "alternative", row["averted"], "days",
                         (row["averted_ci_low"], row["averted_ci_high"])))
    if ev.costs is not None:
        c = ev.costs.comparison
        tot = c.summary.query("perspective == 'all' and component == 'total'").iloc[0]
        unit = f"{ev.costs.unit_costs.currency} {ev.costs.unit_costs.price_year}"
        recs.append(_rec("cost_per_person", period, "alternative", tot["mean_alternative"], unit))
        recs.append(_rec("cost_per_person", period, "custody", tot["mean_custody"], unit))
        recs.append(_rec("cost_per_person", period, "net_saving", c.npv, unit))
    start, end = ev.period
    notes = list(ev.limitations)
    if ev.costs is not None and ev.costs.unit_costs.placeholders:
        notes.append("cost_per_person uses placeholder unit costs")
    return {"schema_version": UNODC_SCHEMA_VERSION, "country": ev.country,
            "period": {"start": str(start.date()) if start is not None else None,
                       "end": str(end.date()) if end is not None else None},
            "extract_date": str(ev.extract_date.date()), "estimand": ev.spec.design.estimand,
            "disclosure_threshold": dc.threshold, "records": recs, "notes": notes}


def _schema() -> dict[str, Any]:
    text = resources.files("altmeasures_eval.report").joinpath("unodc.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_unodc(doc: dict[str, Any], source: str = "document") -> None:
    """Validate an indicator document against ``unodc.schema.json`` (raises listing every problem)."""
    import jsonschema

    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20]]
        raise AltMeasuresError(f"{source}: not a valid UNODC indicator file (schema {UNODC_SCHEMA_VERSION}):\n"
                               + "\n".join(lines))


def write_unodc_files(doc: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write ``unodc_indicators.json`` and ``unodc_indicators.csv`` (same records) into ``out``."""
    validate_unodc(doc)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    j, c = out / "unodc_indicators.json", out / "unodc_indicators.csv"
    j.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    frame = pd.DataFrame(doc["records"], columns=list(RECORD_FIELDS))
    frame.insert(0, "country", doc["country"])
    frame.to_csv(c, index=False)
    return {"json": j, "csv": c}


def read_unodc_file(path: str | Path) -> dict[str, Any]:
    """Read and validate one country's ``unodc_indicators.json``."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AltMeasuresError(f"{path}: cannot read a UNODC indicator file: {exc}") from exc
    validate_unodc(doc, str(path))
    return doc


def _get(doc: dict[str, Any], indicator: str, group: str, field: str = "value") -> Any:
    for r in doc["records"]:
        if r["indicator"] == indicator and r["group"] == group and r["year"] == "all":
            return r[field]
    return None


def summary_table(docs: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per country: cohort size, share of alternatives, reoffending, effect, bed-days, cost."""
    rows = []
    for doc in docs:
        disp = [r for r in doc["records"] if r["indicator"] == "persons_by_disposition"]
        total = sum(r["value"] or 0 for r in disp if r["group"] == "total")
        custody = sum(r["value"] or 0 for r in disp if r["group"] == DISPOSITION_CUSTODY)
        rows.append({
            "country": doc["country"], "period": f"{doc['period']['start']} to {doc['period']['end']}",
            "persons": total, "share_alternative": 1 - custody / total if total else None,
            "reoffending_alternative": _get(doc, "reoffending_1y", "alternative"),
            "reoffending_custody": _get(doc, "reoffending_1y", "custody"),
            "adjusted_difference": _get(doc, "reoffending_1y", "adjusted_difference"),
            "ci_low": _get(doc, "reoffending_1y", "adjusted_difference", "ci_low"),
            "ci_high": _get(doc, "reoffending_1y", "adjusted_difference", "ci_high"),
            "treatment_entry_alternative": _get(doc, "treatment_entry_90", "alternative"),
            "bed_days_averted": _get(doc, "bed_days_averted_per_person", "alternative"),
            "net_saving_per_person": _get(doc, "cost_per_person", "net_saving"),
        })
    return pd.DataFrame(rows)


def unodc_summary_content(docs: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """Content model, published table and figures of the multi-country summary (same templates as the report).

    Returns
    -------
    content : dict
    table : PublishedTable
    figures : dict of str to Figure
    """
    from altmeasures_eval import __version__
    from altmeasures_eval.report._content import _table_block
    from altmeasures_eval.report._figures import Figure, _render
    from altmeasures_eval.report._tables import PublishedTable

    countries = [d["country"] for d in docs]
    if len(set(countries)) != len(countries):
        raise AltMeasuresError(f"unodc-summary: a country appears twice ({countries}); pass one file per country")
    tab = summary_table(docs)
    shown = tab.copy()
    for c in ("share_alternative", "reoffending_alternative", "reoffending_custody", "treatment_entry_alternative"):
        shown[c] = 100 * shown[c].astype(float)
    for c in ("adjusted_difference", "ci_low", "ci_high"):
        shown[c] = 100 * shown[c].astype(float)
    rows = [("Period", "period", None), ("Persons in the cohort", "persons", "{:,.0f}"),
            ("% given an alternative", "share_alternative", "{:.1f}"),
            ("% reoffending within 1 year: alternative (observed)", "reoffending_alternative", "{:.1f}"),
            ("% reoffending within 1 year: custody (observed)", "reoffending_custody", "{:.1f}"),
            ("Adjusted difference (points)", "adjusted_difference", "{:+.1f}"),
            ("  95% CI low", "ci_low", "{:+.1f}"), ("  95% CI high", "ci_high", "{:+.1f}"),
            ("% entering treatment within 90 days (alternative)", "treatment_entry_alternative", "{:.1f}"),
            ("Bed-days averted per person", "bed_days_averted", "{:,.0f}"),
            ("Net saving per person (own currency)", "net_saving_per_person", "{:,.0f}")]
    body = {"indicator": [r[0] for r in rows]}
    for _, rec in shown.iterrows():
        body[str(rec["country"])] = [rec[col] if fmt is None or rec[col] is None or pd.isna(rec[col])
                                     else fmt.format(rec[col]) for _, col, fmt in rows]
    table = PublishedTable(
        "unodc_summary", "Indicators by country", pd.DataFrame(body),
        note="Differences are alternative minus custody in percentage points, adjusted within each country. "
             "Costs are in each country's own currency and price year: not comparable across countries.")

    def forest(ax: Any) -> None:
        ok = tab.dropna(subset=["adjusted_difference"])
        y = np.arange(len(ok))[::-1]
        est, lo, hi = (100 * ok[c].to_numpy(dtype=float) for c in ("adjusted_difference", "ci_low", "ci_high"))
        ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color="#1f5c99", capsize=3)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(y, ok["country"])
        ax.set_xlabel("difference in 1-year reoffending (percentage points)")

    def shares(ax: Any) -> None:
        ok = tab.dropna(subset=["share_alternative"])
        ax.barh(np.arange(len(ok))[::-1], 100 * ok["share_alternative"], color="#1f5c99")
        ax.set_yticks(np.arange(len(ok))[::-1], ok["country"])
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the cohort given an alternative")

    h = max(2.2, 0.45 * len(tab) + 1.2)
    figures = {}
    for name, cap, draw in (("effects_by_country", "Adjusted effect on 1-year reoffending by country, with 95% CIs.", forest),
                            ("share_alternatives", "Share of people given an alternative, by country.", shares)):
        png, svg = _render(draw, (6.5, h))
        figures[name] = Figure(name, cap, png, svg)
    notes = [f"{d['country']}: {n}" for d in docs for n in d.get("notes", [])]
    content = {
        "meta": {"title": "Alternatives to custody for minor drug offences: multi-country summary",
                 "country": ", ".join(countries), "organisation": "", "version": __version__,
                 "period": "as reported by each country",
                 "extract_date": ", ".join(sorted({d["extract_date"] for d in docs})), "estimand": ""},
        "summary": [f"This summary combines the indicator files of {len(docs)} countries "
                    f"({', '.join(countries)}), each produced by altmeasures_eval under disclosure control.",
                    "Effects are estimated within each country against its own custody comparison group; "
                    "they are shown side by side, not pooled, since definitions and populations differ."],
        "headline": {},
        "sections": [
            {"id": "table", "title": "Indicators by country", "blocks": [_table_block(table)]},
            {"id": "charts", "title": "Comparisons", "blocks": [
                {"kind": "figure", "name": "effects_by_country", "caption": figures["effects_by_country"].caption},
                {"kind": "figure", "name": "share_alternatives", "caption": figures["share_alternatives"].caption}]},
            {"id": "notes", "title": "Notes from the countries", "blocks": [{"kind": "list", "items": notes or ["none"]}]},
        ],
        "disclosure": ["Every count in the country files was suppressed below each country's disclosure threshold."],
    }
    return content, table, figures
