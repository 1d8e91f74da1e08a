"""The one-marker view (server side): cut, KM with numbers at risk, log-rank, Cox, PH."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from shiny import Inputs, reactive, render, req, ui

from mirprog.app import analysis as an
from mirprog.app.render import error_box, marker_frame, marker_panel
from mirprog.app.shared import Memo, Shared
from mirprog.app.ui import RULES
from mirprog.errors import MirprogError

__all__ = ["register_marker"]


def _register_pickers(input: Inputs, shared: Shared) -> None:
    """The marker picker (and the study view's pickers) follow the markers chosen."""

    @reactive.effect
    def _marker_select() -> None:
        choices = shared.marker_choices()
        with reactive.isolate():  # picking a marker must not re-send (and reset) the pickers
            current = input.marker()
        ui.update_select("marker", choices=choices,
                         selected=current if current in choices else choices[0])
        ui.update_selectize("combined", choices=[*input.markers(), *input.clinical()],
                            selected=[])
        ui.update_select("subgroup_by", choices={"": "(none)",
                                                 **{f: f for f in input.clinical()}})
        ui.update_select("lr_strata", choices={"": "(none)",
                                               **{f: f for f in input.clinical()}})


def register_marker(input: Inputs, shared: Shared) -> None:
    """Outputs of the one-marker view (results and figures memoised per setting)."""
    results, pictures = Memo(), Memo()

    _register_pickers(input, shared)

    @reactive.calc
    def marker_result() -> an.MarkerAnalysis | MirprogError:
        c = shared.cohort()
        marker = input.marker()
        req(marker and marker in c.columns)
        threshold = input.threshold() if input.rule() == "fixed" else None
        offset = float(input.offset() or 0)
        test = an.GroupTest.of(input.lr_test(), input.fh_p(), input.fh_q(), input.lr_strata())
        try:
            # the key holds the cohort itself (hashed by identity), never a reusable id()
            return results.get((c, marker, input.rule(), threshold, offset, test),
                               lambda: an.analyse_marker(c, marker, input.rule(),
                                                         threshold=threshold, offset=offset,
                                                         test=test))
        except MirprogError as exc:
            return exc

    def marker_ok() -> an.MarkerAnalysis:
        res = marker_result()
        req(isinstance(res, an.MarkerAnalysis))
        assert isinstance(res, an.MarkerAnalysis)
        return res

    def rule_label() -> str:
        return RULES[input.rule()].split(" (")[0].lower()

    shared.looked_at["One marker"] = lambda: an.report_items(marker_ok(), rule_label())

    def km_figure(res: an.MarkerAnalysis) -> Any:
        from mirprog.present.plots import km_plot

        rule = rule_label()
        return km_plot(res.km, test=res.logrank, cox=res.cox, conf_int=bool(input.conf_int()),
                       time_unit=res.cohort.time_unit, labels=an.group_labels(res.cutpoint),
                       title=f"{res.marker}: {rule} cut")

    @render.ui
    def marker_error() -> Any:
        res = marker_result()
        return error_box(res) if isinstance(res, MirprogError) else None

    @render.image(delete_file=True)
    def km_plot() -> Any:
        # the live view is SVG drawn without matplotlib (km_svg: the same curves, ticks,
        # numbers at risk and annotation in ~20 ms); downloads are km_plot's figure
        from mirprog.present.km_svg import km_svg

        res = marker_ok()
        path = shared.file("km.svg")

        def draw() -> bytes:
            return km_svg(res.km, test=res.logrank, cox=res.cox,
                          conf_int=bool(input.conf_int()), time_unit=res.cohort.time_unit,
                          labels=an.group_labels(res.cutpoint),
                          title=f"{res.marker}: {rule_label()} cut").encode("utf-8")

        path.write_bytes(pictures.get((res, bool(input.conf_int())), draw))
        return {"src": str(path), "alt": "Kaplan-Meier curves with the number at risk",
                "style": "width: 100%; max-width: 820px; height: auto;"}

    @render.ui
    def marker_stats() -> Any:
        return marker_panel(marker_ok())

    @render.download(filename=lambda: f"km_{input.marker()}.{input.fig_format()}")
    def dl_km() -> Iterator[bytes]:
        yield an.figure_bytes(km_figure(marker_ok()), input.fig_format())

    @render.download(filename=lambda: f"marker_{input.marker()}.csv")
    def dl_marker_csv() -> Iterator[bytes]:
        yield an.table_bytes(marker_frame(marker_ok()), "csv", index=False)
