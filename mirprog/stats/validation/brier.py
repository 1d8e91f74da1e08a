"""Time-dependent Brier score, its null-model reference, the IPA and the integrated Brier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirprog._engine.dist import zcrit
from mirprog._engine.ipcw import ipcw_brier
from mirprog.stats.validation.predictions import Predictions

__all__ = ["brier_table", "integrated", "km_risk"]


def km_risk(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """1 - Kaplan–Meier of (time, event) at ``at``: the null model's risk (R ``Score``'s
    ``null.model``, a ``prodlim`` KM of the validation cohort)."""
    uniq, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=len(uniq))
    n_risk = len(time) - np.r_[0, np.cumsum(np.bincount(inv, minlength=len(uniq)))[:-1]]
    surv = np.cumprod(1.0 - d / n_risk)
    pos = np.searchsorted(uniq, np.asarray(at, float), side="right")
    return np.asarray(1.0 - np.r_[1.0, surv][pos])


def integrated(times: np.ndarray, brier: np.ndarray) -> np.ndarray:
    """R ``Score(summary = "ibs")``: at each time t, (1/t) times the integral over
    [0, t] of the step function through (0, 0) and the Brier scores at ``times``
    (each value held until the next time)."""
    x = np.r_[0.0, times]
    y = np.r_[0.0, brier]
    out = []
    for t in times:
        keep = x < t
        xs = np.r_[x[keep], t]
        out.append(float(np.sum(y[keep] * np.diff(xs)) / t) if t > 0 else 0.0)
    return np.array(out)


def _ipa(brier: float, null: float) -> float:
    """1 - brier / null, with R's -Inf / NaN when the null model's Brier score is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(1.0 - np.float64(brier) / np.float64(null))


def brier_table(pred: Predictions, conf_level: float) -> pd.DataFrame:
    """``time, brier, se, ci_lower, ci_upper, null_brier, null_se, ipa, ibs, null_ibs``.

    As R ``Score(..., metrics = "brier", summary = c("ipa", "ibs"), null.model = TRUE,
    cens.model = "km")``: limits clipped to [0, 1]; ``ipa = 1 - brier / null_brier``;
    ``ibs`` integrates over the horizons given (a fine grid of horizons gives a fine
    integral).
    """
    z = zcrit(conf_level)
    null = km_risk(pred.time, pred.event, np.array(pred.horizons))
    rows = []
    for j, t in enumerate(pred.horizons):
        est = ipcw_brier(pred.time, pred.event, pred.risk[:, j], t)
        ref = ipcw_brier(pred.time, pred.event, np.full(len(pred.time), null[j]), t)
        rows.append({"time": t, "brier": est.estimate, "se": est.se,
                     "ci_lower": max(0.0, est.estimate - z * est.se),
                     "ci_upper": min(1.0, est.estimate + z * est.se),
                     "null_brier": ref.estimate, "null_se": ref.se,
                     "ipa": _ipa(est.estimate, ref.estimate)})
    out = pd.DataFrame(rows)
    times = out["time"].to_numpy()
    out["ibs"] = integrated(times, out["brier"].to_numpy())
    out["null_ibs"] = integrated(times, out["null_brier"].to_numpy())
    return out
