"""mp.meta_analysis against R metafor 3.8 ``rma`` / ``confint`` / ``predict`` / ``weights``.

Fixtures: ``tests/reference/meta_rma_{bcg,gbsg2}.json`` written by
``tests/reference/meta_reference.R``.  Beside R, an independent slow reference in this
file (k x k matrices as in Viechtbauer 2005 / metafor's source, REML by direct scipy
maximisation of the restricted likelihood, the Q-profile by bisection) and
statsmodels' ``combine_effects`` for the DerSimonian-Laird model.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import optimize, stats

import mirprog as mp
from mirprog._engine.meta import rma_fit
from mirprog.errors import ArgumentError
from mirprog.results import MetaAnalysisResult
from tests._reference import cases, ref

METHOD = {"FE": "fixed", "DL": "DL", "REML": "REML"}
EXACT = {"rtol": 1e-10, "atol": 1e-12}     # closed forms and metafor's own iterations


# ---- the independent slow reference ------------------------------------------------

def _p_matrix(vi: np.ndarray, tau2: float) -> np.ndarray:
    k = len(vi)
    x = np.ones((k, 1))
    w = np.diag(1.0 / (vi + tau2))
    return w - w @ x @ np.linalg.inv(x.T @ w @ x) @ x.T @ w


def _neg_restricted_loglik(tau2: float, yi: np.ndarray, vi: np.ndarray) -> float:
    v = np.diag(vi + tau2)
    x = np.ones((len(yi), 1))
    vinv = np.linalg.inv(v)
    beta = np.linalg.solve(x.T @ vinv @ x, x.T @ vinv @ yi)
    r = yi - x @ beta
    return float(0.5 * (np.linalg.slogdet(v)[1] + np.linalg.slogdet(x.T @ vinv @ x)[1]
                        + r @ vinv @ r))


def slow_rma(yi: np.ndarray, vi: np.ndarray, method: str) -> dict[str, float]:
    """FE / DL / REML by k x k matrices; REML maximised directly (bounded, tau2 >= 0)."""
    k = len(yi)
    p_fe = _p_matrix(vi, 0.0)
    q = float(yi @ p_fe @ yi)
    if method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = max(0.0, (q - (k - 1)) / np.trace(p_fe))
    else:
        assert method == "REML"
        upper = 10.0 * max(np.var(yi), 1.0)
        opt = optimize.minimize_scalar(_neg_restricted_loglik, bounds=(0.0, upper),
                                       args=(yi, vi), method="bounded",
                                       options={"xatol": 1e-12})
        tau2 = float(opt.x)
        if _neg_restricted_loglik(0.0, yi, vi) <= opt.fun:
            tau2 = 0.0
    w = 1.0 / (vi + tau2)
    est = float(np.sum(w * yi) / np.sum(w))
    se = math.sqrt(1.0 / np.sum(w))
    return {"estimate": est, "se": se, "tau2": tau2, "q": q}


def slow_qprofile(yi: np.ndarray, vi: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Q-profile bounds by bisection on [0, 100] (every fixture case has tau2 < 10)."""
    df = len(yi) - 1

    def qgen(t: float) -> float:
        return float(yi @ _p_matrix(vi, t) @ yi)

    def solve(target: float) -> float:
        if qgen(0.0) < target:
            return 0.0
        if qgen(100.0) > target:
            return 100.0
        lo, hi = 0.0, 100.0
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if qgen(mid) > target else (lo, mid)
        return (lo + hi) / 2

    lower = solve(stats.chi2.ppf(1 - (1 - level) / 2, df))
    upper = solve(stats.chi2.ppf((1 - level) / 2, df))
    return lower, upper


# ---- against metafor ---------------------------------------------------------------

def _from_case(c: dict[str, Any]) -> MetaAnalysisResult:
    table = pd.DataFrame({"label": c["labels"], "estimate": c["yi"], "se": c["sei"]})
    return mp.meta_analysis(table, METHOD[c["method"]], measure=c.get("measure", "logHR"))


