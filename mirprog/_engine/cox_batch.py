"""The batched shape of the Cox engine: M one-covariate Cox models (and log-rank tests) at once.

:mod:`mirprog._engine.coxph` fits one model on one sample; here the
same arithmetic runs on a block of M markers that share the follow-up data
(and any strata) but each have their own complete cases.  The rows are sorted
once (:mod:`mirprog._engine.batch_sets`: the layout, the event-time groups
within strata, each marker's events and the risk-set sums); a marker's
missing rows get weight 0, so its risk sets, its tied-event groups and its
Efron fractions are exactly those :func:`~mirprog._engine.coxph.fit_cox`
builds from that marker's complete cases.  Models with covariates besides
the marker are in :mod:`mirprog._engine.cox_batch_adjusted`.

The iteration is the one Newton–Raphson driver's (:mod:`mirprog._engine.newton`,
R's rules), run on the M markers as M models of one coefficient; markers drop
out of the computation as they converge.

Two ways of computing the derivatives share that driver: from the rows
(any covariate: S0, S1, S2 per event time) and, for a 0/1 covariate, from
the numbers at risk and the events in each group (the same log-likelihood,
score and information in closed form, an order of magnitude cheaper).
:func:`fit_models` runs both in one Newton loop, whose per-step bookkeeping
would otherwise be paid twice.  Their log-rank tests come from :mod:`mirprog._engine.logrank`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy import sparse

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
    sample,
    sparse_dot,
    suffix_sums,
    take,
    wsum,
)
from mirprog._engine.blas import BLAS_ONE_THREAD, vecmat
from mirprog._engine.coxph import Ties
from mirprog._engine.logrank import TwoGroupLogRank, two_group

__all__ = [
    "SINGULAR_TOL",
    "BatchCox",
    "JointModels",
    "Sample",
    "binary_block",
    "binary_model",
    "centre",
    "complete_events",
    "continuous_block",
    "continuous_model",
    "fit_models",
    "logrank_block",
    "sample",
]

Derivs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # loglik, score, info, scale


SumsAt = Callable[[int, int], tuple[list[np.ndarray], list[np.ndarray] | None]]


def _assemble(s: Sample, ev: Events, cols: Cols, k: int, sums_at: SumsAt,
              sum_eta: np.ndarray, sum_x: np.ndarray, work: Work,
              counts: bool = False) -> Derivs:
    """Log-likelihood, score and information from the risk-set sums (Breslow or Efron).

    ``sums_at(a, b)`` gives S0, S1, S2 for event times a:b, each (b - a, k),
    S0 positive everywhere (set to 1 where nobody is at risk: weight 0 there),
    and for Efron the same sums over the tied events only.  Event times are
    taken in cache-sized chunks.  Also returns the information's scale, the
    sum of the risk sets' mean x^2 (the information is a sum of risk-set
    variances: below 1e-10 of this it is rounding noise of a covariate
    constant within every risk set).  ``counts``: S0 holds whole numbers
    (beta = 0, Breslow), whose logs are looked up (:func:`log_counts`).
    ``work`` holds the chunks' scratch array across calls.
    """
    acc = np.zeros((4, k))            # weighted sums of log S0, S1/S0, S2/S0, (S1/S0)^2
    step = max(4, bs.CHUNK // max(1, 2 * k))
    buf = work("assemble", step * 4 * k)
    if ev.frac is None:
        weight = take(ev.d, cols)
        for a in range(0, len(s.first), step):
            b = min(a + step, len(s.first))
            (s0, s1, s2), _ = sums_at(a, b)
            _accumulate(acc, buf, weight[a:b], s0, s1, s2, len(s.time) if counts else 0)
    else:  # Efron
        group, weight, frac = s.ev_group, take(ev.w, cols), take(ev.frac, cols)
        for a in range(0, len(group), step):
            b = min(a + step, len(group))
            g0 = int(group[a])
            sums, tied = sums_at(g0, int(group[b - 1]) + 1)
            _accumulate_efron(acc, buf, weight[a:b], group[a:b] - g0, frac[a:b], sums,
                              tied)  # type: ignore[arg-type]
    return _derivs(acc, sum_eta, sum_x)


def _derivs(acc: np.ndarray, sum_eta: np.ndarray, sum_x: np.ndarray) -> Derivs:
    """Log-likelihood, score, information and its scale from :func:`_accumulate`'s sums."""
    log_s0, mean, m2, sq = acc
    return sum_eta - log_s0, sum_x - mean, m2 - sq, m2


