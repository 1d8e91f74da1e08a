"""The stratified and covariate-adjusted marker screen (issue 16, items 1 and 9).

Reference numbers come from R 4.2.2 / survival 3.5.3 via
``tests/reference/screen_strata_adjust.R`` (committed ``gbsg2_markers.csv`` and
``screen_coxph_gbsg2markers.json``; R is not needed here): GBSG2 with 24 markers
(4 real columns, 20 simulated in R with missing values), strata ``horTh`` (and
``horTh`` x ``menostat``), adjusted for ``nodes_gt3`` and the categorical
``tgrade``, times in days and in whole months (ties), Breslow and Efron.  Per
marker: the stratified ``survdiff`` of the median split, and ``coxph`` on the
split and on the raw marker with the strata and covariates (coef, se, Wald p,
LR against the covariates-only model, the marker's score test given the
covariates).  Tolerance 1e-8 against R; 1e-10 against :func:`mirprog.cox`
fitted marker by marker (the single-model engine).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog._engine import batch_sets
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats.screen.markers import COLUMNS, screen
from tests._reference import ref

REF = Path(__file__).resolve().parents[2] / "reference"
R_RTOL = 1e-8
SELF_RTOL = 1e-10
Z95 = 1.959963984540054


@cache
def frame() -> pd.DataFrame:
    return pd.read_csv(REF / "gbsg2_markers.csv")


def cohort(time: str = "time") -> mp.Cohort:
    return mp.Cohort(frame(), time=time, event="cens", id="id")


def listed(x: Any) -> list[str]:
    return [x] if isinstance(x, str) else list(x)


R_CASES = ref("screen_coxph_gbsg2markers")["cases"]


@cache
def _case_screen(case_id: str) -> mp.ScreenResult:
    case = next(c for c in R_CASES if c["id"] == case_id)
    return screen(cohort(case["time"]), [m["marker"] for m in case["markers"]],
                  strata=listed(case["strata"]) or None, adjust=listed(case["adjust"]) or None,
                  ties=case["ties"], continuous="raw")


# --------------------------------------------------------------------------- against R


@pytest.mark.r_reference
@pytest.mark.parametrize("case", R_CASES, ids=[c["id"] for c in R_CASES])
def test_screen_matches_r(case: dict[str, Any]) -> None:
    res = _case_screen(case["id"])
    assert (res.n, res.events) == (case["n"], case["events"])
    assert res.excluded is not None
    assert sorted(res.excluded.rows) == sorted(case["excluded"])
    assert res.strata == tuple(listed(case["strata"]))
    assert res.adjust == tuple(listed(case["adjust"]))
    table = res.table.set_index("marker")
    for row in case["markers"]:
        t = table.loc[row["marker"]]
        what = f"{case['id']} {row['marker']}"
        assert (t["n"], t["events"], t["n_high"]) == (row["n"], row["events"], row["n_high"])
        assert t["note"] == ""
        assert_allclose(t["logrank_chi2"], row["logrank"]["chi2"], rtol=R_RTOL, err_msg=what)
        assert_allclose(t["logrank_p"], row["logrank"]["p"], rtol=R_RTOL, err_msg=what)
        for suffix, model in (("", "binary"), ("_cont", "raw")):
            fit = row[model]
            assert not fit["warnings"]
            lo, hi = np.log(t["ci_lower" + suffix]), np.log(t["ci_upper" + suffix])
            assert_allclose(np.log(t["hr" + suffix]), fit["coef"], rtol=R_RTOL, atol=1e-12,
                            err_msg=what)
            assert_allclose((hi - lo) / (2 * Z95), fit["se"], rtol=R_RTOL, err_msg=what)
            assert_allclose(t["p" + suffix], fit["p"], rtol=R_RTOL, err_msg=what)
            # a difference of log-likelihoods ~ -1500 written to 15 digits: absolute ~1e-11
            assert_allclose(t["lr_chi2" + suffix], fit["lr_chi2"], rtol=R_RTOL, atol=1e-9,
                            err_msg=what)
        assert_allclose(t["score_chi2"], row["binary"]["score"], rtol=R_RTOL, atol=1e-10,
                        err_msg=what)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", R_CASES, ids=[c["id"] for c in R_CASES])
def test_log_likelihoods_match_r_through_the_single_model_path(case: dict[str, Any]) -> None:
    """R's log-likelihoods (model and covariates-only) = mp.cox's = the screen's LR."""
    strata, adjust = listed(case["strata"]) or None, listed(case["adjust"])
    for row in case["markers"][::5]:
        fit, reduced = _single(cohort(case["time"]), row["marker"], "raw", strata, adjust,
                               case["ties"])
        assert_allclose(fit.loglik, row["raw"]["loglik"], rtol=1e-12)
        assert_allclose(reduced, row["raw"]["loglik_reduced"], rtol=1e-12)
        fit, reduced = _single(cohort(case["time"]), row["marker"], "binary", strata, adjust,
                               case["ties"])
        assert_allclose(fit.loglik, row["binary"]["loglik"], rtol=1e-12)
        assert_allclose(fit.loglik_null, row["binary"]["loglik_zero"], rtol=1e-12)


