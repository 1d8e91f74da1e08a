"""Figures of a :class:`~mirprog.stats.validation.ValidationResult`: calibration, ROC, AUC.

They only draw what the result holds (the calibration table, the ROC points, the
AUC table); matplotlib is imported inside the functions.  Re-exported from
:mod:`mirprog.present.plots`, so ``mp.plots.calibration_plot`` etc. work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mirprog.errors import ArgumentError
from mirprog.output import new_figure
from mirprog.stats.validation import ValidationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["auc_plot", "calibration_plot", "roc_plot"]

_BLUE, _ORANGE, _GREY = "#0072B2", "#D55E00", "0.55"


def _horizon(validation: ValidationResult, horizon: float | None) -> float:
    if horizon is None:
        return validation.horizons[-1]
    close = [h for h in validation.horizons if np.isclose(h, horizon, rtol=1e-12, atol=0)]
    if not close:
        raise ArgumentError(f"horizon={horizon} is not one of the validated horizons "
                            f"{list(validation.horizons)}; validate at it first.",
                            argument="horizon")
    return close[0]


def _figure_of(ax: Axes) -> Figure:
    """The figure to save: the root figure, also for an axis inside a SubFigure."""
    return ax.figure.figure


def calibration_plot(validation: ValidationResult, horizon: float | None = None, *,
                     ax: Axes | None = None, histogram: bool = True) -> Figure:
    """Observed (Kaplan–Meier) against mean predicted risk by risk group at ``horizon``.

    Reads ``validation.calibration`` (quantile groups of predicted risk, see
    :func:`mirprog.validate`) and, for the histogram under it, the predicted
    risks in ``validation.predictions``.  Points on the dashed diagonal are
    perfectly calibrated; the bars are the Kaplan–Meier confidence intervals.

    Parameters
    ----------
    validation : ValidationResult
    horizon : float, optional
        One of ``validation.horizons`` (default: the last).
    ax : matplotlib Axes, optional
        Draw the calibration panel there (no histogram); default: a new figure
        with the histogram of predicted risks below.
    histogram : bool, default True
        Draw the histogram panel (only without ``ax``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(g.subset(g.ids <= 400), ["horTh", "pnodes", "progrec"])
    >>> v = mp.validate(fit, g.subset(g.ids > 400), horizons=[1095, 1825], groups=5)
    >>> fig = mp.plots.calibration_plot(v, horizon=1825)
    >>> fig.axes[0].get_ylabel(), fig.axes[1].get_xlabel()
    ('Observed risk at t = 1825', 'Predicted risk at t = 1825')
    """
    t = _horizon(validation, horizon)
    hist_ax = None
    if ax is None:
        fig = new_figure(figsize=(5.0, 5.6) if histogram else (5.0, 4.6), layout="constrained")
        if histogram:
            ax, hist_ax = fig.subplots(2, 1, sharex=True,
                                       gridspec_kw={"height_ratios": [4, 1]})
        else:
            ax = fig.add_subplot()
    cal = validation.calibration[validation.calibration["time"] == t]
    risk = validation.predictions[f"risk_at_{t:g}"].to_numpy()
    top = float(max(np.nanmax(risk), np.nanmax(cal["ci_upper"]), 0.05)) * 1.05
    top = min(top, 1.0)
    ax.plot([0, top], [0, top], color=_GREY, linestyle="--", linewidth=1, label="ideal")
    err = np.vstack([np.maximum(cal["observed"] - cal["ci_lower"], 0.0),
                     np.maximum(cal["ci_upper"] - cal["observed"], 0.0)])
    ax.errorbar(cal["predicted"], cal["observed"], yerr=err, fmt="o", capsize=3,
                color=_BLUE, label=f"{len(cal)} groups (KM, {validation.conf_level:.0%} CI)")
    curve = validation.calibration_curve
    curve = curve[curve["time"] == t]
    if len(curve) > 1:
        ax.plot(curve["predicted"], curve["observed"], color=_ORANGE, linewidth=1.5,
                label="smoothed (pseudo-values)")
    ax.set_xlim(0.0, top)
    ax.set_ylim(0.0, top)
    ax.set_aspect("equal", adjustable="box")
    ax.set_ylabel(f"Observed risk at t = {t:g}")
    ax.spines[["top", "right"]].set_visible(False)
    s, o = validation.calibration_slope, validation.oe
    ax.text(0.97, 0.03, f"slope {s.slope:.2f} ({s.ci_lower:.2f} to {s.ci_upper:.2f})\n"
            f"O/E {o.ratio:.2f} ({o.ci_lower:.2f} to {o.ci_upper:.2f})",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=8)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    label = f"Predicted risk at t = {t:g}"
    if hist_ax is None:
        ax.set_xlabel(label)
        return _figure_of(ax)
    ax.set_xlabel(label)
    ax.tick_params(labelbottom=True)
    ev = validation.predictions["event"].to_numpy() == 1
    bins = np.linspace(0.0, top, 31)
    hist_ax.hist([risk[~ev], risk[ev]], bins=bins, stacked=True, color=["0.8", "0.35"],
                 label=["censored", "event"])
    hist_ax.set_ylabel("patients")
    hist_ax.set_xlabel(label)
    ax.set_xlabel("")
    hist_ax.spines[["top", "right"]].set_visible(False)
    hist_ax.legend(fontsize=7, frameon=False, loc="upper right")
    return _figure_of(ax)


def roc_plot(validation: ValidationResult, horizon: float | None = None, *,
             ax: Axes | None = None) -> Figure:
    """The IPCW ROC curve at ``horizon`` (``validation.roc``), with its AUC and CI.

    Parameters
    ----------
    validation : ValidationResult
    horizon : float, optional
        One of ``validation.horizons`` (default: the last).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(g.subset(g.ids <= 400), ["horTh", "pnodes", "progrec"])
    >>> v = mp.validate(fit, g.subset(g.ids > 400), horizons=[1825])
    >>> fig = mp.plots.roc_plot(v)
    >>> fig.axes[0].get_ylabel()
    'True positive rate'
    """
    t = _horizon(validation, horizon)
    if ax is None:
        ax = new_figure(figsize=(4.6, 4.6), layout="constrained").add_subplot()
    roc = validation.roc[validation.roc["time"] == t]
    a = validation.auc[validation.auc["time"] == t].iloc[0]
    ax.plot([0, 1], [0, 1], color=_GREY, linestyle="--", linewidth=1)
    ax.plot(roc["fpr"], roc["tpr"], color=_BLUE, linewidth=1.4,
            label=f"AUC({t:g}) {a['auc']:.3f} ({a['ci_lower']:.3f} to {a['ci_upper']:.3f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return _figure_of(ax)


def auc_plot(validation: ValidationResult, *, ax: Axes | None = None) -> Figure:
    """The time-dependent AUC with its confidence band over the horizons, and Harrell's C.

    Parameters
    ----------
    validation : ValidationResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(g.subset(g.ids <= 400), ["horTh", "pnodes", "progrec"])
    >>> v = mp.validate(fit, g.subset(g.ids > 400), horizons=[365, 730, 1095, 1460, 1825])
    >>> fig = mp.plots.auc_plot(v)
    >>> fig.axes[0].get_ylabel()
    'AUC(t)'
    """
    if ax is None:
        ax = new_figure(figsize=(5.6, 3.8), layout="constrained").add_subplot()
    a = validation.auc
    ax.fill_between(a["time"], a["ci_lower"], a["ci_upper"], color=_BLUE, alpha=0.15,
                    linewidth=0, label=f"{validation.conf_level:.0%} CI")
    ax.plot(a["time"], a["auc"], "o-", color=_BLUE, label="AUC(t), IPCW")
    ax.axhline(validation.harrell_c, color=_ORANGE, linestyle="-.", linewidth=1.2,
               label=f"Harrell's C {validation.harrell_c:.3f}")
    if validation.uno is not None:
        ax.axhline(validation.uno.c, color="#009E73", linestyle=":", linewidth=1.2,
                   label=f"Uno's C {validation.uno.c:.3f}")
    ax.axhline(0.5, color=_GREY, linestyle="--", linewidth=0.8)
    lo = float(min(0.45, np.nanmin(a["ci_lower"]) - 0.02))
    ax.set_ylim(lo, 1.0)
    ax.set_xlabel("Time")
    ax.set_ylabel("AUC(t)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return _figure_of(ax)
