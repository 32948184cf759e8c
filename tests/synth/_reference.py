"""An independent, deliberately plain pandas implementation of the agreed cohort definition.

Written from the agreed interface text of issue #3 (not from the generator's code) and used to check
that the generator's published truth is measured exactly as the cohort builder measures it.
"""

from __future__ import annotations

import pandas as pd

from altmeasures_eval.schema import Dataset

EXCLUDED = ("01", "02", "03", "04", "06012")


def reference_cohort(ds: Dataset, period: tuple[str, str] = ("2021-01-01", "2021-12-31")) -> pd.DataFrame:
    """Index person, index case, treatment and start date under the cohort defaults."""
    c = ds.cases.merge(ds.persons[["person_id", "birth_year"]], on="person_id")
    proven = c[c["outcome"] == "proven"]
    bad = proven[proven["iccs_code"].str.startswith(EXCLUDED)][["person_id", "decision_date"]]
    bad = bad.drop_duplicates().assign(excluded=True)
    lo, hi = pd.Timestamp(period[0]), pd.Timestamp(period[1])
    e = proven[proven["iccs_code"].str.startswith("06011")
               & proven["decision_date"].between(lo, hi)
               & (proven["disposition"] != "dismissed")]
    e = e.merge(bad, on=["person_id", "decision_date"], how="left")
    e = e[e["excluded"].isna()]
    e = e[(e["decision_date"].dt.year - e["birth_year"]) >= 18]  # NA birth year -> dropped
    e = e.sort_values(["person_id", "decision_date", "case_id"]).drop_duplicates("person_id")
    e = e.assign(treatment=(e["disposition"] != "custody").astype("int8"))
    spells = ds.custody_spells
    sentenced = spells[spells["custody_type"] == "sentenced"][["case_id", "release_date"]]
    e = e.merge(sentenced, on="case_id", how="left")
    e["start_date"] = e["decision_date"].where(e["treatment"] == 1, e["release_date"])
    return e[["person_id", "case_id", "treatment", "disposition", "decision_date", "start_date"]]


def reference_outcomes(ds: Dataset, cohort: pd.DataFrame, h: int, waiting: int = 182) -> pd.DataFrame:
    """reoffend/reoffences/bed_days/(overdose) death within h days of start_date; NaN when not observable."""
    ext = ds.extract.extract_date
    k = cohort[["person_id", "start_date"]]
    end = k["start_date"] + pd.Timedelta(days=h)
    c = ds.cases.merge(k, on="person_id")
    ce = c["start_date"] + pd.Timedelta(days=h)
    hit = ((c["offence_date"] > c["start_date"]) & (c["offence_date"] <= ce)
           & (c["outcome"] == "proven") & (c["decision_date"] <= ce + pd.Timedelta(days=waiting)))
    count = hit.groupby(c["person_id"]).sum()
    s = ds.custody_spells.merge(k, on="person_id")
    se = s["start_date"] + pd.Timedelta(days=h)
    rel = s["release_date"].fillna(pd.Timestamp("2262-01-01"))
    nights = (rel.where(rel < se, se) - s["admission_date"].where(s["admission_date"] > s["start_date"],
                                                                  s["start_date"])).dt.days.clip(lower=0)
    beds = nights.groupby(s["person_id"]).sum()
    p = ds.persons.set_index("person_id").loc[k["person_id"]]
    death = p["death_date"].to_numpy()
    overdose = (p["death_cause"] == "overdose").to_numpy()
    out = pd.DataFrame({
        "person_id": k["person_id"].to_numpy(),
        "reoffences": count.reindex(k["person_id"]).fillna(0).to_numpy(),
        "bed_days": beds.reindex(k["person_id"]).fillna(0).to_numpy(),
        "death": (pd.Series(death) <= end.to_numpy()).astype(float).to_numpy(),
    })
    out["overdose_death"] = out["death"] * overdose
    out["reoffend"] = (out["reoffences"] > 0).astype(float)
    observable = (k["start_date"] + pd.Timedelta(days=h + waiting) <= ext).to_numpy()
    out.loc[~observable, ["reoffences", "bed_days", "death", "overdose_death", "reoffend"]] = float("nan")
    return out
