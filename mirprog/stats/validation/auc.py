"""Time-dependent discrimination: the cumulative/dynamic IPCW AUC and its ROC curves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirprog._engine.dist import zcrit
from mirprog._engine.ipcw import ipcw_auc, roc_curve
from mirprog.stats.validation.predictions import Predictions

__all__ = ["auc_table", "roc_table"]


def auc_table(pred: Predictions, conf_level: float) -> pd.DataFrame:
    """``time, auc, se, ci_lower, ci_upper`` at each horizon, as R
    ``riskRegression::Score(..., metrics = "auc", cens.model = "km")``: Wald limits
    from the influence-function SE, clipped to [0, 1]."""
    z = zcrit(conf_level)
    rows = []
    for j, t in enumerate(pred.horizons):
        cases = np.any((pred.time <= t) & (pred.event == 1))
        if not cases or not np.any(pred.time > t):   # no cases or no controls: R's NA
            rows.append(dict.fromkeys(("auc", "se", "ci_lower", "ci_upper"), np.nan)
                        | {"time": t})
            continue
        est = ipcw_auc(pred.time, pred.event, pred.risk[:, j], t)
        rows.append({"time": t, "auc": est.estimate, "se": est.se,
                     "ci_lower": max(0.0, est.estimate - z * est.se),
                     "ci_upper": min(1.0, est.estimate + z * est.se)})
    return pd.DataFrame(rows, columns=["time", "auc", "se", "ci_lower", "ci_upper"])


def roc_table(pred: Predictions) -> pd.DataFrame:
    """``time, threshold, fpr, tpr``: the IPCW ROC points at each horizon (from (0, 0))."""
    parts = []
    for j, t in enumerate(pred.horizons):
        if not np.any((pred.time <= t) & (pred.event == 1)):
            continue
        thr, fpr, tpr = roc_curve(pred.time, pred.event, pred.risk[:, j], t)
        parts.append(pd.DataFrame({"time": np.full(len(thr), t), "threshold": thr,
                                   "fpr": fpr, "tpr": tpr}))
    if not parts:
        return pd.DataFrame(columns=["time", "threshold", "fpr", "tpr"], dtype=float)
    return pd.concat(parts, ignore_index=True)
