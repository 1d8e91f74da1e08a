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

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np

from mirprog._engine.concordance import concordance_fit
from mirprog._engine.newton import Derivs, newton
from mirprog.errors import ArgumentError

Ties = Literal["breslow", "efron"]


@dataclass(frozen=True)
class RiskSets:
    """Event structure of a sorted survival sample, shared by every evaluation.

    Rows are sorted by stratum, then time (the interval's end for (start, stop]
    data).  A risk set is the rows of the event's stratum still under
    observation at its time: end >= t and, with entry times, start < t.
    """

    order: np.ndarray      # permutation sorting rows by (stratum, time)
    first: np.ndarray      # per event row: index (in sorted order) where its risk set starts
    event_rows: np.ndarray  # sorted-order indices of the events
    group: np.ndarray      # per event row: its tied-event-time group (0..G-1), within strata
    frac: np.ndarray       # per event row: Efron fraction k/d (0 for Breslow)
    n_groups: int
    bounds: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #                      stratum segments [b0=0, b1, ..., n] in sorted order (empty: one)
    weights: np.ndarray | None = None     # case weights in sorted order
    event_weight: np.ndarray | None = None  # per event row: mean weight of its tie group
    entry_order: np.ndarray | None = None   # sorted positions ordered by (stratum, entry)
    entry_first: np.ndarray | None = None   # per event row: first entry-ordered position
    #                                         with entry >= t (n when none)
    entry: np.ndarray | None = None         # entry times in sorted order

    @property
    def stratified(self) -> bool:
        return len(self.bounds) > 2


def risk_sets(time: np.ndarray, event: np.ndarray, ties: Ties, *,
              strata: np.ndarray | None = None, weights: np.ndarray | None = None,
              entry: np.ndarray | None = None) -> RiskSets:
    """Precompute risk-set starts and tie groups for ``time``/``event``.

    ``strata`` (integer codes) gives each stratum its own risk sets, as R
    ``strata()``; ``weights`` are case weights (R ``weights=``: a row of weight
    2 counts as two patients, and with Efron ties each tied event carries the
    mean weight of its group, as ``coxfit6``); ``entry`` makes the rows
    (entry, time] intervals (R ``Surv(start, stop, event)``).
    """
    if ties not in ("breslow", "efron"):
        raise ArgumentError(f"ties must be 'breslow' or 'efron', got {ties!r}.", argument="ties")
    time = np.asarray(time, float)
    if strata is None:
        order = np.argsort(time, kind="stable")
        bounds = np.array([0, len(time)], dtype=np.int64)
        st = np.zeros(len(time), dtype=np.int64)
    else:
        order = np.lexsort((time, strata))
        st = np.asarray(strata)[order]
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(st)) + 1, [len(time)]])
    t = time[order]
    e = np.asarray(event)[order]
    event_rows = np.flatnonzero(e == 1)
    et, es = t[event_rows], st[event_rows]
    seg = np.searchsorted(bounds, event_rows, side="right") - 1
    first = np.empty(len(event_rows), dtype=np.int64)
    for k in np.unique(seg):
        sel = seg == k
        lo, hi = bounds[k], bounds[k + 1]
        first[sel] = lo + np.searchsorted(t[lo:hi], et[sel], side="left")
    new = np.ones(len(et), dtype=bool)
    new[1:] = (et[1:] != et[:-1]) | (es[1:] != es[:-1])
    group = np.cumsum(new) - 1
    counts = np.bincount(group)
    if ties == "efron":
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(et)) - starts[group]
        frac = rank / counts[group]
    else:
        frac = np.zeros(len(et))
    w = ev_w = None
    if weights is not None:
        w = np.asarray(weights, float)[order]
        ev_w = (np.bincount(group, weights=w[event_rows]) / counts)[group]
    e_order = e_first = ent = None
    if entry is not None:
        ent = np.asarray(entry, float)[order]
        e_order = np.lexsort((ent, st))
        se = ent[e_order]
        e_first = np.empty(len(event_rows), dtype=np.int64)
        for k in np.unique(seg):
            sel = seg == k
            lo, hi = bounds[k], bounds[k + 1]
            pos = lo + np.searchsorted(se[lo:hi], et[sel], side="left")
            e_first[sel] = np.where(pos >= hi, len(time), pos)
    return RiskSets(order, first, event_rows, group, frac.astype(float), len(counts),
                    bounds, w, ev_w, e_order, e_first, ent)


