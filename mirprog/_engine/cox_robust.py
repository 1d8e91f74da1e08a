"""Score residuals and the robust (sandwich) variance of a Cox fit, as R ``coxph(robust=TRUE)``.

The score residual of row i (R ``residuals(fit, type="score")``) splits the
score into per-row pieces that sum to it::

    U_i = d_i (x_i - abar_i) - r_i sum_e c_ie h_e (x_i - a_e)

over the event terms e whose risk set holds i (its stratum, entered before
and still observed at the event time), with h_e = mw_e / S0_e the hazard
increment of the term, a_e its weighted covariate mean, c_ie = 1 - k/d for
i's own k-th Efron term (else 1), and abar_i the mean of a_e over i's own tie
group.  R's robust variance is D'D with D = (w_i U_i) V summed within clusters
(``residuals(fit, "dfbeta", collapse=cluster, weighted=TRUE)``), and its robust
score test is u'(U0'U0)^-1 u with U0 the weighted, collapsed residuals at beta = 0.
"""

from __future__ import annotations

import numpy as np

from mirprog._engine.coxph import ETA_MAX, ETA_MIN, RiskSets, risk_set_sums
from mirprog._engine.newton import inverse

__all__ = ["robust_score_test", "robust_variance", "score_residuals"]


def _event_cumsum(values: np.ndarray, rs: RiskSets, ev_t: np.ndarray, upto: np.ndarray,
                  seg_rows: np.ndarray) -> np.ndarray:
    """Per row: sum of event-term ``values`` of its stratum with time <= ``upto``."""
    pad = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    ev_seg = np.searchsorted(rs.bounds, rs.event_rows, side="right") - 1
    idx = np.zeros(len(upto), dtype=np.int64)
    base = np.zeros(len(upto), dtype=np.int64)
    for k in range(len(rs.bounds) - 1):
        rows = seg_rows == k
        evk = np.flatnonzero(ev_seg == k)
        if not rows.any():
            continue
        lo = evk[0] if len(evk) else 0
        idx[rows] = lo + np.searchsorted(ev_t[evk], upto[rows], side="right")
        base[rows] = lo
    return np.asarray(pad[idx] - pad[base])


def score_residuals(beta: np.ndarray, xs: np.ndarray, rs: RiskSets,
                    time_sorted: np.ndarray) -> np.ndarray:
    """Unweighted score residuals, one row per observation, in sorted order.

    ``xs`` is the centred design in sorted order and ``time_sorted`` the
    (end) times in the same order.
    """
    n = len(xs)
    eta = np.clip(xs @ beta, ETA_MIN, ETA_MAX)
    risk = np.exp(eta)
    wr = risk if rs.weights is None else rs.weights * risk
    s0 = risk_set_sums(wr, rs)
    s0 = np.where(s0 > 0, s0, 1.0)  # a risk set that weighs 0 only at event times weighing 0
    a = risk_set_sums(wr[:, None] * xs, rs) / s0[:, None]
    mw = np.ones(len(s0)) if rs.event_weight is None else rs.event_weight
    h = mw / s0
    ev = rs.event_rows
    ev_t = time_sorted[ev]
    seg_rows = np.searchsorted(rs.bounds, np.arange(n), side="right") - 1
    both = np.column_stack([h, h[:, None] * a])
    acc = _event_cumsum(both, rs, ev_t, time_sorted, seg_rows)
    if rs.entry is not None:
        acc = acc - _event_cumsum(both, rs, ev_t, rs.entry, seg_rows)
    if rs.frac.any():  # a tied event carries only 1 - k/d of its own k-th term
        own = np.zeros((rs.n_groups, both.shape[1]))
        np.add.at(own, rs.group, rs.frac[:, None] * both)
        acc[ev] -= own[rs.group]
    hazard, weighted_mean = acc[:, 0], acc[:, 1:]
    resid = -risk[:, None] * (xs * hazard[:, None] - weighted_mean)
    abar = np.zeros((rs.n_groups, xs.shape[1]))
    np.add.at(abar, rs.group, a)
    abar /= np.bincount(rs.group, minlength=rs.n_groups)[:, None]
    resid[ev] += xs[ev] - abar[rs.group]
    return resid


def _collapsed(resid: np.ndarray, rs: RiskSets, cluster: np.ndarray | None) -> np.ndarray:
    """Weighted residuals (sorted order) summed within clusters (codes in original order)."""
    w = resid if rs.weights is None else rs.weights[:, None] * resid
    if cluster is None:
        return w
    codes = np.asarray(cluster)[rs.order]
    out = np.zeros((int(codes.max()) + 1, resid.shape[1]))
    np.add.at(out, codes, w)
    return out


def robust_variance(beta: np.ndarray, var: np.ndarray, xs: np.ndarray, rs: RiskSets,
                    time_sorted: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """R's robust variance D'D, D the weighted dfbeta residuals summed within ``cluster``."""
    d = _collapsed(score_residuals(beta, xs, rs, time_sorted), rs, cluster) @ var
    return np.asarray(d.T @ d)


def robust_score_test(xs: np.ndarray, rs: RiskSets, time_sorted: np.ndarray,
                      cluster: np.ndarray | None = None) -> float:
    """R's robust score test of beta = 0 (``fit$rscore``)."""
    u0 = _collapsed(score_residuals(np.zeros(xs.shape[1]), xs, rs, time_sorted), rs, cluster)
    u = u0.sum(axis=0)
    inv, failed = inverse((u0.T @ u0)[None])
    if failed[0]:
        return float("nan")
    return float(u @ inv[0] @ u)
