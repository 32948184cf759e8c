"""The disclosure policy: one set of rules that every published number goes through.

:class:`DisclosurePolicy` is built once from the ``[disclosure]`` settings and carries the only
threshold, rounding rule and marker of the toolkit. Every output (report tables, figures, notes,
``results.json``, the UNODC export and summary, the ``cohort``/``project``/``costs`` commands)
calls its methods; the report layer keeps no rule of its own.

Rules (``docs/disclosure-policy.md``):

* primary suppression of counts from 1 to ``threshold - 1``; secondary suppression by sequential
  Gaussian elimination over every published total (:func:`suppress_counts`), and for the chain of
  an attrition flow (:meth:`DisclosurePolicy.attrition`);
* derived values (rates, percentages, SMDs, differences, ratios, p-values, confidence limits) are
  hidden with the counts they use; a 0/1 outcome also hides a small number of *non*-events;
* rounding to ``rounding_base``, half away from zero (:func:`round_half_away`), the same function
  everywhere; rates and percentages are then recomputed from the rounded counts;
* category labels held by fewer than ``threshold`` persons are pooled into "other"
  (:meth:`DisclosurePolicy.pool_rare`);
* small counts and statistics of hidden categories in sentences are replaced
  (:meth:`DisclosurePolicy.notes`).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from altmeasures_eval._errors import PrivacyError
from altmeasures_eval.privacy._suppression import (
    SUPPRESSION_MARKER,
    SuppressedTable,
    disclosed_cells,
    round_to_base,
    suppress_counts,
)

__all__ = [
    "COUNT_IN_TEXT",
    "DEFAULT_THRESHOLD",
    "FREE_TEXT_LABELS",
    "OTHER_LABEL",
    "DisclosurePolicy",
    "pool_rare_labels",
    "round_half_away",
]

logger = logging.getLogger("altmeasures_eval.privacy")

#: Default minimum count (Justice Data Lab and ONS practice: counts below 10 are not published).
DEFAULT_THRESHOLD: Final = 10
#: Label of the pooled category that holds rare labels.
OTHER_LABEL: Final = "other"
_NUMBERISH = re.compile(r"\d")
#: Category columns of the data contract whose labels are free text (not a controlled vocabulary):
#: a label typed by hand can name a person or a place, so rare ones are pooled before analysis.
FREE_TEXT_LABELS: Final[dict[str, tuple[str, ...]]] = {"persons": ("jurisdiction",)}


def round_half_away(values: Any, base: int) -> Any:
    """Round to the nearest multiple of ``base``, halves away from zero (the toolkit's one rule).

    Not round-half-to-even (Python's ``round`` and NumPy's ``rint``): with an even base that rule
    prints the same count as 30 in one table and 20 in another (25 with base 10). For counts,
    which are never negative, half away from zero is round-half-up.

    Parameters
    ----------
    values : scalar, array-like or pandas object
    base : int
        Positive rounding base.

    Returns
    -------
    Same kind as ``values`` (see :func:`round_to_base`).

    Examples
    --------
    >>> round_half_away(25, 10), round_half_away(15, 10), round_half_away(-25, 10)
    (30, 20, -30)
    """
    return round_to_base(values, base)


@dataclass(frozen=True)
class DisclosurePolicy:
    """The disclosure rules of one run, from the ``[disclosure]`` settings.

    Parameters
    ----------
    threshold : int, default 10
        Counts from 1 to ``threshold - 1`` are suppressed. ``threshold <= 1`` switches suppression
        off and is refused unless ``allow_unprotected`` is true; the run then says so in every
        output and in the log.
    rounding_base : int, default 0
        Round published counts to this base, halves away from zero (0 = no rounding).
    marker : str, default "[c]"
        Shown in place of a suppressed value; must hold no digit (it could be read as a count) and
        must not be a spreadsheet formula.
    allow_unprotected : bool, default False
        The explicit opt-out needed for ``threshold <= 1`` (e.g. for an internal file that is
        never published).

    Raises
    ------
    PrivacyError
        On an invalid value, naming the ``[disclosure]`` key and the fix.

    Examples
    --------
    >>> policy = DisclosurePolicy(threshold=10, rounding_base=5)
    >>> policy.count(7), policy.count(12), policy.count(0)
    (None, 10, 0)
    """

    threshold: int = DEFAULT_THRESHOLD
    rounding_base: int = 0
    marker: str = SUPPRESSION_MARKER
    allow_unprotected: bool = False

    def __post_init__(self) -> None:
        t, b, m = self.threshold, self.rounding_base, self.marker
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise PrivacyError(f"[disclosure] threshold must be a whole number >= 0, got {t!r}")
        if isinstance(b, bool) or not isinstance(b, (int, np.integer)) or not 0 <= b <= 100:
            raise PrivacyError(f"[disclosure] rounding_base must be a whole number from 0 to 100, got {b!r}")
        if not isinstance(self.allow_unprotected, bool):
            raise PrivacyError("[disclosure] allow_unprotected must be true or false, "
                               f"got {self.allow_unprotected!r}")
        if not isinstance(m, str) or not m.strip():
            raise PrivacyError("[disclosure] marker must be a non-empty text such as \"[c]\"")
        if _NUMBERISH.search(m):
            raise PrivacyError(f"[disclosure] marker {m!r} holds a digit and could be read as a count; "
                               "use a symbol such as \"[c]\" (UK Government Analysis Function).")
        if m[0] in _FORMULA_START or m in {"-", "NA", "nan", "NaN", "None", "null"}:
            raise PrivacyError(f"[disclosure] marker {m!r} could be read as a formula, a dash for zero "
                               "or a missing value; use \"[c]\".")
        if t <= 1 and not self.allow_unprotected:
            raise PrivacyError(
                f"[disclosure] threshold = {t} switches suppression of small counts off (no count "
                "would be suppressed). Use a threshold of at least 2 (10 is usual), or, for files that "
                "are never published, set allow_unprotected = true in [disclosure].")
        if not self.protected:
            logger.warning("DISCLOSURE CONTROL IS OFF (threshold %s, allow_unprotected = true): "
                           "small counts are published as they are; do not publish these outputs.", t)

    # --- construction -----------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Any = None) -> DisclosurePolicy:
        """The policy of a ``[disclosure]`` section.

        Parameters
        ----------
        settings : DisclosureSettings, DisclosurePolicy, mapping or None
            Anything with ``threshold``, ``rounding_base``, ``marker`` (and optionally
            ``allow_unprotected``) as attributes or keys; ``None`` gives the defaults.

        Returns
        -------
        DisclosurePolicy
        """
        if isinstance(settings, DisclosurePolicy):
            return settings
        if settings is None:
            return cls()
        if isinstance(settings, Mapping):
            known = {"threshold", "rounding_base", "marker", "allow_unprotected"}
            unknown = sorted(set(settings) - known)
            if unknown:
                raise PrivacyError(f"[disclosure] unknown key(s) {unknown}; known keys: {sorted(known)}")
            return cls(**dict(settings))
        return cls(threshold=settings.threshold, rounding_base=settings.rounding_base,
                   marker=settings.marker, allow_unprotected=getattr(settings, "allow_unprotected", False))

    # --- the rules ---------------------------------------------------------------------------------
    @property
    def protected(self) -> bool:
        """``False`` when suppression is switched off (``threshold <= 1``, explicit opt-out)."""
        return self.threshold > 1

    @property
    def base(self) -> int | None:
        """The rounding base, or ``None`` without rounding."""
        return int(self.rounding_base) or None

    def is_small(self, values: Any) -> Any:
        """``True`` for counts from 1 to ``threshold - 1`` (primary suppression)."""
        v = np.asarray(values, dtype=float)
        return (v > 0) & (v < self.threshold)

    def round(self, values: Any) -> Any:
        """Counts as published: rounded to the base (halves away from zero) or unchanged."""
        if self.base is None:
            if isinstance(values, (pd.Series, pd.DataFrame)):
                return values
            arr = np.asarray(values, dtype=float)
            return int(arr) if arr.ndim == 0 and np.isfinite(arr) else values
        return round_half_away(values, self.base)

    def count(self, value: Any) -> int | None:
        """One count as published: ``None`` when suppressed, else rounded."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        n = int(value)
        if self.is_small(n):
            return None
        return int(self.round(n))

    def rate(self, events: Any, n: Any) -> Any:
        """A proportion as published: from the published (rounded) counts, so that it holds no
        more than they do. ``NaN`` where the denominator rounds to 0."""
        e = np.asarray(self.round(np.asarray(events, dtype=float)) if self.base else events, dtype=float)
        d = np.asarray(self.round(np.asarray(n, dtype=float)) if self.base else n, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(d > 0, e / np.where(d > 0, d, 1), np.nan)
        return float(out) if out.ndim == 0 else out

    def percent_decimals(self, n: int) -> int | None:
        """Decimals a percentage (or percentage-point difference) of a group of ``n`` may carry.

        With rounding, a count is known only to within half the base, so a rate of it to within
        ``100 * base / (2 n)`` points; a finer printed rate (or a model contrast that adds up to
        one) would narrow the unrounded count. Returns the most decimals whose last digit is at
        least that coarse, or ``None`` without rounding (the report's own formats apply).

        Examples
        --------
        >>> DisclosurePolicy(rounding_base=5).percent_decimals(260), DisclosurePolicy(rounding_base=5).percent_decimals(5000)
        (0, 1)
        """
        if not self.base or n <= 0:
            return None
        step = 100 * self.base / (2 * n)
        return max(0, math.floor(-math.log10(step))) if step < 1 else 0

    def describe(self) -> str:
        """The policy in one sentence, for notes and appendices (loud when protection is off)."""
        # in the active language of the outputs (altmeasures_eval._i18n; translations in tables.po)
        from altmeasures_eval._i18n import _

        if not self.protected:
            return _("DISCLOSURE CONTROL IS OFF: [disclosure] threshold = {threshold} with allow_unprotected = "
                     "true; small counts are shown as they are. NOT FOR PUBLICATION.").format(threshold=self.threshold)
        text = _("Disclosure control: counts from 1 to {largest} are suppressed and shown as {marker}, with every "
                 "value derived from them and further cells (secondary suppression) so that totals cannot reveal "
                 "them; labels held by fewer than {threshold} people are pooled into \"{other}\".").format(
                     largest=self.threshold - 1, marker=self.marker, threshold=self.threshold, other=_(OTHER_LABEL))
        if self.base:
            text += " " + _("Published counts are rounded to the nearest {base} (halves away from zero), rates are "
                            "computed from the rounded counts, and percentages are printed no more precisely "
                            "than the rounded counts allow.").format(base=self.base)
        return text

    # --- tables ------------------------------------------------------------------------------------
    def suppress(self, frame: pd.DataFrame, count_columns: Sequence[str], *, name: str,
                 derived: Mapping[str, Sequence[str]] | None = None, margins: str = "none",
                 total_column: str | None = None, total_row: Hashable | None = None) -> SuppressedTable:
        """:func:`suppress_counts` with this policy's threshold, rounding and marker.

        Counts are coerced to whole numbers first (weighted or float-typed counts of persons).
        """
        work = frame.copy()
        for c in [*count_columns, *([total_column] if total_column is not None else [])]:
            work[c] = pd.to_numeric(work[c]).round().astype("int64")
        return suppress_counts(work, list(count_columns), max(self.threshold, 1), margins=margins,  # type: ignore[arg-type]
                               rounding_base=self.base, derived=derived, marker=self.marker, name=name,
                               total_column=total_column, total_row=total_row)

    def counts(self, frame: pd.DataFrame, count_columns: Sequence[str], *, name: str,
               derived: Mapping[str, Sequence[str]] | None = None, margins: str = "none",
               total_column: str | None = None, total_row: Hashable | None = None) -> pd.DataFrame:
        """The published frame of :meth:`suppress` (suppressed cells hold the marker)."""
        return self.suppress(frame, count_columns, name=name, derived=derived, margins=margins,
                             total_column=total_column, total_row=total_row).table

    def hide(self, frame: pd.DataFrame, rows: Any, columns: Sequence[str]) -> pd.DataFrame:
        """``frame`` with ``columns`` of the ``rows`` (boolean mask) replaced by the marker."""
        mask = np.asarray(rows, dtype=bool)
        present = [c for c in columns if c in frame.columns]
        out = frame.astype({c: object for c in present})
        if mask.any():
            for c in present:
                out.loc[mask, c] = self.marker
        return out

    def hidden(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """Boolean mask: cells of ``column`` that hold the marker."""
        return (frame[column].astype(object) == self.marker).to_numpy()

    def binary(self, frame: pd.DataFrame, n_col: str, events_col: str, derived: Sequence[str] = ()) -> pd.DataFrame:
        """A 0/1 outcome with ``n`` published: a small number of events *or of non-events* reveals
        people, so the events and every value in ``derived`` (rates, contrasts, p-values) are
        hidden in that row; so are they when ``n`` or the events are already hidden."""
        n = pd.to_numeric(frame[n_col], errors="coerce")
        ev = pd.to_numeric(frame[events_col], errors="coerce")
        small = pd.Series(self.is_small(ev) | self.is_small(n - ev), index=frame.index)
        small |= (frame[events_col].astype(object) == self.marker) | (frame[n_col].astype(object) == self.marker)
        return self.hide(frame, small.to_numpy(), [events_col, *derived])

    def category_shares(self, counts: pd.DataFrame, *, name: str) -> SuppressedTable:
        """Levels x groups counts of one categorical variable whose shares (percentages of each
        group, summing to 100) are published: a column-margin table, so a lone hidden level gets a
        second one and the 100% cannot reveal it."""
        return self.suppress(counts, list(counts.columns), name=name, margins="columns")

    def attrition(self, removed: np.ndarray, remaining: np.ndarray, start: float) -> tuple[list[Any], list[Any], Any]:
        """An attrition chain ``remaining[k] = remaining[k-1] - removed[k]`` (``start`` = count before
        step 1) under disclosure control.

        Small removals are suppressed. Published remaining counts cut the chain into segments in
        which only the sum of the hidden removals is known, so a hidden removal alone in its segment
        would be recoverable from the totals before and after it: each such removal gets a partner
        removal in its segment (the remaining counts between them hidden), the partner needing
        fewest hidden counts, preferring one already hidden, then counts of at least the threshold
        (zeros last: hiding a zero bounds the small count by its own value). The final count (the
        cohort size, printed everywhere) is never hidden; the start only when there is a single step.
        The result is checked by linear algebra (:func:`disclosed_cells`).

        Returns
        -------
        removed, remaining : list
            Published values (int, rounded) or the marker.
        start : int or str
        """
        k = len(removed)
        relations = np.zeros((2 * k + 1, 1 + k))
        for i in range(k):
            relations[i, 1 + i] = 1
            relations[k + i, 0] = 1
            relations[k + i, 1:2 + i] = -1
        relations[2 * k, 0] = 1
        values = np.concatenate([removed, remaining, [start]]).astype(float)
        x = values[:k]
        hide_x = np.asarray(self.is_small(x), dtype=bool)
        hide_r = np.zeros(k, bool)
        hide_start = False

        def segment(i: int) -> list[int]:
            lo = i
            while lo > 0 and hide_r[lo - 1]:
                lo -= 1
            hi = i
            while hi < k - 1 and hide_r[hi]:
                hi += 1
            return list(range(lo, hi + 1))

        for i in np.flatnonzero(hide_x):
            if sum(hide_x[j] for j in segment(i)) >= 2 or hide_start and segment(i)[0] == 0:
                continue
            best = None
            for j in range(k):
                if j == i:
                    continue
                between = range(min(i, j), max(i, j))
                cost = (sum(not hide_r[r] for r in between),
                        0 if hide_x[j] else 1 if x[j] >= self.threshold else 2 if x[j] > 0 else 3, x[j])
                if best is None or cost < best[0]:
                    best = (cost, j, between)
            if best is None:
                hide_start = True
                continue
            _, j, between = best
            hide_x[j] = True
            for r in between:
                hide_r[r] = True
        published = np.concatenate([~hide_x, ~hide_r, [not hide_start]])
        sup = np.flatnonzero(~published)
        if sup.size and disclosed_cells(relations, published, sup).any():  # pragma: no cover - by construction
            raise PrivacyError("attrition table: suppression left a recoverable count; please report this as a bug")
        shown = [self.marker if not p else int(self.round(v)) for v, p in zip(values, published)]
        return shown[:k], shown[k:2 * k], shown[2 * k]

    # --- labels ------------------------------------------------------------------------------------
    def pool_rare(self, labels: pd.Series, *, other: str = OTHER_LABEL, counts: pd.Series | None = None) -> pd.Series:
        """Category labels held by fewer than ``threshold`` persons replaced by ``other``.

        A label such as an e-mail address or a street name typed into a category column, or a
        jurisdiction with three people, would otherwise be printed beside its (suppressed) count.
        When pooling leaves ``other`` itself below the threshold it stays pooled: its count is then
        suppressed like any other small count.

        Parameters
        ----------
        labels : pandas.Series
            One label per person (missing values stay missing).
        other : str
            The pooled label.
        counts : pandas.Series, optional
            Persons per label when ``labels`` holds one row per label (then ``labels`` are the
            distinct labels); by default the labels are counted.

        Returns
        -------
        pandas.Series
            Same index as ``labels``.
        """
        if not self.protected:
            return labels
        freq = labels.value_counts(dropna=True) if counts is None else pd.Series(
            np.asarray(counts), index=labels.to_numpy())
        rare = set(freq.index[freq.to_numpy() < self.threshold])
        if not rare:
            return labels
        return labels.astype(object).where(~labels.isin(rare), other)

    # --- text --------------------------------------------------------------------------------------
    def notes(self, notes: Sequence[str], hidden_labels: Sequence[str] = ()) -> list[str]:
        """Sentences made publishable.

        A whole number from 1 to ``threshold - 1`` directly followed by "of" or by a noun counting
        people or records ("6 of 6,543 rows", "3 person(s)") becomes "fewer than <threshold>"
        (larger ones are rounded to the base when rounding is on, as in the tables); a
        count of "N of M ... read" whose difference is small is hidden the same way ("4999 of 5001
        read" reveals 2). In a sentence that names a category whose cell is suppressed
        (``hidden_labels``, e.g. ``"stage = police"``), every percentage and count is replaced by the
        marker. Other numbers (days, settings) are left alone.

        Parameters
        ----------
        notes : sequence of str
        hidden_labels : sequence of str
            Category labels (as they appear in sentences) whose cells are suppressed somewhere.

        Returns
        -------
        list of str
        """
        if not self.protected:
            return [str(n) for n in notes]
        threshold = self.threshold

        def shown(value: int) -> str:  # a count in words is rounded like every published count
            return f"{int(self.round(value)):,}" if self.base else f"{value:,}"

        def small(match: re.Match[str]) -> str:
            value = int(match.group(1).replace(",", ""))
            if 0 < value < threshold:
                return f"fewer than {threshold}"
            return shown(value) if self.base else match.group(1)

        def pair(match: re.Match[str]) -> str:
            a, b = (int(g.replace(",", "")) for g in match.group(1, 2))
            if 0 < b - a < threshold:
                return f"all but fewer than {threshold} of {shown(b)}"
            if 0 < a < threshold:
                return match.group(0)  # the small count itself is replaced below
            return f"{shown(a)} of {shown(b)}" if self.base else match.group(0)

        hidden = [h for h in hidden_labels if h]
        out = []
        for note in notes:
            text = _PAIR.sub(pair, str(note))
            text = _COUNTED.sub(small, text)
            if hidden and any(h in text for h in hidden):
                text = _STAT.sub(self.marker, text)
            out.append(text)
        return out


def pool_rare_labels(dataset: Any, disclosure: Any = None) -> tuple[Any, tuple[str, ...]]:
    """The data set with rare free-text category labels pooled into "other", before any analysis.

    A label of :data:`FREE_TEXT_LABELS` (the persons' ``jurisdiction``) held by fewer than
    ``threshold`` persons would be printed in tables, figure axes and notes beside a suppressed
    count; a hand-typed label can even be a name and street address. Pooling it in the data, before
    the cohort is built, keeps every output consistent (the model, the tables, the figures, the
    notes and the population projection all see "other").

    Parameters
    ----------
    dataset : Dataset
        Contract tables (:class:`altmeasures_eval.schema.Dataset`).
    disclosure : DisclosurePolicy, DisclosureSettings, mapping or None
        The ``[disclosure]`` settings (only ``threshold`` is used).

    Returns
    -------
    dataset : Dataset
        A copy with rare labels replaced (the same object when nothing is rare or protection is off).
    notes : tuple of str
        What was pooled, in counts of labels and persons (never the labels themselves).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> persons = pd.DataFrame({"person_id": range(23), "jurisdiction": ["north"] * 20 + ["Smith, 12 High St"] * 3})
    >>> pooled, notes = pool_rare_labels(SimpleNamespace(persons=persons), {"threshold": 10})
    >>> sorted(pooled.persons["jurisdiction"].unique()), notes[0][:45]
    (['north', 'other'], 'jurisdiction: 1 label(s) held by fewer than 1')
    """
    import dataclasses as _dc
    import copy

    policy = DisclosurePolicy.from_settings(disclosure)
    if not policy.protected:
        return dataset, ()
    notes: list[str] = []
    changed: dict[str, pd.DataFrame] = {}
    for table, columns in FREE_TEXT_LABELS.items():
        frame = getattr(dataset, table, None)
        if frame is None:
            continue
        for col in columns:
            if col not in frame.columns:
                continue
            labels = frame[col]
            freq = frame.groupby(col, dropna=True)["person_id"].nunique() if "person_id" in frame else \
                labels.value_counts()
            rare = freq.index[freq.to_numpy() < policy.threshold]
            rare = [lv for lv in rare if lv != OTHER_LABEL]
            if not rare:
                continue
            frame = changed.get(table, frame).copy()
            hit = frame[col].isin(rare)
            frame[col] = frame[col].astype(object).where(~hit, OTHER_LABEL)
            changed[table] = frame
            notes.append(f"{col}: {len(rare)} label(s) held by fewer than {policy.threshold} people each are "
                         f"pooled into \"{OTHER_LABEL}\" before the analysis (disclosure control).")
    if not changed:
        return dataset, ()
    if _dc.is_dataclass(dataset):
        return _dc.replace(dataset, **changed), tuple(notes)
    out = copy.copy(dataset)
    for table, frame in changed.items():
        setattr(out, table, frame)
    return out, tuple(notes)


#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

#: A count in a sentence (used by :meth:`DisclosurePolicy.notes`): a whole number followed by "of" or by a noun that counts people or
#: records ("6 of 6,543 rows", "3 person(s)", "7 units"); not "182-day", "95%" or "1e-8".
COUNT_IN_TEXT = _COUNTED = re.compile(
    r"(?<![\w.,-])(\d[\d,]*)(?=\s+(?:of\b|persons?\b|person\(s\)|people\b|rows?\b|row\(s\)|cases?\b|"
    r"case\(s\)|spells?\b|episodes?\b|units?\b|records?\b|reoffenders?\b|scores?\b|individuals?\b|"
    r"pairs?\b|deaths?\b|level\(s\)|levels?\b|covariate))"
)
#: "N of M" where the complement M - N is the count a reader gets ("4,999 of 5,001 read").
_PAIR = re.compile(r"(?<![\w.,-])(\d[\d,]*) of (\d[\d,]*)(?![\d,]*%)")
#: Any statistic in a sentence about a hidden category: percentages and plain numbers.
_STAT = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?%?")
