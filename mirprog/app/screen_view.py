"""The screen view of the web app (server side): every marker with FDR, a volcano plot and a
sortable table; clicking a point or a row opens that marker's KM."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from shiny import Inputs, reactive, render, req, ui

from mirprog._compute.execution import ExecOptions
from mirprog.app import analysis as an
from mirprog.app.render import error_box
from mirprog.app.shared import Shared
from mirprog.errors import MirprogError
from mirprog.present.volcano_svg import volcano_svg
from mirprog.stats.screen.markers import screen

__all__ = ["register_screen", "screen_block_size"]

# the progress bar moves this many times in a screen: each block costs its own Newton
# bookkeeping (1,100 x 2,000, 2 threads: one block per thread 154 ms, blocks of 250
# 163 ms, of 100 198 ms), so a few steps show progress at little cost
PROGRESS_STEPS = 8


def screen_block_size(n_markers: int) -> int:
    """Markers per block, so that the progress bar moves ~8 times (blocks of at least 50:
    smaller ones cost more than they show)."""
    return max(50, -(-n_markers // PROGRESS_STEPS))


def register_screen(input: Inputs, shared: Shared) -> None:
    """Outputs of the Screen view."""
    screen_store: reactive.Value[Any] = reactive.value(None)

    def screen_ok() -> Any:
        res = screen_store.get()
        req(res is not None and not isinstance(res, Exception))
        return res[0]

    shared.looked_at["Screen"] = lambda: [("Screen of every marker", screen_ok())]
    _register_run(input, shared, screen_store)
    _register_results(input, shared, screen_ok)


def _register_run(input: Inputs, shared: Shared, screen_store: reactive.Value[Any]) -> None:
    """The button that runs the screen (with a progress bar) and its summary line."""

    @reactive.effect
    @reactive.event(input.run_screen)
    def _run_screen() -> None:
        c = shared.cohort()
        markers = shared.marker_choices()
        with ui.Progress(min=0, max=len(markers)) as bar:
            text = f"Screening {len(markers)} markers on {c.n} patients"
            bar.set(0, message=text, detail="")

            def step(done: int, total: int) -> None:  # after each block, in this thread
                bar.set(done, message=text, detail=f"{done} of {total} markers")

            start = time.perf_counter()
            try:
                res = screen(c, markers, execution=ExecOptions(
                    block_size=screen_block_size(len(markers)), progress=step))
            except MirprogError as exc:
                screen_store.set(exc)
                return
        screen_store.set((res, time.perf_counter() - start))

    @render.ui
    def screen_status() -> Any:
        res = screen_store.get()
        if res is None:
            return ui.p("Press “Run the screen”.")
        if isinstance(res, Exception):
            return error_box(res)
        r, seconds = res
        hits = int((r.table["q_logrank"] < 0.05).sum())
        return ui.div(f"{len(r.table)} markers screened on {r.n} patients in {seconds:.2f} s; "
                      f"{hits} with log-rank FDR q < 0.05 (Benjamini-Hochberg).",
                      id="screen-summary", class_="alert alert-info")



def _register_results(input: Inputs, shared: Shared, screen_ok: Callable[[], Any]) -> None:
    """The volcano, the sortable table, and the clicks that open a marker."""

    @render.ui
    def volcano() -> Any:
        # the live view is SVG drawn without matplotlib (volcano_svg, a few ms for 2,000
        # markers; matplotlib took ~0.3 s to import and ~60 ms to draw); a click reports
        # data coordinates as plot_click did; the download is volcano_plot's figure
        svg = volcano_svg(screen_ok(), highlight=input.marker(), click_input="volcano_click")
        return ui.div(ui.HTML(svg), role="img", aria_label="Volcano plot of the screen",
                      style="max-width: 820px;", class_="mp-volcano")

    @render.data_frame
    def screen_table() -> Any:
        t = screen_ok().table
        cols = ["marker", "n", "events", "hr", "ci_lower", "ci_upper", "logrank_p",
                "q_logrank", "hr_cont", "p_cont", "q_cont", "note"]
        shown = an.rounded(t[cols].sort_values("logrank_p", kind="stable"), 3)
        return render.DataGrid(shown,
                               selection_mode="row", height="420px", filters=True)

    @reactive.effect
    def _screen_row() -> None:
        picked = screen_table.data_view(selected=True)
        if len(picked):
            shared.go_to_marker(str(picked["marker"].iloc[0]))

    @reactive.effect
    @reactive.event(input.volcano_click)
    def _volcano_click() -> None:
        from mirprog.present.volcano import volcano_coordinates

        click = input.volcano_click()
        res = screen_ok()
        x, y = volcano_coordinates(res)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any() or click is None:
            return
        sx = max(float(np.ptp(x[ok])), 1e-9)
        sy = max(float(np.ptp(y[ok])), 1e-9)
        d = np.where(ok, ((x - click["x"]) / sx) ** 2 + ((y - click["y"]) / sy) ** 2, np.inf)
        shared.go_to_marker(str(res.table["marker"].iloc[int(np.argmin(d))]))

    @render.download(filename=lambda: f"screen.{input.screen_table_format()}")
    def dl_screen() -> Iterator[bytes]:
        yield an.table_bytes(screen_ok().table, input.screen_table_format(), index=False)

    @render.download(filename=lambda: f"volcano.{input.screen_fig_format()}")
    def dl_volcano() -> Iterator[bytes]:
        from mirprog.present.volcano import volcano_plot

        yield an.figure_bytes(volcano_plot(screen_ok()), input.screen_fig_format())
