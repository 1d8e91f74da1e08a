"""Firth-penalised Cox (``mirprog.survival.firth``, ``mp.cox(..., firth=True)``).

Oracle: the PyPI package ``firthmodels`` 0.8.2 (``FirthCoxPH``, Breslow ties,
reported to match R ``coxphf``), run live at the tightest of
``gtol = xtol = tol = 1e-10, ..., 1e-6`` at which it completes (at tight
tolerances its step halving can stop on rounding noise, and it then declines
the LR tests).  It is a dev-extra test oracle only: every Firth
number mirprog reports comes from its own engine.  Efron ties have no external
oracle; they are checked by the modified score against numerical derivatives
of the penalised likelihood, by Efron = Breslow without ties, and by the limit
(as events grow, Firth approaches the ordinary fit).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize, stats

import mirprog as mp
from mirprog._engine.coxph import fit_cox, risk_sets
from mirprog._engine.firth import firth_cox, penalised

REF = Path(__file__).resolve().parents[1] / "reference"
RTOL = 1e-6


def _gbsg() -> pd.DataFrame:
    return mp.datasets.load_gbsg2().data


def _monotone() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """survival_reference.R's 20-row set: x = 0 has no events (ordinary MLE +Inf)."""
    with open(REF / "coxph_coxph_monotone.json") as fh:
        d = json.load(fh)["data"]
    return (np.array(d["time"], float), np.array(d["event"]),
            np.column_stack([d["x"], d["z"]]).astype(float))


