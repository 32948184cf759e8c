"""Build the jurisdiction x month panel from the person-level contract tables, under disclosure control.

Two counts per jurisdiction (the person's ``jurisdiction``) and month:

* ``drug_possession_cases``: cases whose offence is possession for personal use (ICCS code starting
  with the eligible prefixes, default ``06011``), by month of the offence;
* ``drug_possession_admissions``: custody spells (any custody type) linked to such a case, by month
  of admission.

The exact counts are for analysis inside the ministry; what may be published is the
disclosure-controlled copy (:func:`altmeasures_eval.privacy.suppress_long`, primary and secondary
suppression of counts below the threshold, optional rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from altmeasures_eval.privacy import SuppressedTable, suppress_long
from altmeasures_eval.schema import ICCS_DRUG_PERSONAL_USE, Dataset

__all__ = ["PanelBuild", "panel_from_dataset"]

PANEL_COUNTS = ("drug_possession_admissions", "drug_possession_cases")


@dataclass(frozen=True)
class PanelBuild:
    """A panel counted from person-level tables.

    Attributes
    ----------
    panel : pandas.DataFrame
        ``jurisdiction``, ``month``, one column per count; every jurisdiction x month in the range
        (empty cells count 0). Exact counts: for analysis, not for publication.
    published : dict of str to SuppressedTable
        Per count, the disclosure-controlled jurisdiction x month table.
    attrition : pandas.DataFrame
        ``count``, ``step``, ``rows``: records read, and records left out with the reason (no
        jurisdiction, outside the month range).
    notes : tuple of str
    """

    panel: pd.DataFrame
    published: dict[str, SuppressedTable]
    attrition: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)


def panel_from_dataset(
    dataset: Dataset,
    *,
    start: str | None = None,
    end: str | None = None,
    eligible_prefixes: tuple[str, ...] = (ICCS_DRUG_PERSONAL_USE,),
    threshold: int = 10,
    rounding_base: int | None = None,
) -> PanelBuild:
    """Count drug-possession cases and custody admissions by jurisdiction and month.

    Parameters
    ----------
    dataset : Dataset
        Validated contract tables.
    start, end : str, optional
        First and last month ``YYYY-MM``; default the range of the data, ending at the extract
        date's month.
    eligible_prefixes : tuple of str
        ICCS prefixes of the offences counted.
    threshold, rounding_base : int
        Disclosure control of the published tables (see :func:`altmeasures_eval.privacy.suppress_counts`).

    Returns
    -------
    PanelBuild
    """
    persons = dataset.persons[["person_id", "jurisdiction"]]
    cases = dataset.cases
    elig = cases["iccs_code"].astype(str).str.startswith(eligible_prefixes)
    c = cases.loc[elig, ["case_id", "person_id", "offence_date"]].merge(persons, on="person_id", how="left")
    c["month"] = c["offence_date"].dt.strftime("%Y-%m")
    s = dataset.custody_spells
    s = s.loc[s["case_id"].isin(c["case_id"]), ["person_id", "admission_date"]].merge(persons, on="person_id", how="left")
    s["month"] = s["admission_date"].dt.strftime("%Y-%m")
    lo = start or min(c["month"].min(), s["month"].min() if len(s) else c["month"].min())
    hi = end or dataset.extract.extract_date.strftime("%Y-%m")
    months = pd.period_range(lo, hi, freq="M").strftime("%Y-%m")
    jur = sorted(persons["jurisdiction"].dropna().astype(str).unique())
    grid = pd.MultiIndex.from_product([jur, months], names=["jurisdiction", "month"])
    attrition, parts = [], {}
    for name, rows in (("drug_possession_cases", c), ("drug_possession_admissions", s)):
        no_j = rows["jurisdiction"].isna()
        out = ~rows["month"].isin(months)
        attrition += [{"count": name, "step": "records read", "rows": int(len(rows))},
                      {"count": name, "step": "left out: person has no jurisdiction", "rows": int(no_j.sum())},
                      {"count": name, "step": "left out: month outside the range", "rows": int((out & ~no_j).sum())}]
        kept = rows[~no_j & ~out]
        parts[name] = kept.groupby(["jurisdiction", "month"]).size().reindex(grid, fill_value=0)
    panel = pd.DataFrame({name: parts[name].astype("int64") for name in PANEL_COUNTS}).reset_index()
    published = {name: suppress_long(panel, name, rows="month", columns="jurisdiction", threshold=threshold,
                                     rounding_base=rounding_base, name=name) for name in PANEL_COUNTS}
    notes = [f"{len(jur)} jurisdictions x {len(months)} months ({months[0]} to {months[-1]}); offences with ICCS "
             f"codes starting {', '.join(eligible_prefixes)}"]
    for name, t in published.items():
        notes.extend(t.notes)
    return PanelBuild(panel=panel, published=published, attrition=pd.DataFrame(attrition), notes=tuple(notes))
