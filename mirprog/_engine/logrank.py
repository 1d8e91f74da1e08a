"""The one log-rank engine: R ``survdiff`` (rho = 0) and the log-rank scores, on arrays.

Every log-rank number in mirprog comes from here: the k-group test and the trend
test (:func:`mirprog.logrank`), the pairwise tests, the screen's median-split test
for thousands of markers at once (:func:`two_group`) and the scores of the
maximally selected statistic (:func:`logrank_scores`, R ``maxstat``).  At each
distinct event time with n at risk and d events, a group holding a share s of
the risk set expects d s events; the covariance of observed minus expected adds
``d (n - d) / (n - 1)`` (the hypergeometric tie factor, :func:`tie_factor`)
times ``diag(s) - s s'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TwoGroupLogRank", "logrank_arrays", "logrank_scores", "quadratic_chi2",
           "tie_factor", "two_group"]


def tie_factor(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``d (n - d) / (n - 1)`` per event time (0 where one patient is at risk), as survdiff."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, d * (n - d) / (n - 1), 0.0)


def logrank_arrays(
    time: np.ndarray, event: np.ndarray, codes: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected and their k x k covariance for integer group codes 0..k-1.

    Examples
    --------
    >>> import numpy as np
    >>> o, e, v = logrank_arrays(np.array([1., 2, 3, 4]), np.array([1, 1, 0, 1]),
    ...                          np.array([0, 1, 0, 1]), 2)
    >>> o.tolist(), e.round(4).tolist()
    ([1.0, 2.0], [0.8333, 2.1667])
    """
    event_times = np.unique(time[event == 1])
    # at risk per group at each event time: members with time >= t
    n_risk = np.empty((len(event_times), k))
    deaths = np.zeros((len(event_times), k))
    for g in range(k):
        tg = np.sort(time[codes == g])
        n_risk[:, g] = len(tg) - np.searchsorted(tg, event_times, side="left")
    pos = np.searchsorted(event_times, time[event == 1])
    np.add.at(deaths, (pos, codes[event == 1]), 1.0)
    n_tot = n_risk.sum(axis=1)
    d_tot = deaths.sum(axis=1)
    share = n_risk / n_tot[:, None]
    observed = deaths.sum(axis=0)
    expected = (share * d_tot[:, None]).sum(axis=0)
    tie = tie_factor(n_tot, d_tot)
    variance = np.diag((tie[:, None] * share).sum(axis=0)) - np.einsum(
        "t,ti,tj->ij", tie, share, share
    )
    return observed, expected, variance


def quadratic_chi2(o_minus_e: np.ndarray, variance: np.ndarray, expected: np.ndarray
                   ) -> tuple[float, int]:
    """R's survdiff statistic and its df: drop groups with E = 0, then the first group.

    NaN when the remaining covariance is singular (R's "exactly singular").
    """
    keep = expected > 0
    if keep.sum() < 2:
        return 0.0, 0
    diff = o_minus_e[keep][1:]
    v = variance[np.ix_(keep, keep)][1:, 1:]
    try:
        return float(diff @ np.linalg.solve(v, diff)), int(keep.sum() - 1)
    except np.linalg.LinAlgError:
        return float("nan"), int(keep.sum() - 1)


@dataclass(frozen=True)
class TwoGroupLogRank:
    """Two-group log-rank per marker (arrays of length M): the high group's O, E, V; chi2, df."""

    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    chi2: np.ndarray
    df: np.ndarray


def _weighted_sum(weight: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Column sums of ``weight * a`` over event times, ``weight`` (G, 1) or (G, M)."""
    if weight.shape[1] == 1:
        return np.asarray(weight[:, 0] @ a)
    return np.asarray(np.einsum("ij,ij->j", weight, a))


def two_group(n_tot: np.ndarray, n_high: np.ndarray, d_tot: np.ndarray,
              events_high: np.ndarray) -> TwoGroupLogRank:
    """survdiff's two-group statistic for M markers from counts per distinct event time.

    ``n_tot``: at risk (G, 1) if shared by all markers or (G, M); ``n_high``: at
    risk in the high group (G, M); ``d_tot``: events (G, 1) or (G, M), 0 at a time
    where a marker has no event among its rows; ``events_high``: (M,).  A group
    with no expected events is dropped, as survdiff (then chi2 = 0, df = 0).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(d_tot > 0, n_high / n_tot, 0.0)   # nobody at risk only where d = 0
        tie = tie_factor(n_tot, d_tot)
        expected = _weighted_sum(d_tot, share)
        variance = _weighted_sum(tie, share) - _weighted_sum(tie, share * share)
        diff = events_high - expected
        # E_high = 0 iff no high patient is at risk at any event time (sums of whole numbers)
        both = (_weighted_sum(d_tot, n_high) > 0) & (_weighted_sum(d_tot, n_tot - n_high) > 0)
        chi2 = np.where(both, diff * (diff / variance), 0.0)
    return TwoGroupLogRank(events_high, expected, variance, chi2, both.astype(np.int64))


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank scores ``event - H(t)`` as ``exactRankTests::cscores.Surv`` (maxstat's).

    ``H`` adds ``1 / (N - r + 1)`` per event, where ``r`` counts the times
    ``<= t``: with tied times every tied event uses the largest rank of the tie.

    Examples
    --------
    >>> import numpy as np
    >>> logrank_scores(np.array([1., 2, 3]), np.array([1, 0, 1])).round(4).tolist()
    [0.6667, -0.3333, -0.3333]
    """
    order = np.argsort(time, kind="stable")
    ts = time[order]
    rank = np.searchsorted(ts, time, side="right")        # number of times <= t
    fact = event / (len(time) - rank + 1.0)
    return np.asarray(event - np.cumsum(fact[order])[rank - 1], dtype=float)
