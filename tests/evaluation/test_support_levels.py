"""The design's level check when no propensity model can be fitted (design/_support.py level_gaps),
and the people-dropped table read from a support result of any shape (dropped_table).

Expected values worked by hand from the eight people below (issue #14: these lines were reached by
no test; the coverage of the suite is not to fall).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from altmeasures_eval.design._support import dropped_table, level_gaps


def _people() -> pd.DataFrame:
    #     treatment  jurisdiction  substance  age
    # 0   1          A             x          20
    # 1   1          A             x          30
    # 2   1          B             (missing)  40
    # 3   1          C             x          50   <- C: no custody case holds it
    # 4   0          A             x          20
    # 5   0          B             x          30
    # 6   0          B             x          40
    # 7   0          D             x          50   <- D: no alternative case holds it
    return pd.DataFrame({
        "treatment": [1, 1, 1, 1, 0, 0, 0, 0],
        "jurisdiction": pd.Categorical(["A", "A", "B", "C", "A", "B", "B", "D"]),
        "substance": ["x", "x", None, "x", "x", "x", "x", "x"],
        "age": [20, 30, 40, 50, 20, 30, 40, 50],
    })


def test_levels_held_by_one_group_only_are_found_by_hand():
    kept, table = level_gaps(_people(), "treatment", ["jurisdiction", "substance", "age"])
    # jurisdiction: person 3 (C, alternative) and person 7 (D, custody); substance: person 2, whose
    # missing value counts as the level "unknown", which no custody case has; age is numeric: no check
    np.testing.assert_array_equal(kept, [True, True, False, False, True, True, True, False])
    assert table.to_dict("records") == [
        {"group": "alternative", "reason": "no comparable person in the custody group: jurisdiction = C", "persons": 1},
        {"group": "custody", "reason": "no comparable person in the alternative group: jurisdiction = D", "persons": 1},
        {"group": "alternative", "reason": "no comparable person in the custody group: substance = unknown",
         "persons": 1},
    ]


def test_a_person_is_counted_once_however_many_levels_lack_a_match():
    data = _people()
    data.loc[3, "substance"] = "y"  # person 3 now also holds a substance no custody case holds
    kept, table = level_gaps(data, "treatment", ["jurisdiction", "substance"])
    assert int((~kept).sum()) == 3 and int(table["persons"].sum()) == 3  # read = kept + dropped
    assert "substance = y" not in " ".join(table["reason"])  # already out at jurisdiction = C


def test_no_gap_keeps_everyone_and_gives_an_empty_table_with_its_columns():
    data = _people().iloc[[0, 1, 4, 5]].assign(jurisdiction=["A", "B", "A", "B"])  # both groups hold A and B
    kept, table = level_gaps(data, "treatment", ["jurisdiction", "substance"])
    assert kept.all() and table.empty and list(table.columns) == ["group", "reason", "persons"]


def test_dropped_table_reads_any_support_result():
    assert list(dropped_table(SimpleNamespace(dropped=None)).columns) == ["group", "reason", "persons"]
    named_n = SimpleNamespace(dropped=pd.DataFrame({"group": ["custody"], "reason": ["score above range"], "n": [4]}))
    assert dropped_table(named_n).to_dict("records") == [{"group": "custody", "reason": "score above range",
                                                          "persons": 4}]
    # no group column and a count under another name: the last numeric column, the group left blank
    other = SimpleNamespace(dropped=pd.DataFrame({"reason": ["level gap"], "k": [2]}))
    assert dropped_table(other).to_dict("records") == [{"group": "", "reason": "level gap", "persons": 2}]
