"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog.model.validation`, :mod:`mirprog.present.plots`.
"""

from mirprog.model.validation import ValidationResult
from mirprog.present.plots import calibration_plot

__all__ = ["ValidationResult", "calibration_plot"]
