"""PrognosticModel with strata and case weights: fit on part of a real cohort, score the rest.

R reference (``r_reference``): ``tests/reference/prognostic_strata_reference.R`` (R 4.2.2,
survival 3.5.3) wrote ``prognostic_survfit_strata.json``: GBSG2 (train id <= 400, score
id > 400; progrec > training median, pnodes > 3, age; ``strata(horTh)`` and/or seeded
non-integer weights; time in days and in whole years) and veteran (train id %% 3 != 0;
karno > training median, trt, age; ``strata(celltype)``), Breslow and Efron:
``coef``, ``fit$means``, ``basehaz(fit, centered = TRUE)`` per stratum,
``predict(fit, newdata, type = "lp", reference = "sample")``, ``predict(fit, newdata,
type = "survival")`` at each horizon (equal in R to ``summary(survfit(fit, newdata),
times =)``) and ``concordance(fit, newdata)`` (within strata, unweighted).
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.cli import model as model_cli
from mirprog.errors import CohortError, HorizonWarning, MirprogError
from mirprog.model.prognostic import PrognosticModel
from tests._reference import close, ref

FIXTURE = "prognostic_survfit_strata"


@cache
def cohorts(data: str, time: str = "time") -> tuple[mp.Cohort, mp.Cohort]:
    """(training, new) cohorts of a data set of the fixture, with its weights column ``w``."""
    d = ref(FIXTURE)
    if data == "gbsg2":
        df = mp.datasets.load_gbsg2().data.reset_index(drop=True)
        df = df.merge(pd.DataFrame(d["gbsg2"]), on="id")
        df["tyear"] = np.ceil(df["time"] / 365.25)
        c = mp.Cohort(df, time=time, event="cens", id="id", time_unit="days")
        return c.subset(c.ids <= 400), c.subset(c.ids > 400)
    c = mp.Cohort(pd.DataFrame(d["veteran"]), time="time", event="status", id="id",
                  time_unit="days")
    return c.subset(c.ids % 3 != 0), c.subset(c.ids % 3 == 0)


def case_model(case: dict[str, Any]) -> tuple[PrognosticModel, mp.Cohort]:
    train, test = cohorts(case["data"], case["time"])
    if case["data"] == "gbsg2":
        markers, clinical, thresholds = ["progrec", "pnodes"], ["age"], {"pnodes": 3.0}
    else:
        markers, clinical, thresholds = ["karno"], ["trt", "age"], {}
    model = PrognosticModel.fit(train, markers, clinical, thresholds=thresholds,
                                ties=case["ties"], strata=case["strata"],
                                weights="w" if case["weighted"] else None)
    return model, test


CASES = [pytest.param(c, id=c["id"]) for c in ref(FIXTURE)["cases"]]


@cache
def stratified() -> PrognosticModel:
    train, _ = cohorts("gbsg2")
    return PrognosticModel.fit(train, ["progrec", "pnodes"], ["age"], thresholds={"pnodes": 3.0},
                               strata="horTh", weights="w", groups={"progrec_high": 0,
                                                                    "pnodes_high": 1})


# --------------------------------------------------------------------------- R agreement


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES)
def test_fit_scores_and_validation_agree_with_r(case: dict[str, Any]) -> None:
    model, test = case_model(case)
    assert model.terms == tuple(case["terms"])
    assert (model.n, model.events) == (case["n"], case["events"])
    assert model.max_time == case["max_time"]
    close(model.coef, case["coef"], "coef")
    close(model.se, np.sqrt(np.diag(np.array(case["naive_var"]))), "se (model-based)")
    close(model.center, case["means"], "center = fit$means (weighted)")
    assert model.strata == ((case["strata"],) if case["strata"] else ())
    assert model.weights == ("w" if case["weighted"] else None)
    for b in case["baselines"]:
        stratum = b["level"] if case["strata"] else None
        close(model.cumulative_hazard(b["time"], stratum=stratum), b["hazard"],
              f"basehaz(fit, centered = TRUE), stratum {stratum}")
    if case["strata"]:
        assert [s.level for s in model.stratum_baselines] == [(b["level"],)
                                                              for b in case["baselines"]]
        assert [s.max_time for s in model.stratum_baselines] == [b["max_time"]
                                                                 for b in case["baselines"]]
    scores = model.score(test, horizons=case["horizons"])
    assert scores["id"].tolist() == case["test_id"]
    close(scores["linear_predictor"], case["lp"], "predict(type = 'lp', reference = 'sample')")
    for h, surv in zip(case["horizons"], case["surv"], strict=True):
        close(scores[f"surv_at_{h:g}"], surv, f"predict(type = 'survival') at {h}")
    if case["strata"]:  # R's default lp (reference = "strata") is shifted within each stratum
        shift = pd.Series(np.array(case["lp_strata"]) - scores["linear_predictor"])
        spread = shift.groupby(test.column(case["strata"]).to_numpy()).agg(np.ptp)
        assert (spread < 1e-10).all()
    result = model.validate(test, horizon=case["horizons"][-1])
    close(result.harrell_c, case["concordance_test"], "concordance(fit, newdata)")
    counts = result.concordance_counts
    close([counts[k] for k in ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")],
          case["concordance_counts"], "concordance counts")
    close(result.risk_groups.scores[f"surv_at_{case['horizons'][-1]:g}"], case["surv"][-1],
          "calibration's predicted survival")


# --------------------------------------------------------------------------- the model


def test_predictions_from_the_saved_stratum_baselines(tmp_path: Path) -> None:
    model = stratified()
    path = tmp_path / "model.json"
    model.save(path)
    saved = json.loads(path.read_text())
    assert saved["schema"] == "mirprog.model/3"
    assert saved["baseline"] is None
    assert saved["weights"] == "w"
    assert saved["strata"]["columns"] == ["horTh"]
    assert [b["level"] for b in saved["strata"]["baselines"]] == [["no"], ["yes"]]
    loaded = PrognosticModel.load(path)
    assert loaded == model
    _, test = cohorts("gbsg2")
    scores = loaded.score(test, horizons=[1000])
    pd.testing.assert_frame_equal(scores, model.score(test, horizons=[1000]))
    for b in saved["strata"]["baselines"]:
        rows = (test.column("horTh") == b["level"][0]).to_numpy()
        h0 = np.array(b["cumhaz"])[np.array(b["time"]) <= 1000][-1]
        lp = scores.loc[rows, "linear_predictor"]
        assert_allclose(scores.loc[rows, "surv_at_1000"], np.exp(-h0 * np.exp(lp)), rtol=1e-12)


def test_risk_groups_do_not_depend_on_the_strata() -> None:
    train, test = cohorts("gbsg2")
    model = stratified()
    plain = PrognosticModel.fit(train, ["progrec", "pnodes"], ["age"], thresholds={"pnodes": 3.0},
                                groups={"progrec_high": 0, "pnodes_high": 1})
    assert model.cutpoints == plain.cutpoints  # the medians are not weighted either
    groups = model.score(test, horizons=[365])["risk_group"]
    assert groups.tolist() == plain.score(test, horizons=[365])["risk_group"].tolist()
    expected = mp.risk_groups(model.cutpoints.apply(test), model.adverse).cohort
    assert groups.astype(str).tolist() == expected.data["risk_group"].astype(str).tolist()


def test_missing_stratum_is_a_row_not_scored_never_dropped() -> None:
    _, test = cohorts("gbsg2")
    df = test.data.reset_index(drop=True)
    df.loc[[0, 5], "horTh"] = None
    scores = stratified().score(df, horizons=[365])
    assert len(scores) == len(df)
    assert scores.loc[[0, 5], "reason"].tolist() == ["missing horTh", "missing horTh"]
    assert scores.loc[[0, 5], ["linear_predictor", "surv_at_365"]].isna().all().all()
    assert scores["reason"].drop([0, 5]).isna().all()
    result = stratified().validate(mp.Cohort(df, time="time", event="cens", id="id"),
                                   horizon=365)
    assert result.n == len(df) - 2
    assert "missing horTh (401, 406)" in result.excluded.summary()


def test_score_needs_the_strata_column() -> None:
    _, test = cohorts("gbsg2")
    with pytest.raises(CohortError, match=r"no column 'horTh', a stratum of the model") as info:
        stratified().score(test.data.drop(columns="horTh"), horizons=[365])
    assert info.value.column == "horTh"


def test_a_stratum_unseen_in_training_is_an_error_naming_rows_and_level() -> None:
    _, test = cohorts("gbsg2")
    df = test.data.reset_index(drop=True)
    df.loc[[2, 3], "horTh"] = "maybe"
    with pytest.raises(CohortError, match=r"Stratum horTh=maybe was not seen in training "
                                          r"\(strata: horTh=no, horTh=yes\), at ids 403, 404"
                       ) as info:
        stratified().score(df, horizons=[365])
    assert info.value.column == "horTh"
    assert info.value.rows == (403, 404)


def test_cumulative_hazard_of_a_stratified_model_needs_its_stratum() -> None:
    model = stratified()
    with pytest.raises(MirprogError, match=r"stratum=None is not a stratum of this model "
                                           r"\(strata: horTh=no, horTh=yes\)"):
        model.cumulative_hazard([365])
    assert model.cumulative_hazard([0.0], stratum="yes")[0] == 0.0
    plain = PrognosticModel.fit(cohorts("gbsg2")[0], ["progrec"])
    with pytest.raises(MirprogError, match="it is not stratified"):
        plain.cumulative_hazard([365], stratum="yes")


def test_horizon_beyond_a_stratum_follow_up_is_nan_for_its_patients() -> None:
    model = stratified()
    yes, no = (b.max_time for b in reversed(model.stratum_baselines))
    assert model.follow_up == min(yes, no) < model.max_time == max(yes, no)
    h = (model.follow_up + model.max_time) / 2
    _, test = cohorts("gbsg2")
    short = model.stratum_baselines[int(np.argmin([b.max_time for b in
                                                   model.stratum_baselines]))]
    with pytest.warns(HorizonWarning, match=rf"beyond the training follow-up of stratum "
                                            rf"horTh={short.level[0]}"):
        scores = model.score(test, horizons=[h])
    rows = (test.column("horTh") == short.level[0]).to_numpy()
    assert scores.loc[rows, f"surv_at_{h:g}"].isna().all()
    assert scores.loc[~rows, f"surv_at_{h:g}"].notna().all()
    with pytest.raises(MirprogError, match=r"horizon must be in .* of every stratum"):
        model.validate(test, horizon=h)
    assert model.validate(test).risk_groups.horizon <= model.follow_up


def test_fit_errors_for_strata_and_weights() -> None:
    train, _ = cohorts("gbsg2")
    with pytest.raises(CohortError, match="The strata column 'centre' is not in the table"):
        PrognosticModel.fit(train, ["progrec"], strata="centre")
    with pytest.raises(CohortError, match="The weights column 'wt' is not in the table"):
        PrognosticModel.fit(train, ["progrec"], weights="wt")
    with pytest.raises(CohortError, match="both a covariate and a stratum"):
        PrognosticModel.fit(train, ["progrec"], ["horTh"], strata="horTh")
    bad = train.assign(w=-train.column("w"))
    with pytest.raises(CohortError, match="negative or infinite values"):
        PrognosticModel.fit(bad, ["progrec"], weights="w")


# --------------------------------------------------------------------------- command line


def _run(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="mirprog")
    model_cli.add_parsers(parser.add_subparsers(dest="command", required=True))
    model_cli.run(parser.parse_args(argv))


def test_cli_fit_with_strata_and_weights_then_score(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    train, test = cohorts("gbsg2")
    train_csv, new_csv = tmp_path / "train.csv", tmp_path / "new.csv"
    train.data.to_csv(train_csv, index=False)
    test.data.drop(columns=["time", "cens"]).to_csv(new_csv, index=False)
    model_json, scores_csv = tmp_path / "model.json", tmp_path / "scores.csv"
    _run(["fit", str(train_csv), "--time", "time", "--event", "cens", "--id", "id",
          "--markers", "progrec", "--cut", "pnodes=3", "--clinical", "age", "--strata", "horTh",
          "--weights", "w", "--groups", "progrec_high=0", "pnodes_high=1", "--time-unit", "days",
          "--out", str(model_json)])
    out = capsys.readouterr().out
    assert "Fitted on 400 patients, 189 events (0 excluded for a missing value), breslow ties, " \
           "case weights w." in out
    assert "  stratum horTh=no: " in out
    assert "  stratum horTh=yes: " in out
    assert PrognosticModel.load(model_json) == stratified()
    _run(["score", str(new_csv), "--model", str(model_json), "--out", str(scores_csv),
          "--horizons", "365", "1825"])
    assert "Scored 286 of 286 patients" in capsys.readouterr().out
    written = pd.read_csv(scores_csv)
    expected = stratified().score(test, horizons=[365, 1825])
    assert_allclose(written["surv_at_1825"], expected["surv_at_1825"], rtol=1e-12)
    test.data.drop(columns=["horTh"]).to_csv(new_csv, index=False)
    with pytest.raises(CohortError, match="no column 'horTh', a stratum of the model"):
        _run(["score", str(new_csv), "--model", str(model_json), "--out", str(scores_csv),
              "--horizons", "365"])


def test_cli_refuses_a_repeated_stratum(tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    cohorts("gbsg2")[0].data.to_csv(csv, index=False)
    with pytest.raises(MirprogError, match="'horTh' is given twice in --strata"):
        _run(["fit", str(csv), "--time", "time", "--event", "cens", "--markers", "progrec",
              "--strata", "horTh", "--strata", "horTh", "--out", str(tmp_path / "m.json")])
