"""Inverse-variance meta-analysis kernels, as R metafor 3.8 ``rma.uni`` (intercept only).

Arrays in, numbers out: ``rma_fit(yi, vi, method)`` pools k estimates ``yi`` with
sampling variances ``vi`` by the fixed-effect (``"FE"``) or a random-effects model with
tau^2 from DerSimonian-Laird (``"DL"``) or REML (``"REML"``), and
``qprofile_tau2_ci`` gives the Q-profile confidence interval of tau^2 (metafor's
``confint(rma)``).  Every rule (starting value, step halving, convergence threshold,
the check against tau^2 = 0, truncation at 0, the search interval of the Q-profile) is
metafor's; the front end (:mod:`mirprog.stats.meta`) checks the inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mirprog._engine.dist import chi2_ppf, chi2_sf, normal_p, zcrit

__all__ = ["REML_MAXITER", "REML_THRESHOLD", "RmaFit", "q_statistic", "qprofile_tau2_ci",
           "reml_loglik", "rma_fit"]

#: metafor's ``control`` defaults for Fisher scoring (``rma.uni``): stop when tau^2
#: changes by less than ``threshold``; fail after ``maxiter`` iterations.
REML_THRESHOLD = 1e-5
REML_MAXITER = 100
_TOL = float(np.finfo(float).eps) ** 0.25     # metafor's con$tol (the ll0 check)


@dataclass(frozen=True)
class RmaFit:
    """The numbers of one ``rma`` fit (R names in brackets)."""

    estimate: float          # beta
    se: float                # se
    z: float                 # zval
    p: float                 # pval
    ci_lower: float          # ci.lb
    ci_upper: float          # ci.ub
    pi_lower: float          # predict()$pi.lb (NaN for "FE")
    pi_upper: float          # predict()$pi.ub
    tau2: float              # tau2 (0 for "FE")
    tau2_se: float           # se.tau2 (NaN for "FE")
    i2: float                # I2, percent
    h2: float                # H2
    q: float                 # QE
    q_df: int                # k - 1
    q_p: float               # QEp
    vt: float                # "typical" within-study variance (k - 1) / tr(P)
    weights: np.ndarray      # weights(), percent
    iterations: int          # Fisher-scoring iterations (0 unless "REML")
    converged: bool
    reset_to_zero: bool      # REML stuck below the likelihood at tau^2 = 0: set to 0


def q_statistic(yi: np.ndarray, vi: np.ndarray, tau2: float = 0.0) -> float:
    """Generalised Cochran's Q, ``sum w (y - mu_w)^2`` with ``w = 1 / (vi + tau2)``.

    At ``tau2 = 0`` this is Cochran's Q (``rma()$QE``); metafor's ``.QE.func``.

    Examples
    --------
    >>> round(q_statistic(np.array([0.0, 1.0]), np.array([1.0, 1.0])), 6)
    0.5
    """
    w = 1.0 / (vi + tau2)
    mu = float(np.sum(w * yi) / np.sum(w))
    return float(np.sum(w * (yi - mu) ** 2))


def _p_traces(w: np.ndarray) -> tuple[float, float]:
    """tr(P) and tr(P P) = sum(P * P) of ``P = W - w w' / sum(w)``."""
    s, s2, s3 = float(np.sum(w)), float(np.sum(w ** 2)), float(np.sum(w ** 3))
    return s - s2 / s, s2 - 2.0 * s3 / s + (s2 / s) ** 2


def reml_loglik(tau2: float, yi: np.ndarray, vi: np.ndarray) -> float:
    """The restricted log-likelihood of tau^2 (metafor's ``ll.REML``, intercept only)."""
    w = 1.0 / (vi + tau2)
    mu = float(np.sum(w * yi) / np.sum(w))
    k = len(yi)
    return float(-0.5 * (k - 1) * math.log(2 * math.pi) - 0.5 * np.sum(np.log(vi + tau2))
                 - 0.5 * math.log(float(np.sum(w))) - 0.5 * np.sum(w * (yi - mu) ** 2))


def _reml_tau2(yi: np.ndarray, vi: np.ndarray, threshold: float, maxiter: int
               ) -> tuple[float, int, bool, bool]:
    """metafor's Fisher scoring for REML: (tau2, iterations, converged, reset_to_zero)."""
    k = len(yi)
    # start: the Hedges (HE) estimator, truncated at 0
    tau2 = max(0.0, (float(np.sum((yi - yi.mean()) ** 2)) - float(np.sum(vi)) * (k - 1) / k)
               / (k - 1))
    change, it = threshold + 1.0, 0
    while change > threshold:
        it += 1
        old = tau2
        w = 1.0 / (vi + tau2)
        mu = float(np.sum(w * yi) / np.sum(w))
        tr_p, tr_pp = _p_traces(w)
        adj = (float(np.sum(w ** 2 * (yi - mu) ** 2)) - tr_p) / tr_pp
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0.0:   # step halving keeps tau^2 >= 0 (ends at adj = -0.0)
            adj /= 2.0
        tau2 += adj
        change = abs(old - tau2)
        if it > maxiter:
            return tau2, it, False, False
    reset = False
    if reml_loglik(0.0, yi, vi) - reml_loglik(tau2, yi, vi) > _TOL and tau2 > threshold:
        tau2, reset = 0.0, True
    return max(0.0, tau2), it, True, reset


