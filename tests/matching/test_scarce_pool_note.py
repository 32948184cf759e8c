"""A matching without replacement whose pool is smaller than the focal group says so (as MatchIt)."""

from __future__ import annotations

import pandas as pd

from altmeasures_eval.matching import match_nearest

# Three treated (0.1, 0.5, 0.9) and two controls (0.4, 0.6): ATT 1:1 can match at most two.
DATA = pd.DataFrame({"treatment": [1, 1, 1, 0, 0], "d": [0.1, 0.5, 0.9, 0.4, 0.6]})


def _scarce(notes: tuple[str, ...]) -> bool:
    return any(n.startswith("fewer ") for n in notes)


def test_att_without_replacement_and_a_smaller_pool_carries_the_note() -> None:
    m = match_nearest(DATA, "treatment", "d", estimand="ATT", caliper=None)
    assert _scarce(m.notes)
    assert "fewer control units (2) than 1 x 3 treated units" in " ".join(m.notes)
    assert int(m.counts.loc["matched", "treated"]) == 2  # what the note warns about


def test_no_note_with_replacement_or_an_ample_pool() -> None:
    assert not _scarce(match_nearest(DATA, "treatment", "d", estimand="ATT", caliper=None, replace=True).notes)
    assert not _scarce(match_nearest(DATA, "treatment", "d", estimand="ATC", caliper=None).notes)
    # 1:2 for ATC needs 4 treated for 2 controls: 3 are too few
    assert _scarce(match_nearest(DATA, "treatment", "d", estimand="ATC", caliper=None, ratio=2).notes)
