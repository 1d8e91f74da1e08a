"""Engine refusals and limits of issue 14: too many groups, lazy bootstrap resamples."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
import mirprog.stats.bootstrap as validation


def _cohort(n: int = 120, seed: int = 1) -> mp.Cohort:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": [f"p{i}" for i in range(n)],
        "time": rng.uniform(1, 100, n).round(1),
        "event": rng.integers(0, 2, n),
        "age": rng.integers(30, 80, n),                 # 50 distinct values: continuous
        "grade": rng.integers(1, 4, n),
        "x": rng.normal(size=n),
    })
    return mp.Cohort(frame, time="time", event="event", id="id")


FUNCS = {"km": mp.km, "logrank": mp.logrank, "pairwise_logrank": mp.pairwise_logrank}


@pytest.mark.parametrize("name", FUNCS)
def test_a_continuous_by_column_is_refused_with_the_hint_to_cut_it(name: str) -> None:
    cohort = _cohort()
    k = cohort.data["age"].nunique()
    with pytest.raises(mp.CohortError, match=rf"'age' has {k} distinct values .* more than "
                       r"max_groups=20.*Cutpoints\.fit\(cohort, \['age'\], 'median'\)") as err:
        FUNCS[name](cohort, by="age")
    assert err.value.column == "age"


@pytest.mark.parametrize("name", FUNCS)
def test_max_groups_is_a_parameter(name: str) -> None:
    cohort = _cohort(n=40)
    k = int(cohort.data["grade"].nunique())
    FUNCS[name](cohort, by="grade", max_groups=k)                  # at the limit: fine
    with pytest.raises(mp.CohortError, match=f"more than max_groups={k - 1}"):
        FUNCS[name](cohort, by="grade", max_groups=k - 1)
    with pytest.raises(mp.ArgumentError, match="max_groups must be a positive integer"):
        FUNCS[name](cohort, by="grade", max_groups=0)


def test_overall_km_has_no_group_limit() -> None:
    assert mp.km(_cohort(), max_groups=1).groups == ("all",)


def test_bootstrap_resamples_are_drawn_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 resamples of 2,000 rows would be 32 MB of integers if drawn up front: they are
    drawn a block (of counts per row) at a time."""
    seen: list[tuple[int, int]] = []

    def fake(counts: np.ndarray, *args: Any) -> Any:
        seen.append(counts.shape)
        k = counts.shape[1]
        vals = np.full((k, len(validation.INDICES)), 0.5)
        block = validation.optimism.Block(status=np.zeros(k, dtype=np.int64),
                                          monotone=np.zeros(k, dtype=bool),
                                          iterations=np.full(k, 4), coef=np.zeros((k, 1)),
                                          train=vals, test=vals)
        return validation._Scored(block, None)          # no horizon: no Brier scores

    monkeypatch.setattr(validation, "_block", fake)
    cohort = _cohort(n=2000)
    fit_first = mp.cox(cohort, ["x"])                  # warm caches outside the measurement
    assert fit_first.n == 2000
    tracemalloc.start()
    try:
        res = mp.bootstrap_validate(cohort, ["x"], n_boot=2000, seed=1, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert res.n_boot == 2000
    assert seen == [(2000, validation.BLOCK)] * (2000 // validation.BLOCK)
    assert peak < 8_000_000, peak


def test_lazy_resamples_keep_the_results_of_a_seed() -> None:
    """Resample b of seed s is default_rng([s, b]) (the one seed convention, README)."""
    cohort = _cohort(n=80, seed=4)
    lazy = mp.bootstrap_validate(cohort, ["x", "grade"], n_boot=6, seed=11)
    n = lazy.fit.n
    eager = np.stack([np.random.default_rng([11, b]).integers(0, n, n) for b in range(6)])
    given = mp.bootstrap_validate(cohort, ["x", "grade"], indices=eager)
    pd.testing.assert_frame_equal(lazy.table, given.table)
    pd.testing.assert_frame_equal(lazy.replicates, given.replicates)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 0}, "n_boot must be a positive integer"),
    ({"n_boot": True}, "n_boot must be a positive integer"),
    ({"indices": np.zeros((2, 3), int)}, r"shape \(n_boot, 80\)"),
])
def test_bootstrap_argument_errors_are_typed(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(mp.ArgumentError, match=match):
        mp.bootstrap_validate(_cohort(n=80, seed=4), ["x"], **kwargs)


def _gbsg() -> mp.Cohort:
    return mp.datasets.load_gbsg2()


BAD_ARGUMENTS = {
    "km conf_type": (lambda: mp.km(_gbsg(), conf_type="logistic"), "conf_type"),
    "km conf_level": (lambda: mp.km(_gbsg(), conf_level=95), "conf_level"),
    "cox ties": (lambda: mp.cox(_gbsg(), ["age"], ties="exact"), "ties"),
    "continuous transform": (lambda: mp.continuous_cox(_gbsg(), "age", transform="sqrt"),
                             "transform"),
    "continuous offset": (lambda: mp.continuous_cox(_gbsg(), "age", offset=-1), "offset"),
    "spline knots": (lambda: mp.spline_cox(_gbsg(), "age", n_knots=2), "n_knots"),
    "ph_test transform": (lambda: mp.ph_test(mp.cox(_gbsg(), ["age"]), _gbsg(),
                                             transform="cubic"), "transform"),
    "backward_select p": (lambda: mp.backward_select(_gbsg(), ["age"], p_enter=0.5,
                                                     p_remove=0.1), "p_enter"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS)
def test_engine_argument_errors_are_mirprog_errors(case: str) -> None:
    call, match = BAD_ARGUMENTS[case]
    with pytest.raises(mp.ArgumentError, match=match) as err:
        call()
    assert isinstance(err.value, ValueError)
