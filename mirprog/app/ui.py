"""The page of the web app: five views, from the uploaded file to what you take home.

Every asset (Bootstrap, jQuery, Shiny's scripts) is served by the local server from the
installed ``shiny`` package; nothing is loaded from the internet.
"""

from __future__ import annotations

from typing import Any

from shiny import ui

__all__ = ["app_ui"]

UNITS = {"": "(not given)", "days": "days", "weeks": "weeks", "months": "months",
         "years": "years"}
RULES = {"median": "Median", "tertiles": "Tertiles", "quartiles": "Quartiles",
         "fixed": "Fixed value", "optimal": "Optimal (corrected p, out-of-fold HR)"}
TESTS = {"logrank": "Log-rank", "gehan": "Gehan-Breslow (weights n at risk)",
         "tarone-ware": "Tarone-Ware (weights sqrt n)", "peto-peto": "Peto-Peto",
         "modified-peto-peto": "Modified Peto-Peto",
         "fleming-harrington": "Fleming-Harrington (p, q)"}
FIGURE_FORMATS = ["png", "svg", "pdf"]
CSS = """
html { overflow-y: scroll; }  /* a scrollbar appearing would resize, so redraw, every plot */
.mp-error .mp-msg { white-space: pre-wrap; }
#screen_table td { white-space: nowrap; }
.mp-num { font-variant-numeric: tabular-nums; }
.mp-stats td, .mp-stats th { padding: 2px 10px 2px 0; }
.mp-volcano svg { width: 100%; height: auto; }
.mp-figure svg { max-width: 100%; height: auto; }
"""


def _data_view() -> Any:
    return ui.nav_panel(
        "Data",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_file("upload", "Cohort file (CSV, TSV, Excel, Parquet)",
                              accept=[".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls",
                                      ".parquet"]),
                ui.input_select("sheet", "Excel sheet", choices=[]),
                ui.input_select("time", "Follow-up time", choices=[]),
                ui.input_select("unit", "Time unit", choices=UNITS),
                ui.input_select("event", "Event column", choices=[]),
                ui.input_select("event_value", "Value that means an event", choices=[]),
                ui.input_select("id", "Patient id (optional)", choices=[]),
                ui.input_selectize("markers", "Markers (continuous)", choices=[],
                                   multiple=True),
                ui.input_selectize("clinical", "Clinical factors", choices=[], multiple=True),
                width=340,
            ),
            ui.output_ui("cohort_status"),
            ui.h5("Rows left out of the analysis (exclusion ledger)"),
            ui.output_ui("ledger_note"),
            ui.output_data_frame("ledger"),
            ui.h5("The table as read"),
            ui.output_data_frame("preview"),
        ),
    )


def _marker_view() -> Any:
    return ui.nav_panel(
        "One marker",
        ui.layout_sidebar(
            ui.sidebar(
                ui.input_select("marker", "Marker", choices=[]),
                ui.input_radio_buttons("rule", "Cut rule", choices=RULES, selected="median"),
                ui.panel_conditional("input.rule === 'fixed'",
                                     ui.input_numeric("threshold", "High = value above",
                                                      value=0)),
                ui.input_numeric("offset", "Offset for log2 (continuous HR)", value=0, min=0),
                ui.input_checkbox("conf_int", "Confidence bands", value=False),
                ui.input_select("lr_test", "Test of the groups", choices=TESTS,
                                selected="logrank"),
                ui.panel_conditional(
                    "input.lr_test === 'fleming-harrington'",
                    ui.layout_columns(ui.input_numeric("fh_p", "p: S(t-)^p", value=0, min=0),
                                      ui.input_numeric("fh_q", "q: (1-S(t-))^q", value=1,
                                                       min=0))),
                ui.input_select("lr_strata", "Stratify the test by", choices={"": "(none)"}),
                ui.h6("Download"),
                ui.input_select("fig_format", None, choices=FIGURE_FORMATS),
                ui.download_button("dl_km", "KM figure"),
                ui.download_button("dl_marker_csv", "Numbers (CSV)"),
                width=300,
            ),
            ui.output_ui("marker_error"),
            ui.output_image("km_plot", height="auto"),
            ui.output_ui("marker_stats"),
        ),
    )


