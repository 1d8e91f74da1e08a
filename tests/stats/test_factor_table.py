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


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_factor_p_of_multilevel_factors_matches_r_drop1(ties: str) -> None:
    """Univariate and multivariate global LR p of tgrade (Table 3 layout) as R's drop1."""
    from tests._reference import close, ref

    r = next(c for c in ref("factor_table_drop1_gbsg2")["cases"] if c["ties"] == ties)
    res = mp.factor_table(mp.datasets.load_gbsg2(), ["progrec"],
                          ["tgrade", "pnodes", "horTh"], ties=ties)  # type: ignore[arg-type]
    rows = res.table[res.table["factor"] == "tgrade"]
    assert list(rows["reference"]) == ["I", "I"]
    close(rows["factor_lr_p"], [r["uni_lr_p"]] * 2, "univariate factor LR p")
    close(rows["multi_factor_lr_p"], [r["drop1_p"][r["drop1_terms"].index("tgrade")]] * 2,
          "drop1 LR p in the final model")
    assert res.table.loc[res.table["factor"] != "tgrade", "multi_factor_lr_p"].isna().all()
    shown = res.formatted()
    assert list(shown["Factor"][1:3]) == ["tgrade [II vs I]", "tgrade [III vs I]"]
    assert shown["Factor p (univariate; multivariate)"][1].startswith("<0.001; 0.0")
