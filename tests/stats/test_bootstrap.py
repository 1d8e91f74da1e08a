"""Bootstrap internal validation (``bootstrap_validate``), Harrell's optimism method.

Expected values: R 4.2.2, survival 3.5.3, rms 6.5.0 (Hmisc 4.8.0), written by
``tests/reference/validate_reference.R`` to ``validate_rmsvalidate_gbsg2.json``, for two
GBSG2 models (9 terms with Efron ties; 3 terms with Breslow ties):

* ``rms::validate(cph(...), B)``: ``index.orig`` (apparent Dxy, slope 1) must
  agree exactly; its bootstrap columns come from R's random stream, so they are
  compared loosely with mirprog's (numpy) resamples.
* A by-hand R loop over 20 resamples drawn with the same seed as ``validate``
  (``sample(n, replace = TRUE)``, indices stored): per resample Dxy on the
  resample and on the original data and the test calibration slope (``coxph``,
  eps 1e-9).  With those indices mirprog must agree to 1e-6; ``validate`` with
  the same seed agrees with the loop only to ~1e-4 (it fits with eps = 1e-4).

Run the larger comparison (300 resamples, ~30 s) with
``pytest tests/stats/test_bootstrap.py -m slow``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog._engine.coxph import fit_cox
from mirprog.errors import MirprogError
from mirprog.stats.bootstrap import TABLE_COLUMNS, BootstrapFitWarning, bootstrap_validate

REF = Path(__file__).resolve().parents[1] / "reference"
with open(REF / "validate_rmsvalidate_gbsg2.json") as _fh:
    CASES = json.load(_fh)["cases"]
IDS = [c["id"] for c in CASES]
SMALL = ["horTh", "pnodes", "progrec"]


def _rms_row(v: dict[str, Any], index: str) -> np.ndarray:
    i = v["index"].index(index)
    return np.array([v[k][i] for k in ("index_orig", "training", "test", "optimism",
                                       "corrected")])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_with_r_resamples_matches_the_r_loop_and_rms(gbsg: mp.Cohort, case: dict[str, Any]
                                                      ) -> None:
    idx = np.array(case["indices"]) - 1
    res = bootstrap_validate(gbsg, case["covariates"], ties=case["ties"], indices=idx,
                             progress=False)
    assert_allclose(res.fit.summary["coef"], case["coef"], rtol=1e-9)
    rep = res.replicates
    assert (rep["status"] == "ok").all()
    assert_allclose(2 * (rep["c_train"] - 0.5), case["train_dxy"], rtol=1e-6, atol=1e-12)
    assert_allclose(2 * (rep["c_test"] - 0.5), case["test_dxy"], rtol=1e-6, atol=1e-12)
    assert_allclose(rep["slope_test"], case["test_slope"], rtol=1e-6)
    dxy = res.table.loc["Dxy"]
    assert dxy["apparent"] == pytest.approx(case["apparent_dxy"], rel=1e-9)
    assert dxy["bootstrap_train"] == pytest.approx(np.mean(case["train_dxy"]), rel=1e-6)
    assert dxy["test"] == pytest.approx(np.mean(case["test_dxy"]), rel=1e-6)
    # rms::validate with the same seed draws the same resamples, but refits (and fits the
    # test slope) with coxphFit(eps = 1e-4, iter.max = 10): differences up to ~3e-4
    v = case["validate_same_seed"]
    assert_allclose(dxy[TABLE_COLUMNS[:5]], _rms_row(v, "Dxy"), atol=1e-4)
    assert_allclose(res.table.loc["slope", TABLE_COLUMNS[:5]], _rms_row(v, "Slope"), atol=1e-3)
    assert (res.table["n_used"] == 20).all()
    assert v["n"][0] == 20
    assert res.seed is None
    assert res.n_boot == 20


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_apparent_matches_rms_index_orig(gbsg: mp.Cohort, case: dict[str, Any]) -> None:
    res = bootstrap_validate(gbsg, case["covariates"], ties=case["ties"], n_boot=1, seed=0,
                             progress=False)
    v = case["validate"]
    assert res.table.loc["Dxy", "apparent"] == pytest.approx(_rms_row(v, "Dxy")[0], rel=1e-9)
    assert res.table.loc["slope", "apparent"] == _rms_row(v, "Slope")[0] == 1.0
    assert res.table.loc["C", "apparent"] == pytest.approx(case["apparent_c"], rel=1e-12)


@pytest.mark.r_reference
def test_corrected_values_agree_loosely_with_rms(gbsg: mp.Cohort) -> None:
    """Different random streams: 40 numpy resamples vs rms with B = 300."""
    case = CASES[0]
    res = bootstrap_validate(gbsg, case["covariates"], ties=case["ties"], n_boot=40, seed=11,
                             progress=False)
    v = case["validate"]
    assert res.table.loc["Dxy", "corrected"] == pytest.approx(_rms_row(v, "Dxy")[4], abs=0.02)
    assert res.table.loc["slope", "corrected"] == pytest.approx(_rms_row(v, "Slope")[4],
                                                                abs=0.06)


@pytest.mark.r_reference
@pytest.mark.slow
def test_large_run_agrees_with_rms(gbsg: mp.Cohort, request: pytest.FixtureRequest) -> None:
    """300 resamples of each model against rms with B = 300 (``-m slow``)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long bootstrap comparison: run with -m slow")
    for case in CASES:
        res = bootstrap_validate(gbsg, case["covariates"], ties=case["ties"], n_boot=300,
                                 seed=2024, progress=False)
        v = case["validate"]
        assert_allclose(res.table.loc["Dxy", TABLE_COLUMNS[:5]], _rms_row(v, "Dxy"), atol=0.01)
        assert_allclose(res.table.loc["slope", TABLE_COLUMNS[:5]], _rms_row(v, "Slope"),
                        atol=0.04)