def _study_view() -> Any:
    return ui.nav_panel(
        "Study",
        ui.layout_sidebar(
            ui.sidebar(
                ui.p("The One marker view's marker (by its cut rule) and the markers chosen "
                     "(split at the median), as the session's study file has them; clinical "
                     "factors are used as they are (text columns are categorical)."),
                ui.input_numeric("p_remove", "Backward selection: remove if p >", value=0.1,
                                 min=0.001, max=1, step=0.01),
                ui.input_selectize("combined", "Combined risk groups / model comparison: "
                                   "factors", choices=[], multiple=True),
                ui.input_select("subgroup_by", "Subgroups: levels of", choices=[]),
                ui.input_select("table_format", "Tables as", choices=["csv", "xlsx"]),
                ui.download_button("dl_table3", "Table (uni/multivariate)"),
                ui.download_button("dl_comparison", "Model comparison table"),
                ui.download_button("dl_subgroups", "Subgroup table"),
                ui.input_select("study_fig_format", "Figures as", choices=FIGURE_FORMATS),
                ui.download_button("dl_forest", "Forest figure"),
                ui.download_button("dl_risk_km", "Risk groups KM figure"),
                width=320,
            ),
            ui.output_ui("study_error"),
            ui.h5("Univariate and multivariate Cox (backward selection)"),
            ui.output_ui("table3"),
            ui.output_ui("forest"),
            ui.h5("Combined risk groups and model comparison"),
            ui.output_ui("combined_out"),
            ui.output_image("risk_km", height="auto"),
            ui.h5("Subgroups (with interaction p)"),
            ui.output_ui("subgroups"),
        ),
    )


def _screen_view() -> Any:
    return ui.nav_panel(
        "Screen",
        ui.layout_sidebar(
            ui.sidebar(
                ui.p("Every marker (the markers chosen, or every numeric column that is not "
                     "a role), median split, log-rank and Cox, Benjamini-Hochberg FDR."),
                ui.input_action_button("run_screen", "Run the screen", class_="btn-primary"),
                ui.input_select("screen_table_format", "Table as", choices=["csv", "xlsx"]),
                ui.download_button("dl_screen", "Screen table"),
                ui.input_select("screen_fig_format", "Figure as", choices=FIGURE_FORMATS),
                ui.download_button("dl_volcano", "Volcano figure"),
                ui.p("Click a point of the volcano or a row of the table to open that "
                     "marker's KM."),
                width=300,
            ),
            ui.output_ui("screen_status"),
            ui.output_ui("volcano"),
            ui.output_data_frame("screen_table"),
        ),
    )


def _home_view() -> Any:
    return ui.nav_panel(
        "Take home",
        ui.layout_columns(
            ui.card(
                ui.card_header("HTML report and study file"),
                ui.p("The report holds what this session has shown: the marker's KM, "
                     "log-rank and Cox models, the study table, the combined groups, the "
                     "subgroups and the screen, each with the rows it used. The study file "
                     "(TOML) reproduces the session from the command line: put it beside "
                     "the data file and run `mirprog study mirprog-study.toml`."),
                ui.output_ui("report_status"),
                ui.download_button("dl_report", "Download the report (HTML)"),
                ui.download_button("dl_study", "Download the study file (TOML)"),
            ),
            ui.card(
                ui.card_header("Frozen prognostic model (JSON)"),
                ui.p("Cox model of the markers (median split) and clinical factors chosen on "
                     "the Data view; score new patients with `mirprog score`."),
                ui.output_ui("model_status"),
                ui.download_button("dl_model", "Download the model (JSON)"),
            ),
        ),
    )


def app_ui() -> Any:
    """The page (a Shiny UI object)."""
    return ui.page_navbar(
        _data_view(), _marker_view(), _study_view(), _screen_view(), _home_view(),
        id="tabs", title="mirprog", window_title="mirprog",
        header=ui.head_content(ui.tags.style(CSS),
                               ui.tags.link(rel="icon", href="data:,")),
        footer=ui.div(ui.tags.small("Runs on this computer only: the data never leave it."),
                      class_="text-muted px-3 pb-2"),
    )
