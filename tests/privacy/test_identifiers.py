"""Tests of the direct-identifier guard (issue #2, "Privacy guard").

Expected findings are hand-made: each fixture value is built to match (or to miss) exactly one
documented pattern, so a failure points at one rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval._errors import PrivacyError
from altmeasures_eval.privacy import (
    IdentifierFinding,
    find_direct_identifiers,
    guard_direct_identifiers,
)
from altmeasures_eval.privacy._identifiers import classify_column_name
from altmeasures_eval.schema import TABLE_COLUMNS

CONTRACT_COLUMNS = sorted({col for cols in TABLE_COLUMNS.values() for col in cols})


# --- column names -------------------------------------------------------------------------------
@pytest.mark.parametrize("column", CONTRACT_COLUMNS)
def test_no_contract_column_name_is_flagged(column: str) -> None:
    assert classify_column_name(column) is None


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("first_name", "name"),
        ("FirstName", "name"),
        ("LAST_NAME", "name"),
        ("surname", "name"),
        ("name", "name"),
        ("Offender Name", "name"),
        ("nombre", "name"),
        ("Nombre completo", "name"),
        ("apellidos", "name"),
        ("prénom", "name"),
        ("nom_de_famille", "name"),
        ("Vorname", "name"),
        ("cognome", "name"),
        ("NOM", "name"),  # the French extract in data/sample/mapping_example
        ("PRENOM", "name"),
        ("national_id", "national_id"),
        ("NationalIDNumber", "national_id"),
        ("NINO", "national_id"),
        ("ssn", "national_id"),
        ("DNI", "national_id"),
        ("CURP", "national_id"),
        ("codice_fiscale", "national_id"),
        ("personnummer", "national_id"),
        ("driving_licence_no", "national_id"),
        ("passport_number", "passport"),
        ("Pasaporte", "passport"),
        ("home_address", "address"),
        ("Street", "address"),
        ("dirección", "address"),
        ("post_code", "postcode"),
        ("ZIP", "postcode"),
        ("codigo_postal", "postcode"),
        ("phone", "phone"),
        ("mobile_number", "phone"),
        ("teléfono", "phone"),
        ("e-mail", "email"),
        ("EmailAddress", "email"),
        ("correo_electronico", "email"),
        ("DOB", "date_of_birth"),
        ("date_of_birth", "date_of_birth"),
        ("BirthDate", "date_of_birth"),
        ("fecha_de_nacimiento", "date_of_birth"),
        ("date_de_naissance", "date_of_birth"),
        ("Geburtsdatum", "date_of_birth"),
        ("FECHA_NAC", "date_of_birth"),
        ("DATE_NAISS", "date_of_birth"),
    ],
)
def test_identifier_names_are_flagged(column: str, kind: str) -> None:
    found = classify_column_name(column)
    assert found is not None and found[0] == kind


@pytest.mark.parametrize(
    "column",
    [
        "court_name",
        "substance_name",
        "prison_name",
        "nom_juridiction",
        "offence_description",
        "cell_number",
        "birth_year",
        "year_of_birth",
        "age_at_offence",
        "region",
        "local_sentence_code",
        "case_number",
        "ANNEE_NAISS",
        "ID_INDIVIDU",
        "NUM_AFFAIRE",
    ],
)
def test_non_identifier_names_are_not_flagged(column: str) -> None:
    assert classify_column_name(column) is None


# --- values -------------------------------------------------------------------------------------
def _kinds(frame: pd.DataFrame) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for finding in find_direct_identifiers(frame):
        out.setdefault(finding.column, set()).add(finding.kind)
    return out


def _contract_frames() -> dict[str, pd.DataFrame]:
    """Realistic canonical tables (three rows each) in the contract's dtypes."""
    d = pd.to_datetime
    return {
        "persons": pd.DataFrame(
            {
                "person_id": ["P000001", "P000002", "7f3a9c0e11b24d5e8a6b4c2d1e0f9a8b"],
                "sex": ["male", "female", "unknown"],
                "birth_year": pd.array([1985, None, 1990], dtype="Int64"),
                "jurisdiction": ["ES-MD", "ES-CT", "ES-AN"],
                "death_date": d(["2021-03-04", None, None]),
                "death_cause": ["overdose", None, None],
            }
        ),
        "cases": pd.DataFrame(
            {
                "case_id": ["C0001", "C0002", "2019/000123"],
                "person_id": ["P000001", "P000002", "P000002"],
                "offence_date": d(["2019-01-05", "2019-02-11", "2020-07-30"]),
                "iccs_code": ["060111", "06012", "0501"],
                "substance": ["cannabis", "opioids", None],
                "stage": ["police", "trial", "sentencing"],
                "decision_date": d(["2019-01-06", None, "2020-12-01"]),
                "outcome": ["proven", "pending", "proven"],
                "disposition": ["diversion", None, "custody"],
                "measure_days": pd.array([90, None, 365], dtype="Int64"),
            }
        ),
        "custody_spells": pd.DataFrame(
            {
                "spell_id": ["S1", "S2", "S3"],
                "person_id": ["P000001", "P000002", "P000002"],
                "case_id": ["C0001", None, "2019/000123"],
                "admission_date": d(["2019-01-05", "2019-03-01", "2020-12-01"]),
                "release_date": d(["2019-01-06", "2019-04-01", None]),
                "custody_type": ["pre_trial", "recall_or_breach", "sentenced"],
            }
        ),
        "treatment_episodes": pd.DataFrame(
            {
                "episode_id": ["E1", "E2", "E3"],
                "person_id": ["P000001", "P000002", "P000002"],
                "case_id": ["C0001", None, None],
                "referral_source": ["justice", "health", "self"],
                "modality": ["opioid_agonist", "residential", "other"],
                "start_date": d(["2019-02-01", "2019-05-01", "2021-01-01"]),
                "end_date": d(["2019-08-01", None, None]),
                "completed": pd.array([True, None, False], dtype="boolean"),
            }
        ),
        "prison_capacity": pd.DataFrame(
            {
                "jurisdiction": ["ES-MD", "ES-MD", "ES-CT"],
                "month": ["2019-01", "2019-02", "2019-01"],
                "capacity": pd.array([1200, 1200, 900], dtype="Int64"),
                "population": pd.array([1100, None, 950], dtype="Int64"),
            }
        ),
    }


