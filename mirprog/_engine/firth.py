"""Firth-penalised Cox regression (Heinze & Schemper 2001) on the one Cox engine.

The penalised log partial likelihood is ``l*(b) = l(b) + 1/2 log |I(b)|``, with
``l``, its score ``U`` and information ``I`` taken from
:func:`mirprog._engine.coxph.derivatives` (Breslow or Efron ties), so the
penalty is added to the same numbers every other Cox fit in mirprog uses.  A
group without events, whose ordinary estimate drifts to infinity (monotone
likelihood), gets a finite hazard ratio, a profile-likelihood confidence
interval and a penalised likelihood-ratio p-value.

:func:`firth_cox` works on arrays; ``mirprog.cox(..., firth=True)`` wraps it in
a :class:`~mirprog.CoxResult` through :func:`mirprog.stats.cox.coxph.firth_result`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from mirprog._engine.coxph import (
    ETA_MAX,
    ETA_MIN,
    RiskSets,
    SingularDesignError,
    Ties,
    centring,
    derivatives,
    risk_set_sums,
    risk_sets,
)
from mirprog._engine.dist import chi2_ppf, chi2_sf
from mirprog._engine.newton import Derivs, newton, solve
from mirprog.errors import ConvergenceWarning

__all__ = ["FirthFit", "firth_cox", "penalised", "risk_set_sums"]


def penalised(beta: np.ndarray, xs: np.ndarray, rs: RiskSets) -> tuple[float, np.ndarray,
                                                                       np.ndarray]:
    """Penalised log-likelihood ``l*``, modified score ``U*`` and information ``I`` at ``beta``.

    ``xs`` is centred and in sorted order, as for
    :func:`~mirprog._engine.coxph.derivatives`.  The modified score is
    ``U + 1/2 tr(I^-1 dI/db_t)``: every event term of ``I`` is a weighted
    covariance ``V = S2/S0 - a a'`` whose weights (Efron's fractions included)
    do not depend on ``b``, so ``dV/db_t = S3_t/S0 - S2 S1_t/S0^2 - (V_t a' + a V_t')``.

    Raises
    ------
    SingularDesignError
        When ``I`` is not positive definite.
    """
    loglik, score, info = derivatives(beta, xs, rs)
    try:
        chol = np.linalg.cholesky(info)
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise SingularDesignError(str(exc)) from exc
    r = np.exp(np.clip(xs @ beta, ETA_MIN, ETA_MAX))       # as the engine
    rx = r[:, None] * xs
    h = np.einsum("ij,jk,ik->i", xs, inv, xs)               # x_i' I^-1 x_i
    s0 = risk_set_sums(r, rs)
    s1 = risk_set_sums(rx, rs)
    s2 = risk_set_sums(rx[:, :, None] * xs[:, None, :], rs)
    big_a = risk_set_sums(rx * h[:, None], rs)              # contracted third moments
    big_b = risk_set_sums(r * h, rs)
    a = s1 / s0[:, None]
    v = s2 / s0[:, None, None] - a[:, :, None] * a[:, None, :]
    term1 = big_a / s0[:, None] - big_b[:, None] * a / s0[:, None]
    term23 = np.einsum("krt,kr->kt", v, a @ inv)
    modified = score + 0.5 * (term1 - 2.0 * term23).sum(axis=0)
    penalty = float(np.log(np.diag(chol)).sum())            # 1/2 log|I|
    return loglik + penalty, modified, info


class _Penalised:
    """``l*``, ``U*`` and ``I`` over the ``free`` coefficients, in the driver's shapes.

    A point where ``I`` is singular has ``l* = -inf`` (the driver pulls the step back).
    """

    def __init__(self, fixed: np.ndarray, free: np.ndarray, xs: np.ndarray,
                 rs: RiskSets) -> None:
        self.fixed, self.free, self.xs, self.rs = fixed, free, xs, rs

    def __call__(self, b: np.ndarray, cols: object) -> Derivs:
        beta = self.fixed.copy()
        beta[self.free] = b[0]
        f = self.free
        try:
            lik, u, info = penalised(beta, self.xs, self.rs)
        except SingularDesignError:
            k = len(f)
            return np.array([-np.inf]), np.full((1, k), np.nan), np.full((1, k, k), np.nan), None
        return np.array([lik]), u[f][None], info[np.ix_(f, f)][None], None


def _maximise(beta: np.ndarray, free: np.ndarray, xs: np.ndarray, rs: RiskSets,
              max_iter: int, tol: float) -> tuple[np.ndarray, float, int, bool]:
    """Maximise ``l*`` over the ``free`` coefficients (the others stay fixed).

    Modified-score Newton steps ``I_ff^-1 U*_f`` (Heinze & Schemper) on the one
    driver, pulled back while they lower ``l*`` (beyond rounding); converged when a
    full step would move no coefficient by more than ``tol`` (coxphf's rule).

    Raises
    ------
    SingularDesignError
        When ``I`` is singular at the start.
    """
    beta = beta.astype(float).copy()
    model = _Penalised(beta, free, xs, rs)
    lik, u, info = penalised(beta, xs, rs)
    at_start: Derivs = (np.array([lik]), u[free][None], info[np.ix_(free, free)][None], None)
    fit = newton(model, 1, len(free), max_iter=max_iter, xtol=tol, slack=1e-12,
                 start=beta[free][None], at_start=at_start)
    beta[free] = fit.beta[0]
    return beta, float(fit.loglik[0]), int(fit.iterations[0]), bool(fit.converged[0])


@dataclass(frozen=True)
class FirthFit:
    """Raw output of :func:`firth_cox` (on the caller's covariate scale).

    Attributes
    ----------
    coef : ndarray
        Penalised estimates.
    var : ndarray
        ``I(b)^-1`` at the penalised estimate (as coxphf and firthmodels).
    loglik, loglik_null : float
        Penalised log partial likelihood ``l* = l + 1/2 log|I|`` at the estimate and at 0.
    loglik_unpenalised : float
        Ordinary log partial likelihood at the penalised estimate.
    score_chi2 : float
        Ordinary score test at 0 (the log-rank test for one binary covariate).
    ci_lower, ci_upper : ndarray
        Profile penalised-likelihood limits for the coefficients (log-HR scale).
    lr_chi2, p : ndarray
        Per coefficient: ``2 [l*(b) - max l* with b_j = 0]`` and its chi-square(1) p.
    conf_level : float
    iterations : int
    converged : bool
    means : ndarray
        Column means used for centring.
    """

    coef: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_null: float
    loglik_unpenalised: float
    score_chi2: float
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    lr_chi2: np.ndarray
    p: np.ndarray
    conf_level: float
    iterations: int
    converged: bool
    means: np.ndarray


class _Profile:
    """``l*`` maximised over the other coefficients with coefficient ``j`` held at ``b``."""

    def __init__(self, j: int, beta_hat: np.ndarray, xs: np.ndarray, rs: RiskSets,
                 max_iter: int, tol: float) -> None:
        self.j, self.xs, self.rs, self.max_iter, self.tol = j, xs, rs, max_iter, tol
        self.free = np.delete(np.arange(len(beta_hat)), j)
        self.start = beta_hat.copy()
        self.ok = True

    def __call__(self, b: float) -> float:
        beta = self.start.copy()
        beta[self.j] = b
        if len(self.free) == 0:
            return penalised(beta, self.xs, self.rs)[0]
        beta, lik, _, conv = _maximise(beta, self.free, self.xs, self.rs, self.max_iter,
                                       self.tol)
        self.ok &= conv
        return lik


def _profile_limit(prof: _Profile, bhat: float, se: float, lstar: float, crit: float,
                   side: float) -> float:
    """Where ``2 [l*(b^) - l*_profile(b)]`` reaches ``crit`` on one side of ``b^``."""
    def gap(b: float) -> float:
        return 2.0 * (lstar - prof(b)) - crit

    width = np.sqrt(crit) * (se if np.isfinite(se) and se > 0 else 1.0)
    for _ in range(60):
        far = bhat + side * width
        if gap(far) > 0:
            break
        width *= 2
    else:
        return side * np.inf
    near = bhat
    from scipy import optimize  # on use: ~0.2 s to import

    root = optimize.brentq(gap, min(near, far), max(near, far), xtol=1e-13, rtol=1e-15,
                           maxiter=200)
    return float(root)


def firth_cox(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    ties: Ties = "breslow",
    *,
    conf_level: float = 0.95,
    max_iter: int = 100,
    tol: float = 1e-10,
    strata: np.ndarray | None = None,
) -> FirthFit:
    """Fit a Firth-penalised Cox model on arrays, with profile CIs and penalised LR tests.

    Parameters
    ----------
    time, event : ndarray
        Follow-up and 0/1 event indicator.
    x : ndarray, shape (n, p)
        Covariates (p >= 1).
    ties : {"breslow", "efron"}, default "breslow"
        Tied event times.  Breslow is what R ``coxphf`` and ``firthmodels``
        implement (our oracle); Efron uses the same penalty on the Efron
        likelihood and information (checked against numerical derivatives).
    conf_level : float, default 0.95
        Level of the profile-likelihood intervals.
    max_iter : int, default 100
        Newton iteration limit (for the fit and for each profile point).
    strata : ndarray, optional
        Integer stratum codes: separate baseline hazards (R ``coxphf`` has no
        strata; the penalty is the same on the stratified likelihood).
    tol : float, default 1e-10
        Convergence: largest coefficient change of a full Newton step.

    Returns
    -------
    FirthFit

    Raises
    ------
    SingularDesignError
        When the information matrix is singular (collinear or constant covariates).

    Warns
    -----
    ConvergenceWarning
        If the fit, or a profile or constrained fit, stops at ``max_iter``.

    Notes
    -----
    Maximises ``l*(b) = l(b) + 1/2 log|I(b)|`` (Firth's penalty, Jeffreys'
    prior) by modified-score Newton steps from 0 with step halving.  The
    interval for ``b_j`` collects the values ``c`` with
    ``2 [l*(b^) - max_{b: b_j = c} l*(b)] <= chi2_{1, conf_level}``, each end
    found by Brent's method on the profile (the other coefficients
    re-maximised at every point); the test of ``b_j = 0`` uses the same
    profile at 0.  ``var`` is ``I(b^)^-1`` (the penalty's curvature is left
    out, as in coxphf).

    Examples
    --------
    A group with no events: the ordinary estimate is infinite, Firth's is finite.

    >>> import numpy as np
    >>> time = np.arange(1.0, 11.0)
    >>> event = np.array([1, 1, 0, 1, 1, 0, 0, 0, 0, 0])
    >>> x = np.repeat([[1.0], [0.0]], 5, axis=0)  # no event where x = 0
    >>> fit = firth_cox(time, event, x)
    >>> [round(float(v), 4) for v in (fit.coef[0], fit.ci_lower[0], fit.ci_upper[0], fit.p[0])]
    [3.1128, 0.756, 8.0279, 0.0067]
    """
    x = np.asarray(x, dtype=float)
    rs = risk_sets(np.asarray(time, float), np.asarray(event), ties, strata=strata)
    means = centring(x)  # as the engine (R): indicator columns are not centred
    xs = (x - means)[rs.order]
    k = x.shape[1]
    zero = np.zeros(k)
    loglik_null = penalised(zero, xs, rs)[0]
    _, u0, i0 = derivatives(zero, xs, rs)
    with np.errstate(invalid="ignore", divide="ignore"):
        step0, bad0 = solve(i0[None], u0[None])
    if bad0[0]:
        raise SingularDesignError("the information matrix is not positive definite at 0")
    score_chi2 = float(u0 @ step0[0])
    beta, lstar, iterations, converged = _maximise(zero, np.arange(k), xs, rs, max_iter, tol)
    loglik_plain, _, info = derivatives(beta, xs, rs)
    var = np.linalg.inv(info)
    var = (var + var.T) / 2
    se = np.sqrt(np.diag(var))
    crit = chi2_ppf(conf_level, 1)
    lower, upper, lr = np.empty(k), np.empty(k), np.empty(k)
    profiles_ok = True
    for j in range(k):
        prof = _Profile(j, beta, xs, rs, max_iter, tol)
        lower[j] = _profile_limit(prof, beta[j], se[j], lstar, crit, -1.0)
        upper[j] = _profile_limit(prof, beta[j], se[j], lstar, crit, 1.0)
        lr[j] = max(0.0, 2.0 * (lstar - (loglik_null if k == 1 else prof(0.0))))
        profiles_ok &= prof.ok
    if not converged or not profiles_ok:
        what = "fit" if not converged else "profile-likelihood fits"
        warnings.warn(f"The Firth-penalised Cox {what} did not converge in {max_iter} "
                      "iterations; estimates, intervals or p-values may be unreliable.",
                      ConvergenceWarning, stacklevel=2)
    return FirthFit(coef=beta, var=var, loglik=lstar, loglik_null=loglik_null,
                    loglik_unpenalised=loglik_plain, score_chi2=score_chi2, ci_lower=lower,
                    ci_upper=upper, lr_chi2=lr, p=np.array([chi2_sf(c, 1) for c in lr]),
                    conf_level=conf_level, iterations=iterations, converged=converged,
                    means=means)



