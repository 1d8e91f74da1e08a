"""Follow-up times that differ only by floating-point noise count as one time (R's ``timefix``).

Times computed two ways (``1/3`` and ``1 - 2/3``, days divided by 365.25 and multiplied
back) differ in the last bits.  Counted as distinct they split a tie: a Kaplan–Meier
table gains rows, a log-rank risk set and a Cox likelihood change.  R's ``survfit``,
``survdiff`` and ``coxph`` merge such times first (``timefix = TRUE``, the default,
through ``survival:::aeqSurv``); every front-end of mirprog's engine does the same
with :func:`aeq_times`, once per analysis, on the rows that analysis uses.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["TIMEFIX_TOLERANCE", "aeq_times"]

TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
"""R's default ``sqrt(.Machine$double.eps)``, about 1.49e-8."""


def aeq_times(time: ArrayLike, tolerance: float = TIMEFIX_TOLERANCE) -> np.ndarray:
    """Follow-up times with near-equal values made equal, exactly as R's ``aeqSurv``.

    Parameters
    ----------
    time : array_like of float
        Follow-up times (NaN and infinite values are left as they are).
    tolerance : float, default sqrt(machine epsilon)
        Two neighbouring distinct times are tied when their difference is at most
        ``tolerance``, absolutely or relative to the mean absolute distinct time.

    Returns
    -------
    numpy.ndarray
        A new float array, same shape; the input is not changed.

    Notes
    -----
    R's rule (``survival:::aeqSurv``, survival 3.x): sort the distinct finite times
    ``y``; the gap ``y[i+1] - y[i]`` is a tie when ``gap <= tol`` or
    ``gap / mean(|y|) <= tol``.  Runs of tied gaps form one cluster (so a chain of
    small gaps merges even when its ends are further apart than ``tol``) and every
    time is replaced by the smallest time of its cluster.  The reported times are
    therefore original values, as in R's ``survfit(...)$time``.

    Examples
    --------
    >>> aeq_times([1 / 3, 1 - 2 / 3, 0.5]).tolist() == [1 / 3, 1 / 3, 0.5]
    True
    >>> aeq_times([1.0, 2.0]).tolist()
    [1.0, 2.0]
    """
    t = np.array(time, dtype=float)
    finite = np.isfinite(t)
    y = np.unique(t[finite])
    if len(y) < 2 or not tolerance > 0:
        return t
    gap = np.diff(y)
    scale = math.fsum(np.abs(y)) / len(y)
    tied = (gap <= tolerance) | (gap / scale <= tolerance)
    if not tied.any():
        return t
    cuts = y[np.concatenate([[True], ~tied])]
    t[finite] = cuts[np.searchsorted(cuts, t[finite], side="right") - 1]
    return t