def _oracle(x: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple[Any, np.ndarray]:
    """firthmodels' fit (with LR tests) and profile CI at the tightest tolerance that completes."""
    fm = pytest.importorskip("firthmodels")
    for tol in (1e-10, 1e-9, 1e-8, 1e-7, 1e-6):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # its (sklearn) ConvergenceWarning is a UserWarning
            try:
                model = fm.FirthCoxPH(backend="numpy", gtol=tol, xtol=tol, max_iter=200)
                model.fit(x, (np.asarray(event, bool), np.asarray(time, float)))
                model.lrt()
                return model, model.conf_int(method="pl", tol=tol, max_iter=200)
            except UserWarning:
                continue
    raise AssertionError("firthmodels did not converge at any tolerance tried")


def _gbsg_arrays(time_col: str = "time") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = _gbsg()
    t = g["time"].to_numpy(float)
    if time_col == "tyear":
        t = np.ceil(t / 365.25)  # heavy ties
    x = np.column_stack([g["horTh"] == "yes", g["progrec"] > g["progrec"].median()])
    return t, g["cens"].to_numpy(), x.astype(float)


CASES = {
    "gbsg2 horTh + progrec median split": _gbsg_arrays,
    "monotone: a group without events": _monotone,
    "tied times (years)": lambda: _gbsg_arrays("tyear"),
}


@pytest.mark.crosscheck
@pytest.mark.parametrize("case", list(CASES))
def test_matches_firthmodels(case: str) -> None:
    time, event, x = CASES[case]()
    ours = firth_cox(time, event, x)
    oracle, ci = _oracle(x, time, event)
    assert_allclose(ours.coef, oracle.coef_, rtol=RTOL)
    assert_allclose(np.sqrt(np.diag(ours.var)), oracle.bse_, rtol=RTOL)
    assert_allclose(ours.loglik, oracle.loglik_, rtol=RTOL)
    assert_allclose(ours.ci_lower, ci[:, 0], rtol=RTOL)
    assert_allclose(ours.ci_upper, ci[:, 1], rtol=RTOL)
    assert_allclose(ours.p, oracle.lrt_pvalues_, rtol=RTOL)
    assert ours.converged


@pytest.mark.crosscheck
def test_gbsg2_with_categorical_and_continuous_terms_matches_firthmodels() -> None:
    gbsg = mp.datasets.load_gbsg2()
    fit = mp.cox(gbsg, ["horTh", "tgrade", "pnodes"], firth=True)
    g = gbsg.data
    x = np.column_stack([g["horTh"] == "yes", g["tgrade"] == "II", g["tgrade"] == "III",
                         g["pnodes"]]).astype(float)
    oracle, ci = _oracle(x, g["time"].to_numpy(float), g["cens"].to_numpy())
    s = fit.summary
    assert_allclose(s["coef"], oracle.coef_, rtol=RTOL)
    assert_allclose(s["se"], oracle.bse_, rtol=RTOL)
    assert_allclose(s["ci_lower"], np.exp(ci[:, 0]), rtol=RTOL)
    assert_allclose(s["ci_upper"], np.exp(ci[:, 1]), rtol=RTOL)
    assert_allclose(s["p"], oracle.lrt_pvalues_, rtol=RTOL)
    assert_allclose(fit.loglik, oracle.loglik_, rtol=RTOL)


def test_cox_firth_gives_a_finite_hr_where_the_ordinary_fit_is_monotone() -> None:
    time, event, x = _monotone()
    cohort = mp.Cohort(pd.DataFrame({"t": time, "e": event, "x": x[:, 0], "z": x[:, 1]}),
                       time="t", event="e")
    with pytest.warns(mp.MonotoneLikelihoodWarning, match=r"firth=True"):
        plain = mp.cox(cohort, ["x", "z"], ties="breslow")
    assert plain.monotone == ("x",)
    assert plain.penalty is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = mp.cox(cohort, ["x", "z"], firth=True)
    raw = firth_cox(time, event, x)
    assert fit.penalty == "firth"
    assert fit.monotone == ()
    assert fit.converged
    s = fit.summary
    assert_allclose(s["coef"], raw.coef, rtol=1e-12)
    assert_allclose(s["hr"], np.exp(raw.coef), rtol=1e-12)
    assert_allclose(s["ci_lower"], np.exp(raw.ci_lower), rtol=1e-12)
    assert_allclose(s["ci_upper"], np.exp(raw.ci_upper), rtol=1e-12)
    assert_allclose(s["p"], raw.p, rtol=1e-12)
    assert_allclose(s["z"], raw.coef / np.sqrt(np.diag(raw.var)), rtol=1e-12)
    assert np.all(np.isfinite(s[["hr", "ci_lower", "ci_upper"]].to_numpy()))
    assert s["ci_lower"].to_numpy()[0] > 1  # all events in x = 1
    assert_allclose(fit.lr_chi2, 2 * (raw.loglik - raw.loglik_null), rtol=1e-12)
    assert "firth-penalised" in repr(fit)


def test_profile_limits_solve_the_likelihood_ratio_equation() -> None:
    time, event, x = _monotone()
    fit = firth_cox(time, event, x, conf_level=0.9)
    rs = risk_sets(time, event, "breslow")
    xs = (x - fit.means)[rs.order]
    crit = stats.chi2.ppf(0.9, 1)
    for j, bound in [(0, fit.ci_lower[0]), (0, fit.ci_upper[0]), (1, fit.ci_lower[1])]:
        other = 1 - j  # maximise over the other coefficient by a generic scalar optimiser

        def neg(b: float, j: int = j, bound: float = bound, other: int = other) -> float:
            beta = np.empty(2)
            beta[j], beta[other] = bound, b
            return -penalised(beta, xs, rs)[0]

        best = -optimize.minimize_scalar(neg, bounds=(fit.coef[other] - 5, fit.coef[other] + 5),
                                         method="bounded", options={"xatol": 1e-9}).fun
        assert 2 * (fit.loglik - best) == pytest.approx(crit, rel=1e-8)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_modified_score_is_the_gradient_of_the_penalised_likelihood(ties: str) -> None:
    rng = np.random.default_rng(8)
    time = rng.integers(1, 8, 40).astype(float)  # many tied times
    event = rng.integers(0, 2, 40)
    x = rng.normal(size=(40, 2))
    rs = risk_sets(time, event, ties)  # type: ignore[arg-type]
    xs = (x - x.mean(axis=0))[rs.order]
    beta = np.array([0.3, -0.2])
    _, score, _ = penalised(beta, xs, rs)
    h = 1e-6
    numeric = [(penalised(beta + d, xs, rs)[0] - penalised(beta - d, xs, rs)[0]) / (2 * h)
               for d in np.eye(2) * h]
    assert_allclose(score, numeric, rtol=1e-6)
    fit = firth_cox(time, event, x, ties=ties)  # type: ignore[arg-type]
    assert_allclose(penalised(fit.coef, (x - fit.means)[rs.order], rs)[1], 0, atol=1e-8)


def test_efron_equals_breslow_without_tied_times() -> None:
    time, event, x = _gbsg_arrays()
    keep = ~pd.Series(time).duplicated(keep=False).to_numpy()
    b = firth_cox(time[keep], event[keep], x[keep], ties="breslow")
    e = firth_cox(time[keep], event[keep], x[keep], ties="efron")
    assert_allclose(e.coef, b.coef, rtol=1e-10)
    assert_allclose(e.ci_upper, b.ci_upper, rtol=1e-10)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_firth_approaches_the_ordinary_fit_as_events_grow(ties: str) -> None:
    time, event, x = _gbsg_arrays("tyear")
    time, event, x = time[:150], event[:150], x[:150, :1]
    gaps = []
    for k in (1, 10, 100):
        t, e, xx = np.tile(time, k), np.tile(event, k), np.tile(x, (k, 1))
        firth = firth_cox(t, e, xx, ties=ties)  # type: ignore[arg-type]
        plain = fit_cox(t, e, xx, ties)  # type: ignore[arg-type]
        gaps.append(abs(firth.coef[0] - plain.coef[0]))
        if k == 100:  # the profile interval approaches the Wald interval too
            se = np.sqrt(plain.var[0, 0])
            assert firth.ci_upper[0] == pytest.approx(plain.coef[0] + 1.959964 * se, abs=2e-3)
    assert gaps[0] > 0
    # the penalty's pull is O(1/events): each 10-fold replication shrinks it ~10-fold
    assert 0.05 < gaps[1] / gaps[0] < 0.2
    assert 0.05 < gaps[2] / gaps[1] < 0.2


def test_table4_firth_fills_the_not_estimable_row() -> None:
    time, event, x = _monotone()
    cohort = mp.Cohort(pd.DataFrame({"t": time, "e": event, "x": x[:, 0].astype(int),
                                     "sub": np.r_[np.ones(16), np.zeros(4)] == 1}),
                       time="t", event="e")
    plain = mp.table4(cohort, "x", {"Subset": "sub"})
    assert plain.frame["note"].str.startswith("not estimable").all()
    firth = mp.table4(cohort, "x", {"Subset": "sub"}, firth=True)
    assert firth.firth
    assert (firth.frame["note"] == "").all()
    assert np.isfinite(firth.frame[["hr", "ci_lower", "ci_upper", "p"]].to_numpy()).all()
    ref = mp.cox(cohort, "x", firth=True).summary.iloc[0]
    assert firth.frame.loc["All", "hr"] == pytest.approx(ref["hr"], rel=1e-12)
    assert firth.frame.loc["All", "p"] == pytest.approx(ref["p"], rel=1e-12)


def test_collinear_covariates_raise() -> None:
    cohort = mp.Cohort(pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 0, 1, 1, 0, 1],
                                     "a": [0, 1, 0, 1, 1, 0], "b": [0, 2, 0, 2, 2, 0]}),
                       time="t", event="e")
    with pytest.raises(mp.CohortError, match="collinear or constant"):
        mp.cox(cohort, ["a", "b"], firth=True)
