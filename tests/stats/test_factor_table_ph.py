"""factor_table(check_ph=True): PH tests of each univariate fit and of the final model, a
note naming the violations (rotterdam: pgr breaks PH), and nothing else changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError
from tests._rotterdam import rotterdam_cohort

CLINICAL = ["pgr_high", "hormon", "nodes", "age"]


@pytest.fixture(scope="module")
def tables() -> tuple[mp.results.FactorTableResult, mp.results.FactorTableResult]:
    cohort = rotterdam_cohort()
    return (mp.factor_table(cohort, clinical=CLINICAL),
            mp.factor_table(cohort, clinical=CLINICAL, check_ph=True))


def test_check_ph_adds_columns_and_a_note_only(tables: tuple[mp.results.FactorTableResult,
                                                             mp.results.FactorTableResult]
                                               ) -> None:
    plain, checked = tables
    pd.testing.assert_frame_equal(checked.table.drop(columns=["ph_p", "multi_ph_p"]),
                                  plain.table)
    assert plain.ph_note is None
    assert "ph_p" not in plain.table
    cohort = rotterdam_cohort()
    for factor in CLINICAL:  # the univariate p is ph_test of the univariate Cox fit
        fit = mp.cox(cohort, [factor])
        assert_allclose(checked.table.loc[factor, "ph_p"],
                        mp.ph_test(fit, cohort).table.loc[factor, "p"], rtol=1e-12)
    final = checked.selection.final
    assert final is not None
    multi = mp.ph_test(final, cohort).table["p"]
    for term in checked.table.index:
        expected = multi.get(term, np.nan)
        assert_allclose(checked.table.loc[term, "multi_ph_p"], expected, rtol=1e-12,
                        equal_nan=True)
    assert checked.ph_note is not None
    assert checked.ph_note.startswith("PH rejected at alpha 0.05 for univariate: pgr_high "
                                      "(p < 0.001)")
    assert "multivariate: pgr_high (p < 0.001)" in checked.ph_note
    shown = checked.formatted()
    assert shown["PH p (univariate; multivariate)"].iloc[0] == "<0.001; <0.001"
    assert "PH p (univariate; multivariate)" not in plain.formatted()


def test_check_ph_refuses_a_bad_alpha() -> None:
    with pytest.raises(ArgumentError, match="ph_alpha must be a number between 0 and 1"):
        mp.factor_table(mp.datasets.load_gbsg2(), clinical=["horTh"], check_ph=True,
                        ph_alpha=0)
