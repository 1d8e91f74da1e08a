"""Risk sets of many markers at once: the sorted sample and the sums the batched Cox models need.

The screen fits M markers that share the follow-up data (and any strata) but
each have their own complete cases.  :func:`sample` sorts the rows once and
finds the distinct event times (within strata); a marker's missing rows get
weight 0, so its risk sets, tied-event groups and Efron fractions
(:func:`complete_events`) are exactly those :func:`~mirprog._engine.coxph.risk_sets`
builds from that marker's complete cases.  Risk-set sums are evaluated only
at the distinct event times: sums over the row segments between them, then
a reverse cumulative sum within each stratum (:func:`suffix_sums`), rows
taken in cache-sized chunks (:func:`chunks`).  Used by the one-covariate
models of :mod:`mirprog._engine.cox_batch` and the covariate-adjusted ones of
:mod:`mirprog._engine.cox_batch_adjusted`.

Strata.  Rows are sorted by stratum, then time, and the rows of each stratum
that end before its first event time (never in a risk set: censored before
anyone of their stratum has an event) are moved to the front, before
``Sample.lo``.  From ``lo`` on, the rows at risk at the event times of one
stratum are one contiguous block, and the segment of an event time runs to
the next event time of its stratum or to the end of its block; the reverse
cumulative sums restart at each stratum's block (``Sample.g_bounds``).
Without strata this is the plain layout: rows sorted by time.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from mirprog._engine.blas import vecmat

try:  # SciPy's CSR kernel (out += A x for a C-order block of vectors); stable since SciPy 0.x
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a SciPy without it: the public product
    _csr_matvecs = None
from mirprog._engine.coxph import ETA_MAX, ETA_MIN, Ties
from mirprog.errors import ArgumentError

__all__ = [
    "CHUNK",
    "SPARSE_FROM",
    "Chunk",
    "Cols",
    "Events",
    "Sample",
    "Work",
    "chunks",
    "clamp",
    "complete_events",
    "counts",
    "empty_risk_sets",
    "group_sums",
    "sample",
    "sparse_dot",
    "suffix_sums",
    "take",
    "wsum",
]

Cols = np.ndarray | None          # active marker columns (None = all)

SPARSE_FROM = 20_000  # values: below, np.add.reduceat beats scipy's dispatch overhead
CHUNK = 2**16         # values per working array in the loops over rows and event times


def empty_in(empty: tuple[np.ndarray, np.ndarray], cols: np.ndarray | None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The empty risk sets (:func:`empty_risk_sets`) of the markers ``cols`` (increasing),
    with positions into ``cols``; all of them when ``cols`` is None."""
    g, j = empty
    if cols is not None:
        pos = np.minimum(np.searchsorted(cols, j), len(cols) - 1)
        keep = cols[pos] == j
        g, j = g[keep], pos[keep]
    return g, j


@dataclass(frozen=True)
class Sample:
    """Follow-up data sorted once (by stratum, then time), with the tied event-time groups.

    An event-time group is a distinct (stratum, time) of an event; groups are
    numbered in row order, so the groups of stratum k are
    ``g_bounds[k]:g_bounds[k + 1]``.
    """

    order: np.ndarray     # permutation of the cohort's rows into this layout (stable)
    time: np.ndarray      # times in this order
    event: np.ndarray     # 0/1 events in this order
    first: np.ndarray     # (G,) first row at risk at each event-time group
    ev: np.ndarray        # (n_ev,) row index of each event
    ev_group: np.ndarray  # (n_ev,) its event-time group
    ev_start: np.ndarray  # (G,) first event of each group (index into ev)
    n_risk: np.ndarray    # (G,) rows at risk at each group (all markers' rows)
    g_bounds: np.ndarray  # (K + 1,) group boundaries of the K strata with events ([0, G]: one)

    @property
    def lo(self) -> int:
        """Rows before this one are never at risk (they end before their stratum's first event)."""
        return int(self.first[0])

    @property
    def stratified(self) -> bool:
        return len(self.g_bounds) > 2

    @cached_property
    def ev_segments(self) -> Any:
        """Sparse (G, n_ev) matrix summing the events of each event-time group."""
        n_ev = len(self.ev)
        return sparse.csr_array((np.ones(n_ev), np.arange(n_ev), np.r_[self.ev_start, n_ev]),
                                shape=(len(self.first), n_ev))

    @cached_property
    def counting(self) -> Any:
        """Sparse (2G + 1, n) matrix: segment sums, event sums per event time, rows before lo.

        One product with it gives what :func:`counts` needs from a column of
        per-row values in a single pass over them.
        """
        n, g, lo = len(self.time), len(self.first), self.lo
        rows = np.r_[np.repeat(np.arange(g), np.diff(np.r_[self.first, n])),
                     g + self.ev_group, np.full(lo, 2 * g)]
        cols = np.r_[np.arange(lo, n), self.ev, np.arange(lo)]
        return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(2 * g + 1, n))


