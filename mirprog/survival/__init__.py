"""Old import path of the statistical core, kept for one release (README: migration).

Kaplan–Meier, log-rank and Cox now live in :mod:`mirprog.stats`; the names below are the
same objects.
"""

# The submodules first: importing one later would otherwise rebind ``cox``, ``km``, ...
# on this package from the function to the module.
# isort: off
from mirprog.survival import cox as _cox_module  # noqa: F401
from mirprog.survival import km as _km_module  # noqa: F401
from mirprog.survival import logrank as _logrank_module  # noqa: F401
from mirprog.survival import selection as _selection_module  # noqa: F401
from mirprog.survival import univariate as _univariate_module  # noqa: F401
# isort: on
from mirprog.stats.cox.coxph import CoxResult, cox
from mirprog.stats.cox.selection import SelectionResult, backward_select
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import (
           LogRankResult,
           PairwiseLogRankResult,
           logrank,
           p_adjust,
           pairwise_logrank,
)
from mirprog.stats.univariate import UnivariateResult, univariate

__all__ = ["CoxResult", "KMResult", "LogRankResult", "PairwiseLogRankResult",
           "SelectionResult", "UnivariateResult", "backward_select", "cox", "km", "logrank",
           "p_adjust", "pairwise_logrank", "univariate"]
