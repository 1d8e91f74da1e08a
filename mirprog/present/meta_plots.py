"""The forest plot of a meta-analysis (:class:`~mirprog.results.MetaAnalysisResult`).

Reads the result only: one row per cohort (a square sized by its weight, the CI as a
line), the pooled estimate as a diamond spanning its CI, the prediction interval on a
row of its own (random-effects models), the heterogeneity statistics underneath, and a
text column with each estimate, its CI and weight.  matplotlib is imported inside the
function.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from mirprog.output import escape_mathtext, format_ci, format_number, format_p, new_figure
from mirprog.stats.meta import MetaAnalysisResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["forest_meta_plot"]

_FONT = 9
_ROW_IN = 0.3        # height of one row, inches
_CHAR_IN = 0.075     # rough width of one character at the text size, inches
_STUDY = "#0072B2"   # Okabe-Ito blue: cohorts
_POOLED = "#000000"
_PI = "#D55E00"      # Okabe-Ito vermillion: the prediction interval
_MAX_MARKER = 13.0   # side of the square of the heaviest cohort, points


def forest_meta_plot(result: MetaAnalysisResult, *, ax: Axes | None = None,
                     title: str | None = None, digits: int = 2) -> Figure:
    """Forest plot of a meta-analysis: cohorts, pooled diamond and prediction interval.

    Parameters
    ----------
    result : MetaAnalysisResult
        From :func:`mirprog.meta_analysis`.
    ax : matplotlib.axes.Axes, optional
        Axis for the estimates; the label and text columns go into inset axes to its
        left and right (save with ``bbox_inches="tight"``).  Default: a new figure
        (not kept by pyplot).
    title : str, optional
    digits : int, default 2
        Decimals of the estimates and CIs in the text column.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Hazard ratios (``measure="logHR"``) are drawn on a log axis with a dashed line
    at HR = 1; C indices on a linear axis with the line at C = 0.5.  The area of a
    square is proportional to the cohort's weight in the pooled model.  The
    prediction interval (a line with end bars) is shown for random-effects models
    only.  The bottom line gives tau^2, I^2 and Cochran's Q test.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> fits = {"ids 1-343": mp.cox(g.subset(g.ids <= 343), ["horTh"]),
    ...         "ids 344-686": mp.cox(g.subset(g.ids > 343), ["horTh"])}
    >>> fig = mp.plots.forest_meta_plot(mp.meta_analysis(fits, "REML"))
    >>> len(fig.axes)  # labels, estimates, text
    3
    >>> plt.close(fig)
    """
    if not isinstance(result, MetaAnalysisResult):
        raise TypeError(f"forest_meta_plot draws a MetaAnalysisResult, got "
                        f"{type(result).__name__}; for Cox models use forest_plot.")
    log = result.measure == "logHR"
    tab = result.table
    k = len(tab)
    has_pi = not math.isnan(result.pi_lower)
    ys = [*map(float, range(k)), k + 0.6] + ([k + 1.6] if has_pi else [])
    het_y = ys[-1] + 1.0
    bottom = het_y + 0.5
    show = np.exp if log else (lambda v: np.asarray(v, dtype=float))
    est, lo, hi = (show(tab[c].to_numpy(float)) for c in ("estimate", "ci_lower", "ci_upper"))
    pooled = tuple(float(show(v)) for v in (result.estimate, result.ci_lower, result.ci_upper))
    pi = (float(show(result.pi_lower)), float(show(result.pi_upper))) if has_pi else None
    level = f"{result.conf_level:.0%}"
    left_cols, right_cols = _columns(result, (est, lo, hi), pooled, pi, digits, level)
    left_ax, ax, right_ax = _axes(ax, left_cols, right_cols, bottom)
    root = ax.figure.figure
    if title:
        ax.set_title(escape_mathtext(title), fontsize=_FONT + 1)
    _text_columns(left_ax, left_cols, ys, k, bottom)
    _text_columns(right_ax, right_cols, ys, k, bottom)
    _draw_marks(ax, (est, lo, hi), tab["weight"].to_numpy(float), pooled, pi, ys[k:])
    values = [*lo, *hi, pooled[1], pooled[2], *(pi or ())]
    _estimate_axis(ax, values, log, level, het_y - 0.5, ys[k], pooled[0])
    ax.set_ylim(bottom, -1.7)
    # the heterogeneity line runs from the label column into the empty bottom row
    het = left_ax.text(0.0, het_y, _heterogeneity_text(result), ha="left", va="center",
                       fontsize=_FONT - 0.5, color="0.25")
    het.set_in_layout(False)    # it may overhang the label column; the layout ignores it
    ax.set_facecolor("none")    # ... and is not hidden by the estimate axis's background
    return root


_Columns = list[tuple[str, list[str], str]]


def _columns(result: MetaAnalysisResult, rows: tuple[np.ndarray, np.ndarray, np.ndarray],
             pooled: tuple[float, ...], pi: tuple[float, float] | None, digits: int,
             level: str) -> tuple[_Columns, _Columns]:
    """The label column and the estimate / weight columns, as (header, cells, align)."""
    names = [escape_mathtext(str(v)) for v in result.table.index]
    pooled_name = {"fixed": "Fixed effect", "DL": "Random effects (DL)",
                   "REML": "Random effects (REML)"}[result.method]
    labels = [*names, pooled_name] + (["Prediction interval"] if pi else [])
    cis = [format_ci(e, a, b, digits) for e, a, b in zip(*rows, strict=True)]
    cis.append(format_ci(pooled[0], pooled[1], pooled[2], digits))
    if pi:
        cis.append(f"({format_number(pi[0], digits)}\u2013{format_number(pi[1], digits)})")
    weights = [f"{w:.1f}%" for w in result.table["weight"]] + ["100%"]
    head = f"{'HR' if result.measure == 'logHR' else 'C'} [{level} CI]"
    return [("Cohort", labels, "left")], [(head, cis, "left"), ("Weight", weights, "right")]


def _axes(ax: Axes | None, left: _Columns, right: _Columns, bottom: float
          ) -> tuple[Axes, Axes, Axes]:
    """(label axis, estimate axis, text axis): a new figure, or insets beside ``ax``."""
    widths = [sum(_col_width(h, c) for h, c, _ in cols) for cols in (left, right)]
    if ax is None:
        fig = new_figure(figsize=(widths[0] + 3.2 + widths[1] + 0.3,
                                  _ROW_IN * (bottom + 1.6) + 0.9), layout="constrained")
        gs = fig.add_gridspec(1, 3, width_ratios=[widths[0], 3.2, widths[1]], wspace=0.0)
        left_ax = fig.add_subplot(gs[0])
        ax = fig.add_subplot(gs[1], sharey=left_ax)
        return left_ax, ax, fig.add_subplot(gs[2], sharey=left_ax)
    ax_w = ax.get_position().width * ax.figure.figure.get_figwidth()
    gap = 0.1 / ax_w
    left_ax = ax.inset_axes((-widths[0] / ax_w - gap, 0, widths[0] / ax_w, 1), sharey=ax)
    return left_ax, ax, ax.inset_axes((1.0 + gap, 0, widths[1] / ax_w, 1), sharey=ax)


def _draw_marks(ax: Axes, rows: tuple[np.ndarray, np.ndarray, np.ndarray],
                weight: np.ndarray, pooled: tuple[float, ...],
                pi: tuple[float, float] | None, ys: list[float]) -> None:
    """Squares (area proportional to weight) and CI lines, the diamond, the PI line."""
    est, lo, hi = rows
    sizes = _MAX_MARKER * np.sqrt(weight / weight.max())
    for i in range(len(est)):
        ax.plot([lo[i], hi[i]], [i, i], color=_STUDY, lw=1.1, solid_capstyle="butt", zorder=2)
        ax.plot([est[i]], [i], ls="none", marker="s", ms=max(sizes[i], 4.0), color=_STUDY,
                mec="white", mew=0.5, zorder=3)
    p_est, p_lo, p_hi = pooled
    y = ys[0]
    ax.fill([p_lo, p_est, p_hi, p_est], [y, y - 0.32, y, y + 0.32], color=_POOLED, lw=0,
            zorder=3)
    if pi is not None:
        ax.plot(list(pi), [ys[1], ys[1]], color=_PI, lw=1.4, zorder=2)
        ax.plot(list(pi), [ys[1], ys[1]], ls="none", marker="|", ms=8, mew=1.4, color=_PI,
                zorder=2)
        ax.plot([p_est], [ys[1]], ls="none", marker="D", ms=3.5, color=_PI, zorder=3)
    ax.axhline(y - 0.8, color="0.75", lw=0.6, zorder=0)


def _col_width(header: str, cells: list[str]) -> float:
    return _CHAR_IN * max(len(header), *(len(c) for c in cells)) + 0.2


def _text_columns(ax: Axes, columns: list[tuple[str, list[str], str]], ys: list[float],
                  k: int, bottom: float) -> None:
    """Write (header, cells, align) columns side by side; the pooled rows in bold."""
    x = 0.0
    for header, cells, align in columns:
        width = _col_width(header, cells)
        xpos = x if align == "left" else x + width - 0.2
        ax.text(xpos, -1.1, header, ha=align, va="center", fontsize=_FONT, fontweight="bold")
        for i, (cell, y) in enumerate(zip(cells, ys, strict=False)):
            pooled = i == k
            ax.text(xpos, y, cell, ha=align, va="center", fontsize=_FONT,
                    fontweight="bold" if pooled else "normal",
                    color=_PI if i > k else "black")
        x += width
    ax.set_xlim(0.0, x)
    ax.set_ylim(bottom, -1.7)
    ax.axis("off")


def _estimate_axis(ax: Axes, values: list[float], log: bool, level: str, bottom: float,
                   pooled_y: float, pooled: float) -> None:
    """Limits, ticks, the no-effect line and the dotted line at the pooled estimate."""
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    finite = np.array([v for v in values if np.isfinite(v) and (v > 0 or not log)])
    null = 1.0 if log else 0.5
    lo_v, hi_v = min(finite.min(), null), max(finite.max(), null)
    if log:
        ax.set_xscale("log")
        pad = (math.log(hi_v) - math.log(lo_v)) * 0.06
        xlim = (math.exp(math.log(lo_v) - pad), math.exp(math.log(hi_v) + pad))
        cands = np.array([b * 10.0 ** e for e in range(-3, 4) for b in (1, 2, 5)])
        ticks = cands[(cands >= xlim[0]) & (cands <= xlim[1])]
        if len(ticks) < 3:
            cands = np.array([b * 10.0 ** e for e in range(-3, 4)
                              for b in (1, 1.5, 2, 3, 5, 7)])
            ticks = cands[(cands >= xlim[0]) & (cands <= xlim[1])]
        ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.set_xlabel(f"Hazard ratio ({level} CI, log scale)", fontsize=_FONT)
    else:
        pad = (hi_v - lo_v) * 0.06
        xlim = (lo_v - pad, hi_v + pad)
        ax.set_xlabel(f"C index ({level} CI)", fontsize=_FONT)
    ax.set_xlim(*xlim)
    ax.plot([null, null], [-0.7, bottom], color="0.45", lw=0.8, ls="--", zorder=0)
    ax.plot([pooled, pooled], [-0.7, pooled_y], color="0.6", lw=0.7, ls=":", zorder=0)
    ax.tick_params(axis="x", labelsize=_FONT)
    ax.set_yticks([])
    ax.set_ylim(bottom, -1.7)
    ax.spines[["top", "right", "left"]].set_visible(False)


def _heterogeneity_text(result: MetaAnalysisResult) -> str:
    q = (f"Q = {result.q:.2f} (df = {result.q_df}), p = {format_p(result.q_p)}")
    if result.method == "fixed":
        return f"Heterogeneity: {q}; I\u00b2 = {result.i2:.0f}%"
    return (f"Heterogeneity: \u03c4\u00b2 = {result.tau2:.3g} "
            f"[{result.tau2_ci_lower:.3g}, {result.tau2_ci_upper:.3g}], "
            f"I\u00b2 = {result.i2:.0f}%; {q}")
