"""The Brier row of the optimism bootstrap: IPCW Brier score at a horizon, arrays in and out.

A fit's predicted event probability at ``horizon`` is ``1 - exp(-H0(t) exp(lp))``,
H0 the baseline cumulative hazard of the fit's own (training) rows by
:func:`mirprog._engine.coxph.baseline_cumhaz` (Breslow, or Efron's for
``ties="efron"``: R ``survfit.coxph``'s defaults), ``lp`` centred at the training
rows' mean.  The score is :func:`mirprog._engine.ipcw.ipcw_brier` (R
``riskRegression::Score(..., metrics = "brier", cens.model = "km")``) with the
reverse Kaplan–Meier of the rows scored.  A resample is its rows duplicated (a row
drawn k times is k rows, in the baseline and in the censoring KM), as ``rms``
refits.
"""

from __future__ import annotations

import numpy as np

from mirprog._engine.coxph import Ties, baseline_cumhaz
from mirprog._engine.ipcw import ipcw_brier

__all__ = ["brier_apparent", "brier_block"]


def _risk(train_time: np.ndarray, train_event: np.ndarray, train_lp: np.ndarray,
          lp: np.ndarray, ties: Ties, horizon: float) -> np.ndarray:
    """Predicted P(T <= horizon) for the linear predictors ``lp`` of a fit on the training rows."""
    centre = float(train_lp.mean())
    times, cumhaz = baseline_cumhaz(train_time, train_event, train_lp - centre, ties)
    k = int(np.searchsorted(times, horizon, side="right"))
    h0 = float(cumhaz[k - 1]) if k else 0.0
    return 1.0 - np.exp(-h0 * np.exp(lp - centre))


def brier_apparent(time: np.ndarray, event: np.ndarray, lp: np.ndarray, ties: Ties,
                   horizon: float) -> float:
    """Brier score at ``horizon`` of the fit on all rows (linear predictor ``lp``), on all rows."""
    risk = _risk(time, event, lp, lp, ties, horizon)
    return ipcw_brier(time, event, risk, horizon).estimate


def brier_block(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
                coef: np.ndarray, ties: Ties, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) Brier scores (k,) of the refits ``coef`` (k, p) of the resamples
    ``counts`` (n, k): each scored on its resample and on the original rows (NaN where
    ``coef`` has NaN: a refit not used)."""
    k = counts.shape[1]
    train, test = np.full(k, np.nan), np.full(k, np.nan)
    ev = np.asarray(event)
    for b in range(k):
        if np.isnan(coef[b]).any():
            continue
        lp = x @ coef[b] if x.shape[1] else np.zeros(len(time))
        rows = np.repeat(np.arange(len(time)), counts[:, b])
        t_b, e_b, lp_b = time[rows], ev[rows], lp[rows]
        train[b] = ipcw_brier(t_b, e_b, _risk(t_b, e_b, lp_b, lp_b, ties, horizon),
                              horizon).estimate
        test[b] = ipcw_brier(time, ev, _risk(t_b, e_b, lp_b, lp, ties, horizon),
                             horizon).estimate
    return train, test
