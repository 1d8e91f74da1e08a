"""Table 4 (``mp.table4``, mirprog/stats/subgroup_table.py).

The R agreement of Table 4 is in tests/study/test_reference_study.py (the study's tables).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import mirprog as mp
from tests._cohorts import check_refused, cohort, frame
from tests._fuzzing import raises_only_mirprog_error, tiny

# --------------------------------------------------- bad-input catalogue: refused, exclusion ledger

REFUSED = [
    pytest.param(lambda: mp.table4(cohort(frame(g=[0, 1, 2, 0, 1, 2, 0, 1])), "g", {}),
                 mp.CohortError, r"table4\(\) needs a binary 0/1 factor; 'g' has values "
                 r"\[0, 1, 2\]\. Give a marker with marker_rule='median' or cut it first", "g", (),
                 id="factor-with-3-levels-where-binary-needed"),
]


@pytest.mark.parametrize(("action", "error", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                 column: str | None, rows: tuple[object, ...]) -> None:
    check_refused(action, error, match, column, rows)


def _ledger_table4(c: mp.Cohort) -> None:
    t4 = mp.table4(c, "progrec_high", {"Post": c.data["menostat"] == "Post"})
    row = t4.frame.loc["All"]
    assert row["n"] == 684  # ids 3 and 7 (missing progrec_high) not counted
    assert row["n_low"] + row["n_high"] == 684


LEDGERS = [
    pytest.param(_ledger_table4, id="table4"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)


# --------------------------------------------------------------------------- fuzz regressions

EXTERNAL = [
    pytest.param(lambda: mp.table4(tiny(x=["a", "b", "a", "b", "a"]), "g", {"x": "x"}),
                 r"Subgroup 'x' must be boolean", id="table4-text-subgroup-column"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("action", "match"), EXTERNAL)
def test_external_regressions(action: Callable[[], object], match: str) -> None:
    raises_only_mirprog_error(action, match)
