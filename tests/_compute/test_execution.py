"""ExecOptions: one object for threads, Dask, block size and progress, on every parallel verb.

Where the work runs never changes a number: each verb gives the same result with
``execution=ExecOptions(...)``, with the old keywords, on one thread or two.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import mirprog as mp
from mirprog._compute.execution import ExecOptions, execution_options
from mirprog.errors import ArgumentError

MARKERS = ["progrec", "estrec", "age", "tsize"]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"threads": 0}, "threads"), ({"threads": True}, "threads"), ({"threads": 1.5}, "threads"),
    ({"block_size": 0}, "block_size"), ({"progress": "yes"}, "progress"),
    ({"scheduler": 8786}, "scheduler"),
])
def test_bad_options_name_the_option(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ArgumentError, match=name) as err:
        ExecOptions(**kwargs)  # type: ignore[arg-type]
    assert err.value.argument == name


def test_keywords_merge_into_the_options_and_contradictions_are_refused() -> None:
    ex = execution_options(ExecOptions(threads=2), progress=False)
    assert ex == ExecOptions(threads=2, progress=False)
    assert execution_options(ExecOptions(threads=2), threads=2) == ExecOptions(threads=2)
    with pytest.raises(ArgumentError, match="threads is given twice"):
        execution_options(ExecOptions(threads=2), threads=3)
    with pytest.raises(ArgumentError, match="ExecOptions"):
        execution_options({"threads": 2})  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="Unknown execution option"):
        execution_options(None, workers=2)


def test_screen_same_table_with_options_keywords_and_threads(gbsg: mp.Cohort) -> None:
    one = mp.screen(gbsg, MARKERS, threads=1, block_size=1, progress=False).table
    two = mp.screen(gbsg, MARKERS, execution=ExecOptions(threads=2, block_size=1,
                                                        progress=False)).table
    assert_frame_equal(one, two)
    with pytest.raises(ArgumentError, match="block_size is given twice"):
        mp.screen(gbsg, MARKERS, block_size=2, execution=ExecOptions(block_size=1))


def test_screen_bootstrap_same_with_options(gbsg: mp.Cohort) -> None:
    a = mp.screen_bootstrap(gbsg, MARKERS, n_boot=6, seed=2, threads=1, progress=False)
    b = mp.screen_bootstrap(gbsg, MARKERS, n_boot=6, seed=2,
                            execution=ExecOptions(threads=2, progress=False))
    assert_frame_equal(a.table, b.table)


def test_optimal_cutpoint_permutations_same_with_options(gbsg: mp.Cohort) -> None:
    a = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=450, seed=3, threads=1)
    b = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=450, seed=3,
                            execution=ExecOptions(threads=2))
    assert a.p == b.p


def test_bootstrap_validate_same_on_one_or_two_threads(gbsg: mp.Cohort) -> None:
    a = mp.bootstrap_validate(gbsg, ["pnodes", "progrec"], n_boot=8, seed=4, progress=False)
    b = mp.bootstrap_validate(gbsg, ["pnodes", "progrec"], n_boot=8, seed=4,
                              execution=ExecOptions(threads=2, progress=False))
    assert_frame_equal(a.table, b.table)
    assert_frame_equal(a.replicates, b.replicates)
    assert isinstance(a.table, pd.DataFrame)


def test_a_callable_progress_is_told_each_block_and_changes_no_number(gbsg: mp.Cohort) -> None:
    seen: list[tuple[int, int]] = []
    hooked = mp.screen(gbsg, MARKERS, execution=ExecOptions(
        threads=2, block_size=1, progress=lambda done, total: seen.append((done, total))))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]  # one call per block, in order
    plain = mp.screen(gbsg, MARKERS, threads=1, block_size=1, progress=False)
    assert_frame_equal(hooked.table, plain.table)
