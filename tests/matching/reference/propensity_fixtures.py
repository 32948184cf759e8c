"""Write the propensity-model fixtures read by propensity_reference.R and tests/matching/test_propensity_fit.py.

Run from the repository root: ``.venv/bin/python tests/matching/reference/propensity_fixtures.py``.
The endometrial data (Heinze & Schemper 2002) are written by the R script from brglm2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def aliased(seed: int = 12, n: int = 800) -> pd.DataFrame:
    """prior_bed_days = 30 x prior_custody_spells (a source system recording a fixed length per spell),
    region a function of jurisdiction, adult constant: R glm marks prior_bed_days, regionsouth and adult NA."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 65, n).round(1)
    spells = rng.poisson(1.3, n)
    jur = rng.choice(["J1", "J2", "J3", "J4"], n)
    region = np.where(np.isin(jur, ["J1", "J2"]), "north", "south")
    lin = -0.4 + 0.03 * (age - 40) - 0.35 * spells + 0.5 * (jur == "J2") - 0.4 * (jur == "J4")
    t = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    return pd.DataFrame({"t": t, "age": age, "prior_custody_spells": spells, "prior_bed_days": 30 * spells,
                         "jurisdiction": jur, "region": region, "adult": 1})


def regular(seed: int = 13, n: int = 1000) -> pd.DataFrame:
    """A well-posed model: numeric and categorical covariates, no aliasing, no separation."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 65, n).round(1)
    prior = rng.poisson(1.0, n)
    sub = rng.choice(["cannabis", "opioids", "stimulants"], n, p=[0.5, 0.2, 0.3])
    sex = rng.choice(["female", "male"], n, p=[0.2, 0.8])
    lin = 0.8 - 0.02 * (age - 40) - 0.5 * prior + 0.6 * (sub == "opioids") - 0.3 * (sex == "male")
    t = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    return pd.DataFrame({"t": t, "age": age, "prior_proven": prior, "substance": sub, "sex": sex})


def separated(seed: int = 14, n: int = 400) -> pd.DataFrame:
    """Every pre-trial case received an alternative (pre-trial diversion has no custody counterpart)."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(18, 65, n).round(1)
    prior = rng.poisson(1.0, n)
    stage = rng.choice(["pre_trial", "sentence", "trial"], n, p=[0.2, 0.4, 0.4])
    lin = 0.2 - 0.02 * (age - 40) - 0.4 * prior + 0.3 * (stage == "trial")
    t = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    t[stage == "pre_trial"] = 1
    return pd.DataFrame({"t": t, "age": age, "prior_proven": prior, "stage": stage})


def combination(seed: int = 15, n: int = 600) -> pd.DataFrame:
    """Quasi-complete separation by a combination of levels: (J3, sentence) holds only alternatives and
    (J1, trial) only custody cases, so the direction [J3] + [sentence] - 1 separates although each
    level alone holds both groups."""
    rng = np.random.default_rng(seed)
    jur = rng.choice(["J1", "J3"], n)
    stage = rng.choice(["sentence", "trial"], n)
    age = rng.uniform(18, 65, n).round(1)
    t = rng.binomial(1, 0.5, n)
    t[(jur == "J3") & (stage == "sentence")] = 1
    t[(jur == "J1") & (stage == "trial")] = 0
    return pd.DataFrame({"t": t, "age": age, "jurisdiction": jur, "stage": stage})


def complete(seed: int = 16, n: int = 200) -> pd.DataFrame:
    """Complete separation on a numeric covariate: everyone with more than two prior spells went to custody."""
    rng = np.random.default_rng(seed)
    prior = rng.uniform(0, 5, n).round(3)
    age = rng.uniform(18, 65, n).round(1)
    t = (prior <= 2.5).astype(int)
    return pd.DataFrame({"t": t, "age": age, "prior": prior})


FIXTURES = {"ps_aliased": aliased, "ps_regular": regular, "ps_separated": separated,
            "ps_combination": combination, "ps_complete": complete}

if __name__ == "__main__":
    for name, make in FIXTURES.items():
        make().to_csv(HERE / f"{name}.csv", index=False)
