"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog.stats.cox.continuous`, :mod:`mirprog.present.plots`.
"""

from mirprog.present.plots import spline_plot
from mirprog.stats.cox.continuous import (
    NonPositiveMarkerWarning,
    SplineCoxResult,
    continuous_cox,
    rcs_basis,
    rcs_knots,
    spline_cox,
)

__all__ = ["NonPositiveMarkerWarning", "SplineCoxResult", "continuous_cox", "rcs_basis",
           "rcs_knots", "spline_cox", "spline_plot"]
