"""Plots for the survival layer."""

from __future__ import annotations

__all__: list[str] = []