def rma_fit(yi: np.ndarray, vi: np.ndarray, method: str, conf_level: float = 0.95, *,
            threshold: float = REML_THRESHOLD, maxiter: int = REML_MAXITER) -> RmaFit:
    """Pool ``yi`` (sampling variances ``vi`` > 0, k >= 2) as ``metafor::rma(yi, vi, method=)``.

    ``method`` is ``"FE"``, ``"DL"`` or ``"REML"``; ``threshold`` and ``maxiter`` are
    metafor's Fisher-scoring controls (REML only).  A REML fit that does not converge
    returns ``converged=False`` with the last iterate (the front end raises).

    Examples
    --------
    >>> fit = rma_fit(np.array([-0.5, 0.1, -0.2]), np.array([0.04, 0.09, 0.05]), "DL")
    >>> round(fit.estimate, 6), round(fit.tau2, 6), round(fit.q, 4)
    (-0.25283, 0.026389, 2.9406)
    """
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = len(yi)
    w_fe = 1.0 / vi
    tr_p_fe, tr_pp_fe = _p_traces(w_fe)
    q = max(0.0, q_statistic(yi, vi))
    tau2, tau2_se, it, converged, reset = 0.0, math.nan, 0, True, False
    if method == "DL":
        tau2 = max(0.0, (q - (k - 1)) / tr_p_fe)
        tau2_se = math.sqrt((2 * (k - 1) + 4 * tau2 * tr_p_fe + 2 * tau2 ** 2 * tr_pp_fe)
                            / tr_p_fe ** 2)
    elif method == "REML":
        tau2, it, converged, reset = _reml_tau2(yi, vi, threshold, maxiter)
        tau2_se = math.sqrt(2.0 / _p_traces(1.0 / (vi + tau2))[1])
    elif method != "FE":
        raise ValueError(f"unknown method {method!r}")
    w = 1.0 / (vi + tau2)
    est = float(np.sum(w * yi) / np.sum(w))
    se = math.sqrt(1.0 / float(np.sum(w)))
    z = est / se
    crit = zcrit(conf_level)
    vt = (k - 1) / tr_p_fe
    if method == "FE":
        i2 = max(0.0, 100.0 * (q - (k - 1)) / q) if q > 0 else 0.0
        h2 = q / (k - 1)
    else:
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
    # metafor's predict() gives no prediction interval for a fixed-effect model
    half_pi = math.nan if method == "FE" else crit * math.sqrt(se ** 2 + tau2)
    return RmaFit(estimate=est, se=se, z=z, p=float(normal_p(z)), ci_lower=est - crit * se,
                  ci_upper=est + crit * se, pi_lower=est - half_pi, pi_upper=est + half_pi,
                  tau2=tau2, tau2_se=tau2_se, i2=i2, h2=h2, q=q, q_df=k - 1,
                  q_p=chi2_sf(q, k - 1), vt=vt, weights=100.0 * w / float(np.sum(w)),
                  iterations=it, converged=converged, reset_to_zero=reset)


def qprofile_tau2_ci(yi: np.ndarray, vi: np.ndarray, tau2: float, conf_level: float = 0.95
                     ) -> tuple[float, float]:
    """Q-profile confidence interval of tau^2 (Viechtbauer 2007), as ``confint(rma)``.

    The bounds solve ``Q(tau2) = chi2_{k-1}`` quantiles, searched in metafor's interval
    ``[0, max(100, 10 tau2)]``: a bound is 0 when ``Q(0)`` is already below its
    quantile, and the interval's end when ``Q`` there is still above it.  Solved to
    machine precision (metafor's ``uniroot`` stops at ~1.2e-4).

    Examples
    --------
    >>> lo, hi = qprofile_tau2_ci(np.array([-0.5, 0.1, -0.2]), np.array([0.04, 0.09, 0.05]),
    ...                           0.026389)
    >>> round(lo, 6), round(hi, 4)
    (0.0, 3.4899)
    """
    from scipy.optimize import brentq

    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    df = len(yi) - 1
    alpha = 1.0 - conf_level
    crit_u, crit_l = chi2_ppf(1.0 - alpha / 2, df), chi2_ppf(alpha / 2, df)
    t_min, t_max = min(0.0, tau2), max(100.0, 10.0 * tau2)
    q_min, q_max = q_statistic(yi, vi, t_min), q_statistic(yi, vi, t_max)

    def root(target: float) -> float:
        return float(brentq(lambda t: q_statistic(yi, vi, t) - target, t_min, t_max,
                            xtol=1e-300, rtol=4 * float(np.finfo(float).eps), maxiter=500))

    if q_min < crit_l:
        upper = t_min
    elif q_max > crit_l:
        upper = t_max
    else:
        upper = root(crit_l)
    if q_max > crit_u:
        lower = upper = t_max
    elif q_min < crit_u:
        lower = t_min
    else:
        lower = root(crit_u)
    return lower, upper
