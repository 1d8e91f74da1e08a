"""The Newton-Raphson driver (mirprog/_engine/newton.py) follows R ``coxph``'s rules.

Sections (each tagged with its marker):

* R reference (``r_reference``): values R 4.2.2 / survival 3.5-3 printed, quoted here --
  a fit whose first Newton step overshoots (found by the property tests), the iterates
  after k steps (the pull-back rule), and an R false alarm of "coefficient may be
  infinite" on a near-zero estimate.
* Cross-checks (``crosscheck``): the overshoot reference is the maximum of the Breslow
  likelihood, written from its definition and maximised with scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp

COX_RTOL = 1e-6

# -------------------------------------------------------------------- R reference: Newton overshoot

# Found by the property tests: a lone group-1 patient (x = 1) whose event is tied with a
# group-0 event at the first time.  The estimate is finite, but Newton's first step from
# beta = 0 overshoots to x ~ 25.  R coxph (survival 3.5.3) converges, because coxfit6 caps
# the linear predictor (coxsafe: eta in [-200, 22]) and each Newton step (maxbeta =
# 20 sqrt(I_kk(0) / events), on its scaled covariates).  Values from
#   coxph(Surv(time, event) ~ x + z, data = OVERSHOOT, ties = "breslow" / "efron")
OVERSHOOT = pd.DataFrame({
    "time": [4, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 9, 11, 1, 1, 3, 1, 2, 11, 1, 2, 2, 1, 1, 1, 4, 2,
             11, 1, 1, 4, 9, 4, 1, 9, 2, 5, 9, 4, 5, 1, 1, 2, 11, 4, 2, 1, 1, 9, 3, 3, 1, 1],
    "event": [1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1,
              1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0],
    "x": [0, 1] + [0] * 51,
    "z": [0.5, 0.25, 0.25, 0.0, 0.0, 0.375, 0.25, 0.25, 1.125, 0.375, 0.25, 1.125, 1.125, 1.375,
          0.125, 0.375, 1.375, 0.25, 1.125, 1.375, 0.375, 0.625, 0.25, 0.25, 0.5, 1.125, 0.25,
          1.375, 0.125, 0.25, 0.5, 0.5, 0.25, 1.125, 1.125, 0.25, 0.625, 0.625, 0.5, 1.125,
          0.125, 0.25, 0.5, 1.125, 0.25, 1.125, 1.375, 0.5, 1.125, 0.0, 0.375, 0.375, 1.125],
})
OVERSHOOT_R = {
    "breslow": {"coef": [3.49910449007016, -3.21951002553381],
                "se": [1.414220026049605, 0.882354217947571], "loglik": -54.8383113127661},
    "efron": {"coef": [3.83564141404150, -3.64002015126106],
              "se": [1.434088565808682, 0.900518514220333], "loglik": -48.4096395139518},
}


def breslow_loglik(beta: np.ndarray, time: np.ndarray, event: np.ndarray,
                   x: np.ndarray) -> float:
    """Breslow log partial likelihood written from its definition (an independent oracle)."""
    eta = x @ beta
    return float(sum(eta[i] - np.log(np.exp(eta[time >= time[i]]).sum())
                     for i in np.flatnonzero(event == 1)))


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_newton_overshoot_matches_r(ties: str) -> None:
    fit = mp.cox(mp.Cohort(OVERSHOOT, time="time", event="event"), ["x", "z"], ties=ties)
    ref = OVERSHOOT_R[ties]
    assert fit.converged
    assert fit.monotone == ()
    assert_allclose(fit.summary["coef"].to_numpy(), ref["coef"], rtol=COX_RTOL)
    assert_allclose(fit.summary["se"].to_numpy(), ref["se"], rtol=COX_RTOL)
    assert_allclose(fit.loglik, ref["loglik"], rtol=COX_RTOL)


# ------------------------------------------------------ R reference: iterates and the monotone flag

# R 4.2.2 / survival 3.5-3, printed by
#   for (k in ...) coef(coxph(Surv(time, event) ~ x + z, d, ties = "breslow", iter.max = k))
# on the OVERSHOOT data above, and on GBSG2 (age + tsize + pnodes).
# Locks the iteration rule (pull-back by 1/2, 1/3, ...; best accepted point on run-out).
R_ITERATES = {
    "overshoot": {1: [0.0, 0.0], 2: [12.5778086177377, -1.1653128524908],
                  7: [12.57780861774, -1.16531285249], 8: [7.34793056996097, -1.16768404636030],
                  11: [3.94059280144659, -1.45110208524405],
                  13: [3.49658088620995, -3.20266376931892]},
    "gbsg2": {1: [0.0, 0.0, 0.0],
              2: [-0.00196257540416686, 0.00356482957746120, 0.05222607133048861],
              3: [-0.00409952882303146, 0.00696547445018190, 0.05372978493643912]},
}


@pytest.mark.r_reference
@pytest.mark.parametrize(("data", "k"), [(d, k) for d in R_ITERATES for k in R_ITERATES[d]])
def test_newton_iterates_follow_r(data: str, k: int) -> None:
    from mirprog._engine.coxph import fit_cox

    if data == "overshoot":
        t, e = OVERSHOOT["time"], OVERSHOOT["event"]
        x = OVERSHOOT[["x", "z"]].to_numpy(float)
    else:
        g = mp.datasets.load_gbsg2().data
        t, e, x = g["time"], g["cens"], g[["age", "tsize", "pnodes"]].to_numpy(float)
    fit = fit_cox(t.to_numpy(float), e.to_numpy(), x, max_iter=k)
    np.testing.assert_allclose(fit.coef, R_ITERATES[data][k], rtol=1e-9, atol=1e-12)


@pytest.mark.r_reference
def test_r_false_alarm_on_a_near_zero_estimate_is_not_flagged() -> None:
    """Found by the long property run.  R 3.5-3 warns "coefficient may be infinite" here
    (its rule |U V| > toler.inf |b| fires when b is about 0), but the estimate is finite:
    coxph gives coef -0.000133287144310024, se 1.089068262, loglik -17.54461.  mirprog
    reports the same numbers and confirms the flag with extra Newton steps, which stay put.
    """
    df = pd.DataFrame({
        "time": [11, 13, 14, 11, 6, 14, 7, 4, 8, 13, 9, 5, 12, 5, 2, 4],
        "event": [1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0],
        "x": [0, 1] + [0] * 14,
    })
    fit = mp.cox(mp.Cohort(df, time="time", event="event"), "x")
    assert fit.monotone == ()
    np.testing.assert_allclose(fit.summary.loc["x", "coef"], -0.000133287144310024, rtol=1e-6)
    np.testing.assert_allclose(fit.summary.loc["x", "se"], 1.089068262, rtol=1e-8)


# --------------------------------------------------------------------------- cross-checks (scipy)


@pytest.mark.crosscheck
def test_overshoot_reference_is_the_breslow_maximum() -> None:
    """The R values above are the maximum of the Breslow likelihood (checked with scipy)."""
    from scipy.optimize import minimize

    t = OVERSHOOT["time"].to_numpy(float)
    e = OVERSHOOT["event"].to_numpy()
    x = OVERSHOOT[["x", "z"]].to_numpy(float)
    best = minimize(lambda b: -breslow_loglik(b, t, e, x), np.zeros(2), method="BFGS",
                    options={"gtol": 1e-9})
    assert best.success
    assert_allclose(best.x, OVERSHOOT_R["breslow"]["coef"], rtol=1e-5)
    assert_allclose(-best.fun, OVERSHOOT_R["breslow"]["loglik"], rtol=1e-10)