def _accumulate_efron(acc: np.ndarray, buf: np.ndarray, w: np.ndarray, g: np.ndarray,
                      f: np.ndarray, sums: Sequence[np.ndarray],
                      tied: Sequence[np.ndarray]) -> None:
    """:func:`_accumulate` per event (Efron): the k-th of d tied events removes k/d of the
    tied events' own mass.  ``g``: each event's row in ``sums`` and ``tied``; ``f``: k/d."""
    (s0, s1, s2), (d0, d1, d2) = sums, tied
    _accumulate(acc, buf, w, s0[g] - f * d0[g], s1[g] - f * d1[g], s2[g] - f * d2[g])


def _accumulate(acc: np.ndarray, buf: np.ndarray, w: np.ndarray, s0: np.ndarray,
                s1: np.ndarray, s2: np.ndarray, counts: int = 0) -> None:
    """``acc`` (4, k) += column sums, weighted by ``w``, of log s0, a = s1/s0, s2/s0 and a^2.

    ``buf``: scratch of at least rows * 4 * k values.  ``counts`` > 0: s0
    holds whole numbers up to it, whose logs are looked up.
    """
    rows, k = s1.shape
    t = buf[:rows * 4 * k].reshape(rows, 4, k)
    if s0.shape[1] < k:               # one column shared by all markers (whole numbers)
        t[:, 0] = log_counts(s0, counts) if counts else np.log(s0)
    elif counts:
        log_counts(s0, counts, out=t[:, 0])
    else:
        np.log(s0, out=t[:, 0])
    a = np.divide(s1, s0, out=t[:, 1])
    np.divide(s2, s0, out=t[:, 2])
    np.multiply(a, a, out=t[:, 3])
    if w.shape[1] == 1:               # one weight column shared by all markers: gemv
        acc += vecmat(w[:, 0], t.reshape(rows, 4 * k), BLAS_ONE_THREAD).reshape(4, k)
    else:
        acc += np.einsum("ij,ikj->kj", w, t)


_LOGS: dict[int, np.ndarray] = {}


def log_counts(a: np.ndarray, top: int, out: np.ndarray | None = None) -> np.ndarray:
    """``np.log(a)`` of whole numbers 0..top, by table look-up (bit for bit the same).

    A float64 log costs ~10 ns a value where numpy has no SIMD loop for it
    (AVX2); a look-up ~1 ns.  Numbers at risk and event counts are whole.
    """
    table = _LOGS.get(top)
    if table is None:
        with np.errstate(divide="ignore"):
            table = _LOGS[top] = np.log(np.arange(top + 1, dtype=float))
    idx = a.astype(np.intp)
    return np.take(table, idx, out=out, mode="clip") if out is not None else np.take(table, idx)


