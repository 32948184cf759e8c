"""Published tables of an evaluation, every one under disclosure control.

Each table is built from an :class:`~altmeasures_eval.evaluation.Evaluation` and passed through
the run's :class:`altmeasures_eval.privacy.DisclosurePolicy` (counts below the threshold
suppressed, values derived from them suppressed, secondary suppression so that totals cannot
reveal them, rare labels pooled, optional rounding). This module keeps no disclosure rule of its
own: it says which columns are counts, which values derive from which counts and which totals are
published, and the policy decides. No table holds an identifier or a row about one person: rows
are groups, horizons, covariates or model quantities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import dataclasses
from dataclasses import dataclass, field
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from altmeasures_eval._i18n import N_, _, current_language, fmt_int, fmt_num, fmt_pct, fmt_signed, language, ngettext
from altmeasures_eval._vocabulary import display_cost_item, display_level, display_name, display_unit
from altmeasures_eval.privacy import COUNT_IN_TEXT, OTHER_LABEL, DisclosurePolicy, neutralise_formulas

if TYPE_CHECKING:
    from altmeasures_eval.evaluation import DisclosureSettings

__all__ = ["PublishedTable", "hidden_labels", "publish_attrition", "publish_counts", "publish_notes",
           "publishable_frame", "published_tables"]

_PCT = "{:.1f}"
#: Shown for a value that is not a finite number (an infinite ratio, an undefined E-value): the
#: text "inf" is never printed.
_NOT_DEFINED = N_("not defined")


@dataclass(frozen=True)
class PublishedTable:
    """A table ready to publish.

    The ``frame`` is the machine layer: codes of the data contract and numbers, as written to
    ``tables/<name>.csv`` and read by ``results.json``. Everything a reader sees (``title``,
    headers with their units, display names of codes, numbers in the locale's form) is the display
    layer, in the language that was active when the table was built
    (:func:`altmeasures_eval._i18n.language`), and is what the report and the workbook print.

    Attributes
    ----------
    name : str
        File stem (``recidivism`` -> ``tables/recidivism.csv``) and workbook sheet name.
    title : str
        Title without number (the report numbers tables in reading order).
    frame : pandas.DataFrame
        Values after disclosure control (suppressed cells hold the marker).
    formats : dict of str to str or callable
        Display format per numeric column (``"{:+,.1f}"``: sign, decimals; ``"{:.0f}%"``: a
        percentage; ``"{}"``: as it is, e.g. a year) or a function of the value; it states the
        precision of the column, to which the CSV and the workbook round too.
    note : str
        Footnote (disclosure and definitions).
    labels : dict of str to str
        Display column headers (without unit).
    units : dict of str to str
        Unit of a column's values, shown in its header: "Rate (%)", "Bed-days per person (days)".
    values : dict of str to callable
        Display text of the codes in a text column (``display_level`` of the vocabulary).
    unit : str
        Unit of the table as a whole, for the caption (``""`` when the headers say it).
    source : str
        Source line when the table has its own (else the report's).
    language : str
        The language the table was built in (the active one by default); its cells are displayed
        in that language whatever language is active when they are printed.
    """

    name: str
    title: str
    frame: pd.DataFrame
    formats: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    values: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    unit: str = ""
    source: str = ""
    language: str = field(default_factory=current_language)

    def alignment(self) -> list[str]:
        """``left`` for text columns, ``right`` for numeric ones (for the templates)."""
        out = []
        for c in self.frame.columns:
            vals = [v for v in self.frame[c] if isinstance(v, str) and v not in ("-", "[c]")]
            out.append("left" if c in self.values or (vals and not all(_numeric(v) for v in vals)) else "right")
        return out

    def header(self, column: str) -> str:
        """The display header of ``column``: its label and, in brackets, its unit."""
        label = self.labels.get(column, str(column).replace("_", " "))
        unit = self.units.get(column, "")
        return f"{label} ({unit})" if unit else label

    def cell(self, column: str, value: Any) -> str:
        """The display text of one value of ``column`` (a suppressed cell stays the marker)."""
        with language(self.language):
            return self._cell(column, value)

    def _cell(self, column: str, value: Any) -> str:
        show = self.values.get(column)
        if show is not None and isinstance(value, str | int | np.integer | bool | np.bool_) and value != "-":
            text = show(value)
            return text[:1].upper() + text[1:]  # a label starts a cell: sentence case
        return _fmt(value, self.formats.get(column))

    def display(self) -> tuple[list[str], list[list[str]]]:
        """Header and rows as display strings."""
        cols = list(self.frame.columns)
        head = [self.header(c) for c in cols]
        with language(self.language):
            rows = [[self._cell(c, v) for c, v in zip(cols, rec)] for rec in self.frame.itertuples(index=False)]
        return head, rows


def p_format(v: float) -> str:
    """p-values to two decimals as the Justice Data Lab prints them; below 0.01 as ``<0.01`` (in
    the locale's form: ``<0,01`` in French)."""
    return "<" + fmt_num(0.01, 2) if v < 0.01 else fmt_num(v, 2)


#: A format of the tables: optional sign, optional grouping, decimals, optional percent sign.
_SPEC = re.compile(r"^\{:(?P<sign>\+)?,?\.(?P<dec>\d+)f\}(?P<pct>%?)$")


def _fmt(v: Any, spec: Any) -> str:
    """One value as displayed, in the active locale; never "nan" or "inf"."""
    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and np.isnan(v)):
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, bool | np.bool_):
        return _("yes") if v else _("no")
    if isinstance(v, float | np.floating) and not np.isfinite(v):
        return _(_NOT_DEFINED)
    if callable(spec):
        return spec(v)
    if isinstance(spec, str):
        m = _SPEC.match(spec)
        if m:
            dec = int(m["dec"])
            if m["pct"]:
                return fmt_pct(float(v) / 100, dec)
            # a negative number always with a true minus sign (read as "minus" by screen readers)
            return fmt_signed(v, dec) if m["sign"] or float(v) < 0 else fmt_num(v, dec)
        if spec == "{}":  # years and horizons: digits as they are
            return str(int(v)) if float(v).is_integer() else str(v)
        try:
            return spec.format(v)
        except (ValueError, TypeError):
            return str(v)
    if isinstance(v, int | np.integer):
        return fmt_int(v)
    x = float(v)  # no format given: three significant digits
    dec = 0 if x == 0 else max(0, min(3, 2 - int(math.floor(math.log10(abs(x))))))
    return fmt_num(x, dec)


def _numeric(v: str) -> bool:
    try:
        float(v.replace(",", "").rstrip("%"))
    except ValueError:
        return False
    return True


def publish_counts(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    disclosure: DisclosureSettings,
    *,
    name: str,
    derived: Mapping[str, Sequence[str]] | None = None,
    margins: str = "none",
    total_column: str | None = None,
    total_row: Any = None,
) -> pd.DataFrame:
    """Make one count table publishable with the ``[disclosure]`` settings: the report's own path.

    Every command that writes counts calls this (the report calls the same code for each of its
    tables), so that one threshold, one rounding rule and one marker hold for every output.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group or statistic; ``count_columns`` hold counts of persons (or of custody
        spells, cases ...), whole numbers >= 0.
    count_columns : sequence of str
        The inner count columns (not a total column).
    disclosure : DisclosureSettings
        Anything with ``threshold`` (int), ``rounding_base`` (int, 0 = no rounding) and ``marker``
        (str): normally ``EvaluationSpec.from_config(cfg).disclosure``, the ``[disclosure]`` section.
    name : str
        Table name, for error messages.
    derived : mapping of str to sequence of str, optional
        Columns computed from counts of the same row (means, rates, totals per person); hidden when
        a count they use is hidden.
    margins : {"none", "rows", "columns", "both"}, default "none"
        Which totals are published (see :func:`altmeasures_eval.privacy.suppress_counts`):
        ``"none"`` when the rows are separate statistics that are never added up.
    total_column, total_row : optional
        A total column or the label of a total row already in ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with counts from 1 to ``threshold - 1`` replaced by the marker, secondary
        suppressions so that the published totals cannot reveal them, derived values of a hidden
        count hidden, and published counts rounded to ``rounding_base`` when it is not 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from altmeasures_eval.evaluation import DisclosureSettings
    >>> t = pd.DataFrame({"group": ["a", "b", "c"], "n": [40, 4, 25], "mean_days": [3.0, 9.5, 2.2]})
    >>> out = publish_counts(t, ["n"], DisclosureSettings(), name="demo", derived={"mean_days": ["n"]})
    >>> out.loc[1, "n"], out.loc[1, "mean_days"]
    ('[c]', '[c]')
    """
    return DisclosurePolicy.from_settings(disclosure).counts(
        frame, count_columns, name=name, derived=derived, margins=margins, total_column=total_column,
        total_row=total_row)


def publish_attrition(attrition: pd.DataFrame, disclosure: DisclosureSettings) -> pd.DataFrame:
    """The attrition table (``Cohort.attrition``) under disclosure control, as the report prints it.

    Small removals are hidden with partner removals and the remaining counts between them, so that
    no hidden count follows from the published ones (:meth:`altmeasures_eval.privacy.DisclosurePolicy.attrition`); the final count (the
    cohort size) stays published.

    Parameters
    ----------
    attrition : pandas.DataFrame
        Columns ``step`` (0 = every person in the data), ``rule``, ``description``,
        ``persons_removed``, ``persons_remaining``.
    disclosure : DisclosureSettings
        As in :func:`publish_counts`.

    Returns
    -------
    pandas.DataFrame
        ``step``, ``rule``, ``description``, ``persons_removed``, ``persons_remaining``; hidden counts
        hold the marker, step 0 has ``"-"`` as its removal.
    """
    return _attrition_frame(attrition, DisclosurePolicy.from_settings(disclosure))


#: Kept for callers of the old name: the pattern lives in the policy.
_COUNTED = COUNT_IN_TEXT


def publish_notes(notes: Sequence[str], disclosure: DisclosureSettings,
                  hidden_labels: Sequence[str] = ()) -> list[str]:
    """Notes with every small count in their sentences replaced by "fewer than <threshold>".

    Pipeline notes count things in words ("6 of 6,543 rows have no 730-day binary outcomes"); a
    note written into a published file is a published count too. A whole number from 1 to
    ``threshold - 1`` directly followed by "of" or by a noun counting people or records (persons,
    people, rows, cases, spells, episodes, units, records, reoffenders, scores, pairs, deaths) is
    replaced; other numbers (days, percentages, settings) are left alone.

    Parameters
    ----------
    notes : sequence of str
    disclosure : DisclosureSettings
        As in :func:`publish_counts`.
    hidden_labels : sequence of str, optional
        Category labels ("stage = police") whose cells are suppressed: every statistic in a
        sentence naming one is replaced by the marker (:meth:`altmeasures_eval.privacy.DisclosurePolicy.notes`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> from altmeasures_eval.evaluation import DisclosureSettings
    >>> publish_notes(["6 of 6,543 rows have no 730-day outcome", "605 scores clipped"],
    ...               DisclosureSettings())
    ['fewer than 10 of 6,543 rows have no 730-day outcome', '605 scores clipped']
    """
    return DisclosurePolicy.from_settings(disclosure).notes(notes, hidden_labels)


def _ci_labels(ev: Any) -> dict[str, str]:
    """Headers of the confidence limits, with the level of the intervals from the config."""
    level = fmt_num(100 * (1 - ev.spec.outcomes.alpha), 0)
    return {"ci_low": _("{level}% CI, lower").format(level=level),
            "ci_high": _("{level}% CI, upper").format(level=level)}


def _attrition(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    from altmeasures_eval.report._words import removal_reason  # the flow diagram's words, one home

    frame = _attrition_frame(ev.attrition, p)
    # the frame describes who is kept (the cohort's words); the display says why people were removed
    reasons = {str(d): removal_reason(str(r), str(d), ev.spec.cohort)
               for r, d in zip(frame["rule"].iloc[1:], frame["description"].iloc[1:])}
    reasons[str(frame["description"].iloc[0])] = "-"  # the data themselves: nobody removed
    return PublishedTable("attrition", _("From the data to the evaluation cohort"), frame,
                          formats={"step": "{}"},
                          labels={"step": _("Step"), "rule": _("Rule"), "description": _("Reason for removal"),
                                  "persons_removed": _("People removed"), "persons_remaining": _("People remaining")},
                          values={"rule": lambda v: display_level("rule", v),
                                  "description": lambda d: reasons.get(str(d), _text(d))},
                          unit=_("people"),
                          note=_("People removed at each step and people remaining after it."))


def _text(v: Any) -> str:
    """A sentence written elsewhere in English, in the active language when a catalogue has it."""
    return _(str(v))


def _attrition_frame(a: pd.DataFrame, p: DisclosurePolicy) -> pd.DataFrame:
    steps = a[a["step"] > 0]
    removed = steps["persons_removed"].to_numpy(float)
    remaining = steps["persons_remaining"].to_numpy(float)
    start = float(a.loc[a["step"] == 0, "persons_remaining"].iloc[0])
    rem, left, first_n = p.attrition(removed, remaining, start)
    frame = pd.DataFrame({"step": steps["step"].to_numpy(), "rule": steps["rule"].to_numpy(),
                          "description": steps["description"].to_numpy(), "persons_removed": rem,
                          "persons_remaining": left})
    first = pd.DataFrame({"step": [0], "rule": ["data"], "description": [_("every person in the data")],
                          "persons_removed": ["-"], "persons_remaining": [first_n]})
    return pd.concat([first, frame], ignore_index=True)


def _problems_note(n: int) -> str:
    if n == 0:
        return _("No data-quality problem was recorded.")
    return ngettext("{n} data-quality problem was recorded.", "{n} data-quality problems were recorded.",
                    n).format(n=fmt_int(n))


def _quality(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    t = ev.quality.tables[["table", "kept_rows", "rejected_rows"]].copy()
    # records read = kept + rejected is published: a total column of the same rows
    t.insert(1, "records_read", t["kept_rows"].to_numpy() + t["rejected_rows"].to_numpy())
    t = p.counts(t.set_index("table"), ["kept_rows", "rejected_rows"], name="data_quality", margins="rows",
                 total_column="records_read").reset_index()
    n_prob = len(ev.quality.problems) if ev.quality.problems is not None else 0
    return PublishedTable("data_quality", _("Input tables: records read, kept and rejected"), t,
                          labels={"table": _("Input table"), "records_read": _("Records read"),
                                  "kept_rows": _("Records kept"), "rejected_rows": _("Records rejected")},
                          values={"table": lambda v: display_level("table", v)},
                          unit=_("records"), note=_problems_note(n_prob))


#: The data checks of :mod:`altmeasures_eval.io` by their ``check`` code: (problem, fix) in words a
#: report in another language than English prints (the English report prints the checks' own
#: messages, which name the contract's tables and columns).
_PROBLEM_WORDS: dict[str, tuple[str, str]] = {
    "required_value": (N_("Empty where a value is required."), N_("Fill in the value, or leave the row out.")),
    "vocabulary": (N_("A code that is not in the list of the data contract."),
                   N_("Use a code of the data contract, or translate the local codes in the mapping file.")),
    "unmapped_code": (N_("A local code with no entry in the mapping file."),
                      N_("Add the local code to the mapping file with its code in the data contract.")),
    "iccs_format": (N_("Not an offence code of the International Classification of Crime for Statistical "
                       "Purposes (ICCS)."),
                    N_("Write ICCS codes as text with their leading zero, or map the local offence codes in the "
                       "mapping file.")),
    "format": (N_("Not in the required format."), N_("Write the value in the format the data contract gives.")),
    "range": (N_("A negative value where only zero or more is possible."),
              N_("Check the sign and the units of the value.")),
    "date_format": (N_("Not a valid date."), N_("Write dates as YYYY-MM-DD, or declare the source's date format in "
                                               "the mapping file.")),
    "integer": (N_("Not a whole number."), N_("Write a whole number, without decimals or text.")),
    "boolean": (N_("Not a yes/no value."), N_("Write true or false (or 1 or 0).")),
    "number": (N_("Not a number."), N_("Write counts and rates as plain numbers, empty when unknown.")),
    "unique_key": (N_("The same identifier appears on more than one row."),
                   N_("Remove the duplicate rows or correct their identifiers.")),
    "unknown_reference": (N_("Refers to a record that is not in the other table."),
                          N_("Check that the tables were extracted together, from the same registers.")),
    "date_order": (N_("A date earlier than the date it must follow."),
                   N_("Check for swapped or mistyped dates.")),
    "after_extract_date": (N_("A date after the extract date."),
                           N_("Check the date, or the extract date (extract_date in extract.toml).")),
    "pending_consistency": (N_("Does not agree with whether the case is still pending."),
                            N_("Record the outcome of decided cases, and none for pending cases.")),
    "implausible_birth_year": (N_("A year of birth that gives an implausible age."),
                               N_("Check the year; leave it empty when it is not known.")),
    "overlapping_spell": (N_("Custody spells of the same person that overlap."),
                          N_("Merge the spells or correct their dates: a person is in one custody spell at a "
                             "time.")),
    "missing_column": (N_("A required column is missing."),
                       N_("Add the column, or map the source's column to it in the mapping file.")),
    "unknown_column": (N_("A column that the data contract does not know."),
                       N_("Map the column to a column of the data contract, or leave it out in the mapping file.")),
    "duplicate_column": (N_("Two source columns are mapped to the same column."),
                         N_("Map exactly one source column to each column of the data contract.")),
    "drop_unknown_column": (N_("A column to leave out that the source does not have."),
                            N_("Check the name of the column to leave out in the mapping file.")),
    "formula_without_value": (N_("A spreadsheet formula without a stored value."),
                              N_("Save the workbook with its calculated values, or export it as CSV.")),
}


def _problem_words(check: str, english: str, fix: bool) -> str:
    """A data problem (or its fix) in the active language: the check's own message in English, the
    words of :data:`_PROBLEM_WORDS` in another language (a check without words there: a pointer to
    the data-quality report of ``validate``, which gives every message in English)."""
    if current_language() == "en":
        return _text(english)
    words = _PROBLEM_WORDS.get(str(check))
    if words is None:
        return (_("See the data-quality report of the validate command.") if fix else
                _("A problem found by the data checks (described in English in the data-quality report of the "
                  "validate command)."))
    return _(words[1] if fix else words[0])


def _problems(ev: Any, p: DisclosurePolicy) -> PublishedTable | None:
    probs = getattr(ev.quality, "problem_summary", None)
    if probs is None or not len(probs):
        return None
    cols = [c for c in ("table", "column", "n_rows", "message", "hint") if c in probs.columns]
    frame = probs[cols].reset_index(drop=True)
    # printed in the report's language from the check that found each problem (the CSV keeps the
    # checks' own English messages, as results.json keeps the steps' reasons)
    checks = probs["check"].astype(str).tolist() if "check" in probs else [""] * len(frame)
    words = {(col, v): _problem_words(c, v, col == "hint")
             for col in ("message", "hint") if col in frame for c, v in zip(checks, frame[col])}
    if "n_rows" in frame:
        frame = p.counts(frame, ["n_rows"], name="data_problems")
    return PublishedTable("data_problems", _("Data-quality problems found"), frame,
                          labels={"table": _("Input table"), "column": _("Column"),
                                  "n_rows": _("Records"), "message": _("Problem"), "hint": _("How to fix it")},
                          values={"table": lambda v: display_level("table", v),
                                  "message": lambda v: words.get(("message", v), _text(v)),
                                  "hint": lambda v: words.get(("hint", v), _text(v))},
                          note=_("Number of records with each problem (no record is listed)."))


class _Shares:
    """Level x group counts of each categorical covariate, suppressed once (column margins: the
    group sizes are published, so the percentages of a variable sum to 100) and shared by every
    table that prints the same cross-tabulation (cohort description, subgroups), so that what one
    hides another cannot print. Rare levels (held by fewer than ``threshold`` people in all) are
    pooled into "other"."""

    def __init__(self, ev: Any, p: DisclosurePolicy) -> None:
        b = ev.balance.table.drop(index="distance", errors="ignore") if ev.balance is not None else None
        d = ev.data
        self.n = {"alternative": int((d["treatment"] == 1).sum()), "custody": int((d["treatment"] == 0).sum())}
        self.tables: dict[str, Any] = {}
        self.pooled: dict[str, list[str]] = {}
        if b is None:
            return
        binary = b[b["type"] == "binary"]
        var = pd.Series([i.split("=")[0] for i in binary.index], index=binary.index)
        for v in var.unique():
            rows = binary[var == v]
            levels = [i.split("=", 1)[1] if "=" in i else "" for i in rows.index]
            counts = pd.DataFrame({"alternative": np.rint(rows["mean_treated_before"].to_numpy() * self.n["alternative"]),
                                   "custody": np.rint(rows["mean_control_before"].to_numpy() * self.n["custody"])},
                                  index=levels).astype("int64")
            if levels == [""]:  # a 0/1 characteristic: the people without it are the other level
                counts.loc["__without__"] = [self.n["alternative"] - counts.iloc[0, 0],
                                             self.n["custody"] - counts.iloc[0, 1]]
            rare = [lv for lv in levels if lv and lv != OTHER_LABEL and 0 < counts.loc[lv].sum() < p.threshold] \
                if p.protected else []
            if len(rare) >= 1:
                self.pooled[v] = rare
            self.tables[v] = p.category_shares(counts, name=f"cohort_description {v}")

    def hidden(self, variable: str, level: str, group: str) -> bool:
        t = self.tables.get(variable)
        if t is None or level not in t.flags.index:
            return False
        return bool(t.flags.at[level, group] != "")

    def labels(self) -> list[str]:
        """Levels with a hidden cell, as sentences name them ("stage = police")."""
        out = []
        for v, t in self.tables.items():
            for level in t.flags.index[(t.flags != "").any(axis=1)]:
                out += [v] if level in ("", "__without__") else [f"{v} = {level}", f"{v}={level}", f"{v}: {level}"]
        return out


def _characteristic_text(code: str, continuous: bool, threshold: int) -> str:
    """Display text of a row of the cohort description: "Sex: female", "Age at the decision, mean
    (years)", "Sex: other (levels held by fewer than 10 people)"."""
    var, sep, level = str(code).partition(": ")
    name = display_name(var)
    if not sep:
        if not continuous:
            return name
        unit = display_unit(var)
        return (_("{name}, mean ({unit})").format(name=name, unit=unit) if unit
                else _("{name}, mean").format(name=name))
    if level.startswith(f"{OTHER_LABEL} ("):  # rare levels pooled into "other"
        return _("{name}: other (levels held by fewer than {n} people)").format(name=name, n=fmt_int(threshold))
    return _("{name}: {level}").format(name=name, level=display_level(var, level))


def _description(ev: Any, p: DisclosurePolicy, shares: _Shares) -> PublishedTable:
    b = ev.balance.table.drop(index="distance", errors="ignore")
    n_t, n_c = shares.n["alternative"], shares.n["custody"]
    binary = (b["type"] == "binary").to_numpy()
    scale = np.where(binary, 100.0, 1.0)
    var = [i.split("=")[0] for i in b.index]
    level = [i.split("=", 1)[1] if "=" in i else "" for i in b.index]
    out = pd.DataFrame({
        "characteristic": [i.replace("=", ": ", 1) for i in b.index],  # a level may itself hold "="
        "alternative": b["mean_treated_before"].to_numpy() * scale,
        "custody": b["mean_control_before"].to_numpy() * scale,
        "smd_before": b["smd_before"].to_numpy(),
        "custody_adjusted": b["mean_control_after"].to_numpy() * scale,
        "smd_after": b["smd_after"].to_numpy(),
    })
    if p.base:  # percentages from the published (rounded) counts, so they hold no more than those
        for col, grp, n in (("alternative", "alternative", n_t), ("custody", "custody", n_c)):
            cnt = [shares.tables[v].values.at[lv, grp] if bin_ and v in shares.tables else np.nan
                   for v, lv, bin_ in zip(var, level, binary)]
            pct = 100 * p.rate(np.nan_to_num(np.asarray(cnt, float)), np.full(len(cnt), n))
            out[col] = np.where(binary, pct, out[col])
    hide_t = np.array([bin_ and shares.hidden(v, lv, "alternative") for v, lv, bin_ in zip(var, level, binary)])
    hide_c = np.array([bin_ and shares.hidden(v, lv, "custody") for v, lv, bin_ in zip(var, level, binary)])
    out = p.hide(out, hide_t, ["alternative"])
    out = p.hide(out, hide_c, ["custody", "custody_adjusted"])
    # an SMD beside a hidden percentage gives it back from the other group's percentage
    out = p.hide(out, hide_t | hide_c, ["smd_before", "smd_after"])
    # rare labels: the level's name is not printed; its row becomes "<variable>: other"
    rare = np.array([bin_ and lv in shares.pooled.get(v, []) for v, lv, bin_ in zip(var, level, binary)])
    if rare.any():
        out.loc[rare, "characteristic"] = [f"{v}: {OTHER_LABEL} (labels held by fewer than {p.threshold} people)"
                                           for v, r in zip(var, rare) if r]
    shown = {c: _characteristic_text(c, not bin_, p.threshold) for c, bin_ in zip(out["characteristic"], binary)}
    group = _("% or mean")
    return PublishedTable(
        "cohort_description", _("Characteristics of the two groups before and after adjustment"), out,
        formats={"alternative": "{:,.1f}", "custody": "{:,.1f}", "custody_adjusted": "{:,.1f}",
                 "smd_before": "{:+.2f}", "smd_after": "{:+.2f}"},
        labels={"characteristic": _("Characteristic"), "alternative": _("Alternative"), "custody": _("Custody"),
                "smd_before": _("SMD before adjustment"), "custody_adjusted": _("Custody, adjusted"),
                "smd_after": _("SMD after adjustment")},
        units={"alternative": group, "custody": group, "custody_adjusted": group},
        values={"characteristic": lambda v: shown.get(v, str(v))},
        note=_("Percentages for categories, means otherwise. SMD: standardised mean difference between the "
               "groups (an absolute SMD below {threshold} is taken as good balance). Groups: {n_alternative} "
               "people given an alternative, {n_custody} sent to custody.").format(
                   threshold=fmt_num(ev.spec.design.balance_threshold, 2), n_alternative=_n_text(p, n_t),
                   n_custody=_n_text(p, n_c)))


def _n_text(p: DisclosurePolicy, n: int) -> str:
    shown = p.count(n)
    return _("fewer than {n}").format(n=fmt_int(p.threshold)) if shown is None else fmt_int(shown)


def _observed(p: DisclosurePolicy, frame: pd.DataFrame, events: str, n: str) -> np.ndarray:
    """Observed rates in % from the published (rounded) counts of the frame before suppression."""
    return 100 * np.asarray(p.rate(frame[events].to_numpy(float), frame[n].to_numpy(float)), float)


def _recidivism(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    d = ev.data
    rows = []
    estimand = ev.design.estimand
    for h, e in ev.recidivism.items():
        rd = e.summary.loc["risk_difference"]
        y = d[f"reoffend_{h}"]
        obs_t = (d["treatment"] == 1) & y.notna()
        obs_c = (d["treatment"] == 0) & y.notna()
        naive = ev.naive[h].summary.loc["risk_difference"]
        sig = ev.rules.significance.get(h, False)
        rows.append({
            "horizon_days": h, "n_alternative": int(obs_t.sum()), "reoffenders_alternative": int(y[obs_t].sum()),
            "n_custody": int(obs_c.sum()), "reoffenders_custody": int(y[obs_c].sum()),
            "rate_alternative": 100 * e.means.loc["treated", "mean"],
            "rate_custody_adjusted": 100 * e.means.loc["control", "mean"],
            "difference_points": 100 * rd["estimate"], "ci_low": 100 * rd["ci_low"],
            "ci_high": 100 * rd["ci_high"], "p_value": rd["p_value"] if sig else np.nan,
            "unadjusted_difference": 100 * naive["estimate"]})
    raw = pd.DataFrame(rows)
    if p.base:  # observed rates and the unadjusted difference from the published (rounded) counts
        obs_alt = _observed(p, raw, "reoffenders_alternative", "n_alternative")
        raw["unadjusted_difference"] = obs_alt - _observed(p, raw, "reoffenders_custody", "n_custody")
        if estimand == "ATT":  # the alternative rate is the observed one
            raw["rate_alternative"] = obs_alt
    counts = ["n_alternative", "reoffenders_alternative", "n_custody", "reoffenders_custody"]
    contrast = ["difference_points", "ci_low", "ci_high", "p_value", "unadjusted_difference"]
    frame = p.counts(raw, counts, name="recidivism",
                     derived={"rate_alternative": ["n_alternative", "reoffenders_alternative"],
                              "rate_custody_adjusted": ["n_custody", "reoffenders_custody"],
                              **{c: counts for c in contrast}})
    frame = p.binary(frame, "n_alternative", "reoffenders_alternative", ["rate_alternative", *contrast])
    frame = p.binary(frame, "n_custody", "reoffenders_custody", ["rate_custody_adjusted", *contrast])
    pts = _("percentage points")
    level = fmt_num(100 * (1 - ev.spec.outcomes.alpha), 0)
    return PublishedTable(
        "recidivism", _("Proven reoffending by length of follow-up"), frame,
        formats={"horizon_days": "{:,.0f}", "rate_alternative": _PCT, "rate_custody_adjusted": _PCT, "difference_points": "{:+.1f}",
                 "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": p_format, "unadjusted_difference": "{:+.1f}"},
        labels={"horizon_days": _("Follow-up"), "n_alternative": _("People, alternative"),
                "reoffenders_alternative": _("Reoffenders, alternative"), "n_custody": _("People, custody"),
                "reoffenders_custody": _("Reoffenders, custody"), "rate_alternative": _("Reoffended, alternative"),
                "rate_custody_adjusted": _("Reoffended, custody, adjusted"), "difference_points": _("Difference"),
                **_ci_labels(ev), "p_value": _("p-value"), "unadjusted_difference": _("Unadjusted difference")},
        units={"horizon_days": _("days"), "rate_alternative": "%", "rate_custody_adjusted": "%",
               "difference_points": pts, "unadjusted_difference": pts},
        note=_("Rates in percent; differences in percentage points (alternative minus custody) with {level}% "
               "confidence intervals. Custody rates are weighted to resemble the alternative group. p-values are "
               "shown only where the decision rules allow a significance statement. People whose follow-up is not "
               "complete by the extract date are left out.").format(level=level))


def _simple_effects(name: str, title: str, effects: Mapping[Any, Any], key_label: str, p: DisclosurePolicy,
                    ev: Any, percent: bool) -> PublishedTable:
    d = ev.data
    rows = []
    k = 100.0  # 0/1 outcomes in percent; counts of reoffences per 100 people (as the summary words them)
    for key, e in effects.items():
        s = e.summary.iloc[0]
        col = e.outcome
        obs = d[col].notna()
        t, c = (d["treatment"] == 1) & obs, (d["treatment"] == 0) & obs
        row = {key_label: key, "n_alternative": int(t.sum()), "n_custody": int(c.sum())}
        if percent:  # 0/1 outcomes: the events are published (and protected) beside n
            row |= {"events_alternative": int(d.loc[t, col].sum()), "events_custody": int(d.loc[c, col].sum())}
        row |= {"alternative": k * e.means.loc["treated", "mean"], "custody_adjusted": k * e.means.loc["control", "mean"],
                "difference": k * s["estimate"], "ci_low": k * s["ci_low"], "ci_high": k * s["ci_high"],
                "p_value": s["p_value"]}
        rows.append(row)
    frame = pd.DataFrame(rows)
    if percent and p.base and ev.design.estimand == "ATT":
        frame["alternative"] = _observed(p, frame, "events_alternative", "n_alternative")
    counts = [c for c in ("n_alternative", "events_alternative", "n_custody", "events_custody") if c in frame]
    contrast = ["difference", "ci_low", "ci_high", "p_value"]
    alt = [c for c in ("n_alternative", "events_alternative") if c in frame]
    cus = [c for c in ("n_custody", "events_custody") if c in frame]
    frame = p.counts(frame, counts, name=name, derived={"alternative": alt, "custody_adjusted": cus,
                                                        **{c: counts for c in contrast}})
    if percent:
        frame = p.binary(frame, "n_alternative", "events_alternative", ["alternative", *contrast])
        frame = p.binary(frame, "n_custody", "events_custody", ["custody_adjusted", *contrast])
    # the precision of the per-person values before (two decimals per person = none per 100 people)
    f, fd = ("{:,.1f}", "{:+,.2f}") if percent else ("{:,.0f}", "{:+,.0f}")
    level_unit, diff_unit = ("%", _("percentage points")) if percent else (_("per 100 people"), _("per 100 people"))
    return PublishedTable(name, title, frame,
                          labels={"horizon_days": _("Follow-up"), "outcome": _("Outcome"),
                                  "n_alternative": _("People, alternative"), "n_custody": _("People, custody"),
                                  "events_alternative": _("With the outcome, alternative"),
                                  "events_custody": _("With the outcome, custody"), "alternative": _("Alternative"),
                                  "custody_adjusted": _("Custody, adjusted"), "difference": _("Difference"),
                                  **_ci_labels(ev), "p_value": _("p-value")},
                          units={"horizon_days": _("days"), "alternative": level_unit, "custody_adjusted": level_unit,
                                 "difference": diff_unit},
                          values={"outcome": display_name},
                          formats={"horizon_days": "{:,.0f}", "alternative": f, "custody_adjusted": f, "difference": fd,
                                   "ci_low": fd, "ci_high": fd, "p_value": p_format},
                          note=(_("Alternative minus custody (adjusted). Rates in percent.") if percent else
                                _("Proven reoffences for every 100 people; alternative minus custody (adjusted).")))


#: Measures of the time-to-event table, each with its unit.
_TIME_MEASURES = {"risk_difference": N_("Difference in the share reoffending, Kaplan-Meier (percentage points)"),
                  "rmst_difference": N_("Difference in mean days without reoffending, RMST (days)"),
                  "hazard_ratio": N_("Hazard ratio")}


def _time_to_event(ev: Any) -> PublishedTable:
    s = ev.time_to_event.summary
    s = s[s["measure"] != "log_hazard_ratio"]
    frame = s[["measure", "time", "estimate", "ci_low", "ci_high", "p_value"]].copy()
    pts = (frame["measure"] == "risk_difference").to_numpy()
    frame.loc[pts, ["estimate", "ci_low", "ci_high"]] *= 100
    lead = (_("restricted mean survival time (the hazards are not proportional)") if ev.time_to_event.lead == "rmst"
            else _("hazard ratio"))
    return PublishedTable("time_to_event", _("Time to the first proven reoffence: adjusted contrasts"), frame,
                          formats={"time": "{:.0f}", "estimate": "{:,.2f}", "ci_low": "{:,.2f}",
                                   "ci_high": "{:,.2f}", "p_value": p_format},
                          labels={"measure": _("Measure"), "time": _("Follow-up"), "estimate": _("Estimate"),
                                  **_ci_labels(ev), "p_value": _("p-value")},
                          units={"time": _("days")},
                          values={"measure": lambda v: _(_TIME_MEASURES[v]) if v in _TIME_MEASURES else str(v)},
                          note=_("Weighted Kaplan-Meier contrasts and Cox hazard ratio (alternative against custody); "
                                 "leading measure: {lead}. RMST: mean days without reoffending up to the end of "
                                 "follow-up.").format(lead=lead))


def _competing(ev: Any, p: DisclosurePolicy) -> PublishedTable:
    s = ev.competing.summary.copy()
    s["group"] = s["group"].map({1: "alternative", 0: "custody"})
    s["cause"] = s["cause"].map({1: "proven reoffence", 2: "death"})
    d = ev.data
    tt, et, g = d["time_reoffend"].to_numpy(float), d["event_type"].to_numpy(), d["treatment"].to_numpy()
    s["events"] = [int(((g == gr) & (et == cause) & (tt <= t)).sum())
                   for gr, cause, t in zip(ev.competing.summary["group"], ev.competing.summary["cause"], s["time"])]
    frame = s[["group", "cause", "time", "events", "estimate", "ci_low", "ci_high", "n_at_risk"]].copy()
    frame[["estimate", "ci_low", "ci_high"]] *= 100
    frame = p.counts(frame, ["events", "n_at_risk"], name="cumulative_incidence",
                     derived={c: ["events", "n_at_risk"] for c in ("estimate", "ci_low", "ci_high")})
    return PublishedTable("cumulative_incidence",
                          _("Cumulative incidence of proven reoffending, with death as a competing event"), frame,
                          formats={"time": "{:.0f}", "estimate": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}"},
                          labels={"group": _("Group"), "cause": _("Event"), "time": _("Follow-up"),
                                  "events": _("Events"), "estimate": _("Cumulative incidence"), **_ci_labels(ev),
                                  "n_at_risk": _("People still at risk")},
                          units={"time": _("days"), "estimate": "%"},
                          values={"group": lambda v: display_level("group", v), "cause": lambda v: display_level("cause", v)},
                          note=_("Weighted Aalen-Johansen estimates, in percent."))


def _subgroups(ev: Any, p: DisclosurePolicy, shares: _Shares) -> PublishedTable:
    s = ev.subgroups.copy().reset_index(drop=True)
    for c in ("estimate", "ci_low", "ci_high"):
        s[c] = 100 * s[c]
    raw_level = s["level"].astype(str)
    s["level"] = raw_level.str.replace("_", " ")
    counts = ["n_treated", "n_control"]
    contrast = ["estimate", "ci_low", "ci_high", "p_value", "p_holm"]
    frame = s[["variable", "level", *counts, *contrast]]
    frame = p.counts(frame, counts, name="subgroups", derived={c: counts for c in contrast})
    hide_t = np.zeros(len(s), bool)
    hide_c = np.zeros(len(s), bool)
    for v in s["variable"].unique():
        rows = np.flatnonzero((s["variable"] == v).to_numpy())
        if v in shares.tables:  # the same cross-tabulation as the cohort description: its pattern
            hide_t[rows] = [shares.hidden(v, lv, "alternative") for lv in raw_level.iloc[rows]]
            hide_c[rows] = [shares.hidden(v, lv, "custody") for lv in raw_level.iloc[rows]]
            continue
        # levels of a variable partition a group whose size is published: a column-margin table
        block = s.iloc[rows][counts].astype("int64").set_index(raw_level.iloc[rows])
        cols = [c for c in counts if block[c].nunique() > 1 or len(block) == 1]
        if cols:
            flags = p.category_shares(block[cols], name=f"subgroups {v}").flags
            if "n_treated" in cols:
                hide_t[rows] = (flags["n_treated"] != "").to_numpy()
            if "n_control" in cols:
                hide_c[rows] = (flags["n_control"] != "").to_numpy()
    frame = p.hide(frame, hide_t, ["n_treated", *contrast])
    frame = p.hide(frame, hide_c, ["n_control", *contrast])
    rare = np.array([lv in shares.pooled.get(v, []) for v, lv in zip(s["variable"], raw_level)], bool)
    if rare.any():
        frame.loc[rare, "level"] = OTHER_LABEL
    # display names of the levels: the frame keeps the printed code ("conditional discharge")
    shown = {(v, lv): display_level(v, raw) for v, lv, raw in zip(s["variable"], frame["level"],
                                                                  np.where(rare, OTHER_LABEL, raw_level))}
    by_level = {lv: text for (_v, lv), text in shown.items()}
    pts = _("percentage points")
    h = getattr(ev, "headline_horizon", None)
    title = (_("Subgroups: difference in proven reoffending within {days} days").format(days=fmt_int(h))
             if h is not None else _("Subgroups: difference in proven reoffending"))
    return PublishedTable(
        "subgroups", title, frame,
        formats={"estimate": "{:+.1f}", "ci_low": "{:+.1f}", "ci_high": "{:+.1f}", "p_value": p_format, "p_holm": p_format},
        labels={"variable": _("Characteristic"), "level": _("Subgroup"), "n_treated": _("People, alternative"),
                "n_control": _("People, custody"), "estimate": _("Difference"), **_ci_labels(ev),
                "p_value": _("p-value"), "p_holm": _("p-value (Holm)")},
        units={"estimate": pts},
        values={"variable": display_name, "level": lambda lv: by_level.get(lv, str(lv))},
        note=ngettext("{n} test; the Holm p-value is adjusted for multiplicity. Each type of alternative is "
                      "compared with every custody case, with the design estimated again; other characteristics "
                      "use the design weights.",
                      "{n} tests; the Holm p-value is adjusted for multiplicity. Each type of alternative is "
                      "compared with every custody case, with the design estimated again; other characteristics "
                      "use the design weights.", len(s)).format(n=fmt_int(len(s))))


def _scenario_text(v: Any) -> str:
    m = re.fullmatch(r"divert (\d+(?:\.\d+)?)%", str(v))
    if m:
        return _("{share} of custody decisions diverted").format(share=fmt_pct(float(m[1]) / 100, 0))
    return _("no change (baseline)") if str(v) == "baseline" else str(v)


def _prison(ev: Any, p: DisclosurePolicy) -> list[PublishedTable]:
    bd = ev.prison.bed_days.summary
    frame = bd[["horizon", "component", "n_alternative", "n_custody", "mean_alternative", "mean_custody",
                "averted", "averted_ci_low", "averted_ci_high"]].copy()
    both = ["n_alternative", "n_custody"]
    frame = p.counts(frame, both, name="bed_days",
                     derived={"mean_alternative": ["n_alternative"], "mean_custody": ["n_custody"],
                              **{c: both for c in ("averted", "averted_ci_low", "averted_ci_high")}})
    days = _("days")
    ci = _ci_labels(ev)
    t1 = PublishedTable("bed_days", _("Prison bed-days per person and bed-days averted"), frame,
                        formats={"horizon": "{:,.0f}", **{c: "{:,.1f}" for c in ("mean_alternative", "mean_custody", "averted",
                                                                           "averted_ci_low", "averted_ci_high")}},
                        labels={"horizon": _("Follow-up"), "component": _("Custody counted"),
                                "n_alternative": _("People, alternative"), "n_custody": _("People, custody"),
                                "mean_alternative": _("Bed-days per person, alternative"),
                                "mean_custody": _("Bed-days per person, custody"),
                                "averted": _("Bed-days averted per person"), "averted_ci_low": ci["ci_low"],
                                "averted_ci_high": ci["ci_high"]},
                        units={"horizon": days, "mean_alternative": days, "mean_custody": days, "averted": days},
                        values={"component": lambda v: display_level("component", v)},
                        note=_("Index custody spell: custody that followed the index decision; later custody: custody "
                               "after the start of follow-up; total: both."))
    rows = []
    for sh, n, st in zip(ev.prison.shares, ev.prison.diversions_per_year, ev.prison.steady_states):
        rows.append({"share_diverted": 100 * sh, "diversions_per_year": n, "mean_stay_days": st.mean_stay_days,
                     "places_averted": st.places_averted, "places_readmission": st.places_readmission,
                     "net_change": st.net_change})
    places = _("places")
    t2 = PublishedTable("steady_state", _("Steady-state change in the average daily prison population"),
                        pd.DataFrame(rows),
                        formats={"share_diverted": "{:.0f}%", "diversions_per_year": "{:,.0f}",
                                 "mean_stay_days": "{:,.1f}", "places_averted": "{:,.1f}",
                                 "places_readmission": "{:+,.1f}", "net_change": "{:+,.1f}"},
                        labels={"share_diverted": _("Custody decisions diverted"),
                                "diversions_per_year": _("Diversions a year"),
                                "mean_stay_days": _("Mean stay in custody"),
                                "places_averted": _("Places freed by diversion"),
                                "places_readmission": _("Places from the change in re-admissions"),
                                "net_change": _("Net change in the prison population")},
                        units={"diversions_per_year": _("people"), "mean_stay_days": days, "places_averted": places,
                               "places_readmission": places, "net_change": places},
                        note=_("Little's law: places = admissions a day x mean stay; re-admissions from the "
                               "difference in custody re-admission within {days} days.").format(
                                   days=fmt_int(ev.headline_horizon)))
    paths = ev.prison.projection.paths
    pr = paths[(paths["jurisdiction"] == "all") & paths["projected"]].copy()
    pr["year"] = pd.PeriodIndex(pr["month"].astype(str), freq="M").year
    yearly = pr.groupby(["scenario", "year"], as_index=False)[["population", "low", "high"]].mean()
    yearly["scenario"] = yearly["scenario"].str.replace(r"^divert_(\d+)$", r"divert \1%", regex=True)
    people = _("people")
    t3 = PublishedTable("population_projection",
                        _("Projected average prison population of the eligible stream, by scenario"), yearly,
                        formats={"year": "{}", "population": "{:,.0f}", "low": "{:,.0f}", "high": "{:,.0f}"},
                        labels={"scenario": _("Scenario"), "year": _("Year"),
                                "population": _("Average prison population"), "low": _("Lower bound"),
                                "high": _("Upper bound")},
                        units={"population": people, "low": people, "high": people},
                        values={"scenario": _scenario_text},
                        note=_("Annual averages of the monthly stock-flow projection; bounds from the uncertainty of "
                               "the effect."))
    return [t1, t2, t3]


#: Rows of the cost-benefit summary.
_COST_SUMMARY = {"net_cost": N_("Net programme cost per person"), "benefits": N_("Benefits per person"),
                 "npv": N_("Net present value per person"), "ratio": N_("Benefit-cost ratio"),
                 "verdict": N_("Verdict"), "chance_positive": N_("Chance that benefits exceed costs")}
_VERDICTS = {"dominant": N_("dominant: the alternative costs less and its outcomes are no worse"),
             "ratio": N_("benefits and costs both positive: see the benefit-cost ratio"),
             "dominated": N_("dominated: the alternative costs more and its outcomes are no better"),
             "cheaper, worse outcomes": N_("cheaper, with worse outcomes: the net present value decides"),
             "no difference": N_("no difference in costs or outcomes")}
_SENSITIVITY_KINDS = {"unit cost": N_("unit cost"), "effect": N_("effect"), "discount rate": N_("discount rate")}
_EFFECT_ON = re.compile(r"^effect on (?P<item>\S+) \((?P<component>[^)]+)\)$")


def _sensitivity_input(v: Any) -> str:
    m = _EFFECT_ON.match(str(v))
    if m:
        return _("Effect on: {item} ({component})").format(item=display_cost_item(m["item"]),
                                                          component=display_level("component", m["component"]))
    return display_cost_item(str(v))


def _costs(ev: Any) -> list[PublishedTable]:
    c = ev.costs
    money = _("{currency}, {year} prices").format(currency=c.unit_costs.currency, year=c.unit_costs.price_year)
    per = c.comparison.summary
    per = per[per["mean_alternative"].notna()]
    ci = _ci_labels(ev)
    cols = ("mean_alternative", "mean_custody", "difference", "ci_low", "ci_high")
    t1 = PublishedTable("costs_per_person", _("Cost per person by perspective, present value"),
                        per[["perspective", "component", *cols]],
                        formats={k: "{:,.0f}" for k in cols},
                        labels={"perspective": _("Perspective"), "component": _("Component"),
                                "mean_alternative": _("Alternative"), "mean_custody": _("Custody"),
                                "difference": _("Difference"), **ci},
                        units=dict.fromkeys(cols[:3], money),
                        values={"perspective": lambda v: display_level("perspective", v),
                                "component": lambda v: display_level("component", v)},
                        note=_("Over {days} days; people with complete follow-up only.").format(days=fmt_int(c.horizon)))
    res, mc = c.comparison, c.monte_carlo
    rows = [("net_cost", res.net_cost), ("benefits", res.benefits), ("npv", res.npv),
            ("ratio", res.ratio if res.verdict == "ratio" else np.nan),
            ("verdict", _(_VERDICTS[res.verdict]) if res.verdict in _VERDICTS else str(res.verdict)),
            ("chance_positive", 100 * mc.chance_positive)]
    units = {"net_cost": money, "benefits": money, "npv": money, "chance_positive": "%"}
    t2 = PublishedTable("cost_summary", _("Cost-benefit summary"),
                        pd.DataFrame(rows, columns=["quantity", "value"]).astype({"value": object}),
                        formats={"value": "{:,.2f}"},
                        labels={"quantity": _("Quantity"), "value": _("Value")},
                        values={"quantity": lambda q: (f"{_(_COST_SUMMARY[q])} ({units[q]})" if q in units
                                                       else _(_COST_SUMMARY[q])) if q in _COST_SUMMARY else str(q)},
                        note=_("Dominant: the alternative costs less and its outcomes are no worse. Chance from a Monte Carlo "
                               "simulation over the unit costs and the effects."))
    t3 = PublishedTable("unit_costs", _("Unit costs"),
                        c.unit_costs.summary[["item", "perspective", "value", "distribution", "low", "high", "basis",
                                              "placeholder"]],
                        formats={"value": "{:,.0f}", "low": "{:,.0f}", "high": "{:,.0f}"},
                        labels={"item": _("Item"), "perspective": _("Perspective"), "value": _("Value"),
                                "distribution": _("Distribution"), "low": _("Low"), "high": _("High"),
                                "basis": _("Basis"), "placeholder": _("Placeholder")},
                        units={"value": money, "low": money, "high": money},
                        values={"item": display_cost_item, "perspective": lambda v: display_level("perspective", v),
                                "distribution": lambda v: display_level("distribution", v),
                                "basis": lambda v: display_level("basis", v)},
                        note=_("Placeholder: a value shipped with the toolkit, not an estimate for any country."))
    sens = c.sensitivity.summary
    sens = sens[[k for k in ("input", "kind", "low_value", "high_value", "npv_low", "npv_high", "swing") if k in sens]]
    t4 = PublishedTable("cost_sensitivity", _("One-way sensitivity of the net present value"), sens,
                        formats={"low_value": "{:,.2f}", "high_value": "{:,.2f}", "npv_low": "{:,.0f}",
                                 "npv_high": "{:,.0f}", "swing": "{:,.0f}"},
                        labels={"input": _("Input"), "kind": _("Kind"), "low_value": _("Low value"),
                                "high_value": _("High value"), "npv_low": _("Net present value at the low value"),
                                "npv_high": _("Net present value at the high value"), "swing": _("Swing")},
                        units={"npv_low": money, "npv_high": money, "swing": money},
                        values={"input": _sensitivity_input,
                                "kind": lambda v: _(_SENSITIVITY_KINDS[v]) if v in _SENSITIVITY_KINDS else str(v)},
                        note=_("Each input moved alone from its low to its high value; the swing is the change in "
                               "the net present value per person."))
    return [t1, t2, t3, t4]


def _rules(ev: Any) -> PublishedTable:
    r, s = ev.rules, ev.spec.decision_rules
    thr = ev.spec.disclosure.threshold

    def measured(v: float) -> str:  # B1 (#12): the measured value beside the threshold, never a small count
        return _("fewer than {n}").format(n=fmt_int(thr)) if 0 < v < thr else fmt_num(v, 0)

    def result(ok: bool) -> str:
        return _("met") if ok else _("NOT met")

    def at_least(v: float) -> str:
        return _("at least {n}").format(n=fmt_num(v, 0) if float(v).is_integer() else fmt_num(v, 1))

    exp = getattr(r, "expected", {})
    rows = [
        (_("People given an alternative"), measured(r.n_treated), at_least(s.min_treated),
         result(r.n_treated >= s.min_treated)),
        (_("People sent to custody"), measured(r.n_control), at_least(s.min_control),
         result(r.n_control >= s.min_control)),
        *[(_("Expected reoffenders and non-reoffenders in each group, within {days} days").format(days=fmt_int(h)),
           measured(exp[h]) if h in exp else "", at_least(s.min_expected), result(ok))
          for h, ok in r.significance.items()],
        (_("Reoffenders given an alternative, within the headline follow-up"), measured(r.treated_reoffenders),
         at_least(s.min_treated_reoffenders), result(r.time_to_event_allowed)),
    ]
    return PublishedTable("decision_rules", _("Decision rules (Justice Data Lab)"),
                          pd.DataFrame(rows, columns=["rule", "measured", "required", "result"]),
                          labels={"rule": _("Rule"), "measured": _("Measured"), "required": _("Required"),
                                  "result": _("Result")},
                          note=_("Measured: for the significance rule, the smaller of n x p and n x (1 - p) over the "
                                 "two groups (weighted rates)."))


#: Measures of the E-value table.
_EVALUE_MEASURES = {"risk ratio (headline)": N_("Risk ratio (headline outcome)"), "hazard ratio": N_("Hazard ratio")}


def _evalues(ev: Any) -> PublishedTable:
    return PublishedTable("evalues", _("Sensitivity to unmeasured confounding (E-values)"), ev.evalues,
                          formats={k: "{:.2f}" for k in ("estimate", "ci_low", "ci_high", "evalue_point", "evalue_ci")},
                          labels={"measure": _("Measure"), "estimate": _("Estimate"), **_ci_labels(ev),
                                  "evalue_point": _("E-value of the estimate"),
                                  "evalue_ci": _("E-value of the confidence limit")},
                          values={"measure": lambda v: _(_EVALUE_MEASURES[v]) if v in _EVALUE_MEASURES else str(v)},
                          note=_("E-value: how strongly an unmeasured confounder would have to be associated with both "
                                 "the decision and reoffending (risk-ratio scale) to explain the estimate away, or to "
                                 "move its confidence interval to include no effect."))


def published_tables(ev: Any) -> tuple[dict[str, PublishedTable], tuple[str, ...]]:
    """Every published table of an evaluation, under disclosure control.

    Parameters
    ----------
    ev : Evaluation

    Returns
    -------
    tables : dict of str to PublishedTable
        In report order; only the tables the decision rules allow.
    notes : tuple of str
        Disclosure-control notes (threshold, rounding, number of cells suppressed).
    """
    p = DisclosurePolicy.from_settings(ev.spec.disclosure)
    shares = _Shares(ev, p)
    out: list[PublishedTable] = [_quality(ev, p), _attrition(ev, p)]
    problems = _problems(ev, p)
    if problems is not None:
        out.append(problems)
    if ev.balance is not None:
        out.append(_description(ev, p, shares))
    out.append(_rules(ev))
    if ev.recidivism:
        out.append(_recidivism(ev, p))
        out.append(_simple_effects("frequency", _("Proven reoffences for every 100 people"), ev.frequency,
                                   "horizon_days", p, ev, percent=False))
    if ev.days_to_reoffence is not None:
        dd = ev.days_to_reoffence
        frame = pd.DataFrame([{"reoffenders_alternative": dd["n_treated"], "reoffenders_custody": dd["n_control"],
                               "days_alternative": dd["mean_treated"], "days_custody_adjusted": dd["mean_control"],
                               "difference": dd["estimate"], "ci_low": dd["ci_low"], "ci_high": dd["ci_high"],
                               "p_value": dd["p_value"]}])
        dep = ["reoffenders_alternative", "reoffenders_custody"]
        frame = p.counts(frame, dep, name="days_to_reoffence",
                         derived={c: dep for c in ("days_alternative", "days_custody_adjusted", "difference",
                                                   "ci_low", "ci_high", "p_value")})
        days = _("days")
        out.append(PublishedTable(
            "days_to_reoffence",
            _("Days to the first proven reoffence, among those who reoffended within {days} days").format(
                days=fmt_int(dd["horizon"])),
            frame, formats={k: "{:,.1f}" for k in ("days_alternative", "days_custody_adjusted")}
            | {k: "{:+,.1f}" for k in ("difference", "ci_low", "ci_high")} | {"p_value": p_format},
            labels={"reoffenders_alternative": _("Reoffenders, alternative"),
                    "reoffenders_custody": _("Reoffenders, custody"),
                    "days_alternative": _("Mean time to reoffence, alternative"),
                    "days_custody_adjusted": _("Mean time to reoffence, custody, adjusted"),
                    "difference": _("Difference"), **_ci_labels(ev), "p_value": _("p-value")},
            units=dict.fromkeys(("days_alternative", "days_custody_adjusted", "difference"), days),
            note=_("Among reoffenders only (a Justice Data Lab measure): descriptive, since who reoffends may differ "
                   "between the groups.")))
    if ev.time_to_event is not None:
        out.append(_time_to_event(ev))
        out.append(_competing(ev, p))
    if ev.health:
        out.append(_simple_effects("health", _("Health and drug treatment outcomes"), ev.health, "outcome", p, ev,
                                   percent=True))
    if ev.subgroups is not None:
        out.append(_subgroups(ev, p, shares))
    if ev.evalues is not None:
        out.append(_evalues(ev))
    if ev.prison is not None:
        out.extend(_prison(ev, p))
    if ev.costs is not None:
        out.extend(_costs(ev))
    # the missing-data tables (empty unless the covariates were imputed) are published tables like
    # the others: written as files, and their suppressed cells counted in the note below
    from altmeasures_eval.report._missing import missing_table_fields

    out.extend(PublishedTable(**fields) for fields in missing_table_fields(ev).values())
    if p.base:  # percentages no more precise than the rounded counts of the smaller group allow
        out = [_coarsen(t, p.percent_decimals(min(shares.n.values()))) for t in out]
    n_hidden = sum(int((t.frame.astype(object) == p.marker).to_numpy().sum()) for t in out)
    notes = (p.describe() + " " + ngettext("{n} cell was suppressed in the tables.",
                                           "{n} cells were suppressed in the tables.", n_hidden).format(
                                               n=fmt_int(n_hidden)),)
    return {t.name: t for t in out}, notes


#: Tables and columns in percent or percentage points, coarsened under rounding.
_PERCENT_COLUMNS = {
    "recidivism": ("rate_alternative", "rate_custody_adjusted", "difference_points", "ci_low", "ci_high",
                   "unadjusted_difference"),
    "health": ("alternative", "custody_adjusted", "difference", "ci_low", "ci_high"),
    "subgroups": ("estimate", "ci_low", "ci_high"),
    "cumulative_incidence": ("estimate", "ci_low", "ci_high"),
}  # the cohort description's percentages are ratios of the rounded counts already


def _coarsen(t: PublishedTable, decimals: int | None) -> PublishedTable:
    cols = _PERCENT_COLUMNS.get(t.name, ())
    if decimals is None or not cols:
        return t
    formats = dict(t.formats)
    for c in cols:
        if c in t.frame.columns:
            sign = "+" if "+" in str(formats.get(c, "")) else ""
            formats[c] = f"{{:{sign},.{decimals}f}}"
    return dataclasses.replace(t, formats=formats)


def hidden_labels(tables: Mapping[str, PublishedTable], marker: str = "[c]") -> list[str]:
    """Category labels with a suppressed cell in the cohort description, as sentences name them
    ("stage = police", "stage=police", "stage: police"): for :func:`publish_notes`, so that a note
    cannot print a percentage that the table hides.

    Parameters
    ----------
    tables : mapping of str to PublishedTable
        From :func:`published_tables`.
    marker : str
        The suppression marker.

    Returns
    -------
    list of str
    """
    t = tables.get("cohort_description")
    if t is None:
        return []
    frame = t.frame.astype(object)
    hit = (frame.drop(columns="characteristic") == marker).any(axis=1)
    out: list[str] = []
    for label in frame.loc[hit, "characteristic"]:
        if ": " in str(label):
            v, lv = str(label).split(": ", 1)
            out += [f"{v} = {lv}", f"{v}={lv}", f"{v}: {lv}"]
    return out


def publishable_frame(table: PublishedTable) -> pd.DataFrame:
    """The frame of ``table`` as written to CSV and XLSX: floats at the precision the report
    prints them (a CSV must not carry more than the page), text cells neutralised against formula
    injection (:func:`altmeasures_eval.privacy.neutralise_formulas`).

    Parameters
    ----------
    table : PublishedTable

    Returns
    -------
    pandas.DataFrame
    """
    frame = table.frame.reset_index(drop=True).copy()
    for col in frame.columns:  # an infinite value (a ratio of nothing) is not a number a reader can use: empty
        if frame[col].dtype == object:
            frame[col] = pd.Series([np.nan if isinstance(v, float | np.floating) and np.isinf(v) else v
                                    for v in frame[col].to_numpy()], index=frame.index, dtype=object)
        elif pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].replace([np.inf, -np.inf], np.nan)
    for col in frame.columns:
        spec = table.formats.get(col)
        digits = 4 if spec is p_format else _decimals(spec)
        if digits is None:
            continue
        vals = frame[col]
        is_float = vals.map(lambda v: isinstance(v, (float, np.floating)) and not isinstance(v, bool))
        if is_float.any():
            rounded = vals[is_float].astype(float).round(digits)
            new = vals.astype(object).copy()
            for i, v in zip(rounded.index, rounded.to_numpy()):
                # whole numbers written as such: "31", not "31.0" (the file states its precision)
                new.at[i] = int(v) if digits == 0 and np.isfinite(v) else float(v)
            frame[col] = pd.Series(new.to_numpy(), index=frame.index, dtype=object)
    return neutralise_formulas(frame)


def _decimals(spec: Any) -> int | None:
    if not isinstance(spec, str):
        return None
    m = re.search(r"\.(\d+)[f%]", spec)
    if m:
        return int(m.group(1))
    return 0 if re.search(r"\{:[^}]*[d]\}|\.0f", spec) else None
