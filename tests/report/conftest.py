"""Paths of the sample; the shared fixtures (the sample data set, report and evaluation, computed
once per session) are in ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
