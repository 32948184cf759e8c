"""A matching without replacement whose pool is smaller than the focal group says so (as MatchIt)."""

from __future__ import annotations

import pandas as pd

from altmeasures_eval.matching import match_nearest

# Three treated (0.1, 0.5, 0.9) and two controls (0.4, 0.6): ATT 1:1 can match at most two.
DATA = pd.DataFrame({"treatment": [1, 1, 1, 0, 0], "d": [0.1, 0.5, 0.9, 0.4, 0.6]})


def _scarce(notes: tuple[str, ...]) -> bool:
    return any(n.startswith("fewer ") for n in notes)


def test_att_without_replacement_and_a_smaller_pool_carries_the_note() -> None:
    m = match_nearest(DATA, "treatment", "d", replace=False, estimand="ATT", caliper=None)
    assert _scarce(m.notes)
    assert "fewer control units (2) than 1 x 3 treated units" in " ".join(m.notes)
    assert int(m.counts.loc["matched", "treated"]) == 2  # what the note warns about


def test_no_note_with_replacement_or_an_ample_pool() -> None:
    assert not _scarce(match_nearest(DATA, "treatment", "d", estimand="ATT", caliper=None, replace=True).notes)
    assert not _scarce(match_nearest(DATA, "treatment", "d", replace=False, estimand="ATC", caliper=None).notes)
    # 1:2 for ATC needs 4 treated for 2 controls: 3 are too few
    assert _scarce(match_nearest(DATA, "treatment", "d", replace=False, estimand="ATC", caliper=None, ratio=2).notes)


def test_one_sided_pairs_are_reported_with_their_mean_shift() -> None:
    """Hand computation: ATT, largest first: 0.9 takes 0.6, 0.5 takes 0.4 (0.1 is left over).
    Focal minus match = (0.3 + 0.1) / 2 = 0.2; SD of d (population, all five) = sqrt(0.068)."""
    m = match_nearest(DATA, "treatment", "d", replace=False, estimand="ATT", caliper=None)
    note = next(n for n in m.notes if n.startswith("matched pairs differ"))
    assert f"{0.2 / 0.068 ** 0.5:+.3f} SD" in note


def test_no_shift_note_when_neighbours_fall_on_both_sides() -> None:
    # 0.7 takes 0.72 (-0.02), 0.3 takes 0.28 (+0.02): mean shift 0
    data = pd.DataFrame({"treatment": [1, 1, 0, 0, 0, 0], "d": [0.3, 0.7, 0.28, 0.36, 0.64, 0.72]})
    m = match_nearest(data, "treatment", "d", replace=False, estimand="ATT", caliper=None)
    assert not any(n.startswith("matched pairs differ") for n in m.notes)


def _gate_cohort(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """About 57% treated, assignment on age and prior proven offences: custody cases (the focal
    group of the ATC) are dense where the alternative group is thin."""
    import numpy as np

    rng = np.random.default_rng(seed)
    age = rng.normal(30, 8, n).round()
    prior = rng.poisson(1.5, n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(1.0 + 0.06 * (age - 30) - 0.5 * prior)))).astype(int)
    y = (rng.random(n) < 0.3 + 0.02 * prior).astype(float)
    return pd.DataFrame({"person_id": np.arange(n), "treatment": t, "age": age, "prior_proven": prior,
                         "jurisdiction": "J1", "stage": "trial", "reoffend_365": y})


def test_design_gate_refuses_a_match_without_replacement_that_leaves_the_score_unbalanced() -> None:
    """Design gate, matching without replacement (#19): |SMD| of the logit score after matching at
    most MATCHED_SCORE_SMD = 0.05. Greedy 1:1 ATC matching with the 0.2 SD caliper leaves 0.082 here
    (every covariate within 0.1, so no other check fails); the advice, a caliper of 0.1, leaves
    0.024 and the gate passes. With replacement the check is not made."""
    from dataclasses import replace

    from altmeasures_eval.design import build_design
    from altmeasures_eval.evaluation import DesignSettings

    s = DesignSettings(covariates=("age", "prior_proven"), method="matching", replace=False, estimand="ATC",
                       caliper=0.2)
    data = _gate_cohort()
    gate = build_design(data, s, random_state=1).gate
    row = gate.checks.set_index("check").loc["score balance of a match without replacement"]
    assert not gate.passed and not row["passed"] and 0.08 < row["value"] < 0.085
    assert list(gate.checks.loc[~gate.checks["passed"].astype(bool), "check"]) == [
        "score balance of a match without replacement"]
    assert any("set [design] caliper = 0.1" in a for a in gate.advice)
    fixed = build_design(data, replace(s, caliper=0.1), random_state=1).gate
    assert fixed.passed
    assert fixed.checks.set_index("check").loc["score balance of a match without replacement", "value"] < 0.05
    with_replacement = build_design(data, replace(s, replace=True), random_state=1).gate
    assert "score balance of a match without replacement" not in set(with_replacement.checks["check"])
