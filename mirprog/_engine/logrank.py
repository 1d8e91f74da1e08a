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

__all__ = ["WEIGHTINGS", "TwoGroupLogRank", "logrank_arrays", "logrank_scores",
           "quadratic_chi2", "tie_factor", "time_weights", "two_group"]


def tie_factor(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``d (n - d) / (n - 1)`` per event time (0 where one patient is at risk), as survdiff."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, d * (n - d) / (n - 1), 0.0)


WEIGHTINGS = ("logrank", "gehan", "tarone-ware", "peto-peto", "modified-peto-peto",
              "fleming-harrington")


def time_weights(n: np.ndarray, d: np.ndarray, weighting: str = "logrank", *,
                 rho: float = 0.0, p: float = 0.0, q: float = 0.0) -> np.ndarray:
    """The weight of each distinct event time (at risk ``n``, events ``d``, in time order).

    ``"logrank"`` with ``rho`` is R ``survdiff``'s G-rho family, S(t-)^rho with S
    the pooled Kaplan–Meier; the others are as R ``survMisc::comp``: Gehan n,
    Tarone–Ware sqrt(n), Peto–Peto prod(1 - d/(n + 1)) up to and including t,
    modified Peto–Peto that times n/(n + 1), Fleming–Harrington S(t-)^p (1 - S(t-))^q.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        km = np.cumprod(np.where(n > 0, 1.0 - d / n, 1.0))
    km_minus = np.concatenate([[1.0], km[:-1]])
    if weighting == "logrank":
        return km_minus ** rho if rho != 0 else np.ones(len(n))
    if weighting == "gehan":
        return n.astype(float)
    if weighting == "tarone-ware":
        return np.sqrt(n)
    peto = np.cumprod(1.0 - d / (n + 1.0))
    if weighting == "peto-peto":
        return peto
    if weighting == "modified-peto-peto":
        return peto * n / (n + 1.0)
    if weighting == "fleming-harrington":
        return km_minus ** p * (1.0 - km_minus) ** q
    raise ValueError(f"unknown weighting {weighting!r}")


def _one_stratum(time: np.ndarray, event: np.ndarray, codes: np.ndarray, k: int,
                 weighting: str, rho: float, p: float, q: float,
                 entry: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    event_times = np.unique(time[event == 1])
    # at risk per group at each event time: members with time >= t (and entry < t)
    n_risk = np.empty((len(event_times), k))
    deaths = np.zeros((len(event_times), k))
    for g in range(k):
        tg = np.sort(time[codes == g])
        n_risk[:, g] = len(tg) - np.searchsorted(tg, event_times, side="left")
        if entry is not None:
            eg = np.sort(entry[codes == g])
            n_risk[:, g] -= len(eg) - np.searchsorted(eg, event_times, side="left")
    pos = np.searchsorted(event_times, time[event == 1])
    np.add.at(deaths, (pos, codes[event == 1]), 1.0)
    n_tot = n_risk.sum(axis=1)
    d_tot = deaths.sum(axis=1)
    share = n_risk / n_tot[:, None]
    tie = tie_factor(n_tot, d_tot)
    if weighting == "logrank" and rho == 0:
        observed = deaths.sum(axis=0)
        expected = (share * d_tot[:, None]).sum(axis=0)
    else:
        w = time_weights(n_tot, d_tot, weighting, rho=rho, p=p, q=q)
        observed = w @ deaths
        expected = (w * d_tot) @ share
        tie = tie * w * w
    variance = np.diag((tie[:, None] * share).sum(axis=0)) - np.einsum(
        "t,ti,tj->ij", tie, share, share
    )
    return observed, expected, variance


def logrank_arrays(
    time: np.ndarray, event: np.ndarray, codes: np.ndarray, k: int, *,
    strata: np.ndarray | None = None, weighting: str = "logrank", rho: float = 0.0,
    p: float = 0.0, q: float = 0.0, entry: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected and their k x k covariance for integer group codes 0..k-1.

    With ``strata`` (integer codes) each stratum is its own comparison and the
    three are summed over strata, as R ``survdiff(~ by + strata(z))``; with a
    weighting (:func:`time_weights`) O and E are weighted sums over event times
    and the covariance has the squared weights (R ``survdiff(rho=)`` reports
    the weighted O and E too).

    Examples
    --------
    >>> import numpy as np
    >>> o, e, v = logrank_arrays(np.array([1., 2, 3, 4]), np.array([1, 1, 0, 1]),
    ...                          np.array([0, 1, 0, 1]), 2)
    >>> o.tolist(), e.round(4).tolist()
    ([1.0, 2.0], [0.8333, 2.1667])
    """
    if strata is None:
        return _one_stratum(time, event, codes, k, weighting, rho, p, q, entry)
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for s in np.unique(strata):
        sel = strata == s
        o, e, v = _one_stratum(time[sel], event[sel], codes[sel], k, weighting, rho, p, q,
                               None if entry is None else entry[sel])
        observed, expected, variance = observed + o, expected + e, variance + v
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


CHUNK = 2**16  # values per working array of :func:`two_group` (cache-sized, reused)


def two_group(n_tot: np.ndarray, n_high: np.ndarray, d_tot: np.ndarray,
              events_high: np.ndarray) -> TwoGroupLogRank:
    """survdiff's two-group statistic for M markers from counts per distinct event time.

    ``n_tot``: at risk (G, 1) if shared by all markers or (G, M); ``n_high``: at
    risk in the high group (G, M); ``d_tot``: events (G, 1) or (G, M), 0 at a time
    where a marker has no event among its rows; ``events_high``: (M,).  A group
    with no expected events is dropped, as survdiff (then chi2 = 0, df = 0).

    The shares of the risk sets are taken in cache-sized blocks of event
    times, written into two reused arrays: a (G, M) temporary per step cost
    a page fault per 4 kB of it.
    """
    g, m = n_high.shape
    tie = tie_factor(n_tot, d_tot)
    shared = d_tot.shape[1] == 1            # (then every event time has an event: d > 0)
    # expected, sum tie share, sum tie share^2, high at risk at the events (whole numbers)
    acc = np.zeros((4, m))
    step = max(1, CHUNK // max(1, m))
    buf = np.empty((2, min(step, g), m))
    with np.errstate(invalid="ignore", divide="ignore"):
        for a in range(0, g, step):
            b = min(a + step, g)
            share, sq = buf[0, :b - a], buf[1, :b - a]
            np.divide(n_high[a:b], n_tot[a:b], out=share)
            if not shared:                  # nobody at risk only where d = 0
                np.copyto(share, 0.0, where=d_tot[a:b] == 0)
            np.multiply(share, share, out=sq)
            d, t, nh = d_tot[a:b], tie[a:b], n_high[a:b]
            if shared and t.shape[1] == 1:
                acc[0] += d[:, 0] @ share
                acc[1] += t[:, 0] @ share
                acc[2] += t[:, 0] @ sq
                acc[3] += d[:, 0] @ nh
            else:
                acc[0] += np.einsum("ij,ij->j", _wide(d, m), share)
                acc[1] += np.einsum("ij,ij->j", _wide(t, m), share)
                acc[2] += np.einsum("ij,ij->j", _wide(t, m), sq)
                acc[3] += np.einsum("ij,ij->j", _wide(d, m), nh)
        expected, v1, v2, at_events_high = acc
        variance = v1 - v2
        diff = events_high - expected
        # E_high = 0 iff no high patient is at risk at any event time (sums of whole numbers,
        # exact in any order)
        at_events = (d_tot * n_tot).sum(axis=0)
        both = (at_events_high > 0) & (at_events - at_events_high > 0)
        chi2 = np.where(both, diff * (diff / variance), 0.0)
    return TwoGroupLogRank(events_high, expected, variance, chi2, both.astype(np.int64))


def _wide(a: np.ndarray, m: int) -> np.ndarray:
    return a if a.shape[1] == m else np.broadcast_to(a, (a.shape[0], m))


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
