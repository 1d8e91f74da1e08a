"""Optimal cutpoints (``mp.optimal_cutpoint``, ``mp.cv_optimal_cutpoint``, ``rule="optimal"``).

Expected values: R 4.2.2, maxstat 0.7.25 (exactRankTests log-rank scores),
``maxstat.test(Surv(time, cens) ~ marker, data = GBSG2, smethod = "LogRank",
pmethod = "Lau92", minprop, maxprop)``, written by
``tests/reference/cutpoint_reference.R`` to ``cutpoint_maxstattest_gbsg2.json``.  Cases:
progrec and estrec (0.1-0.9), age (0.25-0.75), and pnodes and tsize against
time in whole years (``ceiling(time / 365.25)``: ties in marker and time).

Fuzz regression (``fuzz``): a marker whose every patient has the same log-rank score.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from mirprog._engine.logrank import logrank_scores
from mirprog._engine.maxstat import p_lausen92
from mirprog.factors.cutpoints import High
from tests._fuzzing import raises_only_mirprog_error, tiny
from tests._reference import gbsg2_cohort

REF = Path(__file__).resolve().parents[1] / "reference"
RTOL = 1e-6

with open(REF / "cutpoint_maxstattest_gbsg2.json") as _fh:
    MAXSTAT = json.load(_fh)["cases"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", MAXSTAT, ids=[c["id"] for c in MAXSTAT])
def test_matches_r_maxstat(case: dict[str, Any]) -> None:
    res = mp.optimal_cutpoint(gbsg2_cohort(case["time_col"]), case["marker"],
                              minprop=case["minprop"], maxprop=case["maxprop"])
    assert res.cutpoint == case["cutpoint"]
    assert_allclose(res.statistic, case["statistic"], rtol=RTOL)
    assert_allclose(res.p, case["p"], rtol=RTOL)
    assert_array_equal(res.table.index.to_numpy(), case["cuts"])
    assert_allclose(res.table["statistic"], case["stats"], rtol=RTOL)
    assert res.pmethod == "Lau92"
    assert res.n == 686


def test_split_is_usable_by_cutpoints_and_high_means_above() -> None:
    gbsg = mp.datasets.load_gbsg2()
    res = mp.optimal_cutpoint(gbsg, "progrec")
    values = gbsg.data["progrec"].to_numpy()
    assert values[values <= res.cutpoint].max() == res.cutpoint
    assert values[values > res.cutpoint].min() == res.upper_min
    highs: tuple[High, ...] = ("above", "at_or_above")
    for high in highs:
        cut = res.to_cutpoint(high)
        groups = mp.Cutpoints((cut,)).apply(gbsg).data["progrec_high"].to_numpy()
        assert_array_equal(groups, (values > res.cutpoint).astype(int))
        assert cut.group_sizes == (res.n_low, res.n_high) == ((groups == 0).sum(),
                                                              (groups == 1).sum())
    via_fit = mp.Cutpoints.fit(gbsg, ["progrec", "estrec"], rule="optimal")
    assert via_fit["progrec"] == res.to_cutpoint()
    assert via_fit.thresholds == {"progrec": 21.0, "estrec": 8.0}
    assert mp.Cutpoints.from_json(via_fit.to_json()) == via_fit
    assert via_fit["progrec"].rule == "optimal"


def test_statistic_is_close_to_the_logrank_test_at_the_chosen_split() -> None:
    gbsg = mp.datasets.load_gbsg2()
    res = mp.optimal_cutpoint(gbsg, "progrec")
    split = mp.Cutpoints((res.to_cutpoint(),)).apply(gbsg)
    lr = mp.logrank(split, by="progrec_high")
    # the score sum is O - E (up to tied times); the permutation variance treats the
    # censoring as exchangeable, unlike the hypergeometric one: 45.86 vs 50.23 here
    assert res.statistic**2 == pytest.approx(lr.chi2, rel=0.15)
    assert res.statistic**2 != pytest.approx(lr.chi2, rel=1e-6)
    # positive z: the low-progrec group has more events than expected
    assert res.table["z"].to_numpy()[res.table.index == res.cutpoint][0] > 0


def test_logrank_scores_sum_to_zero_and_match_nelson_aalen_without_ties() -> None:
    time = np.array([5.0, 1, 3, 4, 2, 6])
    event = np.array([1, 1, 0, 1, 1, 0])
    a = logrank_scores(time, event)
    assert a.sum() == pytest.approx(0.0, abs=1e-12)
    # t = 1: 1 - 1/6;  t = 4 (the 4th time): 1 - (1/6 + 1/5 + 1/3)
    assert a[1] == pytest.approx(1 - 1 / 6)
    assert a[3] == pytest.approx(1 - (1 / 6 + 1 / 5 + 1 / 3))


def test_permutation_p_is_deterministic_given_a_seed() -> None:
    gbsg = mp.datasets.load_gbsg2()
    a = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=300, seed=7)
    b = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=300, seed=7)
    c = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=300, seed=8)
    assert a.p == b.p
    assert (a.n_perm, a.seed) == (300, 7)
    assert 0.0 < a.p <= 1.0
    assert 0.0 < c.p <= 1.0
    assert a.cutpoint == mp.optimal_cutpoint(gbsg, "age").cutpoint
    strong = mp.optimal_cutpoint(gbsg, "progrec", pmethod="perm", n_perm=200, seed=1)
    assert strong.p == 1 / 201  # no permutation reaches a statistic of 6.8


def test_permutation_p_is_the_same_on_threads_and_on_dask() -> None:
    """Chunk c of 200 permutations draws from default_rng([seed, c]) wherever it runs."""
    gbsg = mp.datasets.load_gbsg2()
    one = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=1100, seed=5, threads=1)
    two = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=1100, seed=5, threads=2)
    assert one.p == two.p
    # the p is the share of permutations reaching the statistic, chunk by chunk
    from mirprog._engine.maxstat import _permutation_hits, scan_splits
    data = gbsg.complete_cases(["age"])
    scan = scan_splits(data.time, data.event.astype(float), data.frame["age"].to_numpy(float),
                 0.1, 0.9, "age")
    hits = sum(_permutation_hits((c, min(200, 1100 - 200 * c)), scan, one.statistic, 5)
               for c in range(6))
    assert one.p == (1 + hits) / 1101
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=1100, seed=5,
                                     client=client)
    assert remote.p == one.p
    fresh = mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=50)
    assert isinstance(fresh.seed, int)          # a fresh seed is drawn and reported
    assert mp.optimal_cutpoint(gbsg, "age", pmethod="perm", n_perm=50, seed=fresh.seed).p \
        == fresh.p


def test_noise_marker_is_not_significant_after_correction() -> None:
    rng = np.random.default_rng(2024)
    gbsg = mp.datasets.load_gbsg2()
    noisy = gbsg.assign(noise=rng.normal(size=gbsg.n))
    res = mp.optimal_cutpoint(noisy, "noise")
    perm = mp.optimal_cutpoint(noisy, "noise", pmethod="perm", n_perm=500, seed=3)
    assert res.p > 0.05
    assert perm.p > 0.05


def test_lausen_schumacher_formula() -> None:
    # maxstat:::pLausen92(3) = 0.05784388457 and pLausen92(1.05) = 0.9743567753 (R 4.2.2)
    assert p_lausen92(3.0) == pytest.approx(0.05784388457, rel=1e-9)
    assert p_lausen92(1.05) == pytest.approx(0.9743567753, rel=1e-9)
    assert p_lausen92(0.9) == 1.0
    assert p_lausen92(1.2, 0.001, 0.999) == 1.0  # capped: R's pLausen92 gives 1.63083019


def test_cross_validation_is_deterministic_and_shows_optimism() -> None:
    gbsg = mp.datasets.load_gbsg2()
    cv = mp.cv_optimal_cutpoint(gbsg, "progrec", folds=5, seed=11)
    again = mp.cv_optimal_cutpoint(gbsg, "progrec", folds=5, seed=11)
    assert_array_equal(cv.folds.to_numpy(), again.folds.to_numpy())
    assert cv.cv_hr == again.cv_hr
    assert cv.folds["n_test"].sum() == 686
    assert len(cv.folds) == 5
    assert (cv.folds["n_train"] + cv.folds["n_test"] == 686).all()
    assert cv.folds["events_test"].max() - cv.folds["events_test"].min() <= 1  # stratified
    assert cv.apparent.cutpoint == 21.0
    assert cv.apparent_hr < cv.cv_hr < 1  # optimism: the honest HR is nearer 1
    assert 0 < cv.shrinkage < 1
    frame = cv.to_frame()
    assert list(frame.index) == ["apparent", "cross-validated"]
    assert frame.loc["cross-validated", "hr"] == cv.cv_hr


def _small() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6, 7, 8], "e": [1, 0, 1, 1, 0, 1, 0, 1],
                                   "flat": [1.0] * 8, "flag": [True, False] * 4,
                                   "m": [1.0, 2, 3, 4, 5, 6, 7, np.nan]}),
                     time="t", event="e")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"marker": "flat"}, "no split leaving"),
    ({"marker": "flag"}, "must be numeric and continuous"),
    ({"marker": "m", "minprop": 0.6, "maxprop": 0.4}, "minprop < maxprop"),
    ({"marker": "m", "pmethod": "HL"}, "Unknown pmethod"),
    ({"marker": "m", "pmethod": "perm", "n_perm": 0}, "n_perm must be"),
    ({"marker": "nope"}, "not in the table"),
])
def test_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(mp.CohortError, match=match):
        mp.optimal_cutpoint(_small(), **kwargs)


def test_missing_marker_values_are_excluded_and_cv_checks_folds() -> None:
    res = mp.optimal_cutpoint(_small(), "m", minprop=0.2, maxprop=0.8)
    assert res.n == 7
    assert len(res.excluded) == 1
    with pytest.raises(mp.CohortError, match="folds must be an integer >= 2"):
        mp.cv_optimal_cutpoint(_small(), "m", folds=1)


# --------------------------------------------------------------------------- fuzz regressions

EXTERNAL = [
    pytest.param(lambda: mp.optimal_cutpoint(tiny(t=[1.0, 2, 3, 4, 5], e=[0, 0, 0, 0, 1]), "m"),
                 r"(same log-rank score|no split)", id="optimal-cutpoint-degenerate-scores"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("action", "match"), EXTERNAL)
def test_external_regressions(action: Callable[[], object], match: str) -> None:
    raises_only_mirprog_error(action, match)
