"""The marker screen against R and against the single-marker path.

Reference numbers come from R 4.2.2 / survival 3.5.3 via
``tests/reference/screen_reference.R`` (committed ``screen_cohort.csv`` and
``screen_coxph_screencohort.json``; R is not needed here).  Per marker: ``survdiff`` on the
median split and ``coxph`` (default control, Breslow and Efron) on the split
and on log2 / raw values, each on the marker's complete cases.  Tolerances:
1e-6 relative against R, 1e-8 against :func:`mirprog.cox` /
:func:`mirprog.logrank` (the engine's own two shapes), except the monotone
marker whose coefficient only means "drifting to infinity".
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog._engine import batch_sets as _sets
from mirprog._engine import cox_batch as _batch
from mirprog._engine.coxph import SingularDesignError, Ties, fit_cox
from mirprog._engine.logrank import logrank_arrays, quadratic_chi2
from mirprog.errors import CohortError, MirprogError
from mirprog.stats.screen.markers import COLUMNS, ScreenResult, _medians, screen

REF = Path(__file__).resolve().parents[2] / "reference"
R_RTOL = 1e-6
SELF_RTOL = 1e-8
MONOTONE = "m_mono"


@cache
def r_ref() -> dict[str, Any]:
    with open(REF / "screen_coxph_screencohort.json") as fh:
        return json.load(fh)


def r_rows() -> dict[str, dict[str, Any]]:
    return {row["marker"]: row for row in r_ref()["markers"]}


def val(x: Any) -> float:
    return float("nan") if x is None else float(x)


@pytest.fixture(scope="module")
def cohort() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "screen_cohort.csv"), time="time", event="event", id="id")


@cache
def _screen(ties: str, continuous: str) -> pd.DataFrame:
    c = mp.Cohort(pd.read_csv(REF / "screen_cohort.csv"), time="time", event="event", id="id")
    res = screen(c, ties=ties, continuous=continuous)  # type: ignore[arg-type]
    return res.table.set_index("marker")


CASES = [(t, c) for t in ("breslow", "efron") for c in ("log2", "raw")]


# --------------------------------------------------------------------------- against R


@pytest.mark.r_reference
@pytest.mark.parametrize(("ties", "continuous"), CASES)
def test_screen_matches_r(ties: str, continuous: str) -> None:
    table = _screen(ties, continuous)
    rows = r_rows()
    assert list(table.index) == list(rows)
    for marker, row in rows.items():
        t = table.loc[marker]
        assert (t["n"], t["events"], t["n_high"]) == (row["n"], row["events"], row["n_high"])
        assert_allclose(t["logrank_chi2"], val(row["logrank"]["chi2"]), rtol=R_RTOL)
        assert_allclose(t["logrank_p"], val(row["logrank"]["p"]), rtol=R_RTOL)
        for suffix, model in (("", "binary"), ("_cont", continuous)):
            fit = row[f"{model}_{ties}"]
            if marker == MONOTONE and model == "binary":
                assert "infinite" in fit["warnings"][0]
                assert t["hr"] < 1e-6
                assert np.isfinite(t["p"])
                continue
            assert_allclose(np.log(t["hr" + suffix]), val(fit["coef"]), rtol=R_RTOL, atol=1e-12)
            assert_allclose(t["p" + suffix], val(fit["p"]), rtol=R_RTOL)
            assert_allclose(t["lr_chi2" + suffix], val(fit["lr_chi2"]), rtol=R_RTOL, atol=1e-9)
            se = (np.log(t["ci_upper" + suffix]) - np.log(t["ci_lower" + suffix])) / (2 * 1.959964)
            assert_allclose(se, val(fit["se"]), rtol=1e-6)


@pytest.mark.r_reference
@pytest.mark.parametrize(("ties", "continuous"), CASES)
def test_q_values_match_r_p_adjust(ties: str, continuous: str) -> None:
    table = _screen(ties, continuous)
    q = r_ref()["q"]
    for column, key in (("q_logrank", "logrank"), ("q", f"binary_{ties}"),
                        ("q_cont", f"{continuous}_{ties}")):
        expected = np.array([val(v) for v in q[key]])
        assert_allclose(table[column].to_numpy(), expected, rtol=R_RTOL, equal_nan=True)


def test_notes_for_unusable_markers() -> None:
    t = _screen("breslow", "log2")
    note = t["note"].to_dict()
    assert note["m_const"] == "constant (no variation)"
    assert note["m_allna"] == "all values missing"
    assert t.loc["m_allna", "n"] == 0
    assert "log2 undefined" in note["m_count"]
    assert "log2 undefined" in note["m_neg"]
    assert "monotone" in note[MONOTONE]
    for marker in ("m_const", "m_allna"):
        assert t.loc[marker, COLUMNS[4:19]].isna().all()
    hr, hr_cont = t["hr"].to_dict(), t["hr_cont"].to_dict()
    for marker in ("m_count", "m_neg"):
        assert np.isfinite(hr[marker])
        assert np.isnan(hr_cont[marker])
    assert (t.loc[[f"m{i:02d}" for i in range(1, 29)], "note"] == "").all()
    raw = _screen("breslow", "raw")
    assert np.isfinite(raw["hr_cont"].to_dict()["m_neg"])
    assert raw["note"].to_dict()["m_neg"] == ""


# ------------------------------------------------------------- one engine, two shapes


def _single(cohort: mp.Cohort, marker: str, ties: str, continuous: str) -> dict[str, float]:
    col = cohort.column(marker)
    if col.notna().sum() == 0 or col.nunique() < 2:
        return {}
    c = mp.Cutpoints.fit(cohort, marker).apply(cohort)
    lr = mp.logrank(c, by=f"{marker}_high")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        fit = mp.cox(c, f"{marker}_high", ties=ties)  # type: ignore[arg-type]
    out = {"logrank_chi2": lr.chi2, "logrank_p": lr.p, "lr_chi2": fit.lr_chi2,
           "n": lr.n, "n_high": int(c.column(f"{marker}_high").sum())}
    out.update({k: float(fit.summary[k].iloc[0]) for k in ("hr", "ci_lower", "ci_upper", "p")})
    x = col if continuous == "raw" else np.log2(col.where(col > 0))
    if continuous == "raw" or (col.dropna() > 0).all():
        cc = cohort.assign(_x=x)
        cont = mp.cox(cc, "_x", ties=ties)  # type: ignore[arg-type]
        out["lr_chi2_cont"] = cont.lr_chi2
        out.update({f"{k}_cont": float(cont.summary[k].iloc[0])
                    for k in ("hr", "ci_lower", "ci_upper", "p")})
    return out


@pytest.mark.parametrize(("ties", "continuous"), CASES)
def test_screen_equals_single_marker_path(cohort: mp.Cohort, ties: str,
                                          continuous: str) -> None:
    table = _screen(ties, continuous)
    for marker in table.index:
        expected = _single(cohort, marker, ties, continuous)
        for key, value in expected.items():
            rtol = 1e-6 if marker == MONOTONE and key in ("hr", "ci_lower", "p") else SELF_RTOL
            assert_allclose(table.loc[marker, key], value, rtol=rtol, atol=1e-300,
                            err_msg=f"{marker} {key}")


def test_median_split_is_cutpoints_split(cohort: mp.Cohort) -> None:
    table = _screen("breslow", "log2")
    markers = [m for m in table.index if m not in ("m_const", "m_allna")]
    cuts = mp.Cutpoints.fit(cohort, markers)
    values = cohort.data[markers].to_numpy(dtype=float)
    medians = _medians(values.T.copy(), (~np.isnan(values)).sum(axis=0))
    for j, cut in enumerate(cuts.cutpoints):
        assert table.loc[cut.marker, "n_high"] == cut.group_sizes[1]
        assert medians[j] == cut.thresholds[0]                 # bit for bit
        assert_allclose(medians[j], r_rows()[cut.marker]["median"], rtol=1e-15)


def _random_case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(12, 90)), 6
    time = np.ceil(rng.exponential(4, n))              # heavy ties
    event = (rng.random(n) < 0.5).astype(int)
    event[0] = 1
    x = rng.normal(size=(n, m)) + rng.normal(size=m) * event[:, None]
    x[:, 0] = np.where(event == 1, 0.0, 3.0) + rng.random(n)   # separation: monotone split
    x[rng.random((n, m)) < 0.15] = np.nan
    # marker 2 is missing at the longest follow-up, an event: an empty risk set for it there
    last = time == time.max()
    event[np.flatnonzero(last)[0]] = 1
    x[last, 2] = np.nan
    return time, event, x


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_batch_engine_equals_fit_cox(seed: int, ties: str) -> None:
    """Per-marker masks, ties, monotone fits: the batched engine is fit_cox, column by column."""
    _check_engine_against_fit_cox(seed, ties)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_batch_engine_large_block_paths(seed: int, ties: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths of big blocks (sparse segment sums, many row chunks), forced on small data."""
    monkeypatch.setattr(_sets, "SPARSE_FROM", 0)
    monkeypatch.setattr(_sets, "CHUNK", 16)
    _check_engine_against_fit_cox(seed, ties)


