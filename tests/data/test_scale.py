"""The mixed-unit check (issue 14, item 10): a minority of rows in years among days warns,
honest one-unit cohorts (R's rotterdam and lung, gbsg2) do not.

``reference/rotterdam_times.csv`` comes from ``reference/units_reference.R``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def rotterdam() -> pd.DataFrame:
    return pd.read_csv(REF / "rotterdam_times.csv")


@pytest.mark.parametrize("share", [0.10, 0.05])
def test_share_of_rows_in_years_among_days_warns(rotterdam: pd.DataFrame, share: float) -> None:
    rng = np.random.default_rng(14)                     # fixed seed: which rows are in years
    rows = rng.choice(len(rotterdam), int(share * len(rotterdam)), replace=False)
    df = rotterdam.astype({"dtime": float})
    df.loc[rows, "dtime"] = df.loc[rows, "dtime"] / 365.25
    with pytest.warns(mp.UnitWarning, match=r"time column 'dtime' looks like a mix of units"):
        mp.Cohort(df, time="dtime", event="death")


@pytest.mark.parametrize(("name", "time", "event"), [
    ("rotterdam", "dtime", "death"), ("rotterdam", "rtime", "recur"),
    ("lung", "time", "event"), ("gbsg2", "time", "cens")])
def test_one_unit_cohorts_do_not_warn(rotterdam: pd.DataFrame, name: str, time: str,
                                      event: str) -> None:
    frames = {"rotterdam": lambda: rotterdam, "lung": lambda: pd.read_csv(REF / "lung.csv"),
              "gbsg2": lambda: mp.datasets.load_gbsg2().data}
    df = frames[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", mp.UnitWarning)
        mp.Cohort(df, time=time, event=event, time_unit="days")
        mp.Cohort(df.assign(years=df[time] / 365.25), time="years", event=event,
                  time_unit="years")
