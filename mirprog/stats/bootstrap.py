"""Internal validation of a Cox model: Harrell's optimism bootstrap, as R ``rms::validate``.

:func:`bootstrap_validate` fits the model, then refits it on ``n_boot``
resamples of the patients, scores each refit on its own resample and on the
original data, and subtracts the mean difference (the optimism) from the
apparent C-index and calibration slope.  Every fit goes through the one Cox
engine behind :func:`mirprog.cox`.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import run_tasks
from mirprog._compute.progress import progress_bar
from mirprog._compute.resample import bootstrap_rows, resolve_seed
from mirprog._engine.coxph import SingularDesignError, Ties, concordance_counts, fit_cox
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.errors import ArgumentError, BootstrapFitWarning, CohortError
from mirprog.stats.cox.coxph import CoxResult, cox

__all__ = ["BootstrapFitWarning", "BootstrapValidationResult", "bootstrap_validate"]

TABLE_COLUMNS = ["apparent", "bootstrap_train", "test", "optimism", "corrected", "n_used"]
OK = "ok"


@dataclass(frozen=True)
class BootstrapValidationResult(Result):
    """Optimism-corrected performance of a Cox model (Harrell's bootstrap).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``index`` = ``"C"`` (Harrell's C), ``"Dxy"`` (Somers' Dxy =
        2 (C - 0.5), R's ``Dxy`` row) and ``"slope"`` (calibration slope of the
        linear predictor); columns ``apparent`` (R ``index.orig``),
        ``bootstrap_train`` (mean over resamples of the refit scored on its own
        resample, R ``training``), ``test`` (the refit scored on the original
        data), ``optimism`` (``bootstrap_train - test``), ``corrected``
        (``apparent - optimism``, R ``index.corrected``) and ``n_used`` (resamples
        whose refit succeeded, R ``n``).
    replicates : pandas.DataFrame
        One row per resample: ``status`` (``"ok"`` or why the refit was left
        out: ``"singular"``, ``"monotone"``, ``"not converged"``, ``"no events"``,
        ``"slope fit failed"``), ``c_train``, ``c_test``, ``slope_test`` (NaN
        when left out).
    failures : dict
        Count of left-out resamples per reason.
    fit : CoxResult
        The model fitted on all rows (its ``concordance`` is the apparent C).
    n_boot : int
    seed : int or None
        Seed of the resampling, given or drawn fresh (None when ``indices`` were given).
    ties : str
    """

    table: pd.DataFrame
    replicates: pd.DataFrame = field(repr=False)
    failures: dict[str, int]
    fit: CoxResult = field(repr=False)
    n_boot: int
    seed: int | None
    ties: Ties

    @property
    def n_failed(self) -> int:
        """Resamples whose refit failed (left out of the averages)."""
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
                f"n_boot={self.n_boot}, used={self.n_used}, seed={self.seed}, ties={self.ties!r})")
        lines = [head, self.table.to_string(float_format=lambda v: f"{v:.4f}")]
        if self.failures:
            lines.append("left out: " + ", ".join(f"{k} {v}" for k, v in self.failures.items()))
        return "\n".join(lines)


def _progress_bar(progress: bool | None, total: int) -> Any:
    return progress_bar(progress, total, unit="fit", desc="bootstrap")


class _Rows:
    """Row positions of resample b: drawn when asked (one seed convention), or given."""

    def __init__(self, n: int, seed: int, indices: np.ndarray | None) -> None:
        self.n, self.seed, self.indices = n, seed, indices

    def __call__(self, b: int) -> np.ndarray:
        if self.indices is not None:
            return np.asarray(self.indices[b])
        return bootstrap_rows(self.seed, b, self.n)


def _resamples(n: int, n_boot: int, seed: int, indices: ArrayLike | None) -> tuple[int, _Rows]:
    """How many resamples, and their row positions by number (each drawn when needed).

    Resample b is :func:`~mirprog._compute.resample.bootstrap_rows` ``(seed, b, n)``,
    mirprog's one seed convention; memory is a resample per running task, not
    n_boot x n integers.
    """
    if indices is None:
        if isinstance(n_boot, bool) or not (isinstance(n_boot, int | np.integer)
                                            and n_boot >= 1):
            raise ArgumentError(f"n_boot must be a positive integer, got {n_boot!r}.",
                                argument="n_boot")
        return int(n_boot), _Rows(n, seed, None)
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != n or idx.shape[0] < 1 or idx.dtype.kind not in "iu":
        raise ArgumentError(f"indices must be an integer array of shape (n_boot, {n}) (one "
                            f"row position per used row), got shape {idx.shape} and dtype "
                            f"{idx.dtype}.", argument="indices")
    if idx.min() < 0 or idx.max() >= n:
        raise ArgumentError(f"indices must be 0-based row positions in [0, {n - 1}].",
                            argument="indices")
    return len(idx), _Rows(n, seed, idx)


def _replicate(rows: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray,
               ties: Ties, max_iter: int) -> tuple[str, float, float, float]:
    """Refit on ``rows``; C on the resample and on the original data; slope on the original."""
    nan = float("nan")
    tb, eb, xb = time[rows], event[rows], x[rows]
    if not eb.any():
        return "no events", nan, nan, nan
    try:
        f = fit_cox(tb, eb, xb, ties, max_iter=max_iter)
    except SingularDesignError:
        return "singular", nan, nan, nan
    if f.infinite.any():
        return "monotone", nan, nan, nan
    if not f.converged:
        return "not converged", nan, nan, nan
    c_train = concordance_counts(tb, eb, xb @ f.coef)["concordance"]
    lp = x @ f.coef
    c_test = concordance_counts(time, event, lp)["concordance"]
    try:
        slope = float(fit_cox(time, event, lp[:, None], ties, max_iter=max_iter).coef[0])
    except SingularDesignError:
        return "slope fit failed", nan, nan, nan
    return OK, c_train, c_test, slope


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
    max_iter: int = 20,
    execution: ExecOptions | None = None,
) -> BootstrapValidationResult:
    """Bootstrap optimism-corrected C-index and calibration slope of a Cox model.

    Parameters
    ----------
    cohort : Cohort
    covariates : str or sequence of str
        The model's columns (e.g. clinical factors plus a signature score), as
        in :func:`mirprog.cox`; rows missing any are excluded (``result.fit.excluded``).
    n_boot : int, default 200
        Number of resamples (R ``B``; Harrell suggests 200-400).  They are drawn
        one at a time, so memory does not grow with ``n_boot``.
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
        ``n`` used rows (in cohort order), one resample per row, e.g. to
        replicate another program's resamples.  Overrides ``n_boot`` and ``seed``.
    max_iter : int, default 20
        Newton–Raphson iteration limit of every fit.
    execution : ExecOptions, optional
        ``progress`` (as the keyword), and where the refits run: ``threads``
        (default 1: Harrell's C is counted in Python, so threads gain little) or a
        Dask ``client``/``scheduler``.  The table is the same wherever they run.

    Returns
    -------
    BootstrapValidationResult
        ``.table`` with rows ``C``, ``Dxy``, ``slope`` and columns
        ``apparent, bootstrap_train, test, optimism, corrected, n_used``.

    Raises
    ------
    CohortError
        As :func:`mirprog.cox` for the original fit, or when every refit fails.
    MirprogError
        ``progress=True`` without tqdm.

    Warns
    -----
    BootstrapFitWarning
        When some refits failed: they are left out of the averages, counted in
        ``result.failures`` and listed in ``result.replicates`` (``n_used``).

    Notes
    -----
    Harrell's optimism bootstrap (Harrell, Lee & Mark 1996; R ``rms::validate``
    with ``method = "boot"``): the design matrix of the original fit is
    resampled with replacement and refitted; with ``b*`` a refit, ``C_train``
    is Harrell's C of ``X* b*`` on its resample and ``C_test`` that of ``X b*``
    on the original data; optimism = mean(C_train - C_test) and corrected C =
    apparent C - optimism.  The calibration slope ``gamma`` is the Cox
    coefficient of the outcome on the linear predictor ``X b*``: it is 1 by
    construction on the data a model was fitted on (apparent and training
    columns, as ``rms``), so its optimism is 1 - mean(test slope) and its
    corrected value mean(test slope); below 1 means overfitting (predictions
    too extreme).  C is R ``concordance`` (equal to ``rms``'s Dxy/2 + 1/2).

    Differences from ``rms``: resamples come from numpy's generator, not R's,
    so bootstrap columns agree only up to Monte-Carlo error (with the same
    resamples, passed as ``indices``, they agree to ~1e-4: ``rms`` refits with
    ``eps = 1e-4``, mirprog with ``coxph``'s 1e-9); a refit with monotone
    likelihood (a coefficient drifting to infinity, e.g. a sparse level
    without events in the resample) or a singular design (a level absent from
    the resample) is left out and counted, where ``rms`` keeps the former.

    For a stable estimate use ``n_boot >= 200`` (about 40 ms per resample for
    686 patients and 9 terms), e.g.::

        python -c "import mirprog as mp; \\
            from mirprog.stats.bootstrap import bootstrap_validate; \\
            print(bootstrap_validate(mp.datasets.load_gbsg2(), ['horTh', 'age', \\
            'menostat', 'tsize', 'tgrade', 'pnodes', 'progrec', 'estrec'], \\
            n_boot=1000, seed=1, ties='efron', progress=True))"

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog import bootstrap_validate
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> val = bootstrap_validate(gbsg, ["horTh", "pnodes", "progrec"], n_boot=20, seed=1,
    ...                          progress=False)
    >>> bool(val.table.loc["C", "apparent"] == mp.cox(gbsg, ["horTh", "pnodes", "progrec"]
    ...                                                ).concordance)
    True
    >>> val.table.round(3)
           apparent  bootstrap_train   test  optimism  corrected  n_used
    index
    C         0.682            0.687  0.682     0.005      0.677      20
    Dxy       0.364            0.373  0.364     0.009      0.355      20
    slope     1.000            1.000  0.884     0.116      0.884      20
    """
    ex = execution_options(execution, progress=progress)
    fit = cox(cohort, covariates, ties=ties, categorical=categorical, reference=reference,
              max_iter=max_iter)
    data = timefixed(cohort.complete_cases(list(fit.design.columns)))
    x = fit.design.matrix(data.frame)
    time, event = data.time, data.event
    if indices is None:
        seed = resolve_seed(seed)
    total, draws = _resamples(len(time), n_boot, seed or 0, indices)
    bar = _progress_bar(ex.progress, total)
    try:
        rows = run_tasks(_replicate, range(total), shared=(time, event, x, ties, max_iter),
                         prepare=draws, threads=ex.threads or 1, client=ex.client,
                         scheduler=ex.scheduler, done=None if bar is None else
                         lambda _: bar.update(1))
    finally:
        if bar is not None:
            bar.close()
    reps = pd.DataFrame(rows, columns=["status", "c_train", "c_test", "slope_test"],
                        index=pd.RangeIndex(total, name="replicate"))
    failures = dict(Counter(s for s in reps["status"] if s != OK))
    ok = reps[reps["status"] == OK]
    if ok.empty:
        raise CohortError(f"All {total} bootstrap refits of {list(fit.terms)} failed "
                          f"({failures}). Merge sparse levels or drop terms with few events.")
    if failures:
        warnings.warn(f"{sum(failures.values())} of {total} bootstrap refits failed ("
                      + ", ".join(f"{k}: {v}" for k, v in failures.items())
                      + f"); the optimism averages the other {len(ok)} (see .replicates).",
                      BootstrapFitWarning, stacklevel=2)
    table = _table(fit.concordance, ok)
    return BootstrapValidationResult(
        table=table, replicates=reps, failures=failures, fit=fit, n_boot=total,
        seed=seed if indices is None else None, ties=ties)


def _table(apparent_c: float, ok: pd.DataFrame) -> pd.DataFrame:
    train_c, test_c = float(ok["c_train"].mean()), float(ok["c_test"].mean())
    test_slope = float(ok["slope_test"].mean())
    c_row = [apparent_c, train_c, test_c, train_c - test_c, apparent_c - (train_c - test_c)]
    dxy_row = [2 * (v - 0.5) for v in c_row[:3]]
    dxy_row += [dxy_row[1] - dxy_row[2], dxy_row[0] - (dxy_row[1] - dxy_row[2])]
    slope_row = [1.0, 1.0, test_slope, 1.0 - test_slope, test_slope]
    table = pd.DataFrame([c_row, dxy_row, slope_row], columns=TABLE_COLUMNS[:-1],
                         index=pd.Index(["C", "Dxy", "slope"], name="index"))
    table["n_used"] = len(ok)
    return table