def _suffix(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sums from each row to the end of its stratum (one reverse cumsum per stratum)."""
    if len(bounds) <= 2:
        return np.cumsum(values[::-1], axis=0)[::-1]
    out = np.empty_like(values, dtype=float)
    for lo, hi in pairwise(bounds):
        out[lo:hi] = np.cumsum(values[lo:hi][::-1], axis=0)[::-1]
    return out


def risk_set_sums(values: np.ndarray, rs: RiskSets) -> np.ndarray:
    """Risk-set sums of per-row ``values`` (sorted order) at each event row.

    Within the event's stratum, less the rows not yet entered ((start, stop]
    data) and less Efron's share of the tied events' own values.  Weights are
    the caller's: pass ``w * values`` for a weighted sum.
    """
    total = _suffix(values, rs.bounds)[rs.first]
    if rs.entry_order is not None and rs.entry_first is not None:
        later = _suffix(values[rs.entry_order], rs.bounds)
        later = np.concatenate([later, np.zeros((1, *values.shape[1:]))])
        total = total - later[rs.entry_first]
    if rs.frac.any():
        starts = np.flatnonzero(np.diff(rs.group, prepend=-1))  # tie groups are contiguous
        own = np.add.reduceat(values[rs.event_rows], starts, axis=0)
        frac = rs.frac.reshape(-1, *([1] * (values.ndim - 1)))
        total = total - frac * own[rs.group]
    return np.asarray(total)


def _plain_sums(r: np.ndarray, x: np.ndarray, rs: RiskSets) -> np.ndarray:
    """(S0, S1) stacked (1 + p, n_events), one stratum without entry times: the sums of r
    and r x over each event's risk set, less Efron's share of the tied events' own.

    One cumsum along contiguous rows of the reversed values (the sums of
    ``np.cumsum(v[::-1])[::-1]``, bit for bit).
    """
    n, p = x.shape
    rev = np.empty((1 + p, n))
    rev[0] = r[::-1]
    np.multiply(rev[0], x[::-1].T, out=rev[1:])
    np.cumsum(rev, axis=1, out=rev)
    total = np.take(rev, n - 1 - rs.first, axis=1)
    if rs.frac.any():
        ev = rs.event_rows
        starts = np.flatnonzero(np.diff(rs.group, prepend=-1))  # tie groups are contiguous
        own = np.add.reduceat(r[ev, None] * np.c_[np.ones(len(ev)), x[ev]], starts, axis=0)
        total -= rs.frac * own[rs.group].T
    return total


ETA_MIN, ETA_MAX = -200.0, 22.0  # R survival's coxsafe() bounds on the linear predictor


def derivatives(beta: np.ndarray, x: np.ndarray, rs: RiskSets) -> tuple[float, np.ndarray,
                                                                         np.ndarray]:
    """Log partial likelihood, score vector and information matrix at ``beta``.

    ``x`` is in sorted order (``x[rs.order]``) and centred.  As R's ``coxsafe``,
    the centred linear predictor is clamped to [-200, 22]: this only matters
    for wild trial steps (and keeps exp() finite), never near a sane estimate.

    The information's second-moment part sum_i m_i S2_i / S0_i (m_i the event's
    weight) is never built per event: it equals sum_j c_j r_j x_j x_j', c_j the
    summed m_i / S0_i of the events whose risk sets hold row j, so it costs one
    (p x n)(n x p) product instead of an n x p x p cumulative sum.
    """
    eta = np.clip(x @ beta, ETA_MIN, ETA_MAX)
    r = np.exp(eta)
    if rs.weights is not None:
        r = rs.weights * r
    ev = rs.event_rows
    if rs.stratified or rs.entry_order is not None:
        rx = r[:, None] * x
        s0, s1 = risk_set_sums(r, rs), risk_set_sums(rx, rs)
    else:  # one stratum, as R's coxfit6 adds them up: S0 and S1 in one reverse cumsum
        s01 = _plain_sums(r, x, rs)
        s0, s1 = s01[0], np.ascontiguousarray(s01[1:].T)
    # an event time whose tie group and whole risk set weigh 0 adds nothing (s0 = 0 only then)
    s0 = np.where(s0 > 0, s0, 1.0)
    a = s1 / s0[:, None]
    if rs.weights is None or rs.event_weight is None:
        c = risk_set_coefficients(1.0 / s0, rs, len(r))
        info = (x * (c * r)[:, None]).T @ x - a.T @ a
        loglik = float(eta[ev].sum() - np.log(s0).sum())
        score = x[ev].sum(axis=0) - a.sum(axis=0)
        return loglik, score, info
    w, mw = rs.weights[ev], rs.event_weight
    c = risk_set_coefficients(mw / s0, rs, len(r))
    info = (x * (c * r)[:, None]).T @ x - (mw[:, None] * a).T @ a
    loglik = float((w * eta[ev]).sum() - (mw * np.log(s0)).sum())
    score = (w[:, None] * x[ev]).sum(axis=0) - (mw[:, None] * a).sum(axis=0)
    return loglik, score, info


def _prefix(pos: np.ndarray, coef: np.ndarray, bounds: np.ndarray, n: int) -> np.ndarray:
    """Per position j: the summed ``coef`` of the events with ``pos`` <= j in j's stratum."""
    out = np.bincount(pos, weights=coef, minlength=n + 1)[:n]
    if len(bounds) <= 2:
        return np.cumsum(out)
    for lo, hi in pairwise(bounds):
        out[lo:hi] = np.cumsum(out[lo:hi])
    return out


