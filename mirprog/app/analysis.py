"""What the web app computes, as plain functions of the public mirprog API (no shiny here).

Each function takes the uploaded table or a validated cohort and returns mirprog's own
result objects; the page only renders them.  Kept apart from the Shiny server so that
it can be tested, and timed, without a browser.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
from collections.abc import Hashable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.data.reading import read_table
from mirprog.errors import ArgumentError
from mirprog.output import neutralise_cell, write_csv

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from mirprog.factors.cutpoints import Cutpoint
    from mirprog.stats.cox.coxph import CoxResult
    from mirprog.stats.cox.phtest import PHTestResult
    from mirprog.stats.cutpoint_cv import CVCutpointResult
    from mirprog.stats.km import KMResult
    from mirprog.stats.logrank import LogRankResult

__all__ = ["SUFFIXES", "CutRule", "MarkerAnalysis", "analyse_marker", "event_levels",
           "figure_bytes", "group_labels", "make_cohort", "numeric_columns", "p_text",
           "read_upload", "report_items", "rounded", "save_png", "sheet_names", "stage_upload",
           "table_bytes"]

IMAGE_STYLE = "width: 100%; max-width: 980px; height: auto;"
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet")
CutRule = Literal["median", "tertiles", "quartiles", "fixed", "optimal"]


def stage_upload(datapath: str | Path, name: str, folder: str | Path | None = None) -> Path:
    """Copy an uploaded file (Shiny stores it without its name) under its own file name.

    The suffix tells :func:`mirprog.data.reading.read_table` the format.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ArgumentError(f"{name!r}: the app reads {', '.join(SUFFIXES)} files; save the "
                            "table in one of these formats and upload it again.")
    where = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="mirprog-app-"))
    target = where / Path(name).name
    shutil.copyfile(datapath, target)
    return target


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of an Excel workbook (empty for other formats)."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        return []
    with pd.ExcelFile(path) as book:
        return [str(s) for s in book.sheet_names]


def read_upload(path: str | Path, *, sheet: str | int = 0, id: str | None = None) -> pd.DataFrame:
    """The uploaded table, read by mirprog's own reader (its errors name the fix)."""
    return read_table(path, sheet=sheet, id=id)


def numeric_columns(df: pd.DataFrame | pd.Series) -> list[str]:
    """Columns holding numbers (candidate markers), from a table or its ``dtypes``."""
    dtypes = df if isinstance(df, pd.Series) else df.dtypes
    return [str(c) for c, t in dtypes.items() if pd.api.types.is_numeric_dtype(t)
            and not pd.api.types.is_bool_dtype(t)]


def event_levels(df: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of the event column, as text, in natural order (at most 20)."""
    values = df[column].dropna().unique().tolist()
    try:
        values = sorted(values)
    except TypeError:
        values = sorted(values, key=str)
    return [_text(v) for v in values[:20]]


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def make_cohort(df: pd.DataFrame, *, time: str, event: str, id: str | None = None,
                event_value: str | None = None, time_unit: str | None = None) -> Cohort:
    """A validated cohort: ``event_value`` (as text) marks the event, the rest is censored.

    With ``event_value=None`` the event column must already be coded 1/0 (or True/False).
    The typed errors of :class:`mirprog.Cohort` propagate unchanged.
    """
    values: dict[Hashable, int] | None = None
    if event_value is not None and event in df.columns:
        values = {v: int(_text(v) == event_value) for v in df[event].dropna().unique()}
    return Cohort(df, time=time, event=event, id=id or None, event_values=values,
                  time_unit=time_unit or None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GroupTest:
    """The test of the groups the page asks for: :func:`mirprog.logrank`'s weighting (with
    the Fleming-Harrington exponents) and its strata (one column, or none)."""

    weighting: str = "logrank"
    fh_p: float = 0.0
    fh_q: float = 0.0
    strata: str | None = None

    @classmethod
    def of(cls, weighting: str | None, fh_p: Any, fh_q: Any, strata: str | None) -> GroupTest:
        """From the inputs (exponents kept only for Fleming-Harrington, "" strata = none)."""
        fh = weighting == "fleming-harrington"
        return cls(weighting or "logrank", float(fh_p or 0) if fh else 0.0,
                   float(fh_q or 0) if fh else 0.0, strata or None)

    def logrank_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`mirprog.logrank`."""
        return {"weighting": self.weighting, "p": self.fh_p, "q": self.fh_q,
                "strata": self.strata}


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (memo keys)
class MarkerAnalysis:
    """Everything the one-marker view shows, as mirprog's own results."""

    marker: str
    cutpoint: Cutpoint
    cohort: Cohort
    km: KMResult
    logrank: LogRankResult
    cox: CoxResult
    continuous: CoxResult | None
    ph: PHTestResult | None
    optimal: Any = None  # OptimalCutpointResult when rule == "optimal"
    cv: CVCutpointResult | None = None
    notes: tuple[str, ...] = ()  # mirprog's warnings, shown in the page

    @property
    def column(self) -> str:
        """The group column the cut made."""
        return self.cutpoint.column


