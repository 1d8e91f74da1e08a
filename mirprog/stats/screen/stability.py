"""Bootstrap stability of a marker screen: how often would each marker be found again?

A screen of thousands of markers picks its hits on one cohort; resampling the
patients with replacement and screening each resample shows which hits are
robust (selected in most resamples, ranked near the top every time) and which
were luck.  Every resample runs the screen's own engine
(:func:`mirprog.stats.screen.markers.marker_blocks`), locally on threads or as Dask tasks;
resample ``b`` depends only on ``(seed, b)``, so the result is the same
wherever and in how many pieces it is computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import check_threads, run_tasks
from mirprog._compute.progress import progress_bar
from mirprog._compute.resample import bootstrap_rows, resolve_seed
from mirprog._engine.cox_batch import sample
from mirprog._engine.coxph import Ties
from mirprog._engine.timefix import aeq_times
from mirprog._result import Result
from mirprog.data.cohort import Cohort
from mirprog.errors import MirprogError
from mirprog.stats.logrank import Adjust
from mirprog.stats.screen._blocks import MarkerValues, marker_blocks
from mirprog.stats.screen.markers import (
    BlockOptions,
    Continuous,
    ScreenResult,
    check_options,
    resolve_markers,
    screen,
    screen_block,
    screen_table,
)

__all__ = ["ScreenStability", "screen_bootstrap"]

By = Literal["q_logrank", "q", "q_cont"]
_P = {"q_logrank": "logrank_p", "q": "p", "q_cont": "p_cont"}
_HR = {"q_logrank": "hr", "q": "hr", "q_cont": "hr_cont"}


@dataclass(frozen=True)
class ScreenStability(Result):
    """A screen's hits under resampling of the patients.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per marker, in the screen's order: ``marker``; ``q_cohort``
        (the ``by`` q-value on the whole cohort); ``selected`` (share of the
        resamples in which its ``by`` q-value is below ``q``); ``n_valid``
        (resamples in which its p-value could be computed); ``rank_median``,
        ``rank_lower``, ``rank_upper`` (median and 2.5/97.5 percentiles of its
        rank by p among the markers, 1 = smallest p); ``hr_median``,
        ``hr_lower``, ``hr_upper`` (the same for the hazard ratio: the
        high/low split's for ``by`` = ``"q_logrank"`` or ``"q"``, per unit of
        the continuous marker for ``"q_cont"``).  Sorted as the screen.
    screen : ScreenResult
        The screen of the whole cohort.
    n_boot : int
    seed : int
        Resample ``b`` draws its rows from ``numpy.random.default_rng([seed, b])``.
    q : float
    by : str
    """

    table: pd.DataFrame
    screen: ScreenResult
    n_boot: int
    seed: int
    q: float
    by: By


    def __repr__(self) -> str:
        often = int((self.table["selected"] >= 0.8).sum())
        return (f"ScreenStability({len(self.table)} markers, n_boot={self.n_boot}, "
                f"seed={self.seed}, {self.by} < {self.q}; selected in >= 80% of resamples: "
                f"{often})")


@dataclass(frozen=True)
class _Data:
    """What every resample needs, sent once to each Dask worker."""

    values: np.ndarray          # (n, M) markers, cohort row order
    time: np.ndarray
    event: np.ndarray
    names: list[str]
    blocks: list[tuple[int, int]]
    opts: BlockOptions
    fdr: Adjust
    conf_level: float
    seed: int
    by: By


def screen_bootstrap(
    cohort: Cohort,
    markers: Sequence[str] | None = None,
    *,
    n_boot: int = 200,
    seed: int | None = None,
    q: float = 0.05,
    by: By = "q_logrank",
    ties: Ties = "breslow",
    continuous: Continuous = "log2",
    fdr: Adjust = "bh",
    conf_level: float = 0.95,
    block_size: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    client: Any = None,
    scheduler: str | None = None,
    max_iter: int = 20,
    execution: ExecOptions | None = None,
) -> ScreenStability:
    """Screen ``n_boot`` bootstrap resamples of the cohort and summarise each marker's hits.

    Parameters
    ----------
    cohort : Cohort
    markers : sequence of str, optional
        As :func:`mirprog.screen`.
    n_boot : int, default 200
        Resamples (patients drawn with replacement, as many as in the cohort).
    seed : int, optional
        Resample ``b`` uses ``numpy.random.default_rng([seed, b])``: the same
        seed gives the same result locally, on any number of threads or
        Dask workers, and the first resamples of a longer run are those of a
        shorter one.  Default: a fresh seed, reported in ``result.seed``.
    q : float, default 0.05
        A marker is selected in a resample when its ``by`` q-value is below ``q``.
    by : {"q_logrank", "q", "q_cont"}, default "q_logrank"
        Which of the screen's q-values selects (median-split log-rank, Cox on
        the split, Cox on the continuous marker).
    ties, continuous, fdr, conf_level, block_size, max_iter
        As :func:`mirprog.screen`, for the whole cohort and every resample.
    threads : int, optional
        Resamples computed at once on this machine (default: its CPUs, at most 8).
    progress : bool, optional
        A tqdm bar over the resamples (default: for long runs, when tqdm is installed).
    client, scheduler
        Run the resamples on Dask, as :func:`mirprog.screen`.
    execution : ExecOptions, optional
        ``threads``, ``client``, ``scheduler``, ``block_size``, ``progress`` in one
        object (:class:`~mirprog.ExecOptions`); the keywords above do the same.

    Returns
    -------
    ScreenStability

    Raises
    ------
    CohortError
        As :func:`mirprog.screen`.
    MirprogError
        Bad ``n_boot``, ``q`` or ``by``, or an option :func:`mirprog.screen` refuses.

    Notes
    -----
    A resample without events gives no p-values (``n_valid`` counts the
    others); a marker whose model cannot be fitted in a resample (e.g. a
    split group without events) is not selected there and has no rank.  The
    resamples hold repeated patients, so their q-values are optimistic in
    absolute terms; what the table shows is how reproducible the selection
    and the ranking are.  Each resample costs one screen: 200 resamples of
    1,100 x 2,000 are about a minute of CPU, and Dask spreads them.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.screen_bootstrap(gbsg, ["progrec", "estrec", "age"], continuous="raw",
    ...                           n_boot=20, seed=1, progress=False)
    >>> res.table[["marker", "q_cohort", "selected", "rank_median"]].round(3)
        marker  q_cohort  selected  rank_median
    0  progrec     0.000       1.0          1.0
    1   estrec     0.007       0.9          2.0
    2      age     0.390       0.1          3.0
    """
    cohort.require_one_row_per_patient("The screen bootstrap")
    check_options("median", ties, continuous, fdr, conf_level, max_iter)
    if not (isinstance(n_boot, int | np.integer) and not isinstance(n_boot, bool) and n_boot > 0):
        raise MirprogError(f"n_boot must be a positive integer, got {n_boot!r}.")
    if not 0 < q < 1:
        raise MirprogError(f"q must be between 0 and 1, got {q!r}.")
    if by not in _P:
        raise MirprogError(f"by must be one of {', '.join(map(repr, _P))}; got {by!r}.")
    ex = execution_options(execution, threads=threads, progress=progress, client=client,
                           scheduler=scheduler, block_size=block_size)
    seed = resolve_seed(seed)
    n_threads = check_threads(ex.threads)
    names = resolve_markers(cohort, markers)
    full = screen(cohort, names, ties=ties, continuous=continuous, fdr=fdr,
                  conf_level=conf_level, max_iter=max_iter,
                  execution=replace(ex, threads=n_threads, progress=False))
    bounds = np.cumsum([0, *(len(b) for b in marker_blocks(names, cohort.n, ex.block_size))])
    data = _Data(values=MarkerValues(cohort, np.arange(cohort.n))(names),
                 time=aeq_times(cohort.time), event=cohort.event, names=names,
                 blocks=[(int(a), int(b)) for a, b in itertools.pairwise(bounds)],
                 opts=BlockOptions(ties, continuous, max_iter), fdr=fdr, conf_level=conf_level,
                 seed=int(seed), by=by)
    size = max(1, n_boot // 64)                # resamples per task
    batches = [range(a, min(a + size, n_boot)) for a in range(0, n_boot, size)]
    bar = progress_bar(ex.progress, n_boot, unit="resample", desc="bootstrap",
                       work=n_boot * cohort.n * len(names))
    try:
        parts = run_tasks(_resamples, batches, shared=(data,), threads=n_threads,
                          client=ex.client, scheduler=ex.scheduler,
                          done=None if bar is None else lambda batch: bar.update(len(batch)))
    finally:
        if bar is not None:
            bar.close()
    p, qv, hr = (np.vstack([part[k] for part in parts]) for k in ("p", "q", "hr"))
    return ScreenStability(table=_summary(names, full, p, qv, hr, q, by), screen=full,
                           n_boot=int(n_boot), seed=int(seed), q=float(q), by=by)


def _resamples(batch: range, data: _Data) -> dict[str, np.ndarray]:
    """p, q and HR of the ``by`` test for each marker, one row per resample of ``batch``."""
    out = {k: np.full((len(batch), len(data.names)), np.nan) for k in ("p", "q", "hr")}
    n = len(data.time)
    for i, b in enumerate(batch):
        rows = bootstrap_rows(data.seed, b, n)
        event = data.event[rows]
        if not event.any():
            continue
        s = sample(data.time[rows], event)
        rows = rows[s.order]
        parts = [screen_block(np.take(data.values[:, a:z], rows, axis=0), s, data.opts)
                 for a, z in data.blocks]
        table = screen_table(data.names, parts, data.conf_level, data.fdr)
        out["p"][i] = table[_P[data.by]].to_numpy()
        out["q"][i] = table[data.by].to_numpy()
        out["hr"][i] = table[_HR[data.by]].to_numpy()
    return out


def _summary(names: list[str], full: ScreenResult, p: np.ndarray, qv: np.ndarray,
             hr: np.ndarray, q: float, by: By) -> pd.DataFrame:
    valid = np.isfinite(p)
    ranks = pd.DataFrame(p).rank(axis=1, method="min").to_numpy()   # NaN stays NaN
    with np.errstate(invalid="ignore"):
        selected = (qv < q).sum(axis=0) / len(p)

    def pct(a: np.ndarray, k: float) -> np.ndarray:
        out = np.full(a.shape[1], np.nan)
        ok = np.isfinite(a).any(axis=0)
        out[ok] = np.nanpercentile(a[:, ok], k, axis=0)
        return out

    return pd.DataFrame({
        "marker": np.array(names, dtype=object),
        "q_cohort": full.table[by].to_numpy(),
        "selected": selected,
        "n_valid": valid.sum(axis=0),
        "rank_median": pct(ranks, 50), "rank_lower": pct(ranks, 2.5),
        "rank_upper": pct(ranks, 97.5),
        "hr_median": pct(hr, 50), "hr_lower": pct(hr, 2.5), "hr_upper": pct(hr, 97.5),
    })