ALL_CASES = cases("meta_rma_bcg") + cases("meta_rma_gbsg2")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", ALL_CASES)
def test_rma_matches_metafor(case: dict[str, Any]) -> None:
    res = _from_case(case)
    got = {"estimate": res.estimate, "se": res.se, "zval": res.z, "pval": res.p,
           "ci_lb": res.ci_lower, "ci_ub": res.ci_upper, "tau2": res.tau2, "I2": res.i2,
           "H2": res.h2, "QE": res.q, "QEp": res.q_p}
    for name, value in got.items():
        assert_allclose(value, case[name], **EXACT, err_msg=name)
    assert_allclose(res.table["weight"], case["weights"], **EXACT, err_msg="weights")
    assert res.k == case["k"]
    assert res.q_df == case["k"] - 1
    assert list(res.table.index) == case["labels"]
    if case["method"] == "FE":
        assert math.isnan(res.tau2_se)
        assert math.isnan(res.pi_lower)
        assert math.isnan(res.tau2_ci_lower)
        assert math.isnan(res.tau2_ci_upper)
        return
    assert_allclose(res.tau2_se, case["se_tau2"], **EXACT, err_msg="se.tau2")
    assert_allclose([res.pi_lower, res.pi_upper], [case["pi_lb"], case["pi_ub"]], **EXACT)
    # Q-profile: machine precision against confint(control = list(tol = 1e-13)), and
    # within uniroot's default tolerance (~1.2e-4) of the default output
    ci = [res.tau2_ci_lower, res.tau2_ci_upper]
    assert_allclose(ci, case["tau2_ci_tight"], rtol=1e-8, atol=1e-12, err_msg="tau2 CI")
    assert_allclose(ci, case["tau2_ci"], rtol=0, atol=1.3e-4, err_msg="tau2 CI (default)")
    assert_allclose([res.i2_ci_lower, res.i2_ci_upper], case["I2_ci"], rtol=0, atol=1e-2)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.values[0]["method"] == "REML"])
def test_reml_against_metafor_tight_and_direct_maximisation(case: dict[str, Any]) -> None:
    yi, vi = np.array(case["yi"]), np.array(case["sei"]) ** 2
    res = _from_case(case)
    slow = slow_rma(yi, vi, "REML")
    # metafor's default stop (tau2 change < 1e-5) is near the optimum, not at it ...
    assert_allclose(res.tau2, case["tau2_tight"], rtol=0, atol=1e-5)
    assert_allclose(slow["tau2"], case["tau2_tight"], rtol=1e-6, atol=1e-9)
    # ... and the same Fisher scoring run to a tight threshold reaches it, as metafor's
    tight = rma_fit(yi, vi, "REML", threshold=1e-13)
    assert_allclose([tight.tau2, tight.estimate, tight.se, tight.tau2_se],
                    [case["tau2_tight"], case["estimate_tight"], case["se_tight"],
                     case["se_tau2_tight"]], rtol=1e-8, atol=1e-13)


@pytest.mark.crosscheck
@pytest.mark.parametrize("case", ALL_CASES)
def test_against_the_slow_reference(case: dict[str, Any]) -> None:
    yi, vi = np.array(case["yi"]), np.array(case["sei"]) ** 2
    res = _from_case(case)
    slow = slow_rma(yi, vi, case["method"])
    assert_allclose(res.q, slow["q"], rtol=1e-10)
    if case["method"] != "REML":
        assert_allclose([res.estimate, res.se, res.tau2], [slow["estimate"], slow["se"],
                                                           slow["tau2"]], rtol=1e-10,
                        atol=1e-13)
    else:
        assert_allclose(res.tau2, slow["tau2"], rtol=0, atol=1e-5)
        assert_allclose(res.tau2_se,
                        math.sqrt(2.0 / np.sum(_p_matrix(vi, res.tau2) ** 2)), rtol=1e-10)
    if case["method"] != "FE":
        assert_allclose([res.tau2_ci_lower, res.tau2_ci_upper], slow_qprofile(yi, vi),
                        rtol=1e-9, atol=1e-12)


@pytest.mark.crosscheck
@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.values[0]["method"] == "DL"
                                  and c.values[0]["tau2"] > 0])
def test_dl_against_statsmodels(case: dict[str, Any]) -> None:
    """statsmodels' DL does not truncate tau2 at 0: compared where tau2 > 0 only."""
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = np.array(case["yi"]), np.array(case["sei"]) ** 2
    sm = combine_effects(yi, vi, method_re="dl")
    res = _from_case(case)
    assert_allclose([res.estimate, res.se, res.tau2, res.q],
                    [sm.mean_effect_re, sm.sd_eff_w_re, sm.tau2, sm.q], rtol=1e-10, atol=1e-13)
    fe = mp.meta_analysis(pd.DataFrame({"estimate": yi, "se": np.sqrt(vi)}), "fixed")
    assert_allclose([fe.estimate, fe.se], [sm.mean_effect_fe, sm.sd_eff_w_fe], rtol=1e-10)


# ---- the whole path from Cox fits and C indices ---------------------------------------

def _gbsg2_parts(case: dict[str, Any]) -> dict[str, mp.Cohort]:
    g = mp.datasets.load_gbsg2()
    return {label: g.subset(g.ids.isin(ids)) for label, ids in case["ids"].items()}


@pytest.mark.r_reference
@pytest.mark.parametrize("case", [c for c in cases("meta_rma_gbsg2")
                                  if c.values[0].get("ids")])
