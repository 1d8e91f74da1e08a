"""Harrell's C of many risk scores on one follow-up at once (the bootstrap's B linear predictors).

Arrays in, arrays out.  :func:`concordance_many` gives, for each column of ``risk``
(n, m), the pair counts of R ``concordance`` (and of
:func:`mirprog._engine.coxph.concordance_counts`, which it equals): a pair is
comparable when the shorter time is an event (an event and a censoring at the
same time are comparable, two events at the same time are not); it is
concordant when the event has the higher risk; pairs count ``w_i w_j`` with
frequency ``weights``.

Method: rows are put in time order (at a time, events first), so the rows
comparable with an event are the rows after its block of tied events.  The
weighted counts "rows after me with a lower / equal risk" are 2-D dominance
counts, computed for all m columns together by a wavelet tree over the dense
risk ranks: one level per bit of the rank, each a handful of whole-array
numpy operations (a stable partition by the bit), so O(n log n) per column
with no Python loop over rows or columns.  Pairs inside a block of tied
events are then taken back out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["concordance_many"]


def _dense_ranks(risk: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ranks (0..u-1) of each row of ``risk`` (m, n), and the largest u."""
    m, n = risk.shape
    order = np.argsort(risk, axis=1, kind="stable")
    srt = np.take_along_axis(risk, order, axis=1)
    step = np.zeros((m, n), dtype=np.int64)
    step[:, 1:] = srt[:, 1:] != srt[:, :-1]
    dense = np.cumsum(step, axis=1)
    rank = np.empty_like(dense)
    np.put_along_axis(rank, order, dense, axis=1)
    return rank, int(dense[:, -1].max()) + 1 if n else 0


def _dominance(rank: np.ndarray, w: np.ndarray, ew: np.ndarray, levels: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the (m, n) arrays: sum over i of ew_i x (weight w_j of j > i with
    rank_j < rank_i), and the same with rank_j == rank_i."""
    m, n = rank.shape
    size = 1 << levels
    it: type[np.signedinteger[Any]] = (np.int32 if m * (max(n, size) + 1) < 2 ** 31 - 1
                                       else np.int64)
    base = (np.arange(m, dtype=it) * n)[:, None]
    here = np.arange(n, dtype=it)[None, :]
    cbase = (np.arange(m, dtype=it) * (size + 1))[:, None]
    # cnt[b, v]: rows of column b with rank < v, v = 0..size
    hist = np.bincount((cbase + rank + 1).ravel(), minlength=m * (size + 1))
    cnt = np.cumsum(hist.reshape(m, size + 1), axis=1).astype(it).ravel()
    k0pad = np.zeros((m, n + 1), dtype=it)
    kbase = base + np.arange(m, dtype=it)[:, None]          # rows of k0pad, flattened
    rank = rank.astype(it)
    vals = np.stack([w, ew])                                # carried through the partitions
    less = np.zeros(m)
    top = cbase + size
    for lev in range(levels - 1, -1, -1):
        bit = (rank >> lev) & 1
        lo = cbase + ((rank >> (lev + 1)) << (lev + 1))
        start = cnt[lo]
        mid = cnt[np.minimum(lo + (1 << lev), top)]
        end = cnt[np.minimum(lo + (2 << lev), top)]
        c0 = np.cumsum(np.where(bit == 0, vals[0], 0.0), axis=1)
        less += (np.where(bit == 1, vals[1], 0.0) * (np.take(c0, base + end - 1) - c0)).sum(axis=1)
        np.cumsum(1 - bit, axis=1, out=k0pad[:, 1:])
        zeros_before = k0pad[:, :-1] - np.take(k0pad, kbase + start)   # zeros before, in group
        pos = np.where(bit == 0, start + zeros_before, mid + here - start - zeros_before)
        dest = (base + pos).ravel()
        new_rank = np.empty_like(rank)
        new_rank.ravel()[dest] = rank.ravel()
        new_vals = np.empty_like(vals)
        new_vals.reshape(2, -1)[:, dest] = vals.reshape(2, -1)
        rank, vals = new_rank, new_vals
    # leaves: rows of equal rank, contiguous and in time order
    cw = np.cumsum(vals[0], axis=1)
    end = cnt[cbase + rank + 1]
    equal = (vals[1] * (np.take(cw, base + end - 1) - cw)).sum(axis=1)
    return less, equal


def concordance_many(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                     weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Pair counts and Harrell's C of each column of ``risk`` (n, m); ``weights`` (n, m) or None.

    Returns a dict of arrays (m,): ``concordant, discordant, tied_x, concordance``.
    Rows of weight 0 take no part.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4]); e = np.array([1, 1, 0, 1])
    >>> concordance_many(t, e, np.array([[4.0], [3], [2], [1]]))["concordance"].tolist()
    [1.0]
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event) == 1
    risk = np.asarray(risk, dtype=float)
    n, m = risk.shape
    wt = np.ones((n, m)) if weights is None else np.asarray(weights, dtype=float)
    order = np.lexsort((~e, t))                       # time ascending; at a time, events first
    ts, es = t[order], e[order]
    rk, levels_u = _dense_ranks(np.ascontiguousarray(risk[order].T))
    w = np.ascontiguousarray(wt[order].T)             # (m, n)
    ew = w * es
    levels = max(1, int(levels_u - 1).bit_length())
    less, equal = _dominance(rk, w, ew, levels)
    # rows comparable with an event: those after its block of tied events
    new = np.ones(n, dtype=bool)
    new[1:] = (ts[1:] != ts[:-1]) | (es[1:] != es[:-1])
    block = np.cumsum(new) - 1
    block_end = np.append(np.flatnonzero(new)[1:], n)[block]      # first row after the block
    suffix = np.concatenate([np.cumsum(w[:, ::-1], axis=1)[:, ::-1], np.zeros((m, 1))], axis=1)
    total = (ew * suffix[:, block_end]).sum(axis=1)
    # take out the pairs inside blocks of tied events
    i, j = _tied_event_pairs(block, es)
    if i.size:
        wij = ew[:, i] * w[:, j]
        less -= (wij * (rk[:, j] < rk[:, i])).sum(axis=1)
        equal -= (wij * (rk[:, j] == rk[:, i])).sum(axis=1)
    disc = total - less - equal
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(total > 0, (less + equal / 2) / np.where(total > 0, total, 1.0), np.nan)
    return {"concordant": less, "discordant": disc, "tied_x": equal, "concordance": c}


def _tied_event_pairs(block: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (i < j) inside one block of events at the same time."""
    sizes = np.bincount(block)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    tied = np.flatnonzero((sizes > 1) & np.asarray(np.bincount(block, weights=event) > 0))
    if tied.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ii, jj = [], []
    for s in np.unique(sizes[tied]):
        a, b = np.triu_indices(int(s), 1)
        st = starts[tied[sizes[tied] == s]][:, None]
        ii.append((st + a).ravel())
        jj.append((st + b).ravel())
    return np.concatenate(ii), np.concatenate(jj)
