"""The one checker of every config key and option value, below every layer that has settings.

:mod:`altmeasures_eval.config` (which reads config files, and documents and exports everything
here), the evaluation's settings (:mod:`altmeasures_eval.evaluation`), the cohort's
(:class:`altmeasures_eval.cohort.CohortSpec`), the reform spec, the mapping files
(:func:`altmeasures_eval.io.load_mapping`) and the command-line options all call these functions,
so a value is judged the same way wherever it is written. This module imports nothing of the
package but its errors: the layers that own settings import it, and ``config`` (the edge that
reads files and knows every section's schema) sits above them, so there is no import cycle.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from altmeasures_eval._errors import ConfigError

DATA_MODES = ("strict", "quarantine")


@dataclass(frozen=True)
class DataConfig:
    """The ``[data]`` section.

    Attributes
    ----------
    path : str
        A folder, a file, or a SQLAlchemy URL (``sqlite:///...``); file paths are absolute here.
    mapping : pathlib.Path or None
        Mapping file (TOML) translating local columns and codes to the contract.
    mode : str
        ``strict`` (default) or ``quarantine``.
    """

    path: str
    mapping: Path | None = None
    mode: str = "strict"


@dataclass(frozen=True)
class Config:
    """A loaded config: its file, the ``[data]`` section, and every other section as a dict."""

    source: Path | None
    data: DataConfig
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """The named section (empty dict when absent)."""
        return dict(self.sections.get(name, {}))


# --- the checker ---------------------------------------------------------------------------------
def known_keys(schema: type | Collection[str]) -> tuple[str, ...]:
    """The keys a section accepts: the field names of a dataclass, or the given names."""
    if is_dataclass(schema):
        return tuple(f.name for f in fields(schema) if not f.name.startswith("_"))
    return tuple(schema)  # type: ignore[arg-type]


def _nearest(key: str, known: Collection[str]) -> str | None:
    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def check_keys(section: str, raw: Any, schema: type | Collection[str], *,
               elsewhere: Mapping[str, type | Collection[str] | None] | None = None,
               source: str | Path | None = None, noun: str = "key", doc: str = "docs/config.md") -> dict[str, Any]:
    """Check that ``raw`` is a table whose keys are all known; return it as a dict.

    Parameters
    ----------
    section : str
        Section name as written in the config (``"design"``, ``"costs.analysis"``).
    raw : object
        The parsed section.
    schema : dataclass type or collection of str
        The known keys: a settings dataclass (its field names, so a field added to the class is
        accepted at once) or the names themselves.
    elsewhere : mapping, optional
        The other sections' schemas: a key unknown here but known in another section is reported
        as misplaced ("belongs in [run]").
    source : str or pathlib.Path, optional
        The config file, named in the message.
    noun : str
        What the section's entries are called in messages (``"option"`` for ``[cohort]``).
    doc : str
        The page documenting the keys, named in the message.

    Raises
    ------
    ConfigError
        The section is not a table, or a key is unknown: the message names the key, the section,
        the nearest valid key (``difflib``) or the section it belongs in, and lists the valid keys.
    """
    where = f"{source}: " if source else ""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{where}[{section}] must be a table of keys (a line [{section}] followed by key = value "
            f"lines), got {type(raw).__name__} {raw!r}")
    known = known_keys(schema)
    unknown = [k for k in raw if k not in known]
    if not unknown:
        return dict(raw)
    hints = []
    for key in unknown:
        homes = [name for name, other in (elsewhere or {}).items()
                 if name != section and other is not None and key in known_keys(other)]
        near = _nearest(key, known)
        if homes:
            hints.append(f"{key!r} belongs in another section: Did you mean {' or '.join(f'[{h}] {key}' for h in homes)}?")
        elif near:
            hints.append(f"Did you mean {near!r} instead of {key!r}?")
    raise ConfigError(
        f"{where}[{section}] unknown {noun}(s) {', '.join(map(repr, unknown))}; "
        f"{'valid options' if noun == 'option' else 'known keys'}: {', '.join(known) or '(none)'}. "
        + " ".join(hints) + (" " if hints else "") + f"Fix or remove the {noun} (see {doc}).")


def check_config(sections: Mapping[str, Any], schema: Mapping[str, type | Collection[str] | None], *,
                 source: str | Path | None = None, doc: str = "docs/config.md") -> None:
    """Check the top level of a config: every key is a known section, every section's keys known.

    Parameters
    ----------
    sections : mapping
        The parsed config (with or without ``[data]``).
    schema : mapping
        Section name -> its schema (see :func:`check_keys`); ``None`` for a section whose owner
        checks its keys itself (``[costs]`` unit costs).
    source : str or pathlib.Path, optional
        The config file, named in messages.
    doc : str
        The page documenting the keys, named in messages.

    Raises
    ------
    ConfigError
        A key outside any section (``seed = 5`` above every header: "belongs in [run]"), an unknown
        section (with the nearest one), or an unknown key in a section (see :func:`check_keys`).
    """
    where = f"{source}: " if source else ""
    for key, value in sections.items():
        if key in schema and isinstance(value, Mapping):
            continue
        if key in schema:  # report = 5: a section name used as a key
            raise ConfigError(
                f"{where}[{key}] must be a section (a line [{key}] followed by key = value lines), got "
                f"{key} = {value!r} at the top level")
        if not isinstance(value, Mapping):
            homes = [name for name, sc in schema.items() if sc is not None and key in known_keys(sc)]
            hint = (f"it belongs in {' or '.join(f'[{h}]' for h in homes)}: move the line below that "
                    "section header" if homes else "put it under the section it belongs to")
            raise ConfigError(
                f"{where}top-level key {key!r} = {value!r} is not in any section; {hint} (see docs/config.md)")
        near = _nearest(key, schema)
        raise ConfigError(
            f"{where}unknown config section(s) [{key}]; known sections: {', '.join(f'[{k}]' for k in schema)}."
            + (f" Did you mean [{near}]?" if near else "") + f" Fix or remove it (see {doc}).")
    for name, sc in schema.items():
        if sc is not None and name in sections:
            check_keys(name, sections[name], sc, elsewhere=schema, source=source,
                       noun="option" if name == "cohort" else "key", doc=doc)


def check_finite(where: str, value: Any) -> None:
    """NaN and infinities (TOML ``nan``, ``inf``) are never a valid setting."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} is {value!r}; write a finite number")
    if isinstance(value, Mapping):
        for k, v in value.items():
            check_finite(f"{where}.{k}", v)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            check_finite(f"{where}[{i}]", v)


