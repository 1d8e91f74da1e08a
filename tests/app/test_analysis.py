"""The app's computations without a browser: the page shows the library's own numbers.

On survival::rotterdam (tests/app/rotterdam_app.csv, written by
tests/reference/app_reference.R with the recurrence coded as text) the one-marker view's
median split of pgr is checked against R (survdiff, coxph) and against a slow,
obvious log-rank written here, and lifelines.
"""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.app import analysis as an
from mirprog.cli import main
from mirprog.errors import ArgumentError, CohortError

HERE = Path(__file__).parent
DATA = HERE / "rotterdam_app.csv"
R = json.loads((HERE.parent / "reference" / "app_survdiff_coxph_rotterdam.json").read_text())


@pytest.fixture(scope="module")
def cohort() -> mp.Cohort:
    df = an.read_upload(DATA, id="pid")
    return an.make_cohort(df, time="rfs_days", event="recurrence", id="pid",
                          event_value="relapse", time_unit="days")


@pytest.fixture(scope="module")
def median(cohort: mp.Cohort) -> an.MarkerAnalysis:
    return an.analyse_marker(cohort, "pgr")


def _logrank_reference(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """Two-group log-rank chi-square, one event time at a time (slow and obvious)."""
    o_minus_e = var = 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n, n1 = at_risk.sum(), (at_risk & (group == 1)).sum()
        d = ((time == t) & (event == 1)).sum()
        d1 = ((time == t) & (event == 1) & (group == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e ** 2 / var


def test_event_coded_as_text_gives_the_cohort_of_read_cohort(cohort: mp.Cohort) -> None:
    ref = mp.read_cohort(DATA, time="rfs_days", event="recurrence", id="pid",
                         event_values={"relapse": 1, "none": 0})
    assert (cohort.n, cohort.n_events) == (R["n"], R["events"]) == (ref.n, ref.n_events)
    np.testing.assert_array_equal(cohort.event, ref.event)
    assert cohort.time_unit == "days"


@pytest.mark.r_reference
def test_median_split_matches_r(median: an.MarkerAnalysis) -> None:
    assert median.cutpoint.thresholds == (R["cutpoint"],)
    assert median.cutpoint.group_sizes == tuple(R["group_sizes"])
    assert median.logrank.chi2 == pytest.approx(R["logrank_chi2"], rel=1e-10)
    assert median.logrank.p == pytest.approx(R["logrank_p"], rel=1e-9)
    row = median.cox.summary.iloc[0]
    assert row["hr"] == pytest.approx(R["hr"], rel=1e-10)
    assert row["ci_lower"] == pytest.approx(R["ci_lower"], rel=1e-8)
    assert row["ci_upper"] == pytest.approx(R["ci_upper"], rel=1e-8)
    assert row["p"] == pytest.approx(R["cox_p"], rel=1e-8)


def test_median_split_matches_a_slow_log_rank(median: an.MarkerAnalysis) -> None:
    c = median.cohort
    chi2 = _logrank_reference(c.time, c.event, c.column("pgr_high").to_numpy(dtype=int))
    assert median.logrank.chi2 == pytest.approx(chi2, rel=1e-10)


@pytest.mark.crosscheck
def test_median_split_matches_lifelines(median: an.MarkerAnalysis) -> None:
    from lifelines.statistics import logrank_test

    c = median.cohort
    high = c.column("pgr_high").to_numpy(dtype=int) == 1
    res = logrank_test(c.time[high], c.time[~high], c.event[high], c.event[~high])
    assert median.logrank.chi2 == pytest.approx(res.test_statistic, rel=1e-9)


def test_the_app_shows_what_the_library_returns(cohort: mp.Cohort,
                                                median: an.MarkerAnalysis) -> None:
    split = mp.Cutpoints.fit(cohort, ["pgr"]).apply(cohort)
    assert median.logrank.p == mp.logrank(split, by="pgr_high").p
    assert median.cox.summary.equals(mp.cox(split, "pgr_high").summary)
    cont = mp.continuous_cox(cohort, "pgr", offset=1.0)
    with_offset = an.analyse_marker(cohort, "pgr", offset=1.0)
    assert with_offset.continuous is not None
    assert with_offset.continuous.summary.equals(cont.summary)
    assert median.notes
    assert "log2" in median.notes[0]


def test_optimal_rule_carries_the_corrected_p_and_the_out_of_fold_hr(
        cohort: mp.Cohort) -> None:
    res = an.analyse_marker(cohort, "pgr", "optimal")
    opt = mp.optimal_cutpoint(cohort, "pgr")
    assert res.optimal is not None
    assert res.cv is not None
    assert (res.optimal.cutpoint, res.optimal.p) == (opt.cutpoint, opt.p)
    assert res.cutpoint.thresholds == (opt.cutpoint,)
    cv = mp.cv_optimal_cutpoint(cohort, "pgr", seed=1)
    assert res.cv.cv_cox.summary.equals(cv.cv_cox.summary)


@pytest.mark.parametrize(("rule", "groups"), [("tertiles", 3), ("quartiles", 4)])
def test_quantile_rules_fit_one_hr_per_group_above_the_first(cohort: mp.Cohort, rule: str,
                                                             groups: int) -> None:
    res = an.analyse_marker(cohort, "er", rule)  # type: ignore[arg-type]
    assert len(res.cutpoint.group_sizes) == groups
    assert len(res.cox.summary) == groups - 1
    assert res.logrank.df == groups - 1


def test_fixed_rule_needs_a_threshold(cohort: mp.Cohort) -> None:
    with pytest.raises(ArgumentError, match="needs a threshold"):
        an.analyse_marker(cohort, "pgr", "fixed")
    res = an.analyse_marker(cohort, "pgr", "fixed", threshold=100.0)
    assert res.cutpoint.thresholds == (100.0,)


def test_time_column_of_text_is_refused_with_the_column_named() -> None:
    df = an.read_upload(DATA)
    with pytest.raises(CohortError, match="'size'"):
        an.make_cohort(df, time="size", event="recurrence", event_value="relapse")


def test_upload_of_an_unknown_format_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "upload0"
    src.write_text("x")
    with pytest.raises(ArgumentError, match=r"reads \.csv"):
        an.stage_upload(src, "cohort.docx", tmp_path)
    staged = an.stage_upload(src, "cohort.tsv", tmp_path)
    assert staged.name == "cohort.tsv"
    assert staged.read_text() == "x"


def test_excel_sheets_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="notes", index=False)
        pd.DataFrame({"b": [2]}).to_excel(xl, sheet_name="cohort", index=False)
    assert an.sheet_names(path) == ["notes", "cohort"]
    assert an.read_upload(path, sheet="cohort").columns.tolist() == ["b"]
    assert an.sheet_names(DATA) == []


def test_event_levels_as_text() -> None:
    df = pd.DataFrame({"e": [1.0, 0.0, None, 1.0], "s": ["dead", "alive", "dead", "alive"]})
    assert an.event_levels(df, "e") == ["0", "1"]
    assert an.event_levels(df, "s") == ["alive", "dead"]


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"),
                                            ("pdf", b"%PDF")])
