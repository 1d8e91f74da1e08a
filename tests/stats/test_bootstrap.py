"""Bootstrap internal validation (``bootstrap_validate``) against R ``rms::validate(cph(...))``.

Expected values: R survival 3.5-3, rms and Hmisc (versions in each fixture's ``meta``):

* ``bootstrap_rmsvalidate_reference.R`` -> ``bootstrap_rmsvalidate_rotterdam.json``
  (``survival::rotterdam``, ``rotterdam_validate.csv``; 6 covariates, ``size``
  categorical; Efron and Breslow) and ``bootstrap_rmsvalidate_reference.json``
  (mirprog's synthetic 65-patient reference cohort, 10 events: many resamples have
  a grade without events, i.e. a monotone likelihood, or lose a grade).  Each case
  holds ``rms::validate``'s whole table, R's resample row indices
  (``sample(n, replace = TRUE)`` after ``set.seed``, as ``predab.resample`` draws
  them), a by-hand R loop over them (fail flag, coefficients, training and test
  indices per resample) and corrected indices over several seeds (``mc``).
* ``validate_reference.R`` -> ``validate_rmsvalidate_gbsg2.json`` (GBSG2): the table
  of ``rms::validate`` with 20 resamples whose indices are stored.

With R's resamples passed as ``indices``, the tables agree to rounding (rotterdam:
1e-9); on the reference cohort the drifting coefficient of a monotone refit is
arbitrary (its last bits decide where R's ``cholesky2`` freezes it), so there only
the resamples whose coefficients agree are compared, and the table loosely.
mirprog's own resamples agree with R's over seeds within Monte-Carlo error.
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog._engine.optimism import INDICES, gini_md
from mirprog.errors import MirprogError
from mirprog.stats.bootstrap import TABLE_COLUMNS, BootstrapFitWarning, bootstrap_validate

REF = Path(__file__).resolve().parents[1] / "reference"
RMS_ROWS = ["Dxy", "R2", "slope", "D", "U", "Q", "g"]      # rms's rows, in its order
SMALL = ["horTh", "pnodes", "progrec"]


def _load(name: str) -> list[dict[str, Any]]:
    with open(REF / name) as fh:
        return list(json.load(fh)["cases"])


ROT = _load("bootstrap_rmsvalidate_rotterdam.json")
REFC = _load("bootstrap_rmsvalidate_reference.json")
GBSG = _load("validate_rmsvalidate_gbsg2.json")


def _rot_cohort() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "rotterdam_validate.csv"), time="dtime", event="death",
                     id="pid")


ROT_MODEL: dict[str, Any] = {"covariates": ["age", "meno", "size", "grade", "nodes", "pgr"],
                             "categorical": ["size"], "reference": {"size": "<=20"}}
REF_MODEL: dict[str, Any] = {"covariates": ["mir125b", "sbr_grade", "er", "her2", "nodes"],
                             "categorical": ["sbr_grade"]}


def _rms_table(case: dict[str, Any]) -> pd.DataFrame:
    v = case["validate"]
    cols = ["index_orig", "training", "test", "optimism", "corrected", "n"]
    t = pd.DataFrame({c: v[c] for c in cols}, index=v["index"], dtype=float)
    t.columns = TABLE_COLUMNS
    return t.rename(index={"Slope": "slope"})


def _nan(rows: list[list[float | None]], width: int) -> np.ndarray:
    return np.array([[np.nan if z is None else z for z in r] if r else [np.nan] * width
                     for r in rows], dtype=float)


def _quiet(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BootstrapFitWarning)
        return bootstrap_validate(*args, **kwargs)


# -- exact agreement with rms::validate on R's own resamples ----------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize("case", ROT, ids=[c["name"] for c in ROT])
def test_rotterdam_with_r_resamples_is_rms_validate(case: dict[str, Any]) -> None:
    idx = np.array(case["indices"]) - 1
    res = bootstrap_validate(_rot_cohort(), ties=case["ties"], indices=idx, progress=False,
                             **ROT_MODEL)
    assert_allclose(res.coef.to_numpy(), case["coef"], rtol=1e-10, atol=1e-13)
    rms = _rms_table(case)
    ours = res.table.loc[RMS_ROWS]
    assert_allclose(ours.to_numpy(), rms.loc[RMS_ROWS].to_numpy(), rtol=1e-9, atol=1e-12)
    shift = np.array([1.0, 1.0, 1.0, 0.0, 1.0])        # C = (Dxy + 1)/2; optimism halves
    assert_allclose(res.table.loc["C"].iloc[:5], (rms.loc["Dxy"].iloc[:5].to_numpy() + shift) / 2,
                    atol=1e-12)
    rep = res.replicates
    assert (rep["status"] == "ok").all()
    assert not case["fail"][0]
    assert rep["iterations"].tolist() == case["iterations"]
    assert_allclose(rep[[f"train_{i}" for i in RMS_ROWS]], _nan(case["train"], 7), rtol=1e-9,
                    atol=1e-13)
    assert_allclose(rep[[f"test_{i}" for i in RMS_ROWS]], _nan(case["test"], 7), rtol=1e-9,
                    atol=1e-13)
    assert res.failures == {}
    assert res.n_monotone == 0
    assert res.seed is None


@pytest.mark.r_reference
@pytest.mark.parametrize("case", GBSG, ids=[c["id"] for c in GBSG])
def test_gbsg_with_r_resamples_is_rms_validate(gbsg: mp.Cohort, case: dict[str, Any]) -> None:
    """The fixture's cph used eps = 1e-9 (mirprog, as rms's default, 1e-4): near-tied linear
    predictors swap, so the apparent column differs by up to ~6e-4."""
    idx = np.array(case["indices"]) - 1
    res = bootstrap_validate(gbsg, case["covariates"], ties=case["ties"], indices=idx,
                             progress=False)
    v = case["validate_same_seed"]
    rms = pd.DataFrame({c: v[c] for c in ("index_orig", "training", "test")},
                       index=[i if i != "Slope" else "slope" for i in v["index"]])
    ours = res.table.loc[rms.index]
    assert_allclose(ours[["bootstrap_train", "test"]].to_numpy(),
                    rms[["training", "test"]].to_numpy(), rtol=1e-9, atol=1e-12)
    assert_allclose(ours["apparent"], rms["index_orig"], rtol=2e-3, atol=1e-8)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", REFC, ids=[c["name"] for c in REFC])
def test_reference_cohort_with_r_resamples(case: dict[str, Any]) -> None:
    """Sparse grades: rms keeps monotone refits; mirprog too, and leaves out the same fits."""
    idx = np.array(case["indices"]) - 1
    res = _quiet(mp.datasets.load_reference_cohort(), ties=case["ties"], indices=idx,
                 progress=False, **REF_MODEL)
    rms = _rms_table(case)
    assert_allclose(res.table.loc[RMS_ROWS, "apparent"], rms.loc[RMS_ROWS, "apparent"],
                    rtol=1e-10, atol=1e-12)
    rep = res.replicates
    fail = np.array(case["fail"])
    used = (rep["status"] == "ok").to_numpy()
    assert (used == ~fail).mean() >= 0.98                   # 1 of 200 differs (a knife edge)
    assert abs(res.n_used - rms.loc["Dxy", "n_used"]) <= 2
    assert res.n_monotone > 0.5 * res.n_used                 # most refits are monotone
    assert set(res.failures) <= {"singular", "not converged"}
    coefs = _nan(case["coefs"], res.coef.size)
    both = used & ~fail
    ours = np.stack([np.full(res.coef.size, np.nan)] * len(rep))
    # coefficients of the used refits: same point in >= 95% of the resamples
    from mirprog._engine import optimism
    from mirprog.data.cohort import timefixed
    cohort = mp.datasets.load_reference_cohort()
    fit = res.fit
    data = timefixed(cohort.complete_cases(list(fit.design.columns)))
    x = fit.design.matrix(data.frame)
    blk = optimism.block(optimism.resample_counts(list(idx), len(x)), data.time, data.event,
                         x, case["ties"], max_iter=10, eps=1e-4)
    ours = blk.coef
    same = both & (np.abs(ours - coefs) <= 1e-6 * (1 + np.abs(coefs))).all(axis=1)
    assert same.sum() >= 0.95 * both.sum()
    for part in ("train", "test"):
        r_vals = _nan(case[part], 7)[same]
        mine = rep[[f"{part}_{i}" for i in RMS_ROWS]].to_numpy()[same]
        assert_allclose(mine, r_vals, rtol=1e-6, atol=1e-8)
    assert_allclose(res.table.loc[["Dxy", "slope", "R2"], "corrected"],
                    rms.loc[["Dxy", "slope", "R2"], "corrected"], atol=0.03)


# -- mirprog's own resamples: within Monte-Carlo error of rms ---------------------------------

def _mc_check(runs: np.ndarray, mc: dict[str, Any], rows: list[str], k: float = 4.0) -> None:
    """Mean corrected indices over our seeds vs R's over its seeds, within k MC SE."""
    r_mean, r_sd, r_n = np.array(mc["mean"]), np.array(mc["sd"]), len(mc["seeds"])
    mean, sd = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    se = np.sqrt(sd ** 2 / len(runs) + r_sd ** 2 / r_n)
    sel = [RMS_ROWS.index(r) for r in rows]
    z = np.abs(mean[sel] - r_mean[sel]) / se[sel]
    assert (z < k).all(), dict(zip(rows, z, strict=True))


