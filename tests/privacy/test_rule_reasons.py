"""Decision-rule reasons print counts through the disclosure policy (issue #13 follow-up).

``apply_rules`` wrote group sizes into its reasons directly: with ``[disclosure] rounding_base = 5``
the report's tables said 55 while the reason said 53, which undoes the rounding. The reasons are
now written through :class:`~altmeasures_eval.privacy.DisclosurePolicy` (rounded, or "fewer than
<threshold>"), and the report passes them through ``publish_notes`` like every other note.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.evaluation import DecisionRules, DisclosureSettings, EvaluationSpec, apply_rules
from altmeasures_eval.report import publish_notes


def _data(n_t: int, n_c: int, horizons) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = n_t + n_c
    frame = pd.DataFrame({"treatment": np.r_[np.ones(n_t, int), np.zeros(n_c, int)]})
    for h in horizons:
        frame[f"reoffend_{h}"] = rng.integers(0, 2, n)
    return frame


def _spec(base: int) -> EvaluationSpec:
    return EvaluationSpec(decision_rules=DecisionRules(min_treated=100, min_control=100),
                          disclosure=DisclosureSettings(threshold=10, rounding_base=base))


def _counts(reasons) -> list[int]:
    return [int(m.replace(",", "")) for r in reasons for m in re.findall(r"Only (\d[\d,]*) people", r)]


@pytest.mark.parametrize(("n_t", "n_c", "shown"), [(53, 37, [55, 35]), (52, 38, [50, 40])])
def test_group_sizes_in_reasons_are_rounded(n_t, n_c, shown):
    spec = _spec(5)
    rules = apply_rules(_data(n_t, n_c, spec.cohort.horizons), None, spec)
    assert not rules.effects_allowed
    assert _counts(rules.reasons) == shown  # 53 -> 55 and 37 -> 35 (half away from zero: 52.5 never occurs)
    assert rules.n_treated == n_t  # the unrounded size stays in the result for the pipeline
    # the report layer's filter leaves an already published count as it is
    assert publish_notes(rules.reasons, spec.disclosure) == list(rules.reasons)


def test_small_group_in_reasons_is_hidden():
    spec = _spec(5)
    rules = apply_rules(_data(53, 7, spec.cohort.horizons), None, spec)
    assert any("Only fewer than 10 people were sent to custody" in r for r in rules.reasons)
    assert not any(re.search(r"\b7\b", r) for r in rules.reasons)


def test_without_rounding_the_size_is_exact():
    spec = _spec(0)
    rules = apply_rules(_data(53, 37, spec.cohort.horizons), None, spec)
    assert _counts(rules.reasons) == [53, 37]


def test_publish_notes_rounds_counts_in_reasons_written_elsewhere():
    """What the report does with any reason text (e.g. one written by an older run)."""
    out = publish_notes(["Only 53 people were given an alternative measure; at least 60 are needed.",
                         "Only 7 people were sent to custody."], DisclosureSettings(rounding_base=5))
    assert out[0].startswith("Only 55 people") and out[1] == "Only fewer than 10 people were sent to custody."
