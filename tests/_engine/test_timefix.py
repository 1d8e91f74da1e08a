"""Near-tied follow-up times are merged as R's ``timefix`` (aeqSurv) does, everywhere times group.

R fixtures: tests/reference/timefix_reference.R -> timefix_aeqsurv.json.  Two data sets with
times that differ only by floating-point noise: ``thirds`` (k/3 computed three ways) and
Rotterdam in years computed two ways (days / 365.25 and days / 30.4375 / 12).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from mirprog._engine.coxph import baseline_cumhaz
from mirprog._engine.timefix import TIMEFIX_TOLERANCE, aeq_times
from tests._reference import REF, close, ref

FIX = ref("timefix_aeqsurv")
CASES = {c["id"]: c for c in FIX["cases"]}


def _aeq_reference(t: np.ndarray, tol: float = TIMEFIX_TOLERANCE) -> np.ndarray:
    """A slow, obvious reading of R's rule: walk the sorted distinct times, open a new
    cluster at each gap larger than the tolerance (absolute and relative)."""
    y = sorted(set(t.tolist()))
    scale = sum(abs(v) for v in y) / len(y)
    rep, start = {}, y[0]
    for prev, cur in zip([None, *y[:-1]], y, strict=True):
        if prev is not None and (cur - prev) > tol and (cur - prev) / scale > tol:
            start = cur
        rep[cur] = start
    return np.array([rep[v] for v in t.tolist()])


def thirds() -> mp.Cohort:
    d = FIX["thirds"]
    k, form = np.array(d["k"]), np.array(d["form"])
    time = [kk / 3 if f == 0 else kk * (1 / 3) if f == 1 else (kk + 1) / 3 - 1 / 3
            for kk, f in zip(k.tolist(), form.tolist(), strict=True)]
    frame = pd.DataFrame({"id": d["id"], "time": time, "event": d["event"],
                          "group": d["group"], "x": d["x"]})
    return mp.Cohort(frame, time="time", event="event", id="id")


def rotterdam() -> mp.Cohort:
    r = pd.read_csv(REF / "rotterdam.csv")
    years = np.where(r["pid"] % 2 == 0, r["dtime"] / 365.25, r["dtime"] / 30.4375 / 12)
    frame = pd.DataFrame({"id": r["pid"].astype(str), "time": years, "event": r["death"],
                          "grp": r["grade"], "hormon": r["hormon"], "nodes": r["nodes"]})
    return mp.Cohort(frame, time="time", event="event", id="id", time_unit="years")


COHORTS = {"thirds": thirds, "rotterdam": rotterdam}


def fixed(cohort: mp.Cohort) -> mp.Cohort:
    """The same cohort with its times already merged (what every analysis must see)."""
    data = cohort.data.copy()
    data[cohort.time_col] = aeq_times(data[cohort.time_col].to_numpy())
    return mp.Cohort(data, time=cohort.time_col, event=cohort.event_col, id=cohort.id_col,
                     time_unit=cohort.time_unit)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", FIX["aeq"], ids=lambda c: c["id"])
def test_aeq_times_is_r_aeqsurv(case: dict[str, Any]) -> None:
    t = np.array(case["time"], dtype=float)
    out = aeq_times(t)
    assert len(np.unique(out)) == case["distinct_fixed"]
    close(out, case["fixed"], "aeqSurv times")
    assert_array_equal(out, _aeq_reference(t))
    assert np.isin(out, t).all()                        # reports original values


def test_aeq_times_leaves_its_input_and_non_finite_values_alone() -> None:
    t = np.array([1 / 3, 1 - 2 / 3, np.nan, np.inf, 2.0])
    before = t.copy()
    out = aeq_times(t)
    assert_array_equal(t, before)
    assert out[0] == out[1]
    assert np.isnan(out[2])
    assert out[3] == np.inf
    assert_array_equal(aeq_times(t, tolerance=0.0), t)


@pytest.mark.r_reference
@pytest.mark.parametrize("name", COHORTS)
@pytest.mark.parametrize("by", [None, "group"])
def test_km_table_matches_r_survfit(name: str, by: str | None) -> None:
    case = CASES[name]
    by = None if by is None else case["by"]
    expected = case["km_all" if by is None else "km_by"]
    fit = mp.km(COHORTS[name](), by=by)
    tab = fit.table
    assert len(tab) == expected["rows"] != expected["rows_nofix"]
    close(tab["time"], expected["time"], "time")
    close(tab["n_at_risk"], expected["n_risk"], "n.risk")
    close(tab["n_events"], expected["n_event"], "n.event")
    close(tab["survival"], expected["surv"], "surv")
    close(tab["std_err"], expected["std_err"], "std.err")


@pytest.mark.r_reference
@pytest.mark.parametrize("name", COHORTS)
def test_logrank_and_pairwise_match_r_survdiff(name: str) -> None:
    case = CASES[name]
    cohort = COHORTS[name]()
    res = mp.logrank(cohort, by=case["by"])
    close(res.chi2, case["logrank"]["chi2"], "chisq")
    close(res.table["observed"], case["logrank"]["observed"], "obs")
    close(res.table["expected"], case["logrank"]["expected"], "exp")
    assert abs(res.chi2 - case["logrank"]["chi2_nofix"]) > 1e-4
    pw = mp.pairwise_logrank(cohort, by=case["by"])
    assert [str(g) for g in pw.table["group1"]] == case["pairwise"]["group1"]
    close(pw.table["chi2"], case["pairwise"]["chi2"], "pairwise chisq")
    trend = mp.logrank(cohort, by=case["by"], trend=True)
    assert trend.chi2 == pytest.approx(mp.logrank(fixed(cohort), by=case["by"], trend=True).chi2,
                                       rel=1e-12)


@pytest.mark.r_reference
@pytest.mark.parametrize("name", COHORTS)
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_and_phtest_match_r_coxph(name: str, ties: str) -> None:
    case = CASES[name]
    expected = next(c for c in case["cox"] if c["ties"] == ties)
    cohort = COHORTS[name]()
    covs = [c.strip() for c in case["rhs"].split("+")]
    fit = mp.cox(cohort, covs, ties=ties, categorical=[case["by"]] if "group" in covs else None)
    close(fit.summary["coef"], expected["coef"], "coef")
    close(fit.summary["se"], expected["se"], "se")
    close([fit.loglik_null, fit.loglik], expected["loglik"], "loglik")
    assert np.max(np.abs(fit.summary["coef"] - np.array(expected["coef_nofix"]))) > 1e-6
    ph = mp.ph_test(fit, cohort)
    close(ph.table["chi2"], expected["zph_chi2"], "zph chisq")
    close(ph.table["p"], expected["zph_p"], "zph p")


@pytest.mark.r_reference
@pytest.mark.parametrize("name", COHORTS)
def test_optimal_cutpoint_matches_maxstat_on_merged_times(name: str) -> None:
    case = CASES[name]
    res = mp.optimal_cutpoint(COHORTS[name](), case["marker"])
    close(res.cutpoint, case["maxstat"]["estimate"], "estimate")
    close(res.statistic, case["maxstat"]["statistic"], "statistic")
    close(res.p, case["maxstat"]["p"], "p")


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_model_baseline_is_on_merged_event_times(ties: str) -> None:
    """PrognosticModel's baseline groups the training times as coxph does."""
    expected = next(c for c in CASES["thirds"]["cox"] if c["ties"] == ties)
    cohort = thirds()
    model = mp.PrognosticModel.fit(cohort.assign(xhigh=cohort.data["x"].to_numpy()),
                                   markers=["xhigh"], ties=ties)
    assert len(model.baseline_time) == len(expected["baseline_time"])
    close(model.baseline_time, expected["baseline_time"], "baseline times")
    # the engine itself, fed the merged times, gives R's basehaz(centered = FALSE)
    fit = mp.cox(cohort, ["group", "x"], ties=ties)
    lp = fit.design.matrix(cohort.data) @ fit.summary["coef"].to_numpy()
    bt, bh = baseline_cumhaz(aeq_times(cohort.time), cohort.event, lp, ties)
    close(bt, expected["baseline_time"], "basehaz time")
    close(bh, expected["baseline_cumhaz"], "basehaz hazard")


