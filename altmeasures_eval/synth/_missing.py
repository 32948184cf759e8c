"""Extra covariate missingness for generated extracts: values missing at random (MAR) given
observed columns, for studies of missing-data methods (issue #17).

Off by default: :func:`altmeasures_eval.synth.simulate` leaves the tables untouched unless
``missingness`` is given, so the committed sample stays identical.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from altmeasures_eval._errors import ConfigError

__all__: list[str] = []

#: Columns that can be made missing, with the table that holds them.
MISSABLE = {"substance": "cases", "birth_year": "persons"}


def _rates(score: np.ndarray, share: float) -> np.ndarray:
    """Per-row probabilities whose mean is ``share``: logit p = c + score, c solved for the mean."""
    from scipy.optimize import brentq

    if share <= 0:
        return np.zeros(len(score))
    c = brentq(lambda c: expit(c + score).mean() - share, -30, 30)
    return expit(c + score)


def add_missingness(dataset: Any, missingness: Mapping[str, float], seed: int) -> Any:
    """Blank a share of ``substance`` (drug cases) and ``birth_year`` (persons), MAR.

    ``substance`` is more often unrecorded in early years (before 2019: log-odds +1.0), at the
    police and pre-trial stages (+0.8) and in the first jurisdiction in sort order (+0.7);
    ``birth_year`` more often for men (+0.5) and in the same jurisdiction (+0.7). Both depend on
    observed columns only. ``share`` is the expected share among the rows that can be missing
    (drug cases with a recorded substance; persons with a recorded birth year), on top of the
    generator's default gaps.
    """
    unknown = sorted(set(missingness) - set(MISSABLE))
    if unknown:
        raise ConfigError(f"missingness: {unknown} cannot be made missing; use any of {sorted(MISSABLE)}")
    bad = {k: v for k, v in missingness.items() if not (isinstance(v, int | float) and 0 <= v < 1)}
    if bad:
        raise ConfigError(f"missingness: shares must be in [0, 1), got {bad}")
    rng = np.random.default_rng([int(seed), 1717])  # own stream: the rest of the extract is unchanged
    persons, cases = dataset.persons.copy(), dataset.cases.copy()
    first_jur = sorted(persons["jurisdiction"].astype(str).unique())[0]
    if missingness.get("substance", 0) > 0:
        can = cases["substance"].notna().to_numpy()
        year = pd.to_datetime(cases["decision_date"]).dt.year.fillna(2100).to_numpy()
        score = (1.0 * (year < 2019) + 0.8 * cases["stage"].isin(["police", "pre_trial"]).to_numpy()
                 + 0.7 * (cases["person_id"].map(persons.set_index("person_id")["jurisdiction"]).astype(str)
                          == first_jur).to_numpy())
        p = np.zeros(len(cases))
        p[can] = _rates(score[can], float(missingness["substance"]))
        cases.loc[rng.random(len(cases)) < p, "substance"] = None
    if missingness.get("birth_year", 0) > 0:
        can = persons["birth_year"].notna().to_numpy()
        score = 0.5 * (persons["sex"] == "male").to_numpy() + 0.7 * (persons["jurisdiction"].astype(str) == first_jur).to_numpy()
        p = np.zeros(len(persons))
        p[can] = _rates(score[can].astype(float), float(missingness["birth_year"]))
        persons.loc[rng.random(len(persons)) < p, "birth_year"] = pd.NA
    return dataclasses.replace(dataset, persons=persons, cases=cases)

