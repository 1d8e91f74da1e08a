"""Figures drawn from result objects: Kaplan–Meier curves with a risk table, forest plots.

Plots only read results (:class:`~mirprog.KMResult`, :class:`~mirprog.LogRankResult`,
:class:`~mirprog.CoxResult`, ...); they never fit or test anything.  matplotlib is
imported inside the functions, so ``import mirprog`` does not need it.

Text taken from the data (group labels, terms, titles, units) is drawn literally:
``$`` is escaped for mathtext (:func:`~mirprog.output.escape_mathtext`), so a marker
named ``mir$125b$`` keeps its dollars and ``a\\b`` its backslash.  Without ``ax=``,
the new figure is not kept by pyplot (:func:`~mirprog.output.new_figure`): in Jupyter
it shows once, as the value of the cell (``fig = km_plot(...)`` shows nothing until
``fig`` is the last line); to show it in a window, pass ``ax=`` from ``plt.subplots()``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mirprog.errors import ArgumentError
from mirprog.output import escape_mathtext, new_figure
from mirprog.present.calibration_plots import auc_plot, calibration_plot, roc_plot
from mirprog.present.cif_plots import cif_plot
from mirprog.present.forest_parts import NE as _NE
from mirprog.present.forest_parts import ci_text as _ci_text
from mirprog.present.forest_parts import finite_pos as _finite_pos
from mirprog.present.forest_parts import forest_rows as _forest_rows
from mirprog.present.forest_parts import hr_ticks
from mirprog.present.forest_parts import log_limits as _log_limits
from mirprog.present.km_parts import (
    OKABE_ITO,
    group_label,
    km_annotation,
    km_colours,
    km_curve,
    time_ticks,
)
from mirprog.present.meta_plots import forest_meta_plot
from mirprog.stats.cox.continuous import SplineCoxResult
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.cox.phtest import PHTestResult
from mirprog.stats.factor_table import FactorTableResult as Table3Result
from mirprog.stats.km import KMResult
from mirprog.stats.logrank import LogRankResult
from mirprog.stats.univariate import UnivariateResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["OKABE_ITO", "auc_plot", "calibration_plot", "cif_plot", "forest_meta_plot",
           "forest_plot", "km_plot", "ph_plot", "roc_plot", "spline_plot"]

#: Okabe–Ito colour-blind-safe palette (black last, used for a single curve).
_PH_AXIS_LABEL = {"km": "1 - KM(t-)", "identity": "time", "rank": "rank of time",
                  "log": "log(time)"}
KMScale = Literal["survival", "cumulative_incidence", "cumhaz"]
_KM_SCALES = ("survival", "cumulative_incidence", "cumhaz")
_KM_YLABEL = {"survival": "Survival probability", "cumulative_incidence": "1 − KM",
              "cumhaz": "Cumulative hazard (Nelson–Aalen)"}
_ROW_IN = 0.24      # height of one risk-table / forest row, inches
_CHAR_IN = 0.075    # rough width of one character at the table font size, inches
_FONT = 9


def km_plot(
    km: KMResult,
    *,
    test: LogRankResult | Sequence[LogRankResult] | None = None,
    cox: CoxResult | None = None,
    ax: Axes | None = None,
    conf_int: bool = False,
    risk_table: bool = True,
    time_unit: str | None = None,
    labels: Mapping[Hashable, str] | None = None,
    title: str | None = None,
    risk_times: Sequence[float] | None = None,
    scale: KMScale = "survival",
    censor_ticks: bool = True,
) -> Figure:
    """Kaplan–Meier curves with censoring ticks, a number-at-risk table and test annotations.

    Parameters
    ----------
    km : KMResult
        The curves (one per group, or one overall curve).
    test : LogRankResult or sequence of LogRankResult, optional
        Annotated as ``"Log-rank p = 0.009"`` (``"Log-rank trend p = ..."`` for a
        trend test); pass ``[res.logrank, res.trend]`` to show both.
    cox : CoxResult, optional
        Its first term is annotated as ``"HR 6.90 (1.35–35.26)"`` (``"HR not
        estimable"`` when its likelihood is monotone).
    ax : matplotlib.axes.Axes, optional
        Draw into this axis; the risk table then goes into an inset axis below it
        (save with ``bbox_inches="tight"`` to keep it).  Default: a new figure
        (not kept by pyplot; see the module notes).
    conf_int : bool, default False
        Shade the pointwise confidence band stored in ``km.table``.
    risk_table : bool, default True
        Number at risk per group under the x axis, at the x ticks.
    time_unit : str, optional
        The x label becomes ``"Time (<time_unit>)"``.
    labels : mapping, optional
        Group value -> display name, e.g. ``{0: "miR-125b low", 1: "miR-125b high"}``;
        default ``"<by>=<value>"`` (``"All patients"`` for one overall curve).
    title : str, optional
    risk_times : sequence of float, optional
        Times of the x ticks and risk-table columns; default: automatic ticks.
    scale : {"survival", "cumulative_incidence", "cumhaz"}, default "survival"
        The y axis: S(t); ``1 - S(t)`` (labelled "1 − KM": the cumulative incidence
        only without competing risks, where 1 − KM overstates it); or the
        Nelson–Aalen cumulative hazard (``km.table["cumhaz"]``; no band, so not with
        ``conf_int``).
    censor_ticks : bool, default True
        Mark censoring times on the curves.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot (``ax.figure`` when ``ax`` is given).

    Notes
    -----
    The number at risk at time t is read from ``km.table``: the ``n_at_risk`` of
    the group's first distinct time >= t, and 0 beyond its last follow-up
    (:meth:`KMResult.at`), as in survminer's risk table.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fig = mp.plots.km_plot(mp.km(gbsg, by="horTh"), test=mp.logrank(gbsg, by="horTh"),
    ...                        time_unit="days", labels={"no": "No tamoxifen",
    ...                                                  "yes": "Tamoxifen"})
    >>> len(fig.axes)  # curves and risk table
    2
    >>> fig.axes[0].get_legend().get_title().get_text()
    'Log-rank p = 0.003'
    >>> plt.close(fig)
    """
    groups = list(km.groups)
    names = [escape_mathtext(group_label(km, g, labels)) for g in groups]
    colours = km_colours(len(groups))
    _check_scale(scale, conf_int)
    curves = {g: km_curve(km, g, scale) for g in groups}
    tests = [] if test is None else [test] if isinstance(test, LogRankResult) else list(test)
    for t in tests:
        if km.by is not None and t.by != km.by:
            raise ValueError(f"The log-rank test is by {t.by!r} but the curves are by "
                             f"{km.by!r}; pass the test of the same grouping.")
    own_figure = ax is None
    ax, risk_ax = _km_axes(ax, len(groups), risk_table)

    tmax = float(km.table["time"].max())
    for g, name, colour in zip(groups, names, colours, strict=True):
        _draw_curve(ax, km, g, curves[g], name, colour, conf_int, censor_ticks)
    ticks = time_ticks(tmax, risk_times)
    ax.set_xlim(0.0, max(tmax * 1.03, float(ticks[-1])))
    ax.set_xticks(ticks)
    top = 1.03 if scale != "cumhaz" else 1.05 * max(
        float(np.nanmax(c["y"])) for c in curves.values()) or 1.0
    ax.set_ylim(0.0, top)
    ax.set_ylabel(_KM_YLABEL[scale])
    ax.set_xlabel(escape_mathtext(f"Time ({time_unit})") if time_unit else "Time")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(escape_mathtext(title), loc="left")
    if risk_ax is not None:
        _draw_risk_table(risk_ax, km, ticks, names, colours)
    style: dict[str, Any] = {"title": km_annotation(tests, cox), "fontsize": _FONT,
                             "title_fontsize": _FONT, "alignment": "left", "framealpha": 0.85,
                             "edgecolor": "none"}
    _place_legend(ax, curves, style, conf_int, own_figure)
    return _root(ax)


def _check_scale(scale: str, conf_int: bool) -> None:
    if scale not in _KM_SCALES:
        raise ArgumentError(f"scale must be one of {', '.join(map(repr, _KM_SCALES))}, got "
                            f"{scale!r}.", argument="scale")
    if scale == "cumhaz" and conf_int:
        raise ArgumentError("conf_int=True has no band on the cumulative-hazard scale (km.table "
                            "holds cumhaz_se, not limits); use scale='survival' or "
                            "'cumulative_incidence' for a band, or conf_int=False.",
                            argument="conf_int")


def _place_legend(ax: Axes, curves: Mapping[Any, pd.DataFrame], style: dict[str, Any],
                  conf_int: bool, own_figure: bool) -> None:
    """Measure the legend once laid out, then put it in a corner no curve crosses.

    On its own figure only the constrained layout runs (the axes' final size), not a
    whole draw: the legend is measured with the canvas' renderer, and the figure is
    returned laid out, so saving it with the layout engine off draws it only once
    (the web app's way; the picture is the same).
    """
    legend = ax.legend(loc="lower left", **style)
    fig = _root(ax)
    engine = fig.get_layout_engine()
    if own_figure and engine is not None:
        engine.execute(fig)
    else:
        fig.draw_without_rendering()  # the caller's figure: its own layout, whatever it is
    renderer = fig._get_renderer()  # type: ignore[attr-defined]  # what the layout uses
    size = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted())
    loc, clash = _legend_loc(ax, curves, size.x1 + 0.01, size.y1 + 0.01, conf_int)
    if clash and own_figure:  # no free corner: widen the figure, legend right of the plot
        fig.set_figwidth(7.0 + legend.get_window_extent(renderer).width / fig.dpi)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, **style)
        if engine is not None:
            engine.execute(fig)  # the wider figure, laid out again
    else:
        ax.legend(**style, **{"loc": loc, "frameon": clash})  # white box if crowded (ax=)


def _km_axes(ax: Axes | None, n_groups: int, risk_table: bool) -> tuple[Axes, Axes | None]:
    """The curve axis and the risk-table axis (None without one): a new figure, or in ``ax``."""
    risk_ax = None
    if ax is None:
        height = 4.2 + (_ROW_IN * (n_groups + 1.5) if risk_table else 0.0)
        fig = new_figure(figsize=(7.0, height), layout="constrained")
        if risk_table:
            gs = fig.add_gridspec(2, 1, height_ratios=[4.2, _ROW_IN * (n_groups + 1.5)])
            ax = fig.add_subplot(gs[0])
            risk_ax = fig.add_subplot(gs[1], sharex=ax)
        else:
            ax = fig.add_subplot()
    elif risk_table:
        ax_h = ax.get_position().height * _root(ax).get_figheight()
        h = _ROW_IN * (n_groups + 1) / ax_h
        risk_ax = ax.inset_axes((0.0, -0.62 / ax_h - h, 1.0, h), sharex=ax)
    return ax, risk_ax


def _root(ax: Axes) -> Figure:
    """The figure to save: the root figure, also for an axis inside a SubFigure."""
    return ax.figure.figure


def _draw_curve(ax: Axes, km: KMResult, group: Any, curve: pd.DataFrame, name: str,
                colour: str, conf_int: bool, censor_ticks: bool) -> None:
    n, events = (int(v) for v in km.median.loc[group, ["n", "events"]])
    x = curve["time"].to_numpy(float)
    ax.step(x, curve["y"], where="post", color=colour, lw=1.6,
            label=f"{name} (n={n}, events={events})")
    if censor_ticks:
        cens = curve[curve["censored"]]
        ax.plot(cens["time"], cens["y"], ls="none", marker="|", ms=6, mew=1.0, color=colour)
    if conf_int:
        ax.fill_between(x, curve["lo"], curve["hi"], step="post", color=colour, alpha=0.18,
                        lw=0)


def _legend_loc(ax: Axes, curves: Mapping[Any, pd.DataFrame], w: float, h: float,
                conf_int: bool) -> tuple[str, bool]:
    """The first corner where no curve (or band) crosses a w x h box (axes fraction).

    Else the least crowded corner.  Layout only: a monotone step curve crosses
    the box's x span between its values at both ends, read from the plotted curves.
    """
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    boxes = {"lower left": (0.0, w, 0.0, h), "upper right": (1 - w, 1.0, 1 - h, 1.0),
             "lower right": (1 - w, 1.0, 0.0, h), "upper center": (0.5 - w / 2, 0.5 + w / 2,
                                                                   1 - h, 1.0)}
    cols = ["lo", "hi"] if conf_int else ["y"]
    crossings = {}
    for loc, (bx0, bx1, by0, by1) in boxes.items():
        x0, x1 = x_lo + bx0 * (x_hi - x_lo), x_lo + bx1 * (x_hi - x_lo)
        y0, y1 = y_lo + by0 * (y_hi - y_lo), y_lo + by1 * (y_hi - y_lo)
        crossings[loc] = 0
        for tab in curves.values():
            t = tab["time"].to_numpy(float)
            if t[-1] < x0:
                continue
            before = tab[t <= x0]
            inside = tab[(t > x0) & (t <= x1)][cols].to_numpy(float)
            start = (before if len(before) else tab)[cols].to_numpy(float)[
                -1 if len(before) else 0]
            ys = np.concatenate([start, inside.ravel()])
            ys = ys[np.isfinite(ys)]
            crossings[loc] += bool(ys.size and ys.min() <= y1 and ys.max() >= y0)
    best = min(crossings, key=lambda k: crossings[k])  # dicts keep order: first wins ties
    return best, crossings[best] > 0


def _draw_risk_table(risk_ax: Axes, km: KMResult, ticks: np.ndarray, names: list[str],
                     colours: list[str]) -> None:
    at = km.at(ticks.tolist())  # reads km.table: n_at_risk of the first time >= t, 0 after the last
    for row, g in enumerate(km.groups):
        counts = at.loc[at["group"] == g, "n_at_risk"].to_numpy()
        for t, n in zip(ticks, counts, strict=True):
            risk_ax.text(t, row, f"{int(n)}", ha="center", va="center", fontsize=_FONT,
                         color=colours[row])
    risk_ax.set_ylim(len(names) - 0.5, -0.5)
    risk_ax.set_yticks(range(len(names)), names, fontsize=_FONT)
    for tick_label, colour in zip(risk_ax.get_yticklabels(), colours, strict=True):
        tick_label.set_color(colour)
    # pad the group names clear of the counts centred on t = 0
    half = 0.5 * _CHAR_IN * 72 * len(str(int(at["n_at_risk"].max())))
    risk_ax.tick_params(axis="y", length=0, pad=half + 6)
    risk_ax.tick_params(axis="x", length=0, labelbottom=False)
    risk_ax.spines[:].set_visible(False)
    risk_ax.set_title("Number at risk", loc="left", fontsize=_FONT, fontweight="bold")


# ----------------------------------------------------------------------------- forest plot

def _draw_estimate(ax: Axes, y: float, hr: float, lo: float, hi: float, note: str,
                   colour: str, marker: str, xlim: tuple[float, float]) -> None:
    arrow = {"arrowstyle": "-|>", "color": colour, "lw": 1.2, "mutation_scale": 9}
    if note or not _finite_pos(hr):
        if note == _NE and _finite_pos(hr):  # estimate drifting to 0 or infinity
            edge = xlim[1] if hr > 1 else xlim[0]
            ax.annotate("", xy=(edge, y), xytext=(1.0, y), arrowprops={**arrow, "ls": "--"})
        return
    clipped = False
    for limit, edge in ((hi, xlim[1]), (lo, xlim[0])):
        if _finite_pos(limit) and xlim[0] <= limit <= xlim[1]:
            ax.plot([hr, limit], [y, y], color=colour, lw=1.2, solid_capstyle="butt")
        else:  # infinite, zero or beyond the axis: an arrow to the edge
            clipped = True
            ax.annotate("", xy=(edge, y), xytext=(hr, y), arrowprops=arrow)
    ax.plot([hr], [y], ls="none", marker=marker, ms=6.5, color=colour,
            mfc="white" if clipped else colour, zorder=3)


def _col_width(header: str, cells: list[str]) -> float:
    return _CHAR_IN * max(len(header), *(len(c) for c in cells)) + 0.15


def _text_columns(ax: Axes, columns: list[tuple[str, list[str], str, str]], nrows: int) -> None:
    """Write (header, cells, align, colour) columns side by side, x in inches."""
    x = 0.0
    for header, cells, align, colour in columns:
        width = _col_width(header, cells)
        xpos = x if align == "left" else x + width - 0.15
        ax.text(xpos, -1, header, ha=align, va="center", fontsize=_FONT, fontweight="bold",
                color=colour)
        for i, cell in enumerate(cells):
            ax.text(xpos, i, cell, ha=align, va="center", fontsize=_FONT, color=colour)
        x += width
    ax.set_xlim(0.0, x)
    ax.set_ylim(nrows - 0.5, -1.6)
    ax.axis("off")


def forest_plot(
    result: CoxResult | UnivariateResult | Table3Result,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Hazard ratios with 95% CIs on a log axis, one row per term, with n, events, HR and p.

    Parameters
    ----------
    result : CoxResult, UnivariateResult or Table3Result
        A Table 3 shows univariate (circles) and multivariate (squares) estimates
        side by side; factors removed by selection or not entered read
        ``removed`` / ``ND``.
    ax : matplotlib.axes.Axes, optional
        Axis for the estimates; the text columns go into inset axes to its left
        and right (save with ``bbox_inches="tight"``).  Default: a new figure
        (not kept by pyplot; see the module notes).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Nothing is dropped: a term with a monotone likelihood (no events in a
    group) reads "not estimable" with a dashed arrow towards its drifting
    estimate; an infinite or off-scale confidence limit is an arrow to the
    axis edge with an open marker.  For a :class:`~mirprog.CoxResult`, n and
    events are the model's.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fig = mp.plots.forest_plot(mp.cox(gbsg, ["horTh", "tgrade", "pnodes"]))
    >>> len(fig.axes)  # labels, estimates, HR text
    3
    >>> plt.close(fig)
    """
    rows, prefixes = _forest_rows(result)
    m = len(rows)
    series = ([("HR (95% CI)", OKABE_ITO[-1], "o")] if len(prefixes) == 1 else
              [("Univariate HR (95% CI)", OKABE_ITO[0], "o"),
               ("Multivariate HR (95% CI)", OKABE_ITO[1], "s")])
    left = [("Factor", [escape_mathtext(v) for v in rows["label"]], "left", "black"),
            ("n", [f"{int(v)}" for v in rows["n"]], "right", "black"),
            ("Events", [f"{int(v)}" for v in rows["events"]], "right", "black")]
    right = []
    for pre, (head, colour, _marker) in zip(prefixes, series, strict=True):
        texts = [_ci_text(r, pre) for _, r in rows.iterrows()]
        right += [(head, [t[0] for t in texts], "left", colour),
                  ("p", [t[1] for t in texts], "right", colour)]
    widths = [sum(_col_width(h, cells) for h, cells, _, _ in cols) for cols in (left, right)]
    height = _ROW_IN * 1.25 * (m + 1.6) + 0.7
    if ax is None:
        fig = new_figure(figsize=(widths[0] + 3.0 + widths[1] + 0.3, height),
                         layout="constrained")
        gs = fig.add_gridspec(1, 3, width_ratios=[widths[0], 3.0, widths[1]], wspace=0.0)
        left_ax = fig.add_subplot(gs[0])  # fig.axes: text, estimates, text
        ax = fig.add_subplot(gs[1], sharey=left_ax)
        right_ax = fig.add_subplot(gs[2], sharey=left_ax)
        if title:
            fig.suptitle(escape_mathtext(title))
    else:
        ax_w = ax.get_position().width * _root(ax).get_figwidth()
        gap = 0.1 / ax_w
        left_ax = ax.inset_axes((-widths[0] / ax_w - gap, 0, widths[0] / ax_w, 1), sharey=ax)
        right_ax = ax.inset_axes((1.0 + gap, 0, widths[1] / ax_w, 1), sharey=ax)
        if title:
            ax.set_title(escape_mathtext(title))
    _text_columns(left_ax, left, m)
    _text_columns(right_ax, right, m)

    xlim = _log_limits(rows, prefixes)
    ax.set_xscale("log")
    ax.set_xlim(*xlim)
    offsets = [0.0] if len(prefixes) == 1 else [-0.17, 0.17]
    for pre, (head, colour, marker), dy in zip(prefixes, series, offsets, strict=True):
        for i, (_, r) in enumerate(rows.iterrows()):
            _draw_estimate(ax, i + dy, r[f"{pre}hr"], r[f"{pre}lo"], r[f"{pre}hi"],
                           r[f"{pre}note"], colour, marker, xlim)
        if len(prefixes) > 1:
            ax.plot([], [], ls="none", marker=marker, color=colour, label=head.split()[0])
    _hr_axis(ax, m, xlim, legend=len(prefixes) > 1)
    return _root(ax)


def _hr_axis(ax: Axes, m: int, xlim: tuple[float, float], *, legend: bool) -> None:
    """The forest plot's estimate axis: the HR = 1 line, 1-2-5 log ticks, the legend."""
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    ax.plot([1.0, 1.0], [-0.6, m - 0.5], color="0.45", lw=0.8, ls="--", zorder=0)
    ax.xaxis.set_major_locator(FixedLocator(hr_ticks(xlim).tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.set_xlabel("Hazard ratio (95% CI, log scale)", fontsize=_FONT)
    ax.tick_params(axis="x", labelsize=_FONT)
    ax.set_yticks([])
    ax.set_ylim(m - 0.5, -1.6)
    ax.spines[["top", "right", "left"]].set_visible(False)
    if legend:
        ax.legend(loc="upper center", ncol=2, fontsize=_FONT - 1, frameon=False,
                  borderaxespad=0.1, handletextpad=0.2, columnspacing=1.0)


def spline_plot(result: SplineCoxResult, *, ax: Axes | None = None) -> Figure:
    """Log relative hazard of a spline fit over the marker, with its pointwise CI band.

    Reads the result only.  The x axis is the transformed marker (e.g.
    ``log2(progrec + 1)``); dotted lines mark the reference value and the
    knots, ticks at the bottom the observed values; the title gives the
    non-linearity test.  Draws into ``ax`` (default: a new figure); returns the Figure.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import mirprog as mp
    >>> fig = mp.plots.spline_plot(mp.spline_cox(mp.datasets.load_gbsg2(), "progrec", offset=1))
    >>> plt.close(fig)
    """
    from mirprog.output import escape_mathtext, new_figure

    if ax is None:
        ax = new_figure(figsize=(6.0, 4.0), layout="constrained").add_subplot()
    c = result.curve
    ax.fill_between(c["x"], c["ci_lower"], c["ci_upper"], color="#0072B2", alpha=0.2, lw=0,
                    label=f"{result.conf_level:.0%} CI")
    ax.plot(c["x"], c["log_hr"], color="#0072B2", lw=1.8, label="spline")
    ax.axhline(0.0, color="#000000", lw=0.8)
    ax.axvline(result.reference_x,
               color="#000000", ls=":", lw=0.8)
    for k in result.knots:
        ax.axvline(k, color="#999999", ls=":", lw=0.6)
    ax.plot(result.observed, np.zeros_like(result.observed), "|", color="#000000", alpha=0.3,
            ms=6, transform=ax.get_xaxis_transform())
    ax.set_xlabel(escape_mathtext(result.term))
    ax.set_ylabel(escape_mathtext(f"log relative hazard vs {result.marker} = {result.reference:g}"))
    ax.set_title(f"non-linearity: LR chi2 = {result.nonlinear_chi2:.2f}, "
                 f"df = {result.nonlinear_df}, p = {result.nonlinear_p:.3g}")
    ax.legend(frameon=False, fontsize=8)
    return ax.figure.figure


def ph_plot(result: PHTestResult, term: str, *, ax: Axes | None = None, df: int = 4,
            residuals: bool = True) -> Figure:
    """Scaled Schoenfeld residuals of ``term`` and its smoothed ``beta(t)``, as R
    ``plot(cox.zph(fit))``.

    Draws the residuals, the fitted coefficient (flat line: proportional hazards) and
    the natural-spline smooth with its ±2 SE band computed by
    :meth:`PHTestResult.smooth`; the title gives the term's test.  Reads the result only.

    Parameters
    ----------
    result : PHTestResult
    term : str
        A model term (a column of ``result.residuals``).
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.
    df : int, default 4
        Degrees of freedom of the smooth (R's ``df``).
    residuals : bool, default True
        Draw the residuals (R ``resid=``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
    >>> fig = mp.ph_plot(ph, "age")
    >>> plt.close(fig)
    """
    from mirprog.output import escape_mathtext, new_figure

    band = result.smooth(term, df=df)
    if ax is None:
        ax = new_figure(figsize=(6.0, 4.0), layout="constrained").add_subplot()
    if residuals:
        y = result.residuals[term].to_numpy(float)
        ax.scatter(result.x, y, s=9, color="#0072B2", alpha=0.4, lw=0,
                   label="scaled residual")
    ax.axhline(float(result.coef[term]), color="#000000", ls="--", lw=1,
               label="coefficient (proportional hazards)")
    ax.fill_between(band["x"], band["lower"], band["upper"], color="#D55E00", alpha=0.18,
                    lw=0, label="±2 SE band")
    ax.plot(band["x"], band["beta"], color="#D55E00", lw=1.8,
            label=f"smoothed beta(t) (spline, df={df})")
    if not residuals:
        lo, hi = float(band["lower"].min()), float(band["upper"].max())
        pad = 0.05 * (hi - lo)
        ax.set_ylim(min(lo, float(result.coef[term])) - pad,
                    max(hi, float(result.coef[term])) + pad)
    ax.set_xlabel(_PH_AXIS_LABEL.get(result.transform, result.transform))
    ax.set_ylabel(escape_mathtext(f"beta(t) for {term}"))
    if term in result.table.index:
        row = result.table.loc[term]
        ax.set_title(escape_mathtext(f"{term}: chi2 = {row['chi2']:.2f}, p = {row['p']:.3g}"))
    ax.legend(frameon=False, fontsize=8)
    return ax.figure.figure
