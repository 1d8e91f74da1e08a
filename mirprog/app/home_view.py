"""The take-home view of the web app (server side): the HTML report and the frozen model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shiny import Inputs, reactive, render, req, ui

from mirprog.app.render import error_box
from mirprog.app.shared import Shared
from mirprog.errors import ArgumentError, MirprogError

__all__ = ["register_home"]


def register_home(input: Inputs, shared: Shared) -> None:
    """Outputs of the Take-home view."""
    _register_report(input, shared)
    _register_model(input, shared)


def _register_report(input: Inputs, shared: Shared) -> None:
    """The study analysis behind the HTML report (mirprog.study.report)."""

    @reactive.calc
    def study_result() -> Any:
        from mirprog.study import reproduce

        c = shared.cohort()
        marker = input.marker()
        try:
            if not marker:
                raise ArgumentError("Choose a marker on the one-marker view first.")
            if not input.r_nodes():
                raise ArgumentError("The report needs the positive-nodes column.")
            others = tuple(m for m in input.markers() if m != marker)
            cols = reproduce.StudyColumns(
                time=c.time_col, event=c.event_col, id=c.id_col, marker=marker,
                other_markers=others, age=input.r_age() or None, size=input.r_size() or None,
                nodes=input.r_nodes(), grade=input.r_grade() or None, er=input.r_er() or None,
                pr=input.r_pr() or None, her2=input.r_her2() or None,
                time_unit=c.time_unit)
            return reproduce.run_study(c, cols)
        except MirprogError as exc:
            return exc

    @render.ui
    def report_status() -> Any:
        res = study_result()
        if isinstance(res, Exception):
            return error_box(res)
        return ui.p(f"Ready: the study analysis of {input.marker()} on {res.cohort.n} "
                    f"patients ({res.cohort.n_events} events).", id="report-state",
                    class_="text-success")

    @render.download(filename="mirprog-report.html")
    def dl_report() -> Iterator[bytes]:
        from mirprog.study.report import report

        res = study_result()
        req(not isinstance(res, Exception))
        yield report(res, title=f"mirprog: {input.marker()}").html.encode("utf-8")



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