def _check_engine_against_fit_cox(seed: int, ties: str) -> None:
    time, event, x = _random_case(seed)
    s = _batch.sample(time, event)
    xs = x[s.order]
    w = ~np.isnan(xs)
    high = xs > np.nanmedian(xs, axis=0)
    binary, lr = _batch.binary_block(s, high, w, ties)  # type: ignore[arg-type]
    cont = _batch.continuous_block(s, xs, w, ties)  # type: ignore[arg-type]
    # the screen's shape: both models in one Newton loop
    tie: Ties = ties  # type: ignore[assignment]
    ev = _batch.complete_events(s, w, tie)
    joint = _batch.fit_models([(_batch.binary_model(s, high, w, tie, ev), x.shape[1]),
                               (_batch.continuous_model(s, xs, w, tie, ev), x.shape[1])])
    for one, both in ((binary, joint[0]), (cont, joint[1])):
        for field in ("coef", "se", "loglik", "iterations", "converged", "monotone", "singular"):
            assert_allclose(getattr(both, field), getattr(one, field), rtol=1e-12, atol=1e-14)
    for j in range(x.shape[1]):
        k = w[:, j]
        o, e, v = logrank_arrays(s.time[k], s.event[k], high[k, j].astype(np.int64), 2)
        chi2, df = quadratic_chi2(o - e, v, e)
        assert lr.df[j] == df
        assert_allclose(lr.chi2[j], chi2, rtol=1e-10, atol=1e-12)
        for fit, cov in ((binary, high[k, j].astype(float)), (cont, xs[k, j])):
            try:
                ref = fit_cox(s.time[k], s.event[k], cov[:, None], ties)  # type: ignore[arg-type]
            except SingularDesignError:
                assert fit.singular[j]
                continue
            assert not fit.singular[j]
            assert (fit.converged[j], fit.iterations[j], fit.monotone[j]) == (
                ref.converged, ref.iterations, ref.infinite[0])
            rtol = 1e-6 if ref.infinite[0] else 1e-10
            assert_allclose(fit.coef[j], ref.coef[0], rtol=rtol, atol=1e-12)
            assert_allclose(fit.se[j], np.sqrt(ref.var[0, 0]), rtol=rtol)
            assert_allclose(fit.loglik[j], ref.loglik, rtol=1e-12)
            assert_allclose(fit.loglik_null[j], ref.loglik_null, rtol=1e-12)
            assert_allclose(fit.score_chi2[j], ref.score_chi2, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", range(6))
def test_batch_engine_step_halving_and_iteration_limit(seed: int) -> None:
    """Heavy-tailed covariates make full Newton steps overshoot; low max_iter forces run-outs."""
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(10, 40)), 10
    time = np.ceil(rng.exponential(3, n))
    event = (rng.random(n) < 0.6).astype(int)
    event[0] = 1
    x = rng.standard_cauchy((n, m)) * rng.choice([1.0, 10.0, 100.0], m)
    x[rng.random((n, m)) < 0.1] = np.nan
    s = _batch.sample(time, event)
    xs = x[s.order]
    w = ~np.isnan(xs)
    max_iter = int(rng.integers(2, 21))
    all_ties: list[Ties] = ["breslow", "efron"]
    for ties in all_ties:
        fit = _batch.continuous_block(s, xs, w, ties, max_iter=max_iter)
        for j in range(m):
            k = w[:, j]
            try:
                ref = fit_cox(s.time[k], s.event[k], xs[k, j][:, None], ties, max_iter=max_iter)
            except SingularDesignError:
                assert fit.singular[j]
                continue
            assert (fit.converged[j], fit.iterations[j], fit.monotone[j]) == (
                ref.converged, ref.iterations, ref.infinite[0])
            if not ref.infinite[0]:
                assert_allclose(fit.coef[j], ref.coef[0], rtol=1e-8, atol=1e-12)
                assert_allclose(fit.loglik[j], ref.loglik, rtol=1e-12)


