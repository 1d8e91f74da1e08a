"""The study view of the web app (server side): the univariate and multivariate table with
backward selection, the forest plot, combined risk groups with the model comparison, and
the subgroup table with interaction p."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shiny import Inputs, reactive, render, req, ui

from mirprog.app import analysis as an
from mirprog.app.render import error_box, frame_html
from mirprog.app.shared import Shared
from mirprog.data.cohort import Cohort
from mirprog.errors import ArgumentError, MirprogError

__all__ = ["adverse_levels", "register_study"]


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



def register_study(input: Inputs, shared: Shared) -> None:
    """Outputs of the Study view."""

    @reactive.calc
    def split() -> tuple[Cohort, dict[str, str]]:
        """The cohort with the chosen markers and the One marker view's marker split, and
        marker -> column: that marker by the One marker view's cut rule (as the session's
        study file has it), every other marker at the median."""
        from mirprog.factors.cutpoints import Cutpoints

        c = shared.cohort()
        marker, rule = input.marker(), input.rule()
        markers = list(dict.fromkeys([*input.markers(), *([marker] if marker else [])]))
        columns: dict[str, str] = {}
        for m in markers:
            own = m == marker and rule != "median"
            if own and rule == "fixed" and input.threshold() is None:
                raise ArgumentError(f"The fixed cut of {m!r} needs a threshold value.")
            spec = Cutpoints.fit(c, [m], rule if own else "median",
                                 thresholds={m: [float(input.threshold())]}
                                 if own and rule == "fixed" else None)
            c = spec.apply(c)
            columns[m] = spec.cutpoints[0].column
        return c, columns

    _register_table3(input, shared, split)
    _register_combined(input, shared, split)
    _register_subgroups(input, shared, split)


def _register_table3(input: Inputs, shared: Shared, split: Any) -> None:
    """The univariate/multivariate table, its forest plot and downloads."""

    @reactive.calc
    def table3_result() -> Any:
        from mirprog.stats.factor_table import factor_table

        marker, clinical = input.marker(), list(input.clinical())
        # the session's study: the One marker view's marker first, as in its study file
        markers = list(dict.fromkeys([*([marker] if marker else []), *input.markers()]))
        if not markers and not clinical:
            return ArgumentError("Choose markers and/or clinical factors on the Data view.")
        try:
            c, columns = split()
            cols = [columns[m] for m in markers]
            groups = [col for col in cols if c.column(col).nunique() > 2]  # tertiles...
            return factor_table(c, clinical={**{col: col for col in cols},
                                             **{f: f for f in clinical}},
                                categorical=groups or None,
                                reference={col: 1 for col in groups} or None,
                                p_remove=float(input.p_remove() or 0.1))
        except MirprogError as exc:
            return exc

    def table3_ok() -> Any:
        t3 = table3_result()
        req(not isinstance(t3, Exception))
        return t3

    shared.looked_at["Study table"] = lambda: [
        ("Univariate and multivariate Cox (backward selection)", table3_ok())]

    @render.ui
    def study_error() -> Any:
        t3 = table3_result()
        return error_box(t3) if isinstance(t3, Exception) else None

    @render.ui
    def table3() -> Any:
        t3 = table3_result()
        req(not isinstance(t3, Exception))
        sel = t3.selection
        return ui.div(frame_html(t3.formatted(), "table3-table"),
                      ui.p(f"Backward selection ({sel.method.upper()} test, remove if p > "
                           f"{sel.p_remove:g}) kept: {', '.join(sel.selected) or 'none'}. "
                           f"{sel.excluded.summary()}", id="selection-note"))

    @render.ui
    def forest() -> Any:
        # the live view is SVG drawn without matplotlib (forest_svg: the same rows, texts
        # and arrows in a few ms); the download is forest_plot's figure
        from mirprog.present.forest_svg import forest_svg

        t3 = table3_result()
        req(not isinstance(t3, Exception))
        return ui.div(ui.HTML(forest_svg(t3, title="Univariate and multivariate Cox")),
                      role="img", aria_label="Forest plot of the multivariate model",
                      class_="mp-figure")

    @render.download(filename=lambda: f"table_uni_multivariate.{input.table_format()}")
    def dl_table3() -> Iterator[bytes]:
        t3 = table3_result()
        req(not isinstance(t3, Exception))
        yield an.table_bytes(t3.table, input.table_format())

    @render.download(filename=lambda: f"forest.{input.study_fig_format()}")
    def dl_forest() -> Iterator[bytes]:
        from mirprog.present.plots import forest_plot

        t3 = table3_result()
        req(not isinstance(t3, Exception))
        yield an.figure_bytes(forest_plot(t3), input.study_fig_format())


def _register_combined(input: Inputs, shared: Shared, split: Any) -> None:
    """Combined risk groups (A/B/C...) and the model comparison."""

    @reactive.calc
    def combined() -> Any:
        from mirprog.stats.comparison import compare_combined, risk_groups

        chosen = list(input.combined())
        req(chosen)
        try:
            c, columns = split()
            factors = [columns.get(f, f) for f in chosen]
            if len(factors) < 2:
                raise ArgumentError("Choose two or more factors to combine.")
            comp = compare_combined(c, factors)
            groups = risk_groups(c, adverse_levels(c, factors))
        except MirprogError as exc:
            return exc
        return comp, groups

    _share_combined(shared, combined, split)
    _register_combined_downloads(input, combined)

    @render.ui
    def combined_out() -> Any:
        res = combined()
        if isinstance(res, Exception):
            return error_box(res)
        comp, groups = res
        adverse = ", ".join(f"{k} = {v}" for k, v in groups.adverse.items())
        return ui.div(ui.p(f"Adverse levels: {adverse}. Log-rank across the groups "
                           f"{an.p_text(groups.logrank.p)}, trend {an.p_text(groups.trend.p)}."),
                      frame_html(groups.counts.reset_index(), "risk-counts"),
                      frame_html(an.rounded(comp.table, 6).reset_index(), "model-comparison"),
                      ui.p(comp.excluded.summary()))

    @render.image(delete_file=True)
    def risk_km() -> Any:
        # SVG drawn without matplotlib, as the One marker view's KM (km_svg)
        from mirprog.present.km_svg import km_svg

        res = combined()
        req(not isinstance(res, Exception))
        groups = res[1]
        labels = {g: f"{g} ({n} adverse)" for g, n in groups.counts["n_adverse"].items()}
        path = shared.file("risk.svg")
        path.write_text(km_svg(groups.km, test=groups.logrank, labels=labels,
                               time_unit=groups.cohort.time_unit, title="Combined risk groups"),
                        encoding="utf-8")
        return {"src": str(path), "alt": "Kaplan-Meier curves of the combined risk groups",
                "style": "width: 100%; max-width: 820px; height: auto;"}


def _register_combined_downloads(input: Inputs, combined: Any) -> None:
    """The combined groups' KM figure (km_plot's) and the model comparison table."""

    def combined_ok() -> Any:
        res = combined()
        req(not isinstance(res, Exception))
        return res

    @render.download(filename=lambda: f"risk_groups_km.{input.study_fig_format()}")
    def dl_risk_km() -> Iterator[bytes]:
        from mirprog.present.plots import km_plot

        groups = combined_ok()[1]
        labels = {g: f"{g} ({n} adverse)" for g, n in groups.counts["n_adverse"].items()}
        yield an.figure_bytes(km_plot(groups.km, test=groups.logrank, labels=labels,
                                      time_unit=groups.cohort.time_unit,
                                      title="Combined risk groups"), input.study_fig_format())

    @render.download(filename=lambda: f"model_comparison.{input.table_format()}")
    def dl_comparison() -> Iterator[bytes]:
        yield an.table_bytes(combined_ok()[0].table, input.table_format())


def _share_combined(shared: Shared, combined: Any, split: Any) -> None:
    """The combined groups for the report, and the signature for the study file."""

    def combined_ok() -> Any:
        res = combined()
        req(not isinstance(res, Exception))
        return res

    def report_items() -> list[tuple[str, Any]]:
        comp, groups = combined_ok()
        return [("Combined risk groups", groups), ("KM by combined risk group", groups.km),
                ("Log-rank across the combined risk groups", groups.logrank),
                ("Combined model against each factor alone", comp)]

    def signature() -> dict[str, Any]:
        """Original column -> adverse level (a marker: its adverse side, high or low)."""
        _, groups = combined_ok()
        _, columns = split()
        back = {col: marker for marker, col in columns.items()}
        return {back.get(col, col): ("high" if level == 1 else "low") if col in back else level
                for col, level in groups.adverse.items()}

    shared.looked_at["Combined"] = report_items
    shared.study_parts["signature"] = signature


def _cut_words(rule: str) -> str:
    return "median split" if rule == "median" else f"{rule} cut"


def _register_subgroups(input: Inputs, shared: Shared, split: Any) -> None:
    """The marker within each level of a clinical factor, with the interaction p."""

    @reactive.calc
    def subgroup_result() -> Any:
        from mirprog.stats.subgroup_table import subgroup_table

        by = input.subgroup_by()
        req(by and input.marker())
        try:
            c, columns = split()
            col = c.column(by)
            levels = sorted(col.dropna().unique().tolist(), key=str)
            if len(levels) > 12:
                raise ArgumentError(f"{by!r} has {len(levels)} levels: subgroups take a "
                                    "factor with at most 12.")
            masks = {f"{by} = {v}": (col == v).to_numpy() for v in levels}
            conditions = {f"{by} = {v}": f"{by} == {v!r}" for v in levels}
            return subgroup_table(c, columns[input.marker()], masks), conditions
        except MirprogError as exc:
            return exc

    def subgroup_ok() -> Any:
        res = subgroup_result()
        req(not isinstance(res, Exception))
        return res

    shared.looked_at["Subgroups"] = lambda: [
        (f"{input.marker()} ({_cut_words(input.rule())}) within the levels of "
         f"{input.subgroup_by()}",
         subgroup_ok()[0])]
    shared.study_parts["subgroups"] = lambda: subgroup_ok()[1]

    @render.ui
    def subgroups() -> Any:
        res = subgroup_result()
        if isinstance(res, Exception):
            return error_box(res)
        return ui.div(ui.p(f"Marker {input.marker()} ({_cut_words(input.rule())}, as in the "
                           f"One marker view) within each level of {input.subgroup_by()}."),
                      frame_html(res[0].formatted(), "subgroup-table"))

    @render.download(filename=lambda: f"subgroups.{input.table_format()}")
    def dl_subgroups() -> Iterator[bytes]:
        yield an.table_bytes(subgroup_ok()[0].table, input.table_format())
