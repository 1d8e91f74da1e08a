"""Products with a vector that keep OpenBLAS on the calling thread.

OpenBLAS runs a matrix-vector product of more than about 460,000 values on
every core, and its worker threads then spin, waiting for the next call:
on a 2-core machine a one-thread screen used twice its wall time in CPU,
and with a thread per block they took cores from the blocks.  Products
taken in row blocks of at most 2**16 values stay on one thread (and in cache).
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLAS_ONE_THREAD", "BLAS_VALUES", "vecmat"]

BLAS_VALUES = 2**16      # values per product: far below OpenBLAS's threading threshold
BLAS_ONE_THREAD = 2**18  # the most values per product that still stay on one thread
                         # (fewer calls where the product's array is itself cache-sized)


def vecmat(v: np.ndarray, a: np.ndarray, values: int = BLAS_VALUES) -> np.ndarray:
    """``v @ a`` for ``v`` (n,) and ``a`` (n, k), in row blocks of at most ``values``."""
    step = max(1, values // max(1, a.shape[1]))
    if len(v) <= step:
        return np.asarray(v @ a)
    out = np.asarray(v[:step] @ a[:step])
    for i in range(step, len(v), step):
        out += v[i:i + step] @ a[i:i + step]
    return out
