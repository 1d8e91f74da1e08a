"""Concordance (Harrell's C and time-weighted relatives) with R's infinitesimal-jackknife variance.

Arrays in, arrays out.  This is R survival 3.5-3 ``concordancefit`` (``concordance3.c`` for
right-censored data, ``concordance4`` for (start, stop] data, ``fastkm1`` for the time
weights) re-expressed without a per-row loop: every sum R's balanced binary tree walks is
a weighted 2-D dominance count ("points ahead of me in time order, with a lower / equal /
higher risk"), and those are computed for all rows at once by :func:`dominance`, a
bit-by-bit partition of the risk ranks (the levels of a Fenwick tree) processed level by
level with cumulative sums: O(n log n) numpy work, no Python loop over rows.
The batched form (:func:`concordance_many`, :func:`concordance_sets`: the bootstrap's
many linear predictors on one follow-up, counts only) runs the same partition on all
columns at once and keeps only the totals.

Orientation: ``risk`` is higher for shorter survival (a Cox linear predictor), as R's
``concordance(coxfit)`` (which passes ``reverse = TRUE``); a pair is *concordant* when the
row with the event has the higher risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["COUNT_KEYS", "TIMEWTS", "ConcordanceFit", "TimeWt", "concordance_fit",
           "concordance_many", "concordance_sets", "dominance", "time_weights"]

TimeWt = Literal["n", "S", "S/G", "n/G", "n/G2", "I"]
TIMEWTS: tuple[str, ...] = ("n", "S", "S/G", "n/G", "n/G2", "I")
COUNT_KEYS = ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")
_NEEDS_G = ("S/G", "n/G", "n/G2")


@dataclass(frozen=True)
class ConcordanceFit:
    """What :func:`concordance_fit` returns.

    ``counts`` are the five (time-weighted) pair counts in :data:`COUNT_KEYS` order,
    ``concordance`` = (concordant + tied_x / 2) / (concordant + discordant + tied_x),
    ``var`` R's ``$var`` (infinitesimal jackknife, clustered when asked), ``dfbeta``
    R's ``influence = 1`` residuals (one per row, or per cluster with ``cluster``), and
    ``influence`` R's ``influence = 2`` matrix (n x 5, in :data:`COUNT_KEYS` order).
    """

    counts: np.ndarray
    concordance: float
    var: float
    dfbeta: np.ndarray
    influence: np.ndarray

    def as_dict(self) -> dict[str, float]:
        """The counts and ``concordance`` as the dict ``concordance_counts`` returns."""
        out = {k: float(v) for k, v in zip(COUNT_KEYS, self.counts, strict=True)}
        out["concordance"] = self.concordance
        return out


def ahead_sums(seq: np.ndarray, group: np.ndarray, rank: np.ndarray, weight: np.ndarray,
               *, in_sequence: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the weight of the rows strictly ahead of it in ``seq``, by rank.

    ``seq`` is a permutation (the sequence order), ``group``/``rank`` non-negative
    integers and ``weight`` of shape (n, c).  Returns ``lt, eq, gt`` of shape (c, n),
    indexed like the rows (or in sequence order, ``in_sequence``): the summed weight
    of the rows of the same group earlier in the sequence with a lower, equal and
    higher rank.

    The ranks are split bit by bit, from the top bit down (an MSD radix sort): at the
    level of bit k each run of rows sharing ``rank >> (k + 1)`` (and group) is kept in
    sequence order and stably partitioned into its bit-0 and bit-1 halves, and a bit-1
    row gains the bit-0 weight earlier in its run -- the node sums of a Fenwick tree
    over the ranks, for every row at once.  Each level is O(n) (cumulative sums,
    gathers and one scatter), so the whole count is O(n log n).
    """
    n = len(seq)
    w_all = np.asarray(weight, float)
    c = w_all.shape[1]
    if n == 0:
        z = np.zeros((c, 0))
        return z, z.copy(), z.copy()
    grp_s = np.asarray(group, np.int64)[seq]
    rank_s = np.asarray(rank, np.int64)[seq]
    nbits = max(1, int(rank_s.max()).bit_length())
    # a composite rank whose top bits are the group, so no level compares two groups
    comp = rank_s + (grp_s << nbits)
    if int(comp.max()) < 2 ** 31 - 1:
        comp = comp.astype(np.int32)
    # a first column of ones (unweighted rows) is counted by the integer counts the
    # partition needs anyway; the others go in one contiguous 1-d array per pair of
    # columns, packed as the real and imaginary parts of a complex number, so that one
    # cumsum and one gather serve both (2-d row gathers and cumsums are slow)
    unit = bool(np.all(w_all[:, 0] == 1.0))
    first = 1 if unit else 0
    ws = [np.ascontiguousarray(w_all[seq, j]) if j + 1 == c else
          w_all[seq, j] + 1j * w_all[seq, j + 1] for j in range(first, c, 2)]
    itype = np.int32 if n < 2 ** 31 - 1 else np.int64
    start, gid = _groups(grp_s)
    gstart = start[gid].astype(itype)
    gend = np.append(start[1:] - 1, n - 1)[gid].astype(itype)
    ahead = [_run_exclusive(v, gstart) for v in ws]   # all weight ahead, within the group
    ahead_unit = np.arange(n, dtype=itype) - gstart
    cur, gstart, ws, less, less_unit = _levels(comp, nbits, ws, gstart, gend, unit)
    # now in (group, rank, sequence) order: runs of equal rank give the ties
    at = cur if in_sequence else seq[cur]        # where each final slot goes
    everywhere = slice(None) if in_sequence else seq
    lt, eq, gt = np.empty((c, n)), np.empty((c, n)), np.empty((c, n))
    if unit:
        lt[0, at] = less_unit
        eq[0, at] = np.arange(n) - gstart
        gt[0, everywhere] = ahead_unit
    for j, v in enumerate(ws):
        e = _run_exclusive(v, gstart)
        for part, col in ((np.real, first + 2 * j), (np.imag, first + 2 * j + 1)):
            if col < c:
                lt[col, at] = part(less[j])
                eq[col, at] = part(e)
                gt[col, everywhere] = part(ahead[j])
    gt -= lt + eq
    return lt, eq, gt


