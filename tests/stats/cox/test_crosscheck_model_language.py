"""Strata, case weights, robust / cluster SEs, interactions and (start, stop] data against
statsmodels ``PHReg`` and lifelines ``CoxPHFitter`` / ``CoxTimeVaryingFitter``.

The R fixtures (tests/stats/cox/test_coxph_strata_weights.py, tests/_engine/test_counting.py)
pin these fits to R to rounding; here two independent Python implementations check them
too.  Each comparison uses the tolerance the other tool actually reaches, measured with
statsmodels 0.15.0 and lifelines 0.30.3 (largest relative difference in brackets):

* statsmodels: coefficients and model SEs agree to rounding [3e-9; its Newton stops
  later than R's rule on rotterdam].  Its sandwich (``fit(groups=)``) is R's with Breslow
  ties [4e-15]; with Efron ties its score residuals spread tied events as Breslow does,
  so on tied data its robust SE is off by up to 7e-3 (veteran) and is checked on untied
  data [3e-10].  Its ``entry=`` puts a row that enters at an event time in that event's
  risk set (R: ``start < t``); shifting the entry times by 1e-6, below the data's
  0.5-day grid, gives R's risk sets and agreement to 2e-12 (unshifted the transplant
  coefficient moves by 4.8).  Its score residuals are NaN for rows censored before the
  first event, so its robust SE is NaN on gbsg2: not used there.
* lifelines: coefficients to its convergence tolerance [2e-6 relative, 1e-6 absolute],
  SEs [1e-7].  Its robust SE is *not* R's times a scale factor (the ratios on lung are
  0.9989, 1.0011, 0.9996): lifelines' sandwich ignores ties (its ``robust=`` docstring:
  "This does not handle ties"), so on tied data it is off by up to 1.1e-3 (lung,
  cluster) and 2.5e-4 (gbsg2, weights); on the same data with ties broken it agrees to
  8e-7.  With case weights its Efron spreads tied events' weights differently from R's
  (coefficients 1e-6 apart, absolute).  ``CoxTimeVaryingFitter`` (Efron) agrees with the
  engine's ``entry=`` to 2e-12 [SE 4e-8]; it has no robust SE.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog._engine.cox_robust import robust_variance
from mirprog._engine.coxph import fit_cox, risk_sets
from tests._reference import REF, ref

pytestmark = pytest.mark.crosscheck
TIES = ["breslow", "efron"]
HEART_COVS = ["age", "year", "surgery", "transplant"]

# --------------------------------------------------------------------------- data


def _veteran() -> pd.DataFrame:
    return pd.DataFrame(ref("coxph_strata_veteran")["data"])


def _lung(untied: bool = False) -> pd.DataFrame:
    d = pd.DataFrame(ref("coxph_cluster_lung")["data"])
    # ties broken by id / 1000 days: far above timefix's 1.5e-8 relative, far below a day
    return d.assign(time=d["time"] + d["id"] * 1e-3) if untied else d


def _rotterdam() -> pd.DataFrame:
    return pd.read_csv(REF / "rotterdam.csv")


def _gbsg2_weighted(untied: bool = False) -> pd.DataFrame:
    d = mp.datasets.load_gbsg2().data.merge(pd.DataFrame(ref("coxph_weights_gbsg2")["data"]),
                                            on="id")
    d = d.assign(horTh=(d["horTh"] == "yes").astype(float))
    return d.assign(time=d["time"] + d["id"] * 1e-3) if untied else d


def _heart() -> pd.DataFrame:
    return pd.DataFrame(ref("coxph_counting_heart")["data"])


# name -> (frame, time, event, id, covariates, strata)
STRATIFIED: dict[str, tuple[Callable[[], pd.DataFrame], str, str, str, list[str], str]] = {
    "veteran-celltype": (_veteran, "time", "status", "id", ["trt", "karno", "age"], "celltype"),
    "rotterdam-grade": (_rotterdam, "dtime", "death", "pid", ["hormon", "nodes"], "grade"),
}


def _cohort(d: pd.DataFrame, time: str, event: str, id_: str = "id") -> mp.Cohort:
    return mp.Cohort(d, time=time, event=event, id=id_)


def _rel(a: Any, b: Any) -> np.ndarray:
    return np.abs(np.asarray(a, float) / np.asarray(b, float) - 1)


# --------------------------------------------------------------------------- statsmodels


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("case", list(STRATIFIED))
def test_strata_match_statsmodels(case: str, ties: str) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    make, time, event, id_, covs, stratum = STRATIFIED[case]
    d = make()
    fit = mp.cox(_cohort(d, time, event, id_), covs, strata=stratum, ties=ties)
    sm = PHReg(d[time], d[covs], status=d[event], strata=d[stratum], ties=ties).fit()
    np.testing.assert_allclose(fit.summary["coef"], sm.params, rtol=1e-7)
    np.testing.assert_allclose(fit.summary["se"], sm.bse, rtol=1e-7)
    assert fit.loglik == pytest.approx(sm.llf, rel=1e-10)


def test_robust_by_patient_matches_statsmodels_groups() -> None:
    """robust=True is the sandwich with one cluster per row (Breslow ties: see the header)."""
    from statsmodels.duration.hazard_regression import PHReg

    d = _veteran()
    covs = ["trt", "karno", "age"]
    fit = mp.cox(_cohort(d, "time", "status"), covs, strata="celltype", robust=True)
    sm = PHReg(d["time"], d[covs], status=d["status"], strata=d["celltype"]).fit(groups=d["id"])
    np.testing.assert_allclose(fit.summary["se"], sm.bse, rtol=1e-9)
    naive = PHReg(d["time"], d[covs], status=d["status"], strata=d["celltype"]).fit()
    np.testing.assert_allclose(fit.summary["naive_se"], naive.bse, rtol=1e-9)
    np.testing.assert_allclose(fit.vcov.to_numpy(), sm.cov_params(), rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize("ties", TIES)
def test_cluster_matches_statsmodels_groups(ties: str) -> None:
    """The cluster sandwich on lung by institution: tied data with Breslow, untied with both."""
    from statsmodels.duration.hazard_regression import PHReg

    covs = ["age", "sex", "ph.ecog"]
    datasets = [_lung(untied=True)] + ([_lung()] if ties == "breslow" else [])
    for d in datasets:
        fit = mp.cox(_cohort(d, "time", "event"), covs, cluster="inst", ties=ties)
        sm = PHReg(d["time"], d[covs], status=d["event"], ties=ties).fit(groups=d["inst"])
        np.testing.assert_allclose(fit.summary["coef"], sm.params, rtol=1e-7)
        np.testing.assert_allclose(fit.summary["se"], sm.bse, rtol=1e-8)


@pytest.mark.parametrize("spec", ["horTh:age", "horTh*age"])
def test_interaction_matches_statsmodels_product_column(spec: str) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    d = mp.datasets.load_gbsg2().data
    yes = (d["horTh"] == "yes").astype(float)
    x = pd.DataFrame({"horTh": yes, "age": d["age"], "horTh:age": yes * d["age"]})
    if ":" in spec:  # no main effect of age: horTh gets every level, as R's model.matrix
        x = pd.DataFrame({"no:age": (1 - yes) * d["age"], "yes:age": yes * d["age"]})
    fit = mp.cox(mp.datasets.load_gbsg2(), [spec], ties="efron")
    sm = PHReg(d["time"], x, status=d["cens"], ties="efron").fit()
    np.testing.assert_allclose(fit.summary["coef"], sm.params, rtol=1e-7)
    np.testing.assert_allclose(fit.summary["se"], sm.bse, rtol=1e-7)


def _heart_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    h = _heart()
    return (h["stop"].to_numpy(float), h["event"].to_numpy(), h[HEART_COVS].to_numpy(float),
            h["start"].to_numpy(float), pd.factorize(h["id"])[0])


@pytest.mark.parametrize("ties", TIES)
def test_entry_matches_statsmodels(ties: str) -> None:
    """(start, stop] heart data: statsmodels' entry= with R's ``start < t`` (header)."""
    from statsmodels.duration.hazard_regression import PHReg

    t, e, x, start, patient = _heart_arrays()
    fit = fit_cox(t, e, x, ties, entry=start)
    sm = PHReg(t, x, status=e, entry=start + 1e-6, ties=ties).fit()
    np.testing.assert_allclose(fit.coef, sm.params, rtol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var)), sm.bse, rtol=1e-9)
    assert fit.loglik == pytest.approx(sm.llf, rel=1e-12)
    # unshifted, statsmodels has a row entering at t at risk at t: not R's model
    at_entry = PHReg(t, x, status=e, entry=start, ties=ties).fit()
    assert np.max(np.abs(at_entry.params - fit.coef)) > 1e-2
    if ties == "breslow":  # Efron: statsmodels' score residuals, see the header
        rs = risk_sets(t, e, ties, entry=start)
        v = robust_variance(fit.coef, fit.var, (x - fit.means)[rs.order], rs, t[rs.order],
                            patient)
        by_patient = PHReg(t, x, status=e, entry=start + 1e-6, ties=ties).fit(groups=patient)
        np.testing.assert_allclose(np.sqrt(np.diag(v)), by_patient.bse, rtol=1e-9)


# --------------------------------------------------------------------------- lifelines


@pytest.mark.parametrize("case", list(STRATIFIED))
def test_strata_match_lifelines(case: str) -> None:
    from lifelines import CoxPHFitter

    make, time, event, id_, covs, stratum = STRATIFIED[case]
    d = make()
    fit = mp.cox(_cohort(d, time, event, id_), covs, strata=stratum, ties="efron")
    cph = CoxPHFitter().fit(d[[time, event, *covs, stratum]], time, event, strata=[stratum])
    # lifelines stops at its own convergence tolerance: coefficients 2e-6 apart
    np.testing.assert_allclose(fit.summary["coef"], cph.params_[covs], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], cph.standard_errors_[covs], rtol=1e-6)


@pytest.mark.parametrize(("untied", "se_rtol"), [(True, 1e-5), (False, 1e-3)],
                         ids=["untied", "tied"])
def test_weights_robust_match_lifelines(untied: bool, se_rtol: float) -> None:
    """weights_col= with robust=True: R's sandwich untied; lifelines ignores ties (header)."""
    from lifelines import CoxPHFitter

    d = _gbsg2_weighted(untied)
    covs = ["horTh", "age", "tsize"]
    fit = mp.cox(_cohort(d, "time", "cens"), covs, weights="w", robust=True, ties="efron")
    cph = CoxPHFitter().fit(d[["time", "cens", *covs, "w"]], "time", "cens", weights_col="w",
                            robust=True)
    np.testing.assert_allclose(fit.summary["coef"], cph.params_[covs], rtol=1e-4, atol=5e-6)
    np.testing.assert_allclose(fit.summary["se"], cph.standard_errors_[covs], rtol=se_rtol)
    # the robust SE is not the model-based one here (weights 1-3): the check has teeth
    assert np.max(_rel(fit.summary["naive_se"], cph.standard_errors_[covs])) > 0.1