def test_threads_give_identical_results(cohort: mp.Cohort) -> None:
    """Blocks are fixed by block_size alone: any number of threads gives the same bits."""
    ref = screen(cohort, block_size=5, threads=1).table
    for threads in (2, 3, 16):
        pd.testing.assert_frame_equal(screen(cohort, block_size=5, threads=threads).table, ref,
                                      check_exact=True)


def test_log_counts_is_numpy_log_bit_for_bit() -> None:
    """The look-up behind the beta = 0 evaluations gives np.log's bits, into a strided out too."""
    counts = np.array([[0.0, 1, 2, 3], [1099, 1100, 7, 512]])
    with np.errstate(divide="ignore"):
        expected = np.log(counts)
    assert np.array_equal(_batch.log_counts(counts, 1100), expected)
    out = np.full((2, 4, 4), np.nan)[:, 1]              # as _accumulate writes it
    _batch.log_counts(counts, 1100, out=out)
    assert np.array_equal(out, expected)


def test_stray_text_in_a_text_marker_column_is_refused(cohort: mp.Cohort) -> None:
    """Only text columns are read cell by cell; a typo among numbers there is still refused."""
    frame = cohort.data.assign(typo=["3O"] + ["1.5"] * (cohort.n - 1))
    bad = mp.Cohort(frame, time=cohort.time_col, event=cohort.event_col)
    with pytest.raises(CohortError, match=r"'typo' has non-numeric values \('3O'\)"):
        screen(bad, ["typo"])


