"""Harrell's optimism bootstrap of a Cox model, arrays in and out: R ``rms::validate.cph``.

:func:`apparent` scores the model fitted on all rows; :func:`block` refits it on a
block of resamples (integer counts of each row, one column per resample,
:mod:`mirprog._engine.cox_freq`: the fit on the duplicated rows) and scores
each refit on its resample (``train``) and on the original rows (``test``).
The indices are ``rms``'s (``validate.cph``'s ``discrim``), in :data:`INDICES`
order: Somers' Dxy (= 2 C - 1, :func:`mirprog._engine.concordance.concordance_sets`),
Harrell's C, Nagelkerke's R2 (``(1 - exp(-LR/n)) / (1 - exp(-L0/n))``), the
calibration slope, Harrell's discrimination D = (LR - 1)/L0, the unreliability
U, Q = D - U and Gini's mean difference g of the linear predictor, with
L0 = -2 log-likelihood at 0 and LR the likelihood-ratio chi-square.  On the
data a fit was made on the slope is 1 and U = -2/L0; on the original rows the
slope is the Cox coefficient of the linear predictor (refitted with the same
iteration rules), U = -2 (loglik(slope 1) - loglik(slope))/L0 and g that of
slope x linear predictor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mirprog._engine import newton as driver
from mirprog._engine.batch_sets import Sample, sample
from mirprog._engine.concordance import concordance_many, concordance_sets
from mirprog._engine.cox_batch import continuous_model
from mirprog._engine.cox_freq import FreqCox, OneCovariate, fit_freq, loglik_many
from mirprog._engine.coxph import Ties

__all__ = ["INDICES", "STATUSES", "Apparent", "Block", "apparent", "block", "gini_many",
           "gini_md", "resample_counts"]

INDICES = ("Dxy", "C", "R2", "slope", "D", "U", "Q", "g")
# why a resample is not used (0: used)
STATUSES = ("ok", "no events", "singular", "not converged", "test slope not converged")


def gini_md(x: np.ndarray, counts: np.ndarray | None = None) -> float:
    """Gini's mean difference (Hmisc ``GiniMd``) of ``x``, each value repeated ``counts`` times."""
    v = np.sort(np.asarray(x, float) if counts is None else np.repeat(x, counts))
    n = len(v)
    if n < 2:
        return float("nan")
    pairs = n * n - n
    return float(2 * np.dot(2 * np.arange(1, n + 1) - n - 1, v) / pairs)


def gini_many(x: np.ndarray, counts: np.ndarray | None = None, *,
              order: np.ndarray | None = None) -> np.ndarray:
    """:func:`gini_md` of each column of ``x`` (n, u), its rows repeated ``counts`` (n, u) times.

    ``order`` (u, n), optional: each column's stable argsort (:func:`column_order`).

    A value drawn c times at sorted positions a + 1 .. a + c carries the weight
    sum of (2 pos - N - 1) over those positions, c (2 a + c - N).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 1.0], [4.0, 2.0]])
    >>> np.allclose(gini_many(x, np.array([[2, 1], [1, 1]])), [gini_md([1.0, 1.0, 4.0]), 1.0])
    True
    """
    x = np.asarray(x, float)
    order = np.ascontiguousarray((column_order(x) if order is None else order).T)
    v = np.take_along_axis(x, order, axis=0)             # (n, u) C order: the same sums
    if counts is None:
        c = np.ones_like(v)
    else:
        c = np.take_along_axis(np.asarray(counts, float), order, axis=0)
    total = c.sum(axis=0)
    before = np.cumsum(c, axis=0) - c
    with np.errstate(invalid="ignore", divide="ignore"):
        g = 2 * (c * (2 * before + c - total) * v).sum(axis=0) / (total * total - total)
    return np.where(total >= 2, g, np.nan)


def column_order(x: np.ndarray) -> np.ndarray:
    """(u, n): the stable argsort of each column of ``x`` (n, u), sorted along contiguous
    rows (the permutation of ``np.argsort(x, axis=0, kind="stable")``)."""
    return np.argsort(np.ascontiguousarray(np.asarray(x, float).T), axis=1, kind="stable")


def _r2(lr: np.ndarray, ll0: np.ndarray, n: float) -> np.ndarray:
    return (1 - np.exp(-lr / n)) / (1 - np.exp(-ll0 / n))


def _fitted_indices(dxy: np.ndarray, lr: np.ndarray, ll0: np.ndarray, n: float,
                    g: np.ndarray) -> np.ndarray:
    """Indices of fits scored on their own data: slope 1, U = -2/L0."""
    d, u = (lr - 1) / ll0, -2 / ll0
    return np.column_stack([dxy, (dxy + 1) / 2, _r2(lr, ll0, n), np.ones_like(lr), d, u,
                            d - u, g])


@dataclass(frozen=True)
class Apparent:
    coef: np.ndarray          # (p,)
    loglik: np.ndarray        # (2,) at 0 and at coef
    indices: np.ndarray       # (8,) INDICES
    converged: bool
    iterations: int
    monotone: bool


