"""Data-driven ("optimal") cutpoints: maximally selected log-rank statistics, as R ``maxstat``.

:func:`optimal_cutpoint` scans every split of a continuous marker between its
``minprop`` and ``maxprop`` quantiles, takes the split with the largest
standardised log-rank statistic and corrects its p-value for the search
(Lausen & Schumacher 1992, or permutation).  :func:`cv_optimal_cutpoint` shows
the optimism of such a cutpoint: each patient's group comes from a cutpoint
learnt without them, and the hazard ratio of those out-of-fold groups is set
beside the apparent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._parallel import check_threads, fresh_seed, run_tasks
from mirprog.cohort import Cohort, Exclusions
from mirprog.cutpoints import Cutpoint, Cutpoints, High
from mirprog.errors import CohortError
from mirprog.survival._common import FrameReprMixin
from mirprog.survival._coxengine import Ties
from mirprog.survival.cox import CoxResult, cox
from mirprog.survival.timefix import timefixed

__all__ = ["CVCutpointResult", "OptimalCutpointResult", "cv_optimal_cutpoint",
           "optimal_cutpoint", "p_lausen92"]

PMethod = Literal["Lau92", "perm"]


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank scores ``event - H(t)`` as ``exactRankTests::cscores.Surv`` (maxstat's).

    ``H`` adds ``1 / (N - r + 1)`` per event, where ``r`` counts the times
    ``<= t``: with tied times every tied event uses the largest rank of the tie.
    """
    order = np.argsort(time, kind="stable")
    ts = time[order]
    rank = np.searchsorted(ts, time, side="right")        # number of times <= t
    fact = event / (len(time) - rank + 1.0)
    return np.asarray(event - np.cumsum(fact[order])[rank - 1], dtype=float)


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
    db = float(np.exp(-b * b / 2.0) / np.sqrt(2 * np.pi))   # scipy.stats.norm.pdf
    p = 4 * db / b + db * (b - 1 / b) * np.log(maxprop * (1 - minprop)
                                                / ((1 - maxprop) * minprop))
    return float(min(max(p, 0.0), 1.0))


@dataclass(frozen=True)
class _Scan:
    x: np.ndarray        # sorted marker
    y: np.ndarray        # log-rank scores in marker order
    m: np.ndarray        # candidate lower-group sizes
    expect: np.ndarray
    var: np.ndarray
    z: np.ndarray        # signed standardised statistic per candidate


def _scan(time: np.ndarray, event: np.ndarray, x: np.ndarray, minprop: float,
          maxprop: float, marker: str) -> _Scan:
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
    return _Scan(xs, y, m, expect, var, z)


_PERM_CHUNK = 200   # permutations per task; chunk c draws from default_rng([seed, c])


