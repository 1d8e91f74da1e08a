"""Harrell's optimism bootstrap with backward re-selection, arrays in and out: R
``rms::validate(cph(...), bw = TRUE)``.

As R ``predab.resample(bw = TRUE)``: the full model is fitted on each resample
(:func:`mirprog._engine.cox_freq.fit_freq`), stepped down by
:func:`mirprog._engine.fastbw.fastbw` on that fit's coefficients and covariance
(``rule="aic"``, ``type="residual"``, ``eps = 1e-9``: ``validate.cph``'s defaults),
and the kept columns are refitted on the resample (the refit, not fastbw's
approximate coefficients, is scored); the resamples that keep the same factors
are refitted and scored together by :func:`mirprog._engine.optimism.block`.
The original model is stepped down the same way (:func:`apparent_bw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mirprog._engine import optimism
from mirprog._engine.batch_sets import Sample
from mirprog._engine.cox_freq import FreqCox, fit_freq
from mirprog._engine.coxph import Ties
from mirprog._engine.fastbw import StepDown, fastbw

__all__ = ["BW_STATUSES", "BwBlock", "apparent_bw", "block_bw"]

BW_TOL = 1e-9           # validate.cph's tol, passed to fastbw's solvet
# optimism.STATUSES, then: the step-down's covariance block is singular (R stops there)
BW_STATUSES = (*optimism.STATUSES, "step-down singular")
_SINGULAR_SD = len(optimism.STATUSES)


@dataclass(frozen=True)
class BwBlock(optimism.Block):
    """:class:`~mirprog._engine.optimism.Block` plus ``kept`` (k, factors): the factors the
    step-down kept in each resample (all False where it did not run)."""

    kept: np.ndarray


def _columns(groups: Sequence[Sequence[int]], kept: np.ndarray) -> np.ndarray:
    parts = [np.asarray(groups[int(j)], dtype=np.int64) for j in np.flatnonzero(kept)]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def apparent_bw(time: np.ndarray, event: np.ndarray, x: np.ndarray,
                groups: Sequence[Sequence[int]], ties: Ties, *, max_iter: int, eps: float
                ) -> tuple[StepDown, optimism.Apparent | None]:
    """The original model's step-down and the kept columns refitted on all rows (None
    when no factor is kept: R stops with "no variables kept in original model")."""
    n = len(time)
    full = fit_freq(FreqCox(time, event, x, np.ones((n, 1)), ties), max_iter=max_iter, eps=eps)
    sd = fastbw(full.coef[0], full.var[0], groups, eps=BW_TOL)
    if not sd.parms_kept.size:
        return sd, None
    app = optimism.apparent(time, event, x[:, sd.parms_kept], ties, max_iter=max_iter, eps=eps)
    return sd, app


def _null_indices() -> np.ndarray:
    """A model without covariates (constant linear predictor): R ``discrim``'s values,
    with g = 0 (R's ``g`` is undefined there and ``validate`` stops)."""
    out = dict(Dxy=0.0, C=0.5, R2=0.0, slope=1.0, D=0.0, U=0.0, Q=0.0, g=0.0)
    return np.array([out[k] for k in optimism.INDICES])


def block_bw(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
             groups: Sequence[Sequence[int]], ties: Ties, *, max_iter: int, eps: float,
             layout: Sample | None = None) -> BwBlock:
    """Refit, step down, refit the kept columns and score the resamples ``counts`` (n, k).

    Statuses index :data:`BW_STATUSES`: the full refit's (no events, singular, not
    converged), then the kept columns' refit's, or ``"step-down singular"``.  A
    resample whose step-down deletes every factor is scored as a model without
    covariates (Dxy 0, R2 0, slope 1, D = U = Q = g = 0).
    """
    k = counts.shape[1]
    p, nf = x.shape[1], len(groups)
    status = np.zeros(k, dtype=np.int64)
    nan = np.full((k, len(optimism.INDICES)), np.nan)
    train, test, coef = nan.copy(), nan.copy(), np.full((k, p), np.nan)
    monotone, iterations = np.zeros(k, dtype=bool), np.zeros(k, dtype=np.int64)
    kept = np.zeros((k, nf), dtype=bool)
    no_events = (counts * (np.asarray(event) == 1)[:, None]).sum(axis=0) == 0
    status[no_events] = 1
    todo = np.flatnonzero(~no_events)
    if todo.size:
        fit = fit_freq(FreqCox(time, event, x, counts[:, todo], ties), max_iter=max_iter,
                       eps=eps)
        bad_conv = ~fit.converged | (fit.iterations >= max_iter)
        status[todo[fit.singular]] = 2
        status[todo[~fit.singular & bad_conv]] = 3
        for j in np.flatnonzero(~fit.singular & ~bad_conv):
            try:
                kept[todo[j], fastbw(fit.coef[j], fit.var[j], groups, eps=BW_TOL).kept] = True
            except np.linalg.LinAlgError:
                status[todo[j]] = _SINGULAR_SD
    stepped = np.flatnonzero(status == 0)
    sets, which = np.unique(kept[stepped], axis=0, return_inverse=True)
    for s, mask in enumerate(sets):
        rows = stepped[np.asarray(which).ravel() == s]
        cols = _columns(groups, mask)
        if not cols.size:
            train[rows] = test[rows] = _null_indices()
            coef[rows] = 0.0
            continue
        b = optimism.block(counts[:, rows], time, event, x[:, cols], ties, max_iter=max_iter,
                           eps=eps, layout=layout)
        status[rows], monotone[rows], iterations[rows] = b.status, b.monotone, b.iterations
        train[rows], test[rows] = b.train, b.test
        coef[np.ix_(rows, cols)] = b.coef
        ok = rows[b.status == 0]
        coef[np.ix_(ok, np.setdiff1d(np.arange(p), cols))] = 0.0
    return BwBlock(status=status, monotone=monotone, iterations=iterations, coef=coef,
                   train=train, test=test, kept=kept)
