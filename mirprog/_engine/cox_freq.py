"""Many Cox fits of one design at once, each on its own frequency-weighted copy of the rows.

The bootstrap's shape: the design ``x`` (n, p) and the follow-up are shared; fit b
weighs row i by ``counts[i, b]``, the number of times resample b drew it.  With
integer counts the fit is the fit on the duplicated rows, also for Efron's ties:
a tie group whose events weigh D in total (a row drawn k times counts k times)
takes the D terms ``log(S0 - j/D T0)``, j = 0..D-1, of the duplicated data, which
is what ``rms::validate`` fits (R ``coxph(weights = )`` with Efron counts a row of
weight k as one death instead; Breslow is the same both ways).

Per block of fits the risk weights ``r = w exp(x b)`` (shifted by each fit's
largest linear predictor, which the likelihood does not see) give the risk-set
sums S0, S1, S2 (the upper triangle of x x') by one cumulative sum over the
rows sorted by time, read off at each event time; the tied events' own sums
T0, T1, T2 come from the event rows.  The iteration is the one Newton–Raphson
driver's (:mod:`mirprog._engine.newton`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirprog._engine import newton as driver
from mirprog._engine.coxph import Ties
from mirprog._engine.newton import Cols, Derivs

__all__ = [
    "CHOL_TOL",
    "FreqCox",
    "FreqFits",
    "OneCovariate",
    "fit_freq",
    "loglik_many",
    "r_cholesky_step",
]

CHOL_TOL = 1e-9  # R coxph.control(toler.chol): a Cholesky pivot below this x the largest: singular
FAR = 5.0        # |scaled coefficient| beyond which the final pivots are checked again


class FreqCox:
    """Derivatives of the Cox models of ``x`` on each column of ``counts`` (all rows, sorted once).

    ``time``, ``event`` (n,), ``x`` (n, p), ``counts`` (n, m) non-negative integers,
    all in the caller's row order; ``ties`` "breslow" or "efron".
    """

    def __init__(self, time: np.ndarray, event: np.ndarray, x: np.ndarray, counts: np.ndarray,
                 ties: Ties) -> None:
        if ties not in ("breslow", "efron"):
            raise ValueError(f"ties must be 'breslow' or 'efron', got {ties!r}")
        t_in = np.asarray(time, dtype=float)
        e_in = (np.asarray(event) == 1).astype(np.int64)
        order = np.lexsort((e_in, -t_in))     # time descending; at a time, censored rows first
        t, e = t_in[order], e_in[order] == 1
        xs = np.asarray(x, dtype=float)[order]
        self.x = xs - xs.mean(axis=0)
        self.scale = _r_scale(xs, np.asarray(counts, dtype=float)[order])
        n, p = self.x.shape
        self.p = p
        self.iu = np.triu_indices(p)
        self.xt = np.ascontiguousarray(self.x.T)                         # (p, n)
        self.x2 = self.x[:, self.iu[0]] * self.x[:, self.iu[1]]          # (n, q)
        self.w = np.asarray(counts, dtype=float)[order]
        self.absent = np.where(self.w > 0, 0.0, -np.inf)   # added to eta: drawn rows' maximum
        self.ev = np.flatnonzero(e)
        et = t[self.ev]
        new = np.ones(len(et), dtype=bool)
        new[1:] = et[1:] != et[:-1]
        self.ev_start = np.flatnonzero(new)
        n_ev = np.diff(np.append(self.ev_start, len(et)))
        self.last = n - np.searchsorted(t[::-1], et[self.ev_start], side="left") - 1
        self.before = self.last - n_ev          # last row before the group's events (-1: none)
        w_ev = self.w[self.ev]
        self.d = np.ascontiguousarray(np.add.reduceat(w_ev, self.ev_start, axis=0).T)  # (m, G)
        self.sum_x = w_ev.T @ self.x[self.ev]                            # (m, p)
        self.w_ev = w_ev
        self.ev_group = np.cumsum(new) - 1                               # (n_ev,)
        self.row_group = np.searchsorted(self.last, np.arange(n))        # first g at risk
        self.efron = ties == "efron"

    @property
    def m(self) -> int:
        return int(self.w.shape[1])

    def _workspace(self, k: int, at_events: bool = False) -> np.ndarray:
        """The (k, p, n) running sums' buffer (``at_events``: the (k, p, G) one of their
        values at the event times), allocated once for all the calls of a fit: fresh
        ones are MB of new pages at every call (the C library hands freed memory back to
        the system), and those page faults were a third of a bootstrap's time."""
        name = "_work_events" if at_events else "_work"
        if getattr(self, name, None) is None:
            size = len(self.last) if at_events else self.x.shape[0]
            setattr(self, name, np.empty((self.m, self.p, size)))
        return getattr(self, name)[:k]

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        w = self.w if cols is None else self.w[:, cols]
        absent = self.absent if cols is None else self.absent[:, cols]
        d = self.d if cols is None else self.d[cols]
        w_ev = self.w_ev if cols is None else self.w_ev[:, cols]
        sum_x = self.sum_x if cols is None else self.sum_x[cols]
        eta = self.x @ beta.T                                            # (n, k)
        eta -= (eta + absent).max(axis=0)
        r = np.ascontiguousarray((w * np.exp(eta)).T)                    # (k, n)
        k, p = r.shape[0], self.p
        cum0 = np.cumsum(r, axis=1)
        cum1 = self._workspace(k)                                        # (k, p, n)
        np.multiply(r[:, None, :], self.xt[None, :, :], out=cum1)
        np.cumsum(cum1, axis=2, out=cum1)
        s0 = np.take(cum0, self.last, axis=1)
        s1 = np.take(cum1, self.last, axis=2, out=self._workspace(k, at_events=True),
                     mode="clip")
        terms = _Terms(k, p, len(self.last))
        if not self.efron:
            terms.add(d, s0, s1)
        else:
            has = self.before >= 0
            b = np.maximum(self.before, 0)
            t0 = s0 - np.where(has, np.take(cum0, b, axis=1), 0.0)
            t1 = s1 - np.where(has, np.take(cum1, b, axis=2), 0.0)   # (take: contiguous)
            terms.add((d > 0).astype(float), s0, s1)
            dmax = d.max(axis=0, initial=0)
            for j in range(1, int(dmax.max(initial=0))):
                g = np.flatnonzero(dmax > j)
                dg = d[:, g]
                live = dg > j
                frac = np.where(live, j / np.where(live, dg, 1.0), 0.0)
                terms.add(live.astype(float), s0[:, g] - frac * t0[:, g],
                          np.take(s1, g, axis=2) - frac[:, None, :] * np.take(t1, g, axis=2),
                          g, frac)
        # sum over event times of c_g S_g (S1, S2) = sum over rows of r_i H_i (x_i, x_i x_i')
        hz = np.cumsum(terms.c[:, ::-1], axis=1)[:, ::-1]                 # (k, G)
        rh = r * np.take(np.concatenate([hz, np.zeros((k, 1))], axis=1), self.row_group, axis=1)
        mean = rh @ self.x
        m2 = rh @ self.x2
        if self.efron:                        # less sum over tied events of e_g T_g
            re = np.take(r, self.ev, axis=1) * np.take(terms.e, self.ev_group, axis=1)
            mean -= re @ self.x[self.ev]
            m2 -= re @ self.x2[self.ev]
        info = np.empty((k, p, p))
        info[:, self.iu[0], self.iu[1]] = m2
        info[:, self.iu[1], self.iu[0]] = m2
        info -= terms.outer
        loglik = (w_ev * eta[self.ev]).sum(axis=0) - terms.log_s0
        return loglik, sum_x - mean, info, None


