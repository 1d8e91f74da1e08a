"""The univariate table: log-rank and Cox, one factor at a time (the paper's Table 3 left half)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.stats.cox.coxph import CoxResult, cox
from mirprog.stats.logrank import LogRankResult, logrank

__all__ = ["UnivariateResult", "univariate"]

TABLE_COLUMNS = ["factor", "n", "events", "n_excluded", "logrank_chi2", "logrank_df",
                 "logrank_p", "hr", "ci_lower", "ci_upper", "p", "monotone", "reference",
                 "factor_lr_p"]


@dataclass(frozen=True)
class UnivariateResult(Result):
    """One univariate analysis per factor.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by Cox term (the factor's name for a binary or numeric factor,
        ``"factor[level]"`` for each non-reference level of a categorical one),
        with columns ``factor, n, events, n_excluded, logrank_chi2, logrank_df,
        logrank_p, hr, ci_lower, ci_upper, p, monotone, reference, factor_lr_p``.
        ``p`` is the Cox Wald p-value; the log-rank columns are NaN for a factor
        with more than ``max_levels`` distinct values (continuous).
        ``reference`` is the reference level of a categorical factor (empty
        for others); ``factor_lr_p`` the likelihood-ratio p of the whole factor
        (all its levels at once, :attr:`CoxResult.factor_tests`) for a factor
        with several terms, NaN for a one-term factor (its ``p`` says it).
    cox : dict
        Factor -> :class:`CoxResult`.
    logrank : dict
        Factor -> :class:`LogRankResult` (absent for continuous factors).
    ties : str
    """

    table: pd.DataFrame
    cox: dict[str, CoxResult]
    logrank: dict[str, LogRankResult]
    ties: Ties

    @property
    def excluded(self) -> dict[str, Exclusions]:
        """Factor -> the rows its own analysis left out and why (each factor on its
        complete cases; ``table["n_excluded"]`` counts them)."""
        return {f: fit.excluded for f, fit in self.cox.items()}


def univariate(
    cohort: Cohort,
    factors: Sequence[str],
    *,
    ties: Ties = "breslow",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
    max_levels: int = 10,
) -> UnivariateResult:
    """Log-rank test and univariate Cox model for each factor, each on its own complete cases.

    Parameters
    ----------
    cohort : Cohort
    factors : sequence of str
        Factor columns (binary markers such as ``"mir125b_high"``, grade, ...).
    ties : {"breslow", "efron"}, default "breslow"
    categorical, reference :
        As in :func:`mirprog.cox`.
    max_levels : int, default 10
        Factors with more distinct values get no log-rank test (treated as continuous).

    Returns
    -------
    UnivariateResult

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
    >>> res = mp.univariate(gbsg, ["progrec_high", "horTh"])
    >>> res.table[["n", "events", "logrank_chi2", "hr", "p"]].round(3)
                    n  events  logrank_chi2     hr      p
    term
    progrec_high  686     299        43.210  0.466  0.000
    horTh[yes]    686     299         8.565  0.695  0.004
    """
    rows = []
    cox_results: dict[str, CoxResult] = {}
    lr_results: dict[str, LogRankResult] = {}
    for factor in factors:
        fit = cox(cohort, factor, ties=ties,
                  categorical=[c for c in categorical or () if c == factor],
                  reference={k: v for k, v in (reference or {}).items() if k == factor})
        cox_results[factor] = fit
        n_levels = cohort.column(factor).nunique(dropna=True)
        lr = logrank(cohort, by=factor) if n_levels <= max_levels else None
        if lr is not None:
            lr_results[factor] = lr
        levels = fit.design.levels.get(factor)
        ref_level = "" if levels is None else str(levels[0])
        multi = len(fit.terms) > 1
        factor_lr_p = fit.factor_tests.loc[factor, "lr_p"] if multi else np.nan
        for term, row in fit.summary.iterrows():
            rows.append({
                "term": term, "factor": factor, "n": fit.n, "events": fit.events,
                "n_excluded": len(fit.excluded),
                "logrank_chi2": lr.chi2 if lr else np.nan,
                "logrank_df": lr.df if lr else np.nan,
                "logrank_p": lr.p if lr else np.nan,
                "hr": row["hr"], "ci_lower": row["ci_lower"], "ci_upper": row["ci_upper"],
                "p": row["p"], "monotone": term in fit.monotone, "reference": ref_level,
                "factor_lr_p": factor_lr_p,
            })
    table = pd.DataFrame(rows).set_index("term")[TABLE_COLUMNS]
    return UnivariateResult(table=table, cox=cox_results, logrank=lr_results, ties=ties)
