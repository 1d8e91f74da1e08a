"""Continuous markers: log2 Cox (HR per doubling) and restricted cubic splines.

Expected values: R 4.2.2, survival 3.5.3, rms 6.5.0 (Hmisc 4.8.0), written by
``tests/reference/continuous_reference.R`` to ``continuous_coxph_gbsg2.json``:

* ``coxph(Surv(time, cens) ~ log2(x + offset) [+ adjust])`` on GBSG2 (rows
  with x + offset <= 0 removed in R), Breslow and Efron ties;
* ``coxph`` on the basis ``rms::rcs(<transformed x>, nk)`` (Harrell's default
  knots, incl. the many-zeros rule for progrec, the n < 100 rule, user knots,
  an adjusted model) and on the linear term, the LR test of non-linearity,
  and the log relative hazard (with se) at grid values vs the median; for
  unadjusted default-knot cases also ``cph(S ~ rcs(x, nk))`` as a cross-check.

Tolerance 1e-6 (relative) throughout; observed agreement is ~1e-12.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.present.plots import spline_plot
from mirprog.stats.cox.continuous import (
    NonPositiveMarkerWarning,
    SplineCoxResult,
    continuous_cox,
    rcs_basis,
    rcs_knots,
    spline_cox,
)

matplotlib.use("Agg")

REF = Path(__file__).resolve().parents[2] / "reference"
RTOL = 1e-6
with open(REF / "continuous_coxph_gbsg2.json") as _fh:
    _REF = json.load(_fh)
CONT, SPLINE = _REF["continuous"], _REF["spline"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CONT, ids=[c["id"] for c in CONT])
def test_continuous_matches_r_coxph(gbsg: mp.Cohort, case: dict[str, Any]) -> None:
    if case["excluded_ids"]:
        with pytest.warns(NonPositiveMarkerWarning, match=r"88 row\(s\) with progrec \+ 0 <= 0"):
            fit = continuous_cox(gbsg, case["marker"], transform=case["transform"],
                                 offset=case["offset"], ties=case["ties"], adjust=case["adjust"])
    else:
        fit = continuous_cox(gbsg, case["marker"], transform=case["transform"],
                             offset=case["offset"], ties=case["ties"], adjust=case["adjust"])
    assert_allclose(fit.summary["coef"], case["coef"], rtol=RTOL)
    assert_allclose(fit.summary["se"], case["se"], rtol=RTOL)
    assert_allclose(fit.summary["p"], case["p"], rtol=RTOL, atol=1e-300)
    assert_allclose([fit.loglik_null, fit.loglik], case["loglik"], rtol=1e-9)
    assert (fit.n, fit.events) == (case["n"], case["events"])
    assert fit.concordance == pytest.approx(case["concordance"], rel=1e-9)
    assert sorted(fit.excluded.rows) == case["excluded_ids"]


def test_hr_per_doubling(gbsg: mp.Cohort) -> None:
    """exp(coef) of log2(x) is the HR for a two-fold increase, whatever the unit of x."""
    fit = continuous_cox(gbsg, "progrec", offset=1)
    term = "log2(progrec + 1)"
    assert fit.terms == (term,)
    coef = fit.summary["coef"].to_numpy(float)[0]
    assert fit.summary.loc[term, "hr"] == pytest.approx(np.exp(coef), rel=1e-15)
    # doubling x multiplies the hazard by exp(coef): the linear predictor rises by coef
    x = gbsg.data["progrec"].to_numpy() + 1.0
    assert np.allclose(np.log2(2 * x) * coef - np.log2(x) * coef, coef)
    # rescaling the marker (e.g. another normaliser) leaves the per-doubling HR unchanged
    scaled = gbsg.assign(progrec10=10 * (gbsg.data["progrec"] + 1))
    other = continuous_cox(scaled, "progrec10")
    assert other.summary["coef"].iloc[0] == pytest.approx(coef, rel=1e-9)
    # log and log2 models are the same model: coef_log = coef_log2 / ln 2
    natural = continuous_cox(gbsg, "progrec", transform="log", offset=1)
    assert natural.summary["coef"].iloc[0] == pytest.approx(coef / np.log(2), rel=1e-9)
    assert natural.loglik == pytest.approx(fit.loglik, rel=1e-12)
    raw = continuous_cox(gbsg, "age", transform="raw")
    assert raw.summary.equals(mp.cox(gbsg, "age").summary)


def test_non_positive_and_missing_values_are_excluded_with_reasons(gbsg: mp.Cohort) -> None:
    data = gbsg.data
    data.loc[[1, 2], "progrec"] = np.nan
    data.loc[3, "progrec"] = -1.0
    cohort = mp.Cohort(data, time="time", event="cens", id="id")
    with pytest.warns(NonPositiveMarkerWarning, match=r"Pass offset=1 \(log2\(progrec \+ 1\)\)"):
        fit = continuous_cox(cohort, "progrec", adjust=["horTh"])
    ledger = fit.excluded.to_frame().set_index("row")
    assert (ledger["column"] == "progrec").all()
    assert ledger.loc[[1, 2], "reason"].tolist() == ["missing", "missing"]
    assert (ledger.drop(index=[1, 2])["reason"] == "non-positive").all()
    n_nonpos = int((data["progrec"] <= 0).sum())
    assert len(ledger) == 2 + n_nonpos
    assert fit.n == 686 - 2 - n_nonpos
    assert "non-positive progrec" in fit.excluded.summary()
    with pytest.warns(NonPositiveMarkerWarning, match=r"1 row\(s\) with progrec \+ 1 <= 0 \(3\)"):
        shifted = continuous_cox(cohort, "progrec", offset=1)
    assert shifted.excluded.to_frame()["reason"].tolist() == ["missing", "missing",
                                                              "non-positive"]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"transform": "sqrt"}, ValueError, "transform must be 'log2', 'log' or 'raw'"),
    ({"offset": -1.0}, ValueError, "offset must be a finite number >= 0"),
    ({"transform": "raw", "offset": 1.0}, ValueError, "0 for 'raw'"),
    ({"marker": "horTh"}, mp.CohortError, "marker 'horTh' must be numeric"),
    ({"marker": "progrek"}, mp.CohortError, "Did you mean 'progrec'"),
])
def test_continuous_errors(gbsg: mp.Cohort, kwargs: dict[str, Any], error: type,
                           match: str) -> None:
    args = {"marker": "progrec", "offset": 1.0, **kwargs}
    marker = args.pop("marker")
    with pytest.raises(error, match=match):
        continuous_cox(gbsg, marker, **args)


# -- splines ---------------------------------------------------------------------------------

def _spline(gbsg: mp.Cohort, case: dict[str, Any]) -> SplineCoxResult:
    cohort = gbsg if case["rows"] is None else gbsg.subset(gbsg.data["id"].isin(case["rows"]))
    return spline_cox(cohort, case["marker"], n_knots=case["nk"], knots=case["knots_given"],
                      transform=case["transform"], offset=case["offset"], ties=case["ties"],
                      adjust=case["adjust"], grid=case["grid"])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SPLINE, ids=[c["id"] for c in SPLINE])
def test_spline_matches_r_rcs(gbsg: mp.Cohort, case: dict[str, Any]) -> None:
    sp = _spline(gbsg, case)
    assert_allclose(sp.knots, case["knots"], rtol=1e-12)
    assert sp.fit.n == case["n"]
    assert_allclose(sp.fit.summary["coef"], case["coef"], rtol=RTOL)
    assert_allclose(sp.fit.summary["se"], case["se"], rtol=RTOL)
    assert_allclose([sp.fit.loglik_null, sp.fit.loglik], case["loglik"], rtol=1e-9)
    assert sp.linear.loglik == pytest.approx(case["loglik_linear"], rel=1e-9)
    assert_allclose(sp.linear.summary["coef"], case["coef_linear"], rtol=RTOL)
    assert sp.nonlinear_chi2 == pytest.approx(case["nonlinear_chi2"], rel=RTOL)
    assert sp.nonlinear_df == case["nonlinear_df"]
    assert sp.nonlinear_p == pytest.approx(case["nonlinear_p"], rel=RTOL)
    assert sp.reference == case["reference"]
    assert_allclose(sp.curve["value"], case["grid"], rtol=1e-15)
    assert_allclose(sp.curve["log_hr"], case["log_hr"], rtol=RTOL, atol=1e-12)
    assert_allclose(sp.curve["se"], case["log_hr_se"], rtol=RTOL, atol=1e-12)
    if "cph_coef" in case:  # the same model through rms::cph
        assert_allclose(sp.fit.summary["coef"], case["cph_coef"], rtol=RTOL)
        assert_allclose([sp.fit.loglik_null, sp.fit.loglik], case["cph_loglik"], rtol=1e-9)


def test_spline_terms_curve_and_method(gbsg: mp.Cohort) -> None:
    sp = spline_cox(gbsg, "progrec", offset=1, grid=50)
    assert sp.fit.terms == ("log2(progrec + 1)", "log2(progrec + 1)'", "log2(progrec + 1)''")
    assert sp.linear.terms == ("log2(progrec + 1)",)
    curve = sp.curve
    assert list(curve.columns) == ["value", "x", "log_hr", "se", "ci_lower", "ci_upper"]
    assert len(curve) == 50
    assert curve["x"].iloc[0] == pytest.approx(sp.observed.min())
    assert curve["x"].iloc[-1] == pytest.approx(sp.observed.max())
    assert curve["value"].iloc[0] == pytest.approx(0.0, abs=1e-9)  # min progrec, on its scale
    assert (curve["ci_lower"] <= curve["log_hr"]).all()
    assert (curve["log_hr"] <= curve["ci_upper"]).all()
    at_ref = sp.log_hazard_ratio([sp.reference])
    assert at_ref["log_hr"].iloc[0] == 0.0
    assert at_ref["se"].iloc[0] == 0.0
    assert sp.reference == float(np.median(gbsg.data["progrec"]))
    pd.testing.assert_frame_equal(sp.log_hazard_ratio(curve["value"]), curve)
    assert sp.to_frame() is curve
    assert "non-linearity LR chi2" in repr(sp)
    assert sp.nonlinear_chi2 == pytest.approx(2 * (sp.fit.loglik - sp.linear.loglik))
    other_ref = spline_cox(gbsg, "progrec", offset=1, reference_value=100.0, grid=[100.0])
    assert other_ref.curve["log_hr"].iloc[0] == 0.0


def test_rcs_basis_is_linear_beyond_the_outer_knots() -> None:
    knots = np.array([1.0, 2.5, 4.0, 7.0, 9.0])
    left = rcs_basis([-3.0, -2.0, -1.0], knots)
    right = rcs_basis([10.0, 11.0, 12.0], knots)
    assert_allclose(left[:, 1:], 0.0)
    assert_allclose(np.diff(right, n=2, axis=0), 0.0, atol=1e-9)
    inside = rcs_basis([3.0, 4.0, 5.0], knots)
    assert np.abs(np.diff(inside, n=2, axis=0)[0, 1:]).max() > 1e-3  # curved between knots
    eps = 1e-7  # continuous at every knot
    assert_allclose(rcs_basis(knots - eps, knots), rcs_basis(knots + eps, knots), atol=1e-6)


@pytest.mark.parametrize(("n_knots", "probs"), [
    (3, [0.1, 0.5, 0.9]), (4, [0.05, 0.35, 0.65, 0.95]), (5, [0.05, 0.275, 0.5, 0.725, 0.95]),
])
def test_rcs_knots_at_harrells_quantiles(n_knots: int, probs: list[float]) -> None:
    x = np.random.default_rng(0).normal(size=500)
    assert_allclose(rcs_knots(x, n_knots), np.quantile(x, probs), rtol=1e-15)
    small = np.sort(x[:60])  # fewer than 100 values: outer knots at the 5th extremes
    kn = rcs_knots(small, n_knots)
    assert (kn[0], kn[-1]) == (small[4], small[-5])


@pytest.mark.parametrize(("x", "kwargs", "match"), [
    (np.arange(6.0), {"n_knots": 4}, "too few for 4 knots"),
    (np.r_[np.zeros(50), np.ones(50), np.arange(2.0, 12.0)], {"n_knots": 5},
     "distinct .*knots"),
])
def test_rcs_knots_raise_where_r_would_change_rules(x: np.ndarray, kwargs: dict[str, Any],
                                                    match: str) -> None:
    with pytest.raises(mp.CohortError, match=match):
        rcs_knots(x, **kwargs)


def test_spline_errors(gbsg: mp.Cohort) -> None:
    with pytest.raises(ValueError, match="n_knots must be >= 3"):
        spline_cox(gbsg, "progrec", offset=1, n_knots=2)
    with pytest.raises(ValueError, match="at least 3 distinct knots"):
        spline_cox(gbsg, "progrec", offset=1, knots=[2.0, 5.0, 5.0])


def test_spline_plot_reads_the_result(gbsg: mp.Cohort) -> None:
    sp = spline_cox(gbsg, "progrec", offset=1, grid=30)
    fig = spline_plot(sp)
    ax = fig.axes[0]
    assert "non-linearity" in ax.get_title()
    assert ax.get_xlabel() == "log2(progrec + 1)"
    assert_allclose(np.asarray(ax.lines[0].get_ydata(), dtype=float), sp.curve["log_hr"])
    plt.close(fig)
    fig2, ax2 = plt.subplots()
    assert spline_plot(sp, ax=ax2) is fig2
    plt.close(fig2)