class _Terms:
    """Sums over the event times' denominators: weight x log S0, c = sum weight / S0,
    e = sum weight frac / S0 (Efron) and the outer products of a = S1 / S0."""

    def __init__(self, k: int, p: int, n_groups: int) -> None:
        self.log_s0 = np.zeros(k)
        self.c = np.zeros((k, n_groups))
        self.e = np.zeros((k, n_groups))
        self.outer = np.zeros((k, p, p))

    def add(self, weight: np.ndarray, s0: np.ndarray, s1: np.ndarray,
            g: np.ndarray | None = None, frac: np.ndarray | None = None) -> None:
        """Denominators ``s0`` (k, G'), ``s1`` (k, p, G'), ``weight`` times each (groups ``g``)."""
        pos = weight > 0
        s0 = np.where(pos, s0, 1.0)
        self.log_s0 += (weight * np.log(s0)).sum(axis=1)
        inv = weight / s0
        if g is None:
            self.c += inv
        else:
            self.c[:, g] += inv
            self.e[:, g] += inv * frac
        aw = s1 * (np.sqrt(weight) / s0)[:, None, :]                     # (k, p, G')
        self.outer += aw @ np.swapaxes(aw, 1, 2)


@dataclass(frozen=True)
class FreqFits:
    """m Cox fits (rows of ``coef`` etc. are junk where ``singular``).

    ``loglik_null``/``loglik``: at 0 and at the estimate (R ``loglik[1:2]``);
    ``iterations`` as R's ``iter``; ``var`` the inverse information at the
    estimate, unscaled (R ``coxph.fit``'s ``var``); ``monotone``: R's "coefficient may be
    infinite" flag for some coefficient, confirmed by further Newton steps.
    """

    coef: np.ndarray
    loglik_null: np.ndarray
    loglik: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    singular: np.ndarray
    monotone: np.ndarray
    var: np.ndarray           # (m, p, p) inverse information at the estimate (R ``var``)


