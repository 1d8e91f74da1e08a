"""The Brier row of bootstrap_validate(horizon=t) against R, on R's resamples.

Fixture: tests/reference/bootstrap_brier_reference.R -> bootstrap_brier_rotterdam.json
(rotterdam, death in days, 6 covariates; Breslow at 5 years, Efron at 5 and 2 years):
per resample the rms refit's survival at t from survfit.coxph and
riskRegression::Score's IPCW Brier score (KM censoring model) on the duplicated
resample rows and on all rows.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.stats.bootstrap import bootstrap_validate
from tests._reference import REF

with open(REF / "bootstrap_brier_rotterdam.json") as fh:
    CASES = json.load(fh)["cases"]
MODEL: dict[str, Any] = {"covariates": ["age", "meno", "size", "grade", "nodes", "pgr"],
                         "categorical": ["size"], "reference": {"size": "<=20"}}


def _rot() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "rotterdam_validate.csv"), time="dtime", event="death",
                     id="pid")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_brier_row_is_r_score_on_the_refits(case: dict[str, Any]) -> None:
    res = bootstrap_validate(_rot(), ties=case["ties"], indices=np.array(case["indices"]) - 1,
                             horizon=case["horizon"], progress=False, **MODEL)
    row = res.table.loc["Brier"]
    expect = [case["apparent"], case["bootstrap_train"], case["bootstrap_test"],
              case["optimism"], case["corrected"], case["n_used"]]
    assert_allclose(row.to_numpy(), expect, rtol=1e-8, atol=1e-12)
    assert_allclose(res.replicates["train_Brier"], case["train"], rtol=1e-8, atol=1e-12)
    assert_allclose(res.replicates["test_Brier"], case["test"], rtol=1e-8, atol=1e-12)
    assert res.horizon == case["horizon"]
    assert list(res.table.index)[-1] == "Brier"


def test_the_other_rows_do_not_change_with_a_horizon() -> None:
    base = bootstrap_validate(_rot(), n_boot=4, seed=2, progress=False, **MODEL)
    with_t = bootstrap_validate(_rot(), n_boot=4, seed=2, horizon=1826, progress=False, **MODEL)
    pd.testing.assert_frame_equal(with_t.table.drop(index="Brier"), base.table)
    assert "Brier" not in base.table.index
    assert base.horizon is None
    assert "train_Brier" not in base.replicates


def test_brier_with_backward_selection_scores_the_reduced_refits() -> None:
    res = bootstrap_validate(_rot(), n_boot=6, seed=1, horizon=1826, select="backward",
                             progress=False, **MODEL)
    row = res.table.loc["Brier"]
    assert 0 < row["apparent"] < 0.25
    assert row["n_used"] == 6
    assert np.isfinite(res.replicates[["train_Brier", "test_Brier"]].to_numpy()).all()
    # the apparent Brier is that of the reduced model refitted on all rows
    full = bootstrap_validate(_rot(), n_boot=2, seed=1, horizon=1826, progress=False, **MODEL)
    assert row["apparent"] != full.table.loc["Brier", "apparent"]


@pytest.mark.parametrize("horizon", [0, -1.0, float("nan"), 1e9, "5y", True])
def test_bad_horizon_raises(horizon: Any) -> None:
    with pytest.raises(mp.ArgumentError, match="horizon must be a positive time"):
        bootstrap_validate(_rot(), n_boot=2, seed=1, horizon=horizon, progress=False, **MODEL)
