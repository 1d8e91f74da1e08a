"""The mixed-unit check (issue 14, item 10): a minority of rows in years among days warns,
honest one-unit cohorts (R's rotterdam and lung, gbsg2) do not.

``reference/rotterdam_times.csv`` comes from ``reference/scale_reference.R``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.data.cohort import UnitWarning
from tests._cohorts import cohort, frame

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


# -------------------------------------------------------------------- bad-input catalogue: accepted

def _mixed_units() -> None:
    years = [0.5, 1.2, 2.0, 3.1, 4.4, 5.0, 6.2, 7.7, 8.1, 9.9]
    days = [400.0, 730, 812, 1100, 1460, 1825, 2000, 2400, 2900, 3650]
    df = pd.DataFrame({"t": years + days, "e": [1, 0] * 10})
    with pytest.warns(UnitWarning, match=r"time column 't' looks like a mix of units: 10 row\(s\) "
                      r"below 15 \(0, 1, 2, 3, 4 \(and 5 more\)\) and 10 above 200 \(10, 11, "):
        mp.Cohort(df, time="t", event="e")


def _implausible_time_unit() -> None:
    days = frame(t=[150.0, 300, 900, 1200, 2000, 2500, 3100, 45000])
    with pytest.warns(UnitWarning, match=r"in months \(time_unit='months'\), but 4 row\(s\) have "
                      r"more than 110 years of follow-up: p5, p6, p7, p8\. Are the times"):
        cohort(days, time_unit="months")
    with pytest.warns(UnitWarning, match=r"1 row\(s\) have more than 110 years.*: p8"):
        cohort(days, time_unit="days")
    with pytest.raises(mp.CohortError, match="Unknown time_unit 'yrs'"):
        cohort(time_unit="yrs")


def _one_unit_cohorts_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnitWarning)
        gbsg = mp.datasets.load_gbsg2()  # days
        mp.Cohort(gbsg.data.reset_index(drop=True), time="time", event="cens",
                  time_unit="days")
        rng = np.random.default_rng(7)  # years, up to 15 years of follow-up
        years = pd.DataFrame({"t": rng.uniform(0.1, 15, 300), "e": rng.integers(0, 2, 300)})
        mp.Cohort(years, time="t", event="e", time_unit="years")
        cohort(time_unit="months")


ACCEPTED = [
    pytest.param(_mixed_units, id="mixed-units-days-and-years"),
    pytest.param(_implausible_time_unit, id="implausible-time-unit"),
    pytest.param(_one_unit_cohorts_do_not_warn, id="one-unit-cohorts-do-not-warn"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()
