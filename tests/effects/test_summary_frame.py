"""The summary frame of an effect (effects._results.summary_frame) is the frame pandas'
``DataFrame.from_dict(rows, orient="index")[SUMMARY_COLUMNS]`` builds, which it replaced (issue #14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects._results import SUMMARY_COLUMNS, summary_frame, wald_row

ROWS = [
    {"risk_difference": wald_row(0.05, 0.01, 100, 0.05, False), "risk_ratio": wald_row(1.2, 0.1, 100, 0.05, True)},
    {"x": dict(estimate=None, se=0.1, ci_low=1.0, ci_high=2.0, p_value=None, n=5, scale="log"),
     "y": dict(estimate=0.5, se=0.1, ci_low=1.0, ci_high=2.0, p_value=0.3, n=np.int64(7), scale="identity")},
    {"x": dict(estimate=1, se=0.1, ci_low=1, ci_high=2, p_value=0.1, n=5, scale="log"),  # a key left out
     "y": dict(estimate=2, se=0.2, ci_low=1.5, ci_high=2.5, p_value=0.2, n=6)},
    {"x": dict(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, n=5, scale="log", extra=3)},
]


@pytest.mark.parametrize("rows", ROWS)
def test_summary_frame_is_from_dicts_frame(rows):
    want = pd.DataFrame.from_dict(rows, orient="index")[SUMMARY_COLUMNS]
    want.index.name = "measure"
    got = summary_frame(rows)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)


def test_no_rows_fails_as_from_dict_did():
    with pytest.raises(KeyError):
        summary_frame({})