def sparse_dot(m: Any, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``m @ a`` for a CSR matrix ``m`` (float64) and a float (rows, k) array, into ``out``.

    SciPy's ``@`` spends ~15 us in Python per call, holding the GIL, and
    returns a new array; its kernel, called here directly, releases the GIL
    and adds into ``out``.  The screen's threads call this per chunk of rows:
    with ``@`` two threads ran the segment sums at 1.44x one thread's speed,
    with the kernel at 1.93x.  Same sums, bit for bit.
    """
    g, k = m.shape[0], a.shape[1]
    if out is None:
        out = np.zeros((g, k))
    else:
        out.fill(0.0)
    if (_csr_matvecs is None or a.dtype != np.float64 or not a.flags.c_contiguous
            or not out.flags.c_contiguous or m.data.dtype != np.float64
            or m.indptr.dtype != m.indices.dtype):
        out[...] = m @ a
        return out
    _csr_matvecs(g, m.shape[1], k, m.indptr, m.indices, m.data, a.ravel(), out.ravel())
    return out


def counts(s: Sample, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sums of ``a`` (n, k) over each risk set, over each event time's events, and in all."""
    if a.size < SPARSE_FROM:           # small: skip building the sparse matrix
        at_risk = suffix_sums(np.add.reduceat(a[s.lo:], s.first - s.lo, axis=0), s.g_bounds)
        events = np.add.reduceat(a[s.ev], s.ev_start, axis=0)
        before = a[:s.lo].sum(axis=0)
    else:
        g = len(s.first)
        sums = sparse_dot(s.counting, np.ascontiguousarray(a, dtype=float))
        at_risk, events, before = suffix_sums(sums[:g], s.g_bounds), sums[g:2 * g], sums[2 * g]
    if not s.stratified:
        return at_risk, events, at_risk[0] + before
    return at_risk, events, at_risk[s.g_bounds[:-1]].sum(axis=0) + before


def sample(time: np.ndarray, event: np.ndarray, strata: np.ndarray | None = None) -> Sample:
    """Sort ``time``/``event`` (within ``strata``, integer codes) and find the event-time groups.

    At least one event is needed; a stratum without events has no groups
    (its rows are never at risk).
    """
    time = np.asarray(time, dtype=float)
    e_in = np.asarray(event)
    if strata is None:
        order = np.argsort(time, kind="stable")
        codes, n_gap = np.zeros(len(time), dtype=np.int64), 0
    else:
        codes = np.asarray(strata, dtype=np.int64)
        order = np.lexsort((time, codes))
        order, n_gap = _gaps_first(time[order], e_in[order], codes[order], order)
    t = time[order]
    e = e_in[order].astype(np.int64)
    st = codes[order]
    ev = np.flatnonzero(e == 1)
    if ev.size == 0:
        raise ValueError("no events")
    et, es = t[ev], st[ev]
    new = np.ones(len(ev), dtype=bool)
    new[1:] = (et[1:] != et[:-1]) | (es[1:] != es[:-1])
    ev_group = np.cumsum(new) - 1
    ev_start = np.flatnonzero(new)
    if strata is None:
        first = np.searchsorted(t, et[ev_start], side="left")
        return Sample(order, t, e, first, ev, ev_group, ev_start, len(t) - first,
                      np.array([0, len(first)]))
    g_strata = es[ev_start]
    g_bounds = np.r_[0, np.flatnonzero(np.diff(g_strata)) + 1, len(ev_start)]
    first = np.empty(len(ev_start), dtype=np.int64)
    n_risk = np.empty(len(ev_start), dtype=np.int64)
    # from n_gap on, each stratum with events is one block of rows
    starts = n_gap + np.flatnonzero(np.r_[True, np.diff(st[n_gap:]) != 0])
    ends = np.r_[starts[1:], len(t)]
    for a, b in itertools.pairwise(g_bounds):
        k = int(np.searchsorted(starts, ev[ev_start[a]], side="right") - 1)
        lo_k, hi_k = starts[k], ends[k]
        first[a:b] = lo_k + np.searchsorted(t[lo_k:hi_k], et[ev_start[a:b]], side="left")
        n_risk[a:b] = hi_k - first[a:b]
    return Sample(order, t, e, first, ev, ev_group, ev_start, n_risk, g_bounds)


def _gaps_first(t: np.ndarray, e: np.ndarray, st: np.ndarray, order: np.ndarray
                ) -> tuple[np.ndarray, int]:
    """``order`` (by stratum, time) with the rows never at risk moved to the front, and their
    number."""
    first_event = np.full(int(st.max(initial=0)) + 1, np.inf)
    np.minimum.at(first_event, st[e == 1], t[e == 1])
    gap = t < first_event[st]
    return np.r_[order[gap], order[~gap]], int(gap.sum())


class Work:
    """Scratch arrays reused across Newton iterations (as prefix views while markers converge).

    A fresh multi-megabyte array costs a page fault per 4 kB on first touch;
    on large blocks that took longer than the arithmetic done in it.
    """

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    def __call__(self, name: str, *shape: int) -> np.ndarray:
        size = math.prod(shape)
        buf = self._bufs.get(name)
        if buf is None or buf.size < size:
            buf = self._bufs[name] = np.empty(size)
        return buf[:size].reshape(shape)


def _suffix(a: np.ndarray) -> np.ndarray:
    if a.shape[1] < 64:
        return np.cumsum(a[::-1], axis=0)[::-1]
    rows, add = list(a), np.add
    prev = rows[-1]
    for row in rows[-2::-1]:
        add(row, prev, row)
        prev = row
    return a


def suffix_sums(a: np.ndarray, g_bounds: np.ndarray | None = None) -> np.ndarray:
    """``a[i:end].sum(axis=0)`` for every row i, end the end of its stratum's rows.

    Accumulated from the last row as fit_cox does.  numpy's cumulative sum
    down the columns of a wide array is several times slower than one vector
    add per row, so wide arrays are scanned row by row (in place).
    """
    if g_bounds is None or len(g_bounds) <= 2:
        return _suffix(a)
    out = a if a.shape[1] >= 64 else np.empty_like(a)
    for lo, hi in itertools.pairwise(g_bounds):
        out[lo:hi] = _suffix(a[lo:hi])
    return out


def group_sums(s: Sample, a_ev: np.ndarray) -> np.ndarray:
    """Per event-time group and column: sum of ``a_ev`` (one row per event) over its events."""
    if a_ev.size < SPARSE_FROM:
        return np.add.reduceat(a_ev, s.ev_start, axis=0)
    return sparse_dot(s.ev_segments, a_ev)


def clamp(eta: np.ndarray) -> np.ndarray:
    """``np.clip(eta, ETA_MIN, ETA_MAX)`` in place (np.clip's own overhead is ~10 us)."""
    np.maximum(eta, ETA_MIN, out=eta)
    return np.minimum(eta, ETA_MAX, out=eta)


def take(a: np.ndarray, cols: Cols) -> np.ndarray:
    """Columns ``cols`` of a per-marker array; arrays of one column are shared by all markers."""
    if cols is None or a.shape[-1] == 1:
        return a
    return np.take(a, cols, axis=-1)          # C order (a[:, cols] would be Fortran order)


def wsum(weight: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Column sums of ``weight * a`` (``weight`` may be one column shared by all)."""
    if weight.shape[1] == 1:
        return vecmat(weight[:, 0], a)
    return np.einsum("ij,ij->j", weight, a)


@dataclass(frozen=True)
class Events:
    """Each marker's own events: weight 1 for its complete cases, tie counts, Efron fractions.

    When every event row is complete for every marker, the arrays have one
    column, shared by all markers.
    """

    w: np.ndarray            # (n_ev, M) 1.0 if the event row is complete for the marker
    d: np.ndarray            # (G, M) events per event-time group among the marker's rows
    frac: np.ndarray | None  # (n_ev, M) Efron k/d within the marker's tie group; None = Breslow
    full: bool               # every marker has every event: no zero weights or counts


def complete_events(s: Sample, w_rows: np.ndarray, ties: Ties) -> Events:
    """The events of each marker's complete cases (``w_rows``, (n, M), sorted)."""
    if ties not in ("breslow", "efron"):
        raise ArgumentError(f"ties must be 'breslow' or 'efron', got {ties!r}.", argument="ties")
    w_ev = w_rows[s.ev]
    full = bool(w_ev.all())
    w = np.ones((len(s.ev), 1)) if full else w_ev.astype(float)
    d = group_sums(s, w)
    if ties == "breslow":
        return Events(w, d, None, full)
    before = np.cumsum(w, axis=0) - w          # complete events earlier in row order
    rank = before - before[s.ev_start][s.ev_group]
    dd = np.where(d > 0, d, 1.0)[s.ev_group]
    return Events(w, d, np.where(w > 0, rank / dd, 0.0), full)


def empty_risk_sets(s: Sample, w_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(event time, marker) positions where none of the marker's complete cases is at risk.

    Only there is S0 zero (a complete row at risk adds at least exp(-200)),
    and only there would log(S0) be -inf; the marker has no event there.
    """
    incomplete = np.flatnonzero(~w_rows.all(axis=0))
    if incomplete.size == 0:
        return None
    missing, _, _ = counts(s, (~w_rows[:, incomplete]).astype(float))
    g, j = np.nonzero(missing == s.n_risk[:, None])
    return (g, incomplete[j]) if g.size else None


@dataclass(frozen=True)
class Chunk:
    """Rows r0:r1 (counted from ``Sample.lo``), holding event times g0:g1 and events e0:e1."""

    r0: int
    r1: int
    g0: int
    g1: int
    e0: int
    e1: int
    ev_local: np.ndarray   # the chunk's event rows, relative to r0
    starts: np.ndarray     # first row of each event time's segment, relative to r0
    segments: Any          # sparse (g1 - g0, r1 - r0) segment sums; None for small chunks

    def segment_sums(self, a: np.ndarray, out: np.ndarray) -> None:
        """Sums of ``a`` (the chunk's rows) over each event time's segment, into ``out``."""
        if self.segments is None:
            np.add.reduceat(a, self.starts, axis=0, out=out)
        else:
            sparse_dot(self.segments, a, out)

    @property
    def rows(self) -> int:
        return self.r1 - self.r0


def chunks(s: Sample, target: int, width: int) -> list[Chunk]:
    """Split the rows at risk into chunks of about ``target`` rows, at event-time boundaries."""
    starts = s.first - s.lo
    total = len(s.time) - s.lo
    bounds = [0]
    if target < total:
        for g in np.searchsorted(starts, np.arange(target, total, target), side="left"):
            if g < len(starts) and starts[g] > bounds[-1]:
                bounds.append(int(starts[g]))
    bounds.append(total)
    ev_rows = s.ev - s.lo
    out = []
    for r0, r1 in itertools.pairwise(bounds):
        if len(bounds) == 2:
            g0, g1, e0, e1 = 0, len(starts), 0, len(ev_rows)
        else:
            g0, g1 = np.searchsorted(starts, [r0, r1], side="left")
            e0, e1 = np.searchsorted(ev_rows, [r0, r1], side="left")
        indptr = np.append(starts[g0:g1], r1) - r0
        segments = None if (r1 - r0) * width < SPARSE_FROM else sparse.csr_array(
            (np.ones(r1 - r0), np.arange(r1 - r0), indptr), shape=(g1 - g0, r1 - r0))
        out.append(Chunk(r0, r1, int(g0), int(g1), int(e0), int(e1), ev_rows[e0:e1] - r0,
                         indptr[:-1], segments))
    return out
