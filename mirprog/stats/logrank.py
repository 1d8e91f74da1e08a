"""Log-rank tests: k groups, trend over ordered groups, and pairwise comparisons."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._engine.dist import chi2_sf
from mirprog._engine.logrank import WEIGHTINGS, logrank_arrays, quadratic_chi2
from mirprog._engine.timefix import aeq_times
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import ArgumentError, CohortError, format_ids
from mirprog.stats._common import (
    MAX_GROUPS,
    as_columns,
    grouped,
    require_groups,
    strata_codes,
)

__all__ = ["LogRankResult", "PairwiseLogRankResult", "logrank", "logrank_arrays",
           "p_adjust", "pairwise_logrank"]

Adjust = Literal["holm", "bh", "bonferroni", "none"]


@dataclass(frozen=True)
class LogRankResult(Result):
    """A log-rank (or trend) test across groups.

    Attributes
    ----------
    chi2, df, p : float, int, float
        The test statistic, its degrees of freedom (k - 1, or 1 for trend) and p-value.
    table : pandas.DataFrame
        Indexed by group: ``n, observed, expected`` and, for a trend test, ``score``.
    variance : numpy.ndarray
        The k x k covariance matrix of observed minus expected (R ``survdiff$var``).
    by : str
        Grouping column.
    groups : tuple
        Group labels, in the order of ``table`` and ``variance``.
    trend : bool
        Whether this is the one-degree-of-freedom test for trend.
    n, events : int
        Rows used and events among them.
    excluded : Exclusions
        Rows left out and why.
    strata : tuple of str
        Stratification columns (empty when unstratified).
    weighting, rho, fh_p, fh_q :
        The weights of the event times: ``"logrank"`` with ``rho`` (R's G-rho
        family; rho = 0 is the log-rank test), or one of ``"gehan"``,
        ``"tarone-ware"``, ``"peto-peto"``, ``"modified-peto-peto"``,
        ``"fleming-harrington"`` (with ``fh_p``, ``fh_q``).
    """

    chi2: float
    df: int
    p: float
    table: pd.DataFrame
    variance: np.ndarray
    by: str
    groups: tuple[Any, ...]
    trend: bool
    n: int
    events: int
    excluded: Exclusions
    strata: tuple[str, ...] = ()
    weighting: str = "logrank"
    rho: float = 0.0
    fh_p: float = 0.0
    fh_q: float = 0.0

    @property
    def method(self) -> str:
        """The test in words, e.g. ``"log-rank, stratified by celltype"`` or ``"G-rho (rho=1)"``."""
        names = {"logrank": "log-rank", "gehan": "Gehan-Breslow (weights n)",
                 "tarone-ware": "Tarone-Ware (weights sqrt n)", "peto-peto": "Peto-Peto",
                 "modified-peto-peto": "modified Peto-Peto"}
        if self.weighting == "fleming-harrington":
            text = f"Fleming-Harrington (p={self.fh_p:g}, q={self.fh_q:g})"
        elif self.weighting == "logrank" and self.rho != 0:
            text = f"G-rho (rho={self.rho:g})"
        else:
            text = names[self.weighting]
        if self.trend:
            text += ", trend"
        if self.strata:
            text += f", stratified by {', '.join(self.strata)}"
        return text


def _check_weighting(weighting: str, rho: float, p: float, q: float) -> None:
    """The weighting options are consistent (typed errors naming the argument)."""
    if weighting not in WEIGHTINGS:
        raise ArgumentError(f"weighting must be one of {list(WEIGHTINGS)}, got {weighting!r}.",
                            argument="weighting")
    if rho != 0 and weighting != "logrank":
        raise ArgumentError("Give rho= or weighting=, not both.", argument="rho")
    if (p or q) and weighting != "fleming-harrington":
        raise ArgumentError("p= and q= are the Fleming-Harrington exponents: use them with "
                            "weighting='fleming-harrington'.", argument="p")


def logrank(
    cohort: Cohort,
    by: str,
    *,
    trend: bool = False,
    scores: Sequence[float] | None = None,
    max_groups: int = MAX_GROUPS,
    strata: str | Sequence[str] | None = None,
    rho: float = 0.0,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    cause: Hashable | None = None,
) -> LogRankResult:
    """Log-rank test of equal survival across the groups of ``by``.

    Parameters
    ----------
    cohort : Cohort
    by : str
        Grouping column (binary marker, risk group, grade...). Rows where it is
        missing are excluded and reported.
    trend : bool, default False
        Test for a trend over ordered groups (1 df) instead of any difference
        (k - 1 df).  Groups are ordered as in ``result.groups`` (category order
        for ordered categoricals, otherwise sorted).
    scores : sequence of float, optional
        Scores of the ordered groups for the trend test; default 1, 2, ..., k.
    max_groups : int, default 20
        A ``by`` column with more distinct values is refused (it is probably a
        continuous marker: cut it first with :class:`~mirprog.Cutpoints`).
    strata : str or sequence of str, optional
        Compare the groups within each stratum (combination of these columns)
        and add up, as R ``survdiff(Surv(t, e) ~ by + strata(z))``.  Rows
        missing a stratum are excluded and reported.
    rho : float, default 0
        R ``survdiff``'s G-rho weights S(t-)^rho (S the pooled Kaplan–Meier,
        within strata): 0 is the log-rank test, 1 the Peto–Peto/Prentice
        modification of Gehan's test that weights early differences.
    weighting : str, default "logrank"
        Or a named weight family as R ``survMisc::comp``: ``"gehan"`` (n at
        risk), ``"tarone-ware"`` (sqrt n), ``"peto-peto"``,
        ``"modified-peto-peto"``, ``"fleming-harrington"`` (S(t-)^p (1 - S(t-))^q).
        Not together with ``rho``.
    p, q : float, default 0
        Fleming–Harrington exponents (``weighting="fleming-harrington"`` only).
    cause : str or int, optional
        On a cohort with competing causes: the cause-specific analysis of this cause
        (name or code; the other causes censored at their time), or ``"any"`` for the
        composite event (:meth:`Cohort.for_cause`).  Required there; for the
        probability of an event in the presence of competing causes use
        :func:`mirprog.cif`, not 1 - KM.

    Returns
    -------
    LogRankResult

    Notes
    -----
    Equals R ``survdiff(Surv(time, event) ~ by)`` (rho = 0).  With weights
    the table's observed and expected are the weighted sums, as survdiff
    prints them; the covariance is the hypergeometric one with squared
    weights.  For two groups R ``survMisc::comp`` (0.5-6) puts each group's own
    event count in the tie factor, so its two-group statistics differ from
    survdiff's (and ours) by up to ~0.1% where events tie; for three or more
    groups they agree.  The trend
    statistic is (w'(O - E))^2 / (w' V w) with V the survdiff covariance (as
    Stata's ``sts test, trend``).  Near-tied times are merged first, as by
    ``survdiff``'s ``timefix`` (:func:`~mirprog._engine.timefix.aeq_times`).

    On a cohort of (start, stop] intervals (``entry``) a row is at risk at t
    when start < t <= stop, so delayed entry and a group that changes within a
    patient are honoured; ``survdiff`` refuses such data, and the test is then
    the score test of the exact-likelihood Cox model, R ``coxph(Surv(start,
    stop, event) ~ by, ties="exact")$score`` (its ``n`` counts rows).

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.logrank(gbsg, by="horTh")
    >>> round(res.chi2, 3), res.df, round(res.p, 4)
    (8.565, 1, 0.0034)
    >>> mp.logrank(gbsg, by="tgrade", trend=True).df
    1
    """
    if cause is not None:
        cohort = cohort.for_cause(cause)
    strata_cols = as_columns(strata, "strata")
    if by in strata_cols:
        raise CohortError(f"Column {by!r} is both the grouping column and a stratum.",
                          column=by)
    _check_weighting(weighting, rho, p, q)
    data, codes, levels = grouped(cohort, by, strata_cols, max_groups=max_groups, intervals=True)
    require_groups(levels, by, data)
    k = len(levels)
    st = strata_codes(data, strata_cols)[0] if strata_cols else None
    observed, expected, variance = logrank_arrays(data.time, data.event, codes, k, strata=st,
                                                  weighting=weighting, rho=float(rho),
                                                  p=float(p), q=float(q), entry=data.entry)
    o_minus_e = observed - expected
    table = pd.DataFrame(
        {"n": np.bincount(codes, minlength=k), "observed": observed, "expected": expected},
        index=pd.Index(levels, name="group"),
    )
    if trend:
        w = np.arange(1.0, k + 1) if scores is None else np.asarray(scores, dtype=float)
        if w.shape != (k,):
            raise CohortError(f"scores must give one number per group of {by!r} ({k}: "
                              f"{list(levels)}), got {len(w)}.", column=by)
        table["score"] = w
        with np.errstate(divide="ignore", invalid="ignore"):
            chi2 = float((w @ o_minus_e) ** 2 / (w @ variance @ w))
        df = 1
    else:
        chi2, df = quadratic_chi2(o_minus_e, variance, expected)
    if not np.isfinite(chi2) or (df > 0 and np.allclose(variance, 0.0)):
        raise CohortError(
            f"The log-rank test by {by!r} is undefined: its variance is zero, because nobody "
            "outlives the event times (e.g. every patient has the event at the same time). "
            "Check the time column.", column=by)
    return LogRankResult(
        chi2=chi2, df=df, p=chi2_sf(chi2, df) if df > 0 else float("nan"), table=table,
        variance=variance, by=by, groups=tuple(levels), trend=trend, n=len(data.time),
        events=int(data.event.sum()), excluded=data.exclusions, strata=strata_cols,
        weighting=weighting, rho=float(rho), fh_p=float(p), fh_q=float(q),
    )



def p_adjust(p: Sequence[float] | np.ndarray, method: Adjust = "holm", *,
             n: int | None = None) -> np.ndarray:
    """Adjust p-values for multiple comparisons, exactly as R's ``p.adjust``.

    Parameters
    ----------
    p : sequence of float
        p-values in [0, 1]; NaN marks a missing one (a test that could not be done).
    method : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Holm's step-down, Benjamini-Hochberg's FDR, Bonferroni, or no adjustment.
    n : int, optional
        Number of comparisons; default the number of non-missing p-values (R's
        default).  Must be at least that number.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the order given; missing values stay NaN.

    Raises
    ------
    ArgumentError
        A p-value outside [0, 1] or infinite, an unknown ``method``, or ``n`` smaller
        than the number of non-missing p-values.

    Notes
    -----
    As R, the missing values are set aside: the others are adjusted as a family of
    ``n`` comparisons and the missing ones stay missing, so one test that could not be
    done does not blank the rest.  With ``n <= 1`` nothing changes.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03], "holm").round(3)
    array([0.03, 0.06, 0.06])
    >>> p_adjust([0.01, 0.04, 0.03], "bh").round(3)
    array([0.03, 0.04, 0.04])
    >>> p_adjust([0.01, float("nan"), 0.03], "bonferroni")
    array([0.02,  nan, 0.06])
    """
    arr = np.array(p, dtype=float).reshape(-1)
    if method not in ("holm", "bh", "bonferroni", "none"):
        raise ArgumentError(f"method must be 'holm', 'bh', 'bonferroni' or 'none', got "
                            f"{method!r}.", argument="method")
    present = ~np.isnan(arr)
    bad = present & ~((arr >= 0) & (arr <= 1))
    if bad.any():
        raise ArgumentError(
            f"p-values must lie in [0, 1] (NaN for a missing one); {int(bad.sum())} do not: "
            f"{format_ids(arr[bad].tolist())} at position(s) "
            f"{format_ids(np.flatnonzero(bad).tolist())}. Pass p-values, not statistics or "
            "log p-values.", argument="p")
    vals = arr[present]
    m = len(vals) if n is None else n
    if m < len(vals):
        raise ArgumentError(f"n must be at least the number of non-missing p-values "
                            f"({len(vals)}), got {n}.", argument="n")
    if method == "none" or m <= 1:
        return arr
    arr[present] = _adjusted(vals, method, m)
    return arr


def _adjusted(p: np.ndarray, method: Adjust, n: int) -> np.ndarray:
    """R's ``p.adjust`` arithmetic on complete p-values, family size ``n``."""
    lp = len(p)
    if method == "bonferroni":
        return np.minimum(n * p, 1.0)
    if method == "holm":
        order = np.argsort(p, kind="stable")
        adj = np.maximum.accumulate((n - np.arange(lp)) * p[order])
    else:   # bh
        order = np.argsort(-p, kind="stable")
        adj = np.minimum.accumulate(n / np.arange(lp, 0, -1) * p[order])
    out = np.empty(lp)
    out[order] = np.minimum(adj, 1.0)
    return out