def test_figures_download_in_three_formats(median: an.MarkerAnalysis, fmt: str,
                                           magic: bytes) -> None:
    fig = mp.plots.km_plot(median.km, test=median.logrank)
    assert an.figure_bytes(fig, fmt).startswith(magic)


def test_bad_download_formats_are_refused(median: an.MarkerAnalysis) -> None:
    with pytest.raises(ArgumentError, match="png, svg or pdf"):
        an.figure_bytes(mp.plots.km_plot(median.km), "gif")
    with pytest.raises(ArgumentError, match="csv or xlsx"):
        an.table_bytes(pd.DataFrame({"a": [1]}), "ods")


def test_tables_download_at_full_precision() -> None:
    frame = pd.DataFrame({"p": [math.pi / 3e7, 0.1 + 0.2]})
    back = pd.read_csv(io.BytesIO(an.table_bytes(frame, "csv", index=False)),
                       float_precision="round_trip")
    assert back["p"].tolist() == frame["p"].tolist()
    xlsx = an.table_bytes(frame, "xlsx")
    assert xlsx[:2] == b"PK"
    back = pd.read_excel(io.BytesIO(xlsx), index_col=0)["p"]  # Excel keeps 15 digits
    np.testing.assert_allclose(back, frame["p"], rtol=1e-14)


