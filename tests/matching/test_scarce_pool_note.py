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