@pytest.mark.parametrize("table", list(TABLE_COLUMNS))
def test_contract_tables_pass_the_guard(table: str) -> None:
    frame = _contract_frames()[table]
    assert list(frame.columns) == list(TABLE_COLUMNS[table])
    assert find_direct_identifiers(frame) == []
    guard_direct_identifiers(frame, table=table, source=f"{table}.csv")  # does not raise


def test_contract_tables_as_text_pass_the_guard() -> None:
    """The same tables as a CSV reader sees them before parsing (every cell a string)."""
    for table, frame in _contract_frames().items():
        as_text = frame.astype(str).where(frame.notna(), None)
        assert find_direct_identifiers(as_text) == [], table


def test_email_values() -> None:
    frame = pd.DataFrame({"contact": ["ana@example.org", "b.c+d@mail.example.es", None, "x"]})
    (finding,) = find_direct_identifiers(frame)
    assert (finding.column, finding.kind, finding.basis) == ("contact", "email", "values")
    assert finding.n_sampled == 3  # missing values are not sampled
    assert finding.share == pytest.approx(2 / 3)
    assert finding.first_row == 0


@pytest.mark.parametrize(
    "phone",
    ["+44 20 7946 0958", "0034 912 345 678", "(020) 7946 0958", "06-12345678", "0612345678",
     "+1 (555) 123-4567", "020.7946.0958"],
)
def test_phone_values(phone: str) -> None:
    assert _kinds(pd.DataFrame({"contact": [phone] * 3})) == {"contact": {"phone"}}