def test_default_blocks_are_balanced() -> None:
    from mirprog.stats.screen._blocks import marker_blocks
    names = [f"m{j}" for j in range(2000)]
    sizes = [len(b) for b in marker_blocks(names, 1100, None)]
    assert sizes == [1000, 1000]
    sizes = [len(b) for b in marker_blocks(names, 10_000, None)]
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == 2000
    assert [len(b) for b in marker_blocks(names[:70], 10**6, None)] == [24, 24, 22]  # ~32 at least
    assert [len(b) for b in marker_blocks(names[:10], 65, 4)] == [4, 4, 2]


def test_results_do_not_depend_on_block_size(cohort: mp.Cohort) -> None:
    ref = screen(cohort).table
    for size in (1, 5, 64):
        # lr_chi2 is a difference of log-likelihoods ~ -350: absolute rounding ~1e-13
        pd.testing.assert_frame_equal(screen(cohort, block_size=size).table, ref,
                                      rtol=1e-12, atol=1e-11)


@pytest.mark.parametrize("rows", [None, 5000])
def test_marker_values_both_layouts_and_reuse(cohort: mp.Cohort, rows: int | None) -> None:
    """Gathered rows equal the frame's; reuse refills one (rows, markers) array per thread."""
    from mirprog.stats.screen import _blocks as mk

    frame = cohort._data
    if rows is not None:               # long columns: gathered one by one from views
        assert rows >= mk.COLUMNWISE_FROM
        frame = frame.sample(rows, replace=True, random_state=1).reset_index(drop=True)
        frame["id"] = np.arange(rows)
        cohort = mp.Cohort(frame, time="time", event="event", id="id")
    names = [c for c in frame.columns if c.startswith("m")][:20]
    order = np.random.default_rng(3).permutation(len(frame))
    expect = frame[names].to_numpy(dtype=float)[order]
    fresh, reused = mk.MarkerValues(cohort, order), mk.MarkerValues(cohort, order, reuse=True)
    a, b = fresh.block(names), fresh.block(names[:7])
    assert not np.shares_memory(a.values, b.values)
    assert not np.shares_memory(a.values, a.by_marker)
    np.testing.assert_array_equal(a.values, expect)
    # by_marker: the same rows, in any order (it serves the medians and the counts)
    np.testing.assert_array_equal(np.sort(a.by_marker, axis=1), np.sort(expect.T, axis=1))
    c = reused.block(names)
    np.testing.assert_array_equal(c.values, expect)
    assert not np.shares_memory(c.values, c.by_marker)
    d = reused.block(names[:7])                     # the next block, same thread: same memory
    assert np.shares_memory(c.values, d.values)
    assert not np.shares_memory(c.by_marker, d.by_marker)    # freed after the medians
    np.testing.assert_array_equal(d.values, expect[:, :7])
    np.testing.assert_array_equal(np.sort(d.by_marker, axis=1), np.sort(expect[:, :7].T, axis=1))
    assert not np.shares_memory(a.by_marker, frame[names[0]].to_numpy())   # never the frame's


