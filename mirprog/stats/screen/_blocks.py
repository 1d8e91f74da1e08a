"""A screen's marker blocks and their values, in the layouts the block computations need.

:func:`marker_blocks` splits the markers into blocks (fixed by ``block_size``
alone, so results never depend on the number of threads);
:class:`MarkerValues` reads a block's columns from the cohort's frame, rows in
the screen sample's order (:class:`BlockValues`: the rows x markers array the
models overwrite and a markers x rows copy for the medians).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import MirprogError

__all__ = ["BLOCK_ELEMENTS", "COLUMNWISE_FROM", "MIN_BLOCK", "BlockValues", "MarkerValues",
           "float_column", "marker_blocks", "screen_blocks"]

BLOCK_ELEMENTS = 2**21  # rows x markers per block: about 16 MB per (rows, markers) array
MIN_BLOCK = 32          # markers per block at least (per-block overhead)
COLUMNWISE_FROM = 4096  # rows from which a block's columns are gathered one by one


def screen_blocks(cohort: Cohort, names: list[str], n: int,
                  block_size: int | None) -> tuple[list[str], list[list[str]]]:
    """The screen's blocks (:func:`marker_blocks`), and the markers in the blocks' order.

    With long columns (``COLUMNWISE_FROM`` rows) the markers with a missing
    value come first, in blocks of their own half the size of the others: a
    block mixing both is computed as two (:func:`~mirprog.stats.screen.markers.screen_block`),
    per marker the incomplete tenth cost ~2x in its small sub-blocks, and
    their per-marker numbers at risk and event weights take ~4x the memory
    of a complete marker's (half-size blocks keep the peak below the mixed
    blocks').  Each column is read once for this; short columns skip it (at
    1,100 rows it would cost what it saves).  Either way the blocks depend
    on the data and ``block_size`` only.
    """
    blocks = marker_blocks(names, n, block_size)
    if n < COLUMNWISE_FROM:
        return names, blocks
    frame = cohort._data
    has_missing = [bool(np.isnan(float_column(frame, name)).any()) for name in names]
    incomplete = [name for name, m in zip(names, has_missing, strict=True) if m]
    complete = [name for name, m in zip(names, has_missing, strict=True) if not m]
    if not incomplete or not complete:
        return names, blocks
    size = len(blocks[0])
    half = -(-size // 2)
    return incomplete + complete, (
        [incomplete[i:i + half] for i in range(0, len(incomplete), half)]
        + [complete[i:i + size] for i in range(0, len(complete), size)])


def float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A marker column as float64, NaN where missing: a view of a float64 column."""
    column = frame[name]
    values = column.to_numpy()
    if values.dtype != np.float64:
        values = column.to_numpy(dtype=float, na_value=np.nan)
    return values


def marker_blocks(names: list[str], n: int, block_size: int | None) -> list[list[str]]:
    """The markers in blocks: ``block_size`` each, or by default equal blocks of ~2**21 values."""
    if block_size is None:
        count = -(-len(names) // max(MIN_BLOCK, BLOCK_ELEMENTS // max(1, n)))
        block_size = -(-len(names) // count)
    elif not (isinstance(block_size, int | np.integer) and not isinstance(block_size, bool)
              and block_size > 0):
        raise MirprogError(f"block_size must be a positive integer, got {block_size!r}.")
    size = int(block_size)
    return [names[i:i + size] for i in range(0, len(names), size)]


@dataclass
class BlockValues:
    """A block's marker values in the two layouts the screen needs (separate arrays).

    ``values`` (rows, markers), C order, rows in the sample's order: the models
    overwrite it.  ``by_marker`` (markers, rows), C order, the same rows (in
    any order: the medians partition it in place and the missing values are
    counted in it), then :func:`screen_block`
    sets it to None (the caller's frame holds the block during the call: a
    local ``del`` would keep this copy alive through the model fits).
    """

    values: np.ndarray
    by_marker: np.ndarray | None


class MarkerValues:
    """A block's marker values as a float (rows, markers) array: the rows ``order`` picks.

    ``order`` holds positions of the cohort's rows: the screen's rows in its
    sample's order (a subset when rows are excluded for a stratum or covariate).

    Reading the cohort's frame is done under a lock (pandas objects are not
    safe to read from several threads at once); the reordering is not.

    ``reuse``: :meth:`block` fills the same (rows, markers) array each time it
    is called from a thread (one per thread), for a caller that is done with a
    block's values before it asks for the next one on that thread (the
    screen's local blocks: a fresh multi-megabyte array costs a page fault
    per 4 kB).  Off by default: then every call returns new arrays.
    """

    def __init__(self, cohort: Cohort, order: np.ndarray, *, reuse: bool = False) -> None:
        self.frame, self.order = cohort._data, order
        self.lock = threading.Lock()
        self._buffers: dict[int, np.ndarray] | None = {} if reuse else None

    def __call__(self, block: Sequence[str]) -> np.ndarray:
        return self.block(block).values

    def block(self, block: Sequence[str]) -> BlockValues:
        """Both layouts of the block's values (:class:`BlockValues`).

        pandas holds float columns marker by marker: the rows are gathered
        along them (contiguous) into the marker-by-marker array, which is then
        transposed once.  Long columns (``COLUMNWISE_FROM`` rows) are gathered
        one by one from views of them; shorter ones from one copy of the
        block (``frame[list]``), since a thousand small per-column calls cost
        the screen's threads more in GIL hand-offs than that copy.
        """
        values = self._values(len(block))
        if len(self.frame) >= COLUMNWISE_FROM or len(block) <= 16:
            with self.lock:
                cols = [float_column(self.frame, name) for name in block]
            by_marker = np.empty((len(block), len(self.order)))
            for j, col in enumerate(cols):
                np.take(col, self.order, out=by_marker[j], mode="clip")
            values[...] = by_marker.T
            return BlockValues(values, by_marker)
        with self.lock:
            sub = self.frame[list(block)]
            raw = sub.to_numpy()                  # a view of the copy's float block, if one
            if raw.dtype != np.float64:
                raw = sub.to_numpy(dtype=float, na_value=np.nan)
            if (not raw.flags.writeable or not raw.flags.f_contiguous
                    or np.may_share_memory(raw, float_column(self.frame, block[0]))):
                raw = np.array(raw, order="F")    # (the medians partition it: our own copy)
        if len(self.order) < len(raw):           # a subset of the rows: theirs only
            by_marker = np.take(raw.T, self.order, axis=1)
            del sub, raw
            values[...] = by_marker.T
            return BlockValues(values, by_marker)
        np.take(raw, self.order, axis=0, out=values, mode="clip")
        # all the rows: the medians and counts do not depend on their order, so the copy
        # serves as it is (no third array)
        return BlockValues(values, raw.T)

    def _values(self, m: int) -> np.ndarray:
        """A (rows, markers) array for m markers: new, or this thread's one (``reuse``)."""
        n = len(self.order)
        if self._buffers is None:
            return np.empty((n, m))
        key = threading.get_ident()
        buf = self._buffers.get(key)
        if buf is None or buf.size < m * n:
            buf = self._buffers[key] = np.empty(m * n)
        return buf[:m * n].reshape(n, m)
