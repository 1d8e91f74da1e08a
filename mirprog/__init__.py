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

# The root is lazy (PEP 562): ``import mirprog`` loads neither pandas nor scipy; a name is
# imported from its home on first use and then cached here.  ``_HOMES`` is the one list of
# where every public name lives; the ``TYPE_CHECKING`` imports give type checkers and IDEs
# the same names statically.
import importlib
import sys
import types
from typing import TYPE_CHECKING

from mirprog._version import __version__

_HOMES: dict[str, str] = {
    "Cohort": "mirprog.data.cohort", "read_cohort": "mirprog.data.cohort",
    "survsplit": "mirprog.data.episodes", "tmerge": "mirprog.data.episodes",
    "ExecOptions": "mirprog._compute.execution",
    "MirprogError": "mirprog.errors", "MirprogWarning": "mirprog.errors",
    "Cutpoints": "mirprog.factors.cutpoints", "optimal_cutpoint": "mirprog.factors.cutpoints",
    "st_gallen": "mirprog.factors.subtypes",
    "PrognosticModel": "mirprog.model.prognostic", "Study": "mirprog.study.run",
    "associate": "mirprog.stats.association",
    "bootstrap_validate": "mirprog.stats.bootstrap",
    "cif": "mirprog.stats.competing", "fine_gray": "mirprog.stats.competing",
    "gray_test": "mirprog.stats.competing",
    "compare_combined": "mirprog.stats.comparison", "compare_models": "mirprog.stats.comparison",
    "risk_groups": "mirprog.stats.comparison",
    "compare_concordance": "mirprog.stats.concordance",
    "concordance": "mirprog.stats.concordance",
    "continuous_cox": "mirprog.stats.cox.continuous", "spline_cox": "mirprog.stats.cox.continuous",
    "cox": "mirprog.stats.cox.coxph", "ph_test": "mirprog.stats.cox.phtest",
    "backward_select": "mirprog.stats.cox.selection",
    "cv_optimal_cutpoint": "mirprog.stats.cutpoint_cv",
    "factor_table": "mirprog.stats.factor_table", "km": "mirprog.stats.km",
    "logrank": "mirprog.stats.logrank", "p_adjust": "mirprog.stats.logrank",
    "pairwise_logrank": "mirprog.stats.logrank", "rmst": "mirprog.stats.rmst",
    "screen": "mirprog.stats.screen.markers",
    "screen_bootstrap": "mirprog.stats.screen.stability",
    "subgroup_table": "mirprog.stats.subgroup_table",
    "univariate": "mirprog.stats.univariate", "report": "mirprog.study.report",
    "follow_up": "mirprog.stats.follow_up",
    "power_cox": "mirprog.stats.power", "events_needed": "mirprog.stats.power",
    "meta_analysis": "mirprog.stats.meta",
    "validate": "mirprog.stats.validation",
}
_MODULES: dict[str, str] = {
    "datasets": "mirprog.datasets", "errors": "mirprog.errors", "results": "mirprog.results",
    "qpcr": "mirprog.data.qpcr", "tables": "mirprog.present.format",
    "plots": "mirprog.present.plots", "audit": "mirprog.stats.audit",
}

if TYPE_CHECKING:  # pragma: no cover
    from mirprog import datasets, errors, results
    from mirprog._compute.execution import ExecOptions
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
    from mirprog.stats.competing import cif, fine_gray, gray_test
    from mirprog.stats.concordance import compare_concordance, concordance
    from mirprog.stats.cox.continuous import continuous_cox, spline_cox
    from mirprog.stats.cox.coxph import cox
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.cox.selection import backward_select
    from mirprog.stats.cutpoint_cv import cv_optimal_cutpoint
    from mirprog.stats.factor_table import factor_table
    from mirprog.stats.follow_up import follow_up
    from mirprog.stats.km import km
    from mirprog.stats.logrank import logrank, p_adjust, pairwise_logrank
    from mirprog.stats.meta import meta_analysis
    from mirprog.stats.power import events_needed, power_cox
    from mirprog.stats.rmst import rmst
    from mirprog.stats.screen.markers import screen
    from mirprog.stats.screen.stability import screen_bootstrap
    from mirprog.stats.subgroup_table import subgroup_table
    from mirprog.stats.univariate import univariate
    from mirprog.stats.validation import validate
    from mirprog.study.report import report
    from mirprog.study.run import Study

__all__ = [
    "Cohort",
    "Cutpoints",
    "ExecOptions",
    "MirprogError",
    "MirprogWarning",
    "PrognosticModel",
    "Study",
    "__version__",
    "associate",
    "audit",
    "backward_select",
    "bootstrap_validate",
    "cif",
    "compare_combined",
    "compare_concordance",
    "compare_models",
    "concordance",
    "continuous_cox",
    "cox",
    "cv_optimal_cutpoint",
    "datasets",
    "errors",
    "events_needed",
    "factor_table",
    "fine_gray",
    "follow_up",
    "gray_test",
    "km",
    "logrank",
    "meta_analysis",
    "optimal_cutpoint",
    "p_adjust",
    "pairwise_logrank",
    "ph_test",
    "plots",
    "power_cox",
    "qpcr",
    "read_cohort",
    "report",
    "results",
    "risk_groups",
    "rmst",
    "screen",
    "screen_bootstrap",
    "spline_cox",
    "st_gallen",
    "subgroup_table",
    "survsplit",
    "tables",
    "tmerge",
    "univariate",
    "validate",
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
    if name in _MODULES:
        value: object = importlib.import_module(_MODULES[name])
    else:
        home = _HOMES.get(name) or KEPT_FOR_ONE_RELEASE.get(name)
        if home is None:
            raise AttributeError(f"module 'mirprog' has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
    globals()[name] = value          # resolved once
    return value


class _Root(types.ModuleType):
    """The package module: the verbs ``screen`` and ``report`` keep their names.

    Importing the old module paths ``mirprog.screen`` / ``mirprog.report`` (kept for one
    release) makes the import system bind the module to the package attribute of the
    same name; that binding is ignored, so ``mp.screen`` stays the function.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("screen", "report") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Root


def __dir__() -> list[str]:
    return sorted(__all__)
