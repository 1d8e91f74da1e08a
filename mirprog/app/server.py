"""The server of the web app: reactive glue between the page and the public mirprog API.

Each output calls :mod:`mirprog.app.analysis` (or a public mirprog function) and renders
the result with mirprog's presenters; mirprog's typed errors are shown in the page.
The views register their outputs in their own functions (:mod:`mirprog.app.marker_view`,
:mod:`mirprog.app.study_views`, :mod:`mirprog.app.screen_view`, :mod:`mirprog.app.home_view`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from shiny import Inputs, Outputs, Session, reactive, render, req, ui

from mirprog.app import analysis as an
from mirprog.app.home_view import register_home
from mirprog.app.marker_view import register_marker
from mirprog.app.render import error_box
from mirprog.app.screen_view import register_screen
from mirprog.app.shared import Shared
from mirprog.app.study_views import register_study
from mirprog.data.cohort import Cohort
from mirprog.errors import MirprogError

__all__ = ["server"]

TIME_NAMES = ("time", "os", "rfs", "dfs", "months", "years", "days", "futime", "follow")
EVENT_NAMES = ("cens", "status", "event", "relapse", "recur", "death", "dead", "fustat")


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


def server(input: Inputs, output: Outputs, session: Session) -> None:
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

    def sheet() -> str | int:
        return (input.sheet() or 0) if an.sheet_names(staged()) else 0

    @reactive.calc
    def table() -> pd.DataFrame | MirprogError:
        try:
            return an.read_upload(staged(), sheet=sheet())
        except MirprogError as exc:
            return exc

    _register_mapping(input, table)

    @reactive.calc
    def cohort_or_error() -> Cohort | MirprogError:
        df = table()
        if isinstance(df, MirprogError):
            return df
        req(input.time(), input.event())
        try:
            if input.id():  # ids read as text (00017 stays 00017), as read_cohort does
                df = an.read_upload(staged(), sheet=sheet(), id=input.id())
            return an.make_cohort(df, time=input.time(), event=input.event(),
                                  id=input.id() or None,
                                  event_value=input.event_value() or None,
                                  time_unit=input.unit() or None)
        except MirprogError as exc:
            return exc

    shared = Shared.build(input, session, cohort_or_error, workdir, table)
    _register_data_outputs(input, table, cohort_or_error, shared)
    register_marker(input, shared)
    register_study(input, shared)
    register_screen(input, shared)
    register_home(input, shared)


def _register_mapping(input: Inputs, table: Any) -> None:
    """Fill the column pickers from the table read, with guesses for the roles."""

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

    @reactive.effect
    def _event_values() -> None:
        df = table()
        if isinstance(df, MirprogError) or input.event() not in df.columns:
            return
        levels = an.event_levels(df, input.event())
        # 0/1: 1; R's 1/2 coding (survival::lung): 2 is the event; text: the last level
        pick = ("2" if levels == ["1", "2"] else "1" if "1" in levels
                else levels[-1] if levels else None)
        ui.update_select("event_value", choices=levels, selected=pick)


def _register_data_outputs(input: Inputs, table: Any, cohort_or_error: Any,
                           shared: Shared) -> None:
    """The Data view: the cohort (or mirprog's error), the exclusion ledger, the table."""
    empty = pd.DataFrame({"row": [], "column": [], "reason": []})

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

    @render.ui
    def ledger_note() -> Any:
        used = [*input.markers(), *input.clinical()]
        if not used:
            return ui.p("Choose markers and clinical factors to see which rows they leave out.")
        try:
            return ui.p(shared.cohort().complete_cases(used).exclusions.summary(),
                        id="ledger-summary")
        except MirprogError as exc:
            return error_box(exc)

    @render.data_frame
    def ledger() -> Any:
        used = [*input.markers(), *input.clinical()]
        if not used:
            return empty
        try:
            return shared.cohort().complete_cases(used).exclusions.to_frame()
        except MirprogError:
            return empty

    @render.data_frame
    def preview() -> Any:
        df = table()
        req(not isinstance(df, MirprogError))
        assert isinstance(df, pd.DataFrame)
        return render.DataGrid(df.iloc[:200, :40], height="320px")  # a glimpse, not all



