"""``schema._models.conforms``, the quick judgement that lets ingestion skip pandera's validation of
a frame that passes its model, against the model's own validation.

``io._checks.model_problems`` trusts ``conforms``: when it says a frame passes, the pandera model is
not run, so a frame it wrongly passed would lose its problems. Each case here edits one thing of
the valid hand-made data set (tests/io/conftest.py) and asserts that ``conforms`` agrees with
the model's own validation: every column of every table with a missing value, the
wrong dtype, absent, and a value outside its check; extra and duplicated columns; frames without
rows. The malformed-input corpus (tests/io/malformed) then checks the problems reported end to end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from altmeasures_eval.io._checks import model_problems
from altmeasures_eval.schema import TABLE_MODELS
from altmeasures_eval.schema._models import conforms
from tests.io.conftest import valid_dataset

#: A value outside the column's checks, for every checked column.
BAD = {"sex": "M", "death_cause": "drowning", "iccs_code": "60111", "substance": "heroin", "stage": "court",
       "outcome": "guilty", "disposition": "prison", "measure_days": -1, "custody_type": "remand",
       "referral_source": "court", "modality": "detox", "month": "2020-13", "capacity": -5, "population": -1}
#: A value that passes the column's checks although unusual (the quick judgement must not refuse it).
ODD = {"iccs_code": "06", "month": "1999-01", "measure_days": 0, "capacity": 0, "substance": "unknown"}


def _passes_model(frame: pd.DataFrame, table: str) -> bool:
    """The model's verdict (eager: it stops at the first failure; passing or not is the same as
    with ``lazy=True``, which ingestion uses to list every failure)."""
    try:
        TABLE_MODELS[table].validate(frame)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors):
        return False
    return True


def _edits(frame: pd.DataFrame, table: str):
    """(label, edited copy) pairs: one change each. Every column goes absent and gets a missing
    value, every checked column a value outside its check; a wrong dtype is tried once per kind of
    column (``conforms`` accepts only the model's dtype itself, so these can only send a frame to
    the model, never let one through)."""
    yield "as is", frame.copy()
    yield "no rows", frame.iloc[0:0].copy()
    yield "extra column", frame.assign(note="x")
    yield "duplicated column label", pd.concat([frame, frame.iloc[:, :1]], axis=1)
    retyped: set[str] = set()
    for column in TABLE_MODELS[table].to_schema().columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        yield f"{column} absent", frame.drop(columns=column)
        missing = frame.copy()
        missing[column] = values.astype(object).where(np.arange(len(values)) != 0, None).astype(values.dtype)
        yield f"{column} missing in row 0", missing
        for label, value in (("outside its checks", BAD.get(column)), ("unusual but allowed", ODD.get(column))):
            if value is not None:
                edited = frame.copy()
                edited[column] = values.astype(object).where(np.arange(len(values)) != 0, value).astype(values.dtype)
                yield f"{column} {label}", edited
        kind = str(values.dtype)
        if kind in retyped:
            continue
        retyped.add(kind)
        if values.dtype == object:
            yield f"{column} as pandas string", frame.assign(**{column: values.astype("string")})
            yield f"{column} with a number", frame.assign(**{column: values.where(np.arange(len(values)) != 0, 7)})
        elif kind == "Int64":
            yield f"{column} as float", frame.assign(**{column: values.astype("float64")})
        elif kind.startswith("datetime64"):
            yield f"{column} with a time zone", frame.assign(**{column: values.dt.tz_localize("UTC")})
        else:
            yield f"{column} as text", frame.assign(**{column: values.astype(str)})


#: Edits that ``conforms`` leaves to the model although the model passes them (it never guesses).
LEFT_TO_THE_MODEL = {"duplicated column label"}


def test_conforms_agrees_with_the_pandera_models() -> None:
    tables = valid_dataset().tables()
    seen = {True: 0, False: 0}
    for table, frame in tables.items():
        assert conforms(frame, table), table
        for label, edited in _edits(frame, table):
            expected = _passes_model(edited, table)
            if label in LEFT_TO_THE_MODEL:
                assert not conforms(edited, table), (table, label)
            else:
                assert conforms(edited, table) == expected, (table, label)
            seen[expected] += 1
    assert seen[True] >= 20 and seen[False] >= 50, seen  # both answers are exercised


def test_model_problems_of_a_failing_frame_are_pandera_failures() -> None:
    """A frame that does not conform is judged by the model: its failures, one problem per cell."""
    persons = valid_dataset().persons
    persons.loc[1, "sex"] = "M"
    persons.loc[2, "person_id"] = None
    assert not conforms(persons, "persons")
    (vocab, required) = sorted(model_problems(persons, "persons", "persons.csv"),
                               key=lambda p: p["check"].iloc[0], reverse=True)
    assert (vocab["column"].iloc[0], vocab["check"].iloc[0], vocab["source_row"].tolist()) == ("sex", "vocabulary", [1])
    assert (required["column"].iloc[0], required["check"].iloc[0], required["source_row"].tolist()) == (
        "person_id", "required_value", [2])
    assert model_problems(valid_dataset().persons, "persons", "persons.csv") == []


def test_a_model_feature_conforms_does_not_judge_sends_every_frame_to_the_model(monkeypatch) -> None:
    """Coercion, uniqueness, dataframe-level checks ...: ``conforms`` never judges such a model."""
    from altmeasures_eval.schema import _models

    class Coercing(pa.DataFrameModel):
        x: pa.typing.Series[int]

        class Config:
            coerce = True

    class UniqueColumn(pa.DataFrameModel):
        x: pa.typing.Series[int] = pa.Field(unique=True)

    frame = pd.DataFrame({"x": [1, 2, 3]})
    for model in (Coercing, UniqueColumn):
        monkeypatch.setitem(_models.TABLE_MODELS, "persons", model)
        _models._plan.cache_clear()
        try:
            assert _passes_model(frame, "persons") and not conforms(frame, "persons")
        finally:
            _models._plan.cache_clear()


def test_a_check_that_raises_sends_the_frame_to_the_model() -> None:
    """A cell a check cannot handle (a list in a vocabulary column: unhashable) makes pandera report
    a failure; ``conforms`` must then say "may fail", not raise out of ingestion (found by the lead
    on a sweep of odd values over every column; the model's own verdict is a failure)."""
    tables = valid_dataset().tables()
    frame = tables["cases"].copy()
    cells = frame["iccs_code"].astype(object).copy()
    cells.iloc[0] = ["a"]
    frame["iccs_code"] = cells
    assert not _passes_model(frame, "cases")
    assert conforms(frame, "cases") is False
    assert model_problems(frame, "cases", "cases.csv")
