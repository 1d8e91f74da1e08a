"""Bootstrap stability of a screen: each resample is a screen of the resampled cohort,
and the result depends on the seed only (not on threads, Dask workers or task sizes)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import MirprogError
from mirprog.stats.screen.stability import _Data, _resamples, screen_bootstrap

REF = Path(__file__).resolve().parents[2] / "reference"
MARKERS = ["m01", "m02", "m05", "m07", "m_mono", "m_const", "m_allna", "m_neg"]


@pytest.fixture(scope="module")
def cohort() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "screen_cohort.csv"), time="time", event="event", id="id")


def _data(res_cohort: mp.Cohort, markers: list[str], seed: int, by: Any = "q_logrank") -> _Data:
    """The resamples' shared data as screen_bootstrap builds it (one block)."""
    from mirprog.stats.screen._blocks import MarkerValues
    from mirprog.stats.screen.markers import BlockOptions
    return _Data(values=MarkerValues(res_cohort, np.arange(res_cohort.n))(markers),
                 time=res_cohort.time, event=res_cohort.event, names=markers,
                 blocks=[(0, len(markers))], opts=BlockOptions("breslow", "log2", 20), fdr="bh",
                 conf_level=0.95, seed=seed, by=by)


def test_a_resample_is_the_screen_of_the_resampled_cohort(cohort: mp.Cohort) -> None:
    markers = [m for m in MARKERS if m in cohort.columns]
    data = _data(cohort, markers, seed=11)
    got = _resamples(range(3), data)
    for b in range(3):
        rows = np.random.default_rng([11, b]).integers(0, cohort.n, cohort.n)
        frame = cohort.data.reset_index(drop=True).iloc[rows].reset_index(drop=True)
        frame["id"] = [f"r{i}" for i in range(len(frame))]        # repeated patients
        again = mp.screen(mp.Cohort(frame, time="time", event="event", id="id"), markers,
                          progress=False).table
        assert_allclose(got["p"][b], again["logrank_p"], rtol=1e-12, equal_nan=True)
        assert_allclose(got["q"][b], again["q_logrank"], rtol=1e-12, equal_nan=True)
        assert_allclose(got["hr"][b], again["hr"], rtol=1e-12, equal_nan=True)


def test_resample_b_depends_on_seed_and_b_only(cohort: mp.Cohort) -> None:
    data = _data(cohort, ["m01", "m02", "m05"], seed=5)
    long, short, tail = (_resamples(r, data) for r in (range(6), range(3), range(3, 6)))
    for key in ("p", "q", "hr"):
        np.testing.assert_array_equal(long[key], np.vstack([short[key], tail[key]]))
    other = _resamples(range(3), _data(cohort, ["m01", "m02", "m05"], seed=6))
    assert not np.array_equal(other["p"], short["p"])


def test_same_seed_same_result_on_any_threads(cohort: mp.Cohort) -> None:
    one = screen_bootstrap(cohort, MARKERS, n_boot=12, seed=3, threads=1, progress=False)
    for threads in (2, 5):
        again = screen_bootstrap(cohort, MARKERS, n_boot=12, seed=3, threads=threads,
                                 progress=False)
        pd.testing.assert_frame_equal(again.table, one.table, check_exact=True)


