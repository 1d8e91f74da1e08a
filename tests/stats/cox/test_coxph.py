"""The Cox model (``mp.cox``, mirprog/stats/cox/coxph.py, on the engine in mirprog/_engine).

Sections (each tagged with its marker):

* R reference (``r_reference``): Breslow and Efron ties against R ``coxph`` --
  coefficients, SE, HR with CI, z, p, log-likelihoods, LR/Wald/score tests, concordance, n
  and events -- and the "coefficient may be infinite" flag (R 4.2.2, survival 3.5.3;
  ``coxph_coxph_{gbsg2,lung,ties,monotone}.json`` from
  ``tests/reference/survival_reference.R``).
* Cross-checks (``crosscheck``): Breslow and Efron fits on GBSG2 against ``statsmodels``
  ``PHReg`` (coefficients, standard errors, log partial likelihood at the estimate and at
  beta = 0), and Harrell's C of the linear predictor against lifelines'
  ``concordance_index`` and scikit-survival's ``concordance_index_censored``.
  statsmodels stops its optimiser less tightly than R's rule, which mirprog replicates:
  coefficients agree to ~5e-8 relative, hence ``rtol=1e-6``.  lifelines scores
  *survival* (higher = longer), hence ``-linear_predictor``.
* Monotone likelihood: a group without events is flagged, never silent.
* Design: errors (no covariate, a single level, collinear columns, an unknown reference
  level or column), categorical terms and their reference level.
* Properties (``property``, hypothesis; strategies in ``tests/_strategies.py``):
  invariance to row order, swapping the groups (x -> 1 - x) inverts the hazard ratio and
  leaves the LR / score / Wald statistics unchanged, determinism (these three also check
  the KM and log-rank of the same cohorts), and monotone data flagged, never a crash.
* The exclusion ledger of the bad-input catalogue (``tests/_cohorts.py``).
* Fuzz regressions (``fuzz``, helpers in ``tests/_fuzzing.py``): extreme covariate values
  and a numerically singular information matrix are refused with a MirprogError.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines.utils import concordance_index
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal
from sksurv.metrics import concordance_index_censored
from statsmodels.duration.hazard_regression import PHReg

import mirprog as mp
from tests._cohorts import hand_cohort
from tests._fuzzing import raises_only_mirprog_error, tiny
from tests._reference import cases, close, r_cohort, ref
from tests._strategies import (
    HEAVY_SETTINGS,
    REL,
    SETTINGS,
    TIES,
    assert_cox_equal,
    cohort_frames,
    cox_xz,
    factor_frames,
    make,
    permuted,
)

COX_RTOL = 1e-6

# --------------------------------------------------------------------------- R reference (coxph)

COX_CASES = cases("coxph_coxph_gbsg2") + cases("coxph_coxph_lung") + cases("coxph_coxph_ties")


@cache
def cox_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in COX_CASES if c.values[0]["id"] == case_id)
    kwargs = {k: case[k] for k in ("categorical", "reference") if case[k] is not None}
    return mp.cox(r_cohort(case["dataset"]), list(case["covariates"]), ties=case["ties"],
                  **kwargs)


@pytest.mark.r_reference
def test_cox_accepts_explicit_none_options() -> None:
    """The documented defaults ``categorical=None, reference=None`` can be passed explicitly."""
    fit = mp.cox(r_cohort("gbsg2"), ["pgr_high"], ties="efron", categorical=None,
                 reference=None)
    close(fit.summary["coef"], cox_fit("gbsg2|pgr_high|efron").summary["coef"], "coef")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_coefficients(case: dict[str, Any]) -> None:
    fit = cox_fit(case["id"])
    summ = fit.summary
    terms = [str(t) for t in np.atleast_1d(case["term"])]
    assert list(summ.index) == terms, "terms"
    for col in ["coef", "se", "hr", "ci_lower", "ci_upper", "z", "p"]:
        close(summ[col], case[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_model_statistics(case: dict[str, Any]) -> None:
    fit = cox_fit(case["id"])
    for attr in [
        "loglik",
        "loglik_null",
        "neg2loglik",
        "lr_chi2",
        "lr_df",
        "lr_p",
        "wald_chi2",
        "wald_p",
        "score_chi2",
        "score_p",
    ]:
        close(getattr(fit, attr), case[attr], attr)
    assert fit.n == case["n"]
    assert fit.events == case["events"]
    assert len(fit.excluded) == case["n_excluded"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_concordance(case: dict[str, Any]) -> None:
    close(cox_fit(case["id"]).concordance, case["concordance"], "concordance")


EFRON_TIES = [c for c in cases("coxph_coxph_ties") if c.values[0]["ties"] == "efron"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", EFRON_TIES)
def test_ties_breslow_and_efron_differ(case: dict[str, Any]) -> None:
    """On year-rounded times the two tie methods must give visibly different fits."""
    bres_id = case["id"].replace("|efron", "|breslow")
    diff = np.abs(
        cox_fit(case["id"]).summary["coef"].to_numpy() - cox_fit(bres_id).summary["coef"].to_numpy()
    )
    assert diff.max() > 1e-3


@pytest.mark.r_reference
def test_cox_monotone_likelihood_flag() -> None:
    m = ref("coxph_coxph_monotone")
    assert any("coefficient may be infinite" in w for w in np.atleast_1d(m["r_warnings"]))
    df = pd.DataFrame(m["data"])
    c = mp.Cohort(df, time="time", event="event", id="id")
    with pytest.warns(mp.MonotoneLikelihoodWarning):
        fit = mp.cox(c, list(m["covariates"]), ties=m["ties"])
    assert set(fit.monotone) == set(np.atleast_1d(m["infinite_terms"]))
    # R stops at a large positive value; only the direction is meaningful
    r_coef = dict(zip(m["term"], m["coef"], strict=True))
    assert float(r_coef["x"]) > 10
    assert fit.summary["coef"].to_numpy()[list(fit.summary.index).index("x")] > 5


# ------------------------------------------- cross-checks (statsmodels, lifelines, scikit-survival)

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


@pytest.mark.crosscheck
@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("model", list(MODELS))
def test_cox_matches_statsmodels(gbsg_split: mp.Cohort, split_frame: pd.DataFrame, model: str,
                                 ties: str) -> None:
    covariates, design = MODELS[model]
    fit = mp.cox(gbsg_split, covariates, ties=ties)
    x = design(split_frame)
    assert x.shape[1] == len(fit.terms)
    sm_model = PHReg(split_frame["time"].to_numpy(float), x,
                     status=split_frame["cens"].to_numpy(float),
                     ties=ties)
    sm = sm_model.fit()
    assert_allclose(fit.summary["coef"].to_numpy(), sm.params, rtol=COX_RTOL)
    assert_allclose(fit.summary["se"].to_numpy(), sm.bse, rtol=COX_RTOL)
    assert_allclose(fit.loglik, sm.llf, rtol=COX_RTOL)
    assert_allclose(fit.loglik_null, sm_model.loglike(np.zeros(x.shape[1])), rtol=1e-10)
    assert fit.n == len(split_frame)
    assert fit.events == int(split_frame["cens"].sum())
    assert fit.converged
    assert fit.monotone == ()


@pytest.mark.crosscheck
@pytest.mark.parametrize("model", list(MODELS))
def test_concordance_matches_lifelines_and_sksurv(gbsg_split: mp.Cohort,
                                                  split_frame: pd.DataFrame,
                                                  model: str) -> None:
    fit = mp.cox(gbsg_split, MODELS[model][0])
    t, e = split_frame["time"].to_numpy(float), split_frame["cens"].to_numpy(int)
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


def test_cox_monotone_likelihood_is_flagged_not_silent() -> None:
    c = hand_cohort(list(range(1, 13)), [1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
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


# --------------------------------------------------------------------- design and categorical terms


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


# --------------------------------------------------------------------------- properties


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames(), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance(df: pd.DataFrame, seed: int) -> None:
    a, b = make(df), make(permuted(df, seed))

    km_a = mp.km(a, by="x").table.sort_values(["group", "time"], ignore_index=True)
    km_b = mp.km(b, by="x").table.sort_values(["group", "time"], ignore_index=True)
    assert_frame_equal(km_a, km_b, check_exact=False, rtol=REL)
    assert_allclose(mp.logrank(a, by="x").chi2, mp.logrank(b, by="x").chi2, rtol=REL)

    for ties in TIES:
        assert_cox_equal(mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties))
        assert_cox_equal(cox_xz(a, ties), cox_xz(b, ties))


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames())
def test_swapping_groups_inverts_hr(df: pd.DataFrame) -> None:
    a = make(df)
    b = make(df.assign(x=1 - df["x"]))
    lr_a, lr_b = mp.logrank(a, by="x"), mp.logrank(b, by="x")
    assert_allclose(lr_a.chi2, lr_b.chi2, rtol=REL)
    assert_allclose(lr_a.p, lr_b.p, rtol=1e-8, atol=1e-300)
    # the groups trade places in the KM table and in the observed/expected table
    km_a, km_b = mp.km(a, by="x").table, mp.km(b, by="x").table
    for g in (0, 1):
        assert_frame_equal(km_a[km_a["group"] == g].drop(columns="group").reset_index(drop=True),
                           km_b[km_b["group"] == 1 - g].drop(columns="group")
                           .reset_index(drop=True))
    assert_allclose(lr_a.table[["observed", "expected"]].to_numpy()[::-1],
                    lr_b.table[["observed", "expected"]].to_numpy(), rtol=REL)

    for ties in TIES:
        for fa, fb in ((mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties)),
                       (cox_xz(a, ties), cox_xz(b, ties))):
            sa, sb = fa.summary, fb.summary
            assert_allclose(sb.loc["x", "coef"], -sa.loc["x", "coef"], rtol=1e-9)
            assert_allclose(sb.loc["x", "hr"], 1 / sa.loc["x", "hr"], rtol=1e-9)
            assert_allclose(sb["se"], sa["se"], rtol=1e-9)
            assert_allclose(sb.loc["x", "p"], sa.loc["x", "p"], rtol=1e-8, atol=1e-300)
            if "z" in sa.index:
                assert_allclose(sb.loc["z", "coef"], sa.loc["z", "coef"], rtol=1e-9)
            assert_allclose(fb.loglik, fa.loglik, rtol=REL)
            assert_allclose([fb.lr_chi2, fb.score_chi2, fb.wald_chi2],
                            [fa.lr_chi2, fa.score_chi2, fa.wald_chi2], rtol=1e-8, atol=1e-12)
            # equal up to a constant: like R, 0/1 columns are not centred, so the swap shifts
            # every patient's linear predictor by the same amount (risk ordering unchanged)
            shift = fb.linear_predictor - fa.linear_predictor
            assert_allclose(shift, shift[0], rtol=1e-8, atol=1e-10)
            assert_allclose(fb.concordance, fa.concordance, rtol=REL)


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames())
def test_deterministic(df: pd.DataFrame) -> None:
    cohort = make(df)
    k1, k2 = mp.km(cohort, by="x"), mp.km(cohort, by="x")
    assert_frame_equal(k1.table, k2.table, check_exact=True)
    assert_frame_equal(k1.median, k2.median, check_exact=True)
    l1, l2 = mp.logrank(cohort, by="x"), mp.logrank(cohort, by="x")
    assert (l1.chi2, l1.p) == (l2.chi2, l2.p)
    assert_array_equal(l1.variance, l2.variance)
    for ties in TIES:
        c1, c2 = cox_xz(cohort, ties), cox_xz(cohort, ties)
        assert_frame_equal(c1.summary, c2.summary, check_exact=True)
        assert (c1.loglik, c1.score_chi2, c1.wald_chi2, c1.concordance) == (
            c2.loglik, c2.score_chi2, c2.wald_chi2, c2.concordance)
        assert_array_equal(c1.linear_predictor, c2.linear_predictor)
    j1 = mp.Cutpoints.fit(cohort, ["m"], rule="fixed", thresholds={"m": 50.0}).to_json()
    j2 = mp.Cutpoints.fit(cohort, ["m"], rule="fixed", thresholds={"m": 50.0}).to_json()
    assert j1 == j2


@pytest.mark.property
@HEAVY_SETTINGS
@given(df=factor_frames(monotone=True))
def test_monotone_data_are_flagged_not_crashed(df: pd.DataFrame) -> None:
    c = mp.Cohort(df, time="time", event="event")
    with pytest.warns(mp.MonotoneLikelihoodWarning, match="Monotone likelihood for x"):
        fit = mp.cox(c, "x")
    assert fit.monotone == ("x",)
    assert fit.summary.loc["x", "hr"] < 1e-3  # drifting to 0: group 1 has no event
    lr = mp.logrank(c, by="x")
    assert np.isfinite(lr.chi2)
    with pytest.warns(mp.MonotoneLikelihoodWarning):
        uni = mp.univariate(c, ["x"])
    assert bool(uni.table.set_index("factor").loc["x", "monotone"])
    t4 = mp.table4(c, "x", {})
    assert t4.frame.loc["All", "note"] == "not estimable: no events in the high group"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.ConvergenceWarning)
        firth = mp.cox(c, "x", firth=True)
    assert np.isfinite(firth.summary.loc["x", "hr"])


# ------------------------------------------------------------ bad-input catalogue: exclusion ledger

def _ledger_cox(c: mp.Cohort) -> None:
    fit = mp.cox(c, ["progrec_high", "horTh"])
    assert (fit.n, fit.excluded.n_total, fit.excluded.n_used) == (683, 686, 683)
    assert fit.excluded.to_frame().to_dict("records") == [
        {"row": 3, "column": "progrec_high", "reason": "missing"},
        {"row": 7, "column": "progrec_high", "reason": "missing"},
        {"row": 10, "column": "horTh", "reason": "missing"}]


LEDGERS = [
    pytest.param(_ledger_cox, id="cox"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)


# --------------------------------------------------------------------------- fuzz regressions

def _text_marker_cox() -> None:
    """A marker made a category enters cox() as a 34-level factor (34 parameters, 34 rows):
    the information matrix is numerically singular, which must not give NaN SEs + warnings.

    Whether the pivots fall below the tolerance depends on the last bits of the BLAS in
    use (R itself runs out of iterations here without a singular pivot): either a
    singular-information error or a monotone-likelihood warning with finite SEs is right.
    """
    text = {"t": "0.5 28 86.75 10.75 37.25 49 2 35.75 84.5 43.75 99 5.5 20 3.75 0.75 11.5 2.5 "
                 "28.75 76.75 50.5 19.25 33.5 98.5 43.25 79.5 23.75 14 54 94.75 21.25 74.5 81.5 "
                 "88 61",
            "e": "1 1 0 1 0 0 1 1 1 0 0 0 1 0 1 1 1 1 1 1 1 1 0 1 1 1 0 1 0 1 0 1 1 0",
            "g": "1 1 1 1 1 0 0 1 1 1 1 1 1 0 0 1 0 1 0 0 0 1 1 1 0 0 0 0 1 1 0 0 1 0",
            "m": "1.314 5.658 4.481 2.188 6.991 5.294 5.460 6.226 6.925 4.742 5.514 2.145 7.525 "
                 "5.482 4.254 6.522 8.171 5.030 4.966 4.297 7.731 3.144 7.913 5.278 4.409 4.448 "
                 "3.775 3.682 3.468 4.825 3.679 6.425 2.296 3.190"}
    df = pd.DataFrame({k: v.split() for k, v in text.items()})
    # numbers as text are numbers now (mirprog.missing); a 34-level factor must be asked for
    df["m"] = df["m"].astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mp.MonotoneLikelihoodWarning)
        try:
            fit = mp.cox(mp.Cohort(df, time="t", event="e"), ["g", "m"])
        except mp.MonotoneLikelihoodWarning:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
                fit = mp.cox(mp.Cohort(df, time="t", event="e"), ["g", "m"])
            assert np.isfinite(fit.summary["se"]).all()
            raise mp.CohortError("information matrix is singular (in effect: monotone "
                                 "likelihood, finite SEs)") from None


EXTERNAL = [
    pytest.param(lambda: mp.cox(tiny(g=[0, 1, 0, 1e308, 1], e=[1, 0, 1, 1, 0]), "g"),
                 r"or hold extreme values", id="cox-covariate-1e308"),
    pytest.param(_text_marker_cox, r"information matrix is singular",
                 id="cox-numerically-singular-information"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("action", "match"), EXTERNAL)
def test_external_regressions(action: Callable[[], object], match: str) -> None:
    raises_only_mirprog_error(action, match)