# ------------------------------------------------- one engine: the screen = mp.cox per marker


def _used(c: mp.Cohort, strata: list[str] | None, adjust: list[str]) -> mp.Cohort:
    cols = list(dict.fromkeys([*(strata or []), *(c for a in adjust for c in a.split(":"))]))
    return c.subset(c.data[cols].notna().all(axis=1)) if cols else c


def _single(c: mp.Cohort, marker: str, kind: str, strata: list[str] | None,
            adjust: list[str], ties: str, continuous: str = "raw",
            categorical: list[str] | None = None) -> tuple[mp.CoxResult, float]:
    """mp.cox on [marker (split or value), *adjust] within strata, and the covariates-only
    log-likelihood on the same rows (the null log-likelihood without covariates)."""
    used = _used(c, strata, adjust)
    x = used.column(marker)
    if kind == "binary":
        x = (x > x.median()).astype(float).where(x.notna())
    elif continuous == "log2":
        x = np.log2(x)
    used = used.assign(_x=x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        fit = mp.cox(used, ["_x", *adjust], strata=strata, ties=ties,  # type: ignore[arg-type]
                     categorical=categorical)
    if not adjust:
        return fit, fit.loglik_null
    rows = used.subset(used.column("_x").notna())
    reduced = mp.cox(rows, adjust, strata=strata, ties=ties,  # type: ignore[arg-type]
                     categorical=categorical)
    return fit, reduced.loglik


LOOP_CASES = [
    ("horTh", ["nodes_gt3", "tgrade"], "breslow", "time", "raw"),
    ("horTh", ["nodes_gt3", "tgrade"], "efron", "tmonth", "log2"),
    (["horTh", "menostat"], ["pnodes", "tgrade"], "efron", "time", "log2"),
    (None, ["nodes_gt3", "tgrade", "age"], "breslow", "tmonth", "raw"),
    ("tgrade", None, "efron", "tmonth", "log2"),
    (None, ["nodes_gt3:menostat", "horTh"], "breslow", "time", "raw"),
]


@pytest.mark.parametrize(("strata", "adjust", "ties", "time", "continuous"), LOOP_CASES)
def test_screen_equals_mp_cox_marker_by_marker(strata: Any, adjust: Any, ties: str, time: str,
                                               continuous: str) -> None:
    c = cohort(time)
    markers = [f"m{j:02d}" for j in range(1, 21)] + (["tsize"] if continuous == "raw" else [])
    res = screen(c, markers, strata=strata, adjust=adjust, ties=ties,  # type: ignore[arg-type]
                 continuous=continuous)  # type: ignore[arg-type]
    table = res.table.set_index("marker")
    st, adj = (None if strata is None else listed(strata)), listed(adjust or [])
    for marker in markers:
        t = table.loc[marker]
        for suffix, kind in (("", "binary"), ("_cont", "continuous")):
            fit, reduced = _single(c, marker, kind, st, adj, ties, continuous)
            s = fit.summary.loc["_x"]
            assert t["n"] == fit.n
            for key in ("hr", "ci_lower", "ci_upper", "p"):
                assert_allclose(t[key + suffix], s[key], rtol=SELF_RTOL,
                                err_msg=f"{marker} {key}{suffix}")
            assert_allclose(t["lr_chi2" + suffix], 2 * (fit.loglik - reduced), rtol=1e-8,
                            atol=1e-10, err_msg=f"{marker} lr{suffix}")
            if not adj and suffix == "":   # the model's own score test (mp.cox: at beta = 0)
                assert_allclose(t["score_chi2"], fit.score_chi2, rtol=SELF_RTOL)


def test_stratified_logrank_equals_mp_logrank() -> None:
    c = cohort("tmonth")
    res = screen(c, ["m01", "m04", "m16", "progrec"], strata=["horTh", "menostat"])
    used = _used(c, ["horTh", "menostat"], [])
    for row in res.table.itertuples():
        x = used.column(row.marker)
        lr = mp.logrank(used.assign(_g=(x > x.median()).astype(float).where(x.notna())),
                        by="_g", strata=["horTh", "menostat"])
        assert_allclose(row.logrank_chi2, lr.chi2, rtol=1e-12)
        assert_allclose(row.logrank_p, lr.p, rtol=1e-12)


def test_score_test_is_the_logrank_test_without_ties_or_covariates() -> None:
    """With distinct times and Breslow ties the split's score test is the log-rank test."""
    rng = np.random.default_rng(16)
    df = frame().assign(time=frame()["time"] + rng.random(len(frame())) / 10)
    res = screen(mp.Cohort(df, time="time", event="cens", id="id"),
                 ["m01", "m02", "m03", "age"], strata="horTh")
    assert_allclose(res.table["score_chi2"], res.table["logrank_chi2"], rtol=1e-12)


def test_engine_large_block_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sparse segment sums and many row chunks (big blocks), forced on this data."""
    kwargs: dict[str, Any] = {"strata": "horTh", "adjust": ["nodes_gt3", "tgrade"],
                              "ties": "efron", "continuous": "raw"}
    markers = ["m01", "m04", "m16", "tsize"]
    ref_table = screen(cohort("tmonth"), markers, **kwargs).table
    monkeypatch.setattr(batch_sets, "SPARSE_FROM", 0)
    monkeypatch.setattr(batch_sets, "CHUNK", 16)
    pd.testing.assert_frame_equal(screen(cohort("tmonth"), markers, **kwargs).table, ref_table,
                                  rtol=1e-12, atol=1e-10)


# ----------------------------------------------------------------- execution options


ADJ: dict[str, Any] = {"strata": ["horTh", "menostat"], "adjust": ["nodes_gt3", "tgrade"],
                       "ties": "efron"}


def test_threads_give_identical_results() -> None:
    ref_table = screen(cohort(), block_size=5, threads=1, **ADJ).table
    pd.testing.assert_frame_equal(screen(cohort(), block_size=5, threads=2, **ADJ).table,
                                  ref_table, check_exact=True)
    res = screen(cohort(), execution=mp.ExecOptions(threads=2, block_size=5), **ADJ)
    pd.testing.assert_frame_equal(res.table, ref_table, check_exact=True)


def test_results_do_not_depend_on_block_size() -> None:
    ref_table = screen(cohort(), **ADJ).table
    for size in (1, 7):
        pd.testing.assert_frame_equal(screen(cohort(), block_size=size, **ADJ).table,
                                      ref_table, rtol=1e-12, atol=1e-10)


def test_default_markers_and_without_options_the_plain_screen() -> None:
    c = cohort()
    res = screen(c, adjust=["nodes_gt3", "tgrade"], strata="horTh")
    assert list(res.table.columns) == COLUMNS
    assert "nodes_gt3" not in set(res.table["marker"])     # a numeric column, but a covariate
    assert "pnodes" in set(res.table["marker"])
    plain = screen(c, ["m01", "m02"])
    assert (plain.strata, plain.adjust, plain.adjust_terms) == ((), (), ())
    assert plain.excluded is not None
    assert len(plain.excluded) == 0
    assert plain.n == c.n
    assert "adjusted" not in plain.method


def test_result_says_what_was_adjusted_and_excluded() -> None:
    res = _case_screen("both2|efron")
    assert res.adjust_terms == ("nodes_gt3", "tgrade[II]", "tgrade[III]")
    assert "adjusted for nodes_gt3, tgrade" in res.method
    assert "stratified by horTh, menostat" in res.method
    assert "not adjusted" in res.method
    text = repr(res)
    assert res.method in text
    assert "676 of 686 rows used; 10 excluded: missing tgrade" in text
    assert res.excluded is not None
    ledger = res.excluded.to_frame()
    assert set(ledger["column"]) == {"tgrade", "horTh"}
    assert (res.table["n"] <= 676).all()


def test_categorical_numeric_covariate_and_reference() -> None:
    df = frame().assign(grade=frame()["tgrade"].map({"I": 1, "II": 2, "III": 3}))
    c = mp.Cohort(df, time="time", event="cens", id="id")
    res = screen(c, ["m01", "m02"], adjust=["nodes_gt3", "grade"], categorical=["grade"],
                 reference={"grade": 2})
    assert res.adjust_terms == ("nodes_gt3", "grade[1]", "grade[3]")
    same = screen(cohort(), ["m01", "m02"], adjust=["nodes_gt3", "tgrade"])
    assert_allclose(res.table["hr"], same.table["hr"], rtol=1e-10)


# ----------------------------------------------------------------------- refused input


@pytest.mark.parametrize(("kwargs", "error", "match", "column"), [
    ({"adjust": ["m01"]}, CohortError, "both a marker and an adjustment covariate", "m01"),
    ({"strata": "m02"}, CohortError, "both a marker and a stratum", "m02"),
    ({"adjust": ["nodes"]}, CohortError, "adjustment covariate column 'nodes'", "nodes"),
    ({"strata": ["horTh", "nope"]}, CohortError, "stratum column 'nope'", "nope"),
    ({"strata": "horTh", "adjust": ["horTh"]}, CohortError, "both a covariate and a stratum",
     "horTh"),
    ({"adjust": ["time"]}, CohortError, "the cohort's time column", "time"),
    ({"adjust": ["pnodes", "p2"]}, CohortError, "collinear or constant", "pnodes"),
    ({"adjust": ["pnodes"], "categorical": ["tgrade"]}, CohortError,
     "not among the adjustment covariates", "tgrade"),
    ({"strata": "no_event_stratum"}, CohortError, "no events among the rows used",
     "no_event_stratum"),
])
def test_refused(kwargs: dict[str, Any], error: type, match: str, column: str) -> None:
    df = frame().assign(p2=2 * frame()["pnodes"],
                        no_event_stratum=np.where(frame()["cens"] == 0,
                                                  np.where(frame()["id"] % 2 == 0, "a", "b"),
                                                  "a"))
    c = mp.Cohort(df, time="time", event="cens", id="id")
    with pytest.raises(error, match=match) as info:
        screen(c, ["m01", "m02"], **kwargs)
    assert info.value.column == column  # type: ignore[attr-defined]


def test_refused_option_values() -> None:
    with pytest.raises(ArgumentError, match="strata= takes a column name"):
        screen(cohort(), ["m01"], strata=[])
    with pytest.raises(ArgumentError, match="adjust= takes a column name"):
        screen(cohort(), ["m01"], adjust=[3])  # type: ignore[list-item]


def test_marker_without_a_covariate_level_gets_a_note_not_numbers() -> None:
    """A marker missing wherever tgrade is I (or nodes_gt3 is 1): its covariates-only design
    is degenerate among its rows, so no adjusted model; its log-rank test is still given."""
    df = frame().assign(m_g1=frame()["m01"].where(frame()["tgrade"] != "I"),
                        m_n=frame()["m03"].where(frame()["nodes_gt3"] != 1))
    c = mp.Cohort(df, time="time", event="cens", id="id")
    res = screen(c, ["m_g1", "m_n", "m02"], adjust=["nodes_gt3", "tgrade"], strata="horTh")
    t = res.table.set_index("marker")
    for marker in ("m_g1", "m_n"):
        assert t.loc[marker, "note"] == ("an adjustment term is constant among the marker's "
                                         "rows (e.g. a level absent): no adjusted Cox model")
        assert t.loc[marker, ["hr", "p", "lr_chi2", "score_p", "hr_cont", "p_cont"]].isna().all()
        assert np.isfinite(t.loc[marker, "logrank_p"])
    assert t.loc["m02", "note"] == ""
    alone = screen(c, ["m02"], adjust=["nodes_gt3", "tgrade"], strata="horTh").table
    assert_allclose(t.loc["m02", "hr"], alone["hr"].iloc[0], rtol=1e-12)
