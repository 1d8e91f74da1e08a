"""Stratified, weighted and robust / cluster Cox fits: R fixtures, cross-checks, properties, errors.

Fixtures: tests/reference/coxph_terms_reference.R (R survival ``coxph`` with
``strata()``, ``weights=``, ``robust=TRUE`` and ``cluster()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.errors import ArgumentError, CohortError
from tests._reference import close, ref

# --------------------------------------------------------------------------- cohorts


def _veteran() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(ref("coxph_strata_veteran")["data"]), time="time",
                     event="status", id="id")


def _lung() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(ref("coxph_cluster_lung")["data"]), time="time",
                     event="event", id="id")


def _gbsg2_weighted() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    w = pd.DataFrame(ref("coxph_weights_gbsg2")["data"])
    data = g.data.merge(w, on="id")
    return mp.Cohort(data, time="time", event="cens", id="id")


FITS: dict[str, tuple[Any, dict[str, Any]]] = {
    "strata": (_veteran, {"covariates": ["trt", "karno", "age"], "strata": "celltype"}),
    "strata-robust": (_veteran, {"covariates": ["trt", "karno", "age"], "strata": "celltype",
                                 "robust": True}),
    "robust": (_veteran, {"covariates": ["karno", "age"], "robust": True}),
    "cluster": (_lung, {"covariates": ["age", "sex", "ph.ecog"], "cluster": "inst"}),
    "cluster-strata": (_lung, {"covariates": ["age", "sex"], "strata": "ph.ecog",
                               "cluster": "inst"}),
    "weights": (_gbsg2_weighted, {"covariates": ["horTh", "age", "tsize"], "weights": "w"}),
    "weights-strata-robust": (_gbsg2_weighted, {"covariates": ["horTh", "age", "tsize"],
                                                "weights": "w", "strata": "tgrade",
                                                "robust": True}),
}
FIXTURES = ("coxph_strata_veteran", "coxph_cluster_lung", "coxph_weights_gbsg2")
CASES = [c for f in FIXTURES for c in ref(f)["cases"]]

# --------------------------------------------------------------------------- R reference


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_r_coxph(case: dict[str, Any]) -> None:
    kind = case["id"].rsplit("-", 1)[0]
    make, kwargs = FITS[kind]
    fit = mp.cox(make(), ties=case["ties"], **kwargs)
    close(fit.summary["coef"], case["coef"], "coef")
    close(fit.vcov.to_numpy(), np.array(case["var"]), "var (robust when robust)")
    close(fit.summary["se"], np.sqrt(np.diag(np.array(case["var"]))), "se")
    close([fit.loglik_null, fit.loglik], case["loglik"], "loglik")
    close(fit.score_chi2, case["score"], "score test")
    close(fit.wald_chi2, case["wald"], "Wald test")
    close(fit.means, case["means"], "means")
    assert (fit.n, fit.events) == (case["n"], case["nevent"])
    assert fit.robust is case["robust"]
    if case["robust"]:
        close(fit.naive_vcov.to_numpy(), np.array(case["naive_var"]), "naive var")
        close(fit.summary["naive_se"], np.sqrt(np.diag(np.array(case["naive_var"]))),
              "naive se")
        close(fit.robust_score_chi2, case["rscore"], "robust score test")
    else:
        assert "naive_se" not in fit.summary
        assert np.isnan(fit.robust_score_chi2)
    conc = fit.concordance_counts
    r = case["concordance"]
    # the pair counts hinge on exact ties of the linear predictor: in the weighted fit one
    # near-tied pair (weight up to 3 x 3) falls the other side of the rounding than in R
    got = [conc[k] for k in ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")]
    slack = 9 if "weights" in kind else 0
    assert np.max(np.abs(np.array(got) - np.array(r[:5]))) <= slack
    assert fit.concordance == pytest.approx(r[5], abs=1e-5)


# --------------------------------------------------------------------------- cross-checks


@pytest.mark.crosscheck
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_strata_and_cluster_match_statsmodels(ties: str) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    d = pd.DataFrame(ref("coxph_cluster_lung")["data"])
    fit = mp.cox(_lung(), ["age", "sex"], strata="ph.ecog", ties=ties)
    sm = PHReg(d["time"], d[["age", "sex"]], status=d["event"], strata=d["ph.ecog"],
               ties=ties).fit()
    np.testing.assert_allclose(fit.summary["coef"], sm.params, rtol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], sm.bse, rtol=1e-6)
    rob = PHReg(d["time"], d[["age", "sex"]], status=d["event"], strata=d["ph.ecog"],
                ties=ties).fit(groups=d["inst"])
    fit_r = mp.cox(_lung(), ["age", "sex"], strata="ph.ecog", ties=ties, cluster="inst")
    np.testing.assert_allclose(fit_r.summary["coef"], rob.params, rtol=1e-6)
    if ties == "breslow":  # the same sandwich; statsmodels' Efron score residuals are not
        #                    R's (2e-4 apart), ours are R's to 1e-13 (the fixtures above)
        np.testing.assert_allclose(fit_r.summary["se"], rob.bse, rtol=1e-6)


@pytest.mark.crosscheck
def test_weights_match_lifelines() -> None:
    from lifelines import CoxPHFitter

    c = _gbsg2_weighted()
    d = c.data.assign(horTh=(c.data["horTh"] == "yes").astype(float))
    cph = CoxPHFitter().fit(d[["time", "cens", "horTh", "age", "tsize", "w"]],
                            duration_col="time", event_col="cens", weights_col="w")
    fit = mp.cox(c, ["horTh", "age", "tsize"], weights="w", ties="efron")
    # lifelines spreads tied events' weights differently from R's coxfit6 (R: each of the
    # d tied events carries the group's mean weight): agreement to ~1e-6, not to rounding
    np.testing.assert_allclose(fit.summary["coef"], cph.params_, rtol=1e-4, atol=5e-6)


# --------------------------------------------------------------------------- properties


@pytest.mark.property
def test_integer_weights_equal_duplicated_rows() -> None:
    """With Breslow ties a weight k is k copies of the row (with Efron it is not, in R
    either: the tied copies would change Efron's d)."""
    ties = "breslow"
    c = _gbsg2_weighted()
    fit_w = mp.cox(c, ["horTh", "age", "tsize"], weights="w", strata="tgrade", ties=ties)
    d = c.data.loc[c.data.index.repeat(c.data["w"])].reset_index(drop=True)
    d["id"] = np.arange(len(d))
    fit_d = mp.cox(mp.Cohort(d, time="time", event="cens", id="id"),
                   ["horTh", "age", "tsize"], strata="tgrade", ties=ties)
    np.testing.assert_allclose(fit_w.summary["coef"], fit_d.summary["coef"], rtol=1e-9)
    np.testing.assert_allclose(fit_w.summary["se"], fit_d.summary["se"], rtol=1e-9)
    assert fit_w.loglik == pytest.approx(fit_d.loglik, rel=1e-12)


@pytest.mark.property
def test_one_stratum_is_the_unstratified_fit() -> None:
    c = _veteran()
    one = mp.Cohort(c.data.assign(s="all"), time="time", event="status", id="id")
    a = mp.cox(one, ["karno", "age"], strata="s")
    b = mp.cox(c, ["karno", "age"])
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.strata == ("s",)
    assert b.strata == ()


@pytest.mark.property
def test_strata_given_as_two_columns_are_their_combinations() -> None:
    c = _veteran()
    d = c.data.assign(old=(c.data["age"] > 60).astype(int))
    two = mp.cox(mp.Cohort(d, time="time", event="status", id="id"), ["karno"],
                 strata=["celltype", "old"])
    d["combo"] = d["celltype"] + d["old"].astype(str)
    one = mp.cox(mp.Cohort(d, time="time", event="status", id="id"), ["karno"],
                 strata="combo")
    np.testing.assert_allclose(two.summary["coef"], one.summary["coef"], rtol=1e-12)
    assert len(two.strata_levels) == 8


# --------------------------------------------------------------------------- bad input


def test_negative_weight_is_refused_with_its_rows() -> None:
    c = _gbsg2_weighted()
    d = c.data.copy()
    d.loc[d["id"] == 5, "w"] = -1
    with pytest.raises(CohortError, match=r"'w'.*negative.*5"):
        mp.cox(mp.Cohort(d, time="time", event="cens", id="id"), ["age"], weights="w")


def test_missing_cluster_is_an_error_not_an_exclusion() -> None:
    d = pd.DataFrame(ref("coxph_cluster_lung")["data"])
    d.loc[d["id"] == 3, "inst"] = np.nan
    with pytest.raises(CohortError, match=r"'inst'.*missing.*3"):
        mp.cox(mp.Cohort(d, time="time", event="event", id="id"), ["age"], cluster="inst")


def test_stratum_without_events_is_refused() -> None:
    c = _veteran()
    d = c.data.copy()
    d.loc[d["celltype"] == "large", "status"] = 0
    with pytest.raises(CohortError, match=r"large.*no events"):
        mp.cox(mp.Cohort(d, time="time", event="status", id="id"), ["karno"],
               strata="celltype")


def test_stratum_that_is_also_a_covariate_is_refused() -> None:
    with pytest.raises(CohortError, match="both a covariate and a stratum"):
        mp.cox(_veteran(), ["karno", "celltype"], strata="celltype")


def test_firth_refuses_weights() -> None:
    with pytest.raises(ArgumentError, match="firth"):
        mp.cox(_gbsg2_weighted(), ["age"], weights="w", firth=True)


def test_rows_missing_a_stratum_are_excluded_and_reported() -> None:
    d = _veteran().data.copy()
    d.loc[d["id"].isin([1, 2]), "celltype"] = None
    fit = mp.cox(mp.Cohort(d, time="time", event="status", id="id"), ["karno"],
                 strata="celltype")
    assert fit.n == 135
    assert set(fit.excluded.rows) == {1, 2}
