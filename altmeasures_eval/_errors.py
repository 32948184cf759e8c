"""Exceptions raised by the toolkit. The CLI turns each into a readable message and its exit status.

Each class carries the exit status of its failure class (``exit_status``), documented in
``docs/cli.md``: 2 for what the user's input, options or config got wrong, 4 for the environment
(output folder, lock, compute cluster).
"""

from __future__ import annotations


class AltMeasuresError(Exception):
    """Base class: an error the user can fix; the message says what and how."""

    #: Exit status of the command line for this failure class.
    exit_status: int = 2


class DataContractError(AltMeasuresError):
    """Input data break the data contract. ``problems`` lists every failure found."""

    def __init__(self, message: str, problems: object | None = None) -> None:
        super().__init__(message)
        self.problems = problems


class ConfigError(AltMeasuresError):
    """A configuration file or argument is invalid."""


class PrivacyError(AltMeasuresError):
    """Input or output would expose a person (direct identifiers, unsuppressed small counts)."""


class OutputError(AltMeasuresError):
    """The output folder cannot be written: it is a file, exists without ``--overwrite``, its parent
    is read-only, or another run holds its lock."""

    exit_status = 4


class ComputeError(ConfigError):
    """The compute environment failed: e.g. the ``[compute]`` scheduler cannot be reached (a
    :class:`ConfigError` too, since the address comes from the config; exit status 4)."""

    exit_status = 4


class NotEstimable(AltMeasuresError):
    """A quantity cannot be estimated honestly from these data (no variation in a group, a variance
    that explodes or collapses to zero); ``reason`` says why in plain words, ``quantity`` names it.
    Callers skip the quantity with the reason (a secondary analysis) or stop (the primary outcome);
    no number from it may reach a table. (Added by B2 for issue #12 part 5.)"""

    def __init__(self, quantity: str, reason: str) -> None:
        super().__init__(f"{quantity} is not estimable: {reason}")
        self.quantity = quantity
        self.reason = reason
