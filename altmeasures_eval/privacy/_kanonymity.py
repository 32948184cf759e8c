"""k-anonymity of the persons table over its quasi-identifiers.

A data set is k-anonymous over a set of quasi-identifiers when every combination of their values
that occurs is shared by at least k persons (Sweeney 2002). The smallest equivalence class is the
k the data achieve; persons in classes smaller than a target k are the ones at risk of
re-identification by linkage with another source that holds the same attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.schema import QUASI_IDENTIFIERS, TABLE_PERSONS

__all__ = ["KAnonymityResult", "equivalence_class_sizes", "k_anonymity"]


@dataclass(frozen=True)
class KAnonymityResult:
    """k-anonymity of a table over its quasi-identifiers.

    Attributes
    ----------
    quasi_identifiers : tuple of str
        Columns whose value combination defines an equivalence class.
    n_persons : int
        Rows of the table.
    n_classes : int
        Distinct combinations (a missing value is a category of its own).
    min_class_size : int
        Size of the smallest class: the k the table achieves (0 for an empty table).
    k_values : tuple of int
        Target values of k that were assessed.
    classes_below : dict of int to int
        For each target k, the number of classes with fewer than k persons.
    persons_below : dict of int to int
        For each target k, the number of persons in those classes.
    notes : tuple of str
        Caveats (empty table, missing values treated as a category).
    """

    quasi_identifiers: tuple[str, ...]
    n_persons: int
    n_classes: int
    min_class_size: int
    k_values: tuple[int, ...]
    classes_below: dict[int, int] = field(default_factory=dict)
    persons_below: dict[int, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def is_k_anonymous(self, k: int) -> bool:
        """Whether every class has at least ``k`` persons (vacuously true for an empty table)."""
        return self.n_persons == 0 or self.min_class_size >= k

    @property
    def summary(self) -> pd.DataFrame:
        """One row per target k: ``k``, ``classes_below_k``, ``persons_below_k``,
        ``share_persons_below_k``, ``k_anonymous``."""
        rows = [
            {
                "k": k,
                "classes_below_k": self.classes_below[k],
                "persons_below_k": self.persons_below[k],
                "share_persons_below_k": (
                    self.persons_below[k] / self.n_persons if self.n_persons else 0.0
                ),
                "k_anonymous": self.is_k_anonymous(k),
            }
            for k in self.k_values
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "k",
                "classes_below_k",
                "persons_below_k",
                "share_persons_below_k",
                "k_anonymous",
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (keys of ``classes_below``/``persons_below`` as strings)."""
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "n_persons": self.n_persons,
            "n_classes": self.n_classes,
            "min_class_size": self.min_class_size,
            "k_values": list(self.k_values),
            "classes_below": {str(k): v for k, v in self.classes_below.items()},
            "persons_below": {str(k): v for k, v in self.persons_below.items()},
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p>k-anonymity over {', '.join(self.quasi_identifiers)}: {self.n_persons} persons "
            f"in {self.n_classes} classes, smallest class {self.min_class_size}.</p>"
        )
        return head + self.summary.to_html(index=False)


def equivalence_class_sizes(
    persons: pd.DataFrame, quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS
) -> np.ndarray:
    """Size of the equivalence class of every row (same order as ``persons``).

    Missing values (``None``, ``NaN``, ``NaT``, ``pd.NA``) form one category per column.

    Parameters
    ----------
    persons : pandas.DataFrame
        Table holding the quasi-identifier columns.
    quasi_identifiers : sequence of str
        Columns defining the classes.

    Returns
    -------
    numpy.ndarray of int64
        For each row, how many rows share its combination of quasi-identifier values.
    """
    codes = _class_codes(persons, quasi_identifiers)
    counts = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
    return counts[codes].astype(np.int64)


def _class_codes(persons: pd.DataFrame, quasi_identifiers: Sequence[str]) -> np.ndarray:
    missing = [col for col in quasi_identifiers if col not in persons.columns]
    if missing:
        raise DataContractError(
            f"table {TABLE_PERSONS!r}: column(s) {missing} needed for k-anonymity are absent "
            f"(present: {list(persons.columns)}); pass the quasi-identifiers the table has."
        )
    if not quasi_identifiers:
        raise ValueError("quasi_identifiers must name at least one column")
    n = len(persons)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # factorise each column with missing values as a category, then combine the codes
    per_column = [
        pd.factorize(persons[col], use_na_sentinel=False)[0] for col in quasi_identifiers
    ]
    combined = pd.MultiIndex.from_arrays(per_column)
    return pd.factorize(combined)[0].astype(np.int64)


def k_anonymity(
    persons: pd.DataFrame,
    quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS,
    k_values: Sequence[int] = (5, 10),
) -> KAnonymityResult:
    """Assess k-anonymity of ``persons`` over ``quasi_identifiers``.

    Every distinct combination of quasi-identifier values is an equivalence class; the table is
    k-anonymous when the smallest class has at least k rows. A missing value is treated as a
    category of its own (an attacker sees the blank too), so it is never merged with other values.

    Parameters
    ----------
    persons : pandas.DataFrame
        The persons table (one row per person).
    quasi_identifiers : sequence of str, default ``("sex", "birth_year", "jurisdiction")``
        Attributes an intruder could link with another source.
    k_values : sequence of int, default (5, 10)
        Targets to report (each >= 1).

    Returns
    -------
    KAnonymityResult

    Raises
    ------
    DataContractError
        When a quasi-identifier column is missing from ``persons``.

    Examples
    --------
    >>> import pandas as pd
    >>> persons = pd.DataFrame({"sex": ["male", "male", "female"],
    ...                         "birth_year": [1980, 1980, 1980],
    ...                         "jurisdiction": ["A", "A", "A"]})
    >>> result = k_anonymity(persons, k_values=(2,))
    >>> result.min_class_size, result.persons_below
    (1, {2: 1})

    References
    ----------
    Sweeney, L. (2002). k-anonymity: a model for protecting privacy. International Journal of
    Uncertainty, Fuzziness and Knowledge-Based Systems, 10(5), 557-570.
    """
    qis = tuple(quasi_identifiers)
    ks = tuple(int(k) for k in k_values)
    if any(k < 1 for k in ks):
        raise ValueError(f"every k must be >= 1, got {ks}")
    codes = _class_codes(persons, qis)
    sizes = np.bincount(codes) if len(codes) else np.zeros(0, dtype=np.int64)
    notes = []
    if len(codes) == 0:
        notes.append("the table is empty: k-anonymity holds vacuously")
    n_missing = int(persons[list(qis)].isna().any(axis=1).sum()) if len(persons) else 0
    if n_missing:
        notes.append(
            f"{n_missing} person(s) have a missing quasi-identifier; missing is treated as a "
            "category of its own"
        )
    return KAnonymityResult(
        quasi_identifiers=qis,
        n_persons=int(len(codes)),
        n_classes=int(len(sizes)),
        min_class_size=int(sizes.min()) if len(sizes) else 0,
        k_values=ks,
        classes_below={k: int((sizes < k).sum()) for k in ks},
        persons_below={k: int(sizes[sizes < k].sum()) for k in ks},
        notes=tuple(notes),
    )