def test_downloaded_tables_cannot_run_as_formulas() -> None:
    frame = pd.DataFrame({"marker": ["=HYPERLINK(1)", "miR-21"], "hr": [-0.5, 2.0]},
                         index=pd.Index(["@a", "b"], name="+row"))
    csv = an.table_bytes(frame, "csv").decode()
    assert "'=HYPERLINK(1)" in csv
    assert "'@a" in csv
    back = pd.read_excel(io.BytesIO(an.table_bytes(frame, "xlsx")), index_col=0)
    assert back["marker"].tolist() == ["'=HYPERLINK(1)", "miR-21"]
    assert back.index.tolist() == ["'@a", "b"]
    assert back["hr"].tolist() == [-0.5, 2.0]


def test_display_helpers() -> None:
    shown = an.rounded(pd.DataFrame({"x": [123456.0, 0.000123456, np.nan, 0.0], "n": [1, 2, 3,
                                                                                   4]}), 3)
    assert shown["x"].tolist()[:2] == [123000.0, 0.000123]
    assert math.isnan(shown["x"].iloc[2])
    assert shown["x"].iloc[3] == 0.0
    assert an.p_text(5.3136e-07) == "p = 5.3e-07"
    assert an.p_text(0.0123) == "p = 0.012"
    assert an.p_text(float("nan")) == "p = NA"


def test_group_labels_name_the_cut(median: an.MarkerAnalysis) -> None:
    assert an.group_labels(median.cutpoint) == {0: "pgr ≤ 41", 1: "pgr > 41"}


def test_create_app() -> None:
    from mirprog.app import create_app

    assert type(create_app()).__name__ == "App"


def test_app_command_without_shiny_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    monkeypatch.setitem(sys.modules, "shiny", None)  # import shiny -> ImportError
    assert main(["app", "--no-browser"]) == 2
    assert 'pip install "mirprog[app]"' in capsys.readouterr().err


def test_the_groups_test_can_be_weighted_and_stratified(cohort: mp.Cohort) -> None:
    test = an.GroupTest.of("peto-peto", 3, 4, "hormon")   # exponents only for FH: dropped
    assert test == an.GroupTest("peto-peto", 0.0, 0.0, "hormon")
    res = an.analyse_marker(cohort, "pgr", test=test)
    ref = mp.logrank(res.cohort, by="pgr_high", weighting="peto-peto", strata="hormon")
    assert (res.logrank.chi2, res.logrank.p) == (ref.chi2, ref.p)
    assert an.group_test_name(res.logrank) == "Peto-Peto, stratified by hormon"
    assert res.cox.summary.equals(an.analyse_marker(cohort, "pgr").cox.summary)  # Cox as is
    fh = an.analyse_marker(cohort, "pgr", test=an.GroupTest.of("fleming-harrington", 0, 1, ""))
    ref = mp.logrank(res.cohort, by="pgr_high", weighting="fleming-harrington", p=0, q=1)
    assert fh.logrank.p == ref.p
    assert an.report_items(fh, "median")[1][0] == ("Fleming-Harrington (p=0, q=1): pgr, "
                                                   "median cut")
