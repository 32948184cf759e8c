"""Keyed pseudonymisation of person, case, spell and episode identifiers (HMAC-SHA256).

A pseudonym is ``HMAC-SHA256(key, namespace || 0x00 || id)`` in hexadecimal, truncated to
``length`` characters. Without the key, the pseudonym cannot be recomputed from a guessed id (an
unkeyed hash of a national ID number can be reversed by hashing every possible number); with the
key, the same id always gets the same pseudonym, so tables and later extracts still link. The
namespace (``person``, ``case``, ``spell``, ``episode``) keeps a person and a case that share the
raw value ``"123"`` apart.

The key is secret and is never written by the toolkit; whoever holds it can re-link pseudonyms
to raw ids by recomputing them, so it stays with the data controller, not with the data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, PrivacyError
from altmeasures_eval.schema import IDENTIFIER_COLUMNS, Dataset

__all__ = [
    "DEFAULT_KEY_ENV_VAR",
    "MIN_KEY_BYTES",
    "PSEUDONYM_LENGTH",
    "hmac_sha256_hex",
    "load_key",
    "pseudonymise_dataset",
    "pseudonymise_ids",
]

DEFAULT_KEY_ENV_VAR: Final = "ALTMEASURES_PSEUDONYM_KEY"
#: Shortest key accepted: the SHA-256 output length, as RFC 2104 section 3 recommends (a key
#: shorter than the hash output length L weakens the function).
MIN_KEY_BYTES: Final = 32
#: Default pseudonym length in hex characters (128 bits). For n distinct ids the chance that two
#: share a pseudonym is about n**2 / 2**129: 1.5e-25 for ten million ids.
PSEUDONYM_LENGTH: Final = 32
_LENGTH_RANGE: Final = (16, 64)
_BLOCK: Final = 64  # SHA-256 block size in bytes
_KEY_HELP: Final = (
    "Create one with: python -c \"import secrets; print(secrets.token_hex(32))\" > KEYFILE, keep "
    "KEYFILE away from the data (it re-links pseudonyms to raw ids), and pass --key-file KEYFILE "
    f"or set the environment variable {DEFAULT_KEY_ENV_VAR}."
)


def _check_key(key: bytes, where: str) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise TypeError(f"the key must be bytes, got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise PrivacyError(
            f"the pseudonymisation key from {where} is {len(key)} bytes long; at least "
            f"{MIN_KEY_BYTES} bytes are required, because a short key can be guessed. {_KEY_HELP}"
        )
    return bytes(key)


def load_key(
    path: str | os.PathLike[str] | None = None, env_var: str = DEFAULT_KEY_ENV_VAR
) -> bytes:
    """Read the secret pseudonymisation key from a file or an environment variable.

    Parameters
    ----------
    path : path-like, optional
        A key file. Its bytes are the key, with leading and trailing whitespace (such as the
        newline ``echo`` adds) removed. When omitted, the environment variable is used.
    env_var : str, default ``"ALTMEASURES_PSEUDONYM_KEY"``
        Environment variable holding the key as text (UTF-8 encoded to bytes).

    Returns
    -------
    bytes
        The key, at least :data:`MIN_KEY_BYTES` long. It is never logged, printed or written.

    Raises
    ------
    ConfigError
        When the file does not exist or neither a file nor the variable is given.
    PrivacyError
        When the key is shorter than :data:`MIN_KEY_BYTES`.
    """
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                f"key file {str(path)!r} does not exist or is not a file. {_KEY_HELP}"
            )
        return _check_key(path.read_bytes().strip(), f"file {str(path)!r}")
    value = os.environ.get(env_var)
    if value is None or not value.strip():
        raise ConfigError(
            f"no pseudonymisation key: no key file given and {env_var} is not set. {_KEY_HELP}"
        )
    return _check_key(value.strip().encode("utf-8"), f"environment variable {env_var}")


def hmac_sha256_hex(key: bytes, messages: Iterable[bytes]) -> list[str]:
    """HMAC-SHA256 (RFC 2104 with SHA-256) of each message, as 64 lowercase hex characters.

    The construction of RFC 2104, ``H((K' ^ opad) || H((K' ^ ipad) || m))`` with ``K'`` the key
    (hashed first when longer than the 64-byte block) padded with zeros to 64 bytes. The keyed
    inner and outer SHA-256 states are computed once and copied for each message, which is about
    twice as fast as :func:`hmac.new` per message; the RFC 4231 test vectors check it.

    Parameters
    ----------
    key : bytes
        Any length (keys longer than the 64-byte block are hashed first, per RFC 2104).
    messages : iterable of bytes

    Returns
    -------
    list of str

    References
    ----------
    Krawczyk, H., Bellare, M. and Canetti, R. (1997). HMAC: Keyed-Hashing for Message
    Authentication. RFC 2104. Nystrom, M. (2005). Identifiers and Test Vectors for HMAC-SHA-224,
    HMAC-SHA-256, HMAC-SHA-384, and HMAC-SHA-512. RFC 4231.
    """
    key = bytes(key)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out = []
    for message in messages:  # hashing is inherently one value at a time
        step = inner.copy()
        step.update(message)
        mac = outer.copy()
        mac.update(step.digest())
        out.append(mac.hexdigest())
    return out


def _pseudonyms_of_uniques(
    uniques: Iterable[object], key: bytes, namespace: str, length: int
) -> np.ndarray:
    if "\x00" in namespace:
        raise ValueError("namespace must not contain NUL")
    prefix = namespace.encode("utf-8") + b"\x00"
    uniques = list(uniques)
    digests = hmac_sha256_hex(key, (prefix + str(value).encode("utf-8") for value in uniques))
    pseudonyms = np.array([digest[:length] for digest in digests], dtype=object)
    n_distinct = len(set(pseudonyms.tolist()))
    if n_distinct != len(uniques):
        raise PrivacyError(
            f"pseudonymising {len(uniques)} distinct {namespace} ids gave only {n_distinct} "
            f"distinct pseudonyms of {length} hex characters: two ids would be merged. Use a "
            f"longer length (at most {_LENGTH_RANGE[1]})."
        )
    return pseudonyms


def _check_length(length: int) -> int:
    if not _LENGTH_RANGE[0] <= length <= _LENGTH_RANGE[1]:
        raise ValueError(
            f"length must be between {_LENGTH_RANGE[0]} and {_LENGTH_RANGE[1]} hex characters, "
            f"got {length}"
        )
    return int(length)


def _map_values(
    values: pd.Series, key: bytes, namespace: str, length: int
) -> pd.Series:
    codes, uniques = pd.factorize(values)  # missing -> code -1
    pseudonyms = _pseudonyms_of_uniques(uniques, key, namespace, length)
    mapped = np.empty(len(codes), dtype=object)
    present = codes >= 0
    mapped[present] = pseudonyms[codes[present]]
    mapped[~present] = None
    return pd.Series(mapped, index=values.index, name=values.name, dtype=object)


def pseudonymise_ids(
    values: Iterable[object] | pd.Series,
    key: bytes,
    namespace: str,
    *,
    length: int = PSEUDONYM_LENGTH,
) -> pd.Series:
    """Replace identifiers with keyed pseudonyms.

    Each distinct value ``v`` becomes ``HMAC-SHA256(key, namespace + "\\0" + str(v))`` in lowercase
    hex, truncated to ``length`` characters; equal values get equal pseudonyms, missing values stay
    missing (``None``).

    Parameters
    ----------
    values : iterable or pandas.Series
        Raw identifiers (strings; other types are converted with ``str``).
    key : bytes
        Secret key of at least :data:`MIN_KEY_BYTES` bytes (see :func:`load_key`).
    namespace : str
        What the ids identify (``"person"``, ``"case"``, ...). The same raw value in two
        namespaces gets unrelated pseudonyms.
    length : int, default 32
        Hex characters kept (16 to 64). 32 characters = 128 bits; collisions are checked anyway.

    Returns
    -------
    pandas.Series
        ``object`` dtype, same index as ``values`` when it is a Series.

    Raises
    ------
    PrivacyError
        When the key is too short, or when two distinct ids would get the same pseudonym.

    Examples
    --------
    >>> key = b"an example key of at least 32 bytes!"
    >>> out = pseudonymise_ids(["A1", None, "A1"], key, "person", length=16)
    >>> out[0] == out[2], out[1] is None, len(out[0])
    (True, True, 16)
    """
    key = _check_key(key, "the caller")
    length = _check_length(length)
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return _map_values(series, key, namespace, length)


def _namespace(column: str) -> str:
    return column.removesuffix("_id")


def pseudonymise_dataset(
    dataset: Dataset, key: bytes, *, length: int = PSEUDONYM_LENGTH
) -> Dataset:
    """Replace every identifier column of every table with keyed pseudonyms, consistently.

    ``person_id`` gets the same pseudonym in ``persons``, ``cases``, ``custody_spells`` and
    ``treatment_episodes``; ``case_id`` the same in ``cases`` and wherever it is referenced;
    ``spell_id`` and ``episode_id`` likewise. Each distinct id is hashed once per namespace, and a
    collision anywhere in a namespace is an error. Missing ids stay missing. Identifier values in
    the rejects table (rows whose ``column`` is an identifier column) are replaced too.

    Parameters
    ----------
    dataset : Dataset
        A canonical data set holding raw ids.
    key : bytes
        Secret key of at least :data:`MIN_KEY_BYTES` bytes.
    length : int, default 32
        Pseudonym length in hex characters.

    Returns
    -------
    Dataset
        A new data set; ``dataset`` is left unchanged. Row order, other columns and the extract
        metadata are kept.
    """
    key = _check_key(key, "the caller")
    length = _check_length(length)
    tables = {name: frame.copy() for name, frame in dataset.tables().items()}
    rejects = dataset.rejects.copy()
    for column in IDENTIFIER_COLUMNS:
        holders = [name for name, frame in tables.items() if column in frame.columns]
        parts = [tables[name][column] for name in holders]
        reject_rows = None
        if {"column", "value"} <= set(rejects.columns):
            reject_rows = rejects.index[rejects["column"] == column]
            parts.append(rejects.loc[reject_rows, "value"])
        if not parts:
            continue
        combined = pd.concat(parts, ignore_index=True)
        mapped = _map_values(combined, key, _namespace(column), length).to_numpy()
        start = 0
        for name in holders:
            frame = tables[name]
            stop = start + len(frame)
            frame[column] = pd.Series(mapped[start:stop], index=frame.index, dtype=object)
            start = stop
        if reject_rows is not None and len(reject_rows):
            rejects["value"] = rejects["value"].astype(object)
            rejects.loc[reject_rows, "value"] = mapped[start:]
    replaced = {name: frame for name, frame in tables.items()}
    return dataclasses.replace(dataset, **replaced, rejects=rejects)
