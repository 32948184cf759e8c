"""CohortSpec defaults, config parsing and the errors a user sees."""

from __future__ import annotations

import datetime as dt
import tomllib

import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.cohort import CohortSpec
from altmeasures_eval.cohort._prepare import CUSTODY_RECALL, DEATH_OVERDOSE
from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS, CUSTODY_TYPES, DEATH_CAUSES, STAGES


def test_defaults_are_the_issue_defaults():
    s = CohortSpec()
    assert s.eligible_prefixes == ("06011",)
    assert s.excluded_prefixes == ("01", "02", "03", "04", "06012")
    assert s.stages == STAGES
    assert s.alternatives == ALTERNATIVE_DISPOSITIONS and "dismissed" not in s.alternatives
    assert s.comparators == ("custody",)
    assert (s.index_event, s.start, s.horizons, s.waiting_period, s.min_age) == ("first", "release", (365, 730, 1095), 182, 18)
    assert s.period_start is None and s.period_end is None


def test_from_config_reads_a_toml_section():
    text = """
    [cohort]
    eligible_prefixes = ["06011"]
    period_start = 2019-01-01
    period_end = "2019-12-31"
    alternatives = ["treatment_order"]
    comparators = ["fine"]
    index_event = "every"
    start = "decision"
    horizons = [365]
    waiting_period = 90
    """
    s = CohortSpec.from_config(tomllib.loads(text)["cohort"])
    assert s.period_start == pd.Timestamp("2019-01-01") and s.period_end == pd.Timestamp("2019-12-31")
    assert s.alternatives == ("treatment_order",) and s.comparators == ("fine",)
    assert (s.index_event, s.start, s.horizons, s.waiting_period) == ("every", "decision", (365,), 90)
    assert CohortSpec.from_config(s.to_dict()) == s
    assert CohortSpec.from_config({}) == CohortSpec()
    assert CohortSpec.from_config({"stages": "all"}).stages == STAGES


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"horizon": [365]}, r"unknown option\(s\) 'horizon'; valid options: eligible_prefixes"),
        ({"eligible_prefixes": "06011"}, r"'eligible_prefixes' must be a list"),
        ({"eligible_prefixes": [6011]}, r"'eligible_prefixes': 6011 is not an ICCS code prefix.*quoted strings"),
        ({"eligible_prefixes": []}, r"'eligible_prefixes' must list at least one"),
        ({"stages": ["court"]}, r"'stages': 'court' is not in the vocabulary; use one of police"),
        ({"alternatives": ["fine"], "comparators": ["fine"]}, r"share \['fine'\]"),
        ({"period_start": "2019-13-01"}, r"'period_start': '2019-13-01' is not a date"),
        ({"period_start": dt.date(2020, 1, 1), "period_end": dt.date(2019, 1, 1)}, r"'period_end' \(2019-01-01\) is before"),
        ({"index_event": "all"}, r"'index_event' must be 'first' or 'every'"),
        ({"start": "admission"}, r"'start' must be 'release' or 'decision'"),
        ({"horizons": [730, 365]}, r"'horizons' must be non-empty and strictly increasing"),
        ({"horizons": [365.5]}, r"'horizons' must be a whole number"),
        ({"waiting_period": -1}, r"'waiting_period' must be >= 0"),
        ({"min_age": True}, r"'min_age' must be a whole number"),
    ],
)
def test_invalid_config_names_the_key(section, message):
    with pytest.raises(ConfigError, match=message):
        CohortSpec.from_config(section)


def test_spec_is_frozen_and_hashable():
    s = CohortSpec()
    with pytest.raises(AttributeError):
        s.min_age = 16  # type: ignore[misc]
    assert hash(s) == hash(CohortSpec())


def test_codes_used_by_prepare_are_contract_codes():
    assert CUSTODY_RECALL in CUSTODY_TYPES and "recall" in CUSTODY_RECALL
    assert DEATH_OVERDOSE in DEATH_CAUSES and "overdose" in DEATH_OVERDOSE
