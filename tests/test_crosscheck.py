"""mirprog against independent Python implementations (statsmodels, lifelines, scikit-survival).

The R ``survival`` fixtures in ``test_reference_r.py`` are the primary oracle;
this module checks the same core estimators against three independently
written Python libraries on the bundled GBSG2 cohort (686 patients, 299
events, 29 tied event times), with median splits of ``progrec``/``estrec``
and the fixed split ``pnodes > 3``:

* Cox (Breslow and Efron ties) against ``statsmodels`` ``PHReg``: coefficients,
  standard errors, log partial likelihood at the estimate and at beta = 0.
* Two-group and three-group log-rank against ``lifelines`` (``logrank_test``,
  ``multivariate_logrank_test``) and scikit-survival (``compare_survival``).
* Kaplan-Meier against lifelines' ``KaplanMeierFitter`` and scikit-survival's
  ``kaplan_meier_estimator`` (survival and the log-log interval).
* Harrell's C of the Cox linear predictor against lifelines' ``concordance_index``
  and scikit-survival's ``concordance_index_censored``.
* The monotone-likelihood warning on a small made-up cohort.
* A Cox fit whose first Newton step overshoots (found by the property tests):
  R ``coxph`` values, confirmed by maximising the Breslow likelihood with scipy.

Convention notes found while writing these checks:

* Concordance: mirprog (as R ``concordance``), lifelines and scikit-survival
  agree on GBSG2 and on hand-made tie cases -- an event and a censoring at the
  same time form a comparable pair (the censored patient was still at risk),
  two events at the same time are not comparable, and tied risk scores count
  1/2.  lifelines scores *survival* (higher = longer), hence ``-linear_predictor``.
* Kaplan-Meier log-log interval: where S(t) = 1 (before the first event) R and
  mirprog report NA/NaN, while lifelines and scikit-survival report [1, 1];
  the interval is therefore compared only where S(t) < 1.
* statsmodels' ``PHReg`` stops its optimiser less tightly than R's rule,
  which mirprog replicates: coefficients agree to ~5e-8 relative, hence
  ``rtol=1e-6`` for Cox.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import concordance_index
from numpy.testing import assert_allclose, assert_array_equal
from sksurv.compare import compare_survival
from sksurv.metrics import concordance_index_censored
from sksurv.nonparametric import kaplan_meier_estimator
from statsmodels.duration.hazard_regression import PHReg

import mirprog as mp

COX_RTOL = 1e-6
LOGRANK_RTOL = 1e-8
KM_RTOL = 1e-10


@pytest.fixture(scope="module")
def gbsg_split() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    g = mp.Cutpoints.fit(g, ["progrec", "estrec"]).apply(g)
    return mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)


@pytest.fixture(scope="module")
def frame(gbsg_split: mp.Cohort) -> pd.DataFrame:
    return gbsg_split.data


def test_derived_columns(frame: pd.DataFrame) -> None:
    """The splits the other checks rely on: nullable 0/1 columns, as documented."""
    for col in ("progrec_high", "estrec_high", "pnodes_high"):
        assert str(frame[col].dtype) == "Int64"
        assert set(frame[col].unique()) == {0, 1}
    assert_array_equal(frame["pnodes_high"].to_numpy(int), (frame["pnodes"] > 3).to_numpy(int))
    assert_array_equal(frame["progrec_high"].to_numpy(int),
                       (frame["progrec"] > frame["progrec"].median()).to_numpy(int))


# --------------------------------------------------------------------------- Cox vs statsmodels

# model covariates -> function building the matching statsmodels design from the frame
MODELS: dict[str, tuple[list[str], Any]] = {
    "single_binary": (["progrec_high"], lambda d: d[["progrec_high"]].to_numpy(float)),
    "multivariate_tgrade": (
        ["horTh", "tgrade", "pnodes_high", "estrec_high"],
        lambda d: np.column_stack([
            d["horTh"] == "yes", d["tgrade"] == "II", d["tgrade"] == "III",
            d["pnodes_high"].to_numpy(float), d["estrec_high"].to_numpy(float),
        ]).astype(float),
    ),
    "continuous_age_tsize": (["age", "tsize"], lambda d: d[["age", "tsize"]].to_numpy(float)),
}


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("model", list(MODELS))
def test_cox_matches_statsmodels(gbsg_split: mp.Cohort, frame: pd.DataFrame, model: str,
                                 ties: str) -> None:
    covariates, design = MODELS[model]
    fit = mp.cox(gbsg_split, covariates, ties=ties)
    x = design(frame)
    assert x.shape[1] == len(fit.terms)
    sm_model = PHReg(frame["time"].to_numpy(float), x, status=frame["cens"].to_numpy(float),
                     ties=ties)
    sm = sm_model.fit()
    assert_allclose(fit.summary["coef"].to_numpy(), sm.params, rtol=COX_RTOL)
    assert_allclose(fit.summary["se"].to_numpy(), sm.bse, rtol=COX_RTOL)
    assert_allclose(fit.loglik, sm.llf, rtol=COX_RTOL)
    assert_allclose(fit.loglik_null, sm_model.loglike(np.zeros(x.shape[1])), rtol=1e-10)
    assert fit.n == len(frame)
    assert fit.events == int(frame["cens"].sum())
    assert fit.converged
    assert fit.monotone == ()


# --------------------------------------------------------------------------- log-rank


@pytest.mark.parametrize("by", ["progrec_high", "estrec_high", "pnodes_high", "horTh"])
def test_two_group_logrank_matches_lifelines_and_sksurv(gbsg_split: mp.Cohort, frame: pd.DataFrame,
                                                        by: str) -> None:
    res = mp.logrank(gbsg_split, by=by)
    a, b = res.groups
    in_a = (frame[by] == a).to_numpy(bool)
    in_b = (frame[by] == b).to_numpy(bool)
    t, e = frame["time"].to_numpy(float), frame["cens"].to_numpy(int)
    ll = logrank_test(t[in_a], t[in_b], e[in_a], e[in_b])
    assert_allclose(res.chi2, ll.test_statistic, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, ll.p_value, rtol=LOGRANK_RTOL)
    assert res.df == 1

    y = np.array(list(zip(e.astype(bool), t, strict=True)),
                 dtype=[("event", bool), ("time", float)])
    chi2, p = compare_survival(y, frame[by].astype(str).to_numpy())
    assert_allclose(res.chi2, chi2, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, p, rtol=LOGRANK_RTOL)


def test_three_group_logrank_matches_lifelines(gbsg_split: mp.Cohort, frame: pd.DataFrame) -> None:
    res = mp.logrank(gbsg_split, by="tgrade")
    ll = multivariate_logrank_test(frame["time"], frame["tgrade"].astype(str), frame["cens"])
    assert res.groups == ("I", "II", "III")
    assert res.df == 2
    assert ll.degrees_of_freedom == 2
    assert_allclose(res.chi2, ll.test_statistic, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, ll.p_value, rtol=LOGRANK_RTOL)


# --------------------------------------------------------------------------- Kaplan-Meier


@pytest.mark.parametrize("by", [None, "horTh", "progrec_high"])
def test_km_matches_lifelines(gbsg_split: mp.Cohort, frame: pd.DataFrame, by: str | None) -> None:
    fit = mp.km(gbsg_split, by=by, conf_type="log-log")
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sel = np.ones(len(frame), bool) if by is None else (frame[by] == g).to_numpy(bool)
        kmf = KaplanMeierFitter().fit(frame["time"][sel], frame["cens"][sel])
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


@pytest.mark.parametrize("by", [None, "horTh", "tgrade"])
def test_km_matches_sksurv(gbsg_split: mp.Cohort, frame: pd.DataFrame, by: str | None) -> None:
    fit = mp.km(gbsg_split, by=by, conf_type="log-log")
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sel = np.ones(len(frame), bool) if by is None else (frame[by] == g).to_numpy(bool)
        t, s, (lo, hi) = kaplan_meier_estimator(frame["cens"].to_numpy(bool)[sel],
                                                frame["time"].to_numpy(float)[sel],
                                                conf_type="log-log")
        assert_array_equal(tab["time"].to_numpy(), t)
        assert_allclose(tab["survival"].to_numpy(), s, rtol=KM_RTOL)
        below_one = s < 1
        assert_allclose(tab["ci_lower"].to_numpy()[below_one], lo[below_one], rtol=KM_RTOL)
        assert_allclose(tab["ci_upper"].to_numpy()[below_one], hi[below_one], rtol=KM_RTOL)


# --------------------------------------------------------------------------- concordance


@pytest.mark.parametrize("model", list(MODELS))
def test_concordance_matches_lifelines_and_sksurv(gbsg_split: mp.Cohort, frame: pd.DataFrame,
                                                  model: str) -> None:
    fit = mp.cox(gbsg_split, MODELS[model][0])
    t, e = frame["time"].to_numpy(float), frame["cens"].to_numpy(int)
    lp = fit.linear_predictor
    # lifelines: higher score = longer survival, so the risk score is negated
    assert_allclose(fit.concordance, concordance_index(t, -lp, e), rtol=1e-12)
    c, concordant, discordant, tied_risk, _tied_time = concordance_index_censored(
        e.astype(bool), t, lp)
    assert_allclose(fit.concordance, c, rtol=1e-12)
    counts = fit.concordance_counts
    assert counts["concordant"] == concordant
    assert counts["discordant"] == discordant
    assert counts["tied_x"] == tied_risk


@pytest.mark.parametrize(
    ("time", "event", "risk"),
    [
        pytest.param([1.0, 1, 2], [1, 0, 1], [2.0, 1, 0], id="event-and-censoring-tied"),
        pytest.param([1.0, 1], [1, 0], [0.0, 1], id="tied-time-discordant"),
        pytest.param([1.0, 1, 2], [1, 1, 0], [2.0, 1, 0], id="two-events-tied"),
        pytest.param([1.0, 2, 3], [1, 1, 0], [1.0, 1, 0], id="tied-risk"),
    ],
)
def test_concordance_tie_conventions(time: list[float], event: list[int],
                                     risk: list[float]) -> None:
    """Hand-made tie patterns: all three implementations count pairs the same way."""
    from mirprog._engine.coxph import concordance_counts

    t, e, r = np.asarray(time), np.asarray(event), np.asarray(risk)
    ours = concordance_counts(t, e, r)["concordance"]
    assert_allclose(ours, concordance_index(t, -r, e), rtol=1e-12)
    assert_allclose(ours, concordance_index_censored(e.astype(bool), t, r)[0], rtol=1e-12)


# --------------------------------------------------------------------------- monotone likelihood


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_monotone_group_without_events(ties: str) -> None:
    df = pd.DataFrame({
        "time": [1.0, 2, 3, 3, 5, 6, 7, 8, 2.5, 4, 6.5, 9],
        "event": [1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0],
        "x": [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1],  # group 1: no events
        "age": [50.0, 61, 47, 55, 70, 66, 52, 58, 49, 63, 60, 57],
    })
    cohort = mp.Cohort(df, time="time", event="event")
    with pytest.warns(mp.MonotoneLikelihoodWarning, match="x"):
        fit = mp.cox(cohort, ["x", "age"], ties=ties)
    assert fit.monotone == ("x",)
    assert fit.summary.loc["x", "coef"] < -5  # drifting to -infinity (HR -> 0)
    with pytest.warns(mp.MonotoneLikelihoodWarning):
        single = mp.cox(cohort, "x", ties=ties)
    assert single.monotone == ("x",)


# --------------------------------------------------------------------------- Newton overshoot

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


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_newton_overshoot_matches_r(ties: str) -> None:
    fit = mp.cox(mp.Cohort(OVERSHOOT, time="time", event="event"), ["x", "z"], ties=ties)
    ref = OVERSHOOT_R[ties]
    assert fit.converged
    assert fit.monotone == ()
    assert_allclose(fit.summary["coef"].to_numpy(), ref["coef"], rtol=COX_RTOL)
    assert_allclose(fit.summary["se"].to_numpy(), ref["se"], rtol=COX_RTOL)
    assert_allclose(fit.loglik, ref["loglik"], rtol=COX_RTOL)


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
