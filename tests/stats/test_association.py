"""mirprog.associate against R ``fisher.test`` / ``chisq.test``, plus errors and properties.

Every expected value comes from R 4.2.2 (jsonlite 1.8.4), computed by
``tests/reference/fisher_reference.R`` and committed as
``tests/reference/fisher_fishertest.json``; R is never needed to run this module.  To
regenerate, run ``Rscript tests/reference/fisher_reference.R`` from the
repository root.

Which R numbers we match: p-values to rtol 1e-6 (in practice ~1e-13).  For
2 x 2 odds ratios and confidence limits, R's ``uniroot`` stops at its default
tolerance (about 1.2e-4 on the psi or 1/psi scale), so ``fisher.test`` itself
is only good to 4-5 digits; we compare at rtol 1e-6 with the same R code run
with a tight ``uniroot`` tolerance (``*_tight`` in the JSON), and check the
default output only to within uniroot's tolerance.

Hypothesis runs derandomized (fixed examples), without a database or deadline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from mirprog.errors import CohortError, MirprogError
from mirprog.stats.association import (
    AssociationResult,
    associate,
    count_tables,
    fisher_2x2,
    freeman_halton,
)

REF = Path(__file__).resolve().parents[1] / "reference"
RTOL = 1e-6
UNIROOT_TOL = 2.5e-4          # ~2 x .Machine$double.eps^0.25, R's default uniroot tolerance
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    print_blob=False)


@cache
def ref() -> dict[str, Any]:
    with open(REF / "fisher_fishertest.json") as fh:
        return json.load(fh)


def cases(section: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in ref()[section]]


def num(x: Any) -> float:
    """A JSON number (R's Inf is written as the string "Inf")."""
    return float(x)


def cohort_from_table(table: Any) -> mp.Cohort:
    """One row per count: column ``a`` = row index, ``b`` = column index."""
    t = np.asarray(table)
    i, j = np.nonzero(t >= 0)
    reps = t[i, j]
    df = pd.DataFrame({"a": np.repeat(i, reps), "b": np.repeat(j, reps)})
    return mp.Cohort(df.assign(time=1.0, event=1), time="time", event="event")


def gbsg_with_split() -> mp.Cohort:
    gbsg = mp.datasets.load_gbsg2()
    return mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)


def check_2x2(res: AssociationResult, case: dict[str, Any]) -> None:
    got = [res.odds_ratio, res.ci_lower, res.ci_upper]
    tight = [num(case["estimate_tight"]), *map(num, case["conf_int_tight"])]
    assert_allclose(got, tight, rtol=RTOL, atol=0)
    # R's default fisher.test output: equal within uniroot's tolerance on the t scale,
    # t = psi (psi <= 1) or 1 / psi (psi > 1); 0 and inf exactly.
    default = [num(case["estimate"]), *map(num, case["conf_int"])]
    for mine, theirs in zip(got, default, strict=True):
        if mine in (0.0, math.inf):
            assert theirs == mine
        else:
            assert abs(min(mine, 1 / mine) - min(theirs, 1 / theirs)) < UNIROOT_TOL


# --------------------------------------------------------------------------- R reference


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("fisher"))
def test_fisher_matches_r(case: dict[str, Any]) -> None:
    table = np.array(case["table"])
    res = associate(cohort_from_table(table), "a", "b", test="fisher")
    assert_array_equal(res.table.to_numpy(), table)
    assert_allclose(res.p, case["p"], rtol=RTOL)
    assert math.isnan(res.statistic)
    assert res.df is None
    if table.shape == (2, 2):
        assert res.test == "fisher"
        check_2x2(res, case)
    else:
        assert res.test == "freeman-halton"
        assert np.isnan([res.odds_ratio, res.ci_lower, res.ci_upper]).all()


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("gbsg2"))
def test_gbsg2_matches_r(case: dict[str, Any]) -> None:
    res = associate(gbsg_with_split(), case["a"], case["b"])
    assert [str(v) for v in res.table.index] == case["row_levels"]
    assert [str(v) for v in res.table.columns] == case["col_levels"]
    assert_array_equal(res.table.to_numpy(), np.array(case["table"]))
    assert_allclose(res.p, case["p"], rtol=RTOL)
    assert res.n == 686
    assert len(res.excluded) == 0
    if res.table.shape == (2, 2):
        check_2x2(res, case)