def risk_set_coefficients(coef: np.ndarray, rs: RiskSets, n: int) -> np.ndarray:
    """Per row (sorted order): sum of the per-event ``coef`` over the risk sets holding it.

    The transpose of :func:`risk_set_sums`: for any per-row values v,
    ``coef @ risk_set_sums(v, rs) == risk_set_coefficients(coef, rs, n) @ v``
    (Efron's shares and rows not yet entered included).
    """
    out = _prefix(rs.first, coef, rs.bounds, n)
    if rs.entry_order is not None and rs.entry_first is not None:
        later = _prefix(rs.entry_first, coef, rs.bounds, n)
        out[rs.entry_order] -= later
    if rs.frac.any():
        share = np.bincount(rs.group, weights=rs.frac * coef, minlength=rs.n_groups)
        out[rs.event_rows] -= share[rs.group]
    return out


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


def centring(x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Column means used for centring, as R ``coxph``: 0 for columns coded within {-1, 0, 1}.

    R leaves such indicator columns uncentred (``nocenter``), which fixes its
    ``means``, its ``linear.predictors`` and where ``coxsafe`` clamps.  With
    case weights the means are weighted, as ``coxfit6``.
    """
    means = x.mean(axis=0) if weights is None else weights @ x / weights.sum()
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
    strata: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    entry: np.ndarray | None = None,
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
    strata, weights, entry : ndarray, optional
        Integer stratum codes, case weights and entry times (see :func:`risk_sets`).

    Raises
    ------
    SingularDesignError
        When the information matrix is not positive definite.
    """
    x = np.asarray(x, dtype=float)
    rs = risk_sets(np.asarray(time, float), np.asarray(event), ties, strata=strata,
                   weights=weights, entry=entry)
    means = centring(x, None if weights is None else np.asarray(weights, float))
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


def baseline_cumhaz(time: np.ndarray, event: np.ndarray, lp: np.ndarray, ties: Ties, *,
                    weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Baseline cumulative hazard at each distinct event time, for the covariates lp = 0.

    ``lp`` is the (centred) linear predictor of the training rows.  With
    ``ties="breslow"`` the increment at a time with d events is d / S, S the
    sum of exp(lp) over the risk set (Breslow); with ``"efron"`` it is
    sum_{k=0}^{d-1} 1 / (S - (k/d) D), D the events' own sum (the
    Efron-adjusted estimator).  These are R's ``survfit.coxph`` defaults for the
    same ties (``ctype`` 1 and 2), i.e. ``basehaz(fit, centered = TRUE)``.

    With case ``weights`` w, as R's ``agsurv``: S and D sum w exp(lp), and
    the increment is W / S (Breslow) or (W / d) sum_k 1 / (S - (k/d) D)
    (Efron), W the events' summed weight and d their number.
    """
    time, event = np.asarray(time, float), np.asarray(event)
    rs = risk_sets(time, event, ties, weights=weights)
    r = np.exp(np.asarray(lp, float))[rs.order]
    if rs.weights is not None:
        r = rs.weights * r
    s0 = np.cumsum(r[::-1])[::-1][rs.first]
    d0 = np.bincount(rs.group, weights=r[rs.event_rows], minlength=rs.n_groups)
    mean_w = 1.0 if rs.event_weight is None else rs.event_weight
    inc = np.bincount(rs.group, weights=mean_w / (s0 - rs.frac * d0[rs.group]),
                      minlength=rs.n_groups)
    return np.unique(time[event == 1]), np.cumsum(inc)


def baseline_cumhaz_strata(time: np.ndarray, event: np.ndarray, lp: np.ndarray, ties: Ties,
                           strata: np.ndarray, *, weights: np.ndarray | None = None
                           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`baseline_cumhaz` of each stratum (codes 0..K-1 of ``strata``), in code order.

    A stratum's baseline uses its own rows only (its risk sets), with the linear
    predictor centred as for the whole fit, as R ``basehaz(fit, centered =
    TRUE)`` of a model with ``strata()``.  A stratum without events gets empty arrays.
    """
    codes = np.asarray(strata)
    w = None if weights is None else np.asarray(weights, float)
    out = []
    for k in range(int(codes.max()) + 1 if len(codes) else 0):
        sel = codes == k
        if not np.any(np.asarray(event)[sel] == 1):
            out.append((np.zeros(0), np.zeros(0)))
            continue
        out.append(baseline_cumhaz(np.asarray(time)[sel], np.asarray(event)[sel],
                                   np.asarray(lp)[sel], ties,
                                   weights=None if w is None else w[sel]))
    return out


def concordance_counts(time: np.ndarray, event: np.ndarray, risk: np.ndarray, *,
                       strata: np.ndarray | None = None, weights: np.ndarray | None = None,
                       entry: np.ndarray | None = None) -> dict[str, float]:
    """Harrell's pair counts for a risk score (higher = shorter survival), as R ``concordance``.

    A pair is comparable when the shorter time is an event; an event and a
    censoring at the same time are comparable (the censored patient was still
    at risk).  Pairs with tied event times are ``tied_y``.  With ``strata``
    only pairs within a stratum count; with ``weights`` a pair counts
    w_i w_j, as R's ``concordance`` of a stratified or weighted ``coxph``.
    With ``entry`` ((start, stop] rows) each event is compared with the rows
    at risk at its time (start < t <= stop), as R's ``concordance`` of a
    counting-process ``coxph``.  Runs in O(n log n)
    (:func:`mirprog._engine.concordance.concordance_fit`).

    Returns
    -------
    dict
        ``concordant, discordant, tied_x, tied_y, tied_xy, concordance``.
    """
    return concordance_fit(time, event, risk, strata=strata, weights=weights, entry=entry,
                           variance=False).as_dict()