def _r_scale(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """R ``coxfit6``'s covariate scales (m, p): 1 for a 0/1 column, else the inverse of the
    weighted mean absolute deviation from the weighted mean (rows of weight 0 left out)."""
    tot = w.sum(axis=0)                                                  # (m,)
    safe = np.where(tot > 0, tot, 1.0)
    mean = (w.T @ x) / safe[:, None]                                     # (m, p)
    mad = np.stack([w[:, j] @ np.abs(x - mean[j]) for j in range(w.shape[1])]) \
        if w.shape[1] else np.zeros((0, x.shape[1]))
    # a 0/1 column among the drawn rows: no drawn row off {0, 1} (integer counts, exact)
    off = (~np.isin(x, (0.0, 1.0))).astype(float)
    zero_one = ((w > 0).T.astype(float) @ off) == 0
    scale = np.where(mad > 0, safe[:, None] / np.where(mad > 0, mad, 1.0), 1.0)
    return np.where(zero_one, 1.0, scale)


def _r_cholesky(info: np.ndarray, toler: float) -> tuple[np.ndarray, np.ndarray]:
    """R ``cholesky2`` of stacked (m, p, p): the factor (L below the diagonal) and the pivots,
    0 where a pivot is below ``toler`` x the largest diagonal element (or not finite)."""
    a = np.array(info, dtype=float)
    m, p, _ = a.shape
    top = np.diagonal(a, axis1=1, axis2=2).max(axis=1, initial=0.0)
    eps = np.where(top > 0, top * toler, toler)
    diag = np.zeros((m, p))
    for i in range(p):
        piv = a[:, i, i]
        ok = np.isfinite(piv) & (piv >= eps)
        diag[:, i] = np.where(ok, piv, 0.0)
        col = a[:, i + 1:, i].copy()
        safe = np.where(ok, piv, 1.0)[:, None]
        a[:, i + 1:, i] = np.where(ok[:, None], col / safe, col)
        a[:, i + 1:, i + 1:] -= np.where(ok[:, None, None],
                                         col[:, :, None] * col[:, None, :] / safe[:, :, None],
                                         0.0)
    return a, diag


def r_cholesky_step(info: np.ndarray, u: np.ndarray, toler: float = CHOL_TOL
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Newton steps ``I^-1 U`` (m, p) as R ``cholesky2`` + ``chsolve2``, and where not finite.

    A pivot below ``toler`` x the largest diagonal element is zeroed and the step
    of its coefficient is 0 (R keeps iterating the others): along a monotone
    likelihood the drifting coefficient stops where R stops it.
    """
    a, diag = _r_cholesky(info, toler)
    p = u.shape[1]
    y = np.array(u, dtype=float)
    for i in range(p):
        y[:, i] -= np.einsum("mj,mj->m", y[:, :i], a[:, i, :i])
    for i in range(p - 1, -1, -1):
        zero = diag[:, i] == 0
        t = y[:, i] / np.where(zero, 1.0, diag[:, i]) - np.einsum("mj,mj->m", y[:, i + 1:],
                                                                 a[:, i + 1:, i])
        y[:, i] = np.where(zero, 0.0, t)
    return y, ~np.isfinite(y).all(axis=1)


def fit_freq(deriv: FreqCox, *, max_iter: int, eps: float) -> FreqFits:
    """The driver on ``deriv``'s m models from beta = 0, as R ``coxph.fit`` (``coxfit6``).

    The iterations run on R's scaled covariates (:func:`_r_scale`) with R's
    Cholesky (:func:`r_cholesky_step`), so near-singular directions are frozen
    where R freezes them; a fit is ``singular`` where R returns an NA
    coefficient: a zero pivot at the start or at the final point.
    """
    m, p = deriv.m, deriv.p
    scaled = _Scaled(deriv, np.arange(m))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        at0 = scaled(np.zeros((m, p)), None)
        singular = (_r_cholesky(at0[2], CHOL_TOL)[1] == 0).any(axis=1)
        keep = np.flatnonzero(~singular)
        coef = np.full((m, p), np.nan)
        loglik = np.full(m, np.nan)
        converged = np.zeros(m, dtype=bool)
        iterations = np.zeros(m, dtype=np.int64)
        monotone = np.zeros(m, dtype=bool)
        var = np.full((m, p, p), np.nan)
        if keep.size:
            sub = _Scaled(deriv, keep)
            fit = driver.newton(sub, keep.size, p, max_iter=max_iter, eps=eps,
                                solver=r_cholesky_step,
                                at_start=tuple(a[keep] if a is not None else None
                                               for a in at0))  # type: ignore[arg-type]
            # R's NA coefficients: a zero pivot at the final point; only a fit drifting
            # far (or flagged) can lose a pivot it had at the start
            bad = fit.failed.copy()
            far = np.flatnonzero(~bad & (fit.infinite.any(axis=1)
                                         | (np.abs(fit.beta).max(axis=1) > FAR)))
            if far.size:
                final = sub(fit.beta[far], far)[2]
                bad[far] = (_r_cholesky(final, CHOL_TOL)[1] == 0).any(axis=1)
            singular[keep[bad]] = True
            coef[keep] = fit.beta * deriv.scale[keep]
            sc = deriv.scale[keep]
            var[keep] = fit.var * sc[:, :, None] * sc[:, None, :]
            loglik[keep] = fit.loglik
            converged[keep] = fit.converged & ~bad
            iterations[keep] = fit.iterations
            monotone[keep] = fit.infinite.any(axis=1) & ~bad
    return FreqFits(coef=coef, loglik_null=at0[0], loglik=loglik, converged=converged,
                    iterations=iterations, singular=singular, monotone=monotone,
                    var=var)


class _Scaled:
    """``deriv`` of the models ``keep`` (numbered 0..len(keep)-1) in R's scaled coefficients."""

    def __init__(self, deriv: FreqCox, keep: np.ndarray) -> None:
        self.deriv, self.keep = deriv, keep

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        which = self.keep if cols is None else self.keep[cols]
        sc = self.deriv.scale[which]
        loglik, u, info, _ = self.deriv(beta * sc, which)
        return loglik, u * sc, info * sc[:, :, None] * sc[:, None, :], None


class OneCovariate:
    """(m,)-shaped one-covariate derivatives in the driver's (m, 1), (m, 1, 1) shapes."""

    def __init__(self, deriv: driver.Deriv) -> None:
        self.deriv = deriv

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        loglik, u, info, scale = self.deriv(beta[:, 0], cols)
        return loglik, u[:, None], info[:, None, None], scale


def loglik_many(time: np.ndarray, event: np.ndarray, eta: np.ndarray, ties: Ties) -> np.ndarray:
    """Cox log-likelihoods (k,) of the fixed linear predictors ``eta`` (n, k), all rows weight 1.

    Exact for any range of ``eta`` (each column is shifted by its maximum, which the
    likelihood does not see): R ``coxph(init = 1, iter.max = 0)$loglik[2]`` of ``eta``.
    """
    t_in = np.asarray(time, dtype=float)
    e_in = (np.asarray(event) == 1).astype(np.int64)
    order = np.lexsort((e_in, -t_in))
    t, e = t_in[order], e_in[order] == 1
    z = np.asarray(eta, dtype=float)[order]
    z = z - z.max(axis=0)
    n = len(t)
    ev = np.flatnonzero(e)
    et = t[ev]
    new = np.ones(len(et), dtype=bool)
    new[1:] = et[1:] != et[:-1]
    start = np.flatnonzero(new)
    d = np.diff(np.append(start, len(et)))                       # (G,) events per time
    last = n - np.searchsorted(t[::-1], et[start], side="left") - 1
    cum = np.cumsum(np.exp(z), axis=0)
    s0 = cum[last]                                               # (G, k)
    out = z[ev].sum(axis=0)
    if ties == "breslow":
        return np.asarray(out - (d[:, None] * np.log(s0)).sum(axis=0))
    before = last - d
    t0 = s0 - np.where((before >= 0)[:, None], cum[np.maximum(before, 0)], 0.0)
    out -= np.log(s0).sum(axis=0)
    for j in range(1, int(d.max(initial=1))):
        g = d > j
        out -= np.log(s0[g] - (j / d[g])[:, None] * t0[g]).sum(axis=0)
    return np.asarray(out)
