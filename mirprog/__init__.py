"""mirprog: prognostic microRNA biomarker survival analysis that agrees with R ``survival``.

``mirprog.__all__`` is what a notebook user types: the cohort, the verbs (``km``,
``logrank``, ``cox``, ``screen``, ``factor_table``, ...), the frozen model, the
execution options and the namespaces ``datasets``, ``qpcr``, ``plots``, ``tables``,
``audit``, ``results`` (every result class) and ``errors`` (every error and warning).
Every other name of mirprog 0.1's top level (result classes such as ``mp.CoxResult``,
warnings such as ``mp.ScaleWarning``, the paper's ``mp.table3`` / ``mp.table4``, the
figures ``mp.spline_plot`` / ``mp.ph_plot``) still resolves, silently and to the same
object, for at least one release; new code imports them from ``mirprog.results``,
``mirprog.errors``, ``mirprog.study`` and ``mirprog.plots``.

>>> import mirprog as mp
>>> gbsg = mp.datasets.load_gbsg2()
>>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
>>> res = mp.logrank(gbsg, by="progrec_high")
>>> round(res.chi2, 2), res.df, res.p < 1e-10
(43.21, 1, True)
"""

# Old module paths whose names are also functions here (``mirprog.screen``, ``mirprog.report``)
# are loaded first: loading one later would rebind ``mirprog.screen`` from the function to
# the module.
import importlib

import mirprog.report
import mirprog.screen  # noqa: F401
from mirprog import datasets, errors, results
from mirprog._compute.execution import ExecOptions
from mirprog._version import __version__
from mirprog.data import qpcr
from mirprog.data.cohort import Cohort, read_cohort
from mirprog.data.episodes import survsplit, tmerge
from mirprog.errors import MirprogError, MirprogWarning
from mirprog.factors.cutpoints import Cutpoints, optimal_cutpoint
from mirprog.factors.subtypes import st_gallen
from mirprog.model.prognostic import PrognosticModel
from mirprog.present import format as tables
from mirprog.present import plots
from mirprog.stats import audit
from mirprog.stats.association import associate
from mirprog.stats.bootstrap import bootstrap_validate
from mirprog.stats.comparison import compare_combined, compare_models, risk_groups
from mirprog.stats.cox.continuous import continuous_cox, spline_cox
from mirprog.stats.cox.coxph import cox
from mirprog.stats.cox.phtest import ph_test
from mirprog.stats.cox.selection import backward_select
from mirprog.stats.cutpoint_cv import cv_optimal_cutpoint
from mirprog.stats.factor_table import factor_table
from mirprog.stats.km import km
from mirprog.stats.logrank import logrank, p_adjust, pairwise_logrank
from mirprog.stats.screen.markers import screen
from mirprog.stats.screen.stability import screen_bootstrap
from mirprog.stats.subgroup_table import subgroup_table
from mirprog.stats.univariate import univariate
from mirprog.study.report import report

__all__ = [
    "Cohort",
    "Cutpoints",
    "ExecOptions",
    "MirprogError",
    "MirprogWarning",
    "PrognosticModel",
    "__version__",
    "associate",
    "audit",
    "backward_select",
    "bootstrap_validate",
    "compare_combined",
    "compare_models",
    "continuous_cox",
    "cox",
    "cv_optimal_cutpoint",
    "datasets",
    "errors",
    "factor_table",
    "km",
    "logrank",
    "optimal_cutpoint",
    "p_adjust",
    "pairwise_logrank",
    "ph_test",
    "plots",
    "qpcr",
    "read_cohort",
    "report",
    "results",
    "risk_groups",
    "screen",
    "screen_bootstrap",
    "spline_cox",
    "st_gallen",
    "subgroup_table",
    "survsplit",
    "tables",
    "tmerge",
    "univariate",
]

# mirprog 0.1's top-level names outside the curated list, and where they live now.  They
# resolve on use (PEP 562), silently and to the same object, for at least one release; they
# are kept out of __all__ and dir() so that ``mp.<tab>`` shows the verbs.
_RESULTS = (
    "AssociationResult", "BootstrapValidationResult", "CVCutpointResult", "CombinedComparison",
    "CoxResult", "Cutpoint", "Exclusion", "Exclusions", "FactorTableResult", "KMResult",
    "LogRankResult", "ModelComparison", "OptimalCutpointResult", "PHTestResult",
    "PairwiseLogRankResult", "RiskGroupResult", "ScreenResult", "ScreenStability",
    "SelectionResult", "SplineCoxResult", "SubgroupTableResult", "Table3Result",
    "Table4Result", "UnivariateResult", "ValidationResult",
)
_ERRORS = (
    "ArgumentError", "BootstrapFitWarning", "CohortError", "ConvergenceWarning",
    "DataFileError", "HorizonWarning", "ModelFileError", "ModelFileWarning",
    "MonotoneLikelihoodWarning", "NonPositiveMarkerWarning", "ScaleWarning", "UnitWarning",
)
KEPT_FOR_ONE_RELEASE: dict[str, str] = {
    **dict.fromkeys(_RESULTS, "mirprog.results"),
    **dict.fromkeys(_ERRORS, "mirprog.errors"),
    "ph_plot": "mirprog.present.plots", "spline_plot": "mirprog.present.plots",
    "table3": "mirprog.study.paper", "table4": "mirprog.study.paper",
}


def __getattr__(name: str) -> object:
    home = KEPT_FOR_ONE_RELEASE.get(name)
    if home is None:
        raise AttributeError(f"module 'mirprog' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value          # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