def check_number(where: str, value: Any, lo: float | None = None, hi: float | None = None, *,
                 integer: bool = False) -> Any:
    """Check a number: its type (an integer where one is required; ``true`` is not a number), that
    it is finite, and its range ``[lo, hi]``. ``where`` names it ("[outcomes] alpha", "--length").

    Raises
    ------
    ConfigError
        Naming ``where``, the value and the valid range.
    """
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok:
        raise ConfigError(f"{where} must be {'an integer' if integer else 'a number'}, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = (f"between {lo} and {hi}" if lo is not None and hi is not None
                else f"at least {lo}" if lo is not None else f"at most {hi}")
        raise ConfigError(f"{where} must be {span}, got {value!r}")
    return value


def check_choice(where: str, value: Any, choices: Collection[str]) -> str:
    """One of ``choices``; the error lists them all."""
    if isinstance(value, str) and value in choices:
        return value
    raise ConfigError(f"{where} must be one of {', '.join(choices)}; got {value!r}")


def check_strings(where: str, value: Any) -> tuple[str, ...]:
    """A list of strings (a single string is refused: it would be read letter by letter)."""
    if isinstance(value, str) or not isinstance(value, Collection) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, got {value!r}")
    return tuple(value)


def check_text(where: str, value: Any, *, empty: bool = False) -> str:
    """A string, not empty (nor only spaces) unless ``empty``."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string in quotes, got {value!r}")
    if not empty and not value.strip():
        raise ConfigError(f"{where} must not be empty; remove the key to use the default")
    return value


def check_encoding(where: str, value: Any) -> str:
    """A text encoding Python knows (``utf-8``, ``cp1252``, ``latin-1`` ...); its canonical name."""
    check_text(where, value)
    try:
        return codecs.lookup(value.strip()).name
    except LookupError:
        raise ConfigError(
            f"{where}: unknown encoding {value!r}; use a name such as utf-8, cp1252, latin-1 or "
            "cp1250 (Python's codec names)") from None


def check_delimiter(where: str, value: Any) -> str:
    """One character (``;``, ``,``, ``|``), or ``tab`` / ``\\t`` for a tab; the character."""
    if value in ("tab", "\\t", "\t"):
        return "\t"
    check_text(where, value)
    if len(value) != 1 or value in ('"', "\n", "\r") or value.isalnum():
        raise ConfigError(
            f"{where}: delimiter {value!r} must be one character such as ';', ',' or '|' (or 'tab'); "
            "quotes, letters and digits cannot separate fields")
    return value


#: strftime directives a date format may use.
_DATE_DIRECTIVES = set("dmbByYjaAHMSfpIzZUWuwGVe%")


def check_date_format(where: str, value: Any) -> str:
    """A ``strftime`` date format with at least a year, and only known directives (``%d/%m/%Y``)."""
    check_text(where, value)
    used = re.findall(r"%(.)", value)
    bad = sorted({d for d in used if d not in _DATE_DIRECTIVES})
    if bad or not used or value.endswith("%") and not value.endswith("%%"):
        what = f"unknown directive(s) {', '.join('%' + d for d in bad)}" if bad else "no % directive"
        raise ConfigError(
            f"{where}: date format {value!r} has {what}; write it with strftime codes, e.g. "
            "\"%d/%m/%Y\" for 31/12/2024 or \"%Y-%m-%d\"")
    if not {"Y", "y", "G"} & set(used):
        raise ConfigError(f"{where}: date format {value!r} has no year (%Y or %y)")
    return value


def option(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[str], Any]:
    """An argparse ``type=`` that judges a command-line value with one of the checkers above.

    ``option(check_number, 16, 64, integer=True)`` reads an integer from 16 to 64; a bad value is
    an argparse usage error (exit status 2) naming the option and the valid values.
    """
    def convert(text: str) -> Any:
        value: Any = text
        if check is check_number:
            try:
                value = int(text) if kwargs.get("integer") else float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"{text!r} is not {'an integer' if kwargs.get('integer') else 'a number'}") from None
        try:
            return check("value", value, *args, **kwargs)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix("value ").removeprefix("value: ")) from None

    convert.__name__ = getattr(check, "__name__", "value").removeprefix("check_")
    return convert
