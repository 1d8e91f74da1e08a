"""PrognosticModel: freeze on part of GBSG2, score and validate the rest.

R reference numbers come from ``tests/reference/prognostic_reference.R`` (R 4.2.2,
survival 3.5.3), committed as ``tests/reference/prognostic_coxph_gbsg2.json``: training
rows id <= 400, scored rows id > 400; markers split at the TRAINING medians;
``predict(fit, newdata, type = "lp")``, ``summary(survfit(fit, newdata),
times = ...)$surv``, ``basehaz(fit, centered = TRUE)`` and
``concordance(fit, newdata = test)``, for Breslow and Efron ties, with time in
days and in whole years (heavy ties).

Properties (``property``, hypothesis; strategies in ``tests/_strategies.py``): the exclusion
ledgers, cutpoints and frozen model ignore row order; the model's output is deterministic
(byte-identical JSON).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pandas.testing import assert_frame_equal

import mirprog as mp
from mirprog.cli import model as model_cli
from mirprog.errors import CohortError, DataFileError, MirprogError
from mirprog.model.prognostic import (
    HorizonWarning,
    PrognosticModel,
    ScaleWarning,
    ValidationResult,
)
from mirprog.present.plots import calibration_plot
from tests._strategies import HEAVY_SETTINGS, factor_frames, fit_quietly

REF = Path(__file__).resolve().parents[1] / "reference" / "prognostic_coxph_gbsg2.json"
RTOL, ATOL = 1e-6, 1e-10
THRESHOLDS = {"pnodes": 3.0}


@cache
def ref() -> dict[str, Any]:
    with open(REF) as fh:
        return json.load(fh)


@cache
def cohorts(time: str = "time") -> tuple[mp.Cohort, mp.Cohort]:
    """GBSG2 split into training (id <= 400) and new (id > 400) rows; time in days or years."""
    df = mp.datasets.load_gbsg2().data.reset_index(drop=True)
    df["tyear"] = np.ceil(df["time"] / 365.25)
    g = mp.Cohort(df, time=time, event="cens", id="id")
    return g.subset(g.ids <= 400), g.subset(g.ids > 400)


@cache
def reference_model() -> PrognosticModel:
    """The model of the issue: progrec, estrec (median) and pnodes > 3 markers, horTh."""
    train, _ = cohorts()
    return PrognosticModel.fit(train, ["progrec", "estrec", "pnodes"], ["horTh"],
                               thresholds=THRESHOLDS, groups="default")


def case_model(case: dict[str, Any]) -> tuple[PrognosticModel, mp.Cohort]:
    train, test = cohorts(case["time"])
    markers = [m for m in ("progrec", "estrec", "pnodes") if f"{m}_high" in case["terms"]]
    clinical = [c for c in ("horTh", "tgrade", "age") if any(t.startswith(c)
                                                              for t in case["terms"])]
    model = PrognosticModel.fit(train, markers, clinical, thresholds=THRESHOLDS,
                                ties=case["ties"])
    return model, test


CASES = [pytest.param(c, id=c["id"]) for c in ref()["cases"]]


# --------------------------------------------------------------------------- R agreement


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES)
def test_fit_and_predictions_agree_with_r(case: dict[str, Any]) -> None:
    model, test = case_model(case)
    assert model.n == case["n"]
    assert model.events == case["events"]
    assert model.max_time == case["max_time"]
    assert_allclose(model.coef, case["coef"], rtol=RTOL, atol=ATOL, err_msg="coef")
    # R (survival >= 3) centres at the means except for -1/0/1 columns, which stay at 0
    assert_allclose(model.center, case["means"], rtol=RTOL, atol=ATOL, err_msg="center")
    assert_allclose(model.cumulative_hazard(case["basehaz_time"]), case["basehaz_hazard"],
                    rtol=RTOL, atol=ATOL, err_msg="basehaz(fit, centered = TRUE)")
    scores = model.score(test, horizons=case["horizons"])
    assert scores["id"].tolist() == case["test_id"]
    assert_allclose(scores["linear_predictor"], case["lp"], rtol=RTOL, atol=ATOL,
                    err_msg="predict(type = 'lp')")
    for h, surv in zip(case["horizons"], case["surv"], strict=True):
        assert_allclose(scores[f"surv_at_{h:g}"], surv, rtol=RTOL, atol=ATOL,
                        err_msg=f"survfit(fit, newdata) at {h}")
    assert_allclose(scores["relative_hazard"], np.exp(case["lp"]), rtol=RTOL)
    result = model.validate(test)
    assert result.harrell_c == pytest.approx(case["concordance_test"], rel=RTOL)


def test_thresholds_are_the_training_ones_never_refitted() -> None:
    model = reference_model()
    train, test = cohorts()
    assert model.cutpoints.thresholds == {"progrec": ref()["progrec_median"],
                                          "estrec": ref()["estrec_median"], "pnodes": 3.0}
    assert model.cutpoints.thresholds["progrec"] == np.median(train.column("progrec"))
    assert np.median(test.column("progrec")) != model.cutpoints.thresholds["progrec"]
    # scoring a shifted cohort moves patients across the frozen threshold, not the threshold
    shifted = test.data.assign(progrec=test.column("progrec") + 10.0)
    scores = model.score(shifted, horizons=[365])
    assert scores["progrec_high"].tolist() == (shifted["progrec"] > 31.5).astype(int).tolist()
    assert model.cutpoints.thresholds["progrec"] == 31.5


# --------------------------------------------------------------------------- manual computation


def test_predictions_equal_manual_computation_from_saved_json(tmp_path: Path) -> None:
    model = reference_model()
    path = tmp_path / "model.json"
    model.save(path)
    saved = json.loads(path.read_text())
    _, test = cohorts()
    df = test.data
    thr = {c["marker"]: c["thresholds"][0] for c in saved["cutpoints"]}
    x = {"progrec_high": (df["progrec"] > thr["progrec"]).astype(float),
         "estrec_high": (df["estrec"] > thr["estrec"]).astype(float),
         "pnodes_high": (df["pnodes"] > thr["pnodes"]).astype(float),
         "horTh[yes]": (df["horTh"] == "yes").astype(float)}
    coefs = saved["cox"]["coefficients"]
    assert list(coefs) == list(x)
    lp = sum(c["coef"] * (x[t] - c["center"]) for t, c in coefs.items())
    times = np.array(saved["baseline"]["time"])
    cumhaz = np.array(saved["baseline"]["cumhaz"])
    scores = PrognosticModel.load(path).score(test, horizons=[365, 1825])
    assert_allclose(scores["linear_predictor"], lp, rtol=1e-12, atol=1e-12)
    for h in (365, 1825):
        h0 = cumhaz[times <= h][-1]
        assert_allclose(scores[f"surv_at_{h}"], np.exp(-h0 * np.exp(lp)), rtol=1e-12)


def test_score_columns_and_invariants() -> None:
    model = reference_model()
    _, test = cohorts()
    scores = model.score(test, horizons=[365, 1000, 1825])
    assert scores.columns.tolist() == [
        "id", "progrec_high", "estrec_high", "pnodes_high", "risk_group", "linear_predictor",
        "relative_hazard", "surv_at_365", "surv_at_1000", "surv_at_1825", "reason"]
    s = scores[["surv_at_365", "surv_at_1000", "surv_at_1825"]].to_numpy()
    assert np.all((s > 0) & (s <= 1))
    assert np.all(np.diff(s, axis=1) <= 0)  # survival falls with the horizon
    order = np.argsort(scores["linear_predictor"].to_numpy())
    assert np.all(np.diff(s[order, 2]) <= 1e-15)  # ... and with the risk score
    assert scores["reason"].isna().all()


@pytest.mark.property
@settings(derandomize=True, database=None, deadline=None, max_examples=40)
@given(st.lists(st.floats(0, 2612, allow_nan=False), min_size=1, max_size=4),
       st.lists(st.floats(0, 500), min_size=3, max_size=3))
def test_predicted_survival_is_a_survival_curve(horizons: list[float],
                                                values: list[float]) -> None:
    """S(h | x) lies in [0, 1] and is non-increasing in h, for any marker values."""
    model = reference_model()
    df = pd.DataFrame({"id": [1, 2, 3], "progrec": values, "estrec": values[::-1],
                       "pnodes": [1, 5, 9], "horTh": ["no", "yes", "no"]})
    hs = sorted(set(horizons))
    scores = model.score(df, horizons=hs)
    surv = scores[[f"surv_at_{h:g}" if float(h).is_integer() else f"surv_at_{h!r}"
                   for h in hs]].to_numpy()
    assert np.all((surv >= 0) & (surv <= 1))
    assert np.all(np.diff(surv, axis=1) <= 0)
    h0 = model.cumulative_hazard(hs)
    assert_allclose(-np.log(surv[0]), h0 * scores.loc[0, "relative_hazard"], rtol=1e-12,
                    atol=1e-300)


def test_risk_groups_follow_signature_logic() -> None:
    model = reference_model()
    # default: the higher-hazard level of every binary factor is adverse
    assert model.adverse == {"progrec_high": 0, "estrec_high": 0, "pnodes_high": 1,
                             "horTh": "no"}
    assert model.group_labels == ("A", "B", "C", "D", "E")
    _, test = cohorts()
    cut = model.cutpoints.apply(test)
    expected = mp.risk_groups(cut, model.adverse).cohort.data["risk_group"]
    scores = model.score(test, horizons=[365])
    assert scores["risk_group"].astype(str).tolist() == expected.astype(str).tolist()
    train, _ = cohorts()
    explicit = PrognosticModel.fit(train, ["progrec", "pnodes"], thresholds=THRESHOLDS,
                                   groups={"progrec_high": 0, "pnodes_high": 1})
    assert explicit.group_labels == ("A", "B", "C")
    assert PrognosticModel.fit(train, ["progrec"]).adverse is None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"markers": [], "clinical": []}, "at least one marker or clinical"),
        ({"markers": ["progrec"], "rule": "tertiles"}, "Unknown rule 'tertiles'"),
        ({"markers": ["progrec"], "thresholds": {"pnodes": 3}}, "not among the markers"),
        ({"markers": ["progrec"], "clinical": ["progrec"]}, "both as markers and as clinical"),
        ({"markers": ["progrec"], "groups": {"progrec": 1}}, "not a model covariate"),
        ({"markers": ["progrec"], "groups": {"progrec_high": 2}}, "adverse value 2"),
        ({"markers": ["progrec"], "groups": "all"}, "groups must be None, 'default'"),
        ({"clinical": ["age"], "groups": "default"}, "needs binary covariates"),
        ({"markers": ["prog"]}, "marker column 'prog' is not in the table"),
    ],
)
def test_fit_errors(kwargs: dict[str, Any], match: str) -> None:
    train, _ = cohorts()
    with pytest.raises(CohortError, match=match):
        PrognosticModel.fit(train, **kwargs)


# --------------------------------------------------------------------------- concordance


@pytest.mark.crosscheck
def test_concordance_agrees_with_sksurv_and_lifelines() -> None:
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw

    model = reference_model()
    _, test = cohorts()
    result = model.validate(test, horizon=1825)
    lp = result.predictions["lp"].to_numpy()
    sk = concordance_index_censored(test.event.astype(bool), test.time, lp)
    assert result.harrell_c == pytest.approx(sk[0], rel=1e-12)
    assert result.concordance_counts["concordant"] == sk[1]
    assert result.concordance_counts["discordant"] == sk[2]
    assert result.harrell_c == pytest.approx(concordance_index(test.time, -lp, test.event),
                                             rel=1e-12)
    # Uno's C is mp.concordance(timewt="n/G2", ymax=1825), R's: scikit-survival weighs by
    # G(t) rather than R's G(t-) and differs at tied times, so it agrees to ~1e-5 only
    assert result.uno is not None
    y = np.array(list(zip(test.event.astype(bool), test.time, strict=True)),
                 dtype=[("event", bool), ("time", float)])
    assert result.uno.c == pytest.approx(concordance_index_ipcw(y, y, lp, tau=1825)[0],
                                         rel=1e-4)


def test_validation_groups_and_calibration() -> None:
    model = reference_model()
    _, test = cohorts()
    result = model.validate(test, horizon=1825)
    assert isinstance(result, ValidationResult)
    assert (result.n, result.n_events, len(result.excluded)) == (286, 110, 0)
    groups = result.risk_groups
    assert groups is not None
    assert groups.by == "risk_group"
    scored = test.assign(risk_group=pd.Categorical(groups.scores["risk_group"]))
    assert groups.logrank is not None
    assert groups.logrank.chi2 == pytest.approx(mp.logrank(scored, by="risk_group").chi2)
    cal = groups.table
    observed = mp.km(scored, by="risk_group").at([1825]).set_index("group")["survival"]
    assert_allclose(cal["observed"].drop("all"), observed.to_numpy())
    predicted = groups.scores.groupby("risk_group", observed=True)["surv_at_1825"].mean()
    assert_allclose(cal["predicted"].drop("all"), predicted.to_numpy())
    assert cal.loc["all", "n"] == 286
    assert 1825 in result.horizons
    assert result.auc["auc"].between(0.5, 1).all()
    assert result.summary.loc["harrell_c", "value"] == result.harrell_c
    # the calibration table's risk at 1825 is 1 - the risk-group check's survival
    assert_allclose(result.predictions["risk_at_1825"], 1 - groups.scores["surv_at_1825"],
                    rtol=1e-12)
    # without model groups: quantile groups of the linear predictor
    train, _ = cohorts()
    plain = PrognosticModel.fit(train, ["progrec"], ["age"]).validate(test, n_groups=4)
    assert plain.risk_groups is not None
    assert plain.risk_groups.by == "lp_group"
    assert list(plain.risk_groups.km.groups) == ["Q1", "Q2", "Q3", "Q4"]
    assert plain.risk_groups.horizon == np.median(test.time)


def test_calibration_plot_reads_the_result() -> None:
    result = reference_model().validate(cohorts()[1], horizon=1825, groups=5)
    fig = calibration_plot(result, horizon=1825)
    ax, hist = fig.axes[:2]
    assert hist.get_xlabel() == "Predicted risk at t = 1825"
    assert ax.get_ylabel() == "Observed risk at t = 1825"
    legend = ax.get_legend()
    assert legend is not None
    assert len(legend.get_texts()) == 3  # ideal line, smoothed curve, the groups
    cal = result.calibration[result.calibration["time"] == 1825]
    points = next(line for line in ax.lines if line.get_marker() == "o").get_xydata()
    assert_allclose(points[:, 0], cal["predicted"])
    assert_allclose(points[:, 1], cal["observed"])


# --------------------------------------------------------------------------- save / load


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    train, test = cohorts()
    for model in (reference_model(),
                  PrognosticModel.fit(train, ["progrec"], ["tgrade", "age"], ties="efron")):
        path = tmp_path / "m.json"
        model.save(path)
        loaded = PrognosticModel.load(path)
        assert loaded == model
        assert loaded.to_json() == model.to_json()
        pd.testing.assert_frame_equal(loaded.score(test, horizons=[1825]),
                                      model.score(test, horizons=[1825]))
    text = (tmp_path / "m.json").read_text()
    assert json.loads(text)["schema"] == "mirprog.model/3"
    assert '"tgrade[II]"' in text  # human-readable: terms by name


def test_load_missing_file() -> None:
    with pytest.raises(DataFileError, match="No model file at"):
        PrognosticModel.load("nowhere/model.json")


# --------------------------------------------------------------------------- scoring edge cases


def test_missing_values_are_listed_never_dropped() -> None:
    model = reference_model()
    _, test = cohorts()
    df = test.data.reset_index(drop=True)
    df.loc[0, "progrec"] = np.nan
    df.loc[1, ["estrec", "horTh"]] = [np.nan, None]
    df.loc[2, "horTh"] = "maybe"
    scores = model.score(df, horizons=[365])
    assert len(scores) == len(df)
    assert scores["reason"].iloc[:3].tolist() == [
        "missing progrec", "missing estrec; missing horTh",
        "unknown level 'maybe' (training: ['no', 'yes']) of horTh"]
    assert scores.loc[:2, ["linear_predictor", "surv_at_365"]].isna().all().all()
    assert scores.loc[:2, "risk_group"].isna().all()
    assert scores.loc[1, "progrec_high"] == 0  # the known marker is still shown
    full = model.score(test, horizons=[365])
    pd.testing.assert_frame_equal(scores.iloc[3:], full.iloc[3:])
    result = model.validate(mp.Cohort(df, time="time", event="cens", id="id"), horizon=365)
    assert result.n == len(df) - 3
    assert result.excluded.summary() == (
        "283 of 286 rows used; 3 excluded: missing progrec (401); missing estrec (402); "
        "unknown level 'maybe' (training: ['no', 'yes']) of horTh (403)")


def test_dataframe_without_outcome_and_id_column() -> None:
    model = reference_model()
    _, test = cohorts()
    df = test.data.drop(columns=["time", "cens"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(model.score(df, horizons=[365]),
                                  model.score(test, horizons=[365]))
    by_index = model.score(df.drop(columns="id"), horizons=[365])
    assert by_index.columns[0] == "row"
    assert by_index["row"].tolist() == list(range(len(df)))
    renamed = df.rename(columns={"id": "patient"})
    assert model.score(renamed, horizons=[365], id="patient")["patient"].tolist() == \
        df["id"].tolist()


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d.drop(columns="estrec"), "no column 'estrec'"),
        (lambda d: d.drop(columns="horTh"), "no column 'horTh'"),
        (lambda d: d.assign(horTh="Yes"), "none of the training levels"),
        (lambda d: d.assign(id=1), "duplicated ids"),
        (lambda d: d.assign(progrec="high"), "non-numeric values"),
    ],
)
def test_score_errors(edit: Any, match: str) -> None:
    df = edit(cohorts()[1].data.reset_index(drop=True))
    with pytest.raises(CohortError, match=match):
        reference_model().score(df, horizons=[365])


def test_numeric_clinical_with_text_is_an_error() -> None:
    train, test = cohorts()
    model = PrognosticModel.fit(train, ["progrec"], ["age"])
    with pytest.raises(CohortError, match="'age' entered the model as a number"):
        model.score(test.data.assign(age="old"), horizons=[365])


@pytest.mark.parametrize(
    ("transform", "match"),
    [
        (lambda v: np.log2(v + 1), r"0% of patients are above the frozen threshold"),
        (lambda v: v * 1000.0, "median .* is far outside"),
    ],
)
def test_marker_on_another_scale_warns(transform: Any, match: str) -> None:
    model = reference_model()
    df = cohorts()[1].data
    df["progrec"] = transform(df["progrec"])
    with pytest.warns(ScaleWarning, match=f"Marker 'progrec' .*{match}"):
        model.score(df, horizons=[365])


def test_raw_ct_scored_by_a_relative_expression_model_warns() -> None:
    train, test = cohorts()
    rel = lambda c: (c.column("progrec") + 1) / 10  # noqa: E731 - relative expression 0.1-240
    model = PrognosticModel.fit(train.assign(mir=rel(train)), ["mir"], ["horTh"])
    ct = test.data.assign(mir=35 - np.log2(rel(test)))  # raw Ct, about 27-35
    assert ct["mir"].between(20, 40).all()
    with pytest.warns(ScaleWarning, match=r"100% of patients are above the frozen threshold 3"):
        model.score(ct, horizons=[365])


def test_horizon_beyond_training_follow_up_is_nan() -> None:
    model = reference_model()
    with pytest.warns(HorizonWarning, match=r"beyond the training follow-up \(2612\)"):
        scores = model.score(cohorts()[1], horizons=[365, 3000])
    assert scores["surv_at_3000"].isna().all()
    assert scores["surv_at_365"].notna().all()
    with pytest.raises(MirprogError, match="horizons must be finite"):
        model.score(cohorts()[1], horizons=[-1])
    with pytest.raises(MirprogError, match="horizon must be in"):
        model.validate(cohorts()[1], horizon=3000)
    with pytest.raises(MirprogError, match="auc_times must lie within the follow-up"):
        model.validate(cohorts()[1], auc_times=[365, 5000])
    with pytest.raises(CohortError, match="needs a Cohort with follow-up"):
        model.validate(cohorts()[1].data)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- command line


def _run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="mirprog")
    model_cli.add_parsers(parser.add_subparsers(dest="command", required=True))
    model_cli.run(parser.parse_args(argv))


def test_cli_fit_then_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = cohorts()
    train_csv, new_csv = tmp_path / "train.csv", tmp_path / "new.csv"
    train.data.to_csv(train_csv, index=False)
    test.data.drop(columns=["time", "cens"]).to_csv(new_csv, index=False)
    model_json, scores_csv = tmp_path / "model.json", tmp_path / "scores.csv"
    _run(["fit", str(train_csv), "--time", "time", "--event", "cens", "--id", "id",
          "--markers", "progrec", "estrec", "--cut", "pnodes=3", "--clinical", "horTh",
          "--groups", "default", "--out", str(model_json)])
    out = capsys.readouterr().out
    assert "Fitted on 400 patients, 189 events" in out
    assert "progrec_high: progrec > 31.5 (median)" in out
    assert "pnodes_high: pnodes > 3 (fixed)" in out
    assert PrognosticModel.load(model_json) == reference_model()
    _run(["score", str(new_csv), "--model", str(model_json), "--out", str(scores_csv),
          "--horizons", "365", "1825"])
    assert "Scored 286 of 286 patients" in capsys.readouterr().out
    written = pd.read_csv(scores_csv)
    expected = reference_model().score(test, horizons=[365, 1825])
    assert_allclose(written["surv_at_1825"], expected["surv_at_1825"], rtol=1e-12)
    assert written["risk_group"].tolist() == expected["risk_group"].astype(str).tolist()


def test_cli_score_with_validation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, test = cohorts()
    new_csv, model_json = tmp_path / "new.csv", tmp_path / "model.json"
    df = test.data
    df.loc[df.index[0], "progrec"] = np.nan
    df.to_csv(new_csv, index=False)
    reference_model().save(model_json)
    _run(["score", str(new_csv), "--model", str(model_json), "--out",
          str(tmp_path / "s.csv"), "--horizons", "365", "1825", "--validate"])
    out = capsys.readouterr().out
    assert "Scored 285 of 286 patients" in out
    assert "not scored, missing progrec: 401" in out
    assert "Validation: Harrell's C 0.6" in out
    assert "Calibration at t = 1825" in out


@pytest.mark.parametrize(
    ("argv", "error", "match"),
    [
        (["score", "{csv}", "--model", "missing.json", "--out", "{out}"], DataFileError,
         "No model file"),
        (["score", "{dir}/nothing.csv", "--model", "{model}", "--out", "{out}", "--horizons",
          "365"],
         DataFileError, "No file at"),
        (["fit", "{csv}", "--time", "time", "--event", "cens", "--markers", "progrec",
          "--groups", "progrec_high", "--out", "{out}"], MirprogError, "--groups expects"),
    ],
)
def test_cli_user_mistakes(tmp_path: Path, argv: list[str], error: type[Exception],
                           match: str) -> None:
    csv, model_json = tmp_path / "c.csv", tmp_path / "model.json"
    cohorts()[0].data.to_csv(csv, index=False)
    reference_model().save(model_json)
    subst = {"{csv}": str(csv), "{out}": str(tmp_path / "out"), "{dir}": str(tmp_path),
             "{model}": str(model_json)}
    args = []
    for a in argv:
        for k, v in subst.items():
            a = a.replace(k, v)
        args.append(a)
    with pytest.raises(error, match=match):
        _run(args)


# --------------------------------------------------------------------------- properties


@pytest.mark.property
@HEAVY_SETTINGS
@given(df=factor_frames(), seed=st.integers(0, 2**32 - 1))
def test_ledgers_cutpoints_and_model_ignore_row_order(df: pd.DataFrame, seed: int) -> None:
    df = df.assign(pid=[f"p{i}" for i in range(len(df))])
    shuffled = df.iloc[np.random.default_rng(seed).permutation(len(df))]
    a = mp.Cohort(df, time="time", event="event", id="pid")
    b = mp.Cohort(shuffled, time="time", event="event", id="pid")
    for cols in (["m"], ["m", "g"], ["x", "z"]):
        ea, eb = a.complete_cases(cols).exclusions, b.complete_cases(cols).exclusions
        assert sorted(ea.entries, key=str) == sorted(eb.entries, key=str)
        assert (ea.n_total, ea.n_used) == (eb.n_total, eb.n_used)
    assume(a.data["m"].notna().sum() >= 4)
    try:
        cuts = mp.Cutpoints.fit(a, ["m"])
    except mp.CohortError:
        assume(False)
    assert mp.Cutpoints.fit(b, ["m"]) == cuts
    ma = fit_quietly(lambda: PrognosticModel.fit(a, ["m"], ["z"]))
    mb = fit_quietly(lambda: PrognosticModel.fit(b, ["m"], ["z"]))
    assert ma.cutpoints == mb.cutpoints
    assert (ma.n, ma.events, ma.n_excluded) == (mb.n, mb.events, mb.n_excluded)
    assert_allclose(ma.coef, mb.coef, rtol=1e-8, atol=1e-12)
    assert_allclose(ma.baseline_cumhaz, mb.baseline_cumhaz, rtol=1e-8)


@pytest.mark.property
@HEAVY_SETTINGS
@given(df=factor_frames())
def test_model_is_deterministic(df: pd.DataFrame) -> None:
    c = mp.Cohort(df, time="time", event="event")
    first = fit_quietly(lambda: PrognosticModel.fit(c, ["m"], ["x"], groups="default"))
    second = fit_quietly(lambda: PrognosticModel.fit(c, ["m"], ["x"], groups="default"))
    assert first.to_json() == second.to_json()
    assert_frame_equal(first.score(c, horizons=[1.0]), second.score(c, horizons=[1.0]),
                       check_exact=True)


# ------------------------------------------------------------ bad-input catalogue: exclusion ledger

def _ledger_model(c: mp.Cohort) -> None:
    model = PrognosticModel.fit(c, markers=["progrec"], clinical=["horTh"])
    assert (model.n, model.n_excluded) == (683, 3)
    scores = model.score(c, horizons=[365])
    assert len(scores) == 686  # every row is kept, with the reason it was not scored
    unscored = scores[scores["reason"].notna()]
    assert unscored["id"].tolist() == [3, 7, 10]
    assert unscored["reason"].str.contains("missing").all()


LEDGERS = [
    pytest.param(_ledger_model, id="model-fit-and-score"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
