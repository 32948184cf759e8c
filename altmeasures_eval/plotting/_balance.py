"""Plots for the balance layer."""

from __future__ import annotations

__all__: list[str] = []
