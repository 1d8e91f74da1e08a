"""Areas under a Kaplan–Meier curve: the restricted mean survival time and its variance."""

from __future__ import annotations

import numpy as np

__all__ = ["restricted_mean"]


def restricted_mean(time: np.ndarray, surv: np.ndarray, n_risk: np.ndarray,
                    n_event: np.ndarray, tau: float, start: float = 0.0
                    ) -> tuple[float, float]:
    """Area under a step curve from ``start`` to ``tau`` and its variance, as R ``survmean``.

    Parameters
    ----------
    time, surv, n_risk, n_event : numpy.ndarray
        The curve at its distinct times (sorted), as ``survfit`` stores it: the value
        ``surv[j]`` holds on ``[time[j], time[j+1])`` and the curve is 1 before ``time[0]``.
    tau : float
        Upper limit of the integral; beyond the last time the curve stays at its last value.
    start : float, default 0.0
        Lower limit (R: ``min(0, time)``).

    Returns
    -------
    (float, float)
        The area ``mu = sum_j (t_j - t_{j-1}) S(t_{j-1})`` over the times ``<= tau`` plus
        ``tau``, and ``var = sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j))``, with ``A_j`` the
        area from ``t_j`` to ``tau``; a time where ``n_j = d_j`` adds 0 (R's convention).
    """
    keep = time <= tau
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    if not keep.any():  # tau before the first time: the curve is 1 on [start, tau]
        return float(tau - start), 0.0
    t = np.concatenate([time[keep], [tau]])
    s = np.concatenate([surv[keep], [surv[keep][-1]]])
    h = np.concatenate([hh[keep], [0.0]])
    rect = np.diff(np.concatenate([[start], t])) * np.concatenate([[1.0], s[:-1]])
    tail = np.cumsum(rect[1:][::-1])       # area from each kept time to tau, last first
    var = float(np.sum(tail**2 * h[::-1][1:]))
    return float(rect.sum()), var