@pytest.mark.parametrize(
    "value",
    [
        "01-02-2020",  # a date, not a phone
        "2020-02-01",
        "060111",  # an ICCS code: too few digits
        "123456789",  # a bare number without trunk or international prefix
        "0" * 20,  # more digits than E.164 allows
        "P000123",
        "0000123456",  # a zero-padded case number: no area code starts with 0
    ],
)
def test_phone_look_alikes_are_not_flagged(value: str) -> None:
    assert _kinds(pd.DataFrame({"ref": [value] * 3})) == {}


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("123-45-6789", "US social security number"),
        ("AB 12 34 56 C", "UK National Insurance number"),
        ("AB123456C", "UK National Insurance number"),
        ("12345678Z", "Spanish DNI/NIE"),  # 12345678 mod 23 = 14 -> Z
        ("X1234567L", "Spanish DNI/NIE"),  # 01234567 mod 23 = 19 -> L
        ("GODE561231GR8A0", None),  # not a CURP: wrong length
        ("GODE561231HDFRRN09", "Mexican CURP"),
        ("123.456.789-09", "Brazilian CPF"),
        ("RSSMRA85T10A562S", "Italian codice fiscale"),
        ("850709-1234", "Nordic personal identity number"),
        ("19850709-1234", "Nordic personal identity number"),
        ("131052-308T", "Nordic personal identity number"),
        ("2345 6789 0123", "Indian Aadhaar number"),
    ],
)
def test_national_id_values(value: str, label: str | None) -> None:
    findings = find_direct_identifiers(pd.DataFrame({"ref": [value] * 4}))
    if label is None:
        assert findings == []
    else:
        (finding,) = findings
        assert finding.kind == "national_id" and label in finding.reason


def test_categorical_and_string_dtypes_are_checked() -> None:
    emails = ["ana@example.org", "luis@example.org", "eva@example.org"]
    frame = pd.DataFrame(
        {"a": pd.Categorical(emails), "b": pd.array(emails, dtype="string")}
    )
    assert _kinds(frame) == {"a": {"email"}, "b": {"email"}}


def test_spanish_dni_needs_a_valid_check_letter() -> None:
    # 12345678 mod 23 = 14 -> 'Z'; any other letter is a local code, not a DNI
    wrong = pd.DataFrame({"ref": ["12345678A", "12345678B", "12345678C"]})
    assert find_direct_identifiers(wrong) == []


def test_key_columns_are_not_value_checked() -> None:
    """Raw keys may be national numbers: pseudonymise must be able to read and replace them."""
    frame = pd.DataFrame({"person_id": ["12345678Z", "123-45-6789"], "case_id": ["a@b.org"] * 2})
    assert find_direct_identifiers(frame) == []


def test_full_dates_in_a_birth_column() -> None:
    text = pd.DataFrame({"birth": ["1985-03-04", "04/03/1985", "19850304", None]})
    (finding,) = find_direct_identifiers(text)
    assert finding.kind == "date_of_birth" and finding.share == 1.0
    typed = pd.DataFrame({"born": pd.to_datetime(["1985-03-04", "1990-07-01"])})
    assert _kinds(typed) == {"born": {"date_of_birth"}}
    abbreviated = pd.DataFrame({"f_nac": ["04/03/1985", "01/07/1990"]})  # Spanish "nacimiento"
    assert _kinds(abbreviated) == {"f_nac": {"date_of_birth"}}


def test_birth_years_are_not_full_dates() -> None:
    frame = pd.DataFrame(
        {
            "birth_year": pd.array([1985, 1990, None], dtype="Int64"),
            "year_of_birth": ["1985", "1990", None],
            "birth_yr": pd.to_datetime(["1985-01-01", "1990-01-01", None]),  # year stored as date
        }
    )
    assert find_direct_identifiers(frame) == []


def test_dates_outside_birth_columns_are_fine() -> None:
    frame = pd.DataFrame({"offence_dt": ["04/03/2019", "2019-03-04", "20190304"]})
    assert find_direct_identifiers(frame) == []


def test_sampling_is_seeded_and_bounded() -> None:
    rng = np.random.default_rng(1)
    n = 50_000
    emails = np.where(rng.random(n) < 0.6, "someone@example.org", "none")
    frame = pd.DataFrame({"contact": emails})
    first = find_direct_identifiers(frame, sample_size=500)
    again = find_direct_identifiers(frame, sample_size=500)
    assert first == again
    assert first[0].n_sampled == 500 and 0.5 <= first[0].share <= 0.7
    # an e-mail address is reported whatever its share (issue #13): min_share does not hide it
    assert [f.kind for f in find_direct_identifiers(frame, sample_size=500, min_share=0.9)] == ["email"]


