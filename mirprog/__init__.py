"""mirprog: prognostic microRNA biomarker survival analysis that agrees with R ``survival``.

>>> import mirprog as mp
>>> gbsg = mp.datasets.load_gbsg2()
>>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
>>> res = mp.logrank(gbsg, by="progrec_high")
>>> round(res.chi2, 2), res.df, res.p < 1e-10
(43.21, 1, True)
"""

from mirprog import datasets, tables
from mirprog.cohort import Cohort, Exclusion, Exclusions, read_cohort
from mirprog.cutpoints import Cutpoint, Cutpoints
from mirprog.errors import (
    CohortError,
    ConvergenceWarning,
    DataFileError,
    MirprogError,
    MirprogWarning,
    MonotoneLikelihoodWarning,
)
from mirprog.survival import (
    CoxResult,
    KMResult,
    LogRankResult,
    PairwiseLogRankResult,
    UnivariateResult,
    cox,
    km,
    logrank,
    p_adjust,
    pairwise_logrank,
    univariate,
)

__version__ = "0.1.0"

__all__ = [
    "Cohort",
    "CohortError",
    "ConvergenceWarning",
    "CoxResult",
    "Cutpoint",
    "Cutpoints",
    "DataFileError",
    "Exclusion",
    "Exclusions",
    "KMResult",
    "LogRankResult",
    "MirprogError",
    "MirprogWarning",
    "MonotoneLikelihoodWarning",
    "PairwiseLogRankResult",
    "UnivariateResult",
    "__version__",
    "cox",
    "datasets",
    "km",
    "logrank",
    "p_adjust",
    "pairwise_logrank",
    "read_cohort",
    "tables",
    "univariate",
]
