"""Masks pick the right patients (issue 14, item 3): Cohort.subset and table4 subgroups.

A pandas Series mask is matched to the rows by its index, never applied by position; a
Series whose index is not the cohort's rows is refused; missing means "not selected";
values must be True/False or 1/0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mirprog as mp


@pytest.fixture(scope="module")
def gbsg() -> mp.Cohort:
    return mp.datasets.load_gbsg2()


def test_series_mask_is_aligned_by_index(gbsg: mp.Cohort) -> None:
    shuffled = gbsg.data.sort_values("age")["age"] > 60
    sub = gbsg.subset(shuffled)
    assert sub.column("age").min() > 60
    assert sub.n == int((gbsg.column("age") > 60).sum())
    assert list(sub.ids) == [i for i in gbsg.ids if gbsg.column("age")[i] > 60]  # row order kept


def test_float_mask_with_nan_selects_only_the_ones(gbsg: mp.Cohort) -> None:
    mask = np.where(gbsg.column("age").to_numpy() > 60, 1.0, np.nan)
    sub = gbsg.subset(mask)
    assert sub.n == int((gbsg.column("age") > 60).sum())
    nullable = pd.Series(gbsg.column("age") > 60, dtype="boolean")
    nullable.iloc[:10] = pd.NA
    assert gbsg.subset(nullable).n == int(nullable.fillna(False).sum())
    objects = pd.Series([True, None] * (gbsg.n // 2), index=gbsg.ids, dtype=object)
    assert gbsg.subset(objects).n == gbsg.n // 2


@pytest.mark.parametrize(("mask", "match"), [
    (lambda g: pd.Series(True, index=range(g.n)), r"index does not match the cohort's rows"),
    (lambda g: g.data["age"].iloc[:100] > 50, r"686 row\(s\)|586 row\(s\) are not in it"),
    (lambda g: pd.Series(np.ones(g.n, bool), index=[1] * g.n), r"repeated index labels"),
    (lambda g: np.where(g.column("age") > 60, 2.0, 0.0), r"must be boolean .* found 2\.0"),
    (lambda g: np.full(g.n, 0.5), r"must be boolean .* found 0\.5"),
    (lambda g: np.array(["yes"] * g.n), r"must be boolean .* found 'yes'"),
    (lambda g: g.data[["age"]] > 60, r"got a DataFrame"),
    (lambda g: np.ones(3, bool), r"one value per row \(686\), got shape \(3,\)"),
])
def test_bad_masks_are_refused(gbsg: mp.Cohort, mask: object, match: str) -> None:
    with pytest.raises(mp.CohortError, match=match):
        gbsg.subset(mask(gbsg))  # type: ignore[operator]


def test_zero_one_integers_are_a_mask(gbsg: mp.Cohort) -> None:
    ints = (gbsg.column("age") > 60).astype(int)
    assert gbsg.subset(ints).n == int(ints.sum())


def test_table4_subgroup_series_is_aligned(gbsg: mp.Cohort) -> None:
    cohort = mp.Cutpoints.fit(gbsg, "progrec").apply(gbsg)
    old = cohort.data.sort_values("age")["age"] > 60
    aligned = mp.table4(cohort, "progrec_high", {"old": old}, include_all=False)
    direct = mp.table4(cohort, "progrec_high", {"old": (cohort.column("age") > 60).to_numpy()},
                       include_all=False)
    pd.testing.assert_frame_equal(aligned.frame, direct.frame)
    assert aligned.frame.loc["old", "n"] == int((cohort.column("age") > 60).sum())
    with pytest.raises(mp.CohortError, match=r"Subgroup 'mask' is a pandas Series whose index"):
        mp.table4(cohort, "progrec_high", {"old": old.reset_index(drop=True).iloc[::-1]})
    nan_mask = np.where(cohort.column("age") > 60, 1.0, np.nan)
    res = mp.table4(cohort, "progrec_high", {"old": nan_mask}, include_all=False)
    assert res.frame.loc["old", "n"] == aligned.frame.loc["old", "n"]
