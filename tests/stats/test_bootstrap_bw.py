"""bootstrap_validate(select="backward") against R rms::validate(cph(...), bw = TRUE).

Fixtures: tests/reference/bootstrap_bw_reference.R ->
* ``bootstrap_rmsvalidatebw_rotterdam.json``: validate(bw = TRUE) on R's own resamples
  (rotterdam, 6 covariates, Efron; 400 random rows with 8 covariates, Breslow and Efron,
  where the kept set varies between resamples and the 3-level ``size`` is deleted in
  some), the retained-factors matrix and a by-hand loop per resample;
* ``fastbw_fastbw_rotterdam.json``: fastbw of the same models on all rows (the
  ``stepdown`` table).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.stats.bootstrap import BootstrapFitWarning, bootstrap_validate
from tests._reference import REF, arr

RMS_ROWS = ["Dxy", "R2", "slope", "D", "U", "Q", "g"]

with open(REF / "bootstrap_rmsvalidatebw_rotterdam.json") as fh:
    CASES = json.load(fh)["cases"]
with open(REF / "fastbw_fastbw_rotterdam.json") as fh:
    FASTBW = {c["name"]: c for c in json.load(fh)["cases"]}


def _cohort(case: dict[str, Any]) -> mp.Cohort:
    df = pd.read_csv(REF / "rotterdam_bw.csv")
    if case["name"] == "rotterdam":
        return mp.Cohort(df, time="dtime", event="death", id="pid")
    return mp.Cohort(df[df["in_subset"] == 1].reset_index(drop=True), time="rtime",
                     event="recur", id="pid")


def _run(case: dict[str, Any], **kw: Any) -> Any:
    return bootstrap_validate(_cohort(case), case["factors"], categorical=["size"],
                              reference={"size": "<=20"}, ties=case["ties"],
                              select="backward", progress=False, **kw)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_backward_with_r_resamples_is_rms_validate_bw(case: dict[str, Any]) -> None:
    res = _run(case, indices=np.array(case["indices"]) - 1)
    v = case["validate"]
    rms = np.column_stack([v[k] for k in ("index_orig", "training", "test", "optimism",
                                          "corrected", "n")])
    assert_allclose(res.table.loc[RMS_ROWS].to_numpy(), rms, rtol=1e-10, atol=1e-12)
    assert res.select == "backward"
    assert res.selected == tuple(case["selected"])
    assert list(res.coef.index) == [c.replace("=", "[") + "]" if "=" in c else c
                                    for c in case["selected_columns"]]
    assert_allclose(res.coef.to_numpy(), case["coef"], rtol=1e-10, atol=1e-14)
    kept = np.array(case["kept"], dtype=bool)
    assert list(res.kept.columns) == case["factors"]
    assert (res.kept.to_numpy() == kept).all()
    used = (res.replicates["status"] == "ok").to_numpy()
    assert used.tolist() == [not f for f in case["fail"]]
    assert (res.kept[used].to_numpy() == np.array(case["kept_rms"], dtype=bool)).all()
    rep = res.replicates
    train = np.array([[np.nan if z is None else z for z in r] for r in case["train"]])
    test = np.array([[np.nan if z is None else z for z in r] for r in case["test"]])
    assert_allclose(rep[[f"train_{i}" for i in RMS_ROWS]], train, rtol=1e-9, atol=1e-13)
    assert_allclose(rep[[f"test_{i}" for i in RMS_ROWS]], test, rtol=1e-9, atol=1e-13)
    freq = res.kept_frequency
    assert freq.sum() == used.sum()
    assert freq.to_dict() == pd.Series(kept[used].sum(axis=1)).value_counts().to_dict()


@pytest.mark.r_reference
@pytest.mark.parametrize(("case", "bw"), [(0, "rotterdam_default"), (1, "subset_default")])
def test_stepdown_table_is_rms_fastbw(case: int, bw: str) -> None:
    ref = FASTBW[bw]
    res = _run(CASES[case], n_boot=2, seed=1)
    sd = res.stepdown
    assert list(sd.index) == list(np.atleast_1d(ref["deleted"]))
    for ours, theirs in [("chi2", "chi2"), ("p", "p"), ("residual_chi2", "residual"),
                         ("residual_p", "residual_p"), ("aic", "aic")]:
        assert_allclose(sd[ours].to_numpy(), arr(ref[theirs]), rtol=1e-10, atol=1e-13)
    assert sd["df"].tolist() == arr(ref["df"]).astype(int).tolist()
    assert res.selected == tuple(np.atleast_1d(ref["kept"]))


def _borderline_cohort() -> mp.Cohort:
    """One covariate with a Wald chi-square of 5 (AIC deletes both below 4) and a noise one."""
    rng = np.random.default_rng(11)
    n = 150
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-0.32 * x))
    c = rng.exponential(1.5, size=n)
    df = pd.DataFrame({"time": np.minimum(t, c).round(4) + 1e-3, "event": (t <= c).astype(int),
                       "x": x, "noise": rng.normal(size=n)})
    return mp.Cohort(df, time="time", event="event")


def test_a_resample_keeping_nothing_is_a_model_without_covariates() -> None:
    res = bootstrap_validate(_borderline_cohort(), ["x", "noise"], select="backward",
                             n_boot=30, seed=2, progress=False)
    assert res.selected == ("x",)
    empty = ~res.kept.any(axis=1) & (res.replicates["status"] == "ok")
    assert empty.any()
    assert not empty.all()
    rep = res.replicates[empty]
    for side in ("train", "test"):
        assert (rep[f"{side}_Dxy"] == 0).all()
        assert (rep[f"{side}_C"] == 0.5).all()
        assert (rep[f"{side}_slope"] == 1).all()
        assert (rep[f"{side}_g"] == 0).all()
        assert (rep[[f"{side}_{i}" for i in ("R2", "D", "U", "Q")]] == 0).all().all()
    assert res.kept_frequency.loc[0] == int(empty.sum())


def test_backward_is_deterministic_wherever_it_runs() -> None:
    a = bootstrap_validate(_borderline_cohort(), ["x", "noise"], select="backward",
                           n_boot=12, seed=5, progress=False)
    b = bootstrap_validate(_borderline_cohort(), ["x", "noise"], select="backward",
                           n_boot=12, seed=5, progress=False,
                           execution=mp.ExecOptions(block_size=5, threads=2))
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.kept, b.kept)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)


def test_without_select_there_is_no_selection() -> None:
    res = bootstrap_validate(_borderline_cohort(), ["x", "noise"], n_boot=3, seed=1,
                             progress=False)
    assert (res.select, res.kept, res.selected, res.stepdown, res.kept_frequency) == (
        None, None, None, None, None)


def test_everything_deleted_on_all_rows_raises() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"time": rng.exponential(size=80) + 0.01,
                       "event": rng.integers(0, 2, size=80), "noise": rng.normal(size=80)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BootstrapFitWarning)
        with pytest.raises(mp.CohortError, match="deletes every covariate"):
            bootstrap_validate(mp.Cohort(df, time="time", event="event"), ["noise"],
                               select="backward", n_boot=2, seed=1, progress=False)
