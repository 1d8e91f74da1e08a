"""Edge cases of KM, log-rank and Cox, with values worked out by hand or printed by R.

R 4.2.2, survival 3.5-3: ``summary(survfit(Surv(c(1,2,3,3), rep(1,4)) ~ 1))`` prints
survival 0.75/0.50/0.00, std.err 0.217/0.250/NaN, lower 0.426/0.188/NA, upper 1/1/NA.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mirprog as mp


def _cohort(time: list[float], event: list[int], **cols: list[object]) -> mp.Cohort:
    return mp.Cohort(pd.DataFrame({"t": time, "e": event, **cols}), time="t", event="e")


def test_km_curve_reaching_zero_matches_r() -> None:
    res = mp.km(_cohort([1, 2, 3, 3], [1, 1, 1, 1]))
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
    res = mp.km(_cohort([1, 2, 3, 4], [1, 1, 1, 1]))
    assert res.median.loc["all", "median"] == 2.5
    never = mp.km(_cohort([1, 2, 3, 4], [1, 0, 0, 0]))
    assert np.isnan(never.median.loc["all", "median"])


def test_km_at_times_and_censoring_counts() -> None:
    res = mp.km(_cohort([1, 2, 2, 4, 6], [1, 1, 0, 0, 1]))
    assert res.table["n_censored"].tolist() == [0, 1, 1, 0]
    at = res.at([0.5, 2, 3, 7])
    np.testing.assert_allclose(at["survival"].iloc[:3], [1.0, 0.8 * 0.75, 0.6])
    assert at["n_at_risk"].tolist() == [5, 4, 2, 0]
    assert np.isnan(at["survival"].iloc[3])


def test_km_conf_types_and_bad_type() -> None:
    c = _cohort([1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 1])
    ll = mp.km(c, conf_type="log-log").table
    plain = mp.km(c, conf_type="plain").table
    assert (ll["ci_lower"].dropna() <= ll["survival"][ll["ci_lower"].notna()]).all()
    assert (plain["ci_lower"].dropna() >= 0).all()
    assert (plain["ci_upper"].dropna() <= 1).all()
    with pytest.raises(ValueError, match="conf_type"):
        mp.km(c, conf_type="logit")  # type: ignore[arg-type]


def test_grouping_excludes_missing_and_reports(small: mp.Cohort) -> None:
    res = mp.km(small, by="size")
    assert res.n == 7
    assert res.excluded.rows == ("p3",)
    lr = mp.logrank(small.assign(size_high=[1, 1, None, 1, 0, 1, 0, 0]), by="size_high")
    assert lr.n == 7
    assert lr.excluded.summary() == "7 of 8 rows used; 1 excluded: missing size_high (p3)"


def test_logrank_needs_two_groups_and_valid_scores(small: mp.Cohort) -> None:
    one = small.assign(g=1)
    with pytest.raises(mp.CohortError, match="has 1 group"):
        mp.logrank(one, by="g")
    with pytest.raises(mp.CohortError, match="scores must give one number per group"):
        mp.logrank(small, by="grade", trend=True, scores=[1, 2])


def test_logrank_two_groups_by_hand() -> None:
    # group A: events at 1, 3; group B: event at 2, censored 4.  Risk sets by hand.
    c = _cohort([1, 3, 2, 4], [1, 1, 1, 0], g=["A", "A", "B", "B"])
    res = mp.logrank(c, by="g")
    e_a = 2 / 4 + 1 / 3 + 1 / 2   # t=1: 2 of 4; t=2: 1 of 3; t=3: 1 of 2
    v = (2 / 4) * (2 / 4) + (1 / 3) * (2 / 3) + (1 / 2) * (1 / 2)
    assert res.table.loc["A", "expected"] == pytest.approx(e_a)
    assert res.chi2 == pytest.approx((2 - e_a) ** 2 / v)
    assert res.groups == ("A", "B")


def test_p_adjust_matches_r() -> None:
    # p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") and "BH" in R
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(mp.p_adjust(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(mp.p_adjust(p, "bh"), [0.05] * 5)
    np.testing.assert_allclose(mp.p_adjust(p, "bonferroni"), [0.05, 0.1, 0.15, 0.2, 0.25])
    with pytest.raises(ValueError, match="method"):
        mp.p_adjust(p, "fdr")  # type: ignore[arg-type]


def test_cox_monotone_likelihood_is_flagged_not_silent() -> None:
    c = _cohort(list(range(1, 13)), [1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
                x=[1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    with pytest.warns(mp.MonotoneLikelihoodWarning, match="Monotone likelihood for x"):
        fit = mp.cox(c, "x")
    assert fit.monotone == ("x",)
    assert fit.summary.loc["x", "hr"] > 1e5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        uni = mp.univariate(c, ["x"])
    assert bool(uni.table.loc["x", "monotone"])
    assert mp.tables.univariate_table(uni).loc["x", "HR (95% CI)"].startswith("not estimable")


def test_cox_design_errors_and_categoricals(small: mp.Cohort) -> None:
    with pytest.raises(mp.CohortError, match="at least one covariate"):
        mp.cox(small, [])
    with pytest.raises(mp.CohortError, match="single level"):
        mp.cox(small.assign(k="same"), "k")
    with pytest.raises(mp.CohortError, match="collinear or constant"):
        mp.cox(small.assign(m2=small.data["mir"] * 2), ["mir", "m2"])
    with pytest.raises(mp.CohortError, match="Reference level 7"):
        mp.cox(small, "grade", categorical=["grade"], reference={"grade": 7})
    with pytest.raises(mp.CohortError, match="analysis column 'grd'"):
        mp.cox(small, "grd")


def test_cox_categorical_terms_and_reference(gbsg: mp.Cohort) -> None:
    default = mp.cox(gbsg, "tgrade")
    assert default.terms == ("tgrade[II]", "tgrade[III]")
    flipped = mp.cox(gbsg, "tgrade", reference={"tgrade": "III"})
    assert flipped.terms == ("tgrade[I]", "tgrade[II]")
    assert flipped.loglik == pytest.approx(default.loglik, rel=1e-12)
    np.testing.assert_allclose(flipped.summary.loc["tgrade[I]", "coef"],
                               -default.summary.loc["tgrade[III]", "coef"], rtol=1e-7)
    numeric = gbsg.assign(grade_num=gbsg.data["tgrade"].cat.codes + 1)
    forced = mp.cox(numeric, "grade_num", categorical=["grade_num"])
    assert forced.terms == ("grade_num[2]", "grade_num[3]")
    np.testing.assert_allclose(forced.summary["coef"].to_numpy(),
                               default.summary["coef"].to_numpy(), rtol=1e-10)
    assert default.aic == pytest.approx(default.neg2loglik + 4)


def test_univariate_rows(gbsg: mp.Cohort) -> None:
    res = mp.univariate(gbsg, ["horTh", "tgrade", "age"])
    assert list(res.table.index) == ["horTh[yes]", "tgrade[II]", "tgrade[III]", "age"]
    assert res.table.loc["tgrade[II]", "logrank_df"] == 2
    assert np.isnan(res.table.loc["age", "logrank_chi2"])
    assert res.table.loc["horTh[yes]", "logrank_chi2"] == pytest.approx(
        mp.logrank(gbsg, "horTh").chi2)
    assert (res.table["n"] == 686).all()
