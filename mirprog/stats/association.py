"""Association between two categorical columns: Fisher, Freeman-Halton and Pearson tests.

:func:`associate` validates and cross-tabulates two cohort columns (e.g. a marker group against
tumour grade); the pure functions below work on a table of counts and trust their input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import gammaln

from mirprog._engine.dist import chi2_sf
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import CohortError, MirprogError, format_ids
from mirprog.stats._common import sorted_levels

__all__ = ["AssociationResult", "associate", "count_tables", "fisher_2x2", "freeman_halton",
           "pearson_chi2"]

Test = Literal["auto", "fisher", "chi2"]
MAX_LEVELS = 20
REL_ERR = 1e-7        # R fisher.test: tables with prob <= observed * (1 + 1e-7) count as extreme
_CHUNK = 1 << 18      # partial tables expanded at once by the Freeman-Halton enumeration


@dataclass(frozen=True)
class AssociationResult(Result):
    """A test of independence between two categorical columns.

    Attributes
    ----------
    table : pandas.DataFrame
        Counts: rows are the levels of ``a``, columns the levels of ``b``.
    test : {"fisher", "freeman-halton", "chi2"}
        Fisher's exact test (2 x 2), its r x c extension, or Pearson's chi-square.
    statistic, df, p : float, int or None, float
        Chi-square statistic (NaN for the exact tests), its degrees of freedom
        (None for the exact tests) and the two-sided p-value.
    odds_ratio, ci_lower, ci_upper : float
        2 x 2 tables (any test): odds of ``b``'s first level in ``a``'s first level
        over those in ``a``'s second -- the conditional MLE of R ``fisher.test``, near
        the sample ratio t00 t11 / (t01 t10) -- and its exact conditional interval;
        0 or inf when a zero cell puts the table at the edge of its range.  NaN otherwise.
    conf_level : float
        Confidence level of the interval.
    a, b, n : str, str, int
        Row and column variables; rows used.
    excluded : Exclusions
        Rows left out (missing ``a`` or ``b``) and why.
    note : str or None
        For the chi-square test: a caution when expected counts are below 5.
    """

    table: pd.DataFrame
    test: Literal["fisher", "freeman-halton", "chi2"]
    statistic: float
    df: int | None
    p: float
    odds_ratio: float
    ci_lower: float
    ci_upper: float
    conf_level: float
    a: str
    b: str
    n: int
    excluded: Exclusions
    note: str | None = None


# --------------------------------------------------------------------------- 2 x 2


def _lse(d: np.ndarray) -> float:
    """log(sum(exp(d))) without overflow (a light scipy.special.logsumexp)."""
    top = float(d.max())
    return top + math.log(float(np.exp(d - top).sum()))


def _solve_log(g: Callable[[float], float]) -> float:
    """Root in theta = log(psi) of an increasing g, bracketed by doubling; returns psi."""
    lo, hi = -1.0, 1.0
    while g(lo) > 0:
        lo *= 2.0
    while g(hi) < 0:
        hi *= 2.0
    from scipy import optimize  # on use: ~0.2 s to import

    root = optimize.brentq(g, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500)
    return math.exp(root)


def fisher_2x2(table: np.ndarray, conf_level: float = 0.95) -> tuple[float, float, float, float]:
    """Fisher's exact test of a 2 x 2 table with R ``fisher.test``'s odds ratio and CI.

    Returns ``(p, odds_ratio, ci_lower, ci_upper)``: the two-sided p-value, the
    conditional maximum-likelihood odds ratio and its exact conditional interval.

    Examples
    --------
    >>> p, or_, lo, hi = fisher_2x2(np.array([[3, 1], [1, 3]]))
    >>> round(p, 4), round(or_, 4), round(lo, 4), round(hi, 2)
    (0.4857, 6.4083, 0.2117, 626.24)
    """
    x, k = int(table[0, 0]), int(table[0].sum())
    m, n = int(table[:, 0].sum()), int(table[:, 1].sum())
    lo, hi = max(0, k - n), min(k, m)
    support = np.arange(lo, hi + 1)
    # log of the central hypergeometric pmf up to a constant
    logdc = -(gammaln(support + 1) + gammaln(m - support + 1)
              + gammaln(k - support + 1) + gammaln(n - k + support + 1))
    logdc = logdc - _lse(logdc)
    obs = x - lo
    p = min(1.0, math.exp(_lse(logdc[logdc <= logdc[obs] + math.log1p(REL_ERR)])))

    def logpmf(theta: float) -> np.ndarray:
        d = logdc + theta * support
        return d - _lse(d)

    log_alpha = math.log((1.0 - conf_level) / 2.0)
    if x == lo:
        estimate, ci_lo = 0.0, 0.0
    else:
        estimate = math.inf if x == hi else _solve_log(
            lambda t: float(np.exp(logpmf(t)) @ support) - x)
        ci_lo = _solve_log(lambda t: _lse(logpmf(t)[obs:]) - log_alpha)
    ci_hi = math.inf if x == hi else _solve_log(
        lambda t: log_alpha - _lse(logpmf(t)[: obs + 1]))
    return p, estimate, ci_lo, ci_hi


# --------------------------------------------------------------------------- r x c


def _bounds(rowrem: np.ndarray, colrem: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Range of cell i of the current column that keeps the table completable."""
    below = rowrem[:, i + 1:].sum(axis=1)
    return np.maximum(0, colrem - below), np.minimum(rowrem[:, i], colrem)


