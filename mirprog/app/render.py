"""HTML pieces of the one-marker view, built from mirprog's results (nothing computed here)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from shiny import ui

from mirprog.app.analysis import MarkerAnalysis, group_test_name, p_text
from mirprog.present.format import format_ci

__all__ = ["error_box", "frame_html", "marker_frame", "marker_panel"]


def error_box(exc: BaseException) -> Any:
    """A mirprog error as a red box in the page (the message names the rows and the fix)."""
    return ui.div(ui.strong(type(exc).__name__ + ": "), ui.span(str(exc), class_="mp-msg"),
                  class_="alert alert-danger mp-error", role="alert")


def _num(value: float, ident: str, text: str) -> Any:
    return ui.span(text, id=ident, class_="mp-num", **{"data-value": repr(float(value))})


def _row(label: str, *cells: Any) -> Any:
    return ui.tags.tr(ui.tags.th(label), *(ui.tags.td(c) for c in cells))


def frame_html(frame: pd.DataFrame, ident: str, *, index: bool = False) -> Any:
    """A formatted table as a Bootstrap HTML table."""
    html = frame.to_html(index=index, na_rep="", classes="table table-sm table-striped",
                         table_id=ident, border=0, escape=True, justify="left")
    return ui.HTML(html)


def marker_panel(res: MarkerAnalysis) -> Any:
    """Log-rank, Cox HR (CI), HR per doubling, PH test, optimal cut; ledger and notes."""
    cut, lr, fit = res.cutpoint, res.logrank, res.cox
    rows = [
        _row("Cut", f"{cut.rule}: high = {res.marker} {'>' if cut.high == 'above' else '≥'} "
             + " / ".join(f"{t:g}" for t in cut.thresholds),
             "groups " + " / ".join(str(g) for g in cut.group_sizes)),
        _row("Patients / events", _num(lr.n, "n-used", str(lr.n)),
             _num(lr.events, "n-events", str(lr.events))),
        _row(group_test_name(lr).removesuffix(" test"),
             _num(lr.chi2, "logrank-chi2", f"χ² {lr.chi2:.2f} on {lr.df} df"),
             _num(lr.p, "logrank-p", p_text(lr.p))),
    ]
    s = fit.summary
    for i, (term, r) in enumerate(s.iterrows()):
        suffix = "" if i == 0 else f"-{i}"
        rows.append(_row(f"Cox HR {term}",
                         _num(r["hr"], "cox-hr" + suffix,
                              format_ci(r["hr"], r["ci_lower"], r["ci_upper"])),
                         _num(r["p"], "cox-p" + suffix, p_text(r['p']))))
    if res.continuous is not None:
        c = res.continuous.summary.iloc[0]
        rows.append(_row(f"Continuous, per doubling ({res.continuous.summary.index[0]})",
                         _num(c["hr"], "cont-hr", format_ci(c["hr"], c["ci_lower"],
                                                            c["ci_upper"])),
                         _num(c["p"], "cont-p", p_text(c['p']))))
    if res.ph is not None:
        chi2, df, p = map(float, res.ph.table.loc["GLOBAL", ["chi2", "df", "p"]].to_numpy(float))
        rows.append(_row("Proportional hazards (Schoenfeld, KM time)",
                         f"χ² {chi2:.2f} on {int(df)} df", _num(p, "ph-p", p_text(p))))
    if res.optimal is not None:
        o = res.optimal
        rows.append(_row("Optimal cut (maximally selected log-rank)",
                         _num(o.cutpoint, "opt-cut", f"cut {o.cutpoint:g}, "
                              f"statistic {o.statistic:.3f}"),
                         _num(o.p, "opt-p", f"corrected {p_text(o.p)} ({o.pmethod})")))
    if res.cv is not None:
        cv = res.cv.cv_cox.summary.iloc[0]
        rows.append(_row(f"Out-of-fold HR ({res.cv.n_folds}-fold, seed {res.cv.seed})",
                         _num(cv["hr"], "cv-hr", format_ci(cv["hr"], cv["ci_lower"],
                                                           cv["ci_upper"])),
                         _num(cv["p"], "cv-p", p_text(cv['p']))))
    parts = [ui.tags.table(*rows, class_="mp-stats", id="marker-stats")]
    parts.append(ui.p(ui.strong("Exclusion ledger: "), lr.excluded.summary(), id="marker-ledger"))
    if res.continuous is not None and len(res.continuous.excluded):
        parts.append(ui.p("Continuous model: " + res.continuous.excluded.summary()))
    parts += [ui.div(n, class_="alert alert-warning py-1") for n in res.notes]
    return ui.div(*parts)


def marker_frame(res: MarkerAnalysis) -> pd.DataFrame:
    """The numbers of the one-marker view in full precision, one row per statistic."""
    rows: list[dict[str, Any]] = [
        {"statistic": "logrank_chi2", "term": res.column, "value": res.logrank.chi2,
         "ci_lower": None, "ci_upper": None, "p": res.logrank.p}]
    for term, r in res.cox.summary.iterrows():
        rows.append({"statistic": "cox_hr", "term": term, "value": r["hr"],
                     "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "p": r["p"]})
    if res.continuous is not None:
        for term, r in res.continuous.summary.iterrows():
            rows.append({"statistic": "cox_hr_per_doubling", "term": term, "value": r["hr"],
                         "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "p": r["p"]})
    if res.ph is not None:
        g = res.ph.table.loc["GLOBAL"]
        rows.append({"statistic": "ph_test_chi2", "term": "GLOBAL", "value": g["chi2"],
                     "ci_lower": None, "ci_upper": None, "p": g["p"]})
    if res.optimal is not None:
        rows.append({"statistic": "optimal_cutpoint", "term": res.marker,
                     "value": res.optimal.cutpoint, "ci_lower": None, "ci_upper": None,
                     "p": res.optimal.p})
    if res.cv is not None:
        for term, r in res.cv.cv_cox.summary.iterrows():
            rows.append({"statistic": "cv_cox_hr", "term": term, "value": r["hr"],
                         "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "p": r["p"]})
    return pd.DataFrame(rows)
