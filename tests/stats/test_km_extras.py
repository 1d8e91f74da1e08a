"""KM extras against R survfit (tests/reference/km_extras_reference.R): Nelson–Aalen
cumulative hazard and its SE (``cumhaz``, ``std.chaz``), the logit and arcsin limits
(``conf.type``), and ``quantile.survfit`` with its limits.  Independent checks: a slow
Nelson–Aalen written from scratch and lifelines' NelsonAalenFitter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError
from tests._reference import cases, gbsg2_cohort
from tests._rotterdam import rotterdam_cohort

TYPES = ["log", "log-log", "plain", "logit", "arcsin"]
EST = {"rtol": 1e-10, "atol": 1e-12, "equal_nan": True}


def _fit(case: dict[str, Any], conf_type: str) -> mp.results.KMResult:
    if case["data"] == "rotterdam":
        cohort = rotterdam_cohort()
    else:
        cohort = gbsg2_cohort(case["time_col"])
        if case["weights"]:
            cohort = cohort.assign(w=(cohort.data["id"] % 3) + 1)
    return mp.km(cohort, by=case["by"], conf_type=conf_type,  # type: ignore[arg-type]
                 weights=case["weights"] or None)


def _r(x: Any) -> np.ndarray:
    return np.array(x, dtype=float)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("km_extras_survfit"))
def test_cumhaz_matches_r(case: dict[str, Any]) -> None:
    tab = _fit(case, "log").table
    assert [str(g) for g in tab["group"]] == [str(g) for g in case["group"]]
    assert_allclose(tab["time"], _r(case["time"]), **EST)
    assert_allclose(tab["survival"], _r(case["surv"]), **EST)
    assert_allclose(tab["cumhaz"], _r(case["cumhaz"]), **EST)
    assert_allclose(tab["cumhaz_se"], _r(case["std_chaz"]), **EST)


@pytest.mark.r_reference
@pytest.mark.parametrize("conf_type", TYPES)
@pytest.mark.parametrize("case", cases("km_extras_survfit"))
def test_limits_and_quantiles_match_r(case: dict[str, Any], conf_type: str) -> None:
    fit = _fit(case, conf_type)
    lim = case["limits"][conf_type]
    assert_allclose(fit.table["ci_lower"], _r(lim["lower"]), **EST)
    assert_allclose(fit.table["ci_upper"], _r(lim["upper"]), **EST)
    q = fit.quantile(case["probs"])
    rq = case["quantiles"][conf_type]
    for col, key in [("time", "quantile"), ("ci_lower", "lower"), ("ci_upper", "upper")]:
        expected = np.concatenate([_r(row) for row in rq[key]])
        assert_allclose(q[col], expected, **EST, err_msg=f"{conf_type} {col}")
    assert_allclose(q["q"], np.tile(case["probs"], len(fit.groups)))


def _nelson_aalen_reference(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, ...]:
    """Slow Nelson–Aalen by loops over the distinct times."""
    times = np.unique(time)
    h, v, hs, vs = 0.0, 0.0, [], []
    for t in times:
        n = np.sum(time >= t)
        d = np.sum((time == t) & (event == 1))
        h += d / n
        v += d / n**2
        hs.append(h)
        vs.append(np.sqrt(v))
    return times, np.array(hs), np.array(vs)


def test_cumhaz_matches_a_slow_reference() -> None:
    cohort = gbsg2_cohort("tyear")
    tab = mp.km(cohort).table
    t, h, se = _nelson_aalen_reference(cohort.time, cohort.event)
    assert_allclose(tab["time"], t)
    assert_allclose(tab["cumhaz"], h, rtol=1e-13)
    assert_allclose(tab["cumhaz_se"], se, rtol=1e-13)
    assert np.all(np.diff(tab["cumhaz"]) >= 0)


@pytest.mark.crosscheck
def test_cumhaz_agrees_with_lifelines() -> None:
    lifelines = pytest.importorskip("lifelines")
    gbsg = mp.datasets.load_gbsg2()
    tab = mp.km(gbsg).table
    naf = lifelines.NelsonAalenFitter(nelson_aalen_smoothing=False).fit(gbsg.time, gbsg.event)
    theirs = naf.cumulative_hazard_.iloc[:, 0]
    assert_allclose(tab["cumhaz"], theirs.loc[tab["time"]].to_numpy(), rtol=1e-12)


def test_median_is_the_half_quantile() -> None:
    fit = mp.km(mp.datasets.load_gbsg2(), by="tgrade", conf_type="logit")
    q = fit.quantile(0.5).set_index("group")
    pd.testing.assert_frame_equal(q[["time", "ci_lower", "ci_upper"]].rename(
        columns={"time": "median"}), fit.median[["median", "ci_lower", "ci_upper"]],
        check_names=False)


def test_quantile_zero_is_time_zero_and_limits_are_ordered() -> None:
    q = mp.km(mp.datasets.load_gbsg2()).quantile([0.0, 0.2, 0.4])
    assert q["time"].iloc[0] == 0.0
    assert np.all(q["ci_lower"] <= q["time"])
    assert np.all(q["time"] <= q["ci_upper"])


@pytest.mark.parametrize("q", [1.5, -0.1, [0.5, float("nan")], "half"])
def test_bad_quantile_is_refused(q: Any) -> None:
    with pytest.raises(ArgumentError, match=r"q must hold probabilities in \[0, 1\]"):
        mp.km(mp.datasets.load_gbsg2()).quantile(q)


def test_unknown_conf_type_is_refused() -> None:
    with pytest.raises(ArgumentError, match="conf_type must be one of 'log', 'log-log', "
                                            "'plain', 'logit', 'arcsin'"):
        mp.km(mp.datasets.load_gbsg2(), conf_type="logistic")  # type: ignore[arg-type]