GBSG_CHISQ = {"gbsg2_tgrade_menostat": ("tgrade", "menostat"),
              "gbsg2_horTh_menostat": ("horTh", "menostat")}


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("chisq"))
def test_chisq_matches_r(case: dict[str, Any]) -> None:
    if case["id"] in GBSG_CHISQ:
        res = associate(mp.datasets.load_gbsg2(), *GBSG_CHISQ[case["id"]], test="chi2")
    else:
        res = associate(cohort_from_table(case["table"]), "a", "b", test="chi2")
    assert_array_equal(res.table.to_numpy(), np.array(case["table"]))
    assert res.test == "chi2"
    assert res.df == case["df"]
    assert_allclose([res.statistic, res.p], [case["statistic"], case["p"]], rtol=RTOL)
    assert (res.note is not None) == case["warned"]
    # the odds ratio of a 2 x 2 table is reported whatever the test
    assert np.isfinite(res.odds_ratio) == (res.table.shape == (2, 2))


# --------------------------------------------------------------------------- behaviour


def test_result_shape_and_display() -> None:
    res = associate(gbsg_with_split(), "tgrade", "progrec_high", test="chi2")
    assert list(res.table.index) == ["I", "II", "III"]       # category order, not sorted text
    assert list(res.table.columns) == [0, 1]
    assert res.table.index.name == "tgrade"
    assert res.table.columns.name == "progrec_high"
    assert res.to_frame() is res.table
    assert "<table" in res._repr_html_()
    assert (res.a, res.b, res.conf_level) == ("tgrade", "progrec_high", 0.95)


def test_swapping_a_and_b_transposes() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ab = associate(gbsg, "horTh", "menostat")
    ba = associate(gbsg, "menostat", "horTh")
    assert_array_equal(ab.table.to_numpy(), ba.table.to_numpy().T)
    assert_allclose([ab.p, ab.odds_ratio, ab.ci_lower, ab.ci_upper],
                    [ba.p, ba.odds_ratio, ba.ci_lower, ba.ci_upper], rtol=1e-10)


def test_conf_level_changes_only_the_interval() -> None:
    gbsg = mp.datasets.load_gbsg2()
    r95 = associate(gbsg, "horTh", "menostat")
    r90 = associate(gbsg, "horTh", "menostat", conf_level=0.9)
    assert r90.p == r95.p
    assert r90.odds_ratio == r95.odds_ratio
    assert r95.ci_lower < r90.ci_lower < r90.odds_ratio < r90.ci_upper < r95.ci_upper


def test_exclusion_ledger(small_df: pd.DataFrame) -> None:
    df = small_df.assign(high=[1, 1, np.nan, 1, 0, 1, 0, 0])
    cohort = mp.Cohort(df, time="months", event="relapse", id="pid")
    res = associate(cohort, "high", "grade")
    assert res.n == 7
    assert res.excluded.rows == ("p3",)
    assert res.excluded.summary() == "7 of 8 rows used; 1 excluded: missing high (p3)"
    assert int(res.table.to_numpy().sum()) == 7
    assert res.test == "freeman-halton"


def error_cases() -> list[Any]:
    gbsg = mp.datasets.load_gbsg2()
    pre = gbsg.subset(gbsg.data["menostat"].to_numpy() == "Pre")
    return [
        pytest.param(gbsg, ("horth", "menostat"), {}, CohortError, "Did you mean 'horTh'",
                     id="missing-column"),
        pytest.param(gbsg, ("horTh", "horTh"), {}, CohortError, "two different columns",
                     id="same-column"),
        pytest.param(pre, ("horTh", "menostat"), {}, CohortError,
                     r"'menostat' has 1 level\(s\) \(Pre\)", id="one-level"),
        pytest.param(gbsg, ("age", "horTh"), {}, CohortError,
                     r"'age' has \d+ distinct values.*looks continuous.*Cutpoints",
                     id="continuous"),
        pytest.param(gbsg, ("tgrade", "menostat"), {"max_tables": 1000}, MirprogError,
                     r"more than 1,000 tables.*test='chi2'", id="too-many-tables"),
        pytest.param(gbsg, ("horTh", "menostat"), {"test": "exact"}, ValueError,
                     "test must be", id="bad-test"),
        pytest.param(gbsg, ("horTh", "menostat"), {"conf_level": 95}, ValueError,
                     "conf_level must be between 0 and 1", id="bad-conf-level"),
    ]


