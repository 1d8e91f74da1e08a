"""Competing risks through the public API: cohorts with causes, mp.cif, mp.gray_test,
mp.fine_gray and the cause-specific mp.cox, against R (tests/reference/competing_reference.R:
survival 3.5-3 survfit multi-state and coxph, cmprsk cuminc and crr) and lifelines."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import mirprog as mp
from mirprog.errors import ArgumentError, CauseError, CohortError
from mirprog.results import CIFResult, FineGrayResult, GrayTestResult
from tests._reference import arr, ref

CAUSES = {1: "recurrence", 2: "death"}


def _cohort(name: str) -> mp.Cohort:
    d = pd.DataFrame(ref(f"competing_{name}")["data"])
    return mp.Cohort(d, time="time", event="status", causes=CAUSES)


@pytest.fixture(scope="module")
def rott() -> mp.Cohort:
    return _cohort("rotterdam")


@pytest.fixture(scope="module")
def mgus() -> mp.Cohort:
    return _cohort("mgus2")


def _small() -> pd.DataFrame:
    return pd.DataFrame({"pid": list("abcdefgh"), "t": [2.0, 3, 3, 5, 7, 8, 9, 11],
                         "status": [1, 2, 0, 1, 2, 1, 0, 1],
                         "arm": [0, 1, 0, 1, 0, 1, 0, 1], "x": [0.1, 2, 3, 1, 5, 2, 1, 0.5]})


# -- cohorts with causes ---------------------------------------------------------------------

def test_a_cohort_keeps_its_causes_and_gives_each_cause_its_own_cohort() -> None:
    c = mp.Cohort(_small(), time="t", event="status", id="pid", causes={1: "relapse", 2: "death"})
    assert c.causes == {1: "relapse", 2: "death"}
    assert c.n_events == 6
    assert c.status.tolist() == [1, 2, 0, 1, 2, 1, 0, 1]
    relapse = c.for_cause("relapse")
    assert relapse.event.tolist() == [1, 0, 0, 1, 0, 1, 0, 1]
    assert relapse.causes is None
    assert relapse.cause == "relapse"
    assert c.for_cause(2).event.tolist() == [0, 1, 0, 0, 1, 0, 0, 0]
    assert c.for_cause("any").event.tolist() == [1, 1, 0, 1, 1, 1, 0, 1]
    assert "causes=" in repr(c)
    assert c.subset(c.data["arm"] == 1).causes == c.causes
    assert c.assign(y=1.0).status.tolist() == c.status.tolist()


def test_read_cohort_takes_causes(tmp_path) -> None:
    path = tmp_path / "c.csv"
    _small().to_csv(path, index=False)
    c = mp.read_cohort(path, time="t", event="status", id="pid", causes={1: "relapse", 2: "death"})
    assert c.causes == {1: "relapse", 2: "death"}


@pytest.mark.parametrize("call", [
    lambda c: mp.km(c), lambda c: mp.logrank(c, "arm"), lambda c: mp.cox(c, "x"),
    lambda c: mp.univariate(c, ["x"]), lambda c: c.event,
    lambda c: c.complete_cases(["x"]),
])
def test_single_event_analyses_refuse_a_cohort_with_causes_and_say_how_to_choose(call) -> None:
    c = mp.Cohort(_small(), time="t", event="status", causes={1: "relapse", 2: "death"})
    with pytest.raises(CauseError, match=r"for_cause\('relapse'\).*cause='relapse'.*mp.cif"):
        call(c)


@pytest.mark.parametrize(("causes", "status", "match"), [
    ({1: "relapse"}, None, r"code\(s\) 2 that causes= does not name, in rows 1, 4"),
    ({1: "relapse", 2: "death"}, [1, 2, 0, 1, 2, 1, np.nan, 1], r"missing in 1 row"),
    ({0: "relapse"}, None, "positive integers"),
    ({1: "x", 2: "x"}, None, "same name"),
    ({1: "any", 2: "death"}, None, "reserved"),
    ({1: ""}, None, "non-empty text"),
    ({}, None, "non-empty mapping"),
    ({1: "relapse", 2: "death"}, [0] * 8, "no events"),
])
def test_bad_causes_are_typed_errors(causes, status, match) -> None:
    df = _small()
    if status is not None:
        df["status"] = status
    with pytest.raises(CohortError, match=match):
        mp.Cohort(df, time="t", event="status", causes=causes)


def test_causes_do_not_combine_with_event_values_or_entry() -> None:
    with pytest.raises(CohortError, match="cannot be combined"):
        mp.Cohort(_small(), time="t", event="status", causes={1: "a", 2: "b"},
                  event_values={0: 0, 1: 1, 2: 1})


def test_unknown_cause_and_cause_on_a_single_event_cohort_are_errors() -> None:
    c = mp.Cohort(_small(), time="t", event="status", causes={1: "relapse", 2: "death"})
    with pytest.raises(CauseError, match=r"Unknown cause 'relpase'.*1 = 'relapse'"):
        c.for_cause("relpase")
    with pytest.raises(CauseError, match="Unknown cause 3"):
        mp.cif(c, cause=3)
    plain = mp.Cohort(_small().assign(status=[1, 0, 0, 1, 0, 1, 0, 1]), time="t",
                      event="status")
    with pytest.raises(CauseError, match="needs a cohort with competing causes"):
        mp.cox(plain, "x", cause="relapse")
    with pytest.raises(CauseError, match=r"mp\.cif needs a cohort with competing causes"):
        mp.cif(plain)
    with pytest.raises(ArgumentError, match="'any' has no competitors"):
        mp.gray_test(c, by="arm", cause="any")


# -- cumulative incidence --------------------------------------------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "case", "by"), [("rotterdam", "all", None),
                                          ("rotterdam", "node_pos", "node_pos"),
                                          ("rotterdam", "hormon", "hormon"),
                                          ("mgus2", "male", "male")])
def test_cif_at_times_matches_survfit(name: str, case: str, by: str | None) -> None:
    cohort = _cohort(name)
    res = mp.cif(cohort, by=by)
    assert isinstance(res, CIFResult)
    assert res.conf_type == "log"
    at = ref(f"competing_{name}")["cif"][case]["at"]
    times, groups = arr(at["times"]), [str(g) for g in at["group"]]
    for code, cause in CAUSES.items():
        got = res.at(sorted(set(times)))
        got = got[got["cause"] == cause]
        for g in dict.fromkeys(groups):
            sel = np.array([x == g for x in groups])
            mine = got[got["group"].astype(str) == g]
            last = cohort.data.loc[cohort.data[by].astype(str) == g, "time"].max() if by \
                else cohort.data["time"].max()
            keep = times[sel] <= last
            assert_allclose(mine["n_at_risk"].to_numpy()[keep], arr(at["n_risk"])[sel][keep])
            for col, key in [("cif", "pstate"), ("se", "se"), ("ci_lower", "lower"),
                             ("ci_upper", "upper")]:
                assert_allclose(mine[col].to_numpy()[keep], arr(at[f"{key}_c{code}"])[sel][keep],
                                rtol=1e-10, atol=1e-14)
            assert mine["cif"].to_numpy()[~keep].size == 0 or \
                np.isnan(mine["cif"].to_numpy()[~keep]).all()


@pytest.mark.r_reference
def test_cif_table_matches_the_full_survfit_table(mgus: mp.Cohort) -> None:
    res = mp.cif(mgus, by="male", cause="death")
    r = ref("competing_mgus2")["cif"]["male"]
    groups = np.array([str(g) for g in r["group"]])
    for g in ("0", "1"):
        tab = res.table[res.table["group"].astype(str) == g]
        sel = groups == g
        assert_allclose(tab["time"], arr(r["time"])[sel])
        assert_allclose(tab["n_at_risk"], arr(r["n_risk"])[sel])
        assert_allclose(tab["n_events"], arr(r["nevent_c2"])[sel])
        assert_allclose(tab["n_censored"], arr(r["n_censor"])[sel])
        for col, key in [("cif", "pstate"), ("se", "se"), ("ci_lower", "lower"),
                         ("ci_upper", "upper")]:
            assert_allclose(tab[col], arr(r[f"{key}_c2"])[sel], rtol=1e-10, atol=1e-15)
    assert res.causes == ("death",)
    assert res.events == {"recurrence": 115, "death": 963} or sum(res.events.values()) > 0


@pytest.mark.r_reference
def test_cif_is_below_one_minus_km_on_rotterdam(rott: mp.Cohort) -> None:
    """The issue: 1 - KM of recurrence (deaths censored) overstates its incidence."""
    cif10 = float(mp.cif(rott, cause="recurrence").at([10.0])["cif"].iloc[0])
    km10 = 1 - float(mp.km(rott.for_cause("recurrence")).at([10.0])["survival"].iloc[0])
    r = ref("competing_rotterdam")
    assert km10 == pytest.approx(r["one_minus_km_10y"], rel=1e-12)
    assert cif10 == pytest.approx(0.538687197289495, rel=1e-12)
    assert cif10 < km10


def test_cif_point_estimates_agree_with_lifelines() -> None:
    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"t": rng.exponential(4.0, n), "status": rng.choice([0, 1, 2], n)})
    c = mp.Cohort(df, time="t", event="status", causes={1: "a", 2: "b"})
    res = mp.cif(c, cause="a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ajf = AalenJohansenFitter(calculate_variance=False).fit(df["t"], df["status"], 1)
    theirs = ajf.cumulative_density_.iloc[:, 0]
    times = np.quantile(df["t"], [0.1, 0.3, 0.5, 0.7, 0.9])
    mine = res.at(times)["cif"].to_numpy()
    idx = np.searchsorted(theirs.index.to_numpy(), times, side="right") - 1
    assert_allclose(mine, theirs.to_numpy()[idx], rtol=1e-10)


def test_cif_conf_level_and_types(rott: mp.Cohort) -> None:
    wide = mp.cif(rott, cause=1, conf_level=0.99).at([5.0]).iloc[0]
    narrow = mp.cif(rott, cause=1).at([5.0]).iloc[0]
    assert wide["ci_lower"] < narrow["ci_lower"] < narrow["cif"] < narrow["ci_upper"]
    plain = mp.cif(rott, cause=1, conf_type="plain").at([5.0]).iloc[0]
    assert plain["ci_upper"] - plain["cif"] == pytest.approx(1.959963984540054 * plain["se"])
    with pytest.raises(ArgumentError, match="conf_level"):
        mp.cif(rott, conf_level=95)


def test_cif_reports_the_rows_it_excluded() -> None:
    df = _small()
    df.loc[2, "arm"] = np.nan
    c = mp.Cohort(df, time="t", event="status", id="pid", causes={1: "relapse", 2: "death"})
    res = mp.cif(c, by="arm")
    assert res.n == 7
    assert res.excluded.rows == ("c",)
    assert set(res.to_frame()["cause"]) == {"relapse", "death"}


# -- Gray's test -----------------------------------------------------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize("name", ["rotterdam", "mgus2"])
def test_gray_test_matches_cuminc(name: str) -> None:
    cohort = _cohort(name)
    for case in ref(f"competing_{name}")["gray"]:
        for code, stat, p in zip(case["causes"], case["stat"], case["p"], strict=True):
            res = mp.gray_test(cohort, by=case["by"], cause=CAUSES[int(code)], rho=case["rho"])
            assert isinstance(res, GrayTestResult)
            assert res.chi2 == pytest.approx(stat, rel=1e-10)
            assert res.df == case["df"][0]
            if p > 1e-12:
                assert res.p == pytest.approx(p, rel=1e-8)
            else:   # cuminc's 1 - pchisq(stat) loses it to rounding; ours is the tail
                assert res.p < 1e-12


def test_gray_test_table_and_errors(rott: mp.Cohort) -> None:
    res = mp.gray_test(rott, by="hormon", cause="recurrence")
    assert res.table["n"].sum() == res.n == rott.n
    assert res.table["events"].sum() == res.events == int((rott.status == 1).sum())
    assert res.table["competing"].sum() == int((rott.status == 2).sum())
    with pytest.raises(CohortError, match="at least 2"):
        mp.gray_test(rott.subset(rott.data["hormon"] == 1), by="hormon", cause=1)
    with pytest.raises(ArgumentError, match="rho must be a finite number"):
        mp.gray_test(rott, by="hormon", cause=1, rho=float("nan"))


# -- Fine-Gray and the cause-specific Cox model ----------------------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize("name", ["rotterdam", "mgus2"])
def test_fine_gray_matches_crr(name: str) -> None:
    cohort = _cohort(name)
    for case in ref(f"competing_{name}")["crr"]:
        fit = mp.fine_gray(cohort, case["covariates"], cause=CAUSES[case["cause"]])
        assert isinstance(fit, FineGrayResult)
        assert fit.converged
        s = fit.summary
        assert list(s.index) == case["covariates"]
        assert_allclose(s["coef"], arr(case["coef"]), rtol=1e-9)
        assert_allclose(s["se"], arr(case["se"]), rtol=1e-9)
        z = s["coef"] / s["se"]
        assert_allclose(s["p"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-10)
        assert_allclose(s["ci_lower"], np.exp(s["coef"] - 1.959963984540054 * s["se"]))
        assert fit.loglik == pytest.approx(case["loglik"], rel=1e-12)
        assert fit.to_frame() is fit.summary


def test_fine_gray_categorical_terms_and_missing_rows() -> None:
    df = pd.DataFrame(ref("competing_rotterdam")["data"])
    df["arm"] = np.where(df["hormon"] == 1, "hormonal", "none")
    df.loc[df.index[:3], "age"] = np.nan
    c = mp.Cohort(df, time="time", event="status", causes=CAUSES)
    fit = mp.fine_gray(c, ["age", "arm"], cause="death", reference={"arm": "none"})
    assert list(fit.summary.index) == ["age", "arm[hormonal]"]
    assert fit.n == len(df) - 3
    assert len(fit.excluded) == 3
    assert fit.events + fit.competing <= fit.n


@pytest.mark.r_reference
@pytest.mark.parametrize("name", ["rotterdam", "mgus2"])
def test_cause_specific_cox_matches_coxph(name: str) -> None:
    cohort = _cohort(name)
    for case in ref(f"competing_{name}")["cox_cs"]:
        fit = mp.cox(cohort, case["covariates"], cause=case["cause"])
        assert_allclose(fit.summary["coef"], arr(case["coef"]), rtol=1e-9)
        assert_allclose(fit.summary["se"], arr(case["se"]), rtol=1e-8)


def test_km_and_logrank_take_cause_as_cox_does() -> None:
    """``cause=`` on km/logrank is the cause-specific analysis, the same as on the cohort
    for that cause (whose R agreement the cause-specific Cox fixture covers)."""
    g = mp.datasets.load_gbsg2()
    d = g.data
    d["status"] = (d["cens"] * (1 + (d["age"] > 65))).astype(int)
    c = mp.Cohort(d, time="time", event="status", causes={1: "early", 2: "late"})
    pd.testing.assert_frame_equal(mp.km(c, by="horTh", cause="early").table,
                                  mp.km(c.for_cause("early"), by="horTh").table)
    assert mp.logrank(c, by="horTh", cause="late").chi2 == \
        mp.logrank(c.for_cause("late"), by="horTh").chi2
    with pytest.raises(mp.errors.CauseError):
        mp.km(c, by="horTh")
