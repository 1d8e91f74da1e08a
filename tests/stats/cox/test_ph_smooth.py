"""The smoothed beta(t) of a PH test and its band against R plot.cox.zph
(tests/reference/phremedy_reference.R: the curves plot.cox.zph draws, captured from its
lines() calls).  Independent check: the same spline fit with a B-spline basis built by
scipy (the fit depends only on the space spanned, not on the basis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError, CohortError
from tests._reference import cases
from tests._rotterdam import rotterdam_cohort


def _fit(case: dict[str, Any]) -> tuple[mp.results.CoxResult, mp.Cohort]:
    cohort = rotterdam_cohort() if case["data"] == "rotterdam" else mp.datasets.load_gbsg2()
    return mp.cox(cohort, case["covariates"], ties=case["ties"]), cohort


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("phremedy_coxzph"))
def test_smooth_matches_r_plot_cox_zph(case: dict[str, Any]) -> None:
    fit, cohort = _fit(case)
    ph = mp.ph_test(fit, cohort, transform=case["transform"])
    assert_allclose(ph.table["chi2"], case["chi2"], rtol=1e-8)
    assert_allclose(ph.table["p"], case["p"], rtol=1e-6)
    assert_allclose(np.diag(ph.var), case["var"], rtol=1e-8)
    for curve in case["curves"]:
        band = ph.smooth(curve["term"].replace("horThyes", "horTh[yes]"))
        rx = np.log(curve["x"]) if case["transform"] == "log" else np.asarray(curve["x"])
        assert_allclose(band["x"], rx, rtol=1e-12, atol=1e-12)
        for col in ("beta", "lower", "upper"):
            assert_allclose(band[col], curve[col], rtol=1e-7, atol=1e-9, err_msg=col)


def _bspline_smooth(x: np.ndarray, y: np.ndarray, pred: np.ndarray, knots: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The natural-spline fit via a cubic B-spline basis projected on f''(ends) = 0."""
    from scipy.interpolate import BSpline
    from scipy.linalg import null_space

    t = np.r_[[knots[0]] * 4, knots[1:-1], [knots[-1]] * 4]
    nb = len(t) - 4

    def design(u: np.ndarray, nu: int = 0) -> np.ndarray:
        return np.column_stack([BSpline(t, np.eye(nb)[j], 3)(u, nu) for j in range(nb)])

    constraint = design(np.array([knots[0], knots[-1]]), 2)
    basis = null_space(constraint)              # natural: second derivative 0 at both ends
    xm, pm = design(x) @ basis, design(pred) @ basis
    coef, *_ = np.linalg.lstsq(xm, y, rcond=None)
    xtx_inv = np.linalg.inv(xm.T @ xm)
    return pm @ coef, np.einsum("ij,jk,ik->i", pm, xtx_inv, pm)


@pytest.mark.crosscheck
def test_smooth_matches_an_independent_bspline_fit() -> None:
    from mirprog._engine.splines import ns_knots

    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age", "progrec"]), gbsg)
    band = ph.smooth("progrec", n_points=25)
    y = ph.residuals["progrec"].to_numpy()
    knots = ns_knots(np.r_[band["x"], ph.x], 4)
    yhat, seval = _bspline_smooth(ph.x, y, band["x"].to_numpy(), knots)
    assert_allclose(band["beta"], yhat, rtol=1e-9, atol=1e-12)
    half = 2 * np.sqrt(ph.var[2, 2] * seval)
    assert_allclose(band["upper"] - band["beta"], half, rtol=1e-8)


def test_df_two_is_the_straight_line_trend() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
    band = ph.smooth("age", df=2)
    intercept, slope = ph.trend("age")
    assert_allclose(band["beta"], intercept + slope * band["x"], rtol=1e-9, atol=1e-12)


def test_smooth_refuses_bad_arguments() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
    with pytest.raises(KeyError, match="not a model term"):
        ph.smooth("nodes")
    with pytest.raises(ArgumentError, match="df must be an integer >= 2"):
        ph.smooth("age", df=1)
    with pytest.raises(ArgumentError, match="n_points must be an integer >= 2"):
        ph.smooth("age", n_points=1)
    with pytest.raises(CohortError, match="is singular"):
        ph.smooth("age", df=len(ph.x) + 5)
