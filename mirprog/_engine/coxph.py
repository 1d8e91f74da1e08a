"""The one Cox partial-likelihood engine behind every Cox number in mirprog.

Works on plain arrays; :func:`mirprog.cox` builds the design from a Cohort
and wraps the output in a :class:`~mirprog.stats.cox.coxph.CoxResult`.  Here: the
risk sets, the log partial likelihood with its score and information (Breslow
and Efron ties), and :func:`fit_cox`, one model on the one Newton–Raphson
driver (:mod:`mirprog._engine.newton`), whose step halving, stopping rule and
test for infinite coefficients replicate R ``survival``'s ``coxfit6`` /
``coxph.fit``, so fits agree with ``coxph`` to rounding, even where the
likelihood is monotone and the estimate depends on when iteration stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from mirprog._engine.newton import Derivs, newton
from mirprog.errors import ArgumentError

Ties = Literal["breslow", "efron"]


@dataclass(frozen=True)
class RiskSets:
    """Event structure of a sorted survival sample, shared by every evaluation."""

    order: np.ndarray      # permutation sorting rows by time
    first: np.ndarray      # per event row: index (in sorted order) where its risk set starts
    event_rows: np.ndarray  # sorted-order indices of the events
    group: np.ndarray      # per event row: its tied-event-time group (0..G-1)
    frac: np.ndarray       # per event row: Efron fraction k/d (0 for Breslow)
    n_groups: int


def risk_sets(time: np.ndarray, event: np.ndarray, ties: Ties) -> RiskSets:
    """Precompute risk-set starts and tie groups for ``time``/``event``."""
    if ties not in ("breslow", "efron"):
        raise ArgumentError(f"ties must be 'breslow' or 'efron', got {ties!r}.", argument="ties")
    order = np.argsort(time, kind="stable")
    t = time[order]
    e = event[order]
    event_rows = np.flatnonzero(e == 1)
    et = t[event_rows]
    first = np.searchsorted(t, et, side="left")
    _, group, counts = np.unique(et, return_inverse=True, return_counts=True)
    if ties == "efron":
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(et)) - starts[group]
        frac = rank / counts[group]
    else:
        frac = np.zeros(len(et))
    return RiskSets(order, first, event_rows, group, frac.astype(float), len(counts))


ETA_MIN, ETA_MAX = -200.0, 22.0  # R survival's coxsafe() bounds on the linear predictor


def derivatives(beta: np.ndarray, x: np.ndarray, rs: RiskSets) -> tuple[float, np.ndarray,
                                                                         np.ndarray]:
    """Log partial likelihood, score vector and information matrix at ``beta``.

    ``x`` is in sorted order (``x[rs.order]``) and centred.  As R's ``coxsafe``,
    the centred linear predictor is clamped to [-200, 22]: this only matters
    for wild trial steps (and keeps exp() finite), never near a sane estimate.
    """
    eta = np.clip(x @ beta, ETA_MIN, ETA_MAX)
    r = np.exp(eta)
    rx = r[:, None] * x
    rxx = rx[:, :, None] * x[:, None, :]
    s0c = np.cumsum(r[::-1])[::-1]
    s1c = np.cumsum(rx[::-1], axis=0)[::-1]
    s2c = np.cumsum(rxx[::-1], axis=0)[::-1]
    ev = rs.event_rows
    s0, s1, s2 = s0c[rs.first], s1c[rs.first], s2c[rs.first]
    if rs.frac.any():  # Efron: remove a fraction of the tied events' own mass
        g, f = rs.group, rs.frac
        d0 = np.bincount(g, weights=r[ev], minlength=rs.n_groups)
        d1 = np.zeros((rs.n_groups, x.shape[1]))
        np.add.at(d1, g, rx[ev])
        d2 = np.zeros((rs.n_groups, x.shape[1], x.shape[1]))
        np.add.at(d2, g, rxx[ev])
        s0 = s0 - f * d0[g]
        s1 = s1 - f[:, None] * d1[g]
        s2 = s2 - f[:, None, None] * d2[g]
    a = s1 / s0[:, None]
    loglik = float(eta[ev].sum() - np.log(s0).sum())
    score = x[ev].sum(axis=0) - a.sum(axis=0)
    info = (s2 / s0[:, None, None]).sum(axis=0) - a.T @ a
    return loglik, score, info


@dataclass(frozen=True)
class CoxFit:
    """Raw output of :func:`fit_cox` (on the caller's covariate scale)."""

    coef: np.ndarray
    var: np.ndarray
    loglik: float
    loglik_null: float
    score_chi2: float
    score_final: np.ndarray
    iterations: int
    converged: bool
    infinite: np.ndarray  # bool per coefficient: R's "coefficient may be infinite" rule
    #                       (applied also when iteration ran out, where R only warns globally)
    means: np.ndarray


def centring(x: np.ndarray) -> np.ndarray:
    """Column means used for centring, as R ``coxph``: 0 for columns coded within {-1, 0, 1}.

    R leaves such indicator columns uncentred (``nocenter``), which fixes its
    ``means``, its ``linear.predictors`` and where ``coxsafe`` clamps.
    """
    means = x.mean(axis=0)
    indicator = np.all(np.isin(x, (-1.0, 0.0, 1.0)), axis=0)
    return np.where(indicator, 0.0, means)


class SingularDesignError(ValueError):
    """The information matrix is singular (collinear or constant covariates)."""


def fit_cox(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    ties: Ties = "breslow",
    *,
    max_iter: int = 20,
    eps: float = 1e-9,
    toler_inf: float = float(np.sqrt(1e-9)),
) -> CoxFit:
    """Fit a Cox model by Newton–Raphson from beta = 0, as R's ``coxph`` (survival 3.5).

    R's rules, checked iterate by iterate against ``coxph(..., iter.max = k)``:
    a trial point that lowers the log-likelihood is pulled back towards the
    last accepted point by 1/2, then 1/3, 1/4, ... of the step; convergence is
    a relative log-likelihood change <= ``eps`` after a full Newton step; when
    iterations run out the last accepted point is returned.

    Parameters
    ----------
    time, event : ndarray
        Follow-up and 0/1 event indicator.
    x : ndarray, shape (n, p)
        Covariates (p >= 1).
    ties : {"breslow", "efron"}
    max_iter, eps, toler_inf :
        R's ``coxph.control`` defaults (``iter.max``, ``eps``, ``toler.inf``).

    Raises
    ------
    SingularDesignError
        When the information matrix is not positive definite.
    """
    x = np.asarray(x, dtype=float)
    rs = risk_sets(np.asarray(time, float), np.asarray(event), ties)
    means = centring(x)
    xs = (x - means)[rs.order]
    p = x.shape[1]

    def deriv(beta: np.ndarray, cols: object) -> Derivs:
        loglik, u, info = derivatives(beta[0], xs, rs)
        return np.array([loglik]), u[None], info[None], None

    with np.errstate(over="ignore", invalid="ignore"):
        at_zero = deriv(np.zeros((1, p)), None)
    if not all(np.all(np.isfinite(a)) for a in at_zero[:3]):
        raise SingularDesignError("the score or information is not finite at beta = 0 "
                                  "(extreme covariate values)")
    fit = newton(deriv, 1, p, max_iter=max_iter, eps=eps, toler_inf=toler_inf,
                 at_start=at_zero)
    if fit.failed[0] or fit.var_failed[0]:
        raise SingularDesignError("the information matrix is not positive definite")
    return CoxFit(coef=fit.beta[0], var=fit.var[0], loglik=float(fit.loglik[0]),
                  loglik_null=float(fit.loglik_null[0]), score_chi2=float(fit.score_chi2[0]),
                  score_final=fit.score[0], iterations=int(fit.iterations[0]),
                  converged=bool(fit.converged[0]), infinite=fit.infinite[0], means=means)


def baseline_cumhaz(time: np.ndarray, event: np.ndarray, lp: np.ndarray,
                    ties: Ties) -> tuple[np.ndarray, np.ndarray]:
    """Baseline cumulative hazard at each distinct event time, for the covariates lp = 0.

    ``lp`` is the (centred) linear predictor of the training rows.  With
    ``ties="breslow"`` the increment at a time with d events is d / S, S the
    sum of exp(lp) over the risk set (Breslow); with ``"efron"`` it is
    sum_{k=0}^{d-1} 1 / (S - (k/d) D), D the events' own sum (the
    Efron-adjusted estimator).  These are R's ``survfit.coxph`` defaults for the
    same ties (``ctype`` 1 and 2), i.e. ``basehaz(fit, centered = TRUE)``.
    """
    time, event = np.asarray(time, float), np.asarray(event)
    rs = risk_sets(time, event, ties)
    r = np.exp(np.asarray(lp, float))[rs.order]
    s0 = np.cumsum(r[::-1])[::-1][rs.first]
    d0 = np.bincount(rs.group, weights=r[rs.event_rows], minlength=rs.n_groups)
    inc = np.bincount(rs.group, weights=1.0 / (s0 - rs.frac * d0[rs.group]),
                      minlength=rs.n_groups)
    return np.unique(time[event == 1]), np.cumsum(inc)


def concordance_counts(time: np.ndarray, event: np.ndarray, risk: np.ndarray
                       ) -> dict[str, float]:
    """Harrell's pair counts for a risk score (higher = shorter survival), as R ``concordance``.

    A pair is comparable when the shorter time is an event; an event and a
    censoring at the same time are comparable (the censored patient was still
    at risk).  Pairs with tied event times are ``tied_y``.  Runs in O(n log n).

    Returns
    -------
    dict
        ``concordant, discordant, tied_x, tied_y, tied_xy, concordance``.
    """
    ranks = np.unique(risk, return_inverse=True)[1].astype(np.int64) + 1
    m = int(ranks.max())
    tree = np.zeros(m + 1, dtype=np.int64)

    def add(i: int) -> None:
        while i <= m:
            tree[i] += 1
            i += i & -i

    def count_le(i: int) -> int:
        s = 0
        while i > 0:
            s += int(tree[i])
            i -= i & -i
        return s

    order = np.lexsort((-event, -time))  # by time descending; censored before events at a tie
    conc = disc = tx = ty = txy = 0
    inserted = 0
    i = 0
    n = len(time)
    t_sorted = time[order]
    while i < n:
        j = i
        while j < n and t_sorted[j] == t_sorted[i]:
            j += 1
        block = order[i:j]
        cens = block[event[block] == 0]
        evs = block[event[block] == 1]
        for c in cens:
            add(int(ranks[c]))
            inserted += 1
        for e in evs:
            r = int(ranks[e])
            below = count_le(r - 1)
            same = count_le(r) - below
            conc += below
            tx += same
            disc += inserted - below - same
        if len(evs) > 1:
            er = ranks[evs]
            pairs = len(evs) * (len(evs) - 1) // 2
            _, cnt = np.unique(er, return_counts=True)
            both = int((cnt * (cnt - 1) // 2).sum())
            txy += both
            ty += pairs - both
        for e in evs:
            add(int(ranks[e]))
            inserted += 1
        i = j
    denom = conc + disc + tx
    c_index = (conc + tx / 2) / denom if denom > 0 else float("nan")
    return {"concordant": float(conc), "discordant": float(disc), "tied_x": float(tx),
            "tied_y": float(ty), "tied_xy": float(txy), "concordance": float(c_index)}
