"""The study, screen and take-home views of the web app (server side)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from shiny import Inputs, Outputs, Session, reactive, render, req, ui

from mirprog.app import analysis as an
from mirprog.app.render import frame_html
from mirprog.data.cohort import Cohort
from mirprog.errors import ArgumentError, MirprogError

__all__ = ["register_study"]


def _box(exc: BaseException) -> Any:
    return ui.div(ui.strong(type(exc).__name__ + ": "), str(exc),
                  class_="alert alert-danger mp-error", role="alert")


def adverse_levels(cohort: Cohort, columns: list[str]) -> dict[str, Any]:
    """For each two-level factor, the level whose univariate Cox HR is above 1."""
    from mirprog.stats.cox.coxph import cox

    adverse: dict[str, Any] = {}
    for col in columns:
        levels = sorted(cohort.column(col).dropna().unique().tolist(), key=str)
        if len(levels) != 2:
            raise ArgumentError(f"Combined risk groups take two-level factors; {col!r} has "
                                f"{len(levels)} levels ({', '.join(map(str, levels[:6]))}). "
                                "Choose binary factors (markers are median-split).")
        fit = cox(cohort, col, categorical=[col], reference={col: levels[0]})
        adverse[col] = levels[1] if fit.summary["hr"].iloc[0] > 1 else levels[0]
    return adverse


def register_study(input: Inputs, output: Outputs, session: Session, *,  # noqa: C901
                   cohort: Callable[[], Cohort], go_to_marker: Callable[[str], None],
                   marker_choices: Callable[[], list[str]], workdir: Path) -> None:
    """Outputs of the Study, Screen and Take-home views."""

    @reactive.calc
    def split() -> tuple[Cohort, dict[str, str]]:
        """The cohort with its chosen markers split at the median, and marker -> column."""
        from mirprog.factors.cutpoints import Cutpoints

        c = cohort()
        markers = list(input.markers())
        if not markers:
            return c, {}
        spec = Cutpoints.fit(c, markers)
        return spec.apply(c), {p.marker: p.column for p in spec.cutpoints}

    @reactive.calc
    def table3_result() -> Any:
        from mirprog.stats.factor_table import factor_table

        c = cohort()
        markers, clinical = list(input.markers()), list(input.clinical())
        if not markers and not clinical:
            return ArgumentError("Choose markers and/or clinical factors on the Data view.")
        try:
            return factor_table(c, markers, clinical,
                                p_remove=float(input.p_remove() or 0.1))
        except MirprogError as exc:
            return exc

    @render.ui
    def study_error() -> Any:
        t3 = table3_result()
        return _box(t3) if isinstance(t3, Exception) else None

    @render.ui
    def table3() -> Any:
        t3 = table3_result()
        req(not isinstance(t3, Exception))
        sel = t3.selection
        return ui.div(frame_html(t3.formatted(), "table3-table"),
                      ui.p(f"Backward selection ({sel.method.upper()} test, remove if p > "
                           f"{sel.p_remove:g}) kept: {', '.join(sel.selected) or 'none'}. "
                           f"{sel.excluded.summary()}", id="selection-note"))

    @render.plot(alt="Forest plot of the multivariate model")
    def forest() -> Any:
        from mirprog.present.plots import forest_plot

        t3 = table3_result()
        req(not isinstance(t3, Exception))
        return forest_plot(t3, title="Univariate and multivariate Cox")

    @reactive.calc
    def combined() -> Any:
        from mirprog.stats.comparison import compare_combined, risk_groups

        chosen = list(input.combined())
        req(chosen)
        c, columns = split()
        factors = [columns.get(f, f) for f in chosen]
        try:
            if len(factors) < 2:
                raise ArgumentError("Choose two or more factors to combine.")
            comp = compare_combined(c, factors)
            groups = risk_groups(c, adverse_levels(c, factors))
        except MirprogError as exc:
            return exc
        return comp, groups

    @render.ui
    def combined_out() -> Any:
        res = combined()
        if isinstance(res, Exception):
            return _box(res)
        comp, groups = res
        adverse = ", ".join(f"{k} = {v}" for k, v in groups.adverse.items())
        return ui.div(ui.p(f"Adverse levels: {adverse}. Log-rank across the groups "
                           f"{an.p_text(groups.logrank.p)}, trend {an.p_text(groups.trend.p)}."),
                      frame_html(groups.counts, "risk-counts", index=True),
                      frame_html(an.rounded(comp.table, 6), "model-comparison", index=True),
                      ui.p(comp.excluded.summary()))

    @render.image(delete_file=True)
    def risk_km() -> Any:
        from mirprog.present.plots import km_plot

        res = combined()
        req(not isinstance(res, Exception))
        groups = res[1]
        labels = {g: f"{g} ({n} adverse)" for g, n in groups.counts["n_adverse"].items()}
        fig = km_plot(groups.km, test=groups.logrank, labels=labels,
                      time_unit=groups.cohort.time_unit, title="Combined risk groups")
        return an.save_png(fig, workdir / f"risk-{session.id}.png",
                           alt="Kaplan-Meier curves of the combined risk groups")

    @render.ui
    def subgroups() -> Any:
        from mirprog.stats.subgroup_table import subgroup_table

        by = input.subgroup_by()
        req(by and input.marker())
        c = cohort()
        try:
            col = c.column(by)
            levels = sorted(col.dropna().unique().tolist(), key=str)
            if len(levels) > 12:
                raise ArgumentError(f"{by!r} has {len(levels)} levels: subgroups take a "
                                    "factor with at most 12.")
            masks = {f"{by} = {v}": (col == v).to_numpy() for v in levels}
            t4 = subgroup_table(c, input.marker(), masks, marker_rule="median")
        except MirprogError as exc:
            return _box(exc)
        return ui.div(ui.p(f"Marker {input.marker()} (median split) within each level of {by}."),
                      frame_html(t4.formatted(), "subgroup-table"))

    @render.download(filename=lambda: f"table_uni_multivariate.{input.table_format()}")
    def dl_table3() -> Iterator[bytes]:
        t3 = table3_result()
        req(not isinstance(t3, Exception))
        yield an.table_bytes(t3.table, input.table_format())

    @render.download(filename="forest.png")
    def dl_forest() -> Iterator[bytes]:
        from mirprog.present.plots import forest_plot

        t3 = table3_result()
        req(not isinstance(t3, Exception))
        yield an.figure_bytes(forest_plot(t3), "png")

    # ---- the screen ---------------------------------------------------------------------
    screen_store: reactive.Value[Any] = reactive.value(None)

    @reactive.effect
    @reactive.event(input.run_screen)
    def _run_screen() -> None:
        from mirprog.stats.screen.markers import screen

        c = cohort()
        markers = marker_choices()
        with ui.Progress(min=0, max=2) as bar:
            bar.set(1, message=f"Screening {len(markers)} markers on {c.n} patients ...")
            start = time.perf_counter()
            try:
                res = screen(c, markers, progress=False)
            except MirprogError as exc:
                screen_store.set(exc)
                return
            bar.set(2, message="done")
        screen_store.set((res, time.perf_counter() - start))

    def screen_ok() -> Any:
        res = screen_store.get()
        req(res is not None and not isinstance(res, Exception))
        return res[0]

    @render.ui
    def screen_status() -> Any:
        res = screen_store.get()
        if res is None:
            return ui.p("Press “Run the screen”.")
        if isinstance(res, Exception):
            return _box(res)
        r, seconds = res
        hits = int((r.table["q_logrank"] < 0.05).sum())
        return ui.div(f"{len(r.table)} markers screened on {r.n} patients in {seconds:.2f} s; "
                      f"{hits} with log-rank FDR q < 0.05 (Benjamini-Hochberg).",
                      id="screen-summary", class_="alert alert-info")

    @render.plot(alt="Volcano plot of the screen")
    def volcano() -> Any:
        from mirprog.present.volcano import volcano_plot

        return volcano_plot(screen_ok(), highlight=input.marker())

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
            go_to_marker(str(picked["marker"].iloc[0]))

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
        go_to_marker(str(res.table["marker"].iloc[int(np.argmin(d))]))

    @render.download(filename="screen.csv")
    def dl_screen() -> Iterator[bytes]:
        yield an.table_bytes(screen_ok().table, "csv", index=False)

    @render.download(filename="volcano.png")
    def dl_volcano() -> Iterator[bytes]:
        from mirprog.present.volcano import volcano_plot

        yield an.figure_bytes(volcano_plot(screen_ok()), "png")

    # ---- take home ----------------------------------------------------------------------
    @reactive.calc
    def study_result() -> Any:
        from mirprog.study import reproduce

        c = cohort()
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
            return _box(res)
        return ui.p(f"Ready: the study analysis of {input.marker()} on {res.cohort.n} "
                    f"patients ({res.cohort.n_events} events).", id="report-state",
                    class_="text-success")

    @render.download(filename="mirprog-report.html")
    def dl_report() -> Iterator[bytes]:
        from mirprog.study.report import report

        res = study_result()
        req(not isinstance(res, Exception))
        path = report(res, workdir / f"report-{session.id}.html",
                      title=f"mirprog: {input.marker()}")
        yield path.read_bytes()

    @reactive.calc
    def model_result() -> Any:
        from mirprog.model.prognostic import PrognosticModel

        c = cohort()
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
            return _box(model)
        return ui.p(f"Ready: Cox model of {model.n} patients, {model.events} events.",
                    id="model-state", class_="text-success")

    @render.download(filename="mirprog-model.json")
    def dl_model() -> Iterator[bytes]:
        model = model_result()
        req(not isinstance(model, Exception))
        path = workdir / f"model-{session.id}.json"
        model.save(path)
        yield path.read_bytes()