def test_pooling_cox_fits_matches_r(case: dict[str, Any]) -> None:
    fits = {label: mp.cox(part, ["horTh"]) for label, part in _gbsg2_parts(case).items()}
    res = mp.meta_analysis(fits, METHOD[case["method"]], term="horTh[yes]")
    assert_allclose(res.table["estimate"], case["yi"], rtol=1e-9)   # mirprog vs coxph
    assert_allclose(res.table["se"], case["sei"], rtol=1e-7)
    assert_allclose([res.estimate, res.ci_lower, res.ci_upper, res.tau2, res.q_p],
                    [case["estimate"], case["ci_lb"], case["ci_ub"], case["tau2"],
                     case["QEp"]], rtol=1e-7, atol=1e-10)
    assert res.term == "horTh[yes]"
    assert res.measure == "logHR"
    assert_allclose([res.hr, res.hr_ci_lower, res.hr_ci_upper],
                    np.exp([case["estimate"], case["ci_lb"], case["ci_ub"]]), rtol=1e-7)
    assert_allclose(res.table["hr"], np.exp(case["yi"]), rtol=1e-9)
    # a single-term model needs no term=
    assert mp.meta_analysis(list(fits.values()), METHOD[case["method"]]).term == "horTh[yes]"


@pytest.mark.r_reference
@pytest.mark.parametrize("case", [c for c in cases("meta_rma_gbsg2")
                                  if c.values[0]["measure"] == "C"])
def test_concordance_results_are_duck_typed(case: dict[str, Any]) -> None:
    results = {lab: SimpleNamespace(c=c, se=s)
               for lab, c, s in zip(case["labels"], case["yi"], case["sei"], strict=True)}
    res = mp.meta_analysis(results, METHOD[case["method"]], measure="C")
    assert_allclose([res.estimate, res.se, res.tau2, res.i2],
                    [case["estimate"], case["se"], case["tau2"], case["I2"]], **EXACT)
    assert res.hr is None
    assert "hr" not in res.table.columns


def test_published_hr_table_is_put_on_the_log_scale() -> None:
    hr, lo, hi = np.array([0.62, 0.81, 0.55]), np.array([0.45, 0.6, 0.35]), \
        np.array([0.85, 1.09, 0.86])
    pub = pd.DataFrame({"label": ["A", "B", "C"], "hr": hr, "ci_lower": lo, "ci_upper": hi})
    se = (np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf(0.975))
    direct = mp.meta_analysis(pd.DataFrame({"estimate": np.log(hr), "se": se}), "DL",
                              labels=["A", "B", "C"])
    res = mp.meta_analysis(pub, "DL")
    assert_allclose(res.table["se"], se, rtol=1e-14)
    assert_allclose([res.estimate, res.se, res.tau2], [direct.estimate, direct.se,
                                                       direct.tau2], rtol=1e-14)
    assert list(res.table.index) == ["A", "B", "C"]
    # a 90% published CI is narrower: a larger se per unit of width
    res90 = mp.meta_analysis(pub, "DL", table_conf_level=0.90)
    assert_allclose(res90.table["se"], se * stats.norm.ppf(0.975) / stats.norm.ppf(0.95))


def test_result_protocol_and_conf_level() -> None:
    c = ref("meta_rma_bcg")["cases"][2]       # bcg|all|REML
    res = _from_case(c)
    assert res.to_frame() is res.table
    assert res.method_name == "random-effects, REML tau^2"
    assert res.tau == math.sqrt(res.tau2)
    assert res.converged
    assert res.iterations >= 1
    assert "weight" in res.to_markdown()
    wide = mp.meta_analysis(pd.DataFrame({"estimate": c["yi"], "se": c["sei"]}), "REML",
                            conf_level=0.99)
    z = stats.norm.ppf(0.995)
    assert_allclose(wide.ci_upper - wide.estimate, z * wide.se, rtol=1e-12)
    assert_allclose(wide.pi_upper - wide.estimate, z * math.sqrt(wide.se ** 2 + wide.tau2))
    assert wide.tau2_ci_upper > res.tau2_ci_upper


# ---- bad input ----------------------------------------------------------------------

def _two_fits() -> dict[str, Any]:
    g = mp.datasets.load_gbsg2()
    return {"a": mp.cox(g.subset(g.ids <= 343), ["horTh", "pnodes"]),
            "b": mp.cox(g.subset(g.ids > 343), ["horTh", "pnodes"])}


