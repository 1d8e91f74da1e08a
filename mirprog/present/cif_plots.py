"""Cumulative-incidence figures drawn from a :class:`~mirprog.results.CIFResult`.

Two layouts: ``"panels"`` (one panel per cause, a curve per group: compare groups)
and ``"stacked"`` (one panel per group, the causes stacked: how the follow-up of a
group divides between the causes and the event-free).  Both carry a number-at-risk
table read from the result; nothing is computed here.  Exported in ``mp.plots``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mirprog.output import escape_mathtext, new_figure
from mirprog.present.format import format_p
from mirprog.stats.competing import CIFResult, GrayTestResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["cif_plot"]

_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
_ROW_IN = 0.24
_FONT = 9


def cif_plot(
    result: CIFResult,
    *,
    layout: Literal["panels", "stacked"] = "panels",
    tests: GrayTestResult | Sequence[GrayTestResult] | None = None,
    conf_int: bool = False,
    risk_table: bool = True,
    time_unit: str | None = None,
    labels: Mapping[Hashable, str] | None = None,
    title: str | None = None,
    risk_times: Sequence[float] | None = None,
) -> Figure:
    """Cumulative incidence curves with a number-at-risk table.

    Parameters
    ----------
    result : CIFResult
        From :func:`mirprog.cif`.
    layout : {"panels", "stacked"}, default "panels"
        ``"panels"``: one panel per cause, one curve per group, on a common
        y axis.  ``"stacked"``: one panel per group, the causes' incidences
        stacked (the space above them is the probability of no event yet).
    tests : GrayTestResult or sequence of them, optional
        Gray's test p-values, written in the panel of their cause (``"panels"``).
    conf_int : bool, default False
        Shade the pointwise confidence band of ``result.table`` (``"panels"`` only).
    risk_table : bool, default True
        Number at risk per group under each panel, at the x ticks.
    time_unit : str, optional
        The x label becomes ``"Time (<time_unit>)"``.
    labels : mapping, optional
        Group value -> display name; default ``"<by>=<value>"``.
    title : str, optional
    risk_times : sequence of float, optional
        Times of the x ticks and risk-table columns; default automatic.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import mirprog as mp
    >>> df = mp.datasets.load_gbsg2().data
    >>> df["status"] = (df["cens"] * (1 + (df["age"] > 65))).astype(int)
    >>> c = mp.Cohort(df, time="time", event="status", causes={1: "early", 2: "late"})
    >>> fig = mp.plots.cif_plot(mp.cif(c, by="horTh"), time_unit="days",
    ...                         tests=mp.gray_test(c, by="horTh", cause="early"))
    >>> len(fig.axes)   # two causes, each with its risk table
    4
    >>> fig = mp.plots.cif_plot(mp.cif(c, by="horTh"), layout="stacked")
    >>> [ax.get_title(loc="left") for ax in fig.axes[:2]]
    ['horTh=no', 'horTh=yes']
    """
    if layout not in ("panels", "stacked"):
        raise ValueError(f"layout must be 'panels' or 'stacked', got {layout!r}.")
    tests = [] if tests is None else [tests] if isinstance(tests, GrayTestResult) \
        else list(tests)
    groups = list(result.groups)
    names = [escape_mathtext(_label(result, g, labels)) for g in groups]
    panels: list[Any] = list(result.causes) if layout == "panels" else groups
    rows = len(groups) if layout == "panels" else 1
    fig, axes, risk_axes = _axes(len(panels), rows, risk_table)
    tmax = float(result.table["time"].max())
    ticks = _ticks(tmax, risk_times)
    for i, (panel, ax) in enumerate(zip(panels, axes, strict=True)):
        if layout == "panels":
            _draw_cause(ax, result, panel, names, conf_int)
            ax.set_title(escape_mathtext(str(panel)), loc="left", fontsize=_FONT + 1)
            note = _test_note(tests, panel)
            if note:
                ax.text(0.02, 0.97, note, transform=ax.transAxes, va="top", fontsize=_FONT)
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.9 if note else 1.0),
                      fontsize=_FONT, frameon=False)
        else:
            _draw_stacked(ax, result, panel)
            ax.set_title(names[i], loc="left", fontsize=_FONT + 1)
            if i == len(panels) - 1:
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=_FONT,
                          frameon=False)
        ax.set_xlim(0.0, max(tmax * 1.03, float(ticks[-1])))
        ax.set_xticks(ticks)
        ax.set_ylim(0.0, 1.0 if layout == "stacked" else _ymax(result, conf_int))
        ax.set_xlabel(escape_mathtext(f"Time ({time_unit})") if time_unit else "Time")
        if i == 0:
            ax.set_ylabel("Cumulative incidence")
        ax.spines[["top", "right"]].set_visible(False)
        if risk_axes:
            shown = groups if layout == "panels" else [panel]
            shown_names = names if layout == "panels" else [names[i]]
            _draw_risk(risk_axes[i], result, ticks, shown, shown_names,
                       labelled=layout == "stacked" or i == 0, coloured=layout == "panels")
    if title:
        fig.suptitle(escape_mathtext(title), x=0.01, ha="left")
    return fig


def _axes(n_panels: int, rows: int, risk_table: bool) -> tuple[Figure, list[Axes], list[Axes]]:
    width = 4.2 * n_panels + (1.4 if n_panels > 1 else 1.0)
    table_h = _ROW_IN * (rows + 1.5) if risk_table else 0.0
    fig = new_figure(figsize=(width, 3.8 + table_h), layout="constrained")
    if not risk_table:
        return fig, list(np.atleast_1d(fig.subplots(1, n_panels, sharey=True))), []
    gs = fig.add_gridspec(2, n_panels, height_ratios=[3.8, table_h])
    axes = [fig.add_subplot(gs[0, i]) for i in range(n_panels)]
    for ax in axes[1:]:
        ax.sharey(axes[0])
    risk = [fig.add_subplot(gs[1, i], sharex=axes[i]) for i in range(n_panels)]
    return fig, axes, risk


def _label(result: CIFResult, group: Any, labels: Mapping[Hashable, str] | None) -> str:
    if labels is not None and group in labels:
        return str(labels[group])
    return "All patients" if result.by is None else f"{result.by}={group}"


def _curve(result: CIFResult, group: Any, cause: str, column: str = "cif"
           ) -> tuple[np.ndarray, np.ndarray]:
    tab = result.table[(result.table["group"] == group) & (result.table["cause"] == cause)]
    x = np.concatenate([[0.0], tab["time"].to_numpy(float)])
    y = np.concatenate([[0.0], tab[column].to_numpy(float)])
    return x, y


def _draw_cause(ax: Axes, result: CIFResult, cause: str, names: list[str],
                conf_int: bool) -> None:
    single = len(result.groups) == 1
    for i, (g, name) in enumerate(zip(result.groups, names, strict=True)):
        colour = "#000000" if single else _COLOURS[i % len(_COLOURS)]
        x, y = _curve(result, g, cause)
        tab = result.table[(result.table["group"] == g) & (result.table["cause"] == cause)]
        events = int(tab["n_events"].sum())
        ax.step(x, y, where="post", color=colour, lw=1.6, label=f"{name} ({events} events)")
        if conf_int:
            lo = np.nan_to_num(_curve(result, g, cause, "ci_lower")[1], nan=0.0)
            hi = np.nan_to_num(_curve(result, g, cause, "ci_upper")[1], nan=0.0)
            ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.18, lw=0)


def _draw_stacked(ax: Axes, result: CIFResult, group: Any) -> None:
    tab = result.table[result.table["group"] == group]
    times = np.unique(tab["time"].to_numpy(float))
    x = np.concatenate([[0.0], times])
    layers = []
    for cause in result.causes:
        cx, cy = _curve(result, group, cause)
        layers.append(cy[np.searchsorted(cx, x, side="right") - 1])
    colours = [_COLOURS[i % len(_COLOURS)] for i in range(len(layers))]
    ax.stackplot(x, *layers, labels=list(result.causes), colors=colours, step="post",
                 alpha=0.75, lw=0)
    top = np.sum(layers, axis=0)
    ax.step(x, top, where="post", color="#000000", lw=1.0)
    if len(result.causes) > 1:
        ax.text(0.98, 0.97, "event-free above", transform=ax.transAxes, ha="right",
                va="top", fontsize=_FONT - 1, color="#555555")


def _draw_risk(ax: Axes, result: CIFResult, ticks: np.ndarray, groups: list[Any],
               names: list[str], labelled: bool, coloured: bool) -> None:
    cause = result.causes[0]
    at = result.at(ticks.tolist())
    at = at[at["cause"] == cause]
    single = len(result.groups) == 1 or not coloured   # stacked: colours are the causes
    for row, g in enumerate(groups):
        colour = "#000000" if single else _COLOURS[list(result.groups).index(g) % len(_COLOURS)]
        n = at[at["group"] == g]["n_at_risk"].to_numpy()
        for t, v in zip(ticks, n, strict=True):
            ax.text(t, -row, str(int(v)), ha="center", va="center", fontsize=_FONT,
                    color=colour)
    ax.set_ylim(-len(groups) + 0.5, 0.5)
    ax.set_yticks(-np.arange(len(groups)))
    ax.set_yticklabels(names if labelled else [""] * len(groups), fontsize=_FONT)
    ax.tick_params(axis="both", length=0, labelbottom=False)
    ax.tick_params(axis="y", pad=4 + 3.5 * len(str(result.n)))   # clear of the numbers at 0
    ax.set_title("Number at risk", loc="left", fontsize=_FONT)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


def _ticks(tmax: float, risk_times: Sequence[float] | None) -> np.ndarray:
    if risk_times is not None:
        ticks: np.ndarray = np.unique(np.asarray(risk_times, dtype=float))
        if ticks.size == 0 or not np.all(np.isfinite(ticks)) or np.any(ticks < 0):
            raise ValueError(f"risk_times must be times >= 0, got {risk_times!r}.")
        return ticks
    from matplotlib.ticker import MaxNLocator

    auto = np.asarray(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, tmax))
    return auto[(auto >= 0) & (auto <= tmax * 1.03)]


def _ymax(result: CIFResult, conf_int: bool) -> float:
    col = "ci_upper" if conf_int else "cif"
    top = float(np.nanmax(result.table[col].to_numpy(float)))
    return float(min(1.0, max(0.1, np.ceil(top * 1.15 * 10) / 10)))


def _test_note(tests: Sequence[GrayTestResult], cause: str) -> str | None:
    for t in tests:
        if t.cause == cause:
            p = format_p(t.p)
            return f"Gray's test p {'<' if p[0] == '<' else '='} {p.lstrip('<')}"
    return None
