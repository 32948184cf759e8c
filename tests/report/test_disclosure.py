"""Disclosure control of the published tables: attrition chains and cohort descriptions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval.privacy import DisclosurePolicy

MARK = "[c]"


def _chain(start: int, removed: list[int]) -> tuple[np.ndarray, np.ndarray]:
    rem = np.asarray(removed, float)
    return rem, start - np.cumsum(rem)


def _recoverable(start: object, removed: list, remaining: list) -> set[int]:
    """Independent check of the chain: published remaining counts cut the chain into segments;
    within a segment the hidden removals have a known sum (difference of the segment's ends minus
    the published removals), so a hidden removal is recoverable iff it is alone in its segment."""
    k = len(removed)
    known = ([-1] if start != MARK else []) + [i for i in range(k) if remaining[i] != MARK]  # -1 = start
    if not known or known[-1] != k - 1:
        known.append(k - 1)  # the final count is always published (it is the cohort size)
    out = set()
    for a, b in zip(known, known[1:]):
        hidden = [i for i in range(a + 1, b + 1) if removed[i] == MARK]
        if len(hidden) == 1:
            out.add(hidden[0])
    return out


def test_attrition_hand_example() -> None:
    p = DisclosurePolicy(10, 0, MARK)
    rem, left, first = p.attrition(*_chain(1000, [100, 3, 50, 0]), start=1000)
    # the 3 is hidden; the secondary cell is the 50 (not the 0, which would bound the 3 by 3)
    assert rem == [100, MARK, MARK, 0]
    assert left == [900, MARK, 847, 847] and first == 1000  # only the count between them is hidden
    assert _recoverable(first, rem, left) == set()


def test_single_step_hides_the_start_as_last_resort() -> None:
    rem, left, first = DisclosurePolicy(10, 0, MARK).attrition(*_chain(200, [1]), start=200)
    assert rem == [MARK] and left == [199] and first == MARK


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=5), st.integers(200, 400))
def test_no_small_removal_is_recoverable(removed: list[int], start: int) -> None:
    p = DisclosurePolicy(10, 0, MARK)
    rem, left, first = p.attrition(*_chain(start, removed), start=start)
    for r, shown in zip(removed, rem):
        if 0 < r < 10:
            assert shown == MARK
        elif shown != MARK:
            assert shown == r
    small_hidden = {i for i, r in enumerate(removed) if 0 < r < 10}
    assert not (_recoverable(first, rem, left) & small_hidden)
    assert left[-1] == start - sum(removed)


def test_rounding_to_base_five() -> None:
    p = DisclosurePolicy(10, 5, MARK)
    rem, left, first = p.attrition(*_chain(1003, [101, 52]), start=1003)
    assert rem == [100, 50] and left == [900, 850] and first == 1005


def test_cohort_description_secondary_suppression(small_evaluation) -> None:
    """In a small cohort every variable with one suppressed level has a second one suppressed."""
    from altmeasures_eval.report import published_tables

    tables, _ = published_tables(small_evaluation)
    desc = tables["cohort_description"].frame
    var = desc["characteristic"].str.split(": ").str[0]
    binary = desc["characteristic"].str.contains(": ")
    for col in ("alternative", "custody"):
        hidden = (desc[col] == MARK) & binary
        for v in var[hidden].unique():
            assert hidden[var == v].sum() >= 2, (col, v)
    # hand check of the primary rule: a shown percentage never stands for 1-9 people
    n = {"alternative": small_evaluation.n_treated, "custody": small_evaluation.n_control}
    for col in ("alternative", "custody"):
        shown = desc.loc[binary & (desc[col] != MARK), col].astype(float)
        counts = np.rint(shown / 100 * n[col])
        assert not ((counts > 0) & (counts < 10)).any()


def test_rates_of_rare_binary_outcomes_are_hidden_with_their_events(sample_evaluation) -> None:
    """Overdose deaths are rare in the sample: fewer than 10 per group within a year, so the
    group rates and every contrast built from them are hidden, not only the counts."""
    from tests.report._shared import sample_tables

    d = sample_evaluation.cohort.data
    deaths = d.groupby("treatment")["overdose_death_365"].sum()
    assert (deaths < 10).any()  # premise of the test, from the sample itself
    tables, _ = sample_tables(sample_evaluation)  # the session's, computed once per process
    row = tables["health"].frame.set_index("outcome").loc["overdose_death_365"]
    for col in ("events_alternative", "events_custody", "alternative", "custody_adjusted", "difference", "ci_low",
                "ci_high", "p_value"):
        assert row[col] == MARK, col
    # cumulative incidence: every published estimate stands on at least 10 events
    ci = tables["cumulative_incidence"].frame
    shown = ci[ci["estimate"] != MARK]
    assert (pd.to_numeric(shown["events"]) >= 10).all()


def test_rejected_records_cannot_be_recovered_from_read_minus_kept() -> None:
    from types import SimpleNamespace

    from altmeasures_eval.report._tables import _quality

    tables = pd.DataFrame({"table": ["persons", "cases"], "input_rows": [500, 903], "kept_rows": [500, 900],
                           "rejected_rows": [0, 3]})
    ev = SimpleNamespace(quality=SimpleNamespace(tables=tables, problems=pd.DataFrame()))
    frame = _quality(ev, DisclosurePolicy(10, 0, MARK)).frame.set_index("table")
    assert frame.loc["cases", "rejected_rows"] == MARK
    assert frame.loc["cases", "kept_rows"] == MARK  # else 903 - 900 = 3
    assert frame.loc["cases", "records_read"] == 903
    assert frame.loc["persons"].tolist() == [500, 500, 0]


def test_published_files_neutralise_formulas_and_keep_printed_precision() -> None:
    """A table whose first cell is a label such as '=1+1' is written as text (OWASP CSV injection);
    floats are written at the precision the report prints (34.04255% of a group would give the
    count back), p-values to 4 decimals; negative numbers stay numbers."""
    from altmeasures_eval.report._tables import PublishedTable, p_format, publishable_frame

    t = PublishedTable("x", "x", pd.DataFrame({"label": ["=1+1", "a=b", "@x"], "rate": [34.04255319, -1.25, 2.0],
                                               "p": [0.012345, 0.5, 0.9], "n": [448, 12, 30]}),
                       formats={"rate": "{:.1f}", "p": p_format})
    out = publishable_frame(t)
    assert out["label"].tolist() == ["'=1+1", "a=b", "'@x"]
    # -1.25 is printed "-1.2" by the page's "{:.1f}" (Python's format); the file says the same
    assert out["rate"].tolist() == [34.0, float(f"{-1.25:.1f}"), 2.0]
    assert out["p"].tolist() == [0.0123, 0.5, 0.9] and out["n"].tolist() == [448, 12, 30]


def test_with_rounding_percentages_are_no_finer_than_the_rounded_counts() -> None:
    """Rounding base 5, smaller group 260: a count is known to +-2.5, a rate to +-0.96 points
    (100 * 5 / 520), so rates and differences are printed as whole points (by hand), and the
    file writes them as whole numbers ("31", not "31.0"). Without rounding nothing changes."""
    from altmeasures_eval.report._tables import PublishedTable, _coarsen, publishable_frame

    assert DisclosurePolicy(rounding_base=5).percent_decimals(260) == 0
    assert DisclosurePolicy(rounding_base=5).percent_decimals(5000) == 1  # 0.05 points -> 0.1
    assert DisclosurePolicy().percent_decimals(260) is None
    t = PublishedTable("recidivism", "x", pd.DataFrame({"rate_alternative": [30.7692, np.nan],
                                                        "difference_points": [-19.123, MARK], "n_alternative": [260, 10]}),
                       formats={"rate_alternative": "{:.1f}", "difference_points": "{:+.1f}"})
    out = publishable_frame(_coarsen(t, 0))
    assert out.to_csv(index=False).splitlines() == ["rate_alternative,difference_points,n_alternative",
                                                     "31,-19,260", ",[c],10"]
    assert _coarsen(t, 0).display()[1][0][:2] == ["31", "\u221219"]  # printed with a true minus sign


def test_level_counts_of_the_balance_rows_by_hand() -> None:
    """The smallest number of people holding each level of a categorical covariate, in either
    group and any completed data set (report._missing._level_counts, which hides balance rows of
    small levels). Worked by hand on eight people, two completed data sets; a single group gives 0
    (a level cannot be compared), as the cross-table of level by group it replaced did."""
    from types import SimpleNamespace

    from altmeasures_eval.report._missing import _level_counts

    data = pd.DataFrame({"treatment": [1, 1, 1, 0, 0, 0, 0, np.nan],
                         "sex": ["f", "m", "m", "f", "f", "m", "m", "f"],
                         "stage": pd.Categorical(["a", "a", "b", "a", "b", "b", "b", "a"], categories=["a", "b", "c"]),
                         "age": [15, 16, 17, 15, 16, 17, 15, 16]})
    second = data.assign(sex=["m", "m", "m", "f", "f", "m", "m", "f"])  # an imputation that filled "sex" otherwise

    class Imputed:
        m = 2

        def complete(self, i: int) -> pd.DataFrame:
            return (data, second)[i]

    def counts(imputed: object, frame: pd.DataFrame) -> dict[str, int]:
        design = SimpleNamespace(imputed=imputed, data=frame, covariates=("age", "sex", "stage", "absent"))
        return _level_counts(SimpleNamespace(design=design))

    # data: sex f 1 alternative / 2 custody, m 2 / 2; stage a 2 / 1, b 1 / 3 (the person with no group not counted)
    # second: sex f 0 / 2 (f leaves the alternative group), m 3 / 2
    assert counts(Imputed(), data) == {"sex=f": 0, "sex=m": 2, "stage=a": 1, "stage=b": 1}
    assert counts(None, data) == {"sex=f": 1, "sex=m": 2, "stage=a": 1, "stage=b": 1}
    one_group = data.assign(treatment=1)
    assert counts(None, one_group) == {"sex=f": 0, "sex=m": 0, "stage=a": 0, "stage=b": 0}
    # the reference: the cross-table of level by group, smallest cell per level
    for frame in (data, second):
        for c in ("sex", "stage"):
            tab = pd.crosstab(frame[c].astype(str), frame["treatment"])
            for level, row in tab.iterrows():
                assert counts(None, frame)[f"{c}={level}"] == int(row.min())