def _expand(rowrem: np.ndarray, colrem: np.ndarray, i: int, extra: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Branch every partial table on each allowed value of cell i of the current column."""
    lb, ub = _bounds(rowrem, colrem, i)
    counts = ub - lb + 1
    idx = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    val = lb[idx] + np.arange(int(counts.sum())) - starts[idx]
    rowrem = rowrem[idx].copy()
    rowrem[:, i] -= val
    return rowrem, colrem[idx] - val, extra[idx], val


def count_tables(table: np.ndarray, limit: float = math.inf) -> float:
    """Number of tables with the margins of ``table`` (inf as soon as it exceeds ``limit``)."""
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    r, c = table.shape
    rowrem, mult = rows[None, :].astype(np.int64), np.ones(1, dtype=float)
    radix = np.append(rows + 1, cols.max() + 1)
    place = np.cumprod(np.append(1, radix[:-1])) if math.prod(radix.tolist()) < 2**62 else None
    for j in range(c - 1):
        colrem = np.full(len(mult), cols[j], dtype=np.int64)
        for i in range(r - 1):
            lb, ub = _bounds(rowrem, colrem, i)
            if float(mult @ (ub - lb + 1)) > limit:
                return math.inf
            rowrem, colrem, mult, _ = _expand(rowrem, colrem, i, mult)
            # merge partial tables in the same state (remaining row and column sums)
            state = np.column_stack([rowrem, colrem])
            if place is not None:
                _, first, inv = np.unique(state @ place, return_index=True, return_inverse=True)
                state = state[first]
            else:
                state, inv = np.unique(state, axis=0, return_inverse=True)
            rowrem, colrem = state[:, :-1], state[:, -1]
            mult = np.bincount(inv.ravel(), weights=mult).astype(float)
        rowrem = rowrem.copy()
        rowrem[:, r - 1] -= colrem
    return float(mult.sum())


def freeman_halton(table: np.ndarray, max_tables: int = 5_000_000) -> float:
    """Freeman-Halton exact p-value of an r x c table, as R ``fisher.test``.

    Enumerates every table with the observed margins and sums the
    probabilities of those no more probable than the observed one (relative
    tolerance 1e-7).

    Raises
    ------
    MirprogError
        More than ``max_tables`` tables have these margins.

    Examples
    --------
    >>> round(freeman_halton(np.array([[3, 1, 4], [1, 5, 2]])), 6)
    0.230769
    """
    table = np.asarray(table, dtype=np.int64)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    r, c = table.shape
    steps = [(i, j) for j in range(c - 1) for i in range(r - 1)]   # free cells, column-major
    bound = math.prod(int(min(rows[i], cols[j])) + 1 for i, j in steps)
    if bound > max_tables and count_tables(table, limit=max_tables) > max_tables:
        raise MirprogError(
            f"The exact test would enumerate more than {max_tables:,} tables for this "
            f"{table.shape[0]} x {table.shape[1]} table of {int(table.sum())} rows. Use "
            "test='chi2' (large counts), merge sparse levels, or raise max_tables if you can wait."
        )
    lgf = gammaln(np.arange(int(table.sum()) + 2) + 1.0)
    obs = -float(lgf[table].sum())
    cut = obs + math.log1p(REL_ERR)
    total = [0.0]

    def walk(rowrem: np.ndarray, colrem: np.ndarray, score: np.ndarray, k: int) -> None:
        if k == len(steps):
            score = score - lgf[rowrem].sum(axis=1)   # the last column is forced
            total[0] += float(np.exp(score[score <= cut] - obs).sum())
            return
        i, j = steps[k]
        if i == 0:
            colrem = np.full(len(score), cols[j], dtype=np.int64)
        lb, ub = _bounds(rowrem, colrem, i)
        if len(score) > 1 and int((ub - lb + 1).sum()) > _CHUNK:
            half = len(score) // 2
            walk(rowrem[:half], colrem[:half], score[:half], k)
            walk(rowrem[half:], colrem[half:], score[half:], k)
            return
        rowrem, colrem, score, val = _expand(rowrem, colrem, i, score)
        score = score - lgf[val]
        if i == r - 2:   # the last row of the column is forced
            rowrem[:, r - 1] -= colrem
            score = score - lgf[colrem]
        walk(rowrem, colrem, score, k + 1)

    walk(rows[None, :].astype(np.int64), np.zeros(1, dtype=np.int64), np.zeros(1), 0)
    log_const = float(lgf[rows].sum() + lgf[cols].sum() - lgf[int(table.sum())])
    return float(min(1.0, math.exp(math.log(total[0]) + obs + log_const)))


def pearson_chi2(table: np.ndarray) -> tuple[float, int, float, float]:
    """Pearson's chi-square test as R ``chisq.test`` (Yates' correction for 2 x 2 only).

    Returns ``(statistic, df, p, smallest expected count)``.

    Examples
    --------
    >>> stat, df, p, emin = pearson_chi2(np.array([[25, 30], [40, 18]]))
    >>> round(stat, 4), df, round(p, 4)
    (5.4604, 1, 0.0195)
    """
    x = np.asarray(table, dtype=float)
    expected = np.outer(x.sum(axis=1), x.sum(axis=0)) / x.sum()
    dev = np.abs(x - expected)
    if x.shape == (2, 2):
        dev = dev - np.minimum(0.5, dev)
    stat = float((dev**2 / expected).sum())
    df = (x.shape[0] - 1) * (x.shape[1] - 1)
    return stat, df, chi2_sf(stat, df), float(expected.min())


# --------------------------------------------------------------------------- cohort API


def _levels(col: pd.Series, name: str, n: int) -> list[object]:
    levels = sorted_levels(col)
    if len(levels) < 2:
        raise CohortError(
            f"Column {name!r} has {len(levels)} level(s) ({format_ids(levels)}) among "
            f"the {n} rows where both columns are present; a test of association needs at least "
            "2. Check the column or the subset.", column=name)
    if len(levels) > MAX_LEVELS:
        raise CohortError(
            f"Column {name!r} has {len(levels)} distinct values (more than {MAX_LEVELS}): it "
            "looks continuous. Cut it into groups first, e.g. mp.Cutpoints.fit(cohort, "
            f"[{name!r}]).apply(cohort), and test the '{name}_high' column.", column=name)
    return levels


def associate(cohort: Cohort, a: str, b: str, *, test: Test = "auto", conf_level: float = 0.95,
              max_tables: int = 5_000_000) -> AssociationResult:
    """Test the association of two categorical columns (contingency table).

    Parameters
    ----------
    cohort : Cohort
    a, b : str
        Row and column variables (a binary marker group, grade, therapy...).
        Rows missing either are excluded and reported in ``excluded``.
        Levels are in category order for categoricals, otherwise sorted.
    test : {"auto", "fisher", "chi2"}, default "auto"
        ``"auto"`` and ``"fisher"``: the exact test, as R ``fisher.test`` --
        Fisher's for a 2 x 2 table, Freeman-Halton's for larger ones.
        ``"chi2"``: Pearson's chi-square, as R ``chisq.test`` (Yates'
        continuity correction for 2 x 2 tables only).  Never switched silently.
    conf_level : float, default 0.95
        Confidence level of the odds-ratio interval (2 x 2 tables).
    max_tables : int, default 5_000_000
        Largest number of tables the Freeman-Halton test may enumerate.

    Returns
    -------
    AssociationResult
        The table, test, statistic, df, p, odds ratio with CI (2 x 2), n and exclusions.

    Raises
    ------
    CohortError
        A column is missing, has fewer than 2 levels among the used rows, or more
        than 20 (probably continuous: cut it first); ``a`` and ``b`` are the same.
    MirprogError
        The exact test would enumerate more than ``max_tables`` tables (use ``test="chi2"``).
    ValueError
        Unknown ``test``, or ``conf_level`` outside (0, 1).

    Notes
    -----
    Exact p-values sum the probabilities (hypergeometric, given both margins)
    of the tables no more probable than the observed one, with R's relative
    tolerance of 1e-7.  R uses the FEXACT network algorithm for r x c tables;
    enumerating them gives the same p-value.  The odds ratio is the
    conditional maximum-likelihood estimate (psi solving E[X | psi] = x for the
    noncentral hypergeometric top-left count), not the sample ratio ad/bc; the
    interval inverts the two one-sided exact tests at (1 - conf_level) / 2.
    Both are solved to machine precision, whereas R's ``uniroot`` default
    tolerance (~1e-4) gives only 4-5 digits (and for extreme tables an upper
    limit of 1 / .Machine$double.eps).  ``note`` flags chi-square expected counts
    below 5, where R ``chisq.test`` warns.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.associate(gbsg, "horTh", "menostat")
    >>> res.table
    menostat  Post  Pre
    horTh
    no         209  231
    yes        187   59
    >>> res.test, round(res.odds_ratio, 4), round(res.ci_lower, 4), round(res.ci_upper, 4)
    ('fisher', 0.286, 0.1981, 0.4091)
    >>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
    >>> res = mp.associate(gbsg, "tgrade", "progrec_high")
    >>> res.test, res.p < 1e-20, res.n
    ('freeman-halton', True, 686)
    """
    cohort.require(a, b)
    if a == b:
        raise CohortError(f"a and b are both {a!r}; give two different columns.", column=a)
    if test not in ("auto", "fisher", "chi2"):
        raise ValueError(f"test must be 'auto', 'fisher' or 'chi2', got {test!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")
    data = cohort.complete_cases([a, b])
    n = len(data.frame)
    la, lb = _levels(data.frame[a], a, n), _levels(data.frame[b], b, n)
    ia = pd.Categorical(data.frame[a], categories=la).codes
    ib = pd.Categorical(data.frame[b], categories=lb).codes
    counts = np.zeros((len(la), len(lb)), dtype=np.int64)
    np.add.at(counts, (ia, ib), 1)
    table = pd.DataFrame(counts, index=pd.Index(la, name=a), columns=pd.Index(lb, name=b))

    nan = float("nan")
    p, odds, ci_lo, ci_hi = fisher_2x2(counts, conf_level) if counts.shape == (2, 2) else (nan,) * 4
    kind: Literal["fisher", "freeman-halton", "chi2"] = "fisher"
    stat, df, note = nan, None, None
    if test == "chi2":
        kind = "chi2"
        stat, df, p, emin = pearson_chi2(counts)
        if emin < 5:
            note = (f"Smallest expected count is {emin:.2g} (< 5): the chi-square approximation "
                    "may be incorrect; prefer test='fisher'.")
    elif counts.shape != (2, 2):
        kind, p = "freeman-halton", freeman_halton(counts, max_tables)
    return AssociationResult(
        table=table, test=kind, statistic=stat, df=df, p=p, odds_ratio=odds,
        ci_lower=ci_lo, ci_upper=ci_hi, conf_level=conf_level, a=a, b=b, n=n,
        excluded=data.exclusions, note=note,
    )
