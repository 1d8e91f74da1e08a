"""Covariate-adjusted Cox models of many markers at once: each marker with the same k covariates.

The screen's multivariate option: for every marker j the model
``x_j + z_1 + ... + z_k`` (R ``coxph(Surv(t, e) ~ x + z1 + ... + strata(s))``),
k + 1 coefficients, fitted for all markers of a block in one Newton loop of the
one driver (:mod:`mirprog._engine.newton`).  The covariates ``z`` are shared;
each marker has its own complete cases (weight 0 elsewhere), its own risk
sets and tie groups (:mod:`mirprog._engine.batch_sets`, strata included).

Per row chunk and marker, the risk weight r = exp(x b + z g) is formed once and
the segment sums of r, r v and r v v' (v = (x, z), upper triangle) give S0, S1,
S2 at every event time, as the one-covariate :class:`~mirprog._engine.cox_batch`
rows model does for v = x.  For the marker's tests given the covariates, the
covariates-only model is fitted on each distinct set of complete cases among
the block's markers (markers without missing values share one); its
log-likelihood is the LR test's reference, and the score test of the marker
is ``U' I^-1 U`` at (0, its estimate), as R's ``coxph(init = c(0, coef(reduced)))$score``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mirprog._engine import batch_sets as bs
from mirprog._engine import newton as driver
from mirprog._engine.batch_sets import (
    Cols,
    Events,
    Sample,
    Work,
    chunks,
    clamp,
    complete_events,
    empty_risk_sets,
    group_sums,
    suffix_sums,
    take,
    wsum,
)
from mirprog._engine.cox_batch import SINGULAR_TOL, BatchCox, JointModels
from mirprog._engine.coxph import Ties
from mirprog._engine.newton import Derivs

__all__ = ["AdjustedRows", "fit_adjusted"]


class AdjustedRows:
    """Derivatives of M models ``x_j + z`` (or of ``z`` alone, ``x`` None) from the rows.

    ``x`` (n, M): the markers in ``s``'s row order, 0 where missing;
    ``w_rows`` (n, M): complete cases; ``z`` (n, k): the covariates in the same
    order (centred as the caller wants, shared by all markers); ``ev``: the
    markers' events (:func:`~mirprog._engine.batch_sets.complete_events`).
    Coefficients are ordered (marker, z_1, ..., z_k).
    """

    def __init__(self, s: Sample, x: np.ndarray | None, w_rows: np.ndarray, z: np.ndarray,
                 ev: Events) -> None:
        self.s, self.ev, self.work = s, ev, Work()
        m, k = w_rows.shape[1], z.shape[1]
        self.has_x = x is not None
        self.p = k + int(self.has_x)
        self.pairs = [(a, b) for a in range(self.p) for b in range(a, self.p)]
        self.nv = 1 + self.p + len(self.pairs)
        self.z = np.ascontiguousarray(z[s.lo:], dtype=float)
        self.x = None if x is None else np.ascontiguousarray(x[s.lo:], dtype=float)
        w = w_rows[s.lo:]
        self.w = None if w.all() else w.astype(float)
        sum_v = [np.broadcast_to(wsum(ev.w, z[s.ev, a:a + 1]) if ev.w.shape[1] == 1 else
                                 ev.w.T @ z[s.ev, a], (m,)) for a in range(k)]
        if x is not None:
            sum_v.insert(0, wsum(ev.w, x[s.ev]))
        self.sum_v = np.array(sum_v)                                   # (p, M)
        reach_z = np.abs(z).max(axis=0, initial=0.0) if len(z) else np.zeros(k)
        reach = [np.broadcast_to(reach_z[a], (m,)) for a in range(k)]
        if x is not None:
            reach.insert(0, np.abs(x).max(axis=0, initial=0.0))
        self.reach = np.array(reach)                                   # (p, M)
        self.chunks = chunks(s, max(4, 4 * bs.CHUNK // max(1, self.nv * m)), self.nv * m)
        self.rows = max(c.rows for c in self.chunks)
        self.empty = empty_risk_sets(s, w_rows)

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        """loglik (M',), score (M', p), information (M', p, p), scale (M',) at ``beta`` (M', p)."""
        s, k, p, nv = self.s, len(beta), self.p, self.nv
        clip = bool(np.any(np.einsum("mp,pm->m", np.abs(beta), take(self.reach, cols)) >= 21.0))
        eta_ev = self.work("eta_ev", len(s.ev), k) if clip else None
        efron = self.ev.frac is not None
        stack_ev = self.work("stack_ev", len(s.ev), nv * k) if efron else None
        seg = self.work("seg", len(s.first), nv * k)
        for c in self.chunks:
            flat = self._chunk_values(c, beta, cols, eta_ev)
            c.segment_sums(flat, seg[c.g0:c.g1])
            if stack_ev is not None:
                np.take(flat, c.ev_local, axis=0, out=stack_ev[c.e0:c.e1], mode="clip")
        sums = suffix_sums(seg, s.g_bounds).reshape(len(s.first), nv, k)
        if self.empty is not None:
            g, j = bs.empty_in(self.empty, cols)
            sums[g, 0, j] = 1.0                # no one at risk: any positive S0 (weight 0)
        tied = None if stack_ev is None else group_sums(s, stack_ev).reshape(-1, nv, k)
        acc = self._accumulate(sums, tied, cols, k)
        sum_v = take(self.sum_v, cols)
        if eta_ev is None:
            sum_eta = np.einsum("mp,pm->m", beta, sum_v)
        else:
            sum_eta = wsum(take(self.ev.w, cols), eta_ev)
        npair = len(self.pairs)
        log_s0, mean = acc[0], acc[1:1 + p]
        second = acc[1 + p:1 + p + npair] - acc[1 + p + npair:]
        info = np.empty((k, p, p))
        for i, (a, b) in enumerate(self.pairs):
            info[:, a, b] = info[:, b, a] = second[i]
        return sum_eta - log_s0, (sum_v - mean).T, info, acc[1 + p]

    def _chunk_values(self, c: bs.Chunk, beta: np.ndarray, cols: Cols,
                      eta_ev: np.ndarray | None) -> np.ndarray:
        """(rows, nv * M') values r, r v_a, r v_a v_b of the chunk's rows."""
        k, p, work = len(beta), self.p, self.work
        z = self.z[c.r0:c.r1]
        stack = work("stack", self.rows * self.nv * k)[:c.rows * self.nv * k].reshape(
            c.rows, self.nv, k)
        r = stack[:, 0]
        gamma = beta[:, int(self.has_x):]
        np.matmul(z, gamma.T, out=r)
        xs = None
        if self.x is not None:
            xs = self.x[c.r0:c.r1]
            if cols is not None:
                xs = np.take(xs, cols, axis=1, out=work("x", c.rows, k), mode="clip")
            r += xs * beta[:, 0]
        if eta_ev is not None:
            clamp(r)
            np.take(r, c.ev_local, axis=0, out=eta_ev[c.e0:c.e1], mode="clip")
        np.exp(r, out=r)
        if self.w is not None:
            np.multiply(r, take(self.w[c.r0:c.r1], cols), out=r)
        off = int(self.has_x)

        def v(a: int) -> np.ndarray:
            return xs if (a == 0 and xs is not None) else z[:, a - off, None]

        for a in range(p):
            np.multiply(r, v(a), out=stack[:, 1 + a])
        for i, (a, b) in enumerate(self.pairs):
            np.multiply(stack[:, 1 + a], v(b), out=stack[:, 1 + p + i])
        return stack.reshape(c.rows, self.nv * k)

    def _accumulate(self, sums: np.ndarray, tied: np.ndarray | None, cols: Cols,
                    k: int) -> np.ndarray:
        """Weighted sums over event times of log S0, S1/S0, S2/S0 (pairs) and a_a a_b."""
        p, npair = self.p, len(self.pairs)
        width = 1 + p + 2 * npair
        acc = np.zeros((width, k))
        step = max(4, bs.CHUNK // max(1, width * k))
        if tied is None:
            weight = take(self.ev.d, cols)
            for a in range(0, len(sums), step):
                b = min(a + step, len(sums))
                self._add(acc, weight[a:b], sums[a:b])
            return acc
        assert self.ev.frac is not None                # (tied sums exist only for Efron)
        group, weight, frac = self.s.ev_group, take(self.ev.w, cols), take(self.ev.frac, cols)
        for a in range(0, len(group), step):   # Efron: less k/d of the tied events' own sums
            b = min(a + step, len(group))
            g = group[a:b]
            self._add(acc, weight[a:b], sums[g] - frac[a:b, None, :] * tied[g])
        return acc

    def _add(self, acc: np.ndarray, w: np.ndarray, sums: np.ndarray) -> None:
        rows, _, k = sums.shape
        p, npair = self.p, len(self.pairs)
        t = np.empty((rows, acc.shape[0], k))
        s0 = sums[:, 0]
        np.log(s0, out=t[:, 0])
        mean = np.divide(sums[:, 1:1 + p], s0[:, None], out=t[:, 1:1 + p])
        np.divide(sums[:, 1 + p:], s0[:, None], out=t[:, 1 + p:1 + p + npair])
        for i, (a, b) in enumerate(self.pairs):
            np.multiply(mean[:, a], mean[:, b], out=t[:, 1 + p + npair + i])
        if w.shape[1] == 1:               # one weight column shared by all markers: one gemv
            acc += (w[:, 0] @ t.reshape(rows, -1)).reshape(acc.shape)
        else:
            acc += np.einsum("ij,ikj->kj", w, t)


@dataclass(frozen=True)
class _Reduced:
    """The covariates-only fits of the distinct complete-case sets (one per pattern)."""

    pattern: np.ndarray      # (M,) the pattern of each model column
    coef: np.ndarray         # (P, k)
    loglik: np.ndarray       # (P,)
    failed: np.ndarray       # (P,)


def _reduced(s: Sample, w_rows: np.ndarray, z: np.ndarray, ties: Ties,
             max_iter: int) -> _Reduced:
    packed = np.packbits(w_rows, axis=0).T
    _, first, pattern = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    w_pat = np.ascontiguousarray(w_rows[:, np.sort(first)])
    order = np.argsort(first)                  # patterns in first-use order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    model = AdjustedRows(s, None, w_pat, z, complete_events(s, w_pat, ties))
    fit = driver.newton(model, w_pat.shape[1], z.shape[1], max_iter=max_iter)
    return _Reduced(rank[pattern.ravel()], fit.beta, fit.loglik, fit.failed)


def fit_adjusted(s: Sample, z: np.ndarray,
                 models: Sequence[tuple[np.ndarray, np.ndarray, Events | None] | None],
                 ties: Ties, *, max_iter: int = 20) -> list[BatchCox]:
    """Marker-plus-covariates Cox fits of several models (one Newton loop), and their tests.

    ``models``: per model ``(x, w_rows, ev)`` as :class:`AdjustedRows` takes
    them (``ev`` None: computed), or None for a model with no markers.  Each
    result's ``coef``/``se`` are the marker's, ``loglik_null`` the
    covariates-only log-likelihood on the marker's rows and ``score_chi2``
    the marker's score test given the covariates.
    """
    used = [mdl for mdl in models if mdl is not None and mdl[0].shape[1] > 0]
    if not used:
        return [_empty() for _ in models]
    w_all = np.concatenate([w for _, w, _ in used], axis=1)
    red = _reduced(s, w_all, z, ties, max_iter)
    derivs = [(AdjustedRows(s, x, w, z, complete_events(s, w, ties) if ev is None else ev),
               x.shape[1]) for x, w, ev in used]
    joint = JointModels(derivs)  # type: ignore[arg-type]
    m, p = w_all.shape[1], z.shape[1] + 1
    fit = driver.newton(joint, m, p, max_iter=max_iter, singular_tol=SINGULAR_TOL)
    at = np.zeros((m, p))
    at[:, 1:] = red.coef[red.pattern]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        _, u, info, _ = joint(at, None)
        step, bad = driver.solve(info, u)
        score = np.einsum("mp,mp->m", u, step)
        singular = fit.failed | red.failed[red.pattern] | bad
        nan = np.where(singular, np.nan, 1.0)
        se = np.sqrt(fit.var[:, 0, 0])
    whole = BatchCox(coef=fit.beta[:, 0] * nan, se=se * nan, loglik=fit.loglik * nan,
                     loglik_null=red.loglik[red.pattern] * nan, score_chi2=score * nan,
                     converged=fit.converged, monotone=fit.infinite[:, 0] & ~singular,
                     singular=singular, iterations=fit.iterations,
                     covariate_monotone=fit.infinite[:, 1:].any(axis=1) & ~singular)
    out, start = [], 0
    for mdl in models:
        size = 0 if mdl is None else mdl[0].shape[1]
        out.append(BatchCox(*(getattr(whole, f)[start:start + size]
                              for f in BatchCox.__dataclass_fields__)))
        start += size
    return out


def _empty() -> BatchCox:
    return BatchCox(*(np.empty(0) for _ in BatchCox.__dataclass_fields__))
