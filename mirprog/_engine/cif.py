"""Competing-risks kernels: Aalen-Johansen cumulative incidence and Gray's test.

Arrays in, arrays out.  ``status`` holds 0 = censored and 1..K = cause.

* :func:`aalen_johansen` -- the cumulative incidence of each cause and the
  probability of no event, with the infinitesimal-jackknife standard errors of
  R ``survfit(Surv(t, factor(status)) ~ 1)`` (survival >= 3.0, no ``id``: one row
  per subject).
* :func:`gray_scores` -- the score vector and covariance of Gray's (1988) k-sample
  test for one cause, a port of ``crst``/``crstm`` of R ``cmprsk`` (``cuminc``'s
  ``$Tests``), strata included.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["AalenJohansen", "aalen_johansen", "gray_scores"]


class AalenJohansen(NamedTuple):
    """Aalen-Johansen estimates at every distinct time (events and censorings).

    ``cif`` and ``se`` have one column per state: 0 = no event yet (the
    all-cause Kaplan-Meier), then causes 1..K (R ``pstate``/``std.err``).
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    """(times, K): events of each cause at each time."""
    n_censor: np.ndarray
    pstate: np.ndarray
    se: np.ndarray


def aalen_johansen(time: np.ndarray, status: np.ndarray, n_causes: int) -> AalenJohansen:
    """Aalen-Johansen estimator with infinitesimal-jackknife standard errors.

    For the weighted estimator, the influence of subject i on the hazard
    increment of cause k at t_j is dh_kj/dw_i = (dN_ik(t_j) - h_kj Y_i(t_j)) / Y(t_j);
    with S the all-cause Kaplan-Meier and F_k the cumulative incidences,

        U_S,i(t_j) = U_S,i(t_j-1) (1 - h_j) - S(t_j-1) sum_k dh_kj/dw_i
        U_k,i(t_j) = U_k,i(t_j-1) + U_S,i(t_j-1) h_kj + S(t_j-1) dh_kj/dw_i

    and se(t) = sqrt(sum_i U_i(t)^2), as R survfit's default (``influence``) variance.
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(status, dtype=np.int64)
    n = len(t)
    order = np.argsort(t, kind="stable")
    t, s = t[order], s[order]
    uniq, first, counts = np.unique(t, return_index=True, return_counts=True)
    m = len(uniq)
    n_risk = n - first
    n_event = np.zeros((m, n_causes), dtype=np.int64)
    pos = np.repeat(np.arange(m), counts)
    for k in range(1, n_causes + 1):
        n_event[:, k - 1] = np.bincount(pos[s == k], minlength=m)
    n_censor = np.bincount(pos[s == 0], minlength=m)
    pstate = np.empty((m, n_causes + 1))
    se = np.empty((m, n_causes + 1))
    surv, cif = 1.0, np.zeros(n_causes)
    u_s = np.zeros(n)
    u_f = np.zeros((n, n_causes))
    var = np.zeros(n_causes + 1)
    for j in range(m):
        d = n_event[j]
        if d.any():
            y = float(n_risk[j])
            h = d / y
            lo, hi = first[j], first[j] + counts[j]
            dh = np.zeros((n, n_causes))
            dh[lo:, :] = -h / y               # the at-risk rows (sorted: rows from lo on)
            for k in range(n_causes):
                dh[lo:hi, k] += (s[lo:hi] == k + 1) / y
            u_f = u_f + u_s[:, None] * h[None, :] + surv * dh
            u_s = u_s * (1.0 - h.sum()) - surv * dh.sum(axis=1)
            cif = cif + surv * h
            surv = surv * (1.0 - h.sum())
            var = np.concatenate([[u_s @ u_s], np.einsum("ik,ik->k", u_f, u_f)])
        pstate[j, 0], pstate[j, 1:] = surv, cif
        se[j] = np.sqrt(var)
    return AalenJohansen(uniq, n_risk.astype(np.int64), n_event, n_censor, pstate, se)


def gray_scores(time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int,
                strata: np.ndarray | None = None, rho: float = 0.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Scores of the first ``n_groups - 1`` groups and their covariance (Gray 1988).

    ``status``: 0 = censored, 1 = the cause tested, 2 = any other cause;
    ``group`` and ``strata`` coded 0, 1, ...; the strata's scores and covariances
    add up.  The statistic is s' V^-1 s on ``n_groups - 1`` df.
    """
    t = np.asarray(time, dtype=float)
    order = np.argsort(t, kind="stable")
    st = np.zeros(len(t), dtype=np.int64) if strata is None else np.asarray(strata)[order]
    t, m, g = t[order], np.asarray(status)[order], np.asarray(group)[order]
    ng1 = n_groups - 1
    score, cov = np.zeros(ng1), np.zeros((ng1, ng1))
    for k in np.unique(st):
        sel = st == k
        s_k, v_k = _gray_stratum(t[sel], m[sel], g[sel], n_groups, rho)
        score += s_k
        cov += v_k
    return score, cov