def apparent(time: np.ndarray, event: np.ndarray, x: np.ndarray, ties: Ties, *,
             max_iter: int, eps: float) -> Apparent:
    """The model on all rows (R ``cph``) and its apparent indices (R ``index.orig``)."""
    n = len(time)
    fit = fit_freq(FreqCox(time, event, x, np.ones((n, 1)), ties), max_iter=max_iter, eps=eps)
    coef = fit.coef[0]
    lp = x @ coef
    dxy = 2 * concordance_many(time, event, lp[:, None])["concordance"] - 1
    lr = -2 * (fit.loglik_null - fit.loglik)
    ind = _fitted_indices(dxy, lr, -2 * fit.loglik_null, n, np.array([gini_md(lp)]))[0]
    return Apparent(coef=coef, loglik=np.array([fit.loglik_null[0], fit.loglik[0]]),
                    indices=ind, converged=bool(fit.converged[0]),
                    iterations=int(fit.iterations[0]), monotone=bool(fit.monotone[0]))


@dataclass(frozen=True)
class Block:
    """Per resample of a block: ``status`` (index into :data:`STATUSES`), ``monotone``,
    ``iterations``, ``coef`` (k, p) and the ``train``/``test`` indices (k, 8), NaN unless used."""

    status: np.ndarray
    monotone: np.ndarray
    iterations: np.ndarray
    coef: np.ndarray
    train: np.ndarray
    test: np.ndarray


def resample_counts(rows: list[np.ndarray], n: int) -> np.ndarray:
    """(n, k) times each row is drawn in each resample (its row positions)."""
    return np.stack([np.bincount(np.asarray(r), minlength=n) for r in rows], axis=1)


def block(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray, ties: Ties,
          *, max_iter: int, eps: float, layout: Sample | None = None) -> Block:
    """Refit and score the resamples ``counts`` (n, k): rms ``predab.resample`` for one block.

    A refit is used when it converges within ``max_iter`` iterations (R ``coxphFit``:
    ``iter < iter.max``) and is not singular (R ``cholesky2``); a coefficient
    drifting to infinity (monotone likelihood) still converges in the
    log-likelihood and is used, flagged in ``monotone``.  ``layout``: the
    :func:`~mirprog._engine.batch_sets.sample` of ``time, event`` when at hand.
    """
    n, k = counts.shape
    p = x.shape[1]
    status = np.zeros(k, dtype=np.int64)
    no_events = (counts * (np.asarray(event) == 1)[:, None]).sum(axis=0) == 0
    status[no_events] = 1
    nan = np.full((k, len(INDICES)), np.nan)
    train, test, coef = nan.copy(), nan.copy(), np.full((k, p), np.nan)
    monotone = np.zeros(k, dtype=bool)
    iterations = np.zeros(k, dtype=np.int64)
    todo = np.flatnonzero(~no_events)
    if todo.size:
        fit = fit_freq(FreqCox(time, event, x, counts[:, todo], ties), max_iter=max_iter,
                       eps=eps)
        iterations[todo] = fit.iterations
        monotone[todo] = fit.monotone
        bad_conv = ~fit.converged | (fit.iterations >= max_iter)
        status[todo[fit.singular]] = 2
        status[todo[~fit.singular & bad_conv]] = 3
        ok = ~fit.singular & ~bad_conv
        coef[todo[ok]] = fit.coef[ok]
        used = todo[ok]
        if used.size:
            lp = x @ fit.coef[ok].T                                       # (n, u)
            w = counts[:, used]
            order = column_order(lp)          # one sort for the ranks and both Ginis
            on_train, on_test = concordance_sets(time, event, lp, [w, None], order=order)
            dxy_tr = 2 * on_train["concordance"] - 1
            lr = -2 * (fit.loglik_null[ok] - fit.loglik[ok])
            g_tr = gini_many(lp, w, order=order)
            train[used] = _fitted_indices(dxy_tr, lr, -2 * fit.loglik_null[ok], n, g_tr)
            te, conv = _test(lp, 2 * on_test["concordance"] - 1, time, event, ties,
                             max_iter, eps, layout, order)
            test[used] = te
            status[used[~conv]] = 4
            train[used[~conv]] = np.nan
            test[used[~conv]] = np.nan
    return Block(status=status, monotone=monotone, iterations=iterations, coef=coef,
                 train=train, test=test)


def _test(lp: np.ndarray, dxy: np.ndarray, time: np.ndarray, event: np.ndarray, ties: Ties,
          max_iter: int, eps: float, layout: Sample | None, order: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """The refits' indices on the original rows (``dxy`` given); whether the slope fit
    converged."""
    n, u = lp.shape
    s = sample(time, event) if layout is None else layout
    model = continuous_model(s, lp[s.order], np.ones((n, u), dtype=bool), ties)
    fit = driver.newton(OneCovariate(model), u, 1, max_iter=max_iter, eps=eps)
    slope = fit.beta[:, 0]
    ll_null, ll = fit.loglik_null, fit.loglik
    ll_one = loglik_many(time, event, lp, ties)
    lr, ll0 = -2 * (ll_null - ll), -2 * ll_null
    d = (lr - 1) / ll0
    un = -2 * (ll_one - ll) / ll0
    g = np.abs(slope) * gini_many(lp, order=order)
    conv = fit.converged & (fit.iterations < max_iter) & ~fit.failed
    out = np.column_stack([dxy, (dxy + 1) / 2, _r2(lr, ll0, n), slope, d, un, d - un, g])
    return out, conv