def test_every_value_is_checked_not_a_sample() -> None:
    """Issue #13: ``validate`` said VALID on a jurisdiction column whose label was an e-mail address
    held by 2 people among 20,000 (the guard looked at a sample of 1,000 values and needed 50%)."""
    labels = np.array(["north"] * 19_998 + ["ana.ruiz@example.org"] * 2, dtype=object)
    frame = pd.DataFrame({"jurisdiction": labels})
    (finding,) = find_direct_identifiers(frame)
    assert (finding.column, finding.kind, finding.n_sampled) == ("jurisdiction", "email", 20_000)
    assert finding.first_row == 19_998
    assert "ana.ruiz" not in finding.reason  # the message never prints the value
    with pytest.raises(PrivacyError):
        guard_direct_identifiers(frame, table="persons", source="persons.csv")


def test_repeated_column_names_are_checked_one_by_one() -> None:
    frame = pd.DataFrame([["ana@example.org", "x"], ["luis@example.org", "y"]], columns=["c", "c"])
    assert [f.column for f in find_direct_identifiers(frame)] == ["c"]
    guard_direct_identifiers(frame.iloc[:, [1]], table="cases", source="cases.csv")


def test_min_share_is_validated() -> None:
    with pytest.raises(ValueError, match="min_share"):
        find_direct_identifiers(pd.DataFrame({"a": ["x"]}), min_share=0)


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(range(6))))
def test_findings_do_not_depend_on_row_order(order: list[int]) -> None:
    frame = pd.DataFrame(
        {
            "contact": ["a@b.org", "c@d.org", "0612345678", None, "x", "+44 20 7946 0958"],
            "notes": ["ok", "12345678Z", "-", "X1234567L", "123-45-6789", None],
        }
    )
    base = {(f.column, f.kind, f.share) for f in find_direct_identifiers(frame)}
    shuffled = frame.iloc[order].reset_index(drop=True)
    assert {(f.column, f.kind, f.share) for f in find_direct_identifiers(shuffled)} == base


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.from_regex(r"[A-Z]{0,2}[0-9]{1,9}", fullmatch=True), min_size=1, max_size=30
    )
)
def test_short_alphanumeric_codes_are_never_phone_or_email(codes: list[str]) -> None:
    """Local codes such as case numbers, without trunk prefix or separators."""
    kinds = {f.kind for f in find_direct_identifiers(pd.DataFrame({"code": codes}))}
    assert not kinds & {"email", "date_of_birth"}
    if not any(code.startswith("0") for code in codes):
        assert "phone" not in kinds


# --- the guard ----------------------------------------------------------------------------------
def _bad_persons() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "surname": ["García", "Smith"],
            "contact": ["ana@example.org", "bob@example.org"],
            "sex": ["female", "male"],
            "birth_year": pd.array([1985, 1990], dtype="Int64"),
            "jurisdiction": ["ES-MD", "ES-MD"],
        }
    )


def test_guard_names_source_table_columns_and_the_fix() -> None:
    with pytest.raises(PrivacyError) as info:
        guard_direct_identifiers(_bad_persons(), table="persons", source="extract/persons.csv")
    message = str(info.value)
    assert message.startswith("extract/persons.csv: table 'persons'")
    assert "column 'surname' looks like a person's name" in message
    assert "column 'contact' looks like an e-mail address" in message
    assert '[tables.persons]\n  drop = ["surname", "contact"]' in message
    # the message never repeats a value of the data
    for value in ("García", "Smith", "ana@example.org", "bob@example.org"):
        assert value not in message
    findings = info.value.findings  # type: ignore[attr-defined]
    assert all(isinstance(f, IdentifierFinding) for f in findings)
    assert [f.column for f in findings] == ["surname", "contact"]


def test_guard_accepts_columns_the_mapping_drops() -> None:
    guard_direct_identifiers(
        _bad_persons(), table="persons", source="persons.csv", dropped=["surname", "contact"]
    )
    with pytest.raises(PrivacyError, match="contact") as info:
        guard_direct_identifiers(
            _bad_persons(), table="persons", source="persons.csv", dropped=["surname"]
        )
    assert "surname" not in str(info.value)
