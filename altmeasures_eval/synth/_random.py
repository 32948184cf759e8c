"""Counter-based uniforms: the same number for the same (person, slot, field) in every world.

Common random numbers are what make the two potential outcomes of a person comparable: the
counterfactual career re-uses every uniform the observed career used, so the two differ only
through the treatment. A counter-based generator (a SplitMix64 hash of seed, person, slot and
field) gives that without storing a stream per person, and costs one hash per number drawn.

Reference: Steele, G. L., Lea, D. and Flood, C. H. (2014). Fast splittable pseudorandom number
generators. OOPSLA '14, 453-472 (the SplitMix64 finaliser).
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_SCALE = 2.0**-53

#: Slot number reserved for person-level draws (career slots are 0 .. MAX_SLOTS - 1).
PERSON_SLOT = 1023


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> _S30)  # a new array: the steps below work in it
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def seed_key(seed: int) -> np.uint64:
    """A 64-bit key from the user's seed (any non-negative int)."""
    with np.errstate(over="ignore"):
        return _mix(np.array([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + _GOLDEN)[0]


def uniforms(key: np.uint64, person: np.ndarray, slot: int | np.ndarray, field: int) -> np.ndarray:
    """Uniforms on (0, 1), one per element of ``person``, fixed by (key, person, slot, field)."""
    return hashed_uniforms(person_hashes(key, person), slot, field)


def person_hashes(key: np.uint64, person: np.ndarray) -> np.ndarray:
    """The part of :func:`uniforms` that depends on the person only: computed once per person, it
    serves every (slot, field) of that person (:func:`hashed_uniforms`)."""
    with np.errstate(over="ignore"):
        return _mix(key ^ (person.astype(np.uint64, copy=False) * _GOLDEN))


def hashed_uniforms(hashes: np.ndarray, slot: int | np.ndarray, field: int) -> np.ndarray:
    """``uniforms(key, person, slot, field)`` from ``hashes = person_hashes(key, person)``."""
    with np.errstate(over="ignore"):
        counter = (np.asarray(slot, dtype=np.uint64) << np.uint64(8)) | np.uint64(field)
        x = _mix(hashes + (counter + np.uint64(1)) * _GOLDEN)
    return ((x >> _S11).astype(np.float64) + 0.5) * _SCALE
