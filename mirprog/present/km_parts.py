"""What every Kaplan–Meier picture needs, whatever draws it: colours, group names, the
curve on its scale, the time ticks and the test annotation.

:func:`mirprog.plots.km_plot` (matplotlib) and :func:`mirprog.present.km_svg.km_svg` (the web
app's light SVG) both read these, so the two pictures show the same curves, ticks, numbers
at risk and annotations.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mirprog.present.format import format_ci, format_p
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.km import KMResult
from mirprog.stats.logrank import LogRankResult

__all__ = ["OKABE_ITO", "group_label", "km_annotation", "km_colours", "km_curve",
           "time_ticks"]

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")


def km_colours(n_groups: int) -> list[str]:
    """The colour of each group's curve: black alone, Okabe–Ito in order otherwise."""
    return [OKABE_ITO[-1]] if n_groups == 1 else [
        OKABE_ITO[i % (len(OKABE_ITO) - 1)] for i in range(n_groups)]


def group_label(km: KMResult, group: Any, labels: Mapping[Hashable, str] | None) -> str:
    if labels is not None and group in labels:
        return str(labels[group])
    return "All patients" if km.by is None else f"{km.by}={group}"


def km_curve(km: KMResult, group: Any, scale: str) -> pd.DataFrame:
    """One group's curve on the plotted scale: ``time, y, lo, hi, censored`` and, at
    time 0, the start value (1 for S, 0 for 1 - S and the cumulative hazard)."""
    tab = km.table[km.table["group"] == group]
    s, lo, hi = (tab[c].to_numpy(float) for c in ("survival", "ci_lower", "ci_upper"))
    if scale == "survival":
        y, low, high, start = s, lo, hi, 1.0
    elif scale == "cumulative_incidence":
        y, low, high, start = 1.0 - s, 1.0 - hi, 1.0 - lo, 0.0
    else:
        y = tab["cumhaz"].to_numpy(float)
        low = high = np.full(len(y), np.nan)
        start = 0.0
    return pd.DataFrame({"time": np.r_[0.0, tab["time"].to_numpy(float)],
                         "y": np.r_[start, y], "lo": np.r_[start, low],
                         "hi": np.r_[start, high],
                         "censored": np.r_[False, tab["n_censored"].to_numpy(float) > 0]})


def time_ticks(tmax: float, risk_times: Sequence[float] | None) -> np.ndarray:
    if risk_times is not None:
        ticks: np.ndarray = np.asarray(risk_times, dtype=float)
        if ticks.ndim != 1 or ticks.size == 0 or not np.all(np.isfinite(ticks)) or \
                np.any(ticks < 0):
            raise ValueError(f"risk_times must be a non-empty sequence of times >= 0, "
                             f"got {risk_times!r}.")
        return np.unique(ticks)
    from matplotlib.ticker import MaxNLocator

    auto = np.asarray(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, tmax))
    return auto[(auto >= 0) & (auto <= tmax * 1.03)]


def _test_label(t: LogRankResult) -> str:
    """"Log-rank" ("Log-rank trend"), or a weighted / stratified test by its name."""
    if t.weighting == "logrank" and t.rho == 0 and not t.strata:
        return f"Log-rank{' trend' if t.trend else ''}"
    return t.method[0].upper() + t.method[1:]


def km_annotation(tests: Sequence[LogRankResult], cox: CoxResult | None) -> str | None:
    ps = [format_p(t.p) for t in tests]  # "0.009" -> "p = 0.009", "<0.001" -> "p < 0.001"
    lines = [f"{_test_label(t)} p {'<' if p[0] == '<' else '='} "
             f"{p.lstrip('<')}" for t, p in zip(tests, ps, strict=True)]
    if cox is not None and len(cox.summary):
        term = cox.summary.index[0]
        r = cox.summary.iloc[0]
        lines.append("HR not estimable" if term in cox.monotone
                     else f"HR {format_ci(r['hr'], r['ci_lower'], r['ci_upper'])}")
    return "\n".join(lines) or None


