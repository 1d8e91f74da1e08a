"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog._engine.timefix`, :mod:`mirprog.data.cohort`.
"""

from mirprog._engine.timefix import TIMEFIX_TOLERANCE, aeq_times
from mirprog.data.cohort import timefixed

__all__ = ["TIMEFIX_TOLERANCE", "aeq_times", "timefixed"]