@pytest.mark.parametrize("size", [None, 4])
def test_long_column_paths_give_the_same_table(cohort: mp.Cohort, size: int | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns gathered one by one and markers with missing values blocked first (the
    long-column paths, forced here): the same table, in the markers' order."""
    from mirprog.stats.screen import _blocks

    ref = screen(cohort, block_size=size).table
    monkeypatch.setattr(_blocks, "COLUMNWISE_FROM", 0)
    names = [c for c in cohort.columns if c.startswith("m")]
    grouped, blocks = _blocks.screen_blocks(cohort, names, cohort.n, size)
    incomplete = [m for m in names if cohort._data[m].isna().any()]
    assert grouped == incomplete + [m for m in names if m not in incomplete]
    assert [m for b in blocks for m in b] == grouped
    full = len(_blocks.marker_blocks(names, cohort.n, size)[0])
    assert blocks[0] == incomplete[:-(-full // 2)]          # half-size blocks, first
    got = screen(cohort, block_size=size).table
    assert got["marker"].tolist() == ref["marker"].tolist()
    pd.testing.assert_frame_equal(got, ref, rtol=1e-12, atol=1e-11)


# ------------------------------------------------------------------- API and errors


def test_default_markers_and_result_object(cohort: mp.Cohort) -> None:
    res = screen(cohort, fdr="holm")
    assert isinstance(res, ScreenResult)
    assert list(res.table.columns) == COLUMNS
    assert list(res.table["marker"]) == [c for c in cohort.columns
                                         if c not in ("id", "time", "event")]
    assert res.to_frame() is res.table
    assert "<table" in res._repr_html_()
    assert repr(res).startswith("ScreenResult(33 markers, n=200, events=81")
    p = res.table["p"].to_numpy()
    ok = np.isfinite(p)
    assert_allclose(res.table["q"].to_numpy()[ok], mp.p_adjust(p[ok], "holm"))
    assert (res.n, res.events, res.ties, res.fdr, res.conf_level) == (200, 81, "breslow",
                                                                      "holm", 0.95)


def test_integer_and_nullable_markers(cohort: mp.Cohort) -> None:
    df = cohort.data.reset_index()
    df["m_int"] = df["m_count"].astype("Int64")
    df.loc[:4, "m_int"] = pd.NA
    df["flag"] = df["m01"] > 10                       # boolean: not a marker by default
    c = mp.Cohort(df, time="time", event="event", id="id")
    res = screen(c, continuous="raw")
    assert "flag" not in set(res.table["marker"])
    row = res.table.set_index("marker").loc["m_int"]
    assert row["n"] == 195
    fit = mp.cox(c.assign(m=df.set_index("id")["m_int"]), "m")
    assert_allclose(row["hr_cont"], fit.summary["hr"].iloc[0], rtol=SELF_RTOL)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"markers": ["m01", "nope"]}, CohortError, "marker column 'nope' is not in the table"),
    ({"markers": ["m01", "m01"]}, CohortError, "repeated"),
    ({"markers": []}, CohortError, "empty"),
    ({"markers": ["time"]}, CohortError, "time/event/id"),
    ({"markers": ["id"]}, CohortError, "time/event/id"),
    ({"ties": "exact"}, MirprogError, "ties must be one of"),
    ({"continuous": "log10"}, MirprogError, "continuous must be one of"),
    ({"fdr": "by"}, MirprogError, "fdr must be one of"),
    ({"rule": "tertiles"}, MirprogError, "rule must be one of"),
    ({"conf_level": 95}, MirprogError, "conf_level"),
    ({"block_size": 0}, MirprogError, "block_size"),
    ({"block_size": True}, MirprogError, "block_size"),
    ({"threads": 0}, MirprogError, "threads must be a positive integer"),
    ({"threads": 1.5}, MirprogError, "threads must be a positive integer"),
    ({"client": "tcp://x", "scheduler": "tcp://y"}, MirprogError, "not both"),
    ({"client": 3}, MirprogError, "Client or True"),
])
def test_errors(cohort: mp.Cohort, kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        screen(cohort, **kwargs)


def test_non_numeric_marker_and_no_markers() -> None:
    df = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 1], "grade": ["a", "b", "a", "b"]})
    c = mp.Cohort(df, time="t", event="e")
    with pytest.raises(CohortError, match="'grade' is not numeric"):
        screen(c, ["grade"])
    with pytest.raises(CohortError, match="No numeric marker columns"):
        screen(c)