def _perm_p(scan: _Scan, statistic: float, n_perm: int, seed: int, threads: int,
            client: Any, scheduler: str | None) -> float:
    """(1 + #{max |Z| of permuted scores >= observed}) / (1 + n_perm).

    The permutations come in chunks of 200, chunk ``c`` from
    ``default_rng([seed, c])``: the same p on any number of threads or Dask
    workers.
    """
    chunks = [(c, min(_PERM_CHUNK, n_perm - c * _PERM_CHUNK))
              for c in range(-(-n_perm // _PERM_CHUNK))]
    hits = run_tasks(_perm_hits, chunks, shared=(scan, statistic, seed), threads=threads,
                     client=client, scheduler=scheduler)
    return (1 + sum(hits)) / (1 + n_perm)


def _perm_hits(chunk: tuple[int, int], scan: _Scan, statistic: float, seed: int) -> int:
    """Permutations of chunk ``chunk = (index, size)`` whose max |Z| reaches ``statistic``."""
    index, size = chunk
    perm = np.random.default_rng([seed, index]).permuted(np.tile(scan.y, (size, 1)), axis=1)
    stat = np.abs((np.cumsum(perm, axis=1)[:, scan.m - 1] - scan.expect)
                  / np.sqrt(scan.var)).max(axis=1)
    return int((stat >= statistic * (1 - 1e-12)).sum())


@dataclass(frozen=True)
class OptimalCutpointResult(FrameReprMixin):
    """The maximally selected log-rank cutpoint of one marker.

    Attributes
    ----------
    marker : str
    cutpoint : float
        Largest marker value of the lower group (maxstat's ``estimate``): the
        split is ``low: x <= cutpoint``, ``high: x > cutpoint``.
    upper_min : float
        Smallest marker value of the upper group.
    statistic : float
        Maximum of the standardised log-rank statistic ``|Z|`` (maxstat's ``statistic``).
    p : float
        P-value corrected for the search (``pmethod``).
    pmethod : {"Lau92", "perm"}
    minprop, maxprop : float
        Range of the lower group's share that was searched.
    n_perm : int or None
        Permutations (``pmethod="perm"``).
    seed : int or None
        Seed of the permutations (the one drawn when none was given); None
        for ``pmethod="Lau92"`` unless given.
    table : pandas.DataFrame
        One row per candidate cutpoint (indexed by ``cutpoint``): ``n_low,
        n_high, z, statistic``.  ``z = (O - E)/sd`` of the *lower* group's
        log-rank score sum: positive when low values carry more events.
    n, events : int
    n_low, n_high : int
        Group sizes at the chosen cutpoint.
    excluded : Exclusions
        Rows without a marker value.
    values : numpy.ndarray
        The marker values searched (complete rows, cohort order).
    """

    marker: str
    cutpoint: float
    upper_min: float
    statistic: float
    p: float
    pmethod: str
    minprop: float
    maxprop: float
    n_perm: int | None
    seed: int | None
    table: pd.DataFrame
    n: int
    events: int
    n_low: int
    n_high: int
    excluded: Exclusions
    values: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The statistic at every candidate cutpoint."""
        return self.table

    def to_cutpoint(self, high: High = "above") -> Cutpoint:
        """This split as a frozen :class:`~mirprog.Cutpoint` (``rule="optimal"``).

        With ``high="above"`` the threshold is :attr:`cutpoint`; with
        ``"at_or_above"`` it is :attr:`upper_min`; both give the same groups.
        """
        thr = self.cutpoint if high == "above" else self.upper_min
        return Cutpoint(self.marker, f"{self.marker}_high", "optimal", (float(thr),), high,
                        self.n, int((self.values == thr).sum()), (self.n_low, self.n_high))

    def __repr__(self) -> str:
        return (f"OptimalCutpointResult(marker={self.marker!r}, cutpoint={self.cutpoint:.6g}, "
                f"statistic={self.statistic:.4f}, p={self.p:.4g} ({self.pmethod}), "
                f"n_low={self.n_low}, n_high={self.n_high})")


def optimal_cutpoint(
    cohort: Cohort,
    marker: str,
    *,
    minprop: float = 0.1,
    maxprop: float = 0.9,
    pmethod: PMethod = "Lau92",
    n_perm: int = 1000,
    seed: int | None = None,
    threads: int | None = None,
    client: Any = None,
    scheduler: str | None = None,
) -> OptimalCutpointResult:
    """Cutpoint of ``marker`` maximising the standardised log-rank statistic, with a corrected p.

    Parameters
    ----------
    cohort : Cohort
    marker : str
        Continuous marker; rows where it is missing are excluded and reported.
    minprop, maxprop : float, default 0.1, 0.9
        Only splits whose lower group holds between ``floor(n minprop)`` and
        ``floor(n maxprop)`` patients are searched.
    pmethod : {"Lau92", "perm"}, default "Lau92"
        ``"Lau92"``: the Lausen & Schumacher (1992) approximation (depends on
        the statistic, ``minprop`` and ``maxprop`` only).  ``"perm"``: the
        share of ``n_perm`` permutations of the scores whose maximum statistic
        reaches the observed one, ``(1 + hits) / (1 + n_perm)``.
    n_perm : int, default 1000
    seed : int, optional
        Seed of the permutations (same seed, same p, on any number of
        threads or Dask workers).  Default: a fresh seed, reported in
        ``result.seed``.
    threads : int, optional
        Permutation chunks computed at once (default: the CPUs, at most 8).
    client, scheduler : optional
        Run the permutations on Dask: a ``dask.distributed.Client`` (or True
        for an in-process cluster of 2 workers), or a scheduler address.

    Returns
    -------
    OptimalCutpointResult

    Raises
    ------
    CohortError
        Unknown or non-numeric marker, no events, or no admissible split.

    Notes
    -----
    As R ``maxstat.test(Surv(time, event) ~ marker, smethod = "LogRank")``:
    the log-rank scores ``a_i = d_i - sum_{t_j <= t_i} d_j / (N - r_j + 1)``
    (``exactRankTests::cscores.Surv``) enter a linear rank statistic ``S_m``
    = sum of the scores of the ``m`` lowest marker values, standardised with
    its permutation mean ``m/N sum a`` and variance
    ``m (N - m) / (N^2 (N - 1)) (N sum a^2 - (sum a)^2)``.  This is close to,
    but not the same as, the square root of :func:`mirprog.logrank`'s
    chi-square at that split (which uses the hypergeometric variance).  Ties
    in the statistic go to the lowest cutpoint.  Unlike maxstat, the Lau92 p
    is capped at 1.

    The search makes the best split look better than it is: report the
    corrected p, and :func:`cv_optimal_cutpoint` for an honest hazard ratio.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.optimal_cutpoint(gbsg, "progrec")
    >>> res.cutpoint, round(res.statistic, 4), f"{res.p:.3g}"
    (21.0, 6.7717, '1.31e-09')
    >>> cut = res.to_cutpoint()
    >>> cut.thresholds, cut.group_sizes
    ((21.0,), (281, 405))
    """
    if not 0 <= minprop < maxprop <= 1:
        raise CohortError(f"Need 0 <= minprop < maxprop <= 1, got minprop={minprop}, "
                          f"maxprop={maxprop}.")
    if pmethod not in ("Lau92", "perm"):
        raise CohortError(f"Unknown pmethod {pmethod!r}: use 'Lau92' or 'perm'.")
    if pmethod == "perm" and n_perm < 1:
        raise CohortError(f"n_perm must be a positive number of permutations, got {n_perm}.")
    if pmethod == "perm" and seed is None:
        seed = fresh_seed()
    n_threads = check_threads(threads)
    data = timefixed(cohort.complete_cases([marker]))
    values = pd.to_numeric(data.frame[marker], errors="coerce").to_numpy(dtype=float)
    if data.frame[marker].dtype == bool or np.isnan(values).any():
        raise CohortError(f"Marker {marker!r} must be numeric and continuous to search for a "
                          "cutpoint.", column=marker)
    if data.event.sum() == 0:
        raise CohortError(f"No events among the {len(values)} rows with {marker!r}; a "
                          "log-rank cutpoint needs events.", column=marker)
    scan = _scan(data.time, data.event.astype(float), values, minprop, maxprop, marker)
    stat_all = np.abs(scan.z)
    best = int(np.argmax(stat_all))
    statistic = float(stat_all[best])
    p = (p_lausen92(statistic, minprop, maxprop) if pmethod == "Lau92"
         else _perm_p(scan, statistic, n_perm, int(seed), n_threads,  # type: ignore[arg-type]
                      client, scheduler))
    n = len(values)
    m = scan.m
    table = pd.DataFrame({"n_low": m, "n_high": n - m, "z": scan.z, "statistic": stat_all},
                         index=pd.Index(scan.x[m - 1], name="cutpoint"))
    return OptimalCutpointResult(
        marker=marker, cutpoint=float(scan.x[m[best] - 1]), upper_min=float(scan.x[m[best]]),
        statistic=statistic, p=p, pmethod=pmethod, minprop=minprop, maxprop=maxprop,
        n_perm=n_perm if pmethod == "perm" else None, seed=seed, table=table, n=n,
        events=int(data.event.sum()), n_low=int(m[best]), n_high=int(n - m[best]),
        excluded=data.exclusions, values=values)


@dataclass(frozen=True)
class CVCutpointResult(FrameReprMixin):
    """Apparent versus cross-validated hazard ratio of a data-driven cutpoint.

    Attributes
    ----------
    marker : str
    apparent : OptimalCutpointResult
        The cutpoint searched on the whole cohort.
    apparent_cox : CoxResult
        Cox model of ``<marker>_high`` split at that cutpoint (optimistic).
    cv_cox : CoxResult
        Cox model of ``<marker>_cv_high``, each patient's group set by the
        cutpoint learnt on the other folds (honest).
    folds : pandas.DataFrame
        Per fold: ``n_train, n_test, events_test, cutpoint, statistic``.
    n_folds : int
    seed : int or None
    """

    marker: str
    apparent: OptimalCutpointResult
    apparent_cox: CoxResult
    cv_cox: CoxResult
    folds: pd.DataFrame
    n_folds: int
    seed: int | None

    @property
    def apparent_hr(self) -> float:
        """Hazard ratio high vs low at the whole-cohort cutpoint."""
        return float(self.apparent_cox.summary["hr"].iloc[0])

    @property
    def cv_hr(self) -> float:
        """Hazard ratio high vs low of the out-of-fold groups."""
        return float(self.cv_cox.summary["hr"].iloc[0])

    @property
    def shrinkage(self) -> float:
        """``log(cv_hr) / log(apparent_hr)``: 1 means no optimism, lower means more."""
        return float(np.log(self.cv_hr) / np.log(self.apparent_hr))

    def to_frame(self) -> pd.DataFrame:
        """Rows ``apparent`` and ``cross-validated``: ``hr, ci_lower, ci_upper, p``."""
        rows = {name: fit.summary.iloc[0][["hr", "ci_lower", "ci_upper", "p"]]
                for name, fit in (("apparent", self.apparent_cox),
                                  ("cross-validated", self.cv_cox))}
        return pd.DataFrame(rows).T.rename_axis("estimate")


def _fold_ids(event: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Random fold labels 0..folds-1, stratified by event status."""
    fold = np.empty(len(event), dtype=np.int64)
    for status in (0, 1):
        idx = np.flatnonzero(event == status)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
    return fold


def cv_optimal_cutpoint(
    cohort: Cohort,
    marker: str,
    *,
    folds: int = 5,
    seed: int | None = None,
    minprop: float = 0.1,
    maxprop: float = 0.9,
    ties: Ties = "breslow",
) -> CVCutpointResult:
    """Cross-validated optimal cutpoint: the out-of-fold hazard ratio beside the apparent one.

    Patients are split at random (stratified by event status) into ``folds``
    folds.  For each fold the cutpoint is searched on the other folds (as
    :func:`optimal_cutpoint`) and applied to the fold (high = value above it).
    One Cox model of these out-of-fold groups gives the cross-validated HR.

    Parameters
    ----------
    cohort : Cohort
    marker : str
    folds : int, default 5
    seed : int, optional
        Seed of the fold assignment (same seed, same result).
    minprop, maxprop : float
        As in :func:`optimal_cutpoint`.
    ties : {"breslow", "efron"}, default "breslow"
        For the two Cox models.

    Returns
    -------
    CVCutpointResult

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> cv = mp.cv_optimal_cutpoint(gbsg, "progrec", folds=5, seed=1)
    >>> cv.apparent.cutpoint, round(cv.apparent_hr, 3), round(cv.cv_hr, 3)
    (21.0, 0.448, 0.506)
    >>> cv.folds["cutpoint"].tolist()
    [21.0, 21.0, 32.0, 21.0, 43.0]
    """
    if not isinstance(folds, int | np.integer) or folds < 2:
        raise CohortError(f"folds must be an integer >= 2, got {folds!r}.")
    apparent = optimal_cutpoint(cohort, marker, minprop=minprop, maxprop=maxprop)
    data = timefixed(cohort.complete_cases([marker]))
    if len(data.time) < folds:
        raise CohortError(f"{folds} folds need at least {folds} patients with {marker!r}; "
                          f"there are {len(data.time)}.", column=marker)
    values = data.frame[marker].to_numpy(dtype=float)
    fold = _fold_ids(data.event, folds, np.random.default_rng(seed))
    group = np.empty(len(values))
    rows = []
    for k in range(folds):
        train, test = fold != k, fold == k
        scan = _scan(data.time[train], data.event[train].astype(float), values[train],
                     minprop, maxprop, marker)
        best = int(np.argmax(np.abs(scan.z)))
        cut = float(scan.x[scan.m[best] - 1])
        group[test] = (values[test] > cut).astype(float)
        rows.append({"fold": k, "n_train": int(train.sum()), "n_test": int(test.sum()),
                     "events_test": int(data.event[test].sum()), "cutpoint": cut,
                     "statistic": float(np.abs(scan.z[best]))})
    cv_col = f"{marker}_cv_high"
    column = pd.Series(np.nan, index=cohort.ids)
    column.loc[data.frame.index] = group
    cuts = Cutpoints((apparent.to_cutpoint(),))
    apparent_cox = cox(cuts.apply(cohort), cuts.cutpoints[0].column, ties=ties)
    cv_cox = cox(cohort.assign(**{cv_col: column.to_numpy()}), cv_col, ties=ties)
    return CVCutpointResult(marker=marker, apparent=apparent, apparent_cox=apparent_cox,
                            cv_cox=cv_cox, folds=pd.DataFrame(rows).set_index("fold"),
                            n_folds=folds, seed=seed)
