"""Every result class of mirprog, in one namespace (``mirprog.results``).

The verbs (``mp.km``, ``mp.cox``, ...) return these frozen objects; import them from
here for type hints and ``isinstance`` checks.  Each follows the one result protocol
(:mod:`mirprog._result`): the main frame ``.table`` (``.summary`` for coefficient
tables), ``to_frame()``, ``.excluded``, and Markdown / HTML / LaTeX exports.

>>> import mirprog as mp
>>> from mirprog.results import KMResult
>>> isinstance(mp.km(mp.datasets.load_gbsg2()), KMResult)
True
"""

from mirprog._result import Result
from mirprog.data.cohort import Exclusion, Exclusions
from mirprog.data.qpcr import QPCRResult
from mirprog.factors.cutpoints import Cutpoint, OptimalCutpointResult
from mirprog.model.validation import RiskGroupValidation
from mirprog.present.report import Report
from mirprog.stats.association import AssociationResult
from mirprog.stats.audit import AuditResult
from mirprog.stats.bootstrap import BootstrapValidationResult
from mirprog.stats.comparison import CombinedComparison, ModelComparison, RiskGroupResult
from mirprog.stats.competing import CIFResult, FineGrayResult, GrayTestResult
from mirprog.stats.concordance import ConcordanceComparison, ConcordanceResult
from mirprog.stats.cox.continuous import SplineCoxResult
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.cox.phtest import PHTestResult
from mirprog.stats.cox.selection import SelectionResult
from mirprog.stats.cutpoint_cv import CVCutpointResult
from mirprog.stats.factor_table import FactorTableResult
from mirprog.stats.follow_up import FollowUpResult
from mirprog.stats.km import KMResult
from mirprog.stats.logrank import LogRankResult, PairwiseLogRankResult
from mirprog.stats.meta import MetaAnalysisResult
from mirprog.stats.rmst import RMSTResult
from mirprog.stats.screen.markers import ScreenResult
from mirprog.stats.screen.stability import ScreenStability
from mirprog.stats.subgroup_table import SubgroupTableResult
from mirprog.stats.univariate import UnivariateResult
from mirprog.stats.validation import (
    CalibrationSlope,
    ObservedExpected,
    RoystonD,
    ValidationResult,
)
from mirprog.study.paper import Table3Result, Table4Result
from mirprog.study.reproduce import StudyResult
from mirprog.study.run import EndpointRun, StudyRun

__all__ = [
    "AssociationResult",
    "AuditResult",
    "BootstrapValidationResult",
    "CIFResult",
    "CVCutpointResult",
    "CalibrationSlope",
    "CombinedComparison",
    "ConcordanceComparison",
    "ConcordanceResult",
    "CoxResult",
    "Cutpoint",
    "EndpointRun",
    "Exclusion",
    "Exclusions",
    "FactorTableResult",
    "FineGrayResult",
    "FollowUpResult",
    "GrayTestResult",
    "KMResult",
    "LogRankResult",
    "MetaAnalysisResult",
    "ModelComparison",
    "ObservedExpected",
    "OptimalCutpointResult",
    "PHTestResult",
    "PairwiseLogRankResult",
    "QPCRResult",
    "RMSTResult",
    "Report",
    "Result",
    "RiskGroupResult",
    "RiskGroupValidation",
    "RoystonD",
    "ScreenResult",
    "ScreenStability",
    "SelectionResult",
    "SplineCoxResult",
    "StudyResult",
    "StudyRun",
    "SubgroupTableResult",
    "Table3Result",
    "Table4Result",
    "UnivariateResult",
    "ValidationResult",
]