def _levels(comp: np.ndarray, nbits: int, ws: list[np.ndarray], gstart: np.ndarray,
            gend: np.ndarray, unit: bool
            ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The bit levels of :func:`ahead_sums`: the weight of the lower ranks ahead of each row.

    Returns the final order (each slot's position in the sequence), each slot's run
    start, the weights and the lower-rank sums in that order, and (``unit``) the count
    of lower-rank rows ahead.
    """
    n = len(comp)
    itype = gstart.dtype
    slots = np.arange(n, dtype=itype)
    less = [np.zeros(n, v.dtype) for v in ws]
    less_unit = np.zeros(n, itype)
    cur = slots
    # cumulative sums go into buffers with a leading 0, so buf[run start] is the sum
    # before the run
    cbuf = np.zeros(n + 1, itype)
    wbuf = [np.zeros(n + 1, v.dtype) for v in ws]
    for k in range(nbits - 1, -1, -1):
        bit = (comp & (1 << k)) != 0
        nb = ~bit
        for j, v in enumerate(ws):
            np.cumsum(v * nb, out=wbuf[j][1:])
            cs = wbuf[j][1:] - wbuf[j][gstart]
            cs *= bit
            less[j] = less[j] + cs
        # stable partition of each run: its bit-0 rows, then its bit-1 rows
        np.cumsum(nb, out=cbuf[1:])
        c0 = cbuf[1:] - cbuf[gstart]           # bit-0 rows up to here, within the run
        if unit:
            np.add(less_unit, c0 * bit, out=less_unit)
        n0 = c0[gend]
        pos = np.where(bit, slots + n0 - c0, gstart + c0 - 1)
        order = np.empty_like(pos)
        order[pos] = slots
        new_start = gstart + n0 * bit
        gend = np.where(bit, gend, gstart + n0 - 1)[order]
        gstart = new_start[order]
        cur, comp = cur[order], comp[order]
        ws = [v[order] for v in ws]
        less = [v[order] for v in less]
        if unit:
            less_unit = less_unit[order]
    return cur, gstart, ws, less, less_unit


def _run_exclusive(v: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Exclusive cumulative sums of ``v`` within runs (``start``: each row's run start)."""
    cs = np.cumsum(v)
    return cs - v - (cs[start] - v[start])


def dominance(pkey: np.ndarray, prank: np.ndarray, pweight: np.ndarray,
              qkey: np.ndarray, qrank: np.ndarray, *, strict: bool = True,
              pgroup: np.ndarray | None = None, qgroup: np.ndarray | None = None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted dominance sums: for each query, the points with a larger key, by rank.

    For query ``q`` and the points ``p`` with ``pkey[p] > qkey[q]`` (``>=`` when not
    ``strict``) and, with groups, ``pgroup[p] == qgroup[q]``, returns the sums of
    ``pweight[p]`` over ``prank[p] < qrank[q]``, ``==`` and ``>`` (one value per query
    in each).  Points and queries go in one sequence by (group, key descending; at
    equal keys the queries first when ``strict``) and :func:`ahead_sums` counts it.
    """
    npnt, nq = len(pkey), len(qkey)
    if nq == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    ntot = npnt + nq
    key = _dense_rank(np.concatenate([np.asarray(pkey, float), np.asarray(qkey, float)]))
    isq = np.concatenate([np.zeros(npnt, np.int64), np.ones(nq, np.int64)])
    tie = (1 - isq) if strict else isq
    grp = (np.zeros(ntot, np.int64) if pgroup is None or qgroup is None else
           np.concatenate([np.asarray(pgroup, np.int64), np.asarray(qgroup, np.int64)]))
    kmax = int(key.max()) + 1
    # the order among rows equal on (group, key, tie) changes no sum
    seq = np.argsort((grp * kmax + (kmax - 1 - key)) * 2 + tie)
    rank = np.concatenate([np.asarray(prank, np.int64), np.asarray(qrank, np.int64)])
    weight = np.concatenate([np.asarray(pweight, float), np.zeros(nq)])[:, None]
    lt, eq, gt = ahead_sums(seq, grp, rank, weight)
    return lt[0, npnt:], eq[0, npnt:], gt[0, npnt:]


def _dense_rank(a: np.ndarray) -> np.ndarray:
    """0-based dense ranks of ``a`` (equal values share a rank)."""
    if len(a) == 0:
        return np.zeros(0, np.int64)
    o = np.argsort(a)
    s = a[o]
    r = np.empty(len(a), np.int64)
    r[o] = np.concatenate([[0], np.cumsum(s[1:] != s[:-1])])
    return r


def _groups(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index of each run of equal (sorted) values of ``g`` and each row's run number."""
    flag = np.empty(len(g), bool)
    flag[0] = True
    flag[1:] = g[1:] != g[:-1]
    return np.flatnonzero(flag), np.cumsum(flag) - 1


def time_weights(time: np.ndarray, event: np.ndarray, w: np.ndarray, timewt: str,
                 entry: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The unique event times of one stratum and R's weight of each (``fastkm1``).

    ``"n"``: 1; ``"S"``: W S(t-)/n(t); ``"S/G"``: W S(t-) / (G(t-) n(t)); ``"n/G"``:
    1/G(t-); ``"n/G2"``: 1/G(t-)^2; ``"I"``: 1/n(t); W the stratum's total weight,
    n(t) the weighted number at risk, S the Kaplan-Meier survival and G the
    Kaplan-Meier curve of the censoring (a censoring tied with an event counts after
    it).  With ``entry`` only ``"n"``, ``"S"`` and ``"I"`` (at risk: entry < t <= time).
    """
    dead = event == 1
    etime = np.unique(time[dead])
    if timewt == "n":
        return etime, np.ones(len(etime))
    inv = _dense_rank(time)
    ut = np.unique(time)
    wall = np.bincount(inv, w, len(ut))
    dw = np.bincount(inv, w * dead, len(ut))
    nrisk = np.cumsum(wall[::-1])[::-1]
    if entry is not None:  # remove those who enter at or after t
        order = np.sort(entry)
        csum = np.concatenate([[0.0], np.cumsum(w[np.argsort(entry, kind="stable")])])
        late = csum[-1] - csum[np.searchsorted(order, ut, side="left")]
        nrisk = nrisk - late
    tiny = 1e-12 * w.sum()     # a difference of weight sums this small is rounding: 0
    is_e = dw > 0
    left = nrisk - dw
    left[np.abs(left) <= tiny] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sfac = np.where(is_e, left / np.where(is_e, nrisk, 1.0), 1.0)
    s_before = np.concatenate([[1.0], np.cumprod(sfac)[:-1]])[is_e]
    n_e = nrisk[is_e]
    if timewt == "S":
        return etime, w.sum() * s_before / n_e
    if timewt == "I":
        return etime, 1.0 / n_e
    cw = wall - dw
    ncen = left
    is_c = cw > 0
    gleft = ncen - cw
    gleft[np.abs(gleft) <= tiny] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        gfac = np.where(is_c, gleft / np.where(is_c, ncen, 1.0), 1.0)
    g_before = np.concatenate([[1.0], np.cumprod(gfac)[:-1]])[is_e]
    if timewt == "S/G":
        return etime, w.sum() * s_before / (g_before * n_e)
    if timewt == "n/G":
        return etime, 1.0 / g_before
    return etime, 1.0 / g_before ** 2   # "n/G2"


def concordance_fit(time: np.ndarray, event: np.ndarray, risk: np.ndarray, *,
                    entry: np.ndarray | None = None, strata: np.ndarray | None = None,
                    weights: np.ndarray | None = None, cluster: np.ndarray | None = None,
                    timewt: str = "n", ymax: float | None = None,
                    variance: bool = True) -> ConcordanceFit:
    """R ``concordancefit(y, risk, strata, weights, timewt=, ymax=, cluster=, reverse=TRUE)``.

    ``time``/``event`` (and ``entry`` for (entry, time] rows) are used as given (apply
    R's ``timefix`` first).  Pairs count only within a stratum; each counts
    ``w_i w_j tau(t)`` with ``tau`` the time weight at the event time t (0 beyond
    ``ymax``).  A stratum with fewer than two events uses ``timewt = "n"``, as R.
    The caller checks ``timewt`` (``"S/G"``, ``"n/G"``, ``"n/G2"`` need right-censored
    data).  Strata are counted all at once (R's loop over at most 10 strata, or its
    disjoint-time trick for more, give the same pairs).  ``variance=False`` computes
    the counts only (``var``, ``dfbeta`` and ``influence`` are then NaN / empty).
    """
    time = np.asarray(time, float)
    event = np.asarray(event).astype(np.int64)
    n = len(time)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    codes = (np.zeros(n, np.int64) if strata is None
             else _dense_rank(np.asarray(strata)))
    if strata is not None and int(codes.max()) == 0:
        codes = np.zeros(n, np.int64)
    rank = _dense_rank(np.asarray(risk, float))
    dead = event == 1
    tau_row = _row_time_weights(time, event, w, codes, timewt, ymax, entry)
    ev = np.flatnonzero(dead)
    wtau = w * tau_row * dead
    self_sums, other = _pair_sums(time, dead, rank, codes, w, wtau if variance else None)
    if entry is not None:
        _entry_corrections(np.asarray(entry, float), time, rank, codes, w,
                           wtau if variance else None, ev, self_sums, other)
    # sums got by subtraction (higher = ahead - lower - equal; at risk = up to the stop
    # time - entered later) keep a rounding residue where they are 0: drop it
    for arr, scale in ((self_sums, w.sum()), (other, wtau.sum())):
        arr[np.abs(arr) <= 1e-12 * scale] = 0.0
    tw = tau_row[ev]
    if not variance:
        counts = np.zeros(5)
        counts[:3] = (w[ev] * tw) @ self_sums[ev]
        tied_y, tied_xy = _tied_times(_tie_blocks(time, rank, codes, ev), w, ev, tw,
                                      unweighted_y=entry is not None)
        counts[3], counts[4] = tied_y.sum() - tied_xy.sum(), tied_xy.sum()
        npair = counts[:3].sum()
        c = float((counts[0] + counts[2] / 2) / npair) if npair > 0 else float("nan")
        return ConcordanceFit(counts, c, float("nan"), np.zeros(0), np.zeros((0, 5)))
    influence = np.zeros((n, 5))
    influence[ev, :3] = self_sums[ev] * tw[:, None]
    influence[:, :3] += other
    counts = np.zeros(5)
    counts[:3] = (w[ev] * tw) @ self_sums[ev]
    blocks = _tie_blocks(time, rank, codes, ev)
    tied_y, tied_xy = _tied_times(blocks, w, ev, tw, unweighted_y=entry is not None)
    counts[3] = tied_y.sum() - tied_xy.sum()
    counts[4] = tied_xy.sum()
    _tied_influence(blocks, w, ev, tw, influence)
    npair = counts[:3].sum()
    if npair <= 0:
        nan = float("nan")
        return ConcordanceFit(counts, nan, nan, np.full(n, nan), influence)
    somer = (counts[0] - counts[1]) / npair
    dfbeta = w * ((influence[:, 0] - influence[:, 1])
                  - somer * influence[:, :3].sum(axis=1)) / (2 * npair)
    if cluster is not None:
        cl = _dense_rank(np.asarray(cluster))
        dfbeta = np.bincount(cl, dfbeta)
    return ConcordanceFit(counts, float((somer + 1) / 2), float(dfbeta @ dfbeta), dfbeta,
                          influence)


def _pair_sums(time: np.ndarray, dead: np.ndarray, rank: np.ndarray, codes: np.ndarray,
               w: np.ndarray, wtau: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Both sides of every comparable pair, in one pass over R's processing order.

    R walks the rows by time descending (censored before events at a tied time, then
    by risk) and keeps two trees: all rows seen, and the events seen (weighted w tau).
    ``self`` (n x 3; used for the events) holds, for each event, the weight of the
    rows at risk at its time (later time, or censored at it) with a lower, higher and
    equal risk; ``other`` (n x 3) holds, for each row, the tau-weighted events whose
    risk set held it with a higher, lower and equal risk -- R's influence columns in
    reversed (``reverse = TRUE``) orientation: concordant = the event has the higher
    risk.  Without ``wtau`` only ``self`` is computed (``other`` is zeros).
    """
    n = len(time)
    tcode = _dense_rank(time)
    nt, m = int(tcode.max()) + 1, int(rank.max()) + 1
    status = dead.astype(np.int64)
    key = ((codes * nt + (nt - 1 - tcode)) * 2 + status) * m + rank
    seq = np.argsort(key) if float(codes.max() + 1) * nt * 2 * m < 2.0 ** 62 else (
        np.lexsort((rank, status, -tcode, codes)))
    wcol = w[:, None] if wtau is None else np.column_stack([w, wtau])
    lt, eq, gt = ahead_sums(seq, codes, rank, wcol, in_sequence=True)
    # runs of the sequence: each (stratum, time, status) block, and each rank within it
    rs = key[seq]
    bstart, bid = _groups(rs // m)
    rstart, rid = _groups(rs)
    bend = np.append(bstart[1:] - 1, n - 1)[bid]
    rend = np.append(rstart[1:] - 1, n - 1)[rid]
    bstart, rstart = bstart[bid], rstart[rid]
    dead_s = dead[seq]
    ws = w[seq]
    cs = np.cumsum(ws)
    ex = cs - ws
    # for events: remove the tied-time mates ahead of them (lower rank; equal, earlier)
    below = np.where(dead_s, ex[rstart] - ex[bstart], 0.0)
    same_before = np.where(dead_s, ex - ex[rstart], 0.0)
    self_sums = np.empty((n, 3))
    self_sums[seq, 0] = lt[0] - below
    self_sums[seq, 1] = gt[0]
    self_sums[seq, 2] = eq[0] - same_before
    if wtau is None:
        return self_sums, np.zeros((n, 3))
    # events already in R's event tree when the row went in: those ahead, and for an
    # event its whole tied block; the row's share is every event of the stratum less those
    vs = np.asarray(wtau)[seq]
    cs = np.cumsum(vs)
    same_from = np.where(dead_s, cs[rend] - (cs - vs), 0.0)    # equal rank, this and later
    above = np.where(dead_s, cs[bend] - cs[rend], 0.0)          # higher rank mates
    t_lower, t_equal, t_higher = _stratum_rank_totals(codes, rank, wtau)
    other = np.empty((n, 3))
    other[seq, 0] = t_higher[seq] - gt[1] - above   # events of higher risk
    other[seq, 1] = t_lower[seq] - lt[1]              # events of lower risk
    other[seq, 2] = t_equal[seq] - eq[1] - same_from
    return self_sums, other


def _stratum_rank_totals(codes: np.ndarray, rank: np.ndarray, v: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the sum of ``v`` in its stratum over a lower, equal and higher rank."""
    m = int(rank.max()) + 1
    cls = codes * m + rank
    ucls, inv = np.unique(cls, return_inverse=True)
    tot = np.bincount(inv, v, len(ucls))
    ustr = ucls // m
    start, gid = _groups(ustr)
    cs = np.cumsum(tot)
    below = (cs - tot) - (cs - tot)[start][gid]
    stratum_total = np.bincount(gid, tot)[gid]
    lower = below[inv]
    equal = tot[inv]
    return lower, equal, stratum_total[inv] - lower - equal


def _entry_corrections(entry: np.ndarray, time: np.ndarray, rank: np.ndarray,
                       codes: np.ndarray, w: np.ndarray, wtau: np.ndarray | None,
                       ev: np.ndarray, self_sums: np.ndarray, other: np.ndarray) -> None:
    """(start, stop] rows: drop the pairs where the row entered at or after the event."""
    lt, eq, gt = dominance(entry, rank, w, time[ev], rank[ev], strict=False,
                           pgroup=codes, qgroup=codes[ev])
    self_sums[ev] -= np.column_stack([lt, gt, eq])
    if wtau is None:
        return
    lt, eq, gt = dominance(-time[ev], rank[ev], wtau[ev], -entry, rank, strict=False,
                           pgroup=codes[ev], qgroup=codes)
    other -= np.column_stack([gt, lt, eq])


def _tie_blocks(time: np.ndarray, rank: np.ndarray, codes: np.ndarray, ev: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Codes of each event's (stratum, time) block and (stratum, time, rank) block."""
    if len(ev) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tcode = _dense_rank(time[ev])
    blk = _dense_rank(codes[ev] * (int(tcode.max()) + 1) + tcode)
    sub = _dense_rank(blk * (int(rank.max()) + 1) + rank[ev])
    return blk, sub


def _tied_times(blocks: tuple[np.ndarray, np.ndarray], w: np.ndarray, ev: np.ndarray,
                tw: np.ndarray, *, unweighted_y: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per block: pairs of events tied on time (all), and tied on time and risk."""
    if len(ev) == 0:
        return np.zeros(0), np.zeros(0)
    blk, sub = blocks
    we = w[ev]
    s1, s2 = np.bincount(blk, we), np.bincount(blk, we * we)
    tau_blk = np.zeros(len(s1))
    tau_blk[blk] = tw
    # R 3.5-3's concordance4 (start, stop] omits the time weight from tied.y
    ty = (s1 * s1 - s2) / 2 * (1.0 if unweighted_y else tau_blk)
    x1, x2 = np.bincount(sub, we), np.bincount(sub, we * we)
    tau_sub = np.zeros(len(x1))
    tau_sub[sub] = tw
    return ty, (x1 * x1 - x2) / 2 * tau_sub


def _tied_influence(blocks: tuple[np.ndarray, np.ndarray], w: np.ndarray, ev: np.ndarray,
                    tw: np.ndarray, influence: np.ndarray) -> None:
    """The tied.y and tied.xy columns of R's influence matrix (in place)."""
    if len(ev) == 0:
        return
    blk, sub = blocks
    we = w[ev]
    xy = (np.bincount(sub, we)[sub] - we) * tw
    influence[ev, 4] = xy
    influence[ev, 3] = (np.bincount(blk, we)[blk] - we) * tw - xy


def _row_time_weights(time: np.ndarray, event: np.ndarray, w: np.ndarray, codes: np.ndarray,
                      timewt: str, ymax: float | None, entry: np.ndarray | None) -> np.ndarray:
    """Each row's time weight tau (at its own time; used for the events only)."""
    tau = np.ones(len(time))
    if timewt != "n":
        for k in np.unique(codes):
            sel = np.flatnonzero(codes == k)
            ek = event[sel]
            if ek.sum() < 2:   # R: one event, every weighting is the same
                continue
            etime, wt = time_weights(time[sel], ek, w[sel], timewt,
                                     None if entry is None else np.asarray(entry)[sel])
            idx = np.searchsorted(etime, time[sel])
            idx = np.minimum(idx, len(etime) - 1)
            hit = etime[idx] == time[sel]
            tau[sel[hit]] = wt[idx[hit]]
    if ymax is not None:
        tau[time > ymax] = 0.0
    return tau


# --- the batched form: Harrell's C of many risk scores on one follow-up (the bootstrap's) ---

def concordance_many(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                     weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Pair counts and Harrell's C of each column of ``risk`` (n, m); ``weights`` (n, m) or None.

    Returns a dict of arrays (m,): ``concordant, discordant, tied_x, concordance``,
    the counts :func:`concordance_fit` gives column by column (``variance=False``;
    R ``concordance``): a pair is comparable when the shorter time is an event (an
    event and a censoring at the same time are comparable, two events at the same
    time are not), concordant when the event has the higher risk, and counts
    ``w_i w_j``.  Rows of weight 0 take no part.  See :func:`concordance_sets`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4]); e = np.array([1, 1, 0, 1])
    >>> concordance_many(t, e, np.array([[4.0], [3], [2], [1]]))["concordance"].tolist()
    [1.0]
    """
    return concordance_sets(time, event, risk, [weights])[0]


def concordance_sets(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                     weight_sets: Sequence[np.ndarray | None], *,
                     order: np.ndarray | None = None) -> list[dict[str, np.ndarray]]:
    """:func:`concordance_many` of the same ``risk`` (n, m) under several weightings at once.

    ``weight_sets``: (n, m) arrays or None (every row 1); one dict per set.  The
    risk ranks and their bit partitions are shared by the sets (the bootstrap
    scores a refit on its resample, weights = counts, and on the original rows).
    ``order`` (m, n), optional: each column's argsort of ``risk`` when the caller
    has it (the risks are then not sorted again).

    Method: the rows go in one sequence, time descending (at a time, censorings
    before events), so the rows comparable with an event are those ahead of its
    block of tied events.  The weighted sums "rows ahead of me with a lower / equal
    risk", summed over the events, are the totals of :func:`ahead_sums`' bit-by-bit
    partition of the risk ranks, here for all m columns in one (m n,) array (each
    column's run of the sequence; each level a few whole-array numpy operations,
    O(n log n) per column); pairs inside a block of tied events are then taken
    back out.  Integer weights give exact counts.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4]); e = np.array([1, 1, 0, 1])
    >>> risk = np.array([[1.0], [3], [2], [4]])
    >>> sets = concordance_sets(t, e, risk, [None, 2 * np.ones((4, 1))])
    >>> [d["concordance"].tolist() for d in sets]
    [[0.2], [0.2]]
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event) == 1
    risk = np.asarray(risk, dtype=float)
    n, m = risk.shape
    seq = np.lexsort((~e, t))[::-1]           # time descending; at a time, censorings first
    ts, es = t[seq], e[seq]
    if order is None:
        rank, levels = _column_ranks(np.ascontiguousarray(risk[seq].T))
    else:
        rank, levels = _column_ranks(np.ascontiguousarray(risk.T), order)
        rank = rank[:, seq]
    ws = [None if w is None else np.ascontiguousarray(np.asarray(w, dtype=float)[seq].T)
          for w in weight_sets]
    less, equal = _ahead_totals(rank, es, ws, levels)
    new = np.ones(n, dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (es[1:] != es[:-1])
    block = np.cumsum(new) - 1
    block_start = np.flatnonzero(new)[block]   # rows ahead of a row's block: those before it
    i, j = _tied_event_pairs(block, es)
    out = []
    for a, w in enumerate(ws):
        if w is None:
            total = np.full(m, float(block_start[es].sum()))
        else:
            ahead = np.concatenate([np.zeros((m, 1)), np.cumsum(w, axis=1)], axis=1)
            total = (w[:, es] * ahead[:, block_start[es]]).sum(axis=1)
        if i.size:
            wij = np.ones((m, i.size)) if w is None else w[:, i] * w[:, j]
            less[a] -= (wij * (rank[:, j] < rank[:, i])).sum(axis=1)
            equal[a] -= (wij * (rank[:, j] == rank[:, i])).sum(axis=1)
        disc = total - less[a] - equal[a]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.where(total > 0, (less[a] + equal[a] / 2) / np.where(total > 0, total, 1.0),
                         np.nan)
        out.append({"concordant": less[a], "discordant": disc, "tied_x": equal[a],
                    "concordance": c})
    return out


def _column_ranks(risk: np.ndarray, order: np.ndarray | None = None
                  ) -> tuple[np.ndarray, int]:
    """Dense ranks (0..u-1) within each row of ``risk`` (m, n), and the bits they need
    (``order``: each row's argsort, when at hand)."""
    m, n = risk.shape
    if order is None:
        order = np.argsort(risk, axis=1)       # ties share a dense rank: any order will do
    srt = np.take_along_axis(risk, order, axis=1)
    step = np.zeros((m, n), dtype=np.int64)
    step[:, 1:] = srt[:, 1:] != srt[:, :-1]
    dense = np.cumsum(step, axis=1)
    rank = np.empty_like(dense)
    np.put_along_axis(rank, order, dense, axis=1)
    return rank, max(1, int(dense.max(initial=0)).bit_length())


def _ahead_totals(rank: np.ndarray, event: np.ndarray, ws: list[np.ndarray | None],
                  levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per weighting and column: the sums over the events i of w_i x (weight w_j of the rows
    ahead of i in the sequence with rank_j < rank_i), and with rank_j == rank_i.

    ``rank`` (m, n) and each weighting (m, n) are in sequence order (None: weight 1).
    :func:`ahead_sums`' levels on the flattened (m n,) array: at the level of bit k the
    rows sit in runs of equal (column, rank >> (k + 1)), in sequence order; a bit-1 event
    gains the bit-0 weight earlier in its run, then each run is stably partitioned.
    The run boundaries are fixed by the rank histogram; a packed (rank, event) integer
    and the weights are carried through the partitions.  Integer weights are summed
    as integers (exact).
    """
    m, n = rank.shape
    size = 1 << levels
    hist = np.bincount(((np.arange(m) * (size + 1))[:, None] + rank + 1).ravel(),
                       minlength=m * (size + 1)).reshape(m, size + 1)
    bound = np.cumsum(hist, axis=1) + (np.arange(m) * n)[:, None]   # run starts, flattened
    packed = (rank.ravel() << 1) | np.tile(event.astype(np.int64), m)
    cur = [None if w is None else _exact(w.ravel()) for w in ws]
    less = [np.zeros(m, dtype=np.int64 if w is None else w.dtype) for w in cur]
    here = np.arange(m * n, dtype=np.int64)
    zeros = np.zeros(m * n + 1, dtype=np.int64)          # cumulative sums, leading 0
    cws = [None if w is None else np.zeros(m * n + 1, dtype=w.dtype) for w in cur]
    for lev in range(levels - 1, -1, -1):
        grid = np.arange(0, size, 2 << lev)
        start = bound[:, grid].ravel()
        mid = bound[:, np.minimum(grid + (1 << lev), size)].ravel()
        lens = bound[:, np.minimum(grid + (2 << lev), size)].ravel() - start
        bit = (packed >> (lev + 1)) & 1
        nb = 1 - bit
        np.cumsum(nb, out=zeros[1:])
        z = zeros[1:]
        z0 = zeros[start]
        ev1 = bit & packed                                    # bit-1 events
        for a, (w, cw) in enumerate(zip(cur, cws, strict=True)):
            if w is None or cw is None:
                gain = ev1 * (z - np.repeat(z0, lens))
            else:
                np.cumsum(nb * w, out=cw[1:])
                gain = ev1 * w * (cw[1:] - np.repeat(cw[start], lens))
            less[a] += gain.reshape(m, n).sum(axis=1)
        # stable partition of each run: its bit-0 rows (from start), then its bit-1 rows
        low = np.repeat(start - z0, lens) + z - 1
        dest = low + bit * (np.repeat(mid - start + z0, lens) + here - z - low)
        packed = _scatter(packed, dest)
        cur = [None if w is None else _scatter(w, dest) for w in cur]
    # now runs of equal (column, rank), in sequence order: the ties
    start, lens = bound[:, :size].ravel(), np.diff(bound, axis=1).ravel()
    ev = packed & 1
    equal = []
    for w, cw in zip(cur, cws, strict=True):
        if w is None or cw is None:
            tie = ev * (here - np.repeat(start, lens))
        else:
            np.cumsum(w, out=cw[1:])
            tie = ev * w * (cw[:-1] - np.repeat(cw[start], lens))
        equal.append(tie.reshape(m, n).sum(axis=1))
    return (np.array(less, dtype=float).reshape(len(ws), m),
            np.array(equal, dtype=float).reshape(len(ws), m))


def _exact(w: np.ndarray) -> np.ndarray:
    """Integer-valued weights (resample counts) as int64, so that their sums are exact
    (kept as floats where the pair sums could overflow)."""
    if w.size and np.all(w == np.round(w)) and float(np.abs(w).max()) * w.size < 2 ** 31:
        return w.astype(np.int64)
    return w


def _scatter(v: np.ndarray, dest: np.ndarray) -> np.ndarray:
    out = np.empty_like(v)
    out[dest] = v
    return out


def _tied_event_pairs(block: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i, j), j before i, inside one block of events at the same time."""
    sizes = np.bincount(block)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tied = np.flatnonzero((sizes > 1) & np.asarray(np.bincount(block, weights=event) > 0))
    if tied.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ii, jj = [], []
    for s in np.unique(sizes[tied]):
        a, b = np.triu_indices(int(s), 1)
        st = starts[tied[sizes[tied] == s]][:, None]
        ii.append((st + b).ravel())
        jj.append((st + a).ravel())
    return np.concatenate(ii), np.concatenate(jj)
