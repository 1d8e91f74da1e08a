"""The statistical core: Kaplan–Meier, log-rank and Cox. No plotting, no I/O."""

from mirprog.survival.cox import CoxResult, cox
from mirprog.survival.km import KMResult, km
from mirprog.survival.logrank import (
    LogRankResult,
    PairwiseLogRankResult,
    logrank,
    p_adjust,
    pairwise_logrank,
)
from mirprog.survival.selection import SelectionResult, backward_select
from mirprog.survival.univariate import UnivariateResult, univariate

__all__ = ["CoxResult", "KMResult", "LogRankResult", "PairwiseLogRankResult",
           "SelectionResult", "UnivariateResult", "backward_select", "cox", "km", "logrank",
           "p_adjust", "pairwise_logrank", "univariate"]
