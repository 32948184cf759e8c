"""Tests of disclosure control for published count tables (issue #7, "Disclosure control").

The fixed fixtures are worked by hand (the reasoning is written beside each expected pattern);
the property tests check protection with an independent rank computation
(``numpy.linalg.matrix_rank``) rather than the module's own least-squares check.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval._errors import PrivacyError
from altmeasures_eval.privacy import (
    FLAG_DERIVED,
    FLAG_PRIMARY,
    FLAG_SECONDARY,
    disclosed_cells,
    round_to_base,
    suppress_counts,
    suppress_long,
)

P, S, D, _ = FLAG_PRIMARY, FLAG_SECONDARY, FLAG_DERIVED, ""


def _flags(result) -> list[list[str]]:
    return result.flags.to_numpy().tolist()


# --- hand-worked patterns -----------------------------------------------------------------------
def test_2x2_with_margins_suppresses_all_four_cells() -> None:
    """      a   b | total
    r1      3  20 |  23
    r2     15  30 |  45
    total  18  50 |  68

    3 < 10 is primary. With every total published, publishing any other inner cell gives the
    rest by subtraction (e.g. r2,b = 30 -> r2,a = 45 - 30 = 15 -> r1,a = 18 - 15 = 3), so all
    three others are secondary; the totals (all >= 10) stay published.
    """
    table = pd.DataFrame({"a": [3, 15], "b": [20, 30]}, index=["r1", "r2"])
    result = suppress_counts(table, ["a", "b"])
    assert _flags(result) == [[P, S], [S, S]]
    assert result.table.to_numpy().tolist() == [["[c]", "[c]"], ["[c]", "[c]"]]
    assert (result.n_primary, result.n_secondary) == (1, 3)
    assert (result.implied_totals["flag"] == "").all()  # every total can be published


def test_2x2_without_margins_suppresses_only_the_small_cell() -> None:
    table = pd.DataFrame({"a": [3, 15], "b": [20, 30]}, index=["r1", "r2"])
    result = suppress_counts(table, ["a", "b"], margins="none")
    assert _flags(result) == [[P, _], [_, _]]


def test_3x3_with_margins_closes_the_smallest_rectangle() -> None:
    """       a   b   c | total
    r1       2  40  25 |  67
    r2      30  12  50 |  92
    r3      20  35  11 |  66
    total   52  87  86 | 245

    r1,a = 2 is primary. By hand (MoJ's rule: a line with one suppressed cell gets its smallest
    other cell): row r1 -> c (25 < 40); column a -> r3 (20 < 30); row r3 now has one -> c (11);
    column c then holds two. The rectangle {r1, r3} x {a, c} hides r1,a: the four line equations
    r1a + r1c = 27, r3a + r3c = 31, r1a + r3a = 22, r1c + r3c = 36 have rank 3 in 4 unknowns.
    Note that r2,b = 12 stays published although it is small: it is not below 10.
    """
    table = pd.DataFrame(
        {"a": [2, 30, 20], "b": [40, 12, 35], "c": [25, 50, 11]}, index=["r1", "r2", "r3"]
    )
    result = suppress_counts(table, ["a", "b", "c"])
    assert _flags(result) == [[P, _, S], [_, _, _], [S, _, S]]
    assert result.table.loc["r2"].tolist() == [30, 12, 50]


def test_single_small_cell_recoverable_from_the_total() -> None:
    """A list of dispositions with its total:

    diversion 40, fine 4, custody 25, probation 12, Total 81.
    fine = 4 is primary; without more, fine = 81 - 40 - 25 - 12. The smallest other cell,
    probation (12), is suppressed; the total stays (81 >= 10). The rate of a suppressed row is
    suppressed with it.
    """
    table = pd.DataFrame(
        {
            "disposition": ["diversion", "fine", "custody", "probation", "Total"],
            "n": [40, 4, 25, 12, 81],
            "rate": [0.50, 0.25, 0.40, 0.25, 0.40],
        }
    ).set_index("disposition")
    result = suppress_counts(
        table, ["n"], margins="columns", total_row="Total", derived={"rate": ["n"]}
    )
    assert result.flags["n"].tolist() == [_, P, _, S, _]
    assert result.flags["rate"].tolist() == [_, D, _, D, _]
    assert result.table["n"].tolist() == [40, "[c]", 25, "[c]", 81]
    assert result.table["rate"].tolist() == [0.50, "[c]", 0.40, "[c]", 0.40]
    assert result.n_derived == 2
    # the implied grand total is the Total row itself: nothing else to suppress elsewhere
    assert result.implied_totals.empty


def test_two_small_cells_in_a_line_protect_each_other() -> None:
    """Counts 5, 3, 40, 50 with a published total: 5 and 3 are both primary and their sum (8)
    is all the total reveals, so no secondary suppression is needed."""
    result = suppress_counts(pd.DataFrame({"n": [5, 3, 40, 50]}), ["n"], margins="columns")
    assert result.flags["n"].tolist() == [P, P, _, _]


def test_singleton_cannot_unpick_its_partner() -> None:
    """Counts 1, 3, 40, 50 with a published total: 1 and 3 hide each other from the public,
    but the one person in the first cell knows it is 1 and gets 3 = 94 - 40 - 50 - 1. The
    smallest further cell (40) is suppressed (Langsrud 2024, the singleton problem)."""
    result = suppress_counts(pd.DataFrame({"n": [1, 3, 40, 50]}), ["n"], margins="columns")
    assert result.flags["n"].tolist() == [P, P, S, _]


def test_zero_rule() -> None:
    """Counts 0, 4, 30, 50 with a published total. By default the 0 is published and is not
    used to hide the 4 (it would only say that the 4 is at most 4): 30 is suppressed. With
    zeros='suppress' the 0 is primary and the 0 and 4 protect each other."""
    table = pd.DataFrame({"n": [0, 4, 30, 50]})
    assert suppress_counts(table, ["n"], margins="columns").flags["n"].tolist() == [_, P, S, _]
    strict = suppress_counts(table, ["n"], margins="columns", zeros="suppress")
    assert strict.flags["n"].tolist() == [P, P, _, _]


def test_small_totals_are_primary_and_reported_when_implied() -> None:
    """Row r1 has cells 0 and 6 (total 6 < 10): the row total is primary. It is not a column
    of this table, so it is listed in implied_totals for whoever prints it elsewhere."""
    table = pd.DataFrame({"a": [0, 30, 25], "b": [6, 40, 35]}, index=["r1", "r2", "r3"])
    result = suppress_counts(table, ["a", "b"], margins="both")
    implied = result.implied_totals.set_index(["margin", "label"])["flag"]
    assert implied[("row", "r1")] == P
    assert result.flags.loc["r1", "b"] == P
    assert any("must also be suppressed" in note for note in result.notes)


def test_explicit_margins_are_flagged_in_place() -> None:
    table = pd.DataFrame(
        {"a": [3, 15, 18], "b": [20, 30, 50], "total": [23, 45, 68]}, index=["r1", "r2", "Total"]
    )
    result = suppress_counts(
        table, ["a", "b"], total_row="Total", total_column="total", margins="both"
    )
    assert _flags(result) == [[P, S, _], [S, S, _], [_, _, _]]
    assert result.table["total"].tolist() == [23, 45, 68]


def test_inconsistent_total_is_refused() -> None:
    table = pd.DataFrame({"n": [40, 4, 45]}, index=["a", "b", "Total"])
    with pytest.raises(PrivacyError, match=r"total at row 'Total', column 'n' is 45 but .* 44"):
        suppress_counts(table, ["n"], margins="columns", total_row="Total", name="dispositions")


@pytest.mark.parametrize("bad", [-1, 2.5, None, "x"])
def test_bad_counts_are_refused_with_row_and_value(bad) -> None:
    table = pd.DataFrame({"n": [40, bad, 12]}, index=["a", "b", "c"], dtype=object)
    with pytest.raises(PrivacyError, match=r"cohort: column 'n', row 'b': value"):
        suppress_counts(table, ["n"], name="cohort")


def test_rounding_after_suppression() -> None:
    table = pd.DataFrame({"n": [41, 4, 27, 12, 84]}, index=["a", "b", "c", "d", "Total"])
    result = suppress_counts(table, ["n"], margins="columns", total_row="Total", rounding_base=5)
    # 4 primary, 12 secondary; 41 -> 40, 27 -> 25, 84 -> 85 (rounded separately)
    assert result.table["n"].tolist() == [40, "[c]", 25, "[c]", 85]
    assert any("rounded to the nearest 5" in note for note in result.notes)


def test_to_dict_is_json_ready_and_hides_suppressed_values() -> None:
    table = pd.DataFrame({"a": [3, 15], "b": [20, 30]}, index=pd.Index(["r1", "r2"], name="group"))
    out = suppress_counts(table, ["a", "b"], margins="rows").to_dict()
    assert json.loads(json.dumps(out)) == out
    # rows only: r1's total is published, so a second cell in r1 goes; r2 is untouched
    assert out["records"] == [
        {"group": "r1", "a": None, "b": None},
        {"group": "r2", "a": 15, "b": 30},
    ]
    assert (out["n_primary"], out["n_secondary"]) == (1, 1)


def test_round_to_base_hand_values() -> None:
    # base 5: 0-2 -> 0, 3-7 -> 5, 8-12 -> 10; base 10 rounds halves up (15 -> 20)
    assert [round_to_base(v, 5) for v in [0, 1, 2, 3, 7, 8, 12, 13]] == [0, 0, 0, 5, 5, 10, 10, 15]
    assert round_to_base(15, 10) == 20 and round_to_base(14, 10) == 10
    series = round_to_base(pd.Series([1, None, 8]), 5)
    assert series.dtype == "Int64" and series.tolist()[0] == 0 and series.tolist()[2] == 10
    assert pd.isna(series[1])
    with pytest.raises(ValueError, match="positive"):
        round_to_base(3, 0)


# --- properties ---------------------------------------------------------------------------------
def _relations(n_rows: int, n_cols: int, margins: str) -> tuple[np.ndarray, list[str]]:
    """Independent construction of the published cells of an R x C table as 0/1 rows."""
    rows, kinds = [], []
    for i in range(n_rows):
        for j in range(n_cols):
            v = np.zeros((n_rows, n_cols))
            v[i, j] = 1
            rows.append(v.ravel())
            kinds.append("inner")
    if margins in ("both", "rows"):
        for i in range(n_rows):
            v = np.zeros((n_rows, n_cols))
            v[i, :] = 1
            rows.append(v.ravel())
            kinds.append("row")
    if margins in ("both", "columns"):
        for j in range(n_cols):
            v = np.zeros((n_rows, n_cols))
            v[:, j] = 1
            rows.append(v.ravel())
            kinds.append("column")
    if margins != "none":
        rows.append(np.ones(n_rows * n_cols))
        kinds.append("grand")
    return np.array(rows), kinds


def _determined(relations: np.ndarray, known: np.ndarray, cell: int) -> bool:
    basis = relations[known]
    if len(basis) == 0:
        return False
    rank = np.linalg.matrix_rank(basis)
    return np.linalg.matrix_rank(np.vstack([basis, relations[cell]])) == rank


@settings(max_examples=150, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    margins=st.sampled_from(["both", "rows", "columns", "none"]),
    zeros=st.sampled_from(["publish", "suppress"]),
    data=st.data(),
)
def test_no_small_count_is_recoverable(shape, margins, zeros, data) -> None:
    n_rows, n_cols = shape
    cells = data.draw(
        st.lists(
            st.one_of(st.integers(0, 12), st.integers(10, 60)),
            min_size=n_rows * n_cols,
            max_size=n_rows * n_cols,
        )
    )
    grid = np.array(cells).reshape(n_rows, n_cols)
    table = pd.DataFrame(grid, columns=[f"c{j}" for j in range(n_cols)])
    result = suppress_counts(table, list(table.columns), margins=margins, zeros=zeros)

    relations, kinds = _relations(n_rows, n_cols, margins)
    values = relations @ grid.ravel()
    implied = result.implied_totals["flag"].tolist()
    flags = np.array(result.flags.to_numpy().ravel().tolist() + implied)
    if margins in ("both", "columns") and n_cols == 1:
        flags = np.append(flags, flags[-1])  # the grand total is the single column total
    elif margins in ("both", "rows") and n_rows == 1:
        flags = np.append(flags, flags[n_rows * n_cols])  # ... or the single row total
    assert len(flags) == len(values)
    suppressed = flags != ""
    small = (values < 10) & ((values > 0) | (zeros == "suppress"))
    # 1. every small count (inner or total) is suppressed, and nothing else is primary
    assert np.array_equal(flags == P, small)
    # 2. published values are the input values
    shown = result.table.to_numpy().ravel()
    inner_shown = ~suppressed[: n_rows * n_cols]
    assert shown[inner_shown].tolist() == grid.ravel()[inner_shown].tolist()
    # 3. no suppressed cell (primary or secondary) is a combination of published cells
    for cell in np.flatnonzero(suppressed):
        assert not _determined(relations, ~suppressed, cell)
    # 4. MoJ's line rule follows: a published total never has exactly one suppressed cell
    for k in np.flatnonzero((~suppressed) & (np.array(kinds) != "inner")):
        members = np.flatnonzero(relations[k][: n_rows * n_cols] > 0)
        assert suppressed[members].sum() != 1
    # 5. singletons: a person alone in a suppressed cell cannot compute another primary cell
    for s in np.flatnonzero(suppressed & (values == 1) & (np.array(kinds) == "inner")):
        known = ~suppressed
        known[s] = True
        # only cells holding someone else: another inner cell that is positive or suppressed
        someone_else = (grid.ravel() > 0) | suppressed[: n_rows * n_cols]
        someone_else[s] = False
        holds_others = relations[:, someone_else].any(axis=1)
        for cell in np.flatnonzero(small & suppressed & ~known & holds_others):
            assert not _determined(relations, known, cell)


def test_disclosed_cells_matches_rank_check() -> None:
    relations, _ = _relations(2, 2, "both")
    published = np.ones(len(relations), dtype=bool)
    published[0] = False
    assert disclosed_cells(relations, published, [0]).tolist() == [True]  # 3 = 23 - 20
    published[[1, 2, 3]] = False
    assert disclosed_cells(relations, published, [0, 1, 2, 3]).tolist() == [False] * 4
    assert disclosed_cells(relations, published, []).tolist() == []


def test_empty_table_and_label_columns() -> None:
    empty = pd.DataFrame({"a": pd.Series([], dtype=int), "b": pd.Series([], dtype=int)})
    result = suppress_counts(empty, ["a", "b"])
    assert result.table.empty and (result.n_primary, result.n_secondary) == (0, 0)
    # a label column rides along; records carry it, suppressed counts are null
    table = pd.DataFrame({"stage": ["police", "trial", "sentencing"], "n": [50, 3, 40]})
    out = suppress_counts(table, ["n"], margins="columns").to_dict()
    assert out["records"] == [
        {"stage": "police", "n": 50},
        {"stage": "trial", "n": None},
        {"stage": "sentencing", "n": None},
    ]


def test_suppress_long_two_way_matches_the_wide_result() -> None:
    """The 3x3 hand-worked fixture in tidy form, in a shuffled row order, with a rate column."""
    wide = pd.DataFrame(
        {"a": [2, 30, 20], "b": [40, 12, 35], "c": [25, 50, 11]}, index=["r1", "r2", "r3"]
    )
    tidy = (
        wide.rename_axis("group").reset_index()
        .melt(id_vars="group", var_name="outcome", value_name="n")
        .sample(frac=1, random_state=3)
        .reset_index(drop=True)
    )
    tidy["share"] = tidy["n"] / 100
    result = suppress_long(tidy, "n", rows="group", columns="outcome", derived=["share"])
    expected = suppress_counts(wide, ["a", "b", "c"]).flags
    got = {(g, o): f for g, o, f in zip(tidy["group"], tidy["outcome"], result.flags["n"])}
    assert got == {(g, o): expected.at[g, o] for g in wide.index for o in wide.columns}
    assert (result.flags["share"] == np.where(result.flags["n"] != "", D, "")).all()
    hidden = result.flags["n"] != ""
    assert (result.table.loc[hidden, "n"] == "[c]").all()
    assert result.table.loc[~hidden, "n"].tolist() == tidy.loc[~hidden, "n"].tolist()


def test_suppress_long_one_way_and_errors() -> None:
    tidy = pd.DataFrame({"stage": ["police", "trial", "sentencing"], "n": [50, 3, 40]})
    assert suppress_long(tidy, "n", rows="stage", margins="none").flags["n"].tolist() == [_, P, _]
    assert suppress_long(tidy, "n", rows="stage").flags["n"].tolist() == [_, P, S]
    with pytest.raises(PrivacyError, match=r"row 1 repeats the category \('police',\)"):
        suppress_long(pd.concat([tidy.iloc[[0]], tidy]).reset_index(drop=True), "n", rows="stage")
    with pytest.raises(PrivacyError, match=r"column\(s\) \['x'\] not in the table"):
        suppress_long(tidy, "x", rows="stage")
