"""Natural cubic regression splines, as R ``splines::ns`` spans them (for cox.zph's smooth)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

__all__ = ["ns_knots", "ns_smooth", "quantile7"]


def quantile7(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """R's default (type 7) sample quantiles."""
    s = np.sort(np.asarray(x, float))
    h = (len(s) - 1) * np.asarray(probs, float)
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, len(s) - 1)
    return np.asarray(s[lo] + (h - lo) * (s[hi] - s[lo]))


def ns_knots(x: np.ndarray, df: int) -> np.ndarray:
    """All knots (boundary first and last) of ``ns(x, df=df, intercept=TRUE)``:
    ``df - 2`` interior knots at equally spaced quantiles of ``x``, the range as boundary."""
    inner = quantile7(x, np.linspace(0.0, 1.0, df)[1:-1]) if df > 2 else np.empty(0)
    return np.concatenate([[np.min(x)], inner, [np.max(x)]])


def _basis(u: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """The truncated-power basis of natural cubic splines with ``knots`` (Hastie, Tibshirani
    & Friedman, eq. 5.4-5.5): 1, u, d_k(u) - d_{K-1}(u); it spans the same space as ``ns``."""
    k = len(knots)

    def d(j: int) -> np.ndarray:
        return (np.maximum(u - knots[j], 0.0) ** 3
                - np.maximum(u - knots[-1], 0.0) ** 3) / (knots[-1] - knots[j])

    cols = [np.ones_like(u), u] + [d(j) - d(k - 2) for j in range(k - 2)]
    return np.column_stack(cols)


def ns_smooth(x: np.ndarray, y: np.ndarray, pred_x: np.ndarray, df: int, knots: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, int]:
    """Least-squares natural-spline fit of ``y`` on ``x``, predicted at ``pred_x``.

    Returns the predictions, ``diag(P (X'X)^-1 P')`` (the unscaled variance of each
    prediction, R's ``seval`` in ``plot.cox.zph``) and the rank of ``X``.  Fitted values
    and ``seval`` do not depend on the basis, only on the space it spans.
    """
    lo, span = knots[0], knots[-1] - knots[0]
    scale = span if span > 0 else 1.0
    kn = (knots - lo) / scale
    xmat = _basis((np.asarray(x, float) - lo) / scale, kn)
    pmat = _basis((np.asarray(pred_x, float) - lo) / scale, kn)
    q, r = np.linalg.qr(xmat)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > 1e-7 * diag.max())) if diag.size else 0
    if rank < df:
        return np.full(len(pred_x), np.nan), np.full(len(pred_x), np.nan), rank
    coef = solve_triangular(r, q.T @ y)
    w = solve_triangular(r, pmat.T, trans="T")      # R^-T P'
    return pmat @ coef, np.sum(w * w, axis=0), rank