# -- invariants ------------------------------------------------------------------------------

def test_deterministic_given_the_seed(gbsg: mp.Cohort) -> None:
    a = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=3, progress=False)
    b = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=3, progress=False)
    c = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=4, progress=False)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert not a.replicates.equals(c.replicates)
    assert a.seed == 3
    assert a.n_boot == 6
    assert a.n_used == 6
    assert a.failures == {}


def test_apparent_c_is_the_cox_concordance_and_training_slope_is_one(gbsg: mp.Cohort) -> None:
    res = bootstrap_validate(gbsg, SMALL, ties="efron", n_boot=3, seed=1, progress=False)
    fit = mp.cox(gbsg, SMALL, ties="efron")
    assert res.table.loc["C", "apparent"] == fit.concordance
    assert res.table.loc["Dxy", "apparent"] == 2 * (fit.concordance - 0.5)
    assert (res.table.loc["slope", ["apparent", "bootstrap_train"]] == 1.0).all()
    # ... because refitting the outcome on a model's own linear predictor gives slope 1
    data = gbsg.complete_cases(SMALL)
    refit = fit_cox(data.time, data.event, fit.linear_predictor[:, None], "efron")
    assert refit.coef[0] == pytest.approx(1.0, abs=1e-6)
    tab = res.table
    assert list(tab.columns) == TABLE_COLUMNS
    assert list(tab.index) == ["C", "Dxy", "slope"]
    assert_allclose(tab["optimism"], tab["bootstrap_train"] - tab["test"], atol=1e-15)
    assert_allclose(tab["corrected"], tab["apparent"] - tab["optimism"], atol=1e-15)
    rows = tab.to_dict("index")
    assert rows["Dxy"]["optimism"] == pytest.approx(2 * rows["C"]["optimism"])


def test_optimism_is_positive_for_a_noisy_model(gbsg: mp.Cohort) -> None:
    """Eight pure-noise covariates on 200 patients: the model overfits."""
    rng = np.random.default_rng(20240601)
    df = gbsg.data.iloc[:200].reset_index(drop=True)
    noise = [f"noise{j}" for j in range(8)]
    for name in noise:
        df[name] = rng.normal(size=len(df))
    cohort = mp.Cohort(df, time="time", event="cens", id="id")
    res = bootstrap_validate(cohort, ["pnodes", *noise], n_boot=25, seed=5, progress=False)
    rows = res.table.to_dict("index")
    assert rows["C"]["optimism"] > 0.01
    assert rows["slope"]["test"] < 0.95
    assert rows["C"]["corrected"] < rows["C"]["apparent"]
    assert (res.replicates["c_train"] > res.replicates["c_test"]).mean() > 0.7


