"""Languages of the published outputs: message catalogues and locale-aware formats.

One home for translation, shared by ``report``, ``plotting`` and every writer of published files.
The active language is a context variable set by :func:`language`; code that builds published
text marks each English message with :func:`_` (or :func:`ngettext`) and formats numbers, dates,
percentages and money with the ``fmt_*`` functions, which follow the active locale (Unicode CLDR
data through Babel).

Messages live in gettext catalogues, one ``.po`` file per area of the code, in
``altmeasures_eval/locale/<language>/LC_MESSAGES/<area>.po``. A translator extends a language by
editing (or adding) those files with any PO editor; a new language is a new folder plus its code in
:data:`LANGUAGES`. Catalogues are read as text at run time (no compiled ``.mo`` step), and a message
missing from a catalogue falls back to English; the test ``tests/test_i18n.py`` makes sure none is
missing, fuzzy or has placeholders that differ from the English.

Rules for marked messages, so that the extraction (``pybabel extract``) and the check can see them:

- the argument of ``_()`` is a string literal, never an f-string: placeholders are named and filled
  with ``str.format`` after translation, ``_("{n} people").format(n=fmt_int(n))``;
- whole sentences, not fragments glued together (word order differs between languages);
- module-level constants are marked with :func:`N_` and translated where they are used, ``_(CONST)``.

Arabic (right-to-left layout) and Chinese (CJK fonts in the PDF) are the next UN languages; the
catalogue layout and these functions need no change for them, the templates and fonts do.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_skeleton as _format_skeleton
from babel.numbers import format_currency as _format_currency
from babel.numbers import format_decimal as _format_decimal
from babel.numbers import parse_pattern

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "catalogue_dir",
    "check_language",
    "current_language",
    "fmt_date",
    "fmt_month",
    "fmt_int",
    "fmt_money",
    "fmt_num",
    "fmt_pct",
    "fmt_signed",
    "language",
    "ngettext",
]

#: Languages the published outputs can be written in (code -> name in that language).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español"}

_LOCALE_DIR = Path(__file__).parent / "locale"
_current: ContextVar[str] = ContextVar("altmeasures_eval_language", default="en")


def catalogue_dir() -> Path:
    """The folder that holds the message catalogues (``<language>/LC_MESSAGES/*.po``)."""
    return _LOCALE_DIR


def check_language(code: Any) -> str:
    """Return ``code`` if it is a supported language, else raise a ConfigError naming the choices."""
    if isinstance(code, str) and code in LANGUAGES:
        return code
    from altmeasures_eval._errors import ConfigError

    choices = ", ".join(f'"{k}" ({v})' for k, v in LANGUAGES.items())
    raise ConfigError(f"[report] language = {code!r} is not a language the report is written in; use one of "
                      f"{choices}. Another language needs its catalogue in {_LOCALE_DIR}.")


@contextmanager
def language(code: str) -> Iterator[str]:
    """Make ``code`` the active language of published text inside the ``with`` block."""
    token = _current.set(check_language(code))
    try:
        yield code
    finally:
        _current.reset(token)


def current_language() -> str:
    """The active language code (``"en"`` unless inside :func:`language`)."""
    return _current.get()


@lru_cache(maxsize=None)
def _catalogue(code: str) -> tuple[dict[Any, Any], Any]:
    """Every translated message of ``code`` (msgid, or (singular, plural), -> msgstr or tuple of
    forms) and the language's plural rule (the catalogues' ``Plural-Forms``: count -> form index)."""
    from gettext import c2py

    from babel.messages.pofile import read_po

    messages: dict[Any, Any] = {}
    plural = c2py("(n != 1)")
    folder = _LOCALE_DIR / code / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as f:
            cat = read_po(f, locale=code)
        plural = c2py(cat.plural_expr)
        for m in cat:
            if not m.id or m.fuzzy:
                continue
            if isinstance(m.id, tuple | list):
                strings = tuple(m.string)
                if all(strings):
                    messages[tuple(m.id)] = strings
            elif m.string:
                messages[m.id] = m.string
    return messages, plural


def _(message: str) -> str:
    """Translate ``message`` (an English string literal) into the active language."""
    code = _current.get()
    if code == "en":
        return message
    return _catalogue(code)[0].get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (module-level constants)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on the count ``n`` (plural rules of the language)."""
    code = _current.get()
    if code != "en":
        messages, rule = _catalogue(code)
        forms = messages.get((singular, plural))
        if forms:
            return forms[min(rule(abs(int(n))), len(forms) - 1)]
    return singular if n == 1 else plural


#: The CLDR locale whose number and date formats each language uses (English: United Kingdom and UN
#: usage, "6 December 2026").
_FORMAT_LOCALE = {"en": "en_GB", "fr": "fr", "es": "es"}


def _locale() -> str:
    return _FORMAT_LOCALE.get(_current.get(), _current.get())


# Babel formats a number in ~0.1 ms, and a report formats the same few thousand values many times
# (tables, words, and tick labels once per file of each figure): the formatted texts are kept, by
# value, form and locale. Zero is not kept: 0.0 and -0.0 are equal as keys but not in every form;
# typed keeps 3 and 3.0 apart (a float above 2**53 is formatted from its repr, an int exactly).
@lru_cache(maxsize=16384, typed=True)
def _decimal(x: float | int, pattern: str, loc: str) -> str:
    return _format_decimal(x, format=pattern, locale=loc)


def fmt_int(n: Any) -> str:
    """A count with the locale's digit grouping: 20,000 (en), 20 000 (fr), 20.000 (es)."""
    return _decimal(int(n), "#,##0", _locale())


def fmt_num(x: Any, decimals: int = 1) -> str:
    """A number with ``decimals`` decimals and the locale's separators: 1,234.5 / 1 234,5 / 1.234,5."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    x = float(x)
    return _decimal(x, pattern, _locale()) if x else _format_decimal(x, format=pattern, locale=_locale())


def fmt_signed(x: Any, decimals: int = 1) -> str:
    """A number with an explicit sign (+1.2, −0.4 with a true minus sign), for differences."""
    text = fmt_num(abs(float(x)), decimals)
    if round(float(x), decimals) == 0:
        return text
    return ("+" if float(x) > 0 else "\u2212") + text


def fmt_pct(x: Any, decimals: int = 1) -> str:
    """A proportion (0.234) as a percentage in the locale's form: 23.4% (en), 23,4 % (fr, es)."""
    x = float(x)
    return _pct(x, decimals, _locale()) if x else _pct.__wrapped__(x, decimals, _locale())


@lru_cache(maxsize=4096, typed=True)
def _pct(x: float, decimals: int, code: str) -> str:
    loc = Locale.parse(code)
    pattern = parse_pattern(loc.percent_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(x, loc)


def fmt_money(x: Any, currency: str, decimals: int = 0) -> str:
    """An amount of money in the locale's form: $1,234 (en), 1 234 $US (fr), 1.234 US$ (es)."""
    x = float(x)
    return _money(x, currency, decimals, _locale()) if x else _money.__wrapped__(x, currency, decimals, _locale())


@lru_cache(maxsize=4096, typed=True)
def _money(x: float, currency: str, decimals: int, code: str) -> str:
    loc = Locale.parse(code)
    base = loc.currency_formats["standard"].pattern.split(";")[0]
    pattern = base.replace(".00", "").replace(",00", "") if decimals == 0 else None
    return _format_currency(x, currency, format=pattern, locale=loc, currency_digits=decimals != 0)


def fmt_date(d: Any, form: str = "long") -> str:
    """A date in the locale's words: 6 December 2026 (en), 6 décembre 2026 (fr), 6 de diciembre de 2026 (es)."""
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d[:10])
    elif isinstance(d, _dt.datetime):  # pandas Timestamps too
        d = d.date()
    return _format_date(d, format=form, locale=_locale())


def fmt_month(d: Any) -> str:
    """A month in the locale's words, by the CLDR skeleton ``yMMMM``: June 2023 (en), juin 2023 (fr),
    junio de 2023 (es); a fixed pattern such as ``MMMM y`` drops the Spanish "de"."""
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d[:10])
    elif isinstance(d, _dt.datetime):  # pandas Timestamps too
        d = d.date()
    return _format_skeleton("yMMMM", d, locale=_locale())