@pytest.mark.parametrize(("untied", "se_rtol"), [(True, 1e-6), (False, 3e-3)],
                         ids=["untied", "tied"])
def test_cluster_matches_lifelines(untied: bool, se_rtol: float) -> None:
    from lifelines import CoxPHFitter

    d = _lung(untied)
    covs = ["age", "sex", "ph.ecog"]
    fit = mp.cox(_cohort(d, "time", "event"), covs, cluster="inst", ties="efron")
    cph = CoxPHFitter().fit(d[["time", "event", *covs, "inst"]], "time", "event",
                            cluster_col="inst")
    np.testing.assert_allclose(fit.summary["coef"], cph.params_[covs], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], cph.standard_errors_[covs], rtol=se_rtol)


@pytest.mark.parametrize("stratified", [False, True], ids=["plain", "strata-surgery"])
def test_entry_matches_lifelines_time_varying(stratified: bool) -> None:
    from lifelines import CoxTimeVaryingFitter

    h = _heart()
    t, e, x, start, _ = _heart_arrays()
    covs = [c for c in HEART_COVS if not (stratified and c == "surgery")]
    cols = [HEART_COVS.index(c) for c in covs]
    strata = h["surgery"].to_numpy(np.int64) if stratified else None
    fit = fit_cox(t, e, x[:, cols], "efron", entry=start, strata=strata)
    ctv = CoxTimeVaryingFitter().fit(h, id_col="id", event_col="event", start_col="start",
                                     stop_col="stop", strata=["surgery"] if stratified else None)
    np.testing.assert_allclose(fit.coef, ctv.params_[covs], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.var)), ctv.standard_errors_[covs], rtol=1e-6)
    assert fit.loglik == pytest.approx(ctv.log_likelihood_, rel=1e-10)