def test_progress_bar(cohort: mp.Cohort, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    quiet = screen(cohort, markers=["m01", "m02"], progress=False).table
    shown = screen(cohort, markers=["m01", "m02"], progress=True, block_size=1).table
    pd.testing.assert_frame_equal(quiet, shown)
    assert "2/2" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(MirprogError, match="pip install tqdm"):
        screen(cohort, markers=["m01"], progress=True)
    screen(cohort, markers=["m01"], progress=None)   # no tqdm: no bar, no error


def test_dask_local_cluster_gives_identical_results(cohort: mp.Cohort) -> None:
    distributed = pytest.importorskip("distributed")
    local = screen(cohort, block_size=7).table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = screen(cohort, block_size=7, client=client).table
        by_address = screen(cohort, block_size=7, scheduler=cluster.scheduler_address).table
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
    pd.testing.assert_frame_equal(by_address, local, check_exact=True)


def test_dask_in_process_cluster_on_request(cohort: mp.Cohort) -> None:
    pytest.importorskip("distributed")
    local = screen(cohort, ["m01", "m05", "m_mono"], block_size=2).table
    remote = screen(cohort, ["m01", "m05", "m_mono"], block_size=2, client=True).table
    pd.testing.assert_frame_equal(remote, local, check_exact=True)


# -------------------------------------------------------------------------- command line


def _cli(argv: list[str]) -> int:
    from mirprog.cli import screen as screen_cli

    parser = argparse.ArgumentParser(prog="mirprog")
    screen_cli.add_parser(parser.add_subparsers(dest="command"))
    return screen_cli.run(parser.parse_args(argv))


def test_cli_wide_and_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.read_csv(REF / "screen_cohort.csv")
    wide = tmp_path / "wide.parquet"
    df.to_parquet(wide)
    out = tmp_path / "res.csv"
    assert _cli(["screen", str(wide), "--time", "time", "--event", "event", "--id", "id",
                 "--out", str(out), "--no-progress"]) == 0
    got = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert list(got.columns) == COLUMNS
    expected = _screen("breslow", "log2").reset_index()
    assert_allclose(got["p"].to_numpy(), expected["p"].to_numpy(), rtol=1e-12, equal_nan=True)
    assert "33 markers" in capsys.readouterr().out

    markers = ["m01", "m02", "m05"]
    long = df.melt(id_vars=["id"], value_vars=markers, var_name="marker", value_name="value")
    long = long.rename(columns={"id": "sample"}).dropna()
    clinical = tmp_path / "clinical.csv"
    df[["id", "time", "event"]].to_csv(clinical, index=False)
    long_path = tmp_path / "long.csv"
    long.to_csv(long_path, index=False)
    out2 = tmp_path / "res2.csv"
    assert _cli(["screen", str(long_path), "--layout", "long", "--clinical", str(clinical),
                 "--time", "time", "--event", "event", "--id", "id", "--out", str(out2),
                 "--ties", "efron", "--continuous", "raw", "--threads", "2",
                 "--block-size", "2"]) == 0
    got2 = pd.read_csv(out2, keep_default_na=False, na_values=[""]).set_index("marker")
    ref2 = _screen("efron", "raw").loc[markers]
    assert_allclose(got2["hr_cont"].to_numpy(), ref2["hr_cont"].to_numpy(), rtol=1e-12)
    assert (got2["n"].to_numpy() == ref2["n"].to_numpy()).all()


def test_cli_errors(tmp_path: Path) -> None:
    df = pd.read_csv(REF / "screen_cohort.csv")
    path = tmp_path / "wide.csv"
    df.to_csv(path, index=False)
    with pytest.raises(MirprogError, match="--time"):
        _cli(["screen", str(path), "--event", "event", "--out", str(tmp_path / "o.csv")])
    with pytest.raises(MirprogError, match="No file"):
        _cli(["screen", str(tmp_path / "missing.csv"), "--time", "time", "--event", "event",
              "--out", str(tmp_path / "o.csv")])
    with pytest.raises(MirprogError, match="columns 'marker', 'sample' and 'value'"):
        _cli(["screen", str(path), "--layout", "long", "--time", "time", "--event", "event",
              "--out", str(tmp_path / "o.csv")])
    with pytest.raises(MirprogError, match=r"\.csv or \.parquet"):
        _cli(["screen", str(path), "--time", "time", "--event", "event",
              "--out", str(tmp_path / "o.xlsx")])
