"""Small hand-made cohorts shared by the modules of several statistics."""

from __future__ import annotations

import pandas as pd

import mirprog as mp


def hand_cohort(time: list[float], event: list[int], **cols: list[object]) -> mp.Cohort:
    """A cohort with follow-up ``t`` and event ``e`` (no id column), for values worked out
    by hand."""
    return mp.Cohort(pd.DataFrame({"t": time, "e": event, **cols}), time="t", event="e")
