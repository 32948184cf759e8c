"""The messages marked for translation in the package, extracted as a translator's tool does
(Babel's ``extract_from_dir`` over the Python files and the Jinja templates, keywords ``_``, ``N_``
and ``ngettext``): read by ``tests/test_i18n.py`` (every message translated) and
``tests/report/test_languages.py`` (no English message left in a report).

Extracted once per process, when a test first asks (not at collection: both xdist workers collect
every module). A Python file can hold a marked message only if its text has one of the keywords
followed by an opening parenthesis (Babel's extractor looks for that token pair), so only those
files are tokenised (21 of the 174 when this was written, a fifth of the source): the same
messages at the same places as the full extraction (checked then: 1,051 messages, equal lists),
in a third of the time (0.22 s instead of 0.66 s of CPU).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_python

import altmeasures_eval

PACKAGE = Path(altmeasures_eval.__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
#: a keyword called: the name as a whole token (``x._(`` too, as Babel reads it), then ``(``
_CALL = re.compile(rb"\b(?:_|N_|ngettext)\s*\(")


def _python_if_marked(fileobj, keywords, comment_tags, options):
    """Babel's Python extractor, for a file whose text can hold a marked message."""
    if _CALL.search(fileobj.read()) is None:
        return []
    fileobj.seek(0)
    return extract_python(fileobj, keywords, comment_tags, options)


METHODS = [("**.py", _python_if_marked), ("**/templates/**.j2", "jinja2.ext:babel_extract")]


@functools.cache
def marked_messages() -> tuple[tuple[str, int, object], ...]:
    """``(file, line, message)`` of every marked message, in Babel's order (files sorted, then
    lines); ``message`` is a tuple (singular, plural) for ``ngettext``."""
    return tuple((filename, lineno, message) for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(PACKAGE), method_map=METHODS, keywords=KEYWORDS,
        options_map={"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}))
