"""Weighted Kaplan-Meier against R survfit(weights=) (tests/reference/km_weights_reference.R)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.errors import CohortError
from tests._reference import close, ref

KW = ref("km_survfit_weights")


def _gbsg2_weighted() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    w = pd.DataFrame(ref("coxph_weights_gbsg2")["data"])
    return mp.Cohort(g.data.merge(w, on="id"), time="time", event="cens", id="id")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KW["cases"], ids=[c["conf_type"] for c in KW["cases"]])
def test_matches_r_weighted_survfit(case: dict[str, Any]) -> None:
    res = mp.km(_gbsg2_weighted(), by="horTh", weights="w", conf_type=case["conf_type"])
    t = res.table
    close(t["time"], case["time"], "time")
    close(t["n_at_risk"], case["n_risk"], "weighted n at risk")
    close(t["n_events"], case["n_event"], "weighted events")
    close(t["survival"], case["surv"], "survival")
    close(t["se"], case["std_err"], "std.err")
    close(t["ci_lower"], case["lower"], "lower")
    close(t["ci_upper"], case["upper"], "upper")
    close(res.median["median"], case["median"], "median")


@pytest.mark.property
def test_integer_weights_equal_duplicated_rows() -> None:
    c = _gbsg2_weighted()
    a = mp.km(c, by="horTh", weights="w").table
    d = c.data.loc[c.data.index.repeat(c.data["w"])].reset_index(drop=True)
    d["id"] = np.arange(len(d))
    b = mp.km(mp.Cohort(d, time="time", event="cens", id="id"), by="horTh").table
    np.testing.assert_allclose(a["survival"], b["survival"], rtol=1e-12)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-12)


def test_negative_weight_is_refused() -> None:
    d = _gbsg2_weighted().data.copy()
    d.loc[d["id"] == 9, "w"] = -2
    with pytest.raises(CohortError, match=r"'w'.*negative.*9"):
        mp.km(mp.Cohort(d, time="time", event="cens", id="id"), weights="w")


def test_missing_weight_is_refused() -> None:
    d = _gbsg2_weighted().data.copy()
    d.loc[d["id"] == 4, "w"] = np.nan
    with pytest.raises(CohortError, match=r"'w'.*missing.*4"):
        mp.km(mp.Cohort(d, time="time", event="cens", id="id"), weights="w")
