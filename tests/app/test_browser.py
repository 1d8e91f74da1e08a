"""The web app driven in a real (headless) browser, as a user would work through it.

Upload a cohort file the app has never seen (survival::rotterdam exported by
tests/reference/app_reference.R, recurrence coded as text), map the columns, read the
log-rank p and HR the page shows (each shown number carries its full-precision value in
``data-value``) and compare them with the library's and R's; run the screen, open a
marker from it, download the figures, tables, report and model; and check that no
request left 127.0.0.1 and that the console logged no error.  Screenshots of every view
are saved (see conftest.shots).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest

import mirprog as mp

HERE = Path(__file__).parent
DATA = HERE / "rotterdam_app.csv"
FIXTURE = HERE.parent / "reference" / "app_survdiff_coxph_rotterdam.json"
TIMEOUT = 20_000  # ms: generous for a loaded 2-core CI machine; no timing is asserted


@pytest.fixture(scope="module")
def session(browser: Any, app_url: str) -> Iterator[dict[str, Any]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    state: dict[str, Any] = {"page": page, "url": app_url, "requests": [], "errors": []}
    page.on("request", lambda r: state["requests"].append(r.url))
    page.on("console", lambda m: state["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: state["errors"].append(str(e)))
    page.goto(app_url)
    page.wait_for_selector("#upload", state="attached")
    yield state
    context.close()


def _value(page: Any, selector: str) -> float:
    return float(page.locator(selector).get_attribute("data-value"))


def _tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _selectize(page: Any, ident: str, values: list[str]) -> None:
    page.evaluate(f"([v]) => $('#{ident}')[0].selectize.setValue(v)", [values])


def test_upload_and_map(session: dict[str, Any], shots: Path) -> None:
    page = session["page"]
    page.set_input_files("#upload", str(DATA))
    page.wait_for_function("document.querySelector('#time').options.length > 3")
    page.select_option("#time", "rfs_days")
    page.select_option("#unit", "days")
    page.select_option("#event", "recurrence")
    page.wait_for_function("[...document.querySelector('#event_value').options]"
                           ".some(o => o.value === 'relapse')")
    page.select_option("#event_value", "relapse")
    page.select_option("#id", "pid")
    _selectize(page, "markers", ["pgr", "er"])
    _selectize(page, "clinical", ["nodes", "grade", "hormon", "size"])
    summary = page.locator("#cohort-summary")
    summary.wait_for()
    page.wait_for_function("document.querySelector('#cohort-summary')"
                           ".textContent.includes('1518 events')")
    assert "2982 patients, 1518 events" in summary.inner_text()
    page.screenshot(path=str(shots / "1-data.png"), full_page=True)


def test_one_marker_matches_library_and_r(session: dict[str, Any], shots: Path) -> None:
    page = session["page"]
    _tab(page, "One marker")
    page.select_option("#marker", "pgr")
    page.locator("#logrank-p").wait_for()
    page.wait_for_selector("#km_plot img")
    assert page.locator("#km_plot img").get_attribute("alt").startswith("Kaplan-Meier")
    shown_p, shown_hr = _value(page, "#logrank-p"), _value(page, "#cox-hr")

    cohort = mp.read_cohort(DATA, time="rfs_days", event="recurrence", id="pid",
                            event_values={"relapse": 1, "none": 0})
    split = mp.Cutpoints.fit(cohort, ["pgr"]).apply(cohort)
    lr = mp.logrank(split, by="pgr_high")
    fit = mp.cox(split, "pgr_high")
    assert shown_p == lr.p  # the page shows the library's number, to the last bit
    assert shown_hr == fit.summary["hr"].iloc[0]
    r = json.loads(FIXTURE.read_text())
    assert shown_p == pytest.approx(r["logrank_p"], rel=1e-9)
    assert shown_hr == pytest.approx(r["hr"], rel=1e-10)
    assert _value(page, "#n-events") == r["events"]
    assert "1494 / 1488" in page.locator("#marker-stats").inner_text()
    page.screenshot(path=str(shots / "2-marker-median.png"), full_page=True)


def test_optimal_cut_shows_corrected_p_and_out_of_fold_hr(session: dict[str, Any],
                                                          shots: Path) -> None:
    page = session["page"]
    page.get_by_label("Optimal (corrected p, out-of-fold HR)").check()
    page.locator("#opt-p").wait_for()
    page.locator("#cv-hr").wait_for()
    cohort = mp.read_cohort(DATA, time="rfs_days", event="recurrence", id="pid",
                            event_values={"relapse": 1, "none": 0})
    opt = mp.optimal_cutpoint(cohort, "pgr")
    assert _value(page, "#opt-cut") == opt.cutpoint
    assert _value(page, "#opt-p") == opt.p
    cv = mp.cv_optimal_cutpoint(cohort, "pgr", seed=1)
    assert _value(page, "#cv-hr") == cv.cv_cox.summary["hr"].iloc[0]
    page.screenshot(path=str(shots / "3-marker-optimal.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#dl_km")
    assert dl.value.suggested_filename == "km_pgr.png"
    assert Path(dl.value.path()).read_bytes()[:4] == b"\x89PNG"
    for fmt, magic in (("svg", b"<svg"), ("pdf", b"%PDF")):
        page.select_option("#fig_format", fmt)
        with page.expect_download() as dl:
            page.click("#dl_km")
        assert dl.value.suggested_filename == f"km_pgr.{fmt}"
        assert magic in Path(dl.value.path()).read_bytes()[:400]
    page.select_option("#fig_format", "png")
    with page.expect_download() as dl:
        page.click("#dl_marker_csv")
    numbers = pd.read_csv(dl.value.path()).set_index("statistic")
    assert numbers.at["optimal_cutpoint", "value"] == opt.cutpoint
    assert numbers.at["cv_cox_hr", "value"] == pytest.approx(cv.cv_cox.summary["hr"].iloc[0],
                                                             rel=1e-14)
    page.get_by_label("Median", exact=True).check()


def test_weighted_and_stratified_test_of_the_groups(session: dict[str, Any],
                                                    shots: Path) -> None:
    page = session["page"]
    before = page.locator("#km_plot img").get_attribute("src")
    page.select_option("#lr_test", "peto-peto")
    page.select_option("#lr_strata", "hormon")
    page.wait_for_function("() => { const e = document.querySelector('#marker-stats');"
                           " return e && e.textContent.includes('Peto-Peto, stratified'); }")
    page.wait_for_function("(b) => document.querySelector('#km_plot img').src !== b", arg=before)
    cohort = mp.read_cohort(DATA, time="rfs_days", event="recurrence", id="pid",
                            event_values={"relapse": 1, "none": 0})
    split = mp.Cutpoints.fit(cohort, ["pgr"]).apply(cohort)
    lr = mp.logrank(split, by="pgr_high", weighting="peto-peto", strata="hormon")
    assert _value(page, "#logrank-p") == lr.p
    assert _value(page, "#logrank-chi2") == lr.chi2
    svg = page.evaluate("fetch(document.querySelector('#km_plot img').src).then(r => r.text())")
    assert "Peto-Peto, stratified by hormon p" in svg       # the picture names the test
    page.select_option("#lr_test", "fleming-harrington")
    page.select_option("#lr_strata", "")
    page.fill("#fh_p", "1")
    page.fill("#fh_q", "1")
    page.screenshot(path=str(shots / "2b-marker-weighted.png"), full_page=True)
    fh = mp.logrank(split, by="pgr_high", weighting="fleming-harrington", p=1, q=1)
    page.wait_for_function("(p) => document.querySelector('#logrank-p')"
                           ".getAttribute('data-value') === p", arg=repr(fh.p))
    page.select_option("#lr_test", "logrank")
    plain = mp.logrank(split, by="pgr_high")
    page.wait_for_function("(p) => document.querySelector('#logrank-p')"
                           ".getAttribute('data-value') === p", arg=repr(plain.p))


def test_bad_mapping_shows_mirprog_error(session: dict[str, Any], shots: Path) -> None:
    page = session["page"]
    _tab(page, "Data")
    page.select_option("#time", "size")  # text ("<=20", "20-50"): not a follow-up time
    box = page.locator("#cohort_status .mp-error")
    box.wait_for()
    text = box.inner_text()
    assert "CohortError" in text
    assert "'size'" in text
    page.screenshot(path=str(shots / "4-data-error.png"), full_page=True)
    page.select_option("#time", "rfs_days")
    page.wait_for_function("document.querySelector('#cohort-summary') && "
                           "document.querySelector('#cohort-summary')"
                           ".textContent.includes('1518 events')")


def test_study_views(session: dict[str, Any], shots: Path) -> None:
    page = session["page"]
    _tab(page, "Study")
    page.locator("#table3-table").wait_for()
    assert "pgr_high" in page.locator("#table3-table").inner_text()
    page.wait_for_selector("#forest svg")
    _selectize(page, "combined", ["pgr", "hormon"])
    page.locator("#model-comparison").wait_for()
    page.locator("#risk-counts").wait_for()
    page.select_option("#subgroup_by", "hormon")
    page.locator("#subgroup-table").wait_for()
    assert "Interaction p" in page.locator("#subgroup-table").inner_text()
    page.screenshot(path=str(shots / "5-study.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#dl_table3")
    assert dl.value.suggested_filename == "table_uni_multivariate.csv"
    page.select_option("#table_format", "xlsx")
    with page.expect_download() as dl:
        page.click("#dl_table3")
    assert dl.value.suggested_filename == "table_uni_multivariate.xlsx"
    assert "pgr_high" in set(pd.read_excel(dl.value.path()).iloc[:, 0])
    page.select_option("#study_fig_format", "pdf")
    with page.expect_download() as dl:
        page.click("#dl_forest")
    assert dl.value.suggested_filename == "forest.pdf"
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"
    with page.expect_download() as dl:
        page.click("#dl_risk_km")
    assert dl.value.suggested_filename == "risk_groups_km.pdf"
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"
    cohort = mp.read_cohort(DATA, time="rfs_days", event="recurrence", id="pid",
                            event_values={"relapse": 1, "none": 0})
    split = mp.Cutpoints.fit(cohort, ["pgr", "er"]).apply(cohort)
    with page.expect_download() as dl:                       # tables as xlsx (chosen above)
        page.click("#dl_comparison")
    got = pd.read_excel(dl.value.path(), index_col=0)
    ref = mp.compare_combined(split, ["pgr_high", "hormon"]).table
    assert got["lr_chi2"].dropna().tolist() == pytest.approx(ref["lr_chi2"].dropna().tolist(),
                                                             rel=1e-14)
    with page.expect_download() as dl:
        page.click("#dl_subgroups")
    assert dl.value.suggested_filename == "subgroups.xlsx"
    sub = pd.read_excel(dl.value.path(), index_col=0)
    assert list(sub.index) == ["All", "hormon = 0", "hormon = 1"]
    assert sub["interaction_p"].notna().sum() == 2


def test_screen_and_open_marker(session: dict[str, Any], shots: Path) -> None:
    page = session["page"]
    _tab(page, "Screen")
    page.click("#run_screen")
    page.locator("#screen-summary").wait_for()
    page.wait_for_selector("#volcano:not(.recalculating) svg")
    page.screenshot(path=str(shots / "6-screen.png"), full_page=True)
    page.locator("#screen_table tbody tr", has_text="er").first.click()
    page.wait_for_function("document.querySelector('#marker').value === 'er'")
    page.locator(".nav-link.active", has_text="One marker").wait_for()


def test_take_home_downloads(session: dict[str, Any], shots: Path, tmp_path: Path) -> None:
    page = session["page"]
    _tab(page, "One marker")  # the screen opened er: the session's marker
    page.wait_for_function("document.querySelector('#marker').value === 'er'")
    page.wait_for_function("() => { const e = document.querySelector('#marker-stats');"
                           " return e && e.textContent.includes('Cox HR er_high'); }")
    shown_hr, shown_p = _value(page, "#cox-hr"), _value(page, "#logrank-p")
    _tab(page, "Take home")
    page.locator("#report-state").wait_for()
    with page.expect_download() as dl:
        page.click("#dl_report")
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    for heading in ("Kaplan–Meier curves: er, median cut", "Cox model: er groups",
                    "Univariate and multivariate Cox", "Combined risk groups",
                    "er (median split) within the levels of hormon", "Screen of every marker",
                    "Study file"):  # what the session showed, not the reference study
        assert heading in html, heading
    with page.expect_download() as dl:
        page.click("#dl_study")
    assert dl.value.suggested_filename == "mirprog-study.toml"
    study = tmp_path / "mirprog-study.toml"
    study.write_bytes(Path(dl.value.path()).read_bytes())
    (tmp_path / DATA.name).write_bytes(DATA.read_bytes())  # the data file beside it
    run = subprocess.run([sys.executable, "-m", "mirprog.cli", "study", str(study), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(HERE.parents[1])})
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(tmp_path / "out" / "recurrence_univariate_and_multivariate_analyses.csv",
                        index_col="term")
    assert table.at["er_high", "hr"] == pytest.approx(shown_hr, rel=1e-12)
    assert table.at["er_high", "logrank_p"] == pytest.approx(shown_p, rel=1e-12)
    assert {"pgr_high", "nodes", "hormon"} <= set(table.index)
    assert (tmp_path / "out" / "recurrence_er_within_subgroups.csv").exists()
    page.locator("#model-state").wait_for()
    with page.expect_download() as dl:
        page.click("#dl_model")
    model = mp.PrognosticModel.load(dl.value.path())
    assert model.n == 2982
    page.screenshot(path=str(shots / "7-take-home.png"), full_page=True)


def test_the_study_view_is_the_study_files_study(session: dict[str, Any],
                                                 tmp_path: Path) -> None:
    """With a One-marker cut other than the median, the Study view's table is the one
    ``mirprog study`` computes from the session's study file (same rows, same numbers)."""
    page = session["page"]
    _tab(page, "One marker")
    page.select_option("#marker", "pgr")
    page.get_by_label("Optimal (corrected p, out-of-fold HR)").check()
    page.locator("#opt-p").wait_for()
    _tab(page, "Study")
    page.wait_for_function("() => { const e = document.querySelector('#selection-note');"
                           " return e && !document.querySelector('#table3.recalculating'); }")
    page.select_option("#table_format", "csv")
    with page.expect_download() as dl:
        page.click("#dl_table3")
    shown = pd.read_csv(dl.value.path(), index_col=0)
    _tab(page, "Take home")
    page.locator("#report-state").wait_for()
    with page.expect_download() as dl:
        page.click("#dl_study")
    study = tmp_path / "mirprog-study.toml"
    study.write_bytes(Path(dl.value.path()).read_bytes())
    (tmp_path / DATA.name).write_bytes(DATA.read_bytes())
    run = subprocess.run([sys.executable, "-m", "mirprog.cli", "study", str(study), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(HERE.parents[1])})
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(tmp_path / "out" / "recurrence_univariate_and_multivariate_analyses.csv",
                        index_col="term")
    assert list(shown.index) == list(table.index)
    assert "pgr_high" in shown.index
    for col in ("hr", "logrank_p", "p", "multi_hr", "multi_p"):
        np.testing.assert_allclose(shown[col].to_numpy(float), table[col].to_numpy(float),
                                   rtol=1e-12)
    _tab(page, "One marker")
    page.get_by_label("Median", exact=True).check()


def test_nothing_left_the_machine_and_no_console_error(session: dict[str, Any]) -> None:
    hosts = {urlparse(u).hostname for u in session["requests"] if not u.startswith(
        ("data:", "blob:", "about:"))}
    assert hosts == {"127.0.0.1"}
    assert session["errors"] == []