@dataclass(frozen=True)
class PairwiseLogRankResult(Result):
    """Log-rank tests between every pair of groups.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``group1, group2, n, events, chi2, p, p_adj``.
    adjust : str
        The multiplicity adjustment applied to ``p_adj``.
    by : str
    n, events : int
    excluded : Exclusions
    """

    table: pd.DataFrame
    adjust: Adjust
    by: str
    n: int
    events: int
    excluded: Exclusions


def pairwise_logrank(cohort: Cohort, by: str, *, adjust: Adjust = "holm",
                     max_groups: int = MAX_GROUPS) -> PairwiseLogRankResult:
    """Log-rank test for each pair of groups, each on that pair's patients only.

    Parameters
    ----------
    cohort : Cohort
    by : str
        Grouping column with two or more groups.
    adjust : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Multiplicity adjustment across the pairs (R ``p.adjust``).
    max_groups : int, default 20
        A ``by`` column with more distinct values is refused (cut it first).

    Returns
    -------
    PairwiseLogRankResult

    Examples
    --------
    >>> import mirprog as mp
    >>> res = mp.pairwise_logrank(mp.datasets.load_gbsg2(), by="tgrade")
    >>> res.table[["group1", "group2", "n"]]
      group1 group2    n
    0      I     II  525
    1      I    III  242
    2     II    III  605
    """
    data, codes, levels = grouped(cohort, by, timefix=False, max_groups=max_groups)
    require_groups(levels, by, data)
    rows = []
    for a, b in itertools.combinations(range(len(levels)), 2):
        sel = (codes == a) | (codes == b)
        sub_codes = (codes[sel] == b).astype(np.int64)
        # each pair is its own analysis: R survdiff(..., subset = pair) merges its times
        o, e, v = logrank_arrays(aeq_times(data.time[sel]), data.event[sel], sub_codes, 2)
        chi2, df = quadratic_chi2(o - e, v, e)
        rows.append((levels[a], levels[b], int(sel.sum()), int(data.event[sel].sum()), chi2,
                     chi2_sf(chi2, df) if df > 0 else float("nan")))
    table = pd.DataFrame(rows, columns=["group1", "group2", "n", "events", "chi2", "p"])
    table["p_adj"] = p_adjust(table["p"].to_numpy(), adjust)
    return PairwiseLogRankResult(table=table, adjust=adjust, by=by, n=len(data.time),
                                 events=int(data.event.sum()), excluded=data.exclusions)
