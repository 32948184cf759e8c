"""Comparisons by decision point: an alternative is compared with custody decided at the same stage.

Stages of the process at which only one group occurs (police or pre-trial diversion, where custody
is never decided) have no comparison: they are described and, by default, left out of the effect.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["DecisionPoints", "decision_points"]

_REOFFEND = re.compile(r"^reoffend_(\d+)$")


class DecisionPoints:
    """Which stages enter the comparison (built by :func:`decision_points`).

    Attributes
    ----------
    data : pandas.DataFrame
        The cohort rows at the stages kept.
    counts : pandas.DataFrame
        One row per stage: ``stage``, ``alternative``, ``custody`` (rows), ``persons``, ``compared``
        (bool) and ``reason`` (why a stage is left out, empty otherwise).
    left_out : pandas.DataFrame
        The stages left out, described: ``stage``, ``reason``, ``persons``, ``alternative``,
        ``custody`` and, per follow-up horizon ``h`` of the cohort, ``reoffend_h_rate`` and
        ``reoffend_h_n`` (people observable at that horizon). Counts are raw: publish them
        through disclosure control.
    stage_covariate : bool
        Whether ``stage`` can be a covariate: both groups exist at more than one stage kept.
    notes : tuple of str
    """

    def __init__(self, data: pd.DataFrame, counts: pd.DataFrame, left_out: pd.DataFrame,
                 stage_covariate: bool, notes: tuple[str, ...]) -> None:
        self.data, self.counts, self.left_out = data, counts, left_out
        self.stage_covariate, self.notes = stage_covariate, notes


def decision_points(data: pd.DataFrame, mode: str = "comparable") -> DecisionPoints:
    """Split the cohort by stage into the stages compared and the stages only described.

    Parameters
    ----------
    data : pandas.DataFrame
        Cohort table with ``stage`` and ``treatment`` (1 alternative, 0 custody).
    mode : {"comparable", "all"}
        ``comparable``: stages with people in one group only are left out; ``all``: every stage is
        kept (a one-group stage then falls outside common support).

    Returns
    -------
    DecisionPoints
    """
    if "stage" not in data.columns:
        return DecisionPoints(data, pd.DataFrame(columns=["stage", "alternative", "custody", "persons",
                                                          "compared", "reason"]),
                              pd.DataFrame(), False, ())
    stage = data["stage"].astype(object).fillna("unknown")
    t = data["treatment"].to_numpy()
    # counts by stage (sorted, as a crosstab), from the codes: no copy of the cohort per stage
    codes, levels = pd.factorize(stage, sort=True)
    k = len(levels)
    pid = data["person_id"].to_numpy() if "person_id" in data.columns else None
    counts = pd.DataFrame({"stage": levels.astype(str), "alternative": np.bincount(codes[t == 1], minlength=k),
                           "custody": np.bincount(codes[t == 0], minlength=k)})
    counts["persons"] = [int(pd.Series(pid[codes == j]).nunique()) if pid is not None else int((codes == j).sum())
                         for j in range(k)]
    reason = np.where(counts["custody"] == 0, "no custody decision at this stage",
                      np.where(counts["alternative"] == 0, "no alternative given at this stage", ""))
    counts["reason"] = reason
    counts["compared"] = (reason == "") | (mode == "all")
    keep_stages = counts.loc[counts["compared"], "stage"].tolist()
    both = counts[(counts["alternative"] > 0) & (counts["custody"] > 0) & counts["compared"]]
    kept = data[stage.isin(keep_stages).to_numpy()]
    notes: list[str] = []
    out = counts[~counts["compared"]]
    rows = []
    horizons = sorted(int(m.group(1)) for c in data.columns if (m := _REOFFEND.match(str(c))))
    for _, r in out.iterrows():
        sub = data[(stage == r["stage"]).to_numpy()]
        row = {"stage": r["stage"], "reason": r["reason"], "persons": int(r["persons"]),
               "alternative": int(r["alternative"]), "custody": int(r["custody"])}
        for h in horizons:
            y = sub[f"reoffend_{h}"].dropna()
            row[f"reoffend_{h}_n"] = len(y)
            row[f"reoffend_{h}_rate"] = float(y.mean()) if len(y) else float("nan")
        rows.append(row)
        notes.append(f"stage {r['stage']}: {r['reason']}; described, and left out of the effect "
                     "([design] decision_points = \"comparable\")")
    stage_cov = len(both) > 1
    return DecisionPoints(kept, counts, pd.DataFrame(rows), stage_cov, tuple(notes))
