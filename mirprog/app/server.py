"""The server of the web app: reactive glue between the page and the public mirprog API.

Each output calls :mod:`mirprog.app.analysis` (or a public mirprog function) and renders
the result with mirprog's presenters; mirprog's typed errors are shown in the page.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from shiny import Inputs, Outputs, Session, reactive, render, req, ui

from mirprog.app import analysis as an
from mirprog.app.study_views import register_study
from mirprog.app.ui import RULES
from mirprog.data.cohort import Cohort
from mirprog.errors import MirprogError

__all__ = ["server"]

TIME_NAMES = ("time", "os", "rfs", "dfs", "months", "years", "days", "futime", "follow")
EVENT_NAMES = ("cens", "status", "event", "relapse", "recur", "death", "dead", "fustat")


def error_box(exc: BaseException) -> Any:
    """A mirprog error as a red box in the page (the message names the rows and the fix)."""
    return ui.div(ui.strong(type(exc).__name__ + ": "), str(exc),
                  class_="alert alert-danger mp-error", role="alert")


def _guess(columns: list[str], names: tuple[str, ...]) -> str:
    for name in names:
        for col in columns:
            if col.lower() == name:
                return col
    for name in names:
        for col in columns:
            if name in col.lower():
                return col
    return ""


def number(value: float, ident: str, text: str) -> Any:
    """A shown number that carries its full-precision value (``data-value``)."""
    return ui.span(text, id=ident, class_="mp-num", **{"data-value": repr(float(value))})


def server(input: Inputs, output: Outputs, session: Session) -> None:  # noqa: C901
    """Wire the page to mirprog."""
    workdir = Path(tempfile.mkdtemp(prefix="mirprog-app-"))

    @reactive.calc
    def staged() -> Path:
        files = input.upload()
        req(files)
        return an.stage_upload(files[0]["datapath"], files[0]["name"], workdir)

    @reactive.effect
    def _sheets() -> None:
        sheets = an.sheet_names(staged())
        ui.update_select("sheet", choices=sheets, selected=sheets[0] if sheets else None)

    @reactive.calc
    def table() -> pd.DataFrame | MirprogError:
        path = staged()
        sheet: str | int = 0
        if an.sheet_names(path):
            sheet = input.sheet() or 0
        try:
            return an.read_upload(path, sheet=sheet)
        except MirprogError as exc:
            return exc

    @reactive.effect
    def _columns() -> None:
        df = table()
        if isinstance(df, MirprogError):
            return
        cols = [str(c) for c in df.columns]
        time, event = _guess(cols, TIME_NAMES), _guess(cols, EVENT_NAMES)
        ident = _guess(cols, ("id", "patient", "pid", "sample"))
        ui.update_select("time", choices=cols, selected=time or cols[0])
        ui.update_select("event", choices=cols, selected=event or cols[-1])
        ui.update_select("id", choices={"": "(none)", **{c: c for c in cols}}, selected=ident)
        numeric = [c for c in an.numeric_columns(df) if c not in (time, event, ident)]
        ui.update_selectize("markers", choices=numeric, selected=[])
        others = [c for c in cols if c not in (time, event, ident)]
        ui.update_selectize("clinical", choices=others, selected=[])
        none = {"": "(none)", **{c: c for c in others}}
        for key in ("r_age", "r_size", "r_grade", "r_er", "r_pr", "r_her2"):
            ui.update_select(key, choices=none, selected="")
        ui.update_select("r_nodes", choices=none, selected=_guess(others, ("nodes", "pnodes")))

    @reactive.effect
    def _event_values() -> None:
        df = table()
        if isinstance(df, MirprogError) or input.event() not in df.columns:
            return
        levels = an.event_levels(df, input.event())
        pick = "1" if "1" in levels else (levels[-1] if levels else None)
        ui.update_select("event_value", choices=levels, selected=pick)

    @reactive.calc
    def cohort_or_error() -> Cohort | MirprogError:
        df = table()
        if isinstance(df, MirprogError):
            return df
        req(input.time(), input.event())
        try:
            if input.id():  # ids read as text (00017 stays 00017), as read_cohort does
                df = an.read_upload(staged(), sheet=(input.sheet() or 0)
                                    if an.sheet_names(staged()) else 0, id=input.id())
            return an.make_cohort(df, time=input.time(), event=input.event(),
                                  id=input.id() or None,
                                  event_value=input.event_value() or None,
                                  time_unit=input.unit() or None)
        except MirprogError as exc:
            return exc

    def cohort() -> Cohort:
        c = cohort_or_error()
        req(isinstance(c, Cohort))
        assert isinstance(c, Cohort)
        return c

    @reactive.calc
    def marker_choices() -> list[str]:
        c = cohort()
        chosen = list(input.markers())
        roles = {c.time_col, c.event_col, c.id_col}
        return chosen or [m for m in an.numeric_columns(c.data) if m not in roles]

    @reactive.effect
    def _marker_select() -> None:
        choices = marker_choices()
        current = input.marker()
        ui.update_select("marker", choices=choices,
                         selected=current if current in choices else choices[0])
        ui.update_selectize("combined", choices=[*input.markers(), *input.clinical()],
                            selected=[])
        ui.update_select("subgroup_by", choices={"": "(none)",
                                                 **{f: f for f in input.clinical()}})

    @render.ui
    def cohort_status() -> Any:
        c = cohort_or_error()
        if isinstance(c, MirprogError):
            return error_box(c)
        unit = f" ({c.time_unit})" if c.time_unit else ""
        return ui.div(ui.strong("Cohort: "),
                      f"{c.n} patients, {c.n_events} events; time {c.time_col!r}{unit}, "
                      f"event {c.event_col!r}" + (f", id {c.id_col!r}" if c.id_col else ""),
                      id="cohort-summary", class_="alert alert-success")

    @render.data_frame
    def ledger() -> Any:
        c = cohort()
        used = [*input.markers(), *input.clinical()]
        if not used:
            return pd.DataFrame({"row": [], "column": [], "reason": []})
        try:
            return c.complete_cases(used).exclusions.to_frame()
        except MirprogError:
            return pd.DataFrame({"row": [], "column": [], "reason": []})

    @render.data_frame
    def preview() -> Any:
        df = table()
        req(not isinstance(df, MirprogError))
        assert isinstance(df, pd.DataFrame)
        return render.DataGrid(df.head(200), height="320px")

    @reactive.calc
    def marker_result() -> an.MarkerAnalysis | MirprogError:
        c = cohort()
        marker = input.marker()
        req(marker and marker in c.columns)
        threshold = input.threshold() if input.rule() == "fixed" else None
        try:
            return an.analyse_marker(c, marker, input.rule(), threshold=threshold,
                                     offset=float(input.offset() or 0))
        except MirprogError as exc:
            return exc

    def marker_ok() -> an.MarkerAnalysis:
        res = marker_result()
        req(isinstance(res, an.MarkerAnalysis))
        assert isinstance(res, an.MarkerAnalysis)
        return res

    def km_figure(res: an.MarkerAnalysis) -> Any:
        from mirprog.present.plots import km_plot

        unit = res.cohort.time_unit
        rule = RULES[input.rule()].split(" (")[0].lower()
        return km_plot(res.km, test=res.logrank, cox=res.cox, conf_int=bool(input.conf_int()),
                       time_unit=unit, labels=an.group_labels(res.cutpoint),
                       title=f"{res.marker}: {rule} cut")

    @render.ui
    def marker_error() -> Any:
        res = marker_result()
        return error_box(res) if isinstance(res, MirprogError) else None

    @render.image(delete_file=True)
    def km_plot() -> Any:
        return an.save_png(km_figure(marker_ok()), workdir / f"km-{session.id}.png",
                           alt="Kaplan-Meier curves with the number at risk")

    @render.ui
    def marker_stats() -> Any:
        from mirprog.app.render import marker_panel

        return marker_panel(marker_ok())

    @render.download(filename=lambda: f"km_{input.marker()}.{input.fig_format()}")
    def dl_km() -> Iterator[bytes]:
        yield an.figure_bytes(km_figure(marker_ok()), input.fig_format())

    @render.download(filename=lambda: f"marker_{input.marker()}.csv")
    def dl_marker_csv() -> Iterator[bytes]:
        from mirprog.app.render import marker_frame

        yield an.table_bytes(marker_frame(marker_ok()), "csv", index=False)

    def go_to_marker(marker: str) -> None:
        ui.update_select("marker", selected=marker)
        ui.update_navset("tabs", selected="One marker")

    register_study(input, output, session, cohort=cohort, go_to_marker=go_to_marker,
                   marker_choices=marker_choices, workdir=workdir)


ServerFn = Callable[[Inputs, Outputs, Session], None]
