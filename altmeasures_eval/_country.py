"""ISO 3166-1 alpha-3 country codes: the one place that checks a country code and names it.

UNODC's crime and criminal justice statistics identify countries by ISO 3166-1 alpha-3 codes. The
codes and English short names come from ``pycountry`` (the ISO list, shipped offline). ISO 3166-1
section 8.1.3 reserves ``AAA``-``AAZ``, ``QMA``-``QZZ``, ``XAA``-``XZZ`` and ``ZZA``-``ZZZ`` for
user assignment: they are accepted and marked ``user_assigned`` (the synthetic sample is ``XSY``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from altmeasures_eval._errors import ConfigError

__all__ = ["Country", "check_country_code", "country_of"]


@dataclass(frozen=True)
class Country:
    """A checked country code with its display name."""

    code: str
    name: str
    user_assigned: bool


#: Names in common use that are not ISO names or codes (the UK's ISO alpha-2 code is GB).
_ALIASES = {"UK": "GBR", "ENGLAND": "GBR", "ENGLAND AND WALES": "GBR", "SCOTLAND": "GBR", "WALES": "GBR",
            "NORTHERN IRELAND": "GBR", "US": "USA", "UNITED STATES": "USA"}


def _user_assigned(code: str) -> bool:
    return bool(re.fullmatch(r"AA[A-Z]|Q[M-Z][A-Z]|X[A-Z]{2}|ZZ[A-Z]", code))


@lru_cache(maxsize=1)
def _iso() -> dict[str, str]:
    import pycountry

    return {c.alpha_3: c.name for c in pycountry.countries}


def _suggest(value: str) -> str:
    """The nearest valid code for a wrong value, in words ("KEN (Kenya)"), or ""."""
    import pycountry

    iso = _iso()
    text = value.strip()
    token = re.search(r"\b[A-Za-z]{3}\b", text)
    if token and (token.group(0).upper() in iso or _user_assigned(token.group(0).upper())):
        code = token.group(0).upper()
        return f"{code} ({iso.get(code, 'user-assigned code')})"
    if text.upper() in _ALIASES:
        code = _ALIASES[text.upper()]
        return f"{code} ({iso[code]})"
    try:
        hit = pycountry.countries.lookup(text)  # name, official name, alpha-2, numeric
        return f"{hit.alpha_3} ({hit.name})"
    except LookupError:
        pass
    if re.fullmatch("[A-Za-z]{3}", text):  # a mistyped code: two letters transposed, else the closest code
        swapped = [c for c in iso if sorted(c) == sorted(text.upper())]
        close = swapped or difflib.get_close_matches(text.upper(), list(iso), n=1, cutoff=0.6)
        if close:
            return f"{close[0]} ({iso[close[0]]})"
    by_name = {name.lower(): code for code, name in iso.items()}
    close = difflib.get_close_matches(text.lower(), list(by_name), n=1, cutoff=0.6)
    return f"{by_name[close[0]]} ({iso[by_name[close[0]]]})" if close else ""


def check_country_code(value: object, where: str = "[report] country") -> str:
    """Return ``value`` if it is an ISO 3166-1 alpha-3 code (or a user-assigned one), else raise.

    Parameters
    ----------
    value : object
        The code to check, e.g. ``"KEN"``.
    where : str
        Where the value came from, for the message.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        Naming the value, the nearest valid code and how to fix it.
    """
    if isinstance(value, str) and (value in _iso() or (re.fullmatch("[A-Z]{3}", value) and _user_assigned(value))):
        return value
    hint = _suggest(str(value)) if isinstance(value, str) else ""
    near = f"; the nearest valid code is {hint}" if hint else ""
    raise ConfigError(
        f"{where} must be an ISO 3166-1 alpha-3 country code (three capital letters, e.g. KEN), got "
        f"{value!r}{near}. Put the code there and the name to print in [report] country_name."
    )


def country_of(code: str, name: str = "", where: str = "country") -> Country:
    """The :class:`Country` of a checked code; ``name`` overrides the ISO short name."""
    code = check_country_code(code, where)
    iso = _iso().get(code)
    return Country(code=code, name=name or iso or f"{code} (user-assigned code)", user_assigned=iso is None)