@pytest.mark.r_reference
def test_reference_cohort_corrected_within_mc_error_of_rms() -> None:
    case = REFC[0]
    cohort = mp.datasets.load_reference_cohort()
    runs = np.array([_quiet(cohort, ties="efron", n_boot=200, seed=s, progress=False,
                            **REF_MODEL).table.loc[RMS_ROWS, "corrected"].to_numpy()
                     for s in range(5)])
    _mc_check(runs, case["mc"], ["Dxy", "R2", "slope", "D", "U", "Q", "g"])


@pytest.mark.r_reference
@pytest.mark.slow
def test_rotterdam_corrected_within_mc_error_of_rms(request: pytest.FixtureRequest) -> None:
    """5 x 200 resamples of 2,982 patients (``-m slow``)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long bootstrap comparison: run with -m slow")
    case = ROT[0]
    runs = np.array([bootstrap_validate(_rot_cohort(), ties="efron", n_boot=200, seed=s,
                                        progress=False, **ROT_MODEL
                                        ).table.loc[RMS_ROWS, "corrected"].to_numpy()
                     for s in range(5)])
    _mc_check(runs, case["mc"], ["Dxy", "R2", "slope", "D", "U", "Q", "g"])


# -- invariants -------------------------------------------------------------------------------

def test_deterministic_given_the_seed(gbsg: mp.Cohort) -> None:
    a = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=3, progress=False)
    b = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=3, progress=False,
                           execution=mp.ExecOptions(block_size=4, threads=2))
    c = bootstrap_validate(gbsg, SMALL, n_boot=6, seed=4, progress=False)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert not a.replicates.equals(c.replicates)
    assert (a.seed, a.n_boot, a.n_used, a.failures, a.n_monotone) == (3, 6, 6, {}, 0)


def test_table_identities(gbsg: mp.Cohort) -> None:
    res = bootstrap_validate(gbsg, SMALL, ties="efron", n_boot=5, seed=1, progress=False)
    fit = mp.cox(gbsg, SMALL, ties="efron")
    tab = res.table
    assert list(tab.columns) == TABLE_COLUMNS
    assert list(tab.index) == list(INDICES)
    # the fit behind the table stops at rms's eps = 1e-4: near-tied predictors may swap
    assert tab.loc["C", "apparent"] == pytest.approx(fit.concordance, abs=1e-4)
    assert_allclose(res.coef, fit.summary["coef"], rtol=1e-3)
    assert (tab.loc["slope", ["apparent", "bootstrap_train"]] == 1.0).all()
    assert_allclose(tab["optimism"], tab["bootstrap_train"] - tab["test"], atol=1e-15)
    assert_allclose(tab["corrected"], tab["apparent"] - tab["optimism"], atol=1e-15)
    assert_allclose(tab.loc["Q", TABLE_COLUMNS[:5]], (tab.loc["D"] - tab.loc["U"]).iloc[:5],
                    atol=1e-15)
    assert_allclose(tab.loc["C", TABLE_COLUMNS[:3]], (tab.loc["Dxy", TABLE_COLUMNS[:3]] + 1) / 2)
    # apparent R2, D, U from the model's likelihood ratio (rms index.orig)
    n, lr, ll0 = fit.n, fit.lr_chi2, -2 * fit.loglik_null
    assert tab.loc["R2", "apparent"] == pytest.approx(
        (1 - np.exp(-lr / n)) / (1 - np.exp(-ll0 / n)), rel=1e-6)
    assert tab.loc["D", "apparent"] == pytest.approx((lr - 1) / ll0, rel=1e-6)
    assert tab.loc["U", "apparent"] == pytest.approx(-2 / ll0, rel=1e-12)
    lp = fit.design.matrix(gbsg.complete_cases(SMALL).frame) @ res.coef.to_numpy()
    assert tab.loc["g", "apparent"] == pytest.approx(gini_md(lp), rel=1e-12)
    assert (tab["n_used"] == 5).all()


def test_gini_md_is_the_mean_absolute_difference() -> None:
    x = np.array([3.0, -1.0, 2.5, 2.5, 7.0])
    slow = np.mean([abs(a - b) for i, a in enumerate(x) for j, b in enumerate(x) if i != j])
    assert gini_md(x) == pytest.approx(slow, rel=1e-14)
    assert gini_md(np.array([1.0, 4.0]), np.array([2, 1])) == pytest.approx(
        gini_md(np.array([1.0, 1.0, 4.0])), rel=1e-14)
    assert np.isnan(gini_md(np.array([1.0])))


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
    assert rows["R2"]["optimism"] > 0
    assert (res.replicates["train_C"] > res.replicates["test_C"]).mean() > 0.7


# -- monotone refits, the ledger and errors ---------------------------------------------------

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


def test_monotone_refits_are_used_and_counted_failures_are_a_ledger() -> None:
    with pytest.warns(BootstrapFitWarning, match=r"of 40 bootstrap refits could not be used \("
                                                 r".*singular"):
        res = bootstrap_validate(_sparse_cohort(), ["group", "x"], n_boot=40, seed=4,
                                 progress=False)
    rep = res.replicates
    status = rep["status"]
    assert set(res.failures) <= {"singular", "not converged", "no events",
                                 "test slope not converged"}
    assert res.failures["singular"] > 0                    # "rare" absent from the resample
    assert res.n_monotone > 0                              # "rare" drawn without its event
    assert res.n_monotone == int((rep["monotone"] & (status == "ok")).sum())
    assert res.n_failed == int((status != "ok").sum()) == sum(res.failures.values())
    assert (res.table["n_used"] == res.n_used).all()
    assert res.n_used == 40 - res.n_failed
    assert rep.loc[status != "ok", ["train_C", "test_C"]].isna().all().all()
    assert rep.loc[status == "ok", ["train_C", "test_C"]].notna().all().all()
    assert "left out: " in repr(res)
    assert "monotone=" in repr(res)


def test_no_usable_refit_raises(gbsg: mp.Cohort) -> None:
    same_row = np.zeros((3, gbsg.n), dtype=int)  # every resample is one patient repeated
    with pytest.raises(mp.CohortError, match=r"None of the 3 bootstrap refits .* can be used"):
        _quiet(gbsg, SMALL, indices=same_row, progress=False)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 0}, "n_boot must be a positive integer"),
    ({"indices": np.zeros((2, 5), dtype=int)}, r"shape \(n_boot, 686\)"),
    ({"indices": np.zeros((2, 686))}, "integer array"),
    ({"indices": np.full((2, 686), 686)}, r"0-based row positions in \[0, 685\]"),
    ({"select": "forward"}, r"select must be None or 'backward'"),
    ({"max_iter": 1}, "max_iter must be an integer >= 2"),
    ({"eps": 0.0}, r"eps must be a number in \(0, 1\)"),
])
def test_bad_arguments_raise(gbsg: mp.Cohort, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(mp.ArgumentError, match=match):
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
