"""The one Newton–Raphson driver with R ``survival``'s rules (``coxfit6`` / ``coxph.fit``).

Every Cox fit in mirprog iterates here: the single fit (:func:`~._engine.coxph.fit_cox`,
a batch of one), the screen's thousands of one-covariate models at once
(:mod:`~._engine.cox_batch`) and Firth's penalised likelihood
(:mod:`~._engine.firth`).  A model is whatever gives, at ``beta`` for the models
``cols``, its log-likelihood, score and information (:data:`Derivs`); the driver
owns the rules:

* from beta = 0 (or a given start), a full Newton step ``I^-1 U`` (Cholesky);
* a trial point that lowers the log-likelihood (or is not finite) is pulled
  back towards the last accepted point by 1/2, then 1/3, 1/4, ... of the step;
* convergence is ``|1 - best/newlik| <= eps`` after a full step;
* when iterations run out, the last accepted point is reported, as R does;
* R's "coefficient may be infinite" flag ``|U V| > max(eps, toler_inf |b|)``,
  confirmed by five further Newton steps (:func:`_still_drifting`).

Models drop out of the computation as they converge or fail (their information
is not positive definite), so a block costs what its slowest model costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["Derivs", "NewtonFit", "inverse", "newton", "solve"]

Cols = np.ndarray | None   # the models to evaluate (increasing indices; None = all)
# log-likelihood (m,), score (m, p), information (m, p, p), and the information's scale
# (m,) for the singularity test at the start (None: no scale test)
Derivs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]
Deriv = Callable[[np.ndarray, Cols], Derivs]


@dataclass(frozen=True)
class NewtonFit:
    """The driver's output for m models of p coefficients (rows of failed models are junk)."""

    beta: np.ndarray          # (m, p) the last accepted point
    var: np.ndarray           # (m, p, p) inverse information there
    loglik: np.ndarray        # (m,) at beta
    loglik_null: np.ndarray   # (m,) at the start
    score_chi2: np.ndarray    # (m,) U' I^-1 U at the start
    score: np.ndarray         # (m, p) at beta
    converged: np.ndarray     # (m,) bool
    failed: np.ndarray        # (m,) bool: information not positive definite (or not finite)
    var_failed: np.ndarray    # (m,) bool: the inverse at beta has a negative variance
    iterations: np.ndarray    # (m,) int
    infinite: np.ndarray      # (m, p) bool: R's infinite-coefficient flag, confirmed