def test_matches_a_direct_loop_through_the_public_api(gbsg: mp.Cohort) -> None:
    """Refit with mp.cox on resampled cohorts; test C and slope via a Cox fit on X b*."""
    idx = np.random.default_rng(9).integers(0, gbsg.n, size=(4, gbsg.n))
    res = bootstrap_validate(gbsg, SMALL, indices=idx, progress=False)
    data = gbsg.data.reset_index(drop=True)
    x = mp.cox(gbsg, SMALL).design.matrix(data)
    for b, rows in enumerate(idx):
        boot = mp.Cohort(data.iloc[rows].reset_index(drop=True), time="time", event="cens")
        fb = mp.cox(boot, SMALL)
        assert res.replicates.loc[b, "c_train"] == pytest.approx(fb.concordance, abs=1e-12)
        lp = x @ fb.summary["coef"].to_numpy()
        test = mp.cox(gbsg.assign(lp=lp), ["lp"])
        assert res.replicates.loc[b, "slope_test"] == pytest.approx(test.summary.loc["lp", "coef"],
                                                                    rel=1e-9)
        assert res.replicates.loc[b, "c_test"] == pytest.approx(test.concordance, abs=1e-12)


# -- failures and errors ---------------------------------------------------------------------

def _sparse_cohort() -> mp.Cohort:
    """60 patients; group "rare" has 3 patients and 1 event: resamples often lose it."""
    rng = np.random.default_rng(1)
    n = 60
    group = np.array(["a"] * 30 + ["b"] * 27 + ["rare"] * 3)
    event = rng.integers(0, 2, size=n)
    event[-3:] = [1, 0, 0]
    df = pd.DataFrame({"time": rng.exponential(10, size=n).round(2) + 0.1, "event": event,
                       "group": group, "x": rng.normal(size=n)})
    return mp.Cohort(df, time="time", event="event")


def test_failed_refits_are_counted_reported_and_warned() -> None:
    with pytest.warns(BootstrapFitWarning, match=r"of 40 bootstrap refits failed \(.*monotone"):
        res = bootstrap_validate(_sparse_cohort(), ["group", "x"], n_boot=40, seed=4,
                                 progress=False)
    status = res.replicates["status"]
    assert set(res.failures) <= {"singular", "monotone", "not converged", "no events"}
    assert res.failures["monotone"] > 0
    assert res.failures["singular"] > 0
    assert res.n_failed == int((status != "ok").sum()) == sum(res.failures.values())
    assert (res.table["n_used"] == res.n_used).all()
    assert res.n_used == 40 - res.n_failed
    assert res.replicates.loc[status != "ok", ["c_train", "c_test"]].isna().all().all()
    assert "left out: " in repr(res)


def test_all_refits_failing_raises(gbsg: mp.Cohort) -> None:
    same_row = np.zeros((3, gbsg.n), dtype=int)  # every resample is one patient repeated
    with pytest.raises(mp.CohortError, match=r"All 3 bootstrap refits .* failed"):
        bootstrap_validate(gbsg, SMALL, indices=same_row, progress=False)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 0}, "n_boot must be a positive integer"),
    ({"indices": np.zeros((2, 5), dtype=int)}, r"shape \(n_boot, 686\)"),
    ({"indices": np.zeros((2, 686))}, "integer array"),
    ({"indices": np.full((2, 686), 686)}, r"0-based row positions in \[0, 685\]"),
])
def test_bad_arguments_raise(gbsg: mp.Cohort, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        bootstrap_validate(gbsg, SMALL, progress=False, **kwargs)


def test_progress_bar_is_optional(gbsg: mp.Cohort, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap_validate(gbsg, "pnodes", n_boot=2, seed=1, progress=True)
    assert "bootstrap" in capsys.readouterr().err
    real = importlib.import_module

    def no_tqdm(name: str, *args: Any) -> Any:
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_tqdm)
    res = bootstrap_validate(gbsg, "pnodes", n_boot=2, seed=1)  # degrades to no bar
    assert res.n_used == 2
    with pytest.raises(MirprogError, match="progress=True needs the tqdm package"):
        bootstrap_validate(gbsg, "pnodes", n_boot=2, seed=1, progress=True)
