"""mirprog: prognostic microRNA biomarker survival analysis that agrees with R ``survival``.

>>> import mirprog as mp
>>> gbsg = mp.datasets.load_gbsg2()
>>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
>>> res = mp.logrank(gbsg, by="progrec_high")
>>> round(res.chi2, 2), res.df, res.p < 1e-10
(43.21, 1, True)
"""

from mirprog import audit, datasets, plots, qpcr, tables
from mirprog.association import AssociationResult, associate
from mirprog.cohort import Cohort, Exclusion, Exclusions, read_cohort
from mirprog.cutpoints import Cutpoint, Cutpoints
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
from mirprog.model import (
    HorizonWarning,
    ModelFileError,
    PrognosticModel,
    ScaleWarning,
    ValidationResult,
)
from mirprog.report import report
from mirprog.screen import ScreenResult, screen
from mirprog.signature import (
    CombinedComparison,
    ModelComparison,
    RiskGroupResult,
    compare_combined,
    compare_models,
    risk_groups,
)
from mirprog.stability import ScreenStability, screen_bootstrap
from mirprog.study import Table3Result, Table4Result, table3, table4
from mirprog.subtypes import st_gallen
from mirprog.survival import (
    CoxResult,
    KMResult,
    LogRankResult,
    PairwiseLogRankResult,
    SelectionResult,
    UnivariateResult,
    backward_select,
    cox,
    km,
    logrank,
    p_adjust,
    pairwise_logrank,
    univariate,
)
from mirprog.survival.continuous import (
    NonPositiveMarkerWarning,
    SplineCoxResult,
    continuous_cox,
    spline_cox,
    spline_plot,
)
from mirprog.survival.cutpoint_opt import (
    CVCutpointResult,
    OptimalCutpointResult,
    cv_optimal_cutpoint,
    optimal_cutpoint,
)
from mirprog.survival.phtest import PHTestResult, ph_plot, ph_test
from mirprog.survival.validation import (
    BootstrapFitWarning,
    BootstrapValidationResult,
    bootstrap_validate,
)

__version__ = "0.1.0"

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
    "table3",
    "table4",
    "tables",
    "univariate",
]
