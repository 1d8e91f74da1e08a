"""The take-home view of the web app (server side): the HTML report of what the session
showed (``mp.report``), the study file (TOML) that reproduces it, and the frozen model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from shiny import Inputs, reactive, render, req, ui
from shiny.types import SilentException

from mirprog.app import analysis as an
from mirprog.app.render import error_box
from mirprog.app.session_file import SessionChoices, factor_kind, study_toml
from mirprog.app.shared import Shared
from mirprog.errors import ArgumentError, MirprogError

__all__ = ["register_home"]


def register_home(input: Inputs, shared: Shared) -> None:
    """Outputs of the Take-home view."""
    _register_report(input, shared)
    _register_model(input, shared)


def _register_report(input: Inputs, shared: Shared) -> None:
    """The HTML report (``mp.report``) of what the session has shown, and its study file."""

    @reactive.calc
    def session_items() -> list[tuple[str, Any]]:
        c = shared.cohort()
        unit = f" ({c.time_unit})" if c.time_unit else ""
        items: list[tuple[str, Any]] = [("Cohort", (
            f"{shared.upload_name()}: {c.n} patients, {c.n_events} events; time "
            f"{c.time_col!r}{unit}, event {c.event_col!r}. Each section below lists the rows "
            "it used and why others were left out."))]
        for read in shared.looked_at.values():
            try:
                items += read()
            except SilentException:  # a view with nothing to show yet
                continue
        return items

    @reactive.calc
    def study_text() -> str | MirprogError:
        try:
            return study_toml(session_choices(input, shared))
        except MirprogError as exc:
            return exc

    @render.ui
    def report_status() -> Any:
        items = session_items()
        views = [v for v, read in shared.looked_at.items() if _shows(read)]
        text = study_text()
        return ui.div(
            ui.p(f"Ready: {len(items)} sections, from "
                 f"{', '.join(views) or 'the cohort only (open the other views first)'}.",
                 id="report-state", class_="text-success"),
            error_box(text) if isinstance(text, Exception) else None)

    @render.download(filename="mirprog-report.html")
    def dl_report() -> Iterator[bytes]:
        from mirprog.study.report import report

        text = study_text()
        rep = report(*session_items(), title=f"mirprog: {shared.upload_name()}",
                     time_unit=shared.cohort().time_unit,
                     study_file=None if isinstance(text, Exception) else text)
        yield rep.html.encode("utf-8")

    @render.download(filename="mirprog-study.toml")
    def dl_study() -> Iterator[bytes]:
        text = study_text()
        req(not isinstance(text, Exception))
        assert isinstance(text, str)
        yield text.encode("utf-8")


def _shows(read: Any) -> bool:
    try:
        return bool(read())
    except SilentException:
        return False


def session_choices(input: Inputs, shared: Shared) -> SessionChoices:
    """The session's choices (inputs and the views' study parts) as plain values."""
    from mirprog.app.analysis import event_levels

    c = shared.cohort()
    df = shared.table()
    marker = input.marker()
    if not marker:
        raise ArgumentError("Choose a marker on the one-marker view first.")
    codes = None
    if input.event_value() and isinstance(df, pd.DataFrame):
        levels = event_levels(df, c.event_col)
        natural = pd.api.types.is_numeric_dtype(df[c.event_col]) and \
            set(levels) <= {"0", "1"} and input.event_value() == "1"
        codes = None if natural else {v: int(v == input.event_value()) for v in levels}
    parts: dict[str, Any] = {}
    for key, read in shared.study_parts.items():
        try:
            parts[key] = read()
        except SilentException:
            parts[key] = {}
    sheet = input.sheet() if str(shared.upload_name()).lower().endswith(
        (".xlsx", ".xlsm", ".xls")) else None
    test = an.GroupTest.of(input.lr_test(), input.fh_p(), input.fh_q(), input.lr_strata())
    return SessionChoices(
        file_name=shared.upload_name(), time=c.time_col, event=c.event_col, marker=marker,
        rule=input.rule(), threshold=input.threshold() if input.rule() == "fixed" else None,
        event_values=codes, id=c.id_col, time_unit=c.time_unit, sheet=sheet or None,
        other_markers=[m for m in input.markers() if m != marker],
        factors={f: factor_kind(c.column(f)) for f in input.clinical()},
        signature=parts.get("signature", {}), subgroups=parts.get("subgroups", {}),
        p_remove=float(input.p_remove() or 0.1), weighting=test.weighting, fh_p=test.fh_p,
        fh_q=test.fh_q, strata=(test.strata,) if test.strata else ())


def _register_model(input: Inputs, shared: Shared) -> None:
    """The frozen prognostic model (PrognosticModel.fit(...).save)."""

    @reactive.calc
    def model_result() -> Any:
        from mirprog.model.prognostic import PrognosticModel

        c = shared.cohort()
        try:
            if not input.markers() and not input.clinical():
                raise ArgumentError("Choose markers and/or clinical factors on the Data view.")
            return PrognosticModel.fit(c, list(input.markers()), list(input.clinical()))
        except MirprogError as exc:
            return exc

    @render.ui
    def model_status() -> Any:
        model = model_result()
        if isinstance(model, Exception):
            return error_box(model)
        return ui.p(f"Ready: Cox model of {model.n} patients, {model.events} events.",
                    id="model-state", class_="text-success")

    @render.download(filename="mirprog-model.json")
    def dl_model() -> Iterator[bytes]:
        model = model_result()
        req(not isinstance(model, Exception))
        path = shared.file("model.json")
        model.save(path)
        yield path.read_bytes()
