"""rms::fastbw's step-down (mirprog._engine.fastbw) against R and against a slow reference.

R fixture: tests/reference/bootstrap_bw_reference.R -> fastbw_fastbw_rotterdam.json
(rms::fastbw on cph fits of survival::rotterdam: the defaults, rule="p", type="individual",
and a run deleting every factor).  The reference here refits nothing either but does each
deletion by inverting the full covariance's kept block (the adjusted covariance of the
kept coefficients is the inverse of the kept block of the information matrix).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mirprog._engine.fastbw import fastbw
from tests._reference import arr, ref

CASES = ref("fastbw_fastbw_rotterdam")["cases"]


def _groups(case: dict[str, Any]) -> list[list[int]]:
    cols = case["columns"]
    return [[i for i, c in enumerate(cols) if c == f or c.startswith(f + "=")]
            for f in case["factors"]]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fastbw_is_rms_fastbw(case: dict[str, Any]) -> None:
    args = case["args"] if isinstance(case["args"], dict) else {}
    sd = fastbw(arr(case["fit_coef"]), np.array(case["fit_var"], dtype=float), _groups(case),
                **args)
    names = case["factors"]
    assert [names[i] for i in sd.deleted] == list(np.atleast_1d(case["deleted"]))
    assert [names[i] for i in sd.kept] == list(np.atleast_1d(case["kept"]))
    assert (sd.parms_kept + 1).tolist() == arr(case["parms_kept"]).astype(int).tolist()
    for ours, theirs in [(sd.chi2, "chi2"), (sd.p, "p"), (sd.residual, "residual"),
                         (sd.residual_p, "residual_p"), (sd.aic, "aic")]:
        assert_allclose(ours, arr(case[theirs]), rtol=1e-10, atol=1e-13)
    assert sd.df.tolist() == arr(case["df"]).astype(int).tolist()
    assert sd.residual_df.tolist() == arr(case["residual_df"]).astype(int).tolist()
    if sd.kept.size:
        assert_allclose(sd.coef, arr(case["coef"]), rtol=1e-10, atol=1e-15)
        assert_allclose(sd.var, np.array(case["var"], dtype=float).reshape(sd.var.shape),
                        rtol=1e-9, atol=1e-18)
    else:
        assert sd.coef.size == 0


def test_adjusted_coefficients_are_the_kept_block_of_the_information() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    var = a @ a.T + 6 * np.eye(6)
    coef = np.array([2.0, 0.01, -1.5, 0.02, 0.0, 3.0])
    groups = [[0], [1], [2, 3], [4], [5]]
    sd = fastbw(coef, var, groups, aics=5.0)
    keep = sd.parms_kept
    info = np.linalg.inv(var)
    # the constrained estimate of the kept coefficients: maximise the quadratic
    # approximation b' I b with the deleted ones at 0
    full_score = info @ coef
    expect = np.linalg.solve(info[np.ix_(keep, keep)], full_score[keep])
    assert_allclose(sd.coef, expect, rtol=1e-10)
    assert_allclose(sd.var, np.linalg.inv(info[np.ix_(keep, keep)]), rtol=1e-10)
    assert set(sd.deleted.tolist()) | set(sd.kept.tolist()) == set(range(5))


def test_singular_block_raises_as_r_solvet() -> None:
    var = np.array([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        fastbw(np.array([0.1, 0.1]), var, [[0, 1]])
