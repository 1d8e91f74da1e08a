"""The Fine-Gray proportional subdistribution-hazards model, as R ``cmprsk::crr``.

Arrays in, arrays out.  ``status``: 0 = censored, 1 = the cause modelled, 2 = any
other cause.  A subject failing from another cause stays in the risk set after its
failure, weighted by G(t-) / G(T_i-), G the Kaplan-Meier of the censoring
distribution (one censoring group: ``crr`` without ``cengroup``).

The fit reproduces ``crr`` step by step: Newton-Raphson from 0 with its stopping
rule (``max |score| * max(|b|, 1) < max(|loglik|, 1) * gtol``) and backtracking
(``crrf``), and the robust sandwich variance of Fine & Gray (1999), H^-1 (sum_i
eta_i eta_i') H^-1, whose eta_i adds to the score residual the term of the
estimated censoring distribution (``crrvv``).  The nested loops of the Fortran are
replaced by sums over an (n x failure-times) weight matrix and cumulative sums.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FineGrayFit", "censoring_km_minus", "fine_gray_fit"]


class FineGrayFit(NamedTuple):
    """A fitted Fine-Gray model (``crr``'s ``coef``, ``var``, ``loglik``...)."""

    coef: np.ndarray
    var: np.ndarray
    """Robust (sandwich) covariance."""
    naive_var: np.ndarray
    """Inverse information."""
    loglik: float
    score: np.ndarray
    information: np.ndarray
    converged: bool
    iterations: int
    failure_times: np.ndarray
    n_failures: np.ndarray


def censoring_km_minus(time: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """G(T_i-): the Kaplan-Meier of the censoring times just before each (sorted) time."""
    uniq, first, counts = np.unique(time, return_index=True, return_counts=True)
    at_risk = len(time) - first
    pos = np.repeat(np.arange(len(uniq)), counts)
    cens = np.bincount(pos[censored], minlength=len(uniq))
    after = np.cumprod(1.0 - cens / at_risk)
    before = np.concatenate([[1.0], after[:-1]])
    return before[pos]


class _Setup(NamedTuple):
    x: np.ndarray
    fail: np.ndarray          # rows failing from the cause
    c: np.ndarray             # (n, D) risk-set weights without exp(eta)
    dd: np.ndarray            # failures at each distinct failure time
    uft: np.ndarray
    fail_pos: np.ndarray      # each failing row's failure-time index


def _setup(time: np.ndarray, status: np.ndarray, x: np.ndarray) -> _Setup:
    g_minus = censoring_km_minus(time, status == 0)
    fail = status == 1
    uft, fail_pos, dd = np.unique(time[fail], return_inverse=True, return_counts=True)
    first_fail = np.searchsorted(time, uft, side="left")
    g_at = g_minus[first_fail]
    at_risk = time[:, None] >= uft[None, :]
    other = (status == 2)[:, None] & ~at_risk
    c = at_risk.astype(float) + np.where(other, g_at[None, :] / g_minus[:, None], 0.0)
    return _Setup(x, fail, c, dd.astype(float), uft, fail_pos)


def _objective(s: _Setup, b: np.ndarray, derivatives: bool = True
               ) -> tuple[float, np.ndarray, np.ndarray]:
    """crr's minimised -log partial likelihood, its gradient and Hessian (crrfsv, crrf)."""
    eta = s.x @ b
    w = s.c * np.exp(eta)[:, None]
    s0 = w.sum(axis=0)
    lik = -float(eta[s.fail].sum()) + float(s.dd @ np.log(s0))
    if not derivatives:
        return lik, np.empty(0), np.empty((0, 0))
    mean = (w.T @ s.x) / s0[:, None]
    score = -s.x[s.fail].sum(axis=0) + s.dd @ mean
    a = w @ (s.dd / s0)
    info = s.x.T @ (a[:, None] * s.x) - (mean.T * s.dd) @ mean
    return lik, score, info


def _residuals(s: _Setup, time: np.ndarray, status: np.ndarray, b: np.ndarray) -> np.ndarray:
    """eta_i of the sandwich: score residual plus the censoring-distribution term (crrvv)."""
    n = len(time)
    e = np.exp(s.x @ b)
    w = s.c * e[:, None]
    s0 = w.sum(axis=0)
    mean = (w.T @ s.x) / s0[:, None]
    a = w @ (s.dd / s0)
    resid = -(a[:, None] * s.x - w @ (mean * (s.dd / s0)[:, None]))
    resid[s.fail] += s.x[s.fail] - mean[s.fail_pos]
    # censoring part: q(t) at each distinct time t holding a censoring
    uniq, first, counts = np.unique(time, return_index=True, return_counts=True)
    pos = np.repeat(np.arange(len(uniq)), counts)
    y = (n - first).astype(float)
    n_cens = np.bincount(pos[status == 0], minlength=len(uniq)).astype(float)
    g_minus = censoring_km_minus(time, status == 0)
    other = status == 2
    v0 = np.where(other, e / g_minus, 0.0)
    b0 = np.concatenate([[0.0], np.cumsum(v0)])[first]             # sum over T_j < t
    b1 = np.vstack([np.zeros(s.x.shape[1]), np.cumsum(v0[:, None] * s.x, axis=0)])[first]
    g_at = g_minus[np.searchsorted(time, s.uft, side="left")]
    unit = s.dd * g_at / s0
    alpha_all = np.concatenate([np.cumsum(unit[::-1])[::-1], [0.0]])
    beta_all = np.vstack([np.cumsum((unit[:, None] * mean)[::-1], axis=0)[::-1],
                          np.zeros(s.x.shape[1])])
    from_d = np.searchsorted(s.uft, uniq, side="left")               # u_d >= t
    q = alpha_all[from_d][:, None] * b1 - b0[:, None] * beta_all[from_d]
    step = -q * (n_cens / y**2)[:, None]
    psi = np.cumsum(step, axis=0)[pos]
    cens = status == 0
    psi[cens] += q[pos[cens]] / y[pos[cens], None]
    out: np.ndarray = resid + psi
    return out


def fine_gray_fit(time: np.ndarray, status: np.ndarray, x: np.ndarray, *,
                  gtol: float = 1e-6, max_iter: int = 10) -> FineGrayFit:
    """Fit the Fine-Gray model as ``crr(ftime, fstatus, cov1)`` (defaults as ``crr``)."""
    order = np.argsort(np.asarray(time, dtype=float), kind="stable")
    t = np.asarray(time, dtype=float)[order]
    st = np.asarray(status, dtype=np.int64)[order]
    xs = np.asarray(x, dtype=float)[order]
    s = _setup(t, st, xs)
    b = np.zeros(xs.shape[1])
    converged, it = False, 0
    for it in range(max_iter + 1):
        lik, score, info = _objective(s, b)
        if np.max(np.abs(score) * np.maximum(np.abs(b), 1.0)) < max(abs(lik), 1.0) * gtol:
            converged = True
            break
        if it == max_iter:
            break
        step = -np.linalg.solve(info, score)
        bn = b + step
        fbn = _objective(s, bn, derivatives=False)[0]
        halvings = 0
        while np.isnan(fbn) or fbn > lik + 1e-4 * float(step @ score):
            halvings += 1
            step = step * 0.5
            bn = b + step
            fbn = _objective(s, bn, derivatives=False)[0]
            if halvings > 20:
                break
        if halvings > 20:
            break
        b = bn
    lik, score, info = _objective(s, b)
    eta = _residuals(s, t, st, b)
    h_inv = np.linalg.inv(info)
    var = h_inv @ (eta.T @ eta) @ h_inv.T
    return FineGrayFit(b, var, h_inv, -lik, -score, info, converged, it, s.uft,
                       s.dd.astype(np.int64))
