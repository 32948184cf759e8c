"""Fixtures for the survival tests: the stored inputs and R survival 3.5 output under reference/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def rossi() -> pd.DataFrame:
    """Rossi et al. (1980) recidivism data, as lifelines.datasets.load_rossi()."""
    return pd.read_csv(REF / "rossi.csv")


@pytest.fixture(scope="session")
def syn() -> pd.DataFrame:
    """reference/make_synthetic.py: 400 rows, ties, weights, clusters spanning groups, event types."""
    return pd.read_csv(REF / "synthetic.csv")


@pytest.fixture(scope="session")
def r_ref():
    """Loader of reference/r_<name>.csv written by reference/survival_reference.R."""

    def load(name: str, model: str | None = None) -> pd.DataFrame:
        df = pd.read_csv(REF / f"r_{name}.csv")
        return df if model is None else df[df["model"] == model].reset_index(drop=True)

    return load