def test_dask_local_cluster_of_two_workers_gives_identical_results(cohort: mp.Cohort) -> None:
    distributed = pytest.importorskip("distributed")
    local = screen_bootstrap(cohort, MARKERS, n_boot=10, seed=4, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = screen_bootstrap(cohort, MARKERS, n_boot=10, seed=4, client=client,
                                  progress=False)
    pd.testing.assert_frame_equal(remote.table, local.table, check_exact=True)
    pd.testing.assert_frame_equal(remote.screen.table, local.screen.table, check_exact=True)


def test_summary_is_computed_from_the_resamples(cohort: mp.Cohort) -> None:
    res = screen_bootstrap(cohort, MARKERS, n_boot=15, seed=8, q=0.2, by="q_cont",
                           progress=False)
    per = _resamples(range(15), _data(cohort, MARKERS, seed=8, by="q_cont"))
    t = res.table.set_index("marker")
    with np.errstate(invalid="ignore"):
        assert_allclose(t["selected"], (per["q"] < 0.2).mean(axis=0))
    assert list(t["n_valid"]) == list(np.isfinite(per["p"]).sum(axis=0))
    ranks = pd.DataFrame(per["p"]).rank(axis=1, method="min").to_numpy()
    for j, m in enumerate(MARKERS):
        if np.isfinite(ranks[:, j]).any():
            assert t.loc[m, "rank_median"] == np.nanmedian(ranks[:, j])
            assert_allclose(t.loc[m, "hr_median"], np.nanmedian(per["hr"][:, j]))
    # markers that cannot be fitted are never selected and have no rank
    assert t.loc["m_const", "selected"] == 0
    assert t.loc["m_const", "n_valid"] == 0
    assert np.isnan(t.loc["m_const", "rank_median"])
    assert res.screen.table["marker"].tolist() == MARKERS
    assert_allclose(t["q_cohort"], res.screen.table["q_cont"].to_numpy(), equal_nan=True)
    assert "n_boot=15" in repr(res)


def test_resamples_without_events_are_skipped() -> None:
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame({"time": rng.exponential(5, n), "event": np.r_[1, np.zeros(n - 1)],
                       "a": rng.lognormal(size=n), "b": rng.lognormal(size=n)})
    res = screen_bootstrap(mp.Cohort(df, time="time", event="event"), n_boot=30, seed=2,
                           progress=False)
    valid = res.table["n_valid"].to_numpy()
    assert (valid < 30).all()          # ~ (1 - 1/40)^40 = 36% of resamples have no event
    assert (valid > 0).all()


def test_default_seed_is_reported_and_reproduces(cohort: mp.Cohort) -> None:
    res = screen_bootstrap(cohort, ["m01", "m02"], n_boot=4, progress=False)
    assert isinstance(res.seed, int)
    again = screen_bootstrap(cohort, ["m01", "m02"], n_boot=4, seed=res.seed, progress=False)
    pd.testing.assert_frame_equal(again.table, res.table, check_exact=True)


def test_progress_bar(cohort: mp.Cohort, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    screen_bootstrap(cohort, ["m01"], n_boot=3, seed=1, progress=True)
    assert "3/3" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(MirprogError, match="pip install tqdm"):
        screen_bootstrap(cohort, ["m01"], n_boot=3, seed=1, progress=True)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_boot": 0}, "n_boot must be a positive integer"),
    ({"n_boot": 2.5}, "n_boot must be a positive integer"),
    ({"q": 1.5}, "q must be between 0 and 1"),
    ({"by": "p"}, "by must be one of"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"ties": "exact"}, "ties must be one of"),
    ({"threads": 0}, "threads must be a positive integer"),
])
def test_errors(cohort: mp.Cohort, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(MirprogError, match=match):
        screen_bootstrap(cohort, ["m01"], **kwargs)


def test_command_line_bootstrap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from mirprog.cli import screen as screen_cli

    parser = argparse.ArgumentParser(prog="mirprog")
    screen_cli.add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "hits.csv"
    args = parser.parse_args(["screen", str(REF / "screen_cohort.csv"), "--time", "time",
                              "--event", "event", "--id", "id", "--out", str(out),
                              "--markers", *MARKERS, "--bootstrap", "6", "--seed", "9",
                              "--no-progress"])
    assert screen_cli.run(args) == 0
    got = pd.read_csv(tmp_path / "hits.stability.csv", keep_default_na=False, na_values=[""])
    cohort = mp.Cohort(pd.read_csv(REF / "screen_cohort.csv"), time="time", event="event",
                       id="id")
    expected = screen_bootstrap(cohort, MARKERS, n_boot=6, seed=9, progress=False).table
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12)
    assert "6 resamples (seed 9)" in capsys.readouterr().out
