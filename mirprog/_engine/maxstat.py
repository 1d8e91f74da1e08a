"""Maximally selected log-rank statistics on arrays, as R ``maxstat`` (arrays in, arrays out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mirprog._compute.parallel import run_tasks
from mirprog._compute.resample import permutations
from mirprog._engine.dist import normal_pdf
from mirprog._engine.logrank import logrank_scores
from mirprog.errors import CohortError

__all__ = ["SplitScan", "p_lausen92", "permutation_p", "scan_splits"]


def p_lausen92(statistic: float, minprop: float = 0.1, maxprop: float = 0.9) -> float:
    """Lausen & Schumacher (1992) approximate p-value of a maximally selected statistic.

    ``p = 4 phi(b)/b + phi(b) (b - 1/b) log(maxprop (1 - minprop) / ((1 - maxprop) minprop))``
    for ``b >= 1`` (1 below), as ``maxstat:::pLausen92``, but capped to [0, 1].

    Examples
    --------
    >>> round(p_lausen92(3.0), 5)  # R: maxstat:::pLausen92(3)
    0.05784
    >>> p_lausen92(0.5)
    1.0
    """
    b = float(statistic)
    if b < 1:
        return 1.0
    db = normal_pdf(b)
    p = 4 * db / b + db * (b - 1 / b) * np.log(maxprop * (1 - minprop)
                                                / ((1 - maxprop) * minprop))
    return float(min(max(p, 0.0), 1.0))


@dataclass(frozen=True)
class SplitScan:
    x: np.ndarray        # sorted marker
    y: np.ndarray        # log-rank scores in marker order
    m: np.ndarray        # candidate lower-group sizes
    expect: np.ndarray
    var: np.ndarray
    z: np.ndarray        # signed standardised statistic per candidate


def scan_splits(time: np.ndarray, event: np.ndarray, x: np.ndarray, minprop: float,
          maxprop: float, marker: str) -> SplitScan:
    """Standardised linear log-rank statistic at every admissible split (maxstat's cmaxstat)."""
    n = len(x)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    y = logrank_scores(time, event)[order]
    m = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])      # first index of each value
    if minprop == 0 and maxprop == 1:
        m = m[1:-1]
    else:
        m = m[(m >= max(1, int(np.floor(n * minprop)))) & (m <= int(np.floor(n * maxprop)))]
    if len(m) == 0:
        raise CohortError(
            f"Marker {marker!r} has no split leaving between {minprop:.0%} and {maxprop:.0%} "
            f"of the {n} patients in the lower group (too many tied values). Widen "
            "minprop/maxprop or use a fixed cutpoint.", column=marker)
    if np.ptp(y) == 0:
        raise CohortError(
            f"Marker {marker!r}: every one of the {n} patients has the same log-rank score "
            "(e.g. too few patients or events), so no split can be tested. Use a fixed "
            "cutpoint.", column=marker)
    ss = y.sum()
    expect = m / n * ss
    var = m * (n - m) / (n**2 * (n - 1.0)) * (n * np.sum(y**2) - ss**2)
    z = (np.cumsum(y)[m - 1] - expect) / np.sqrt(var)
    return SplitScan(xs, y, m, expect, var, z)


_PERM_CHUNK = 200   # permutations per task; chunk c is draw c of the seed


def permutation_p(scan: SplitScan, statistic: float, n_perm: int, seed: int, threads: int,
            client: Any, scheduler: str | None) -> float:
    """(1 + #{max |Z| of permuted scores >= observed}) / (1 + n_perm).

    The permutations come in chunks of 200, chunk ``c`` from
    ``default_rng([seed, c])``: the same p on any number of threads or Dask
    workers.
    """
    chunks = [(c, min(_PERM_CHUNK, n_perm - c * _PERM_CHUNK))
              for c in range(-(-n_perm // _PERM_CHUNK))]
    hits = run_tasks(_permutation_hits, chunks, shared=(scan, statistic, seed), threads=threads,
                     client=client, scheduler=scheduler)
    return (1 + sum(hits)) / (1 + n_perm)


def _permutation_hits(chunk: tuple[int, int], scan: SplitScan, statistic: float, seed: int) -> int:
    """Permutations of chunk ``chunk = (index, size)`` whose max |Z| reaches ``statistic``."""
    index, size = chunk
    perm = permutations(seed, index, scan.y, size)
    stat = np.abs((np.cumsum(perm, axis=1)[:, scan.m - 1] - scan.expect)
                  / np.sqrt(scan.var)).max(axis=1)
    return int((stat >= statistic * (1 - 1e-12)).sum())
