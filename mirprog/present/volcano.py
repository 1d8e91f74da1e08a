"""The volcano figure of a marker screen: log2 HR against -log10 p, FDR hits marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mirprog.output import new_figure
from mirprog.stats.screen.markers import ScreenResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["volcano_coordinates", "volcano_labelled", "volcano_plot"]


def volcano_coordinates(result: ScreenResult) -> tuple[np.ndarray, np.ndarray]:
    """x = log2 of the median-split Cox HR, y = -log10 of its log-rank p (NaN if none)."""
    t = result.table
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log2(t["hr"].to_numpy(dtype=float))
        y = -np.log10(t["logrank_p"].to_numpy(dtype=float))
    return x, y


def volcano_labelled(result: ScreenResult, fdr: float = 0.05, label_top: int = 10) -> np.ndarray:
    """Rows whose names the volcano shows: the FDR hits (q < ``fdr``) with the smallest
    log-rank p, at most ``label_top``, each with finite coordinates."""
    x, y = volcano_coordinates(result)
    hit = result.table["q_logrank"].to_numpy(dtype=float) < fdr
    order = np.argsort(np.nan_to_num(-y, nan=np.inf), kind="stable")[:label_top]
    return np.array([i for i in order[hit[order]] if np.isfinite(x[i]) and np.isfinite(y[i])],
                    dtype=np.intp)


def volcano_plot(result: ScreenResult, *, fdr: float = 0.05, highlight: str | None = None,
                 label_top: int = 10, ax: Axes | None = None) -> Figure:
    """Draw the screen's volcano; markers with log-rank FDR q < ``fdr`` in colour and named.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.present.volcano import volcano_plot
    >>> res = mp.screen(mp.datasets.load_gbsg2(), ["progrec", "estrec", "age", "tsize"])
    >>> fig = volcano_plot(res)
    >>> fig.axes[0].get_xlabel()
    'log2 HR (high vs low, median split)'
    """
    if ax is None:
        fig = new_figure(figsize=(7.5, 4.5))
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    t = result.table
    x, y = volcano_coordinates(result)
    q = t["q_logrank"].to_numpy(dtype=float)
    hit = q < fdr
    ax.scatter(x[~hit], y[~hit], s=10, color="#999999", label=f"q ≥ {fdr:g}")
    ax.scatter(x[hit], y[hit], s=14, color="#D55E00", label=f"q < {fdr:g} (BH)")
    finite = x[np.isfinite(x)]
    middle = float(finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i in volcano_labelled(result, fdr, label_top):
        right = bool(x[i] > middle)  # names of the right half go left of their point
        ax.annotate(str(t["marker"].iloc[i]), (x[i], y[i]), fontsize=7,
                    xytext=(-4 if right else 4, 3), textcoords="offset points",
                    ha="right" if right else "left")
    if highlight is not None and highlight in set(t["marker"]):
        i = int(np.flatnonzero(t["marker"].to_numpy() == highlight)[0])
        ax.scatter([x[i]], [y[i]], s=80, facecolors="none", edgecolors="#0072B2", linewidths=2)
    ax.axvline(0, color="#cccccc", lw=0.8)
    ax.set_xlabel("log2 HR (high vs low, median split)")
    ax.set_ylabel("-log10 log-rank p")
    ax.set_title(f"{len(t)} markers, {int(hit.sum())} with FDR q < {fdr:g}")
    ax.legend(loc="best", fontsize=8, frameon=True)
    return fig
