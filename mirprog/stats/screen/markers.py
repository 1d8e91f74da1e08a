"""Screen many markers at once: median-split log-rank, binary and continuous Cox, FDR.

One row per marker, computed for all markers together by the batched shape
of the Cox engine (:mod:`mirprog._engine.cox_batch`), block by block, on the
machine's cores or on a Dask cluster (:mod:`mirprog._parallel`).  Every
number equals what :func:`mirprog.logrank` and :func:`mirprog.cox` give for
that marker alone; :mod:`mirprog.stability` screens bootstrap resamples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import check_threads, run_tasks
from mirprog._compute.progress import progress_bar
from mirprog._engine.batch_sets import Work
from mirprog._engine.cox_batch import (
    BatchCox,
    Sample,
    binary_model,
    centre,
    complete_events,
    continuous_model,
    fit_models,
    logrank_block,
    sample,
)
from mirprog._engine.cox_batch_adjusted import fit_adjusted
from mirprog._engine.coxph import Ties, centring
from mirprog._engine.dist import chi2_sf_array, normal_p, zcrit
from mirprog._engine.logrank import TwoGroupLogRank
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.data.missing import bad_numbers_error, is_text_dtype, looks_numeric
from mirprog.errors import CohortError, MirprogError
from mirprog.stats.logrank import Adjust, p_adjust
from mirprog.stats.screen._blocks import (
    MIN_BLOCK,
    BlockValues,
    MarkerValues,
    screen_blocks,
)
from mirprog.stats.screen._options import ScreenModel, model_columns, screen_model

__all__ = ["COLUMNS", "ScreenResult", "screen"]

Continuous = Literal["log2", "raw"]

COLUMNS = ["marker", "n", "events", "n_high", "logrank_chi2", "logrank_p", "hr", "ci_lower",
           "ci_upper", "p", "lr_chi2", "score_chi2", "score_p", "hr_cont", "ci_lower_cont",
           "ci_upper_cont", "p_cont", "lr_chi2_cont", "q_logrank", "q", "q_cont", "note"]

# Flags per marker, turned into the ``note`` column.
_NOTES = {
    1: "all values missing",
    2: "constant (no variation)",
    4: "no events among the non-missing rows",
    8: "median split leaves a group empty (ties at the median)",
    16: "non-positive values: log2 undefined, no continuous model",
    32: "log-rank undefined (zero variance)",
    64: "log-rank: a group has no expected events",
    128: "binary Cox: monotone likelihood, HR not estimable",
    256: "binary Cox: did not converge",
    512: "binary Cox: singular information",
    1024: "continuous Cox: monotone likelihood, HR not estimable",
    2048: "continuous Cox: did not converge",
    4096: "continuous Cox: singular information",
    8192: "binary Cox: an adjustment covariate's coefficient may be infinite",
    16384: "continuous Cox: an adjustment covariate's coefficient may be infinite",
    32768: "an adjustment term is constant among the marker's rows (e.g. a level absent): "
           "no adjusted Cox model",
}


@dataclass(frozen=True)
class ScreenResult(Result):
    """A marker screen: one row per marker.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``marker``; ``n`` (rows with the marker), ``events``,
        ``n_high`` (above the marker's median); ``logrank_chi2``,
        ``logrank_p`` (median split; stratified by ``strata``, never
        adjusted); ``hr``, ``ci_lower``, ``ci_upper``, ``p`` (Wald),
        ``lr_chi2`` (likelihood ratio), ``score_chi2``, ``score_p`` (score
        test) of the high/low term in the Cox model on the split (with the
        ``adjust`` covariates and within ``strata``); ``hr_cont`` ...
        ``lr_chi2_cont`` the same for the continuous marker; ``q_logrank``,
        ``q``, ``q_cont`` (multiplicity-adjusted ``logrank_p``, ``p``,
        ``p_cont`` across the markers with a finite p); ``note`` (why numbers
        are missing or not meaningful; empty if none).
    ties : str
    continuous : str
        ``"log2"`` or ``"raw"``: the scale of the continuous model.
    fdr : str
        The adjustment behind the q columns.
    conf_level : float
    n, events : int
        Rows and events of the cohort screened (after ``excluded``).
    strata : tuple of str
        Columns every Cox model and log-rank test is stratified by (empty: none).
    adjust : tuple of str
        Covariates every Cox model is adjusted for (empty: none); ``adjust_terms``
        their model terms (``"tgrade[II]"``, ...), whose coefficients are not reported.
    excluded : Exclusions
        Rows left out of the whole screen: missing a stratum or covariate.
        (Rows missing a marker are left out of that marker only: ``n``.)
    """

    table: pd.DataFrame
    ties: Ties
    continuous: Continuous
    fdr: Adjust
    conf_level: float
    n: int
    events: int
    strata: tuple[str, ...] = ()
    adjust: tuple[str, ...] = ()
    adjust_terms: tuple[str, ...] = ()
    excluded: Exclusions | None = None

    @property
    def method(self) -> str:
        """What the tests are, in words: the stratification, the adjustment, the log-rank test."""
        strata = f" stratified by {', '.join(self.strata)}" if self.strata else ""
        if not self.adjust:
            return (f"Cox models{strata} (ties={self.ties}); logrank_p: median-split log-rank "
                    f"test{strata or ' (unstratified)'}.")
        return (f"Cox models adjusted for {', '.join(self.adjust)} (terms "
                f"{', '.join(self.adjust_terms)}){' and' + strata if strata else ''} "
                f"(ties={self.ties}): hr, p, lr_chi2, score_p are the marker's term given the "
                f"covariates. logrank_p: median-split log-rank test{strata}, not adjusted (a "
                "log-rank test takes no covariates; score_p is the split's adjusted test).")

    def __repr__(self) -> str:
        t = self.table
        noted = int((t["note"] != "").sum())
        text = (f"ScreenResult({len(t)} markers, n={self.n}, events={self.events}, "
                f"ties={self.ties!r}, continuous={self.continuous!r}, fdr={self.fdr!r}; "
                f"q < 0.05: log-rank {int((t['q_logrank'] < 0.05).sum())}, "
                f"binary Cox {int((t['q'] < 0.05).sum())}, "
                f"continuous Cox {int((t['q_cont'] < 0.05).sum())}; {noted} with notes)")
        if self.strata or self.adjust:
            text += "\n" + self.method
        if self.excluded is not None and len(self.excluded):
            text += "\n" + self.excluded.summary()
        return text


@dataclass(frozen=True)
class BlockOptions:
    ties: Ties
    continuous: Continuous
    max_iter: int
    z: np.ndarray | None = None     # adjustment covariates, in the sample's order, centred
    z_groups: tuple[tuple[int, ...], ...] = ()   # columns of z coding one categorical covariate


def screen(
    cohort: Cohort,
    markers: Sequence[str] | None = None,
    *,
    rule: Literal["median"] = "median",
    ties: Ties = "breslow",
    continuous: Continuous = "log2",
    strata: str | Sequence[str] | None = None,
    adjust: str | Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
    fdr: Adjust = "bh",
    conf_level: float = 0.95,
    block_size: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    client: Any = None,
    scheduler: str | None = None,
    max_iter: int = 20,
    execution: ExecOptions | None = None,
) -> ScreenResult:
    """Screen markers for prognostic value: log-rank and Cox, binary and continuous.

    For every marker, on its own complete cases: the median split (high =
    strictly above the marker's median, as :class:`~mirprog.Cutpoints`), its
    log-rank test, a Cox model on the high/low factor, and a Cox model on the
    marker itself (log2 or raw scale); then q-values across markers.  With
    ``strata`` every model and test is stratified; with ``adjust`` every Cox
    model also holds the clinical covariates (KM-plotter's multivariate
    option) and reports the marker's term given them.

    Parameters
    ----------
    cohort : Cohort
    markers : sequence of str, optional
        Marker columns; default every numeric (non-boolean) column other than
        time, event, id and the ``strata`` and ``adjust`` columns.
    rule : {"median"}
        The split (only the median for now).
    ties : {"breslow", "efron"}, default "breslow"
    continuous : {"log2", "raw"}, default "log2"
        Scale of the continuous model; a marker with a value <= 0 gets no
        log2 model (noted), never an error.
    strata : str or sequence of str, optional
        Stratify by these columns (their combinations), as R ``strata()``:
        every Cox model has its risk sets within strata (R ``coxph(Surv(t, e)
        ~ x + strata(z))``) and the log-rank test is the stratified one (R
        ``survdiff(Surv(t, e) ~ high + strata(z))``: O - E and its variance
        summed over strata).  A stratum without events among the rows used
        is an error.
    adjust : str or sequence of str, optional
        Covariates added to every marker's Cox models (binary and
        continuous): each marker gets a model of 1 + k coefficients, fitted
        for all markers at once.  They enter as in :func:`mirprog.cox`:
        numeric and boolean columns as they are, text or categorical columns
        (and those in ``categorical``) as one indicator per non-reference
        level (``"tgrade[II]"``), ``"a*b"`` / ``"a:b"`` as interactions.
        ``hr``, ``p`` (Wald) and the CI are the marker's coefficient given the
        covariates; ``lr_chi2`` compares the model with the covariates-only
        model on the same rows; ``score_chi2`` / ``score_p`` are the
        marker's score test at the covariates-only estimate (R
        ``coxph(..., init = c(0, coef(reduced)))$score``).  The **log-rank
        columns are not adjusted** (a log-rank test takes no covariates: they
        stay the, possibly stratified, log-rank test of the split); for a
        covariate-adjusted test of the split use ``score_p`` (equal to the
        log-rank p without covariates, Breslow ties and no tied times).
    categorical : sequence of str, optional
        ``adjust`` columns of numbers to treat as categorical (grade 1/2/3).
    reference : mapping, optional
        Reference level per categorical ``adjust`` column (default: the first
        in natural order).
    fdr : {"bh", "holm", "bonferroni", "none"}, default "bh"
        Adjustment of the p-values across markers (R ``p.adjust``).
    conf_level : float, default 0.95
    block_size : int, optional
        Markers per block.  Default: blocks of equal size with about 2**21
        values (16 MB per working array), or about 32 markers for very long
        cohorts.  Memory grows with it; results do not change beyond
        rounding (~1e-13), and for a given block size they are the same bit
        for bit however many threads or Dask workers run the blocks.
    threads : int, optional
        Blocks computed at once in threads of this process (numpy releases
        the GIL in the arithmetic).  Default: the CPUs available to the
        process, at most 8.  Ignored with Dask.
    progress : bool, optional
        Show a tqdm progress bar (True requires ``tqdm``); default: only when
        the screen is large and tqdm is installed.
    client : dask.distributed.Client or True, optional
        Run the blocks on this Dask client (its workers need mirprog
        installed); ``True`` starts an in-process ``LocalCluster`` of 2
        workers for the call.  Results are identical to a local run with the
        same ``block_size``.  One client can serve many cohorts (e.g. one
        screen per cancer type): pass it to each call.
    scheduler : str, optional
        Address of a running Dask scheduler (e.g. ``"tcp://10.0.0.5:8786"``);
        a client is opened and closed for the call.
    max_iter : int, default 20
        Newton–Raphson iteration limit (R's ``iter.max``).
    execution : ExecOptions, optional
        How the blocks run: ``threads``, Dask ``client``/``scheduler``,
        ``block_size``, ``progress`` in one object (:class:`~mirprog.ExecOptions`).
        The separate keywords above do the same and keep working.

    Returns
    -------
    ScreenResult
        ``result.table`` has the columns listed in :class:`ScreenResult`.

    Raises
    ------
    CohortError
        A marker column is missing, repeated or not numeric; no markers; a
        ``strata``/``adjust`` column is missing, is a marker, or is both; a
        stratum has no events; the covariates are collinear.
    MirprogError
        An unknown option, ``progress=True`` without tqdm, or Dask options
        without ``dask.distributed``.

    Notes
    -----
    Each marker's numbers equal :func:`mirprog.logrank` and :func:`mirprog.cox`
    on that marker (R ``survdiff``; ``coxph`` with its Newton–Raphson rules),
    to about 1e-12; for markers noted as monotone the coefficient is only
    defined by where iteration stops and agrees to about 1e-7.  Markers
    without a usable split or model get NaN and a ``note`` instead of an
    error: all values missing, constant, no event among the non-missing
    rows, a median split leaving a group empty, values <= 0 on the log2
    scale, or an information matrix that is zero up to rounding (1e-10 of
    its scale; :func:`mirprog.cox` raises there); with ``adjust``, an
    adjustment term constant among the marker's rows (a level of a
    categorical covariate absent: :func:`mirprog.cox` would drop the level,
    the screen keeps one model for all markers and reports none).  Wald CI exp(b +/- z se);
    ``lr_chi2`` = 2 (loglik - loglik at 0, or of the covariates-only model on
    the marker's rows).  No warnings are emitted per marker: monotone and
    non-converged fits are named in ``note``.

    Rows missing a stratum or an ``adjust`` column are excluded once, for the
    whole screen (``result.excluded``); then each marker uses the remaining
    rows where it is present (its median is taken on those).  With
    ``adjust`` the numbers equal :func:`mirprog.cox` on ``[marker, *adjust]``
    with the same ``strata`` (R ``coxph``) to about 1e-10: the covariates are
    centred on the screen's rows instead of each marker's, which only moves
    where R's bound on the linear predictor (``coxsafe``) would clamp a wild
    Newton step.  ``result.method`` says in words what was stratified and
    adjusted.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.screen(gbsg, ["progrec", "estrec", "age"], continuous="raw")
    >>> res.table[["marker", "n_high", "logrank_p", "hr", "q"]].round(4)
        marker  n_high  logrank_p      hr       q
    0  progrec     343     0.0000  0.4658  0.0000
    1   estrec     342     0.0049  0.7222  0.0077
    2      age     323     0.3900  1.1046  0.3903

    Stratified by hormone therapy and adjusted for tumour grade (categorical,
    reference I) and the number of positive nodes:

    >>> adj = mp.screen(gbsg, ["progrec", "estrec", "age"], continuous="raw",
    ...                 strata="horTh", adjust=["tgrade", "pnodes"])
    >>> adj.adjust_terms
    ('tgrade[II]', 'tgrade[III]', 'pnodes')
    >>> adj.table[["marker", "logrank_p", "hr", "p", "score_p"]].round(4)
        marker  logrank_p      hr       p  score_p
    0  progrec     0.0000  0.5162  0.0000   0.0000
    1   estrec     0.0122  0.8411  0.1491   0.1486
    2      age     0.1101  1.2015  0.1233   0.1228
    >>> print(adj.method)
    Cox models adjusted for tgrade, pnodes (terms tgrade[II], tgrade[III], pnodes) and
    stratified by horTh (ties=breslow): hr, p, lr_chi2, score_p are the marker's term given
    the covariates. logrank_p: median-split log-rank test stratified by horTh, not adjusted
    (a log-rank test takes no covariates; score_p is the split's adjusted test).
    """
    ex = execution_options(execution, threads=threads, progress=progress, client=client,
                           scheduler=scheduler, block_size=block_size)
    check_options(rule, ties, continuous, fdr, conf_level, max_iter)
    cohort.require_one_row_per_patient("The screen (a median split of patients)")
    names = resolve_markers(cohort, markers, leave_out=model_columns(strata, adjust))
    model = screen_model(cohort, names, strata, adjust, categorical, reference)
    n = len(model.time)
    grouped, blocks = screen_blocks(cohort, names, n, ex.block_size)
    n_threads = check_threads(ex.threads)
    s = sample(model.time, model.event, model.strata_codes)
    opts = BlockOptions(ties, continuous, max_iter, _sorted_covariates(model, s),
                        _categorical_groups(model))
    bar = progress_bar(ex.progress, len(names), unit="marker", desc="screen",
                       work=n * len(names))
    order = s.order if model.rows is None else model.rows[s.order]
    # local blocks run one after another on each thread: their value arrays are reused
    # (Dask's are prepared ahead, while others are in flight)
    local = ex.client is None and ex.scheduler is None
    try:
        parts = run_tasks(screen_block, blocks, shared=(s, opts),
                          prepare=MarkerValues(cohort, order, reuse=local).block,
                          threads=n_threads,
                          client=ex.client, scheduler=ex.scheduler,
                          done=None if bar is None else lambda block: bar.update(len(block)))
    finally:
        if bar is not None:
            bar.close()
    table = screen_table(grouped, parts, conf_level, fdr)
    if grouped is not names:                  # back in the order asked for
        pos = {name: i for i, name in enumerate(grouped)}
        table = table.iloc[[pos[name] for name in names]].reset_index(drop=True)
    return ScreenResult(table=table, ties=ties, continuous=continuous, fdr=fdr,
                        conf_level=conf_level, n=n, events=len(s.ev), strata=model.strata,
                        adjust=model.adjust, adjust_terms=model.terms, excluded=model.excluded)


def _categorical_groups(model: ScreenModel) -> tuple[tuple[int, ...], ...]:
    """The design columns of each categorical main effect (its non-reference levels)."""
    d = model.design
    if d is None:
        return ()
    return tuple(tuple(i for i, f in enumerate(d.term_factor) if f == cov)
                 for cov in d.covariates if cov in d.levels)


def _sorted_covariates(model: ScreenModel, s: Sample) -> np.ndarray | None:
    """The covariates in the sample's row order, centred as ``fit_cox`` centres them."""
    if model.z is None:
        return None
    z = model.z[s.order]
    return np.asarray(z - centring(z))


def check_options(rule: str, ties: str, continuous: str, fdr: str, conf_level: float,
                   max_iter: int) -> None:
    choices = {"rule": (rule, ("median",)), "ties": (ties, ("breslow", "efron")),
               "continuous": (continuous, ("log2", "raw")),
               "fdr": (fdr, ("bh", "holm", "bonferroni", "none"))}
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise MirprogError(f"{name} must be one of {', '.join(map(repr, allowed))}; "
                               f"got {value!r}.")
    if not 0 < conf_level < 1:
        raise MirprogError(f"conf_level must be between 0 and 1, got {conf_level!r}.")
    if not (isinstance(max_iter, int) and max_iter > 0):
        raise MirprogError(f"max_iter must be a positive integer, got {max_iter!r}.")


def _refuse_text_in_numbers(cohort: Cohort, markers: Sequence[str] | None) -> None:
    """A marker column of numbers with a stray text cell is refused, never silently skipped."""
    roles = {cohort.time_col, cohort.event_col, cohort.id_col}
    columns = cohort.columns                  # (a new list per call: once, not per marker)
    names = columns if markers is None else (
        [markers] if isinstance(markers, str) else list(markers))
    # only text columns can hold a stray text cell: dtypes are read once, not per marker
    text = {dt: is_text_dtype(dt) for dt in set(cohort.dtypes)}
    suspects = {c for c, dt in zip(columns, cohort.dtypes, strict=True) if text[dt]}
    for name in names:
        if name in roles or name not in suspects:
            continue
        parsed = looks_numeric(cohort.column(name))
        if parsed is not None and parsed.bad.any():
            raise bad_numbers_error(cohort.column(name), name, parsed.bad, cohort.ids,
                                    what="Marker")


def resolve_markers(cohort: Cohort, markers: Sequence[str] | None,
                    leave_out: Sequence[str] = ()) -> list[str]:
    """The marker columns, checked; by default the numeric columns but roles and ``leave_out``."""
    _refuse_text_in_numbers(cohort, markers)
    roles = {cohort.time_col, cohort.event_col, cohort.id_col}
    dtypes: dict[str, Any] = dict(zip(cohort.columns, cohort.dtypes, strict=True))
    numeric = {dt: _is_numeric(dt) for dt in set(dtypes.values())}
    if markers is None:
        skip = roles | set(leave_out)
        names = [c for c, dt in dtypes.items() if c not in skip and numeric[dt]]
        if not names:
            raise CohortError("No numeric marker columns besides time/event/id; pass "
                              "markers=[...] naming the marker columns.")
        return names
    names = [markers] if isinstance(markers, str) else list(markers)
    if not names:
        raise CohortError("markers is empty: name at least one marker column.")
    dup = [name for name, count in Counter(names).items() if count > 1]
    if dup:
        raise CohortError(f"Markers are repeated: {dup[:5]}. Name each marker once.",
                          column=dup[0])
    cohort.require(*(name for name in names if name not in dtypes), role="marker")
    for m in names:
        if m in roles:
            raise CohortError(f"{m!r} is the cohort's time/event/id column, not a marker.",
                              column=m)
        dtype = dtypes[m]
        if not numeric[dtype]:
            raise CohortError(f"Marker {m!r} is not numeric (dtype {dtype}); convert it to "
                              "numbers (NaN where not measured) or leave it out.", column=m)
    return names


def _is_numeric(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _medians(vt: np.ndarray, n: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """Per row of ``vt``, ``np.quantile`` of its non-missing values at 0.5 (NaN if none), exactly.

    ``n`` counts the non-missing values per row (np.partition puts NaN last).
    ``overwrite``: ``vt`` is a C-order array that may be partitioned in place.
    """
    out = np.full(vt.shape[0], np.nan)
    for c in np.unique(n[n > 0]):
        cols = np.flatnonzero(n == c)
        hi = int(c) // 2
        # a C-order copy partitioned in place: numpy's SIMD selection takes one kth
        # (two kths fall back to a loop 3x slower), along contiguous rows
        if len(cols) == vt.shape[0]:
            part = vt if overwrite and vt.flags.c_contiguous else np.array(vt, order="C")
        else:
            part = np.take(vt, cols, axis=0)
        part.partition(hi, axis=1)
        b = part[:, hi]
        if c % 2:
            out[cols] = b
        else:                                # numpy's linear interpolation at 1/2
            a = part[:, :hi].max(axis=1)
            out[cols] = b - (b - a) * 0.5
    return out


def screen_block(values: np.ndarray | BlockValues, s: Sample,
                 opts: BlockOptions) -> dict[str, np.ndarray]:
    """All numbers of a block of markers: ``values`` (n, M), rows in ``s``'s order.

    ``values`` is overwritten (by the continuous model's scale, then centred):
    callers pass a fresh array, and a (rows, markers) copy would cost a page
    fault per 4 kB on first touch.  A :class:`BlockValues` also brings the
    values marker by marker, which the medians partition in place.

    The markers without missing values are computed apart from the others
    when they are at least a quarter of the block (and ``MIN_BLOCK``): their
    risk sets, event weights and tie counts are one column shared by all of
    them (products with one vector instead of per-marker weights, no zeroed
    rows), which makes them about 20% cheaper.
    """
    if isinstance(values, BlockValues):
        block = values
        by_marker, values = block.by_marker, block.values
        block.by_marker = None                         # freed with the local below
        if by_marker is None:
            raise ValueError("screen_block: this block's values were used already.")
    else:
        values = np.ascontiguousarray(values)        # the engine's layout
        by_marker = np.array(values.T, order="C")
    m = values.shape[1]
    missing = np.isnan(by_marker)
    n = by_marker.shape[1] - missing.sum(axis=1)
    complete = n == values.shape[0]
    del missing
    medians = _medians(by_marker, n, overwrite=True)
    del by_marker
    n_complete = int(complete.sum())
    if n_complete == m or n_complete < max(MIN_BLOCK, m // 4):
        return _screen_block(values, s, opts, medians)
    full, rest = np.flatnonzero(complete), np.flatnonzero(~complete)
    rest_values = np.take(values, rest, axis=1)      # (the smaller part) before compacting
    parts = [(full, _screen_block(_compact_columns(values, full), s, opts, medians[full])),
             (rest, _screen_block(rest_values, s, opts, medians[rest]))]
    out = {}
    for key, first in parts[0][1].items():
        out[key] = np.empty(m, dtype=np.result_type(first, parts[1][1][key]))
        for cols, part in parts:
            out[key][cols] = part[key]
    return out


def _compact_columns(a: np.ndarray, cols: np.ndarray, rows: int = 64) -> np.ndarray:
    """The columns ``cols`` (increasing) of ``a`` (C order), as a C-order array in ``a``'s memory.

    Row i of the result ends at or before row i of ``a`` starts, so taking
    blocks of rows in order never overwrites a row still to be read (a
    fresh array would cost a page fault per 4 kB).
    """
    n = a.shape[0]
    out = a.reshape(-1)[:n * len(cols)].reshape(n, len(cols))
    for r0 in range(0, n, rows):
        out[r0:r0 + rows] = np.take(a[r0:r0 + rows], cols, axis=1)
    return out


def _screen_block(values: np.ndarray, s: Sample, opts: BlockOptions,
                  medians: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`screen_block` on ``values`` (C order) as one block, given the markers' medians."""
    m = values.shape[1]
    w = ~np.isnan(values)
    n = w.sum(axis=0)
    events = w[s.ev].sum(axis=0)
    vmin, vmax = np.fmin.reduce(values, axis=0), np.fmax.reduce(values, axis=0)
    flags = np.where(n == 0, 1, 0)
    flags |= np.where((n > 0) & (vmin == vmax), 2, 0)
    flags |= np.where((n > 0) & (events == 0), 4, 0)
    high = values > medians
    n_high = high.sum(axis=0)
    flags |= np.where((flags == 0) & ((n_high == 0) | (n_high == n)), 8, 0)
    out = {"n": n, "events": events, "n_high": n_high}
    for key in ("lr_chi2", "lr_df", *(k + suffix for suffix in ("", "_cont") for k in _FIT_KEYS)):
        out[key] = np.full(m, np.nan)
    ok = np.flatnonzero(flags == 0)
    x = values
    if opts.continuous == "log2":
        flags |= np.where(((flags & 7) == 0) & (vmin <= 0), 16, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.log2(values, out=values)
    if opts.z is not None:
        flags |= np.where(((flags & 7) == 0) & _degenerate_terms(opts.z, opts.z_groups, w),
                          32768, 0)
    ok_cont = np.flatnonzero((flags & 23) == 0)
    fit = _fits if opts.z is None else _adjusted_fits
    lr, fits = fit(s, _cols(high, ok), _cols(w, ok), _cols(x, ok_cont), _cols(w, ok_cont), opts)
    if lr is not None:
        out["lr_chi2"][ok], out["lr_df"][ok] = lr.chi2, lr.df
        _store(out, "", fits[0], ok)
        flags[ok] |= _cox_flags(fits[0], 128, 8192)
        flags[ok] |= np.where(lr.df == 0, 64, 0)
        flags[ok] |= np.where((lr.df > 0) & ~(lr.variance > 0), 32, 0)
    if ok_cont.size:
        _store(out, "_cont", fits[1], ok_cont)
        flags[ok_cont] |= _cox_flags(fits[1], 1024, 16384)
    out["flags"] = _no_model_where_degenerate(out, flags)
    # the chi-square tails here, in parallel: ~0.7 us a value, serial in screen_table
    undefined = (out["flags"] & 32) > 0
    out["lr_chi2"] = np.where(undefined, np.nan, out["lr_chi2"])
    with np.errstate(invalid="ignore"):
        out["logrank_p"] = np.where(out["lr_df"] > 0, chi2_sf_array(out["lr_chi2"], 1), np.nan)
    out["score_p"] = chi2_sf_array(out["score_chi2"], 1)
    return out


_COX_BITS = 128 | 256 | 512 | 1024 | 2048 | 4096 | 8192 | 16384


def _no_model_where_degenerate(out: dict[str, np.ndarray], flags: np.ndarray) -> np.ndarray:
    """No Cox numbers (whatever rounding left of a singular fit) where a term is degenerate."""
    bad = (flags & 32768) > 0
    if not bad.any():
        return flags
    for key in (k + suffix for suffix in ("", "_cont") for k in _FIT_KEYS):
        out[key][bad] = np.nan
    return np.where(bad, flags & ~_COX_BITS, flags)


def _degenerate_terms(z: np.ndarray, groups: tuple[tuple[int, ...], ...],
                      w: np.ndarray) -> np.ndarray:
    """Markers among whose rows ``w`` a term of ``z`` is constant or a level is absent."""
    wf = w.astype(float)
    n = wf.sum(axis=0)
    out = np.zeros(w.shape[1], dtype=bool)
    grouped = {i for g in groups for i in g}
    for a in range(z.shape[1]):
        if a not in grouped:
            col = z[:, a, None]
            out |= np.where(w, col, np.inf).min(axis=0) == np.where(w, col, -np.inf).max(axis=0)
    for g in groups:                                   # indicators: count each level
        counts = z[:, list(g)].T @ wf
        out |= (counts == 0).any(axis=0) | (n - counts.sum(axis=0) == 0)
    return out


_FIT_KEYS = ("coef", "se", "loglik", "loglik_null", "score_chi2")


def _fits(s: Sample, high: np.ndarray, w: np.ndarray, x: np.ndarray, w_cont: np.ndarray,
          opts: BlockOptions) -> tuple[TwoGroupLogRank | None, list[BatchCox]]:
    """Log-rank tests and one-covariate Cox fits: binary on ``high``, continuous on ``x``.

    ``x`` is centred in place.
    """
    ev = complete_events(s, w, opts.ties) if w.shape[1] else None
    work = Work()                              # scratch shared by the two models
    binary = binary_model(s, high, w, opts.ties, ev, work) if w.shape[1] else None
    if not _same(w, w_cont):                   # (usually the same markers)
        ev = complete_events(s, w_cont, opts.ties) if w_cont.shape[1] else None
    cont = (continuous_model(s, x, w_cont, opts.ties, ev, overwrite=True, work=work)
            if w_cont.shape[1] else None)
    # one Newton loop for both models: its bookkeeping dominates on small blocks
    fits = fit_models([(binary, w.shape[1]), (cont, w_cont.shape[1])], max_iter=opts.max_iter)
    return (None if binary is None else logrank_block(binary)), fits


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (a.shape == b.shape and np.array_equal(a, b))


def _adjusted_fits(s: Sample, high: np.ndarray, w: np.ndarray, x: np.ndarray,
                   w_cont: np.ndarray, opts: BlockOptions
                   ) -> tuple[TwoGroupLogRank | None, list[BatchCox]]:
    """Log-rank tests (not adjusted) and Cox fits of the markers with the covariates ``opts.z``."""
    ev = complete_events(s, w, opts.ties) if w.shape[1] else None
    lr = logrank_block(binary_model(s, high, w, opts.ties, ev)) if w.shape[1] else None
    ev_cont = ev if _same(w, w_cont) else None
    models = [(high.astype(float), w, ev) if w.shape[1] else None,
              (centre(x, w_cont, overwrite=True), w_cont, ev_cont) if w_cont.shape[1] else None]
    return lr, fit_adjusted(s, np.asarray(opts.z), models, opts.ties, max_iter=opts.max_iter)


def _cols(a: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Columns of a block, in C order (fancy indexing would give Fortran order)."""
    return a if len(cols) == a.shape[1] else np.take(a, cols, axis=1)


def _store(out: dict[str, np.ndarray], suffix: str, cox: BatchCox, cols: np.ndarray) -> None:
    for key in _FIT_KEYS:
        out[key + suffix][cols] = getattr(cox, key)


def _cox_flags(cox: BatchCox, base: int, covariate: int) -> np.ndarray:
    quiet_failure = ~cox.converged & ~cox.singular & ~cox.monotone
    return (np.where(cox.monotone, base, 0) | np.where(quiet_failure, 2 * base, 0)
            | np.where(cox.singular, 4 * base, 0)
            | np.where(cox.covariate_monotone, covariate, 0))


def screen_table(names: list[str], parts: list[dict[str, np.ndarray]], conf_level: float,
           fdr: Adjust) -> pd.DataFrame:
    """The per-marker table from the :func:`screen_block` results of consecutive blocks."""
    r = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    zc = zcrit(conf_level)
    cols: dict[str, Any] = {"marker": np.array(names, dtype=object),
                            "n": r["n"].astype(np.int64),
                            "events": r["events"].astype(np.int64),
                            "n_high": r["n_high"].astype(np.int64)}
    cols["logrank_chi2"] = r["lr_chi2"]         # (NaN where undefined: screen_block)
    cols["logrank_p"] = r["logrank_p"]
    with np.errstate(over="ignore", invalid="ignore"):   # a monotone fit's upper limit is inf
        for suffix in ("", "_cont"):
            b, se = r["coef" + suffix], r["se" + suffix]
            cols["hr" + suffix] = np.exp(b)
            cols["ci_lower" + suffix] = np.exp(b - zc * se)
            cols["ci_upper" + suffix] = np.exp(b + zc * se)
            cols["p" + suffix] = normal_p(b / se)
            cols["lr_chi2" + suffix] = 2 * (r["loglik" + suffix] - r["loglik_null" + suffix])
            if not suffix:               # the split's score test (given any covariates)
                cols["score_chi2"] = r["score_chi2"]
                cols["score_p"] = r["score_p"]
    for q, p in (("q_logrank", "logrank_p"), ("q", "p"), ("q_cont", "p_cont")):
        cols[q] = _adjust(cols[p], fdr)
    cols["note"] = np.array([_note(int(f)) for f in r["flags"]], dtype=object)
    return pd.DataFrame(cols, copy=False)            # insertion order is COLUMNS


def _adjust(p: np.ndarray, method: Adjust) -> np.ndarray:
    out = np.full(len(p), np.nan)
    finite = np.isfinite(p)
    out[finite] = p_adjust(p[finite], method)
    return out


def _note(flags: int) -> str:
    return "; ".join(text for bit, text in _NOTES.items() if flags & bit) if flags else ""
