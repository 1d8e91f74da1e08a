"""Univariate Cox screens (``mp.univariate``, mirprog/stats/univariate.py)."""

from __future__ import annotations

import numpy as np
import pytest

import mirprog as mp


def test_univariate_rows(gbsg: mp.Cohort) -> None:
    res = mp.univariate(gbsg, ["horTh", "tgrade", "age"])
    assert list(res.table.index) == ["horTh[yes]", "tgrade[II]", "tgrade[III]", "age"]
    assert res.table.loc["tgrade[II]", "logrank_df"] == 2
    assert np.isnan(res.table.loc["age", "logrank_chi2"])
    assert res.table.loc["horTh[yes]", "logrank_chi2"] == pytest.approx(
        mp.logrank(gbsg, "horTh").chi2)
    assert (res.table["n"] == 686).all()