def _same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    else:
        assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-12, equal_nan=True)


RUNS = {
    "firth": lambda c: mp.cox(c, ["x"], firth=True).summary[["coef", "se"]],
    "continuous": lambda c: mp.continuous_cox(c, "x", transform="raw").summary[["coef"]],
    "spline": lambda c: [mp.spline_cox(c, "x", transform="raw", n_knots=3).nonlinear_chi2],
    "cv_cutpoint": lambda c: [mp.cv_optimal_cutpoint(c, "x", folds=3, seed=1).cv_hr],
    "bootstrap": lambda c: mp.bootstrap_validate(c, ["x"], n_boot=5, seed=2).table,
    "screen": lambda c: mp.screen(c, ["x", "x2"]).table.drop(columns="note"),
    "stability": lambda c: mp.screen_bootstrap(c, ["x", "x2"], n_boot=3, seed=3).table,
    "model_score": lambda c: mp.PrognosticModel.fit(c, clinical=["x"]).score(c, horizons=[3])
    .drop(columns="id", errors="ignore"),
}


@pytest.mark.parametrize("what", RUNS)
def test_every_front_end_sees_the_merged_times(what: str) -> None:
    """Each analysis gives on noisy times what it gives on the merged ones (R's result)."""
    cohort = thirds()
    cohort = cohort.assign(x2=np.abs(cohort.data["x"].to_numpy()) + 1)
    _same(RUNS[what](cohort), RUNS[what](fixed(cohort)))


def test_cohort_times_are_not_changed() -> None:
    cohort = thirds()
    before = cohort.time.copy()
    mp.km(cohort)
    mp.cox(cohort, ["x"])
    assert_array_equal(cohort.time, before)
    assert len(np.unique(cohort.time)) > len(np.unique(aeq_times(cohort.time)))
