"""Old import path, kept for one release (README: migration). Its names now live in
:mod:`mirprog._engine.firth`, :mod:`mirprog.stats.cox.coxph`.
"""

from mirprog._engine.firth import FirthFit, firth_cox, penalised, risk_set_sums
from mirprog.stats.cox.coxph import firth_result

__all__ = ["FirthFit", "firth_cox", "firth_result", "penalised", "risk_set_sums"]
