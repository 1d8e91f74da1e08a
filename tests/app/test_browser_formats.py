"""Excel (with its sheet picker) and Parquet uploads, and a marker screen on 1,100 patients
run from the page (its table equals mirprog.screen's): 300 markers by default, the
issue's 2,000 with ``-m slow``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.app.screen_view import screen_block_size
from mirprog.datasets import dataset_path

TIMEOUT = 30_000


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(app_url)
    pg.wait_for_selector("#upload", state="attached")
    yield pg
    context.close()
    assert errors == []


def _summary(page: Any, text: str) -> str:
    page.wait_for_function("(t) => { const e = document.querySelector('#cohort-summary');"
                           " return e && e.textContent.includes(t); }", arg=text)
    return str(page.locator("#cohort-summary").inner_text())


def test_excel_upload_with_a_sheet_picker(page: Any, tmp_path: Path) -> None:
    path = tmp_path / "gbsg2_book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["GBSG2, exported for the app test"]}).to_excel(
            xl, sheet_name="about", index=False)
        pd.read_csv(dataset_path("gbsg2")).to_excel(xl, sheet_name="cohort", index=False)
    page.set_input_files("#upload", str(path))
    page.wait_for_function("document.querySelector('#sheet').options.length === 2")
    page.select_option("#sheet", "cohort")
    page.wait_for_function("[...document.querySelector('#time').options]"
                           ".some(o => o.value === 'cens')")
    page.select_option("#time", "time")
    page.select_option("#event", "cens")
    page.select_option("#id", "id")
    assert "686 patients, 299 events" in _summary(page, "299 events")


@pytest.mark.parametrize("m", [pytest.param(300, id="300-markers"),
                               pytest.param(2000, id="2000-markers", marks=pytest.mark.slow)])
def test_parquet_upload_and_a_marker_screen(page: Any, tmp_path: Path, shots: Path, m: int,
                                            request: pytest.FixtureRequest) -> None:
    """300 markers by default; the issue's 2,000 markers on 1,100 patients with -m slow."""
    if m > 300 and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the 2,000-marker screen in the browser: run with -m slow")
    rng = np.random.default_rng(20261203)
    n = 1100
    expr = rng.lognormal(size=(n, m))
    risk = np.log(expr[:, 0]) + 0.5 * np.log(expr[:, 1])
    df = pd.DataFrame(expr, columns=[f"miR-{i:04d}" for i in range(m)])
    df.insert(0, "event", (rng.random(n) < 0.6).astype(int))
    df.insert(0, "months", np.round(rng.exponential(60 * np.exp(-0.5 * risk)) + 0.5, 1))
    df.insert(0, "patient", [f"P{i:05d}" for i in range(n)])
    path = tmp_path / "markers.parquet"
    df.to_parquet(path)
    page.set_input_files("#upload", str(path))
    page.wait_for_function("[...document.querySelector('#time').options]"
                           ".some(o => o.value === 'months')")
    page.select_option("#time", "months")
    page.select_option("#event", "event")
    page.select_option("#id", "patient")
    _summary(page, "1100 patients")
    page.get_by_role("tab", name="Screen").click()
    page.evaluate("""() => { window.mpProgress = [];
        $(document).on('shiny:message', (e) => { const p = e.message.progress;
            if (p && p.type === 'update') window.mpProgress.push(p.message.value); }); }""")
    page.click("#run_screen")
    page.wait_for_function("(t) => { const e = document.querySelector('#screen-summary');"
                           " return e && e.textContent.includes(t); }", arg=f"{m} markers")
    page.wait_for_selector("#volcano:not(.recalculating) svg")
    page.screenshot(path=str(shots / f"8-screen-{m}.png"), full_page=True)
    # the progress bar moved block by block (screen_block_size markers each), up to all
    size = screen_block_size(m)
    moved = page.evaluate("window.mpProgress")  # shiny sends the fraction done
    assert moved == pytest.approx([0, *(d / m for d in range(size, m, size)), 1])

    cohort = mp.Cohort(df, time="months", event="event", id="patient")
    # the app's blocks (results are bit-identical for a given block size; across block
    # sizes they differ by rounding, ~1e-13: mp.screen's block_size)
    ref = mp.screen(cohort, [c for c in df.columns if c.startswith("miR")], progress=False,
                    block_size=size)
    best = ref.table.sort_values("logrank_p", kind="stable").iloc[0]
    first_row = page.locator("#screen_table tbody tr").first
    assert first_row.locator("td").first.inner_text() == best["marker"] == "miR-0000"
    page.select_option("#screen_table_format", "xlsx")
    with page.expect_download() as dl:
        page.click("#dl_screen")
    shown = pd.read_excel(dl.value.path())
    assert shown["marker"].tolist() == ref.table["marker"].tolist()
    np.testing.assert_allclose(shown["q_logrank"], ref.table["q_logrank"], rtol=1e-14)
    page.select_option("#screen_fig_format", "svg")
    with page.expect_download() as dl:
        page.click("#dl_volcano")
    assert dl.value.suggested_filename == "volcano.svg"
    # a click on a point of the volcano (the page maps it to data coordinates) opens it
    box = page.evaluate("""(name) => { const c = [...document.querySelectorAll(
        '#volcano circle')].find(e => e.textContent === name);
        const r = c.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }""",
                        "miR-0001")
    page.mouse.click(*box)
    page.wait_for_function("document.querySelector('#marker').value === 'miR-0001'")
    page.locator(".nav-link.active", has_text="One marker").wait_for()
    page.locator("#logrank-p").wait_for()
    split = mp.Cutpoints.fit(cohort, ["miR-0001"]).apply(cohort)
    page.wait_for_function("(p) => document.querySelector('#logrank-p')"
                           ".getAttribute('data-value') === p",
                           arg=repr(mp.logrank(split, by="miR-0001_high").p))