def analyse_marker(cohort: Cohort, marker: str, rule: CutRule = "median", *,
                   threshold: float | None = None, high: str = "above",
                   ties: str = "breslow", n_perm: int = 1000, seed: int = 1,
                   folds: int = 5, offset: float = 0.0,
                   test: GroupTest | None = None) -> MarkerAnalysis:
    """Cut one marker and run its KM, log-rank, Cox (groups), Cox per doubling and PH test.

    ``rule="optimal"`` also returns :func:`mirprog.optimal_cutpoint` (maximally selected
    log-rank statistic with its corrected p) and :func:`mirprog.cv_optimal_cutpoint`
    (the out-of-fold HR).  ``test``: the groups' test, weighted and/or stratified
    (default the log-rank test); the Cox models stay unstratified.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _analyse(cohort, marker, rule, threshold, high, ties, n_perm, seed, folds, offset,
                       test or GroupTest())
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    return replace(out, notes=notes)


def _analyse(cohort: Cohort, marker: str, rule: CutRule, threshold: float | None, high: str,
             ties: str, n_perm: int, seed: int, folds: int, offset: float,
             test: GroupTest) -> MarkerAnalysis:
    from mirprog.factors.cutpoints import Cutpoints, optimal_cutpoint
    from mirprog.stats.cox.continuous import continuous_cox
    from mirprog.stats.cox.coxph import cox
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.cutpoint_cv import cv_optimal_cutpoint
    from mirprog.stats.km import km
    from mirprog.stats.logrank import logrank

    optimal = cv = None
    if rule == "fixed":
        if threshold is None:
            raise ArgumentError(f"The fixed cut of {marker!r} needs a threshold value.")
        spec = Cutpoints.fit(cohort, [marker], "fixed", thresholds={marker: threshold},
                             high=high)  # type: ignore[arg-type]
    elif rule == "optimal":
        optimal = optimal_cutpoint(cohort, marker, pmethod="Lau92", seed=seed, n_perm=n_perm)
        spec = Cutpoints.fit(cohort, [marker], "fixed", thresholds={marker: optimal.cutpoint},
                             high=high)  # type: ignore[arg-type]
        cv = cv_optimal_cutpoint(cohort, marker, folds=folds, seed=seed,
                                 ties=ties)  # type: ignore[arg-type]
    else:
        spec = Cutpoints.fit(cohort, [marker], rule, high=high)  # type: ignore[arg-type]
    cut = spec.cutpoints[0]
    data = spec.apply(cohort)
    groups = data.column(cut.column).nunique()
    fit = cox(data, cut.column, ties=ties,  # type: ignore[arg-type]
              categorical=[cut.column] if groups > 2 else None)
    cont: CoxResult | None
    try:
        cont = continuous_cox(cohort, marker, ties=ties, offset=offset)  # type: ignore[arg-type]
    except ArgumentError:
        cont = None  # e.g. non-positive values: log2 undefined (the message is shown)
    try:
        ph = ph_test(fit, data)
    except ArgumentError:
        ph = None
    return MarkerAnalysis(marker=marker, cutpoint=cut, cohort=data, km=km(data, by=cut.column),
                          logrank=logrank(data, by=cut.column, **test.logrank_options()),
                          cox=fit, continuous=cont,
                          ph=ph, optimal=optimal, cv=cv)


def group_test_name(test: LogRankResult) -> str:
    """"Log-rank test", or the weighted / stratified test in words ("Peto-Peto, stratified
    by grade")."""
    text = test.method
    return "Log-rank test" if text == "log-rank" else text[0].upper() + text[1:]


def report_items(res: MarkerAnalysis, rule: str) -> list[tuple[str, Any]]:
    """The one-marker view's results as (heading, result) pairs for :func:`mirprog.report`
    (the KM curves followed by their log-rank test, which the report draws on them)."""
    m = res.marker
    items: list[tuple[str, Any]] = [(f"Kaplan–Meier curves: {m}, {rule} cut", res.km),
                                    (f"{group_test_name(res.logrank)}: {m}, {rule} cut",
                                     res.logrank),
                                    (f"Cox model: {m} groups ({rule} cut)", res.cox)]
    if res.continuous is not None:
        items.append((f"Cox model: {m} per doubling", res.continuous))
    if res.ph is not None:
        items.append((f"Proportional hazards: {m} groups", res.ph))
    if res.optimal is not None:
        o = res.optimal
        items.append((f"Optimal cut of {m}", f"Maximally selected log-rank statistic "
                      f"{o.statistic:.3f} at {m} = {o.cutpoint:g}; corrected {p_text(o.p)} "
                      f"({o.pmethod})."))
    if res.cv is not None:
        items.append((f"Out-of-fold HR of the optimal cut of {m} ({res.cv.n_folds}-fold, "
                      f"seed {res.cv.seed})", res.cv.cv_cox))
    items += [(f"Note on {m}", n) for n in res.notes]
    return items


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 150, tight: bool = True,
                 fast: bool = False) -> bytes:
    """A figure as PNG, SVG or PDF bytes (closed afterwards).

    ``fast=True`` (the PNGs the page shows) compresses the PNG less (zlib level 1):
    the same pixels, a file ~10% larger, saved ~10 ms sooner; downloads keep the default.
    """
    import matplotlib.pyplot as plt

    if fmt not in ("png", "svg", "pdf"):
        raise ArgumentError(f"Figures download as png, svg or pdf, not {fmt!r}.")
    buf = io.BytesIO()
    extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 1}} if fast and fmt == "png" \
        else {}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight" if tight else None, **extra)
    plt.close(fig)
    return buf.getvalue()


