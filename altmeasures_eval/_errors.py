"""Exceptions raised by the toolkit. The CLI turns each into a readable message and exit code 2."""

from __future__ import annotations


class AltMeasuresError(Exception):
    """Base class: an error the user can fix; the message says what and how."""


class DataContractError(AltMeasuresError):
    """Input data break the data contract. ``problems`` lists every failure found."""

    def __init__(self, message: str, problems: object | None = None) -> None:
        super().__init__(message)
        self.problems = problems


class ConfigError(AltMeasuresError):
    """A configuration file or argument is invalid."""


class PrivacyError(AltMeasuresError):
    """Input or output would expose a person (direct identifiers, unsuppressed small counts)."""


class NotEstimable(AltMeasuresError):
    """A quantity cannot be estimated honestly from these data (no variation in a group, a variance
    that explodes or collapses to zero); ``reason`` says why in plain words, ``quantity`` names it.
    Callers skip the quantity with the reason (a secondary analysis) or stop (the primary outcome);
    no number from it may reach a table."""

    def __init__(self, quantity: str, reason: str) -> None:
        super().__init__(f"{quantity} is not estimable: {reason}")
        self.quantity = quantity
        self.reason = reason
