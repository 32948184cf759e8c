"""Tests of keyed pseudonymisation (issue #2, "Privacy guard").

HMAC-SHA256 is checked against the published test vectors of RFC 4231 section 4 (Nystrom 2005,
"Identifiers and Test Vectors for HMAC-SHA-224, HMAC-SHA-256, HMAC-SHA-384, and HMAC-SHA-512"),
test cases 1, 2, 3, 4, 6 and 7 (case 5 is a truncated output and adds nothing here).
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval._errors import ConfigError, PrivacyError
from altmeasures_eval.privacy import (
    MIN_KEY_BYTES,
    hmac_sha256_hex,
    load_key,
    pseudonymise_dataset,
    pseudonymise_ids,
)
from altmeasures_eval.privacy import _pseudonymise
from altmeasures_eval.schema import Dataset

KEY = b"k" * 32

# (key, data, HMAC-SHA-256) from RFC 4231 section 4.2-4.8
RFC4231 = [
    (  # 4.2 test case 1
        bytes.fromhex("0b" * 20),
        b"Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ),
    (  # 4.3 test case 2: a key shorter than the output length
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (  # 4.4 test case 3
        bytes.fromhex("aa" * 20),
        bytes.fromhex("dd" * 50),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ),
    (  # 4.5 test case 4
        bytes.fromhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
        bytes.fromhex("cd" * 50),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ),
    (  # 4.7 test case 6: a key larger than the 64-byte block is hashed first
        bytes.fromhex("aa" * 131),
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (  # 4.8 test case 7
        bytes.fromhex("aa" * 131),
        b"This is a test using a larger than block-size key and a larger than block-size data. "
        b"The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]


@pytest.mark.parametrize(("key", "data", "expected"), RFC4231)
def test_hmac_matches_rfc4231(key: bytes, data: bytes, expected: str) -> None:
    assert hmac_sha256_hex(key, [data]) == [expected]


def test_hmac_of_many_messages_reuses_the_key_state_correctly() -> None:
    messages = [data for _, data, _ in RFC4231]
    key = RFC4231[-1][0]
    assert hmac_sha256_hex(key, messages) == [
        hmac.new(key, m, hashlib.sha256).hexdigest() for m in messages
    ]


def test_rfc4231_through_pseudonymise_ids() -> None:
    """Case 6's key (131 bytes) is long enough for the guard; the message is namespace NUL value."""
    key, _, _ = RFC4231[4]
    out = pseudonymise_ids(["Hi There"], key, "person", length=64)
    assert out.tolist() == [hmac.new(key, b"person\x00Hi There", hashlib.sha256).hexdigest()]


# --- pseudonymise_ids ---------------------------------------------------------------------------
def test_equal_ids_equal_pseudonyms_and_missing_stays_missing() -> None:
    raw = pd.Series(["A1", None, "B2", "A1", np.nan], index=[10, 11, 12, 13, 14])
    out = pseudonymise_ids(raw, KEY, "person")
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out[10] == out[13] != out[12]
    assert out[11] is None and out[14] is None
    assert all(len(v) == 32 and int(v, 16) >= 0 for v in out.dropna())
    assert not set(out.dropna()) & {"A1", "B2"}


def test_namespace_and_key_change_every_pseudonym() -> None:
    base = pseudonymise_ids(["1", "2"], KEY, "person")
    assert not set(base) & set(pseudonymise_ids(["1", "2"], KEY, "case"))
    assert not set(base) & set(pseudonymise_ids(["1", "2"], b"j" * 32, "person"))


def test_short_key_is_refused() -> None:
    with pytest.raises(PrivacyError, match=r"31 bytes long; at least 32"):
        pseudonymise_ids(["1"], b"x" * 31, "person")


def test_length_is_bounded() -> None:
    with pytest.raises(ValueError, match="between 16 and 64"):
        pseudonymise_ids(["1"], KEY, "person", length=8)


def test_collisions_are_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    # force a collision: a fake HMAC that ignores the message
    def constant(key, messages):
        return ["ab" * 32 for _ in messages]

    monkeypatch.setattr(_pseudonymise, "hmac_sha256_hex", constant)
    with pytest.raises(PrivacyError, match="2 distinct person ids gave only 1 distinct pseudonyms"):
        pseudonymise_ids(["1", "2"], KEY, "person")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(min_size=1, max_size=12)), max_size=40))