@pytest.mark.parametrize(("cohort", "cols", "kwargs", "error", "match"), error_cases())
def test_errors(cohort: mp.Cohort, cols: tuple[str, str], kwargs: dict[str, Any],
                error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        associate(cohort, *cols, **kwargs)


def test_too_many_tables_is_not_silently_chi2() -> None:
    gbsg = mp.Cutpoints.fit(mp.datasets.load_gbsg2(), ["progrec"], rule="tertiles").apply(
        mp.datasets.load_gbsg2())
    with pytest.raises(MirprogError, match="test='chi2'"):
        associate(gbsg, "tgrade", "progrec_level")
    assert associate(gbsg, "tgrade", "progrec_level", test="chi2").df == 4


def test_count_tables_matches_brute_force() -> None:
    table = np.array([[2, 1, 0], [1, 2, 3]])
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    brute = sum(1 for x in np.ndindex(4, 4, 4)
                if sum(x) == rows[0] and all(x[j] <= cols[j] for j in range(3)))
    assert count_tables(table) == brute


# --------------------------------------------------------------------------- properties


@st.composite
def tables(draw: st.DrawFn, shape: tuple[int, int] | None = None, high: int = 12) -> np.ndarray:
    r, c = shape or (draw(st.integers(2, 3)), draw(st.integers(2, 4)))
    cells = draw(st.lists(st.integers(0, high), min_size=r * c, max_size=r * c))
    t = np.array(cells, dtype=np.int64).reshape(r, c)
    t[t.sum(axis=1) == 0, 0] = 1          # no empty row or column (every level is present)
    t[0, t.sum(axis=0) == 0] = 1
    return t


def inverse(x: float) -> float:
    return math.inf if x == 0 else 1.0 / x


@pytest.mark.property
@SETTINGS
@given(tables(shape=(2, 2), high=25))
def test_2x2_transpose_and_row_swap(t: np.ndarray) -> None:
    p, odds, lo, hi = fisher_2x2(t)
    assert 0 < p <= 1
    assert lo <= odds <= hi
    assert_allclose(fisher_2x2(t.T), [p, odds, lo, hi], rtol=1e-9)
    p_s, odds_s, lo_s, hi_s = fisher_2x2(t[::-1])
    assert_allclose([p_s, odds_s, lo_s, hi_s], [p, inverse(odds), inverse(hi), inverse(lo)],
                    rtol=1e-8)
    # the r x c enumeration agrees with the 2 x 2 algorithm
    assert_allclose(freeman_halton(t), p, rtol=1e-9)


@pytest.mark.property
@SETTINGS
@given(tables(high=5), st.randoms(use_true_random=False))
def test_rxc_p_invariant_to_transpose_and_permutation(t: np.ndarray, rnd: Any) -> None:
    p = freeman_halton(t)
    assert 0 < p <= 1
    rows, cols = list(range(t.shape[0])), list(range(t.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    assert_allclose(freeman_halton(t.T), p, rtol=1e-9)
    assert_allclose(freeman_halton(t[np.ix_(rows, cols)]), p, rtol=1e-9)


# ------------------------------------------------------------ bad-input catalogue: exclusion ledger

def _ledger_associate(c: mp.Cohort) -> None:
    res = mp.associate(c, "progrec_high", "horTh")
    assert res.n == 683
    assert res.excluded.rows == (3, 7, 10)


LEDGERS = [
    pytest.param(_ledger_associate, id="associate"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
