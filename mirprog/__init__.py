"""mirprog: prognostic microRNA biomarker survival analysis that agrees with R ``survival``.

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
import mirprog.report
import mirprog.screen  # noqa: F401
from mirprog import datasets
from mirprog._version import __version__
from mirprog.data import qpcr
from mirprog.data.cohort import Cohort, Exclusion, Exclusions, read_cohort
from mirprog.errors import (
    ArgumentError,
    CohortError,
    ConvergenceWarning,
    DataFileError,
    MirprogError,
    MirprogWarning,
    ModelFileWarning,
    MonotoneLikelihoodWarning,
    UnitWarning,
)
from mirprog.factors.cutpoints import Cutpoint, Cutpoints, OptimalCutpointResult, optimal_cutpoint
from mirprog.factors.subtypes import st_gallen
from mirprog.model.prognostic import (
    HorizonWarning,
    ModelFileError,
    PrognosticModel,
    ScaleWarning,
    ValidationResult,
)
from mirprog.present import format as tables
from mirprog.present import plots
from mirprog.present.plots import ph_plot, spline_plot
from mirprog.stats import audit
from mirprog.stats.association import AssociationResult, associate
from mirprog.stats.bootstrap import (
    BootstrapFitWarning,
    BootstrapValidationResult,
    bootstrap_validate,
)
from mirprog.stats.comparison import (
    CombinedComparison,
    ModelComparison,
    RiskGroupResult,
    compare_combined,
    compare_models,
    risk_groups,
)
from mirprog.stats.cox.continuous import (
    NonPositiveMarkerWarning,
    SplineCoxResult,
    continuous_cox,
    spline_cox,
)
from mirprog.stats.cox.coxph import CoxResult, cox
from mirprog.stats.cox.phtest import PHTestResult, ph_test
from mirprog.stats.cox.selection import SelectionResult, backward_select
from mirprog.stats.cutpoint_cv import CVCutpointResult, cv_optimal_cutpoint
from mirprog.stats.factor_table import FactorTableResult, factor_table
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import (
    LogRankResult,
    PairwiseLogRankResult,
    logrank,
    p_adjust,
    pairwise_logrank,
)
from mirprog.stats.screen.markers import ScreenResult, screen
from mirprog.stats.screen.stability import ScreenStability, screen_bootstrap
from mirprog.stats.subgroup_table import SubgroupTableResult, subgroup_table
from mirprog.stats.univariate import UnivariateResult, univariate
from mirprog.study.paper import Table3Result, Table4Result, table3, table4
from mirprog.study.report import report

__all__ = [
    "ArgumentError",
    "AssociationResult",
    "BootstrapFitWarning",
    "BootstrapValidationResult",
    "CVCutpointResult",
    "Cohort",
    "CohortError",
    "CombinedComparison",
    "ConvergenceWarning",
    "CoxResult",
    "Cutpoint",
    "Cutpoints",
    "DataFileError",
    "Exclusion",
    "Exclusions",
    "FactorTableResult",
    "HorizonWarning",
    "KMResult",
    "LogRankResult",
    "MirprogError",
    "MirprogWarning",
    "ModelComparison",
    "ModelFileError",
    "ModelFileWarning",
    "MonotoneLikelihoodWarning",
    "NonPositiveMarkerWarning",
    "OptimalCutpointResult",
    "PHTestResult",
    "PairwiseLogRankResult",
    "PrognosticModel",
    "RiskGroupResult",
    "ScaleWarning",
    "ScreenResult",
    "ScreenStability",
    "SelectionResult",
    "SplineCoxResult",
    "SubgroupTableResult",
    "Table3Result",
    "Table4Result",
    "UnitWarning",
    "UnivariateResult",
    "ValidationResult",
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
    "factor_table",
    "km",
    "logrank",
    "optimal_cutpoint",
    "p_adjust",
    "pairwise_logrank",
    "ph_plot",
    "ph_test",
    "plots",
    "qpcr",
    "read_cohort",
    "report",
    "risk_groups",
    "screen",
    "screen_bootstrap",
    "spline_cox",
    "spline_plot",
    "st_gallen",
    "subgroup_table",
    "table3",
    "table4",
    "tables",
    "univariate",
]