class _GrayState:
    """The running sums of cmprsk's ``crst`` for one stratum (names as in the Fortran)."""

    def __init__(self, ig: np.ndarray, ng: int) -> None:
        ng1 = ng - 1
        self.rs = np.bincount(ig, minlength=ng).astype(float)    # at risk in each group
        self.s, self.v = np.zeros(ng1), np.zeros((ng1, ng1))
        self.f1m, self.f1 = np.zeros(ng), np.zeros(ng)           # cuminc, left/right cont.
        self.skmm, self.skm = np.ones(ng), np.ones(ng)           # KM, left/right continuous
        self.v3, self.v2 = np.zeros(ng), np.zeros((ng1, ng))
        self.c = np.zeros((ng, ng))
        self.fm = self.f = 0.0


def _gray_a(st: _GrayState, nd1: float, tr: float, fb: float) -> np.ndarray:
    """The matrix a of one event time; adds its part to c."""
    ng = len(st.rs)
    live = st.rs > 0
    a = np.zeros((ng, ng))
    t1 = np.where(live, st.rs / np.where(live, st.skmm, 1.0), 0.0)
    for i in np.flatnonzero(live):
        a[i, i] = fb * t1[i] * (1 - t1[i] / tr)
        for j in range(i + 1, ng):
            if live[j]:
                a[i, j] = -fb * t1[i] * st.rs[j] / (st.skmm[j] * tr)
    st.c += np.triu(a) * nd1 / (tr * (1 - st.fm))
    lower = np.tril_indices(ng, -1)
    a[lower] = a.T[lower]
    st.c[lower] = st.c.T[lower]
    return a


def _gray_event_time(st: _GrayState, d: np.ndarray, rho: float) -> None:
    """One distinct time with events: crst's updates of the scores and variance sums."""
    ng1 = len(st.s)
    nd1, nd2 = d[1].sum(), d[2].sum()
    live = st.rs > 0
    rs_safe = np.where(live, st.rs, 1.0)
    st.skm = np.where(live, st.skmm * (st.rs - d[1] - d[2]) / rs_safe, st.skm)
    st.f1 = np.where(live, st.f1m + st.skmm * d[1] / rs_safe, st.f1)
    tr = float(np.sum(st.rs[live] / st.skmm[live]))
    tq = float(np.sum(st.rs[live] * (1 - st.f1m[live]) / st.skmm[live]))
    st.f = st.fm + nd1 / tr
    fb = (1 - st.fm) ** rho
    a = _gray_a(st, nd1, tr, fb)
    for i in np.flatnonzero(live[:ng1]):
        st.s[i] += fb * (d[1, i] - nd1 * st.rs[i] * (1 - st.f1m[i]) / (st.skmm[i] * tq))
    if nd1 > 0:
        for k in np.flatnonzero(live):
            t4 = 1 - (1 - st.f) / st.skm[k] if st.skm[k] > 0 else 1.0
            t5 = 1 - (nd1 - 1) / (tr * st.skmm[k] - 1) if nd1 > 1 else 1.0
            t3 = t5 * st.skmm[k] * nd1 / (tr * st.rs[k])
            st.v3[k] += t4 * t4 * t3
            col = a[:ng1, k] - t4 * st.c[:ng1, k]
            st.v2[:, k] += col * t4 * t3
            st.v += np.tril(np.outer(col, col)) * t3
    if nd2 > 0:
        for k in np.flatnonzero((st.skm > 0) & (d[2] > 0)):
            t4 = (1 - st.f) / st.skm[k]
            t5 = 1 - (d[2, k] - 1) / (st.rs[k] - 1) if d[2, k] > 1 else 1.0
            t3 = t5 * st.skmm[k] ** 2 * d[2, k] / st.rs[k] ** 2
            st.v3[k] += t4 * t4 * t3
            col = t4 * st.c[:ng1, k]
            st.v2[:, k] -= col * t4 * t3
            st.v += np.tril(np.outer(col, col)) * t3


def _gray_stratum(y: np.ndarray, m: np.ndarray, ig: np.ndarray, ng: int,
                  rho: float) -> tuple[np.ndarray, np.ndarray]:
    """One stratum of Gray's test: cmprsk's ``crst``, step by step (times sorted)."""
    st = _GrayState(ig, ng)
    _, first, counts = np.unique(y, return_index=True, return_counts=True)
    for lo, cnt in zip(first, counts, strict=True):
        d = np.zeros((3, ng))
        np.add.at(d, (m[lo:lo + cnt], ig[lo:lo + cnt]), 1.0)
        if d[1:].any():
            _gray_event_time(st, d, rho)
        np.subtract.at(st.rs, ig[lo:lo + cnt], 1.0)
        st.fm = st.f
        st.f1m = st.f1.copy()
        st.skmm = st.skm.copy()
    cc = st.c[:ng - 1]
    v = st.v + np.tril(cc @ (cc * st.v3).T + cc @ st.v2.T + st.v2 @ cc.T)
    v = np.tril(v) + np.tril(v, -1).T
    return st.s, v
