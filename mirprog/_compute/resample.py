"""One seed convention for every random draw in mirprog.

Draw ``k`` of an analysis run with seed ``s`` comes from
``numpy.random.default_rng([s, k])``: bootstrap resample ``b`` (``k = b``), chunk
``c`` of 200 permutations (``k = c``), the fold assignment of a cross-validation
(``k = 0``).  A draw depends only on ``(s, k)``, so a seed gives the same result
sequentially, on any number of threads or Dask workers, and a run of 100 resamples
begins with the first 100 of a run of 1000.  Without a seed, a fresh one is drawn
and reported in the result, so every run can be repeated.
"""

from __future__ import annotations

import numpy as np

from mirprog.errors import ArgumentError

__all__ = ["bootstrap_rows", "fresh_seed", "permutations", "resolve_seed", "stratified_folds",
           "stream"]


def fresh_seed() -> int:
    """A new random seed, for runs given none (reported so that they can be repeated)."""
    return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])


def resolve_seed(seed: int | None) -> int:
    """``seed`` checked (a non-negative integer), or a fresh one when None."""
    if seed is None:
        return fresh_seed()
    if isinstance(seed, bool) or not (isinstance(seed, int | np.integer) and seed >= 0):
        raise ArgumentError(f"seed must be a non-negative integer, got {seed!r}.",
                            argument="seed")
    return int(seed)


def stream(seed: int, k: int) -> np.random.Generator:
    """The generator of draw ``k`` of an analysis seeded ``seed``.

    Examples
    --------
    >>> a = stream(7, 3).integers(0, 100, 3)
    >>> bool((a == stream(7, 3).integers(0, 100, 3)).all())
    True
    """
    return np.random.default_rng([int(seed), int(k)])


def bootstrap_rows(seed: int, b: int, n: int) -> np.ndarray:
    """Row positions of bootstrap resample ``b`` of ``n`` rows (n draws with replacement)."""
    return stream(seed, b).integers(0, n, n)


def permutations(seed: int, c: int, y: np.ndarray, size: int) -> np.ndarray:
    """``size`` random permutations of ``y`` (rows), chunk ``c``'s."""
    return stream(seed, c).permuted(np.tile(y, (size, 1)), axis=1)


def stratified_folds(event: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Random fold labels 0..folds-1, stratified by event status (draw 0 of ``seed``)."""
    rng = stream(seed, 0)
    fold = np.empty(len(event), dtype=np.int64)
    for status in (0, 1):
        idx = np.flatnonzero(event == status)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
    return fold
