"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog.stats.cutpoint_cv`, :mod:`mirprog.factors.cutpoints`, :mod:`mirprog._engine.maxstat`,
:mod:`mirprog._engine.logrank`.
"""

from mirprog._engine.logrank import logrank_scores
from mirprog._engine.maxstat import SplitScan, p_lausen92, permutation_p, scan_splits
from mirprog.factors.cutpoints import OptimalCutpointResult, optimal_cutpoint
from mirprog.stats.cutpoint_cv import CVCutpointResult, cv_optimal_cutpoint

__all__ = ["CVCutpointResult", "OptimalCutpointResult", "SplitScan", "cv_optimal_cutpoint",
           "logrank_scores", "optimal_cutpoint", "p_lausen92", "permutation_p", "scan_splits"]
