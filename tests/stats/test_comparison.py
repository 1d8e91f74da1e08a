"""Risk groups (``mp.risk_groups``, mirprog/stats/comparison.py).

The R agreement of the risk groups is in tests/study/test_reference_study.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import mirprog as mp
from tests._cohorts import cohort, frame

# -------------------------------------------------- bad-input catalogue: accepted, exclusion ledger

def _risk_groups_with_3_level_factor() -> None:
    c = cohort(frame(g=[0, 1, 2, 0, 1, 2, 0, 1], h=[1, 0, 1, 1, 0, 0, 1, 0]))
    res = mp.risk_groups(c, {"g": 2, "h": 1})  # adverse = level 2 of a 3-level factor
    assert res.counts["n"].sum() == 8
    assert res.labels == ("A", "B", "C")


ACCEPTED = [
    pytest.param(_risk_groups_with_3_level_factor, id="risk-groups-with-3-level-factor"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()


def _ledger_risk_groups(c: mp.Cohort) -> None:
    res = mp.risk_groups(c, {"progrec_high": 0, "horTh": "no"})
    assert res.counts["n"].sum() == 683
    assert res.logrank.excluded.rows == (3, 7, 10)
    assert res.km.excluded.rows == (3, 7, 10)


LEDGERS = [
    pytest.param(_ledger_risk_groups, id="risk-groups"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