def save_png(fig: Figure, path: str | Path, *, alt: str, laid_out: bool = False
             ) -> dict[str, str]:
    """A figure saved as PNG (tight box) for ``render.image``, shown at the page's width.

    ``laid_out=True`` (figures whose plotting function already ran the constrained
    layout, as :func:`mirprog.plots.km_plot` does) keeps that layout instead of
    computing it again, and saves the figure as it is: the same picture, drawn once.
    """
    if laid_out:
        fig.set_layout_engine("none")
    Path(path).write_bytes(figure_bytes(fig, "png", dpi=110, tight=not laid_out, fast=True))
    return {"src": str(path), "alt": alt, "style": IMAGE_STYLE}


def group_labels(cut: Cutpoint) -> dict[Hashable, str] | None:
    """Readable KM labels of a two-group cut: ``pgr ≤ 41`` / ``pgr > 41``."""
    if len(cut.thresholds) != 1:
        return None
    t = f"{cut.thresholds[0]:g}"
    low, high = ("≤", ">") if cut.high == "above" else ("<", "≥")
    return {0: f"{cut.marker} {low} {t}", 1: f"{cut.marker} {high} {t}"}


def p_text(p: float) -> str:
    """``p = 0.012`` / ``p = 5.3e-07``: the page shows small p-values as numbers."""
    if p != p:
        return "p = NA"
    return f"p = {p:.2g}" if p < 0.001 else f"p = {p:.3f}"


def rounded(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Floats to ``digits`` significant digits, for display only (downloads keep all)."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [float(f"{v:.{digits}g}") for v in out[col].to_numpy(dtype=float)]
    return out


def table_bytes(frame: pd.DataFrame, fmt: str = "csv", *, index: bool = True) -> bytes:
    """A table as CSV (full precision) or XLSX bytes, text cells neutralised.

    A text cell, label or header starting with ``=``, ``+``, ``-`` or ``@`` gets a ``'``
    in front (:func:`mirprog.output.write_csv`'s rule), in the XLSX file too, so that a
    marker named ``=HYPERLINK(...)`` cannot run as a formula in a spreadsheet.
    """
    if fmt == "csv":
        buf = io.StringIO()
        write_csv(frame, buf, index=index)
        return buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        safe = frame.copy()
        for col in safe.columns:
            if not pd.api.types.is_numeric_dtype(safe[col]):
                safe[col] = safe[col].map(neutralise_cell)
        safe.columns = [neutralise_cell(c) for c in safe.columns]
        safe.index = safe.index.map(neutralise_cell)
        out = io.BytesIO()
        safe.to_excel(out, index=index)
        return out.getvalue()
    raise ArgumentError(f"Tables download as csv or xlsx, not {fmt!r}.")
