"""The language catalogues are complete: every message marked in the code is translated into every
language, with the same placeholders, and nothing in a catalogue is fuzzy (issue #15).

The messages are extracted from the source exactly as a translator's tool would (Babel's
``extract_from_dir`` over the Python files and the Jinja templates, keywords ``_``, ``N_`` and
``ngettext``), so a message added to the code without a translation fails here.
"""

from __future__ import annotations

import functools
import string

import pytest
from babel.messages.pofile import read_po

from altmeasures_eval._i18n import LANGUAGES, catalogue_dir, fmt_date, fmt_int, fmt_month, fmt_num, fmt_pct, language
from tests.report._messages import marked_messages


@functools.cache
def _marked() -> dict[object, str]:
    """The marked messages (``tests/report/_messages.py``: extracted once per process when a test
    first asks, shared with ``tests/report/test_languages.py``), each with its first place."""
    found: dict[object, str] = {}
    for filename, lineno, message in marked_messages():
        key = tuple(message) if isinstance(message, tuple | list) else message
        found.setdefault(key, f"{filename}:{lineno}")
    return found


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def _catalogue(code: str) -> dict[object, object]:
    out: dict[object, object] = {}
    for po in sorted((catalogue_dir() / code / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as f:
            for m in read_po(f, locale=code):
                if m.id:
                    key = tuple(m.id) if isinstance(m.id, tuple | list) else m.id
                    out[key] = (m.string, m.fuzzy, po.name)
    return out


def test_the_code_marks_its_published_text():
    # the report, tables, figures and writers mark their text; a near-empty extraction means the
    # extraction itself is broken (wrong keywords or method map), not that there is nothing to translate
    marked = _marked()
    assert len(marked) >= 150, len(marked)


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_marked_message_is_translated(code):
    cat = _catalogue(code)
    marked = _marked()
    missing = [f"{where}: {msg!r}" for msg, where in marked.items() if msg not in cat]
    empty = [f"{where}: {msg!r}" for msg, where in marked.items()
             if msg in cat and (not cat[msg][0] or (isinstance(cat[msg][0], tuple | list) and not all(cat[msg][0])))]
    fuzzy = [repr(msg) for msg, v in cat.items() if v[1]]
    assert not missing, f"{len(missing)} messages have no {code} translation:\n" + "\n".join(missing[:40])
    assert not empty, f"{len(empty)} {code} translations are empty:\n" + "\n".join(empty[:40])
    assert not fuzzy, f"fuzzy {code} entries (review them, then remove the fuzzy flag): {fuzzy[:20]}"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_translations_keep_the_placeholders(code):
    bad = []
    for msg, (text, _fuzzy, po) in _catalogue(code).items():
        ids = msg if isinstance(msg, tuple) else (msg,)
        texts = text if isinstance(text, tuple | list) else (text,)
        want = set().union(*(_fields(i) for i in ids))
        for t in texts:
            if t and _fields(t) != want:
                bad.append(f"{po}: {msg!r} -> {t!r}")
    assert not bad, "\n".join(bad[:40])


def test_one_message_one_translation_across_catalogues():
    # the same English message in two areas' catalogues must not be translated two ways
    for code in [c for c in LANGUAGES if c != "en"]:
        seen: dict[object, tuple[object, str]] = {}
        for po in sorted((catalogue_dir() / code / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as f:
                for m in read_po(f, locale=code):
                    if not m.id:
                        continue
                    key = tuple(m.id) if isinstance(m.id, tuple | list) else m.id
                    if key in seen:
                        assert seen[key][0] == m.string, (code, key, seen[key][1], po.name)
                    seen[key] = (m.string, po.name)


def test_locale_formats():
    # CLDR conventions (Babel): grouping and decimal marks, percent spacing, long dates
    import datetime

    with language("en"):
        assert (fmt_int(20000), fmt_num(1234.56, 1), fmt_pct(0.234)) == ("20,000", "1,234.6", "23.4%")
        assert fmt_date(datetime.date(2026, 12, 6)) == "6 December 2026"
        assert fmt_month(datetime.date(2023, 6, 1)) == "June 2023"  # CLDR yMMMM
    with language("fr"):
        assert (fmt_int(20000), fmt_num(1234.56, 1), fmt_pct(0.234)) == ("20\u202f000", "1\u202f234,6", "23,4\u00a0%")
        assert fmt_date(datetime.date(2026, 12, 6)) == "6 décembre 2026"
        assert fmt_month(datetime.date(2023, 6, 1)) == "juin 2023"
    with language("es"):
        assert (fmt_int(20000), fmt_num(1234.56, 1), fmt_pct(0.234)) == ("20.000", "1.234,6", "23,4\u00a0%")
        assert fmt_date(datetime.date(2026, 12, 6)) == "6 de diciembre de 2026"
        assert fmt_month(datetime.date(2023, 6, 1)) == "junio de 2023"  # CLDR es yMMMM: "MMMM 'de' y"


def test_unknown_language_is_a_clear_error():
    from altmeasures_eval._errors import ConfigError

    with pytest.raises(ConfigError, match=r"language = 'de'.*\"fr\""):
        with language("de"):
            pass


def test_stored_formats_keep_zero_signs_and_number_types_apart() -> None:
    """The fmt_* functions keep their texts by value (_i18n._decimal, _pct, _money): -0.0 and 0.0
    are equal keys but not equal texts, and 3 and 3.0 are kept apart (Babel formats a float above
    2**53 from its repr). Reference: Babel called directly."""
    from babel.numbers import format_decimal

    from altmeasures_eval._i18n import fmt_money

    for _round in range(2):  # the second time from the store
        assert fmt_num(-0.0, 1) == format_decimal(-0.0, format="#,##0.0", locale="en_GB")
        assert fmt_num(0.0, 1) == format_decimal(0.0, format="#,##0.0", locale="en_GB") == "0.0"
        assert fmt_pct(-0.0, 1) == "-0.0%" and fmt_pct(0.0, 1) == "0.0%"
        assert fmt_money(-0.0, "USD").startswith("-") and not fmt_money(0.0, "USD").startswith("-")
        assert fmt_int(2**60) == "1,152,921,504,606,846,976"
        assert fmt_num(float(2**60), 0) == format_decimal(float(2**60), format="#,##0", locale="en_GB")
        assert fmt_num(float(2**60), 0) != fmt_int(2**60)
        with language("fr"):
            assert fmt_int(20000) == "20\u202f000" and fmt_pct(0.234) == "23,4\u00a0%"
        assert fmt_int(20000) == "20,000" and fmt_pct(0.234) == "23.4%"
