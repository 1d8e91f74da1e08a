"""Restricted mean survival time against R survfit's rmean (tests/reference/km_extras_reference.R).

R: ``summary(survfit(...), rmean = tau)$table`` (survival:::survmean) for the per-group
RMST and SE; the two-group contrast by survRM2::rmst2's formulas (computed in the R
script; survRM2 itself is not installed).  Independent check: a slow integral of the
step curve written from scratch below, and lifelines' restricted_mean_survival_time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError, CohortError
from tests._reference import cases, gbsg2_cohort
from tests._rotterdam import rotterdam_cohort

EST = {"rtol": 1e-10, "atol": 1e-10}


def _cohort(case: dict[str, Any]) -> mp.Cohort:
    if case["data"] == "rotterdam":
        return rotterdam_cohort()
    return gbsg2_cohort(case["time_col"])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("rmst_survfit"))
def test_rmst_matches_r_survfit(case: dict[str, Any]) -> None:
    res = mp.rmst(_cohort(case), by=case["by"], tau=case["tau"],
                  conf_level=case["conf_level"])
    tab = res.table
    assert [str(g) for g in tab["group"]] == [str(g) for g in np.atleast_1d(case["groups"])]
    assert_allclose(tab["rmst"], np.atleast_1d(case["rmst"]), **EST)
    assert_allclose(tab["se"], np.atleast_1d(case["se"]), rtol=1e-10, atol=1e-12)
    assert_allclose(tab["ci_lower"], np.atleast_1d(case["ci_lower"]), **EST)
    assert_allclose(tab["ci_upper"], np.atleast_1d(case["ci_upper"]), **EST)
    if "difference" in case:
        assert_allclose(res.difference, case["difference"], **EST)
        assert_allclose(res.difference_se, case["difference_se"], **EST)
        assert_allclose([res.difference_ci_lower, res.difference_ci_upper],
                        case["difference_ci"], **EST)
        r_vals = [case["difference_p"], case["ratio"], *case["ratio_ci"], case["ratio_p"]]
        ours = [res.difference_p, res.ratio, res.ratio_ci_lower, res.ratio_ci_upper,
                res.ratio_p]
        assert_allclose(ours, np.array(r_vals, dtype=float), rtol=1e-9, atol=1e-15,
                        equal_nan=True)
    else:
        assert np.isnan(res.difference)
        assert np.isnan(res.ratio_p)


def _rmst_reference(time: np.ndarray, event: np.ndarray, tau: float) -> tuple[float, float]:
    """Slow RMST: the KM curve evaluated on a fine partition, then Miller's variance by loops."""
    t_all = np.unique(time)
    surv, s = {}, 1.0
    greenwood = {}
    for t in t_all:
        n = int(np.sum(time >= t))
        d = int(np.sum((time == t) & (event == 1)))
        if d:
            s *= 1 - d / n
        surv[t] = s
        greenwood[t] = d / (n * (n - d)) if n > d else 0.0

    def S(u: float) -> float:
        prev = [t for t in t_all if t <= u]
        return surv[prev[-1]] if prev else 1.0

    def area(a: float, b: float) -> float:
        knots = [a] + [t for t in t_all if a < t < b] + [b]
        return sum((knots[i + 1] - knots[i]) * S(knots[i]) for i in range(len(knots) - 1))

    mu = area(0.0, tau)
    var = sum(area(t, tau) ** 2 * greenwood[t] for t in t_all if t <= tau)
    return mu, float(np.sqrt(var))


@pytest.mark.parametrize("tau", [300.0, 1000.0, 1500.5, 2659.0])
def test_rmst_matches_a_slow_reference(tau: float) -> None:
    gbsg = mp.datasets.load_gbsg2()
    sub = gbsg.subset(gbsg.data["tgrade"] == "I")
    res = mp.rmst(sub, tau=tau)
    mu, se = _rmst_reference(sub.time, sub.event, tau)
    assert_allclose([res.table["rmst"].iloc[0], res.table["se"].iloc[0]], [mu, se],
                    rtol=1e-11)


@pytest.mark.crosscheck
def test_rmst_agrees_with_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import restricted_mean_survival_time

    gbsg = mp.datasets.load_gbsg2()
    res = mp.rmst(gbsg, by="horTh", tau=1825)
    for g, row in res.table.set_index("group").iterrows():
        sel = (gbsg.data["horTh"] == g).to_numpy()
        kmf = lifelines.KaplanMeierFitter().fit(gbsg.time[sel], gbsg.event[sel])
        assert_allclose(row["rmst"], restricted_mean_survival_time(kmf, t=1825), rtol=1e-10)


def test_tau_before_the_first_time_is_tau() -> None:
    res = mp.rmst(mp.datasets.load_gbsg2(), tau=1.0)
    assert res.table["rmst"].iloc[0] == 1.0
    assert res.table["se"].iloc[0] == 0.0


def test_more_than_two_groups_has_no_contrast() -> None:
    res = mp.rmst(mp.datasets.load_gbsg2(), by="tgrade", tau=1000)
    assert len(res.table) == 3
    assert np.isnan(res.difference)
    assert np.isnan(res.ratio)
    assert isinstance(res.to_frame(), pd.DataFrame)
    assert res.conf_level == 0.95


@pytest.mark.parametrize("tau", [0, -1.0, float("nan"), float("inf"), "5", None, True])
def test_bad_tau_is_refused(tau: Any) -> None:
    with pytest.raises(ArgumentError, match="tau must be a positive, finite time"):
        mp.rmst(mp.datasets.load_gbsg2(), tau=tau)


def test_interval_cohorts_are_refused() -> None:
    df = pd.DataFrame({"id": [1, 1, 2], "start": [0.0, 1.0, 0.0], "stop": [1.0, 3.0, 2.0],
                       "event": [0, 1, 0]})
    cohort = mp.Cohort(df, time="stop", event="event", id="id", entry="start")
    with pytest.raises(CohortError, match=r"rmst\(\) needs one right-censored time"):
        mp.rmst(cohort, tau=2.0)


def test_missing_group_rows_are_excluded_and_listed() -> None:
    gbsg = mp.datasets.load_gbsg2()
    data = gbsg.data.copy()
    data.loc[data.index[:5], "horTh"] = None
    res = mp.rmst(mp.Cohort(data, time="time", event="cens", id="id"), by="horTh", tau=1000)
    assert res.n == 681
    assert len(res.excluded) == 5