def solve(info: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps ``I^-1 U`` for stacked (m, p, p) / (m, p) by Cholesky, and where it failed.

    Failed rows get NaN steps.  Call under ``np.errstate(invalid="ignore", divide="ignore")``.
    """
    m, p = u.shape
    if p == 1:                                   # closed form: (u / c) / c, c = sqrt(info)
        i = info[:, 0, 0]
        ok = np.isfinite(i) & (i > 0)
        c = np.sqrt(np.where(ok, i, np.nan))
        return ((u[:, 0] / c) / c)[:, None], ~ok
    finite = np.isfinite(info).all(axis=(1, 2))
    if m > 1:                                    # stacked; the same LAPACK calls per model
        try:
            chol = np.linalg.cholesky(np.where(finite[:, None, None], info, np.eye(p)))
        except np.linalg.LinAlgError:            # some model is not positive definite
            pass
        else:
            y = np.linalg.solve(chol, u[..., None])
            stacked = np.linalg.solve(np.swapaxes(chol, 1, 2), y)[..., 0]
            stacked[~finite] = np.nan
            return stacked, ~finite
    step = np.full((m, p), np.nan)
    bad = np.zeros(m, dtype=bool)
    for j in range(m):
        if not finite[j]:
            bad[j] = True
            continue
        try:
            chol = np.linalg.cholesky(info[j])
        except np.linalg.LinAlgError:
            bad[j] = True
            continue
        step[j] = np.linalg.solve(chol.T, np.linalg.solve(chol, u[j]))
    return step, bad


def inverse(info: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetrised inverses of stacked information matrices, and where one is unusable."""
    m, p, _ = info.shape
    if p == 1:
        return 1.0 / info, info[:, 0, 0] <= 0
    if m > 1 and np.isfinite(info).all():      # stacked; the same LAPACK calls per model
        try:
            v = np.linalg.inv(info)
        except np.linalg.LinAlgError:            # some model is singular
            pass
        else:
            diag = np.diagonal(v, axis1=1, axis2=2)
            return (v + np.swapaxes(v, 1, 2)) / 2, np.any(diag < 0, axis=1)
    var = np.full_like(info, np.nan)
    bad = np.zeros(m, dtype=bool)
    for j in range(m):
        try:
            v = np.linalg.inv(info[j])
        except np.linalg.LinAlgError:
            bad[j] = True
            continue
        bad[j] = bool(np.any(np.diag(v) < 0))   # numerically singular: not a covariance
        var[j] = (v + v.T) / 2
    return var, bad


def _mask(cond: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``cond`` (k,) broadcast against ``a`` (k, ...)."""
    return cond.reshape(-1, *([1] * (a.ndim - 1)))


def newton(deriv: Deriv, m: int, p: int, *, max_iter: int = 20, eps: float = 1e-9,
           toler_inf: float | None = None, singular_tol: float = 1e-10,
           xtol: float | None = None, slack: float = 0.0, start: np.ndarray | None = None,
           at_start: Derivs | None = None,
           solver: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] = solve
           ) -> NewtonFit:
    """Maximise m log-likelihoods of p coefficients each by R's Newton–Raphson rules.

    Parameters
    ----------
    deriv : callable
        ``deriv(beta, cols)`` -> :data:`Derivs` for the models ``cols`` at ``beta``
        (``(len(cols), p)``; ``cols`` None means all m).
    m, p : int
        Number of models and of coefficients per model.
    max_iter, eps, toler_inf :
        R's ``coxph.control`` (``iter.max``, ``eps``, ``toler.inf``; default sqrt(eps)).
    singular_tol : float
        With a scale from ``deriv``, a model whose information at the start is not
        above ``singular_tol`` times its scale fails (rounding can leave a tiny
        positive remainder where the information is 0).
    xtol : float, optional
        Converge instead when a point is accepted whose full Newton step would move
        no coefficient by more than ``xtol`` (R ``coxphf``'s rule; Firth's score is
        exact but its information leaves out the penalty's curvature, so the
        likelihood rule would stop early).
    slack : float, default 0
        A trial is worse only if its log-likelihood is below the best by more than
        ``slack * |best|`` (rounding; 0 is R's ``coxph``).
    start : ndarray, optional
        Starting point (m, p); default 0.
    at_start : Derivs, optional
        ``deriv(start, None)``, when the caller has it already.
    solver : callable, default :func:`solve`
        The Newton step ``(info, u) -> (step, failed)`` of the iterations (e.g. R
        ``cholesky2``'s, which zeroes the step of a near-singular pivot instead of
        failing: :func:`mirprog._engine.cox_freq.r_cholesky_step`).

    Examples
    --------
    A quadratic log-likelihood, maximum at 2: one Newton step, then convergence.

    >>> import numpy as np
    >>> def quad(beta, cols):
    ...     b = beta[:, 0]
    ...     info = np.full((len(b), 1, 1), 2.0)
    ...     return -1 - (b - 2.0) ** 2, (-2.0 * (b - 2.0))[:, None], info, None
    >>> fit = newton(quad, 1, 1)
    >>> fit.beta.tolist(), fit.converged.tolist(), fit.iterations.tolist()
    ([[2.0]], [True], [2])
    """
    toler = float(np.sqrt(eps)) if toler_inf is None else toler_inf
    beta = np.zeros((m, p)) if start is None else np.array(start, dtype=float)
    halving = np.zeros(m, dtype=np.int64)
    converged = np.zeros(m, dtype=bool)
    iterations = np.zeros(m, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        loglik_null, u, info, scale = deriv(beta, None) if at_start is None else at_start
        u, info = np.array(u, dtype=float), np.array(info, dtype=float)
        step, failed = solve(info, u)
        if scale is not None:
            failed |= ~(info[:, 0, 0] > singular_tol * scale)
        score_chi2 = np.einsum("mp,mp->m", u, step)
        best = np.array(loglik_null, dtype=float)
        newbeta = beta + step
        active = ~failed
        idx = np.flatnonzero(active)
        for it in range(1, max_iter + 1):
            if idx.size == 0:
                break
            full = idx.size == m
            sel: slice | np.ndarray = slice(None) if full else idx
            b, nb, lik, h = beta[sel], newbeta[sel], best[sel], halving[sel]
            newlik, u_i, info_i, _ = deriv(nb, None if full else idx)
            iterations[sel] = it
            finite = (np.isfinite(newlik) & np.isfinite(u_i).all(axis=1)
                      & np.isfinite(info_i).all(axis=(1, 2)))
            step, bad = solver(info_i, u_i)
            conv, worse = _judge(newlik, lik, finite, h, step, bad, eps, xtol, slack)
            better = ~conv & ~worse
            # worse: pull the trial back towards beta by 1/2, 1/3, ... of the step
            h = np.where(worse, h + 1, 0)          # conv happens only at h == 0
            hh = _mask(h, nb)
            trial = np.where(_mask(worse, nb), (nb + hh * b) / (hh + 1), nb + step)
            beta[sel] = np.where(_mask(worse, nb), b, nb)   # (b, nb are views for a slice)
            newbeta[sel] = np.where(_mask(conv, nb), nb, trial)
            best[sel] = np.where(worse, lik, newlik)
            halving[sel] = h
            if conv.any():
                u[sel] = np.where(_mask(conv, u_i), u_i, u[sel])
                info[sel] = np.where(_mask(conv, info_i), info_i, info[sel])
                converged[sel] |= conv
            done = conv | (bad & better)
            if done.any():
                failed[sel] |= bad & better
                active[sel] &= ~done
                idx = np.flatnonzero(active)
        out = np.flatnonzero(~converged & ~failed)   # ran out: the best accepted point, as R
        if out.size:
            best[out], u[out], info[out], _ = deriv(beta[out], None if out.size == m else out)
        var, var_failed = inverse(info)
        infinite = _infinite(deriv, beta, u, var, failed, eps, toler)
    return NewtonFit(beta=beta, var=var, loglik=best, loglik_null=np.asarray(loglik_null),
                     score_chi2=score_chi2, score=u, converged=converged, failed=failed,
                     var_failed=var_failed, iterations=iterations, infinite=infinite)


def _judge(newlik: np.ndarray, lik: np.ndarray, finite: np.ndarray, h: np.ndarray,
           step: np.ndarray, bad: np.ndarray, eps: float, xtol: float | None, slack: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """Which trials converge and which are worse than the best point (R's rules, or xtol's)."""
    floor = lik - slack * np.abs(lik)
    if xtol is None:
        conv = finite & (np.abs(1 - lik / newlik) <= eps) & (h == 0)
    else:
        conv = finite & ~bad & (newlik >= floor) & (np.abs(step).max(axis=1) <= xtol)
    return conv, ~conv & (~finite | (newlik < floor))


def _infinite(deriv: Deriv, beta: np.ndarray, u: np.ndarray, var: np.ndarray,
              failed: np.ndarray, eps: float, toler: float) -> np.ndarray:
    """R's flag ``|U V| > eps`` and ``> toler_inf |b|``, confirmed by :func:`_still_drifting`."""
    infs = np.abs(np.einsum("mp,mpq->mq", u, var))
    infinite = ~np.isfinite(u) | ((infs > eps) & (infs > toler * np.abs(beta)))
    infinite &= _mask(~failed, infinite)
    flagged = np.flatnonzero(infinite.any(axis=1))
    if flagged.size:
        infinite[flagged] &= _still_drifting(deriv, beta[flagged], flagged, len(beta))
    return infinite


def _still_drifting(deriv: Deriv, beta: np.ndarray, cols: np.ndarray, m: int, steps: int = 5,
                    distance: float = 1.0) -> np.ndarray:
    """Confirm R's infinite-coefficient flag: do more Newton steps keep moving the estimate?

    R's rule (``|U V| > toler.inf |b|``) also fires when an estimate is close to
    0.  Along a monotone likelihood each further Newton step moves the
    coefficient by about one unit; at a finite maximum the steps vanish.  Flags
    are kept where ``steps`` extra steps move a coefficient by more than
    ``distance`` (and for every coefficient of a model whose steps cannot be
    computed).
    """
    b = beta.copy()
    broken = np.zeros(len(beta), dtype=bool)
    which = None if len(cols) == m else cols
    for _ in range(steps):
        _, u, info, _ = deriv(b, which)
        step, bad = solve(info, u)
        broken |= bad
        b = b + step
        broken |= ~np.isfinite(b).all(axis=1)
    return np.asarray(_mask(broken, b) | (np.abs(b - beta) > distance))
