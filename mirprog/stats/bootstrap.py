"""Internal validation of a Cox model: Harrell's optimism bootstrap, as R ``rms::validate``.

:func:`bootstrap_validate` fits the model, then refits it on ``n_boot``
resamples of the patients, scores each refit on its own resample and on the
original data, and subtracts the mean difference (the optimism) from the
apparent indices (``rms::validate.cph``'s Dxy, R2, slope, D, U, Q, g, and C).
The resamples are integer count vectors fitted a block at a time
(:mod:`mirprog._engine.optimism`, :mod:`mirprog._engine.cox_freq`) by the one
Newton–Raphson driver behind :func:`mirprog.cox`, with R ``coxph.fit``'s rules.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import run_tasks
from mirprog._compute.progress import ProgressHook, progress_bar
from mirprog._compute.resample import bootstrap_rows, resolve_seed
from mirprog._engine import optimism, optimism_brier, optimism_bw
from mirprog._engine.batch_sets import sample
from mirprog._engine.coxph import Ties
from mirprog._engine.fastbw import StepDown
from mirprog._engine.optimism import INDICES
from mirprog._engine.optimism_bw import BW_STATUSES
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.errors import ArgumentError, BootstrapFitWarning, CohortError
from mirprog.stats.cox.coxph import CoxResult, cox

__all__ = ["BootstrapFitWarning", "BootstrapValidationResult", "bootstrap_validate"]

TABLE_COLUMNS = ["apparent", "bootstrap_train", "test", "optimism", "corrected", "n_used"]
OK = "ok"
BLOCK = 50          # resamples fitted together (one Newton loop) at most
BLOCK_BYTES = 4e6   # a block's running sums (k x n x (p + 1) doubles) about this size


def default_block(n: int, p: int) -> int:
    """Resamples per block when ``block_size`` is not given: as many as keep the running
    sums of the block's Newton loop (k x n x (p + 1) doubles) near 4 MB, 4 to 50.

    This bounds a block's memory on large cohorts (100,000 rows and 4 terms: 4
    resamples, 16 MB, where 50 took 200 MB).  On Rotterdam (n = 2,982, p = 7, B = 200,
    one thread; issue 20) blocks of 20 (this rule) ran 0.82-0.90 s against 1.1-1.4 s for
    50 in a process that had already run a bootstrap, but within noise of 50 in fresh
    processes (there the C library's page faults, not the cache, set the pace).  The
    results do not depend on it (resample b is drawn from (seed, b) alone, each fit is
    its own).

    Examples
    --------
    >>> default_block(2982, 7), default_block(200, 2), default_block(100_000, 4)
    (20, 50, 4)
    """
    return int(min(BLOCK, max(4, BLOCK_BYTES // (8 * max(n, 1) * (p + 1)))))


@dataclass(frozen=True)
class BootstrapValidationResult(Result):
    """Optimism-corrected performance of a Cox model (Harrell's bootstrap, R ``rms::validate``).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``index`` = ``"Dxy"`` (Somers' Dxy = 2 (C - 0.5)), ``"C"``
        (Harrell's C), ``"R2"`` (Nagelkerke), ``"slope"`` (calibration slope of the
        linear predictor), ``"D"`` (discrimination), ``"U"`` (unreliability),
        ``"Q"`` (= D - U) and ``"g"`` (Gini's mean difference of the linear
        predictor): ``rms::validate.cph``'s rows (``Slope`` is ``slope``) plus C.
        Columns ``apparent`` (R ``index.orig``), ``bootstrap_train`` (mean over the
        used resamples of the refit scored on its own resample, R ``training``),
        ``test`` (the refit scored on the original data), ``optimism``
        (``bootstrap_train - test``), ``corrected`` (``apparent - optimism``, R
        ``index.corrected``) and ``n_used`` (resamples averaged, R ``n``).
        With a ``horizon``, a last row ``"Brier"``: the IPCW Brier score at the
        horizon (see :func:`bootstrap_validate`; lower is better, so its optimism
        is usually negative and its corrected value above the apparent one).
    replicates : pandas.DataFrame
        One row per resample: ``status`` (``"ok"`` or why it was not used: ``"no
        events"``, ``"singular"``, ``"not converged"``, ``"test slope not
        converged"``), ``monotone`` (a refit coefficient drifting to infinity: used,
        as ``rms`` does), ``iterations``, then ``train_<index>`` and
        ``test_<index>`` for each index of the table (NaN when not used).
    failures : dict
        Resamples not used, per reason (the ledger; empty when all were used).
    n_monotone : int
        Used resamples whose refit has a monotone likelihood.
    fit : CoxResult
        The model fitted on all rows by :func:`mirprog.cox` (its rows, terms and exclusions).
    coef : pandas.Series
        The coefficients behind the apparent column (R ``cph``: eps ``eps``,
        at most ``max_iter`` iterations), by design column: with
        ``select="backward"`` those of the step-down's columns refitted on all rows.
    n_boot : int
    seed : int or None
        Seed of the resampling, given or drawn fresh (None when ``indices`` were given).
    ties : str
    select : str or None
        ``"backward"`` when the covariates were re-selected in each resample.
    eps, max_iter :
        The iteration rules of every fit (R ``coxphFit(eps, iter.max)``).
    kept : pandas.DataFrame or None
        With ``select="backward"``: one row per resample, one bool column per
        covariate (a categorical one is one factor), True where the resample's
        step-down kept it (R ``attr(validate(..., bw = TRUE), "kept")``, the
        "Factors Retained in Backwards Elimination", is ``kept[used]`` with
        ``used = replicates.status == "ok"``); all False where the step-down did
        not run (the full refit was not usable).  None otherwise.
    selected : tuple of str or None
        The covariates the step-down keeps in the model on all rows (R
        ``fastbw(fit)$names.kept``); None without ``select``.
    horizon : float or None
        The time of the Brier row (None: no Brier row).
    stepdown : pandas.DataFrame or None
        The step-down of the model on all rows, R ``fastbw``'s table: indexed by
        the ``deleted`` covariate in deletion order, columns ``chi2``, ``df``,
        ``p`` (Wald test of the covariate), ``residual_chi2``, ``residual_df``,
        ``residual_p`` (all deleted so far) and ``aic`` (``residual_chi2 - 2
        residual_df``); empty when nothing is deleted, None without ``select``.
    """

    table: pd.DataFrame
    replicates: pd.DataFrame = field(repr=False)
    failures: dict[str, int]
    n_monotone: int
    fit: CoxResult = field(repr=False)
    coef: pd.Series = field(repr=False)
    n_boot: int
    seed: int | None
    ties: Ties
    select: str | None
    eps: float
    max_iter: int
    kept: pd.DataFrame | None = field(default=None, repr=False)
    selected: tuple[str, ...] | None = None
    stepdown: pd.DataFrame | None = field(default=None, repr=False)
    horizon: float | None = None

    @property
    def kept_frequency(self) -> pd.Series | None:
        """How many used resamples kept 0, 1, ... covariates (R's "Frequencies of Numbers
        of Factors Retained"); None without ``select``."""
        if self.kept is None:
            return None
        used = (self.replicates["status"] == OK).to_numpy()
        counts = self.kept[used].sum(axis=1).value_counts().sort_index()
        counts.index.name = "n_kept"
        return counts.rename("resamples")

    @property
    def n_failed(self) -> int:
        """Resamples not used (counted per reason in ``failures``)."""
        return int(sum(self.failures.values()))

    @property
    def excluded(self) -> Exclusions:
        """Rows left out of the model (and so of every resample) and why."""
        return self.fit.excluded

    @property
    def n_used(self) -> int:
        """Resamples behind the averages."""
        return self.n_boot - self.n_failed

    def __repr__(self) -> str:
        head = (f"BootstrapValidationResult(n={self.fit.n}, events={self.fit.events}, "
                f"n_boot={self.n_boot}, used={self.n_used}, monotone={self.n_monotone}, "
                f"seed={self.seed}, ties={self.ties!r})")
        lines = [head, self.table.to_string(float_format=lambda v: f"{v:.4f}")]
        if self.failures:
            lines.append("left out: " + ", ".join(f"{k} {v}" for k, v in self.failures.items()))
        return "\n".join(lines)


def _progress_bar(progress: bool | ProgressHook | None, total: int) -> Any:
    return progress_bar(progress, total, unit="fit", desc="bootstrap")


class _Counts:
    """Counts (n, k) of each row in the resamples of a block: drawn when asked, or given."""

    def __init__(self, n: int, seed: int, indices: np.ndarray | None) -> None:
        self.n, self.seed, self.indices = n, seed, indices

    def __call__(self, span: tuple[int, int]) -> np.ndarray:
        rows = [np.asarray(self.indices[b]) if self.indices is not None
                else bootstrap_rows(self.seed, b, self.n) for b in range(*span)]
        return optimism.resample_counts(rows, self.n)


def _resamples(n: int, n_boot: int, seed: int, indices: ArrayLike | None
               ) -> tuple[int, _Counts]:
    """How many resamples, and their counts by block (each drawn when its block runs).

    Resample b is :func:`~mirprog._compute.resample.bootstrap_rows` ``(seed, b, n)``,
    mirprog's one seed convention; memory is a block of counts per running task,
    not n_boot x n integers.
    """
    if indices is None:
        if isinstance(n_boot, bool) or not (isinstance(n_boot, int | np.integer)
                                            and n_boot >= 1):
            raise ArgumentError(f"n_boot must be a positive integer, got {n_boot!r}.",
                                argument="n_boot")
        return int(n_boot), _Counts(n, seed, None)
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != n or idx.shape[0] < 1 or idx.dtype.kind not in "iu":
        raise ArgumentError(f"indices must be an integer array of shape (n_boot, {n}) (one "
                            f"row position per used row), got shape {idx.shape} and dtype "
                            f"{idx.dtype}.", argument="indices")
    if idx.min() < 0 or idx.max() >= n:
        raise ArgumentError(f"indices must be 0-based row positions in [0, {n - 1}].",
                            argument="indices")
    return len(idx), _Counts(n, seed, idx)


@dataclass(frozen=True)
class _Scored:
    """A block's refits and, with a horizon, their (train, test) Brier scores (k, 2)."""

    block: Any
    brier: np.ndarray | None


def _brier(b: Any, counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
           ties: Ties, horizon: float | None) -> np.ndarray | None:
    if horizon is None:
        return None
    coef = np.where((b.status == 0)[:, None], b.coef, np.nan)
    train, test = optimism_brier.brier_block(counts, time, event, x, coef, ties, horizon)
    return np.column_stack([train, test])


def _block(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
           ties: Ties, max_iter: int, eps: float, horizon: float | None) -> _Scored:
    with _one_blas_thread():
        b = optimism.block(counts, time, event, x, ties, max_iter=max_iter, eps=eps,
                           layout=sample(time, event))
        return _Scored(b, _brier(b, counts, time, event, x, ties, horizon))


def _block_bw(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
              ties: Ties, max_iter: int, eps: float, horizon: float | None,
              groups: list[list[int]]) -> _Scored:
    with _one_blas_thread():
        b = optimism_bw.block_bw(counts, time, event, x, groups, ties, max_iter=max_iter,
                                 eps=eps, layout=sample(time, event))
        return _Scored(b, _brier(b, counts, time, event, x, ties, horizon))


@cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS, found once: finding it reads the process's
    loaded libraries (about 5 ms, which ``threadpool_limits`` paid at every block)."""
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:                                 # pragma: no cover - sklearn brings it
        return None
    return ThreadpoolController()


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside a task: its matrices are small and the tasks run in parallel."""
    controller = _blas_controller()
    ctx: Any = nullcontext() if controller is None else controller.limit(limits=1,
                                                                          user_api="blas")
    with ctx:
        yield


def bootstrap_validate(
    cohort: Cohort,
    covariates: str | Sequence[str],
    *,
    n_boot: int = 200,
    seed: int | None = None,
    ties: Ties = "breslow",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
    progress: bool | None = None,
    indices: ArrayLike | None = None,
    max_iter: int = 10,
    eps: float = 1e-4,
    select: Literal["backward"] | None = None,
    horizon: float | None = None,
    execution: ExecOptions | None = None,
) -> BootstrapValidationResult:
    """Bootstrap optimism-corrected indices of a Cox model, as R ``rms::validate(cph(...))``.

    Parameters
    ----------
    cohort : Cohort
    covariates : str or sequence of str
        The model's columns (e.g. clinical factors plus a signature score), as
        in :func:`mirprog.cox`; rows missing any are excluded (``result.fit.excluded``).
    n_boot : int, default 200
        Number of resamples (R ``B``; Harrell suggests 200-400).  They are drawn
        and fitted in blocks, so memory does not grow with ``n_boot``.
    seed : int, optional
        Seed of the resampling: resample ``b`` is drawn from
        ``numpy.random.default_rng([seed, b])`` (mirprog's one seed convention), so
        the same seed gives the same resamples and the same table.  Default: a fresh
        seed, reported in ``result.seed``.
    ties : {"breslow", "efron"}, default "breslow"
        Ties method of every fit (``rms::cph``'s default is ``"efron"``).
    categorical, reference :
        As in :func:`mirprog.cox`.
    progress : bool, optional
        A tqdm progress bar.  Default: shown on a terminal when tqdm is
        installed, else none; ``True`` requires tqdm; ``False`` never.
    indices : array-like of int, shape (n_boot, n), optional
        Resamples to use instead of drawing them: 0-based positions among the
        ``n`` used rows (in cohort order), one resample per row, e.g. R's
        ``sample(n, replace = TRUE)`` draws to replicate ``rms::validate``.
        Overrides ``n_boot`` and ``seed``.
    max_iter, eps : default 10, 1e-4
        Iteration limit and convergence tolerance of every fit: ``rms``'s
        (``cph`` and ``coxphFit``); a refit that needs ``max_iter`` iterations or
        more is not used, as ``rms``.
    select : {None, "backward"}, default None
        ``"backward"``: re-select the covariates by backward step-down, on all rows
        and inside each resample, as R ``validate(fit, bw = TRUE)`` with its defaults
        (``rms::fastbw``, ``rule = "aic"``, ``type = "residual"``; see Notes);
        ``result.kept``, ``selected``, ``stepdown`` and ``kept_frequency`` report it.
    horizon : float, optional
        A time, in the cohort's time unit, at which to add the row ``"Brier"``: the
        IPCW Brier score of the predicted event probability at ``horizon`` (see
        Notes).  Default None: no Brier row.
    execution : ExecOptions, optional
        ``progress`` (as the keyword), ``block_size`` (resamples per block,
        default :func:`default_block`: 20 on 2,982 rows and 7 terms, at most 50)
        and where the blocks run: ``threads`` (default 1) or a Dask
        ``client``/``scheduler``.  The table is the same wherever they run.

    Returns
    -------
    BootstrapValidationResult
        ``.table`` with rows ``Dxy, C, R2, slope, D, U, Q, g`` (and ``Brier``
        with a ``horizon``) and columns
        ``apparent, bootstrap_train, test, optimism, corrected, n_used``.

    Raises
    ------
    CohortError
        As :func:`mirprog.cox` for the original fit, or when no refit can be used,
        or (``select="backward"``) when the step-down on all rows deletes every
        covariate or its covariance is singular.
    ArgumentError
        Bad ``n_boot``, ``indices``, ``select``, ``horizon`` (not a positive time
        before the last follow-up time), ``max_iter`` or ``eps``.
    MirprogError
        ``progress=True`` without tqdm.

    Warns
    -----
    BootstrapFitWarning
        When some resamples could not be used: they are left out of the averages,
        counted in ``result.failures`` and listed in ``result.replicates``.

    Notes
    -----
    Harrell's optimism bootstrap (Harrell, Lee & Mark 1996), computed as R
    ``rms::validate.cph`` (``predab.resample``, ``method = "boot"``): the rows
    are resampled with replacement and the model refitted; each index of the
    refit on its resample (training) less the index of the refit on the original
    rows (test) is the optimism, averaged over the resamples and subtracted from
    the apparent index.  Dxy is ``Hmisc::dxy.cens(lp, S, type = "hazard")``
    (= 2 C - 1, C Harrell's C as R ``concordance``); R2, D, U, Q and g as
    ``validate.cph``: with L0 = -2 log L(0) and LR the likelihood-ratio
    chi-square of a fit on n rows, R2 = (1 - exp(-LR/n)) / (1 - exp(-L0/n)),
    D = (LR - 1)/L0; on the fit's own rows the calibration slope is 1 and
    U = -2/L0; on the original rows the slope is the Cox coefficient of the refit's
    linear predictor, U = -2 (log L(slope 1) - log L(slope)) / L0, and g is Gini's
    mean difference of slope x linear predictor.

    Each resample is a vector of counts (how often each row was drawn) and a
    block of resamples is fitted in one Newton loop (:mod:`mirprog._engine.cox_freq`);
    the fit with integer counts is the fit on the duplicated rows, as ``rms``
    refits, also for Efron ties (R ``coxph(weights = )`` with Efron would count a
    row drawn twice as one tied death, a different fit).  The iterations follow
    R ``coxph.fit`` exactly (covariate scaling, ``cholesky2``'s singular pivots,
    step halving, ``eps``), so with R's resamples (``indices``) the table agrees
    with ``rms::validate`` to rounding.  A refit is not used when R's would fail:
    a singular design (e.g. a level absent from the resample), or ``max_iter``
    iterations or more.  A monotone likelihood (e.g. a level without events in the
    resample) converges in the log-likelihood with a large, finite coefficient:
    such refits are used, as ``rms`` does, and counted in ``n_monotone``; their
    drifting coefficient is arbitrary, so their indices agree with R only where
    the iterations agree to the last bit.

    With ``select="backward"`` the model on all rows is stepped down by
    Lawless & Singhal's fast approximation (R ``fastbw``: from the fit's
    coefficients and covariance, the covariate, all columns of a categorical one
    together, with the smallest Wald chi-square minus 2 df is deleted while the
    residual chi-square of everything deleted stays below twice its df), and the
    apparent column is the kept covariates refitted on all rows.  Each resample
    refits the full model, steps it down the same way, refits the kept
    covariates on the resample (the refit, not the approximate coefficients, as
    ``rms``) and scores that refit on the resample and on the original rows;
    resamples keeping the same covariates are fitted together.  A resample that
    deletes every covariate is scored as a model without covariates (Dxy 0, C
    0.5, R2 0, slope 1, D = U = Q = g = 0: R ``discrim``'s constants; R itself
    stops there, its ``g`` being undefined); a step-down whose covariance block
    is singular stops R, here the resample is left out (``"step-down
    singular"``).  With R's resamples the table and the retained-factors matrix
    agree with ``rms::validate(bw = TRUE)`` to rounding.

    The Brier row (``horizon`` t; not an ``rms`` index): a fit's predicted event
    probability at t is ``1 - exp(-H0(t) exp(lp))``, H0 the baseline cumulative
    hazard of the rows it was fitted on (Breslow's, or Efron's for
    ``ties="efron"``: R ``survfit.coxph``); the score is the IPCW Brier score
    ``(1/n) sum_i [I(T_i <= t, event) (1 - r_i)^2 / G(T_i-) + I(T_i > t) r_i^2 /
    G(t)]`` with G the reverse Kaplan–Meier of censoring of the rows scored (R
    ``riskRegression::Score(..., metrics = "brier", cens.model = "km")``, as
    :func:`mirprog.validate`).  ``apparent``: the model on all rows scored on
    all rows; ``bootstrap_train``: each refit scored on its resample (its rows
    duplicated as drawn, in the baseline and in the censoring KM); ``test``: the
    refit (with its resample's baseline) scored on all rows; optimism and
    corrected as the other rows.  With ``select="backward"`` the fits are the
    reduced refits.

    Differences from ``rms``: resamples come from numpy's generator, not R's,
    so bootstrap columns agree only up to Monte-Carlo error; a test slope fit that
    does not converge stops ``rms`` with an error, here the resample is left out
    (``"test slope not converged"``).

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog import bootstrap_validate
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> val = bootstrap_validate(gbsg, ["horTh", "pnodes", "progrec"], n_boot=20, seed=1,
    ...                          progress=False)
    >>> val.table.loc[["C", "slope"]].round(3)
           apparent  bootstrap_train   test  optimism  corrected  n_used
    index
    C         0.682            0.687  0.682     0.005      0.677      20
    slope     1.000            1.000  0.884     0.116      0.884      20

    Backward re-selection in each resample (R ``validate(fit, bw = TRUE)``):

    >>> bw = bootstrap_validate(gbsg, ["horTh", "pnodes", "progrec", "age"], n_boot=20,
    ...                         seed=1, select="backward", progress=False)
    >>> bw.selected
    ('horTh', 'pnodes', 'progrec')
    >>> bw.stepdown.round(3)
              chi2  df      p  residual_chi2  residual_df  residual_p    aic
    deleted
    age      0.003   1  0.959          0.003            1       0.959 -1.997

    The Brier score at 5 years (GBSG2's time is in days):

    >>> br = bootstrap_validate(gbsg, ["horTh", "pnodes", "progrec"], n_boot=20, seed=1,
    ...                         horizon=1825, progress=False)
    >>> br.table.loc[["Brier"]].round(3)
           apparent  bootstrap_train   test  optimism  corrected  n_used
    index
    Brier     0.217            0.214  0.217    -0.003       0.22      20
    """
    ex = execution_options(execution, progress=progress)
    _check_options(select, max_iter, eps)
    fit = cox(cohort, covariates, ties=ties, categorical=categorical, reference=reference)
    data = timefixed(cohort.complete_cases(list(fit.design.columns)))
    x = np.asarray(fit.design.matrix(data.frame), dtype=float)
    time, event = np.asarray(data.time, dtype=float), np.asarray(data.event)
    horizon = _check_horizon(horizon, time)
    if indices is None:
        seed = resolve_seed(seed)
    total, draws = _resamples(len(time), n_boot, seed or 0, indices)
    groups = _groups(fit)
    with _one_blas_thread():
        app, step = _apparent(fit, time, event, x, groups, ties, select, int(max_iter),
                              float(eps))
    shared: tuple[Any, ...] = (time, event, x, ties, int(max_iter), float(eps), horizon)
    blocks = _run(_block if select is None else _block_bw,
                  shared if select is None else (*shared, groups), draws, total, ex)
    apparent = app.indices
    if horizon is not None:
        lp = x[:, _kept_columns(x, step)] @ app.coef
        apparent = np.r_[apparent, optimism_brier.brier_apparent(time, event, lp, ties,
                                                                  horizon)]
    reps = _replicates(blocks, total)
    failures, used = _ledger(reps, fit)
    terms = list(fit.terms) if step is None else [fit.terms[i] for i in step.parms_kept]
    return BootstrapValidationResult(
        table=_table(apparent, reps[used]), replicates=reps, failures=failures,
        n_monotone=int((reps["monotone"] & used).sum()), fit=fit,
        coef=pd.Series(app.coef, index=terms, name="coef"),
        n_boot=total, seed=seed if indices is None else None, ties=ties, select=select,
        eps=float(eps), max_iter=int(max_iter),
        kept=None if step is None else _kept(blocks, fit, total),
        selected=None if step is None else tuple(fit.design.covariates[j] for j in step.kept),
        stepdown=None if step is None else _stepdown(step, fit), horizon=horizon)


def _kept_columns(x: np.ndarray, step: StepDown | None) -> np.ndarray:
    return np.arange(x.shape[1]) if step is None else step.parms_kept


def _check_horizon(horizon: float | None, time: np.ndarray) -> float | None:
    if horizon is None:
        return None
    if (isinstance(horizon, bool) or not isinstance(horizon, int | float | np.number)
            or not np.isfinite(horizon) or horizon <= 0 or not (time > horizon).any()):
        raise ArgumentError(f"horizon must be a positive time before the last follow-up "
                            f"time ({time.max():g}, the cohort's time unit), got "
                            f"{horizon!r}.", argument="horizon")
    return float(horizon)


def _ledger(reps: pd.DataFrame, fit: CoxResult) -> tuple[dict[str, int], pd.Series]:
    """Resamples not used, per reason, and which are used; warns (or raises if none)."""
    total = len(reps)
    failures = dict(Counter(s for s in reps["status"] if s != OK))
    used = reps["status"] == OK
    if not used.any():
        raise CohortError(f"None of the {total} bootstrap refits of {list(fit.terms)} can be "
                          f"used ({failures}). Merge sparse levels or drop terms with few "
                          "events.")
    if failures:
        warnings.warn(f"{sum(failures.values())} of {total} bootstrap refits could not be "
                      "used (" + ", ".join(f"{k}: {v}" for k, v in failures.items())
                      + f"); the optimism averages the other {int(used.sum())} "
                      "(see .replicates).", BootstrapFitWarning, stacklevel=3)
    return failures, used


def _groups(fit: CoxResult) -> list[list[int]]:
    """Design columns of each covariate (rms's factors: all columns of a categorical)."""
    tf = fit.design.term_factor
    return [[i for i, f in enumerate(tf) if f == cov] for cov in fit.design.covariates]


def _apparent(fit: CoxResult, time: np.ndarray, event: np.ndarray, x: np.ndarray,
              groups: list[list[int]], ties: Ties, select: str | None, max_iter: int,
              eps: float) -> tuple[optimism.Apparent, StepDown | None]:
    """The apparent fit: the model, or (``select``) its step-down refitted, as rms."""
    if select is None:
        return optimism.apparent(time, event, x, ties, max_iter=max_iter, eps=eps), None
    try:
        step, app = optimism_bw.apparent_bw(time, event, x, groups, ties, max_iter=max_iter,
                                            eps=eps)
    except np.linalg.LinAlgError as err:
        raise CohortError(f"The step-down of {list(fit.design.covariates)} failed: the "
                          "covariance of the full fit is singular. Drop or merge the "
                          "terms it cannot separate.") from err
    if app is None:
        raise CohortError(f"The backward step-down deletes every covariate of "
                          f"{list(fit.design.covariates)} from the model on all rows (R: "
                          "'no variables kept in original model'); nothing to validate. "
                          "Use select=None.")
    return app, step


def _run(task: Any, shared: tuple[Any, ...], draws: _Counts, total: int,
         ex: Any) -> list[Any]:
    size = ex.block_size or default_block(len(shared[0]), int(shared[2].shape[1]))
    spans = [(a, min(a + size, total)) for a in range(0, total, size)]
    bar = _progress_bar(ex.progress, total)
    try:
        return list(run_tasks(task, spans, shared=shared, prepare=draws,
                              threads=ex.threads or 1, client=ex.client,
                              scheduler=ex.scheduler, done=None if bar is None else
                              lambda span: bar.update(span[1] - span[0])))
    finally:
        if bar is not None:
            bar.close()


def _kept(blocks: list[_Scored], fit: CoxResult, total: int) -> pd.DataFrame:
    kept = np.concatenate([b.block.kept for b in blocks])
    return pd.DataFrame(kept, columns=list(fit.design.covariates),
                        index=pd.RangeIndex(total, name="replicate"))


def _stepdown(step: StepDown, fit: CoxResult) -> pd.DataFrame:
    """R ``fastbw``'s table of the original model (one row per deleted factor)."""
    names = [fit.design.covariates[j] for j in step.deleted]
    return pd.DataFrame({"chi2": step.chi2, "df": step.df, "p": step.p,
                         "residual_chi2": step.residual, "residual_df": step.residual_df,
                         "residual_p": step.residual_p, "aic": step.aic},
                        index=pd.Index(names, name="deleted"))


def _check_options(select: str | None, max_iter: int, eps: float) -> None:
    if select not in (None, "backward"):
        raise ArgumentError(f"select must be None or 'backward' (re-selection in each "
                            f"resample, R validate(bw = TRUE)), got {select!r}.",
                            argument="select")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 2:
        raise ArgumentError(f"max_iter must be an integer >= 2, got {max_iter!r}.",
                            argument="max_iter")
    if not (isinstance(eps, float | int) and 0 < eps < 1):
        raise ArgumentError(f"eps must be a number in (0, 1), got {eps!r}.", argument="eps")


def _replicates(scored: list[_Scored], total: int) -> pd.DataFrame:
    blocks = [s.block for s in scored]
    status = np.concatenate([b.status for b in blocks])
    cols: dict[str, Any] = {
        "status": np.array(BW_STATUSES, dtype=object)[status],
        "monotone": np.concatenate([b.monotone for b in blocks]),
        "iterations": np.concatenate([b.iterations for b in blocks]),
    }
    train = np.concatenate([b.train for b in blocks])
    test = np.concatenate([b.test for b in blocks])
    names = list(INDICES)
    if scored[0].brier is not None:
        brier = np.concatenate([s.brier for s in scored if s.brier is not None])
        brier[status != 0] = np.nan
        train, test = np.c_[train, brier[:, 0]], np.c_[test, brier[:, 1]]
        names.append("Brier")
    for j, name in enumerate(names):
        cols[f"train_{name}"] = train[:, j]
    for j, name in enumerate(names):
        cols[f"test_{name}"] = test[:, j]
    return pd.DataFrame(cols, index=pd.RangeIndex(total, name="replicate"))


def _table(apparent: np.ndarray, ok: pd.DataFrame) -> pd.DataFrame:
    """R ``predab.resample``'s table: means over the used resamples (NaN indices skipped)."""
    names = [*INDICES, "Brier"][:len(apparent)]
    train = ok[[f"train_{i}" for i in names]].to_numpy()
    test = ok[[f"test_{i}" for i in names]].to_numpy()
    both = ~np.isnan(train + test)
    n = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tr = np.where(both, train, 0.0).sum(axis=0) / n
        te = np.where(both, test, 0.0).sum(axis=0) / n
    opt = tr - te
    table = pd.DataFrame({"apparent": apparent, "bootstrap_train": tr, "test": te,
                          "optimism": opt, "corrected": apparent - opt, "n_used": n},
                         index=pd.Index(names, name="index"))
    return table
