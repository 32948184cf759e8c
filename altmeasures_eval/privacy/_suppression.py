"""Disclosure control for published count tables: primary and secondary cell suppression, rounding.

Model (Langsrud 2024, the GaussSuppression approach of Statistics Norway): a table is a grid of
inner cells ``z`` (counts of persons) and the published cells are linear combinations ``y = X z``
(an inner cell, a row total, a column total, the grand total). A suppressed cell is disclosed
when its row of ``X`` lies in the span of the rows of the published cells, because then its
value is a linear combination of published values (a total minus the other cells of its line,
or any longer chain of sums and differences).

1. Primary suppression: cells (inner or margin) with ``0 < count < threshold``; counts of 0 are
   published unless ``zeros="suppress"``.
2. Secondary suppression by sequential Gaussian elimination: the remaining cells are taken in
   order of preference for publication (zeros first when published, then larger counts, then
   cells made of more inner cells), and each is published unless publishing it would make a
   primary cell a linear combination of published cells; then it is suppressed.
3. The singleton problem: a person alone in a suppressed cell knows that cell's value (1). The
   elimination of step 2 runs at once in one extra view per such cell, whose basis starts with
   that cell; a candidate is published only if no view discloses a primary cell that holds
   someone else.

In a table with row and column totals this reproduces the familiar rule of MoJ's
``mojSuppression`` ("a line with exactly one suppressed cell gets a second one, the smallest"),
and goes further: it also catches disclosure through chains of lines that the line rule misses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import PrivacyError

__all__ = [
    "FLAG_DERIVED",
    "FLAG_PRIMARY",
    "FLAG_SECONDARY",
    "SUPPRESSION_MARKER",
    "SuppressedTable",
    "disclosed_cells",
    "round_to_base",
    "suppress_counts",
    "suppress_long",
]

#: Marker of a suppressed cell: "[c]" (confidential), the symbol recommended by the UK Government
#: Analysis Function guidance "Using symbols and shorthand in tables" (2021).
SUPPRESSION_MARKER: Final = "[c]"
FLAG_PRIMARY: Final = "primary"
FLAG_SECONDARY: Final = "secondary"
FLAG_DERIVED: Final = "derived"
_TOL: Final = 1e-9

Margins = Literal["both", "rows", "columns", "none"]


@dataclass(frozen=True)
class SuppressedTable:
    """A count table after disclosure control.

    Attributes
    ----------
    table : pandas.DataFrame
        For publication: the input frame with every suppressed count and derived value replaced
        by ``marker`` and the published counts rounded when ``rounding_base`` is set (``object``
        dtype in those columns). Other columns are unchanged.
    values : pandas.DataFrame
        The same cells as numbers, suppressed cells ``NaN`` (for charts and JSON).
    flags : pandas.DataFrame
        For every controlled column (counts, totals, derived): ``""`` when published,
        ``"primary"``, ``"secondary"`` or ``"derived"`` when suppressed.
    threshold : int
    rounding_base : int or None
    marker : str
    margins : str
        Which totals were assumed published when choosing secondary suppressions.
    implied_totals : pandas.DataFrame
        Totals that are not columns or rows of ``table`` (``margin`` "row", "column" or
        "grand"; ``label``; ``flag``), so that a total printed elsewhere can be suppressed too.
    notes : tuple of str
        What was done, in words, for the report's notes.
    """

    table: pd.DataFrame
    values: pd.DataFrame
    flags: pd.DataFrame
    threshold: int
    rounding_base: int | None
    marker: str
    margins: str
    implied_totals: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["margin", "label", "flag"])
    )
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_primary(self) -> int:
        """Cells suppressed because they are below the threshold."""
        return int((self.flags == FLAG_PRIMARY).to_numpy().sum())

    @property
    def n_secondary(self) -> int:
        """Cells suppressed so that totals cannot reveal a primary cell."""
        return int((self.flags == FLAG_SECONDARY).to_numpy().sum())

    @property
    def n_derived(self) -> int:
        """Derived values (rates ...) suppressed because a count they use is suppressed."""
        return int((self.flags == FLAG_DERIVED).to_numpy().sum())

    @property
    def suppressed(self) -> pd.DataFrame:
        """Boolean frame: ``True`` where a cell is suppressed."""
        return self.flags != ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the published records (suppressed cells as ``None``) and the counts."""
        published = self.table.astype(object).where(~self.suppressed.reindex(
            columns=self.table.columns, fill_value=False), None)
        if not isinstance(published.index, pd.RangeIndex):
            published = published.reset_index()
        records = [
            {str(key): _plain(value) for key, value in row.items()}
            for row in published.to_dict(orient="records")
        ]
        return {
            "records": records,
            "threshold": self.threshold,
            "rounding_base": self.rounding_base,
            "marker": self.marker,
            "margins": self.margins,
            "n_primary": self.n_primary,
            "n_secondary": self.n_secondary,
            "n_derived": self.n_derived,
            "implied_totals": self.implied_totals.to_dict(orient="records"),
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        return self.table.to_html() + "".join(f"<p>{note}</p>" for note in self.notes)


def _plain(value: Any) -> Any:
    """A JSON-ready Python scalar (numpy scalars unwrapped, missing as None)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def round_to_base(values: Any, base: int = 5) -> Any:
    """Round counts to the nearest multiple of ``base``, halves away from zero.

    Parameters
    ----------
    values : scalar, array-like or pandas object
        Non-negative counts; missing values stay missing.
    base : int, default 5
        Rounding base (> 0).

    Returns
    -------
    Same kind as ``values``
        Scalars as ``int`` (or NaN); arrays as float arrays; pandas objects as nullable
        ``Int64``.

    Examples
    --------
    >>> round_to_base([1, 3, 7, 8, 12], 5).tolist()
    [0.0, 5.0, 5.0, 10.0, 10.0]

    Notes
    -----
    Each value is rounded on its own, so rounded cells need not add up to the rounded total.
    With base 5: 1-2 -> 0, 3-7 -> 5, 8-12 -> 10 (UK MoD rounding policy; small values are
    normally suppressed before rounding). Halves go away from zero (25 -> 30 with base 10), never
    to even: this is the only rounding function of the toolkit.
    """
    if base <= 0:
        raise ValueError(f"base must be a positive integer, got {base}")
    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: round_to_base(col, base))
    if isinstance(values, pd.Series):
        numeric = pd.to_numeric(values, errors="raise").astype("Float64")
        return (np.sign(numeric) * np.floor(numeric.abs() / base + 0.5) * base).astype("Int64")
    array = np.asarray(values, dtype=float)
    rounded = np.sign(array) * np.floor(np.abs(array) / base + 0.5) * base
    if rounded.ndim == 0:
        return float("nan") if np.isnan(rounded) else int(rounded)
    return rounded


# --- linear algebra ------------------------------------------------------------------------------
def disclosed_cells(
    relations: np.ndarray, published: np.ndarray, cells: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Which of ``cells`` are exact linear combinations of the published cells.

    Parameters
    ----------
    relations : numpy.ndarray, shape (n_cells, n_inner)
        Row ``i`` expresses published cell ``i`` as a sum of inner cells.
    published : numpy.ndarray of bool, shape (n_cells,)
    cells : sequence of int
        Indices of the cells to test (normally the suppressed ones).

    Returns
    -------
    numpy.ndarray of bool
        ``True`` for a cell whose value can be computed from the published values.
    """
    cells = np.asarray(cells, dtype=int)
    if cells.size == 0:
        return np.zeros(0, dtype=bool)
    basis = relations[published]
    targets = relations[cells]
    if basis.shape[0] == 0:
        return np.zeros(cells.size, dtype=bool)
    # least-squares projection of each target on the row space of the published cells
    coef, *_ = np.linalg.lstsq(basis.T, targets.T, rcond=None)
    residual = targets.T - basis.T @ coef
    return np.abs(residual).max(axis=0) < 1e-7


class _View:
    """What one reader knows: the published cells plus, for the holder of a singleton, their own
    cell. Keeps a fully reduced basis of the known cells (each row 1 at its pivot and 0 at the
    other pivots) and the residuals of the primary cells that must stay unknown (Gaussian
    elimination, Langsrud 2024). Updates touch only the rows with a non-zero at the new pivot:
    the relation rows are sparse, so this is much cheaper than dense elimination."""

    def __init__(self, relations: np.ndarray, protect: np.ndarray, known: Sequence[int]) -> None:
        n_inner = relations.shape[1]
        self.basis = np.zeros((n_inner, n_inner))  # at most n_inner independent rows
        self.pivots = np.zeros(n_inner, dtype=int)
        self.rank = 0
        self.residuals = relations[protect].astype(float)
        for cell in known:
            reduced = self.reduce(relations[cell])
            if reduced is not None:
                self.commit(*reduced)
        # cells the reader knows from their own cell alone are not theirs to protect
        self.residuals = self.residuals[np.abs(self.residuals).max(axis=1, initial=0.0) >= _TOL]

    def reduce(self, vector: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
        """Reduce ``vector`` by the basis; ``None`` when it is already known, else its pivot,
        normalised row, and the residual rows it changes with their new values."""
        vector = vector.astype(float)
        if self.rank:
            coef = vector[self.pivots[: self.rank]]
            used = np.flatnonzero(np.abs(coef) > _TOL)
            if len(used):
                vector = vector - coef[used] @ self.basis[used]
        if np.abs(vector).max(initial=0.0) < _TOL:
            return None
        pivot = int(np.argmax(np.abs(vector)))
        row = vector / vector[pivot]
        touched = np.flatnonzero(np.abs(self.residuals[:, pivot]) > _TOL)
        updated = self.residuals[touched] - np.outer(self.residuals[touched, pivot], row)
        return pivot, row, touched, updated

    def discloses(self, reduced: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None) -> bool:
        if reduced is None or len(reduced[3]) == 0:
            return False
        return bool((np.abs(reduced[3]).max(axis=1) < _TOL).any())

    def commit(
        self, pivot: int, row: np.ndarray, touched: np.ndarray, updated: np.ndarray
    ) -> None:
        # eliminate the new pivot from the earlier rows to keep the basis fully reduced
        if self.rank:
            column = self.basis[: self.rank, pivot]
            hit = np.flatnonzero(np.abs(column) > _TOL)
            if len(hit):
                self.basis[hit] -= np.outer(column[hit], row)
        self.basis[self.rank] = row
        self.pivots[self.rank] = pivot
        self.rank += 1
        self.residuals[touched] = updated


def _gauss_secondary(
    relations: np.ndarray,
    primary: np.ndarray,
    order: np.ndarray,
    singleton_views: Sequence[tuple[int, np.ndarray]] = (),
) -> np.ndarray:
    """Sequential Gaussian elimination (Langsrud 2024): the candidates in ``order`` are published
    one by one unless that makes a primary cell a linear combination of what a reader knows, for
    the public and for the holder of each singleton cell (``(cell, cells to protect from its
    holder)``). Returns the mask of secondary suppressions."""
    views = [_View(relations, primary, [])]
    views += [_View(relations, protect, [s]) for s, protect in singleton_views]
    secondary = np.zeros(len(relations), dtype=bool)
    for cell in order:
        reduced = [view.reduce(relations[cell]) for view in views]
        if any(view.discloses(r) for view, r in zip(views, reduced)):
            secondary[cell] = True
            continue
        for view, r in zip(views, reduced):
            if r is not None:
                view.commit(*r)
    return secondary


# --- the table model -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grid:
    values: np.ndarray  # every published cell's value
    relations: np.ndarray  # (n_cells, n_inner)
    positions: list[tuple[Hashable, str]]  # (row label, column) in the frame; None when implied
    kinds: np.ndarray  # "inner", "row", "column" or "grand" for each cell
    labels: list[Hashable]  # row label, column name or None (grand total)
    n_inner_of: np.ndarray
    grand_is_margin: bool  # a single row or column: the grand total is also a margin cell

    @property
    def is_inner(self) -> np.ndarray:
        return self.kinds == "inner"


def _check_counts(table: pd.DataFrame, columns: Sequence[str], name: str) -> pd.DataFrame:
    missing = [col for col in columns if col not in table.columns]
    if missing:
        raise PrivacyError(
            f"{name}: count column(s) {missing} not in the table ({list(table.columns)})"
        )
    counts = table[list(columns)]
    for col in columns:
        numeric = pd.to_numeric(counts[col], errors="coerce")
        bad = numeric.isna() | (numeric < 0) | (numeric % 1 != 0)
        if bad.any():
            row = bad.idxmax()
            raise PrivacyError(
                f"{name}: column {col!r}, row {row!r}: value {_plain(counts[col][row])!r} is not a "
                "non-negative whole count; disclosure control needs complete counts (fill or drop "
                "the row before publishing)."
            )
    return counts.apply(pd.to_numeric).astype(np.int64)


def _build_grid(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    margins: Margins,
    total_row: Hashable | None,
    total_column: str | None,
    name: str,
) -> _Grid:
    inner_rows = [label for label in table.index if label != total_row]
    counts = _check_counts(table.loc[inner_rows], count_columns, name)
    n_rows, n_cols = counts.shape
    n_inner = n_rows * n_cols
    eye = np.eye(n_inner)
    relations = [eye]
    values = [counts.to_numpy().ravel()]
    positions: list[tuple[Hashable, str]] = [
        (label, col) for label in inner_rows for col in count_columns
    ]
    kinds = ["inner"] * n_inner
    labels: list[Hashable] = [None] * n_inner
    with_rows = margins in ("both", "rows")
    with_cols = margins in ("both", "columns")
    if total_column is not None and not with_rows:
        raise PrivacyError(
            f"{name}: a total column {total_column!r} needs margins 'rows' or 'both'"
        )
    if total_row is not None and not with_cols:
        raise PrivacyError(f"{name}: a total row {total_row!r} needs margins 'columns' or 'both'")
    grid = counts.to_numpy()
    if with_rows:  # row i sums inner cells i*C .. i*C + C - 1 (row-major grid)
        relations.append(np.kron(np.eye(n_rows), np.ones((1, n_cols))))
        values.append(grid.sum(axis=1))
        positions += [(label, total_column) for label in inner_rows]
        kinds += ["row"] * n_rows
        labels += inner_rows
    if with_cols:  # column j sums inner cells j, j + C, j + 2C ...
        relations.append(np.kron(np.ones((1, n_rows)), np.eye(n_cols)))
        values.append(grid.sum(axis=0))
        positions += [(total_row, col) for col in count_columns]
        kinds += ["column"] * n_cols
        labels += count_columns
    if margins != "none":
        relations.append(np.ones((1, n_inner)))
        values.append(np.array([grid.sum()]))
        positions.append((total_row, total_column))
        kinds.append("grand")
        labels.append(None)
    relation_matrix = np.vstack(relations)
    value_vector = np.concatenate(values).astype(np.int64)
    _check_explicit_totals(table, positions, value_vector, n_inner, name)
    return _Grid(
        values=value_vector,
        relations=relation_matrix,
        positions=positions,
        kinds=np.array(kinds),
        labels=labels,
        grand_is_margin=(with_cols and n_cols == 1) or (with_rows and n_rows == 1),
        n_inner_of=relation_matrix.sum(axis=1).astype(int),
    )


def _check_explicit_totals(
    table: pd.DataFrame,
    positions: list[tuple[Hashable, str]],
    values: np.ndarray,
    n_inner: int,
    name: str,
) -> None:
    for (row, col), value in zip(positions[n_inner:], values[n_inner:]):
        if row is None or col is None:
            continue
        given = pd.to_numeric(pd.Series([table.at[row, col]]), errors="coerce").iloc[0]
        if not given == value:
            raise PrivacyError(
                f"{name}: total at row {row!r}, column {col!r} is "
                f"{_plain(table.at[row, col])!r} but the cells it totals sum to {value}; make the "
                "totals consistent (or leave them out and let margins describe what else is "
                "published)."
            )


def suppress_counts(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 10,
    *,
    margins: Margins = "both",
    rounding_base: int | None = None,
    total_row: Hashable | None = None,
    total_column: str | None = None,
    derived: Mapping[str, Sequence[str]] | None = None,
    zeros: Literal["publish", "suppress"] = "publish",
    marker: str = SUPPRESSION_MARKER,
    name: str = "table",
) -> SuppressedTable:
    """Suppress small counts in a table so that neither they nor any total can reveal them.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per category (the index labels the rows); ``count_columns`` hold counts of
        persons. Other columns (labels, rates ...) are carried along.
    count_columns : sequence of str
        The inner count columns (not a total column).
    threshold : int, default 10
        Counts with ``0 < count < threshold`` are suppressed (primary suppression), inner cells
        and totals alike.
    margins : {"both", "rows", "columns", "none"}, default "both"
        Which totals are published, in this table or anywhere else (a row total is the sum of a
        row across ``count_columns``; a column total the sum of a column over the rows). The
        grand total is taken as published with any margin. ``"both"`` is the safe default: a
        total left out of this table may still be printed in the text or another table.
    rounding_base : int, optional
        Round every published count (and total) to this base after suppression (e.g. 5).
    total_row : label, optional
        Index label of a total row already in ``table``; it must equal the column sums.
    total_column : str, optional
        A total column already in ``table``; it must equal the row sums.
    derived : mapping of str to sequence of str, optional
        Columns computed from counts in the same row (``{"rate": ["reoffended", "n"]}``); a
        derived value is suppressed when any count it uses is suppressed in its row.
    zeros : {"publish", "suppress"}, default "publish"
        ``"publish"``: a count of 0 is not suppressed and is the last choice for secondary
        suppression (hiding a 0 beside a small count would only show that the count is at most
        its own value). ``"suppress"``:
        zeros are suppressed like other small counts, for tables where an empty cell reveals
        something about everyone in its row (e.g. every person in a group reoffended).
    marker : str, default "[c]"
        Text that replaces a suppressed value in ``table``.
    name : str
        Name of the table, for error messages and notes.

    Returns
    -------
    SuppressedTable

    Raises
    ------
    PrivacyError
        When a count is missing, negative or fractional, or an explicit total is inconsistent.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"n": [40, 4, 25, 12]},
    ...                      index=["diversion", "fine", "custody", "probation"])
    >>> result = suppress_counts(table, ["n"], margins="columns")
    >>> result.table["n"].tolist()
    [40, '[c]', 25, '[c]']
    >>> result.flags["n"].tolist()
    ['', 'primary', '', 'secondary']

    Notes
    -----
    Protection is against exact recovery of a small count from the published values of this
    table (linear disclosure), including by a person alone in a suppressed cell. Bounds from
    non-negativity (a suppressed cell known to be at most its line total) and differencing
    between different tables of the same persons are not controlled here; publish tables of one
    population with the same categories, or pass every table's margins.

    References
    ----------
    Langsrud, O. (2024). Secondary cell suppression by Gaussian elimination: an algorithm
    suitable for handling issues with zeros and singletons. In Privacy in Statistical Databases
    (PSD 2024), LNCS 14915, 83-98. doi:10.1007/978-3-031-69651-0_6. R package GaussSuppression
    (Statistics Norway).
    Ministry of Justice (UK), mojSuppression: row, column and row/column suppression for R,
    https://github.com/moj-analytical-services/mojSuppression.
    Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley, chapter 4.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be >= 1, got {threshold}")
    if margins not in ("both", "rows", "columns", "none"):
        raise ValueError(f"margins must be 'both', 'rows', 'columns' or 'none', got {margins!r}")
    if zeros not in ("publish", "suppress"):
        raise ValueError(f"zeros must be 'publish' or 'suppress', got {zeros!r}")
    if not table.index.is_unique:
        raise PrivacyError(f"{name}: the row labels (index) must be unique")
    count_columns = list(count_columns)
    grid = _build_grid(table, count_columns, margins, total_row, total_column, name)
    values = grid.values

    primary = (values < threshold) & ((values > 0) | (zeros == "suppress"))
    # publication preference: zeros first (when published), larger counts, then totals
    zero_first = np.where((values == 0) & (zeros == "publish"), 0, 1)
    publish_order = np.lexsort((-grid.n_inner_of, -values, zero_first))
    candidates = publish_order[~primary[publish_order]]
    # the holder of a suppressed inner cell of 1 knows its value (the singleton problem)
    # Protected from that holder: the other primary cells that contain someone else, i.e. an
    # inner cell other than the singleton that is positive or itself suppressed.
    n_inner = int(grid.is_inner.sum())
    inner_values = values[:n_inner]
    views = []
    for s in np.flatnonzero(grid.is_inner & primary & (values == 1)):
        someone_else = (inner_values > 0) | primary[:n_inner]
        someone_else[s] = False
        contains = (grid.relations[:, :n_inner][:, someone_else] > 0).any(axis=1)
        views.append((int(s), primary & contains & (np.arange(len(values)) != s)))
    secondary = _gauss_secondary(grid.relations, primary, candidates, views)

    return _assemble(
        table, grid, primary, secondary, count_columns, total_row, total_column,
        derived or {}, threshold, rounding_base, marker, margins, name,
    )


def _assemble(
    table: pd.DataFrame,
    grid: _Grid,
    primary: np.ndarray,
    secondary: np.ndarray,
    count_columns: list[str],
    total_row: Hashable | None,
    total_column: str | None,
    derived: Mapping[str, Sequence[str]],
    threshold: int,
    rounding_base: int | None,
    marker: str,
    margins: str,
    name: str,
) -> SuppressedTable:
    controlled = count_columns + ([total_column] if total_column is not None else [])
    missing = [col for col in derived if col not in table.columns]
    if missing:
        raise PrivacyError(f"{name}: derived column(s) {missing} not in the table")
    for col, sources in derived.items():
        unknown = [src for src in sources if src not in controlled]
        if unknown:
            raise PrivacyError(
                f"{name}: derived column {col!r} uses {unknown}, which are not count columns"
            )
    flag_columns = controlled + [col for col in derived if col not in controlled]
    flags = pd.DataFrame("", index=table.index, columns=flag_columns, dtype=object)
    numbers = table[flag_columns].apply(pd.to_numeric, errors="coerce").astype(float)
    for k, (row, col) in enumerate(grid.positions):
        if row is None or col is None:
            continue
        if primary[k]:
            flags.at[row, col] = FLAG_PRIMARY
        elif secondary[k]:
            flags.at[row, col] = FLAG_SECONDARY
    for col, sources in derived.items():
        hit = (flags[list(sources)] != "").any(axis=1) & (flags[col] == "")
        flags.loc[hit, col] = FLAG_DERIVED
    count_like = [col for col in flag_columns if col in controlled]
    if rounding_base is not None:
        numbers[count_like] = round_to_base(numbers[count_like], rounding_base).astype(float)
    numbers = numbers.where(flags == "")

    published = table.copy()
    for col in flag_columns:
        keep = (flags[col] == "").to_numpy()
        raw = numbers[col].to_numpy() if col in count_like else table[col].to_numpy()
        shown = [
            (int(v) if col in count_like and pd.notna(v) else v) if ok else marker
            for v, ok in zip(raw, keep)
        ]  # per cell of a small published table, to keep ints as ints next to the marker
        published[col] = pd.Series(shown, index=table.index, dtype=object)

    implied_rows = []
    for k, (row, col) in enumerate(grid.positions):
        if row is not None and col is not None:
            continue
        if grid.kinds[k] == "grand" and grid.grand_is_margin:
            continue
        flag = FLAG_PRIMARY if primary[k] else FLAG_SECONDARY if secondary[k] else ""
        implied_rows.append({"margin": str(grid.kinds[k]), "label": grid.labels[k], "flag": flag})
    implied_totals = pd.DataFrame(implied_rows, columns=["margin", "label", "flag"])
    implied = implied_totals[implied_totals["flag"] != ""]
    notes = [
        f"{name}: counts below {threshold} are suppressed ({marker}), "
        f"{int((flags == FLAG_PRIMARY).to_numpy().sum())} cell(s); "
        f"{int((flags == FLAG_SECONDARY).to_numpy().sum())} more cell(s) are suppressed so that "
        "totals cannot reveal them."
    ]
    if len(implied):
        notes.append(
            f"{name}: {len(implied)} total(s) not shown in this table must also be suppressed "
            "wherever they are published."
        )
    if rounding_base is not None:
        notes.append(f"{name}: published counts are rounded to the nearest {rounding_base}; "
                     "totals are rounded separately and may not equal the sum of rounded cells.")
    if (flags == FLAG_DERIVED).to_numpy().any():
        notes.append(f"{name}: values derived from a suppressed count are suppressed too.")
    return SuppressedTable(
        table=published,
        values=numbers,
        flags=flags,
        threshold=threshold,
        rounding_base=rounding_base,
        marker=marker,
        margins=margins,
        implied_totals=implied_totals,
        notes=tuple(notes),
    )


def suppress_long(
    frame: pd.DataFrame,
    count: str,
    rows: str,
    columns: str | None = None,
    threshold: int = 10,
    *,
    margins: Margins = "both",
    rounding_base: int | None = None,
    derived: Sequence[str] = (),
    zeros: Literal["publish", "suppress"] = "publish",
    marker: str = SUPPRESSION_MARKER,
    name: str = "table",
) -> SuppressedTable:
    """:func:`suppress_counts` for a tidy table: one row per category (pair) with its count.

    The tidy rows are pivoted to a ``rows`` x ``columns`` grid (a combination that has no row
    counts 0, i.e. the tidy table must list every non-empty combination), suppressed there, and
    the result is mapped back to the tidy rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table; ``(rows, columns)`` must identify a row.
    count : str
        The count column.
    rows, columns : str
        Category columns; without ``columns`` the table is one-way (``margins`` then applies to
        the single total, ``"both"`` and ``"columns"`` meaning that the total is published).
    threshold, margins, rounding_base, zeros, marker, name
        As in :func:`suppress_counts`.
    derived : sequence of str
        Columns of the same tidy row computed from its count (rates, percentages).

    Returns
    -------
    SuppressedTable
        ``table``, ``values`` and ``flags`` are tidy, in the order of ``frame``; ``flags`` has the
        columns ``count`` and ``derived``.

    Examples
    --------
    >>> import pandas as pd
    >>> tidy = pd.DataFrame({"stage": ["police", "trial", "sentencing"], "n": [50, 3, 40]})
    >>> suppress_long(tidy, "n", rows="stage", margins="columns").table["n"].tolist()
    [50, '[c]', '[c]']
    """
    keys = [rows] if columns is None else [rows, columns]
    missing = [col for col in [*keys, count, *derived] if col not in frame.columns]
    if missing:
        raise PrivacyError(f"{name}: column(s) {missing} not in the table ({list(frame.columns)})")
    duplicated = frame.duplicated(subset=keys)
    if duplicated.any():
        row = duplicated.idxmax()
        raise PrivacyError(
            f"{name}: row {row!r} repeats the category {tuple(frame.loc[row, keys])!r}; "
            "aggregate the table to one row per category before suppressing."
        )
    _check_counts(frame, [count], name)
    if columns is None:
        wide = frame.set_index(rows)[[count]]
        one_way = {"both": "columns", "rows": "none"}.get(margins, margins)
        result = suppress_counts(
            wide, [count], threshold, margins=one_way, rounding_base=rounding_base,
            zeros=zeros, marker=marker, name=name,
        )
        cell_of = [(label, count) for label in frame[rows]]
    else:
        wide = frame.pivot(index=rows, columns=columns, values=count).fillna(0)
        wide.columns = list(wide.columns)
        result = suppress_counts(
            wide, list(wide.columns), threshold, margins=margins,
            rounding_base=rounding_base, zeros=zeros, marker=marker, name=name,
        )
        cell_of = list(zip(frame[rows], frame[columns]))
    flag = [result.flags.at[r, c] for r, c in cell_of]
    value = [result.values.at[r, c] for r, c in cell_of]
    flags = pd.DataFrame({count: flag}, index=frame.index, dtype=object)
    for col in derived:
        flags[col] = np.where(flags[count] != "", FLAG_DERIVED, "")
    values = frame[[count, *derived]].astype(float).copy()
    values[count] = value
    values = values.where(flags == "")
    published = frame.copy()
    shown = [int(v) if f == "" else marker for v, f in zip(value, flag)]
    published[count] = pd.Series(shown, index=frame.index, dtype=object)
    for col in derived:
        keep = (flags[col] == "").to_numpy()
        published[col] = pd.Series(
            [v if ok else marker for v, ok in zip(frame[col].tolist(), keep)],
            index=frame.index, dtype=object,
        )
    notes = list(result.notes)
    if derived and (flags[list(derived)] != "").to_numpy().any():
        notes.append(f"{name}: values derived from a suppressed count are suppressed too.")
    return dataclasses.replace(
        result, table=published, values=values, flags=flags, margins=margins, notes=tuple(notes)
    )
