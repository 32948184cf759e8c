"""The examples in the privacy docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from altmeasures_eval.privacy import (
    _identifiers,
    _kanonymity,
    _pseudonymise,
    _scan,
    _suppression,
)


@pytest.mark.parametrize(
    "module",
    [_identifiers, _kanonymity, _pseudonymise, _scan, _suppression],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
