"""Univariate Cox screens (``mp.univariate``, mirprog/stats/univariate.py).

The exclusion ledger of the bad-input catalogue (``tests/_cohorts.py``): n per row.
"""

from __future__ import annotations

from collections.abc import Callable

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


# ------------------------------------------------------------ bad-input catalogue: exclusion ledger

def _ledger_univariate(c: mp.Cohort) -> None:
    table = mp.univariate(c, ["progrec_high", "horTh"]).table
    assert table.set_index("factor")[["n", "n_excluded"]].to_dict("index") == {
        "progrec_high": {"n": 684, "n_excluded": 2}, "horTh": {"n": 685, "n_excluded": 1}}


LEDGERS = [
    pytest.param(_ledger_univariate, id="univariate-n-per-row"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
