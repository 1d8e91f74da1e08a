"""``mp.follow_up``: median follow-up by reverse Kaplan–Meier, against R ``survfit``.

Fixture tests/reference/followup_survfit.json (followup_reference.R): GBSG2, lung and
rotterdam.  The independent reference is a direct product-limit loop over the flipped
indicator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import CohortError
from tests._reference import cases


@pytest.mark.parametrize("case", cases("followup_survfit"), ids=lambda c: c["id"])
def test_reverse_km_matches_survfit(case: dict) -> None:
    df = pd.DataFrame({"t": case["time"], "e": case["status"]})
    fu = mp.follow_up(mp.Cohort(df, time="t", event="e"))
    for key in ("median", "ci_lower", "ci_upper", "q1", "q3"):
        assert_allclose(getattr(fu, key), case[key], rtol=1e-12, err_msg=key)
    assert fu.n == len(df)


def test_median_by_a_plain_product_limit_loop() -> None:
    rng = np.random.default_rng(3)
    t = np.ceil(rng.exponential(50, 300))
    e = rng.integers(0, 2, 300)
    surv, median = 1.0, None
    for u in np.unique(t):
        at_risk = np.sum(t >= u)
        cens = np.sum((t == u) & (e == 0))        # censoring is the "event" here
        surv *= 1 - cens / at_risk
        if median is None and surv <= 0.5 + 1e-12:
            median = u
    fu = mp.follow_up(mp.Cohort(pd.DataFrame({"t": t, "e": e}), time="t", event="e"))
    assert fu.median == median or abs(surv - 0.5) < 1e-12


def test_interval_cohorts_are_refused() -> None:
    df = pd.DataFrame({"id": [1, 1, 2], "start": [0, 5, 0], "stop": [5, 9, 4],
                       "e": [0, 1, 0]})
    c = mp.Cohort(df, time="stop", event="e", id="id", entry="start")
    with pytest.raises(CohortError, match="one row per patient"):
        mp.follow_up(c)
