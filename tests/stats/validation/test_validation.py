"""mp.validate: a Cox model developed on Rotterdam and validated on GBSG, against R.

Fixture: ``tests/reference/validation_score_rotterdam_gbsg.json`` written by
``tests/reference/validation_reference.R`` (riskRegression 2022.11.28 ``Score`` with
``cens.model = "km"``, ``survival::royston``, ``coxph``, ``predict(type = "expected")``,
``survfit``); inputs ``validation_rotterdam.csv`` and ``validation_gbsg.csv``.
Breslow and Efron fits; horizons 1, 3 and 5 years (in days).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError, BandwidthWarning, CohortError
from mirprog.results import ValidationResult
from tests._reference import REF, cases

COVARIATES = ["age", "meno", "size", "grade3", "nodes", "pgr", "er", "hormon"]
POINT = {"rtol": 1e-10, "atol": 1e-12}
SE = {"rtol": 1e-8, "atol": 1e-12}


@cache
def cohorts() -> tuple[mp.Cohort, mp.Cohort]:
    dev = pd.read_csv(REF / "validation_rotterdam.csv")
    val = pd.read_csv(REF / "validation_gbsg.csv")
    return (mp.Cohort(dev, time="rfstime", event="rfs", id="pid"),
            mp.Cohort(val, time="rfstime", event="status", id="pid"))


@cache
def fitted(ties: str) -> mp.results.CoxResult:
    return mp.cox(cohorts()[0], COVARIATES, ties=ties,  # type: ignore[arg-type]
                  reference={"size": "<=20"})


@cache
def validated(ties: str, horizons: tuple[float, ...], groups: int) -> ValidationResult:
    return mp.validate(fitted(ties), cohorts()[1], horizons=list(horizons), groups=groups)


def _model_rows(score: dict[str, Any], metric: str, model: str) -> pd.DataFrame:
    frame = pd.DataFrame({k: v for k, v in score[metric].items()})
    return frame[frame["model"] == model].reset_index(drop=True)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_fit_and_predictions_match_r(case: dict[str, Any]) -> None:
    fit = fitted(case["ties"])
    assert_allclose(fit.summary["coef"], list(case["coef"].values()), **POINT)
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    p = v.predictions
    assert_allclose(p["lp"], case["lp"], **POINT, err_msg="predict(type = 'lp')")
    for t, risk in zip(case["horizons"], case["risk"], strict=True):
        assert_allclose(p[f"risk_at_{t:g}"], risk, **POINT, err_msg=f"predictRisk at {t}")
    assert_allclose(p["expected"], case["expected"], **POINT,
                    err_msg="predict(type = 'expected')")
    assert (v.n, v.n_events) == (686, case["observed"])


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_auc_matches_score(case: dict[str, Any]) -> None:
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    r = _model_rows(case["score"], "auc", "cox")
    assert list(v.auc.columns) == ["time", "auc", "se", "ci_lower", "ci_upper"]
    assert_allclose(v.auc["time"], r["times"])
    assert_allclose(v.auc["auc"], r["auc"], **POINT)
    assert_allclose(v.auc["se"], r["se"], **SE)
    assert_allclose(v.auc["ci_lower"], r["lower"], **SE)
    assert_allclose(v.auc["ci_upper"], r["upper"], **SE)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_brier_ipa_ibs_match_score(case: dict[str, Any]) -> None:
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    r = _model_rows(case["score"], "brier", "cox")
    null = _model_rows(case["score"], "brier", "Null model")
    b = v.brier
    assert_allclose(b["brier"], r["brier"], **POINT)
    assert_allclose(b["se"], r["se"], **SE)
    assert_allclose(b["ci_lower"], r["lower"], **SE)
    assert_allclose(b["ci_upper"], r["upper"], **SE)
    assert_allclose(b["null_brier"], null["brier"], **POINT)
    assert_allclose(b["null_se"], null["se"], **SE)
    assert_allclose(b["ipa"], r["ipa"], **POINT)
    assert_allclose(b["ibs"], r["ibs"], **POINT)
    assert_allclose(b["null_ibs"], null["ibs"], **POINT)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_integrated_brier_on_a_fine_grid(case: dict[str, Any]) -> None:
    grid = case["ibs_grid"]
    # at the early grid times most risks round to one value: no dpik bandwidth
    with pytest.warns(BandwidthWarning, match="KernSmooth::dpik"):
        v = mp.validate(fitted(case["ties"]), cohorts()[1], horizons=grid["times"], groups=3)
    ibs = np.array(grid["ibs"])
    model = np.array(grid["model"])
    assert_allclose(v.brier["brier"], np.array(grid["brier"])[model == "cox"], **POINT)
    assert_allclose(v.brier["ibs"], ibs[model == "cox"], **POINT)
    assert_allclose(v.brier["null_ibs"], ibs[model == "Null model"], **POINT)
    assert_allclose(v.integrated_brier(), (ibs[model == "cox"][-1],
                                           ibs[model == "Null model"][-1]), **POINT)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_roc_points_match_score(case: dict[str, Any]) -> None:
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    roc = pd.DataFrame(case["score"]["roc"])
    for t in case["horizons"]:
        ours = v.roc[v.roc["time"] == t].iloc[1:]        # R has no (0, 0) point
        theirs = roc[roc["times"] == t].sort_values(["fpr", "tpr"])
        assert len(ours) == len(theirs)
        assert_allclose(ours["tpr"], theirs["tpr"], **POINT)
        assert_allclose(ours["fpr"], theirs["fpr"], **POINT)
        assert_allclose(ours["threshold"], theirs["risk"], **POINT)
        area = np.sum(np.diff(ours["fpr"], prepend=0) *
                      (ours["tpr"] + np.r_[0, ours["tpr"].to_numpy()[:-1]]) / 2)
        assert area == pytest.approx(float(v.auc.loc[v.auc["time"] == t, "auc"].iloc[0]),
                                     rel=1e-12)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_slope_oe_royston_match_r(case: dict[str, Any]) -> None:
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    s = v.calibration_slope
    assert_allclose([s.slope, s.se], [case["slope"]["coef"], case["slope"]["se"]], **POINT)
    assert s.ci_lower == pytest.approx(s.slope - 1.959963984540054 * s.se, rel=1e-12)
    o = v.oe
    assert o.observed == case["observed"]
    assert_allclose(o.expected, sum(case["expected"]), **POINT)
    assert o.ratio == pytest.approx(o.observed / o.expected, rel=1e-14)
    assert_allclose([o.ci_lower, o.ci_upper],
                    o.ratio * np.exp(np.array([-1, 1]) * 1.959963984540054 / np.sqrt(o.observed)))
    d, roy = v.royston_d, case["royston"]
    assert_allclose([d.d, d.se, d.r2, d.r2_ko, d.c_gh],
                    [roy["D"], roy["se(D)"], roy["R.D"], roy["R.KO"], roy["C.GH"]], **POINT)


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_grouped_calibration_matches_survfit(case: dict[str, Any]) -> None:
    v = validated(case["ties"], tuple(case["horizons"]), 5)
    for cal in case["calib"]:
        ours = v.calibration[v.calibration["time"] == cal["time"]]
        assert ours["group"].tolist() == cal["group"]
        assert ours["n"].tolist() == cal["n"]
        for col in ("predicted", "observed", "ci_lower", "ci_upper"):
            assert_allclose(ours[col], cal[col], **POINT, err_msg=col)


def test_result_protocol_and_tables() -> None:
    v = validated("efron", (365.25, 1095.75, 1826.25), 10)
    assert v.conf_level == 0.95
    assert len(v.excluded) == 0
    assert v.excluded.n_used == 686
    assert list(v.to_frame().index) == [365.25, 1095.75, 1826.25]
    assert v.summary.loc["calibration_slope", "value"] == v.calibration_slope.slope
    assert v.calibration.groupby("time")["n"].sum().tolist() == [686] * 3
    assert v.calibration["group"].max() == 10
    assert "slope=" in repr(v)
    assert v.calibration_slope.to_frame().shape == (1, 6)
    assert v.oe.to_frame().shape == (1, 5)
    assert v.royston_d.to_frame().shape == (1, 7)
    assert v.harrell_c == pytest.approx(v.concordance_counts["concordance"])


def test_missing_covariates_are_excluded_and_listed() -> None:
    val = cohorts()[1].data
    val.loc[val.index[:2], "pgr"] = np.nan
    val.loc[val.index[2], "size"] = np.nan
    cohort = mp.Cohort(val, time="rfstime", event="status", id="pid")
    v = mp.validate(fitted("breslow"), cohort, horizons=[1095.75])
    assert v.n == 683
    assert len(v.excluded) == 3
    assert v.excluded.summary().startswith("683 of 686 rows used; 3 excluded: missing")
    assert {e.column for e in v.excluded.entries} == {"pgr", "size"}


def test_bad_input_raises() -> None:
    fit, val = fitted("breslow"), cohorts()[1]
    with pytest.raises(ArgumentError, match="outside the validation follow-up"):
        mp.validate(fit, val, horizons=[365.25, 5000])
    with pytest.raises(ArgumentError, match="outside the validation follow-up"):
        mp.validate(fit, val, horizons=[2659])
    with pytest.raises(ArgumentError, match="horizons must be positive finite"):
        mp.validate(fit, val, horizons=[-3])
    with pytest.raises(ArgumentError, match="takes a CoxResult"):
        mp.validate("model", val, horizons=[365])
    with pytest.raises(CohortError, match="needs a Cohort with follow-up"):
        mp.validate(fit, val.data, horizons=[365])  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="groups must be a positive integer"):
        mp.validate(fit, val, horizons=[365.25], groups=0)
    g = mp.datasets.load_gbsg2()
    strat = mp.cox(g, ["pnodes"], strata="horTh")
    with pytest.raises(ArgumentError, match=r"stratified by .* is not supported"):
        mp.validate(strat, g, horizons=[365])
    val_df = val.data.assign(size=np.nan)
    with pytest.raises(CohortError, match="No row of the validation cohort"):
        mp.validate(fit, mp.Cohort(val_df, time="rfstime", event="status", id="pid"),
                    horizons=[365])


def test_a_prognostic_model_validates_like_its_cox_fit() -> None:
    """The same Cox model frozen as a PrognosticModel gives the same numbers."""
    dev, val = cohorts()
    model = mp.PrognosticModel.fit(dev, [], COVARIATES, ties="efron",
                                   reference={"size": "<=20"})
    hs = [365.25, 1095.75, 1826.25]
    a = mp.validate(model, val, horizons=hs, groups=5)
    b = validated("efron", tuple(hs), 5)
    pd.testing.assert_frame_equal(a.auc, b.auc, rtol=1e-10)
    pd.testing.assert_frame_equal(a.brier, b.brier, rtol=1e-10)
    pd.testing.assert_frame_equal(a.calibration, b.calibration, rtol=1e-10)
    assert a.oe.expected == pytest.approx(b.oe.expected, rel=1e-10)
    assert a.royston_d.d == pytest.approx(b.royston_d.d, rel=1e-10)
    via_method = model.validate(val, horizon=1826.25, horizons=hs, groups=5)
    assert via_method.auc["auc"].tolist() == a.auc["auc"].tolist()
    assert via_method.risk_groups is not None


@pytest.mark.crosscheck
def test_auc_and_brier_agree_with_scikit_survival_without_tied_times() -> None:
    """scikit-survival's censoring KM keeps an event at a tied time at risk of censoring
    (prodlim does not), so the two agree exactly on rows with distinct times only."""
    from sksurv.metrics import brier_score, cumulative_dynamic_auc

    val = cohorts()[1].data
    untied = val[~val["rfstime"].duplicated(keep=False)]
    cohort = mp.Cohort(untied, time="rfstime", event="status", id="pid")
    hs = [365.25, 1095.75, 1826.25]
    v = mp.validate(fitted("efron"), cohort, horizons=hs)
    y = np.empty(len(untied), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = untied["status"] == 1, untied["rfstime"]
    for t in hs:
        risk = v.predictions[f"risk_at_{t:g}"].to_numpy()
        auc, _ = cumulative_dynamic_auc(y, y, risk, [t])
        _, brier = brier_score(y, y, 1 - risk, [t])
        assert v.auc.loc[v.auc["time"] == t, "auc"].iloc[0] == pytest.approx(auc[0], rel=1e-12)
        assert v.brier.loc[v.brier["time"] == t, "brier"].iloc[0] == pytest.approx(
            brier[0], rel=1e-12)


@pytest.mark.crosscheck
def test_calibration_slope_agrees_with_lifelines() -> None:
    from lifelines import CoxPHFitter

    v = validated("efron", (365.25, 1095.75, 1826.25), 5)
    p = v.predictions
    cph = CoxPHFitter().fit(pd.DataFrame({"t": p["time"], "e": p["event"], "lp": p["lp"]}),
                            "t", "e")
    assert v.calibration_slope.slope == pytest.approx(cph.params_["lp"], rel=1e-6)
    assert v.calibration_slope.se == pytest.approx(cph.standard_errors_["lp"], rel=1e-5)


def test_harrell_and_uno_come_from_mp_concordance() -> None:
    hs = (365.25, 1095.75, 1826.25)
    v = validated("efron", hs, 5)
    fit, val = fitted("efron"), cohorts()[1]
    assert v.harrell is not None
    assert v.uno is not None
    assert v.harrell.c == mp.concordance(fit, val).c
    assert v.harrell.c == pytest.approx(v.harrell_c, rel=1e-12)
    uno = mp.concordance(fit, val, timewt="n/G2", ymax=max(hs))
    assert (v.uno.c, v.uno.se) == (uno.c, uno.se)
    assert v.summary.loc["uno_c", "se"] == uno.se


def test_a_model_refuses_horizons_beyond_its_training_follow_up() -> None:
    g = mp.datasets.load_gbsg2()
    model = mp.PrognosticModel.fit(g.subset(g.ids <= 400), [], ["pnodes"])
    with pytest.raises(mp.MirprogError, match=r"horizon must be in \(0, "):
        mp.validate(model, g.subset(g.ids > 400), horizons=[365, 10_000])


@pytest.mark.parametrize("case", cases("validation_score_rotterdam_gbsg"))
def test_smoothed_calibration_matches_plotcalibration(case: dict[str, Any]) -> None:
    # the fixture gives R bandwidth = n^(-1/4); the default is tested in
    # test_calibration_default_bandwidth.py
    v = mp.validate(fitted(case["ties"]), cohorts()[1], horizons=list(case["horizons"]),
                    groups=5, smooth_bandwidth=case["calib_curve"][0]["bandwidth"])
    for curve in case["calib_curve"]:
        ours = v.calibration_curve[v.calibration_curve["time"] == curve["time"]]
        assert len(curve["predicted"]) == len(ours)
        assert_allclose(ours["predicted"], curve["predicted"], **POINT)
        assert_allclose(ours["observed"], curve["observed"], **POINT)


def _pseudo_reference(time: np.ndarray, event: np.ndarray, t: float) -> np.ndarray:
    """n F(t) - (n - 1) F_{-i}(t), each KM recomputed without row i (slow, obvious)."""
    def km_risk(tt: np.ndarray, ee: np.ndarray) -> float:
        s = 1.0
        for u in np.unique(tt[(ee == 1) & (tt <= t)]):
            s *= 1 - np.sum((tt == u) & (ee == 1)) / np.sum(tt >= u)
        return 1 - s
    n = len(time)
    full = km_risk(time, event)
    keep = np.ones(n, bool)
    out = np.empty(n)
    for i in range(n):
        keep[i] = False
        out[i] = n * full - (n - 1) * km_risk(time[keep], event[keep])
        keep[i] = True
    return out


def test_pseudo_values_equal_the_leave_one_out_reference() -> None:
    from mirprog.stats.validation.calibration import pseudo_risk

    rng = np.random.default_rng(3)
    time = np.ceil(rng.exponential(5, 80))
    event = (rng.random(80) < 0.7).astype(float)
    for t in (3.0, 6.0):
        assert_allclose(pseudo_risk(time, event, t), _pseudo_reference(time, event, t),
                        rtol=1e-12, atol=1e-12)