def test_mapping_is_injective_and_deterministic(raw: list[str | None]) -> None:
    out = pseudonymise_ids(raw, KEY, "case", length=16)
    again = pseudonymise_ids(list(reversed(raw)), KEY, "case", length=16)
    assert out.tolist() == list(reversed(again.tolist()))
    pairs = {(r, p) for r, p in zip(raw, out) if r is not None}
    assert len({r for r, _ in pairs}) == len(pairs) == len({p for _, p in pairs})
    assert [p is None for p in out] == [r is None for r in raw]


# --- load_key -----------------------------------------------------------------------------------
def test_load_key_from_file_strips_the_newline(tmp_path) -> None:
    path = tmp_path / "key"
    path.write_bytes(b"0123456789abcdef" * 4 + b"\n")
    assert load_key(path) == b"0123456789abcdef" * 4


def test_load_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_KEY", "s" * 40)
    assert load_key(env_var="MY_KEY") == b"s" * 40


def test_load_key_refuses_short_and_missing_keys(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "key"
    path.write_text("Zq7Kx\n")
    with pytest.raises(PrivacyError, match="5 bytes long") as info:
        load_key(path)
    assert "Zq7Kx" not in str(info.value)  # the key is never echoed
    with pytest.raises(ConfigError, match="does not exist"):
        load_key(tmp_path / "absent")
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(ConfigError, match="NO_SUCH_KEY_VAR is not set"):
        load_key(env_var="NO_SUCH_KEY_VAR")
    monkeypatch.setenv("SHORT_KEY_VAR", "x" * (MIN_KEY_BYTES - 1))
    with pytest.raises(PrivacyError, match="environment variable SHORT_KEY_VAR"):
        load_key(env_var="SHORT_KEY_VAR")


# --- pseudonymise_dataset -----------------------------------------------------------------------
def test_dataset_ids_are_replaced_consistently_across_tables(raw_dataset: Dataset) -> None:
    raw = raw_dataset
    out = pseudonymise_dataset(raw, KEY)
    person = dict(zip(raw.persons["person_id"], out.persons["person_id"]))
    case = dict(zip(raw.cases["case_id"], out.cases["case_id"]))
    # every reference maps through the same dictionary as the table that owns the key
    assert out.cases["person_id"].tolist() == [person[p] for p in raw.cases["person_id"]]
    assert out.custody_spells["person_id"].tolist() == [person["p1"], person["p3"]]
    assert out.custody_spells["case_id"].tolist() == [case["c1"], None]
    assert out.treatment_episodes["person_id"].tolist() == [person["p2"]]
    assert out.treatment_episodes["case_id"].tolist() == [case["c3"]]
    # same raw value 'p1' as a person and as a case: unrelated pseudonyms
    assert person["p1"] != case["p1"]
    # the rejects table's identifier values are replaced too, other values kept
    assert out.rejects["value"].tolist() == [pseudonymise_ids(["p9"], KEY, "person")[0], "19x0"]
    # nothing else changes, and the input is left alone
    pd.testing.assert_frame_equal(out.cases.drop(columns=["case_id", "person_id"]),
                                  raw.cases.drop(columns=["case_id", "person_id"]))
    assert raw.persons["person_id"].tolist() == ["p1", "p2", "p3"]
    assert out.extract == raw.extract
    raw_ids = {"p1", "p2", "p3", "p9", "c1", "c2", "c3", "s1", "s2", "e1"}
    for frame in out.tables().values():
        for column in ("person_id", "case_id", "spell_id", "episode_id"):
            if column in frame:
                assert not set(frame[column].dropna()) & raw_ids


def test_dataset_pseudonyms_match_pseudonymise_ids(raw_dataset: Dataset) -> None:
    out = pseudonymise_dataset(raw_dataset, KEY)
    expected = pseudonymise_ids(["s1", "s2"], KEY, "spell").tolist()
    assert out.custody_spells["spell_id"].tolist() == expected
    episodes = pseudonymise_ids(["e1"], KEY, "episode").tolist()
    assert out.treatment_episodes["episode_id"].tolist() == episodes


def test_dataset_without_rejects_columns(raw_dataset: Dataset) -> None:
    raw = raw_dataset
    out = pseudonymise_dataset(Dataset(**{**raw.__dict__, "rejects": pd.DataFrame()}), KEY)
    assert out.rejects.empty