@pytest.mark.parametrize(("data", "kwargs", "match"), [
    (pd.DataFrame({"estimate": [0.1], "se": [0.2]}), {}, "at least 2 cohorts"),
    (pd.DataFrame({"label": ["x", "y"], "estimate": [0.1, 0.2], "se": [0.2, 0.0]}), {},
     "Cohorts y have a standard error"),
    (pd.DataFrame({"estimate": [0.1, 0.2], "se": [0.2, -1.0]}), {}, "not positive"),
    (pd.DataFrame({"estimate": [0.1, np.nan], "se": [0.2, 0.1]}), {}, "no finite estimate"),
    (pd.DataFrame({"hr": [0.5, 0.7], "se": [0.2, 0.1]}), {}, "needs columns"),
    (pd.DataFrame({"label": ["p", "q"], "hr": [0.5, 0.7], "ci_lower": [0.6, 0.5],
                   "ci_upper": [0.9, 0.9]}), {}, "Rows p: need 0 < ci_lower <= hr"),
    (pd.DataFrame({"estimate": [0.1, 0.2], "se": [0.2, 0.1]}), {"method": "PM"},
     "method must be"),
    (pd.DataFrame({"estimate": [0.1, 0.2], "se": [0.2, 0.1]}), {"measure": "OR"},
     "measure must be"),
    (pd.DataFrame({"estimate": [0.1, 0.2], "se": [0.2, 0.1]}), {"labels": ["a"]},
     "labels has 1 names for 2 cohorts"),
    (pd.DataFrame({"estimate": [0.1, 0.2], "se": [0.2, 0.1]}), {"conf_level": 95},
     "conf_level must be"),
    ("not a table", {}, "Pass a dict"),
    ([SimpleNamespace(c=0.7), SimpleNamespace(c=0.6, se=0.02)], {"measure": "C"},
     "without the attributes c and se"),
    ([SimpleNamespace(c=0.7, se=0.03), SimpleNamespace(c=0.6, se=0.02)], {},
     "not a Cox result"),
])
def test_bad_input_raises(data: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        mp.meta_analysis(data, **kwargs)


def test_term_is_required_and_checked() -> None:
    fits = _two_fits()
    with pytest.raises(ArgumentError, match=r"Pass term= .* horTh\[yes\], pnodes"):
        mp.meta_analysis(fits)
    with pytest.raises(ArgumentError, match=r"term 'age' is not in the model of cohort 'a'"):
        mp.meta_analysis(fits, term="age")
    res = mp.meta_analysis(fits, "fixed", term="pnodes")
    assert res.term == "pnodes"
    assert res.hr is not None
    assert res.hr > 1


def test_monotone_cox_term_is_refused() -> None:
    g = mp.datasets.load_gbsg2()
    fit = mp.cox(g.subset(g.ids <= 343), ["horTh"])
    drifting = SimpleNamespace(summary=fit.summary, monotone=("horTh[yes]",))
    with pytest.raises(ArgumentError, match=r"'horTh\[yes\]' in cohort 'b' drifts"):
        mp.meta_analysis({"a": fit, "b": drifting})


def test_reml_that_does_not_converge_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    c = ref("meta_rma_bcg")["cases"][2]       # bcg|all|REML: 3 iterations at the default
    yi, vi = np.array(c["yi"]), np.array(c["sei"]) ** 2
    fit = rma_fit(yi, vi, "REML", maxiter=1)
    assert not fit.converged
    assert fit.iterations == 2

    def one_step(*args: Any, **kwargs: Any) -> Any:
        return rma_fit(*args, **kwargs, maxiter=1)

    monkeypatch.setattr("mirprog.stats.meta.rma_fit", one_step)
    with pytest.warns(mp.errors.ConvergenceWarning, match="did not converge in 1 iter"):
        res = mp.meta_analysis(pd.DataFrame({"estimate": yi, "se": np.sqrt(vi)}), "REML")
    assert not res.converged


@pytest.mark.property
@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.lists(st.tuples(st.floats(-3, 3), st.floats(0.05, 2.0)), min_size=2,
                     max_size=12),
       method=st.sampled_from(["fixed", "DL", "REML"]))
def test_invariants(data: list[tuple[float, float]], method: str) -> None:
    yi = np.array([d[0] for d in data])
    sei = np.array([d[1] for d in data])
    res = mp.meta_analysis(pd.DataFrame({"estimate": yi, "se": sei}), method)  # type: ignore[arg-type]
    assert res.tau2 >= 0
    assert 0 <= res.i2 < 100
    assert res.h2 >= 1 or method == "fixed"
    assert_allclose(res.table["weight"].sum(), 100.0)
    assert res.ci_lower <= res.estimate <= res.ci_upper
    assert yi.min() - 1e-12 <= res.estimate <= yi.max() + 1e-12
    if method != "fixed":
        assert res.pi_lower <= res.ci_lower
        assert res.pi_upper >= res.ci_upper
        assert 0 <= res.tau2_ci_lower <= res.tau2_ci_upper
        assert res.tau2_ci_lower <= res.tau2 + 1e-12 or res.tau2 == 0
    slow = slow_rma(yi, sei ** 2, "FE" if method == "fixed" else "DL")
    if method != "REML":
        assert_allclose(res.estimate, slow["estimate"], rtol=1e-9, atol=1e-12)
