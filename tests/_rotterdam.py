"""survival::rotterdam as the R fixtures of issue 18 use it (tests/reference/rotterdam_pgr.csv).

Recurrence-free time in years (``years = rtime / 365.25``, event ``recur``) and
``pgr_high = pgr > 41`` (41 = the median of pgr), exactly as
tests/reference/km_extras_reference.R and phremedy_reference.R derive them.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

import mirprog as mp
from tests._reference import REF


@cache
def rotterdam_frame() -> pd.DataFrame:
    df = pd.read_csv(REF / "rotterdam_pgr.csv")
    assert len(df) == 2982
    assert df["pgr"].median() == 41
    return df.assign(years=df["rtime"] / 365.25, pgr_high=(df["pgr"] > 41).astype(int))


def rotterdam_cohort() -> mp.Cohort:
    return mp.Cohort(rotterdam_frame(), time="years", event="recur", id="pid")
