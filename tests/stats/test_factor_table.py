"""Table 3 (``mp.table3``, mirprog/stats/factor_table.py).

The R agreement of Table 3 is in tests/study/test_reference_study.py (the study's tables).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import mirprog as mp

# ------------------------------------------------------------ bad-input catalogue: exclusion ledger

def _ledger_table3(c: mp.Cohort) -> None:
    t3 = mp.table3(c, clinical=["progrec_high", "horTh"])
    assert t3.frame["n"].tolist() == [684, 685]  # n per row, as the paper's 64 for tumour size
    assert t3.formatted()["n"].tolist() == [684, 685]
    assert t3.selection.excluded.rows == (3, 7, 10)


LEDGERS = [
    pytest.param(_ledger_table3, id="table3"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
