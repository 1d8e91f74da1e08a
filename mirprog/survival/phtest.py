"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog.stats.cox.phtest`, :mod:`mirprog.present.plots`.
"""

from mirprog.present.plots import ph_plot
from mirprog.stats.cox.phtest import PHTestResult, ph_test

__all__ = ["PHTestResult", "ph_plot", "ph_test"]
