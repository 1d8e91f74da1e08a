"""Shared fixtures: small hand-made cohorts and the bundled GBSG2 cohort."""

from __future__ import annotations

import pandas as pd
import pytest

import mirprog as mp


@pytest.fixture
def small_df() -> pd.DataFrame:
    """Eight patients, ids p1..p8, one missing tumour size."""
    return pd.DataFrame({
        "pid": [f"p{i}" for i in range(1, 9)],
        "months": [5.0, 8.0, 12.0, 12.0, 20.0, 25.0, 30.0, 41.0],
        "relapse": [1, 1, 0, 1, 0, 1, 0, 0],
        "mir": [3.1, 2.2, 0.4, 5.0, 0.9, 1.8, 0.2, 0.7],
        "size": [25.0, 40.0, None, 31.0, 12.0, 35.0, 20.0, 18.0],
        "grade": [3, 3, 1, 2, 2, 3, 1, 2],
    })


@pytest.fixture
def small(small_df: pd.DataFrame) -> mp.Cohort:
    return mp.Cohort(small_df, time="months", event="relapse", id="pid")


@pytest.fixture(scope="session")
def gbsg() -> mp.Cohort:
    return mp.datasets.load_gbsg2()
