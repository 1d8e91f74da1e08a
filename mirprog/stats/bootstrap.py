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
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import run_tasks
from mirprog._compute.progress import ProgressHook, progress_bar
from mirprog._compute.resample import bootstrap_rows, resolve_seed
from mirprog._engine import optimism
from mirprog._engine.batch_sets import sample
from mirprog._engine.coxph import Ties
from mirprog._engine.optimism import INDICES, STATUSES
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.errors import ArgumentError, BootstrapFitWarning, CohortError
from mirprog.stats.cox.coxph import CoxResult, cox

__all__ = ["BootstrapFitWarning", "BootstrapValidationResult", "bootstrap_validate"]

TABLE_COLUMNS = ["apparent", "bootstrap_train", "test", "optimism", "corrected", "n_used"]
OK = "ok"
BLOCK = 50          # resamples fitted together (one Newton loop); memory ~ BLOCK x n x p


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
    replicates : pandas.DataFrame
        One row per resample: ``status`` (``"ok"`` or why it was not used: ``"no
        events"``, ``"singular"``, ``"not converged"``, ``"test slope not
        converged"``), ``monotone`` (a refit coefficient drifting to infinity: used,
        as ``rms`` does), ``iterations``, then ``train_<index>`` and
        ``test_<index>`` for each index (NaN when not used).
    failures : dict
        Resamples not used, per reason (the ledger; empty when all were used).
    n_monotone : int
        Used resamples whose refit has a monotone likelihood.
    fit : CoxResult
        The model fitted on all rows by :func:`mirprog.cox` (its rows, terms and exclusions).
    coef : pandas.Series
        The coefficients behind the apparent column (R ``cph``: eps ``eps``,
        at most ``max_iter`` iterations), by design column.
    n_boot : int
    seed : int or None
        Seed of the resampling, given or drawn fresh (None when ``indices`` were given).
    ties : str
    select : str or None
        ``"backward"`` when terms were re-selected in each resample (not yet supported).
    eps, max_iter :
        The iteration rules of every fit (R ``coxphFit(eps, iter.max)``).
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


def _block(counts: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
           ties: Ties, max_iter: int, eps: float) -> optimism.Block:
    with _one_blas_thread():
        return optimism.block(counts, time, event, x, ties, max_iter=max_iter, eps=eps,
                              layout=sample(time, event))


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside a task: its matrices are small and the tasks run in parallel."""
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:                                 # pragma: no cover - sklearn brings it
        ctx: Any = nullcontext()
    else:
        ctx = threadpool_limits(1, user_api="blas")
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
    select : None
        Re-selection of terms inside each resample (R ``validate(bw = TRUE)``) is
        not implemented yet; only None is accepted.
    execution : ExecOptions, optional
        ``progress`` (as the keyword), ``block_size`` (resamples per block,
        default 50) and where the blocks run: ``threads`` (default 1) or a Dask
        ``client``/``scheduler``.  The table is the same wherever they run.

    Returns
    -------
    BootstrapValidationResult
        ``.table`` with rows ``Dxy, C, R2, slope, D, U, Q, g`` and columns
        ``apparent, bootstrap_train, test, optimism, corrected, n_used``.

    Raises
    ------
    CohortError
        As :func:`mirprog.cox` for the original fit, or when no refit can be used.
    ArgumentError
        Bad ``n_boot``, ``indices``, ``select``, ``max_iter`` or ``eps``.
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
    """
    ex = execution_options(execution, progress=progress)
    _check_options(select, max_iter, eps)
    fit = cox(cohort, covariates, ties=ties, categorical=categorical, reference=reference)
    data = timefixed(cohort.complete_cases(list(fit.design.columns)))
    x = np.asarray(fit.design.matrix(data.frame), dtype=float)
    time, event = np.asarray(data.time, dtype=float), np.asarray(data.event)
    if indices is None:
        seed = resolve_seed(seed)
    total, draws = _resamples(len(time), n_boot, seed or 0, indices)
    with _one_blas_thread():
        app = optimism.apparent(time, event, x, ties, max_iter=int(max_iter), eps=float(eps))
    size = ex.block_size or BLOCK
    spans = [(a, min(a + size, total)) for a in range(0, total, size)]
    bar = _progress_bar(ex.progress, total)
    try:
        blocks = run_tasks(_block, spans, shared=(time, event, x, ties, int(max_iter),
                                                  float(eps)),
                           prepare=draws, threads=ex.threads or 1, client=ex.client,
                           scheduler=ex.scheduler, done=None if bar is None else
                           lambda span: bar.update(span[1] - span[0]))
    finally:
        if bar is not None:
            bar.close()
    reps = _replicates(blocks, total)
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
                      "(see .replicates).", BootstrapFitWarning, stacklevel=2)
    return BootstrapValidationResult(
        table=_table(app.indices, reps[used]), replicates=reps, failures=failures,
        n_monotone=int((reps["monotone"] & used).sum()), fit=fit,
        coef=pd.Series(app.coef, index=list(fit.terms), name="coef"),
        n_boot=total, seed=seed if indices is None else None, ties=ties, select=select,
        eps=float(eps), max_iter=int(max_iter))


def _check_options(select: str | None, max_iter: int, eps: float) -> None:
    if select is not None:
        raise ArgumentError(f"select={select!r} (re-selection in each resample, R "
                            "validate(bw = TRUE)) is not implemented yet; use select=None.",
                            argument="select")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 2:
        raise ArgumentError(f"max_iter must be an integer >= 2, got {max_iter!r}.",
                            argument="max_iter")
    if not (isinstance(eps, float | int) and 0 < eps < 1):
        raise ArgumentError(f"eps must be a number in (0, 1), got {eps!r}.", argument="eps")


def _replicates(blocks: list[optimism.Block], total: int) -> pd.DataFrame:
    status = np.concatenate([b.status for b in blocks])
    cols: dict[str, Any] = {
        "status": np.array(STATUSES, dtype=object)[status],
        "monotone": np.concatenate([b.monotone for b in blocks]),
        "iterations": np.concatenate([b.iterations for b in blocks]),
    }
    train = np.concatenate([b.train for b in blocks])
    test = np.concatenate([b.test for b in blocks])
    for j, name in enumerate(INDICES):
        cols[f"train_{name}"] = train[:, j]
    for j, name in enumerate(INDICES):
        cols[f"test_{name}"] = test[:, j]
    return pd.DataFrame(cols, index=pd.RangeIndex(total, name="replicate"))


def _table(apparent: np.ndarray, ok: pd.DataFrame) -> pd.DataFrame:
    """R ``predab.resample``'s table: means over the used resamples (NaN indices skipped)."""
    train = ok[[f"train_{i}" for i in INDICES]].to_numpy()
    test = ok[[f"test_{i}" for i in INDICES]].to_numpy()
    both = ~np.isnan(train + test)
    n = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tr = np.where(both, train, 0.0).sum(axis=0) / n
        te = np.where(both, test, 0.0).sum(axis=0) / n
    opt = tr - te
    table = pd.DataFrame({"apparent": apparent, "bootstrap_train": tr, "test": te,
                          "optimism": opt, "corrected": apparent - opt, "n_used": n},
                         index=pd.Index(list(INDICES), name="index"))
    return table
