"""The optimism of a data-driven cutpoint: cross-validated against apparent hazard ratios.

:func:`~mirprog.optimal_cutpoint` (in :mod:`mirprog.factors.cutpoints`) scans every
split of a continuous marker between its ``minprop`` and ``maxprop`` quantiles, takes the
split with the largest standardised log-rank statistic and corrects its p-value for the
search (Lausen & Schumacher 1992, or permutation).  :func:`cv_optimal_cutpoint` shows the
optimism of such a cutpoint: each patient's group comes from a cutpoint learnt without
them, and the hazard ratio of those out-of-fold groups is set beside the apparent one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog._compute.resample import resolve_seed, stratified_folds
from mirprog._engine.coxph import Ties
from mirprog._engine.maxstat import scan_splits
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.errors import CohortError
from mirprog.factors.cutpoints import Cutpoints, OptimalCutpointResult, optimal_cutpoint
from mirprog.stats.cox.coxph import CoxResult, cox

__all__ = ["CVCutpointResult", "cv_optimal_cutpoint"]


@dataclass(frozen=True)
class CVCutpointResult(Result):
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
    seed : int
        The seed of the fold assignment (given, or drawn fresh).
    """

    marker: str
    apparent: OptimalCutpointResult
    apparent_cox: CoxResult
    cv_cox: CoxResult
    folds: pd.DataFrame
    n_folds: int
    seed: int

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

    @property
    def excluded(self) -> Exclusions:
        """Rows without the marker (left out of the search and of both Cox models)."""
        return self.apparent.excluded

    @property
    def table(self) -> pd.DataFrame:
        """Rows ``apparent`` and ``cross-validated``: ``hr, ci_lower, ci_upper, p``."""
        rows = {name: fit.summary.iloc[0][["hr", "ci_lower", "ci_upper", "p"]]
                for name, fit in (("apparent", self.apparent_cox),
                                  ("cross-validated", self.cv_cox))}
        return pd.DataFrame(rows).T.rename_axis("estimate")


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
        Seed of the fold assignment (draw 0 of ``numpy.random.default_rng([seed, 0])``):
        same seed, same result.  Default: a fresh seed, reported in ``result.seed``.
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
    seed = resolve_seed(seed)
    fold = stratified_folds(data.event, folds, seed)
    group = np.empty(len(values))
    rows = []
    for k in range(folds):
        train, test = fold != k, fold == k
        scan = scan_splits(data.time[train], data.event[train].astype(float), values[train],
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
