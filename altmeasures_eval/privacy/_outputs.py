"""Safe text in outputs: no live spreadsheet formulas, no credentials, no absolute paths.

* :func:`neutralise_formulas` applies the OWASP CSV-injection rule to a table before it is written
  to CSV or XLSX: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe, so that a spreadsheet shows it as text instead of running it
  (``=HYPERLINK("http://...")``). Numbers stay numbers (a negative number is not text), a text
  that is a plain number (``"-3.5"``) or a lone dash is left alone; labels that merely contain
  ``=`` are unchanged.
* :func:`redact_secrets` removes the password (and any token in the query) of every connection
  URL in a text: ``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``.
* :func:`display_path` shows a path relative to a base folder (the config's), never absolute.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "display_path", "neutralise_formulas", "neutralise_value", "redact_secrets"]

#: First characters that make a spreadsheet cell a formula (OWASP).
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
#: scheme://user:password@ ; the password is everything up to the last "@" before the host.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:/@\s'\"]*):(?P<pw>[^\s'\"/]*)@")
_URL_USER_ONLY = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<token>[^:/@\s'\"]+)@")
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:password|passwd|pwd|secret|token|access_token|api_key|apikey|key|sig|signature)=)([^&;#\s'\"]+)")
REDACTED: Final = "***"


def neutralise_value(value: Any) -> Any:
    """One cell made inert for a spreadsheet (see the module docstring)."""
    if not isinstance(value, str) or not value:
        return value
    if value in ("-", "+"):  # a lone dash ("none") cannot compute anything
        return value
    if value[0] in FORMULA_PREFIXES and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        Text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR prefixed with ``'``
        (except plain numbers written as text, such as ``"-3.5"``); numeric columns unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"label": ["=1+1", "a=b", "-", "@SUM(A1)", "-2+3"], "x": [-1.5, 2, 3, 4, 5]})
    >>> neutralise_formulas(t)["label"].tolist()
    ["'=1+1", 'a=b', '-', "'@SUM(A1)", "'-2+3"]
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or \
                pd.api.types.is_datetime64_any_dtype(s):
            continue
        if s.dtype == object:  # cell by cell, keeping ints as ints beside the marker (no dtype inference)
            out[col] = pd.Series([neutralise_value(v) for v in s.to_numpy()], index=s.index, dtype=object)
        else:
            out[col] = s.map(neutralise_value).astype(s.dtype)
    out.columns = [neutralise_value(c) if isinstance(c, str) else c for c in out.columns]
    return out


def redact_secrets(text: Any) -> str:
    """``text`` with the credentials of every connection URL replaced by ``***``.

    Passwords (``scheme://user:password@host``), bare tokens (``scheme://token@host``) and secrets
    in query strings (``?password=...``, ``&token=...``) are replaced; the user name, host and
    database stay, so that a message still says where the data came from.

    Examples
    --------
    >>> redact_secrets("cannot read postgresql://ana:s3cr%40t@db.example.org:5432/justice")
    'cannot read postgresql://ana:***@db.example.org:5432/justice'
    """
    s = str(text)
    s = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{REDACTED}@", s)
    s = _URL_USER_ONLY.sub(lambda m: f"{m['scheme']}{REDACTED}@" if m["token"] != REDACTED else m[0], s)
    s = _QUERY_SECRET.sub(lambda m: m[1] + REDACTED, s)
    return s


def display_path(path: Any, base: Any = None) -> str:
    """A path as it may be printed: relative to ``base`` (the config's folder) when possible,
    a URL with its credentials redacted, else the file name only (never an absolute path).

    Examples
    --------
    >>> display_path("/data/extract/persons.csv", "/data")
    'extract/persons.csv'
    >>> display_path("/elsewhere/map.csv", "/data")
    '../elsewhere/map.csv'
    """
    s = str(path)
    if "://" in s:
        return redact_secrets(s)
    p = Path(s)
    if base is None or not p.is_absolute():
        return p.as_posix() if not p.is_absolute() else p.name
    try:
        return Path(os.path.relpath(p, Path(str(base)))).as_posix()
    except ValueError:  # another drive on Windows
        return p.name


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
