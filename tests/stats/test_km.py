"""Kaplan-Meier (``mp.km``, mirprog/stats/km.py).

Sections (each tagged with its marker):

* R reference (``r_reference``): tables, medians and survival at fixed times for the three
  confidence transforms, against R ``survfit`` (R 4.2.2, survival 3.5.3;
  ``km_survfit_{gbsg2,lung,ties}.json`` from ``tests/reference/survival_reference.R``).
* Cross-checks (``crosscheck``): survival and the log-log interval against lifelines'
  ``KaplanMeierFitter`` and scikit-survival's ``kaplan_meier_estimator`` on GBSG2.
  Convention: where S(t) = 1 (before the first event) R and mirprog report NA/NaN for the
  log-log interval, while lifelines and scikit-survival report [1, 1]; the interval is
  therefore compared only where S(t) < 1.
* Edge cases worked out by hand (a curve reaching zero, as R prints it, is
  ``r_reference``): medians on a flat half, survival at given times, censoring counts,
  confidence types, rows excluded by a missing group.
* Properties (``property``, hypothesis; strategies in ``tests/_strategies.py``): the
  Kaplan-Meier invariants (bounds, monotonicity, CI around the estimate, the median inside
  the follow-up), and a change of time unit changing nothing but the time axis (of KM,
  log-rank and Cox).
* The bad-input catalogue (``tests/_cohorts.py``): zero follow-up, every patient with an
  event, and the exclusion ledger.
* Fuzz regression (``fuzz``, helpers in ``tests/_fuzzing.py``): a grouping column missing
  in every row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal
from sksurv.nonparametric import kaplan_meier_estimator

import mirprog as mp
from tests._cohorts import cohort, frame, hand_cohort
from tests._fuzzing import raises_only_mirprog_error, tiny
from tests._reference import arr, cases, close, labels, r_cohort
from tests._strategies import (
    REL,
    SETTINGS,
    TIES,
    assert_cox_equal,
    cohort_frames,
    cox_xz,
    make,
)

KM_RTOL = 1e-10

# --------------------------------------------------------------------------- R reference (survfit)

KM_CASES = cases("km_survfit_gbsg2") + cases("km_survfit_lung") + cases("km_survfit_ties")


@cache
def km_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in KM_CASES if c.values[0]["id"] == case_id)
    return mp.km(
        r_cohort(case["dataset"]),
        by=case["by"],
        conf_type=case["conf_type"],
        conf_level=case["conf_level"],
    )


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_table(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    tab, exp = fit.table, case["table"]
    assert labels(tab["group"]) == labels(exp["group"]), "group/row layout"
    for col in [
        "time",
        "n_at_risk",
        "n_events",
        "n_censored",
        "survival",
        "std_err",
        "ci_lower",
        "ci_upper",
    ]:
        close(tab[col], exp[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_median(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    med, exp = fit.median, case["median"]
    assert labels(med.index) == labels(exp["group"])
    for col in ["n", "events", "median", "ci_lower", "ci_upper"]:
        close(med[col], exp[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_at_times(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    exp = case["at"]
    times = sorted(set(arr(exp["time"]).tolist()))
    at = fit.at(times)
    assert labels(at["group"]) == labels(exp["group"])
    for col in ["time", "n_at_risk", "survival", "std_err", "ci_lower", "ci_upper"]:
        close(at[col], exp[col], col)


# -------------------------------------------------------- cross-checks (lifelines, scikit-survival)


@pytest.mark.crosscheck
@pytest.mark.parametrize("by", [None, "horTh", "progrec_high"])
def test_km_matches_lifelines(gbsg_split: mp.Cohort, split_frame: pd.DataFrame,
                              by: str | None) -> None:
    fit = mp.km(gbsg_split, by=by, conf_type="log-log")
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sel = (np.ones(len(split_frame), bool) if by is None
               else (split_frame[by] == g).to_numpy(bool))
        kmf = KaplanMeierFitter().fit(split_frame["time"][sel], split_frame["cens"][sel])
        sf = kmf.survival_function_.iloc[:, 0]
        ev = tab[tab["n_events"] > 0]
        assert len(ev) > 0
        # at the event times (and at every tabulated time)
        assert_allclose(ev["survival"].to_numpy(), sf.loc[ev["time"]].to_numpy(), rtol=KM_RTOL)
        assert_allclose(tab["survival"].to_numpy(), sf.loc[tab["time"]].to_numpy(), rtol=KM_RTOL)
        # lifelines' default interval is the log-log ("exponential Greenwood") one
        ci = kmf.confidence_interval_
        below_one = (tab["survival"] < 1).to_numpy()
        assert_allclose(tab["ci_lower"].to_numpy()[below_one],
                        ci.iloc[:, 0].loc[tab["time"]].to_numpy()[below_one], rtol=KM_RTOL)
        assert_allclose(tab["ci_upper"].to_numpy()[below_one],
                        ci.iloc[:, 1].loc[tab["time"]].to_numpy()[below_one], rtol=KM_RTOL)
        # convention: R/mirprog leave the log-log interval undefined where S = 1
        assert tab["ci_lower"][~below_one].isna().all()


@pytest.mark.crosscheck
@pytest.mark.parametrize("by", [None, "horTh", "tgrade"])
def test_km_matches_sksurv(gbsg_split: mp.Cohort, split_frame: pd.DataFrame,
                           by: str | None) -> None:
    fit = mp.km(gbsg_split, by=by, conf_type="log-log")
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sel = (np.ones(len(split_frame), bool) if by is None
               else (split_frame[by] == g).to_numpy(bool))
        t, s, (lo, hi) = kaplan_meier_estimator(split_frame["cens"].to_numpy(bool)[sel],
                                                split_frame["time"].to_numpy(float)[sel],
                                                conf_type="log-log")
        assert_array_equal(tab["time"].to_numpy(), t)
        assert_allclose(tab["survival"].to_numpy(), s, rtol=KM_RTOL)
        below_one = s < 1
        assert_allclose(tab["ci_lower"].to_numpy()[below_one], lo[below_one], rtol=KM_RTOL)
        assert_allclose(tab["ci_upper"].to_numpy()[below_one], hi[below_one], rtol=KM_RTOL)


# --------------------------------------------------------------------------- edge cases


@pytest.mark.r_reference
def test_km_curve_reaching_zero_matches_r() -> None:
    """R 4.2.2, survival 3.5-3: ``summary(survfit(Surv(c(1,2,3,3), rep(1,4)) ~ 1))`` prints
    survival 0.75/0.50/0.00, std.err 0.217/0.250/NaN, lower 0.426/0.188/NA, upper 1/1/NA."""
    res = mp.km(hand_cohort([1, 2, 3, 3], [1, 1, 1, 1]))
    tab = res.table
    np.testing.assert_allclose(tab["survival"], [0.75, 0.5, 0.0])
    se1 = 0.75 * np.sqrt(1 / (4 * 3))
    np.testing.assert_allclose(tab["std_err"].iloc[:2], [se1, 0.25], rtol=1e-12)
    assert np.isnan(tab["std_err"].iloc[2])
    np.testing.assert_allclose(tab["ci_lower"].iloc[:2],
                               [0.75 * np.exp(-1.959963984540054 * np.sqrt(1 / 12)),
                                0.5 * np.exp(-1.959963984540054 * 0.5)], rtol=1e-12)
    assert tab["ci_upper"].iloc[:2].tolist() == [1.0, 1.0]
    assert tab[["ci_lower", "ci_upper"]].iloc[2].isna().all()
    assert tab["n_at_risk"].tolist() == [4, 3, 2]


def test_km_median_on_a_flat_half_takes_the_midpoint() -> None:
    res = mp.km(hand_cohort([1, 2, 3, 4], [1, 1, 1, 1]))
    assert res.median.loc["all", "median"] == 2.5
    never = mp.km(hand_cohort([1, 2, 3, 4], [1, 0, 0, 0]))
    assert np.isnan(never.median.loc["all", "median"])


def test_km_at_times_and_censoring_counts() -> None:
    res = mp.km(hand_cohort([1, 2, 2, 4, 6], [1, 1, 0, 0, 1]))
    assert res.table["n_censored"].tolist() == [0, 1, 1, 0]
    at = res.at([0.5, 2, 3, 7])
    np.testing.assert_allclose(at["survival"].iloc[:3], [1.0, 0.8 * 0.75, 0.6])
    assert at["n_at_risk"].tolist() == [5, 4, 2, 0]
    assert np.isnan(at["survival"].iloc[3])


def test_km_conf_types_and_bad_type() -> None:
    c = hand_cohort([1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 1])
    ll = mp.km(c, conf_type="log-log").table
    plain = mp.km(c, conf_type="plain").table
    assert (ll["ci_lower"].dropna() <= ll["survival"][ll["ci_lower"].notna()]).all()
    assert (plain["ci_lower"].dropna() >= 0).all()
    assert (plain["ci_upper"].dropna() <= 1).all()
    with pytest.raises(ValueError, match="conf_type"):
        mp.km(c, conf_type="logistic")  # type: ignore[arg-type]


def test_grouping_excludes_missing_and_reports(small: mp.Cohort) -> None:
    res = mp.km(small, by="size")
    assert res.n == 7
    assert res.excluded.rows == ("p3",)
    lr = mp.logrank(small.assign(size_high=[1, 1, None, 1, 0, 1, 0, 0]), by="size_high")
    assert lr.n == 7
    assert lr.excluded.summary() == "7 of 8 rows used; 1 excluded: missing size_high (p3)"


# --------------------------------------------------------------------------- properties

KM_VALUES = ["n_at_risk", "n_events", "n_censored", "survival", "std_err", "ci_lower",
             "ci_upper"]


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames(), conf_type=st.sampled_from(["log", "log-log", "plain"]))
def test_km_invariants(df: pd.DataFrame, conf_type: str) -> None:
    fit = mp.km(make(df), by="x", conf_type=conf_type)
    assert fit.groups == (0, 1)
    assert fit.n == len(df)
    assert fit.events == int(df["event"].sum())
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sub = df[df["x"] == g]
        t = tab["time"].to_numpy()
        s = tab["survival"].to_numpy()
        n_risk = tab["n_at_risk"].to_numpy()
        assert np.all(np.diff(t) > 0)
        assert_array_equal(t, np.unique(sub["time"].to_numpy(float)))
        assert np.all((s >= 0) & (s <= 1))
        assert np.all(np.diff(s) <= 0)
        assert np.all(np.diff(n_risk) < 0)
        assert n_risk[0] == len(sub)
        assert tab["n_events"].sum() == sub["event"].sum()
        assert (tab["n_events"] + tab["n_censored"]).sum() == len(sub)
        # survival only drops at event times
        drops = np.diff(np.concatenate([[1.0], s])) < 0
        assert_array_equal(drops, tab["n_events"].to_numpy() > 0)
        lo, hi = tab["ci_lower"].to_numpy(), tab["ci_upper"].to_numpy()
        ok = ~np.isnan(lo) & ~np.isnan(hi)
        slack = 1e-12
        assert np.all(lo[ok] <= s[ok] + slack)
        assert np.all(s[ok] <= hi[ok] + slack)
        assert np.all((lo[ok] >= 0) & (hi[ok] <= 1 + slack))
        assert np.all(tab["std_err"].dropna().to_numpy() >= 0)
        # the median, when defined, is inside the follow-up
        med = fit.median.loc[g, "median"]
        if not np.isnan(med):
            assert t[0] <= med <= t[-1]


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames(), factor=st.sampled_from([365.25, 1 / 12, 1 / 30.4375, 7.0]))
def test_time_rescaling(df: pd.DataFrame, factor: float) -> None:
    a = make(df)
    b = make(df.assign(time=df["time"] * factor))
    assert_allclose(mp.logrank(a, by="x").chi2, mp.logrank(b, by="x").chi2, rtol=REL)
    for ties in TIES:
        assert_cox_equal(mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties))
        assert_cox_equal(cox_xz(a, ties), cox_xz(b, ties))

    km_a, km_b = mp.km(a, by="x"), mp.km(b, by="x")
    assert_allclose(km_b.table["time"], km_a.table["time"] * factor, rtol=1e-12)
    assert_frame_equal(km_b.table[KM_VALUES], km_a.table[KM_VALUES], check_exact=False,
                       rtol=REL)
    for col in ("median", "ci_lower", "ci_upper"):
        assert_allclose(km_b.median[col], km_a.median[col] * factor, rtol=1e-12,
                        equal_nan=True, err_msg=col)


# -------------------------------------------------- bad-input catalogue: accepted, exclusion ledger

def _zero_time() -> None:
    """Zero follow-up is allowed, as in R (an event on day 0 is in the risk set at 0)."""
    c = cohort(frame(t=[0.0, 8, 12, 12, 20, 25, 0.0, 41]))
    fit = mp.km(c)
    first = fit.table.iloc[0]
    assert (first["time"], first["n_at_risk"], first["n_events"], first["n_censored"]) == (
        0.0, 8, 1, 1)
    assert first["survival"] == pytest.approx(7 / 8)


def _all_events() -> None:
    c = cohort(frame(e=[1] * 8))
    fit = mp.km(c)
    assert fit.table["survival"].iloc[-1] == 0.0
    # S = 0.5 exactly from 12 to 20: the median is the midpoint, as R's survfit
    assert fit.median.loc["all", "median"] == pytest.approx(16.0)
    lr = mp.logrank(c, by="g")
    assert lr.events == 8
    assert np.isfinite(lr.p)
    cox = mp.cox(c, "g")
    assert cox.events == 8
    assert not cox.monotone


ACCEPTED = [
    pytest.param(_zero_time, id="zero-time"),
    pytest.param(_all_events, id="all-events"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()


def _ledger_km(c: mp.Cohort) -> None:
    fit = mp.km(c, by="progrec_high")
    assert fit.n == 684
    assert fit.excluded.summary() == "684 of 686 rows used; 2 excluded: missing progrec_high (3, 7)"


LEDGERS = [
    pytest.param(_ledger_km, id="km"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)


# --------------------------------------------------------------------------- fuzz regressions

EXTERNAL = [
    pytest.param(lambda: mp.km(tiny(x=[np.nan] * 5), by="x"),
                 r"Column 'x' is missing in every row", id="km-by-all-missing-column"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("action", "match"), EXTERNAL)
def test_external_regressions(action: Callable[[], object], match: str) -> None:
    raises_only_mirprog_error(action, match)