class _Rows:
    """Derivatives from the rows: any covariate (centred, 0 where missing).

    Rows are processed in chunks that end at event-time boundaries and fit in
    cache: the arithmetic per value is a handful of operations, so passes over
    whole (n, M) arrays would be bound by memory bandwidth.  A marker's
    missing rows (x = 0, so exp(eta) = 1) get risk weight 0 by writing zeros
    at their positions, and the events' linear predictors sum to
    beta * sum(x) unless eta is clamped.
    """

    def __init__(self, s: Sample, x: np.ndarray, w_rows: np.ndarray, ev: Events,
                 work: Work | None = None) -> None:
        self.s, self.ev, self.work = s, ev, Work() if work is None else work
        self.x = np.ascontiguousarray(x)[s.lo:]   # (rows before lo are never at risk)
        w = w_rows[s.lo:]
        self.w = None if w.all() else w
        self.sum_x = wsum(ev.w, x[s.ev])
        # |eta| <= |beta| reach: no clamping needed below 22
        self.reach = np.maximum(x.max(axis=0), -x.min(axis=0))
        self.reach_max = float(self.reach.max(initial=0.0))
        self.chunks = chunks(s, max(4, 2 * bs.CHUNK // max(1, x.shape[1])), 3 * x.shape[1])
        self.rows = max(c.rows for c in self.chunks)
        self.g_max = max(c.g1 - c.g0 for c in self.chunks)
        self.e_max = max(c.e1 - c.e0 for c in self.chunks)
        # without strata: risk-set sums chunk by chunk from the last (_streamed); Efron's
        # tied sums from each chunk's (events -> event times) matrix
        self.streamed = not s.stratified
        self.tied = [] if ev.frac is None or s.stratified else [
            sparse.csr_array((np.ones(c.e1 - c.e0), np.arange(c.e1 - c.e0),
                              np.append(s.ev_start[c.g0:c.g1], c.e1) - c.e0),
                             shape=(c.g1 - c.g0, c.e1 - c.e0)) for c in self.chunks]
        # per chunk, the (row, marker) positions of missing values (all markers active),
        # looked for in the markers that have any
        incomplete = None if self.w is None else np.flatnonzero(~w.all(axis=0))
        self.missing = [None if incomplete is None else _missing(w[c.r0:c.r1], incomplete)
                        for c in self.chunks]
        self.empty = empty_risk_sets(s, w_rows)

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        if self.w is None and self.ev.frac is None and not beta.any():
            return self._at_zero(beta, cols)
        work, k, s = self.work, len(beta), self.s
        clip = (float(np.abs(beta).max(initial=0.0)) * self.reach_max >= 21.0
                and bool(np.any(np.abs(beta) * take(self.reach, cols) >= 21.0)))
        eta_ev = work("eta_ev", len(s.ev), k) if clip else None
        zero = not beta.any()
        sum_x = take(self.sum_x, cols)

        def values(c: bs.Chunk, missing: Any) -> np.ndarray:
            return self._chunk_values(c, missing, beta, cols, zero, eta_ev)

        if self.streamed:
            acc = self._streamed(k, 3, values, cols, counts=zero and self.ev.frac is None)
            sum_eta = beta * sum_x if eta_ev is None else wsum(take(self.ev.w, cols), eta_ev)
            return _derivs(acc, sum_eta, sum_x)
        seg = work("seg", len(s.first), 3 * k)
        stack_ev = work("stack_ev", len(s.ev), 3 * k) if self.ev.frac is not None else None
        for c, missing in zip(self.chunks, self.missing, strict=True):
            flat = values(c, missing)
            c.segment_sums(flat, seg[c.g0:c.g1])
            if stack_ev is not None:
                np.take(flat, c.ev_local, axis=0, out=stack_ev[c.e0:c.e1], mode="clip")
        sums = _thirds(suffix_sums(seg, s.g_bounds), k)
        if self.empty is not None:
            g, j = bs.empty_in(self.empty, cols)
            sums[0][g, j] = 1.0                # no one at risk: any positive S0 (weight 0)
        dsums = None if stack_ev is None else _thirds(group_sums(s, stack_ev), k)

        def sums_at(a: int, b: int) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
            return [x[a:b] for x in sums], None if dsums is None else [x[a:b] for x in dsums]

        sum_eta = beta * sum_x if eta_ev is None else wsum(take(self.ev.w, cols), eta_ev)
        return _assemble(s, self.ev, cols, k, sums_at, sum_eta, sum_x, work,
                         counts=zero and self.ev.frac is None)

    def _chunk_values(self, c: bs.Chunk, missing: Any, beta: np.ndarray, cols: Cols,
                      zero: bool, eta_ev: np.ndarray | None) -> np.ndarray:
        """(rows, 3k) values r, r x, r x^2 of the chunk's rows (r = exp(eta), 0 if missing)."""
        work, k, rows = self.work, len(beta), self.rows
        x = self.x[c.r0:c.r1]
        if cols is not None:
            x = np.take(x, cols, axis=1, out=work("x", c.rows, k), mode="clip")
        stack = work("stack", rows * 3 * k)[:c.rows * 3 * k].reshape(c.rows, 3, k)
        r = stack[:, 0]
        if zero:
            r.fill(1.0)
        else:
            eta = np.multiply(x, beta, out=work("eta", rows * k)[:c.rows * k]
                              .reshape(c.rows, k))
            if eta_ev is not None:
                clamp(eta)
                np.take(eta, c.ev_local, axis=0, out=eta_ev[c.e0:c.e1], mode="clip")
            np.exp(eta, out=r)
        if self.w is not None:
            if cols is None:
                r[missing] = 0.0
            else:
                np.multiply(r, take(self.w[c.r0:c.r1], cols), out=r)
        if zero:                     # r x = x: r is 1, or 0 where x is 0 (missing)
            np.copyto(stack[:, 1], x)
        else:
            np.multiply(r, x, out=stack[:, 1])
        np.multiply(stack[:, 1], x, out=stack[:, 2])
        return stack.reshape(c.rows, 3 * k)

    def _streamed(self, k: int, planes: int,
                  values: Callable[[bs.Chunk, Any], np.ndarray], cols: Cols,
                  counts: bool) -> np.ndarray:
        """Weighted sums of log S0, S1/S0, S2/S0, (S1/S0)^2 (no strata), chunk by chunk.

        The chunks are taken from the last: a chunk's segment sums plus the
        sums of all later rows (``carry``) give its risk-set sums at once, in
        the order of :func:`suffix_sums` (bit for bit), and they are reduced
        while in cache, instead of a (event times, 3 markers) array written,
        summed backwards and read again.  Efron: the chunk's events are its
        own (chunks end at event times), so their tied sums are too.
        ``planes`` 2: ``values`` gives x, x^2 only, S0 being the number at
        risk (beta = 0, Breslow, no missing values).
        """
        work, s, ev = self.work, self.s, self.ev
        acc = np.zeros((4, k))
        efron = ev.frac is not None
        weight = take(ev.w if efron else ev.d, cols)
        frac = None if ev.frac is None else take(ev.frac, cols)
        seg = work("seg", self.g_max * planes * k)
        buf = work("assemble", (self.e_max if efron else self.g_max) * 4 * k)
        carry = np.zeros(planes * k)
        empty = None if self.empty is None else bs.empty_in(self.empty, cols)
        top = len(s.time) if counts else 0
        n_risk = s.n_risk.astype(float)[:, None] if planes == 2 else None
        for i in range(len(self.chunks) - 1, -1, -1):
            c, ng = self.chunks[i], self.chunks[i].g1 - self.chunks[i].g0
            part = seg[:ng * planes * k].reshape(ng, planes * k)
            flat = values(c, self.missing[i])
            c.segment_sums(flat, part)
            part[-1] += carry
            sums = suffix_sums(part)
            carry[:] = sums[0]
            if n_risk is None:
                s0, s1, s2 = _thirds(sums, k)
            else:
                s0, s1, s2 = n_risk[c.g0:c.g1], sums[:, :k], sums[:, k:]
            if empty is not None:
                g, j = empty
                inside = (g >= c.g0) & (g < c.g1)
                if inside.any():
                    s0[g[inside] - c.g0, j[inside]] = 1.0  # no one at risk (weight 0 there)
            if frac is None:
                _accumulate(acc, buf, weight[c.g0:c.g1], s0, s1, s2, top)
                continue
            ne = c.e1 - c.e0                       # Efron: the chunk's own tied events
            at_ev = np.take(flat, c.ev_local, axis=0, mode="clip",
                            out=work("stack_ev", self.e_max * 3 * k)[:ne * 3 * k]
                            .reshape(ne, 3 * k))
            tied = sparse_dot(self.tied[i], at_ev,
                              work("tied", self.g_max * 3 * k)[:ng * 3 * k].reshape(ng, 3 * k))
            _accumulate_efron(acc, buf, weight[c.e0:c.e1], s.ev_group[c.e0:c.e1] - c.g0,
                              frac[c.e0:c.e1], (s0, s1, s2), _thirds(tied, k))
        return acc

    def _at_zero(self, beta: np.ndarray, cols: Cols) -> Derivs:
        """:meth:`__call__` at beta = 0 (Breslow) of markers without missing values.

        Every risk weight is 1: S0 is the number at risk, one column shared by
        all markers, and S1, S2 are the risk sets' sums of x and x^2 (the same
        sums, in the same order, as the general path's r x and r x^2).
        """
        work, k, s, rows = self.work, len(beta), self.s, self.rows

        def values(c: bs.Chunk, missing: Any) -> np.ndarray:
            x = self.x[c.r0:c.r1]
            if cols is not None:
                x = np.take(x, cols, axis=1, out=work("x", c.rows, k), mode="clip")
            stack = work("stack", rows * 3 * k)[:c.rows * 2 * k].reshape(c.rows, 2, k)
            np.copyto(stack[:, 0], x)
            np.multiply(x, x, out=stack[:, 1])
            return stack.reshape(c.rows, 2 * k)

        sum_x = take(self.sum_x, cols)
        if self.streamed:
            return _derivs(self._streamed(k, 2, values, cols, counts=True), beta * sum_x,
                           sum_x)
        seg = work("seg", len(s.first), 2 * k)
        for c in self.chunks:
            c.segment_sums(values(c, None), seg[c.g0:c.g1])
        sums = suffix_sums(seg, s.g_bounds)
        s0 = s.n_risk.astype(float)[:, None]
        s1, s2 = sums[:, :k], sums[:, k:]

        def sums_at(a: int, b: int) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
            return [s0[a:b], s1[a:b], s2[a:b]], None

        return _assemble(s, self.ev, cols, k, sums_at, beta * sum_x, sum_x, work, counts=True)


def _missing(w: np.ndarray, incomplete: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero(~w)``, searched only in the columns ``incomplete`` (increasing)."""
    rows, j = np.nonzero(~w[:, incomplete])
    return rows, incomplete[j]


def _thirds(a: np.ndarray, k: int) -> list[np.ndarray]:
    return [a[:, :k], a[:, k:2 * k], a[:, 2 * k:]]


class _Binary:
    """Derivatives of a 0/1 covariate from the numbers at risk and the events of each group.

    The covariate is centred as ``fit_cox`` centres it (high 1 - p, low -p);
    eta_h, eta_l are the clamped linear predictors and rho = exp(eta_h -
    eta_l).  A risk set (or, for Efron, a risk set less k/d of its tied
    events) of n_l low and n_h high rows has S0 = exp(eta_l) (n_l + n_h rho),
    risk-weighted mean q - p with q = n_h rho / (n_l + n_h rho) and variance
    q (1 - q).  Summed with the event weights w (Breslow: the events at each
    distinct time; Efron: each event):

    * loglik = E_h log(rho) - sum w log(n_l + n_h rho)  (the centring cancels),
    * score = E_h - sum w q,  information = sum w q (1 - q),

    E_h the marker's events in the high group.  One pass over (rows, markers)
    with one log and two divisions per value, instead of S0, S1, S2.
    """

    def __init__(self, s: Sample, high: np.ndarray, w_rows: np.ndarray, ev: Events,
                 work: Work | None = None) -> None:
        self.s, self.ev, self.work = s, ev, Work() if work is None else work
        k = w_rows.shape[1]
        incomplete = np.flatnonzero(~w_rows.all(axis=0))
        ones = high.astype(float) if incomplete.size == 0 else np.multiply(high, w_rows,
                                                                            dtype=float)
        self.n_high, self.d_high, n_high = bs.counts(s, ones)
        del ones
        # numbers at risk: everyone from first[g] on, less the marker's missing rows
        everyone = s.n_risk.astype(float)[:, None]
        n = np.full(k, float(len(s.time)))
        if incomplete.size == 0:
            self.n_tot = everyone                 # (G, 1): shared by all markers
        else:
            self.n_tot = np.repeat(everyone, k, axis=1)
            miss, _, n_miss = bs.counts(s, (~w_rows[:, incomplete]).astype(float))
            self.n_tot[:, incomplete] -= miss
            n[incomplete] -= n_miss
        self.d_tot = ev.d
        self.events_high = self.d_high.sum(axis=0)
        events = ev.w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = n_high / n                       # the centring mean, exactly as x.mean()
        self.x_high, self.x_low = 1.0 - p, 0.0 - p
        self.m2_base = p * p * events            # scale = p^2 D + (1 - 2p) sum w q
        self.m2_q = 1.0 - 2.0 * p
        if ev.frac is None:                      # one row per distinct event time
            n_low = self.n_tot - self.n_high
            self.n_h, self.wt = self.n_high, ev.d
        else:                                    # one row per event: less k/d of the tied
            g, f = s.ev_group, ev.frac
            d_low = self.d_tot - self.d_high
            n_low = (self.n_tot - self.n_high)[g] - f * d_low[g]
            self.n_h, self.wt = self.n_high[g] - f * self.d_high[g], ev.w
        # nobody at risk only where the weight is 0: any positive n_l keeps the log finite
        # (and only for a marker with missing rows: n_l + n_h >= (1 - k/d) n_tot > 0)
        self.n_l = (n_low if incomplete.size == 0 else
                    np.where((n_low == 0) & (self.n_h == 0), 1.0, n_low))

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        xh, xl = take(self.x_high, cols), take(self.x_low, cols)
        eh = clamp(beta * xh)
        el = clamp(beta * xl)
        log_rho = eh - el
        rho = np.exp(log_rho)
        n_l, n_h, wt = take(self.n_l, cols), take(self.n_h, cols), take(self.wt, cols)
        k = len(beta)
        acc = np.zeros((3, k))                   # weighted sums of log(den), q, q (1 - q)
        step = max(4, bs.CHUNK // max(1, k))
        buf = self.work("assemble", step * 3 * k)    # (the scratch of _assemble)
        # rho = 1 (beta = 0), Breslow: den = n_l + n_h is a whole number, its log looked up
        top = len(self.s.time) if self.ev.frac is None and bool(np.all(rho == 1.0)) else 0
        for a in range(0, len(n_h), step):
            b = min(a + step, len(n_h))
            t = buf[:(b - a) * 3 * k].reshape(b - a, 3, k)
            den, q, v = t[:, 0], t[:, 1], t[:, 2]
            np.multiply(n_h[a:b], rho, out=q)
            np.add(n_l[a:b], q, out=den)
            q /= den
            np.multiply(q, n_l[a:b], out=v)       # q (1 - q) = q n_l / den
            v /= den
            if top:
                log_counts(den, top, out=den)
            else:
                np.log(den, out=den)
            w = wt[a:b]
            if w.shape[1] == 1:                   # weights shared by all markers: gemv
                acc += vecmat(w[:, 0], t.reshape(b - a, 3 * k), BLAS_ONE_THREAD).reshape(3, k)
            else:
                acc += np.einsum("ij,ikj->kj", w, t)
        sum_log, sum_q, sum_v = acc
        events_high = take(self.events_high, cols)
        scale = take(self.m2_base, cols) + take(self.m2_q, cols) * sum_q
        return events_high * log_rho - sum_log, events_high - sum_q, sum_v, scale


@dataclass(frozen=True)
class BatchCox:
    """Cox fits of M markers: the marker's coefficient (arrays of length M; NaN where ``singular``).

    ``singular``: the information was not positive (constant covariate, no
    event) -- where :func:`mirprog.cox` raises.  ``monotone``: R's
    "coefficient may be infinite" for the marker, confirmed as in ``fit_cox``.
    ``loglik_null`` is the log-likelihood without the marker and
    ``score_chi2`` the marker's score test there: at beta = 0 for a
    one-covariate model; for a model with covariates
    (:mod:`~mirprog._engine.cox_batch_adjusted`) the covariates-only fit on
    the marker's rows and the score test at (0, its estimate).
    ``covariate_monotone``: such a model's covariate coefficient may be infinite.
    """

    coef: np.ndarray
    se: np.ndarray
    loglik: np.ndarray
    loglik_null: np.ndarray
    score_chi2: np.ndarray
    converged: np.ndarray
    monotone: np.ndarray
    singular: np.ndarray
    iterations: np.ndarray
    covariate_monotone: np.ndarray


SINGULAR_TOL = 1e-10  # information at beta = 0 below this fraction of its scale: singular


class _OneCovariate:
    """A block's (M,)-shaped derivatives in the driver's (M, 1), (M, 1, 1) shapes."""

    def __init__(self, deriv: Callable[[np.ndarray, Cols], Derivs]) -> None:
        self.deriv = deriv

    def __call__(self, beta: np.ndarray, cols: Cols) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray, np.ndarray]:
        loglik, u, info, scale = self.deriv(beta[:, 0], cols)
        return loglik, u[:, None], info[:, None, None], scale


def newton(deriv: Callable[[np.ndarray, Cols], Derivs], m: int, *,
           max_iter: int = 20) -> BatchCox:
    """The one Newton–Raphson driver (:func:`mirprog._engine.newton.newton`) on m markers.

    ``deriv(beta, cols)`` gives log-likelihood, score, information and the
    information's scale for the markers ``cols`` (None = all).  A marker whose
    information at beta = 0 is not above ``SINGULAR_TOL`` of its scale is
    singular (``fit_cox`` raises there, or returns a standard error ~1e5
    times its typical size when rounding leaves a positive remainder).
    """
    fit = driver.newton(_OneCovariate(deriv), m, 1, max_iter=max_iter,
                        singular_tol=SINGULAR_TOL)
    nan = np.where(fit.failed, np.nan, 1.0)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(fit.var[:, 0, 0])
    return BatchCox(coef=fit.beta[:, 0] * nan, se=se * nan, loglik=fit.loglik * nan,
                    loglik_null=fit.loglik_null * nan, score_chi2=fit.score_chi2 * nan,
                    converged=fit.converged, monotone=fit.infinite[:, 0], singular=fit.failed,
                    iterations=fit.iterations, covariate_monotone=np.zeros(m, dtype=bool))


def logrank_block(b: _Binary) -> TwoGroupLogRank:
    """survdiff's two-group statistic per marker from the binary model's counts."""
    return two_group(b.n_tot, b.n_high, b.d_tot, b.events_high)


DENSE_FROM = 0.75  # share of a model's markers still active from which all of them are computed


def _all_columns(deriv: Callable[[np.ndarray, Cols], Derivs], beta: np.ndarray,
                 cols: np.ndarray, m: int) -> Derivs:
    """``deriv(beta, cols)`` computed on all m markers (the others at 0), then picked.

    Gathering the active markers' columns (in every chunk of rows, and each
    per-marker array) costs more than the arithmetic of the few converged
    markers it leaves out; each marker's numbers do not depend on the others.
    """
    full = np.zeros((m, *beta.shape[1:]))
    full[cols] = beta
    loglik, score, info, scale = deriv(full, None)
    return loglik[cols], score[cols], info[cols], None if scale is None else scale[cols]


class JointModels:
    """Several models' derivatives as one: columns [0, m1) are the first model's, and so on.

    Lets one Newton loop (whose bookkeeping costs the same for 3 markers or
    3,000) serve the binary and the continuous models of a block together.
    """

    def __init__(self, models: Sequence[tuple[Callable[[np.ndarray, Cols], Derivs], int]]):
        self.derivs = [d for d, _ in models]
        self.bounds = np.cumsum([0, *(m for _, m in models)])

    def __call__(self, beta: np.ndarray, cols: Cols) -> Derivs:
        parts = []
        for deriv, a, b in zip(self.derivs, self.bounds[:-1], self.bounds[1:], strict=True):
            if cols is None:
                lo, hi, sub = a, b, None
            else:                                  # cols are increasing
                lo, hi = np.searchsorted(cols, [a, b])
                sub = None if hi - lo == b - a else cols[lo:hi] - a
            if hi == lo:
                continue
            if sub is not None and len(sub) >= DENSE_FROM * (b - a):
                parts.append(_all_columns(deriv, beta[lo:hi], sub, int(b - a)))
            else:
                parts.append(deriv(beta[lo:hi], sub))
        loglik, score, info, scale = (np.concatenate(x) for x in zip(*parts, strict=True))
        return loglik, score, info, scale


def fit_models(models: Sequence[tuple[Callable[[np.ndarray, Cols], Derivs] | None, int]], *,
               max_iter: int = 20) -> list[BatchCox]:
    """:func:`newton` on several models (deriv, number of markers) in one loop.

    A model with no markers (its deriv may be None) gets empty arrays.
    """
    used = [(d, m) for d, m in models if d is not None and m > 0]
    fit = newton(JointModels(used), sum(m for _, m in used), max_iter=max_iter) if used else None
    out, start = [], 0
    for _, m in models:
        out.append(BatchCox(*(np.asarray(getattr(fit, f.name))[start:start + m] if fit else
                              np.empty(0) for f in fields(BatchCox))))
        start += m
    return out


def binary_model(s: Sample, high: np.ndarray, w_rows: np.ndarray, ties: Ties,
                 ev: Events | None = None, work: Work | None = None) -> _Binary:
    """The binary model's derivatives (and log-rank counts) for each column of ``high``.

    ``high`` and ``w_rows`` (complete case mask) are (n, M) in ``s``'s sorted
    row order.  Each marker needs both groups and an event among its rows.
    ``ev``: :func:`complete_events` of ``w_rows``, when already at hand.
    ``work``: scratch arrays to share with the models fitted in the same Newton
    loop (each uses them only within a call).
    """
    return _Binary(s, high, w_rows, complete_events(s, w_rows, ties) if ev is None else ev,
                   work)


def binary_block(s: Sample, high: np.ndarray, w_rows: np.ndarray, ties: Ties, *,
                 max_iter: int = 20) -> tuple[BatchCox, TwoGroupLogRank]:
    """Cox on a 0/1 covariate and the log-rank test, for each column of ``high``."""
    b = binary_model(s, high, w_rows, ties)
    return newton(b, high.shape[1], max_iter=max_iter), logrank_block(b)


def continuous_model(s: Sample, x: np.ndarray, w_rows: np.ndarray, ties: Ties,
                     ev: Events | None = None, *, overwrite: bool = False,
                     work: Work | None = None) -> _Rows:
    """The continuous model's derivatives for each column of ``x`` ((n, M), sorted, NaN missing).

    ``ev``: :func:`complete_events` of ``w_rows``, when already at hand.
    ``overwrite``: ``x`` (float64, C order) may be centred in place.  ``work``: as
    :func:`binary_model`'s.
    """
    w_rows = np.asarray(w_rows, dtype=bool)
    return _Rows(s, centre(x, w_rows, overwrite=overwrite), w_rows,
                 complete_events(s, w_rows, ties) if ev is None else ev, work)


def centre(x: np.ndarray, w_rows: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """Each column of ``x`` less its mean over its complete rows ``w_rows``; 0 elsewhere.

    ``overwrite``: centre ``x`` itself when it is a C-order float64 array (a
    fresh (rows, markers) array costs a page fault per 4 kB on first touch).
    """
    complete = bool(w_rows.all())
    own = overwrite and x.dtype == np.float64 and x.flags.c_contiguous and x.flags.writeable
    if own:
        xc = x
        if not complete:
            np.copyto(xc, 0.0, where=~w_rows)
    else:
        xc = np.array(x, dtype=float) if complete else np.where(w_rows, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xc -= xc.sum(axis=0) / w_rows.sum(axis=0)
    if not complete:
        np.putmask(xc, ~w_rows, 0.0)
    return xc


def continuous_block(s: Sample, x: np.ndarray, w_rows: np.ndarray, ties: Ties, *,
                     max_iter: int = 20) -> BatchCox:
    """Cox on a continuous covariate for each column of ``x`` ((n, M), sorted; NaN = missing)."""
    return newton(continuous_model(s, x, w_rows, ties), x.shape[1], max_iter=max_iter)
