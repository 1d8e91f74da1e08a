"""Royston and Sauerbrei's D (and the R^2 measures R ``survival::royston`` returns)."""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
import pandas as pd

from mirprog._engine.coxph import fit_cox
from mirprog._engine.dist import normal_ppf, zcrit
from mirprog._result import Result
from mirprog.stats.validation.predictions import Predictions

__all__ = ["RoystonD", "royston_d"]


@dataclass(frozen=True)
class RoystonD(Result):
    """Royston–Sauerbrei D of the linear predictor in the validation cohort.

    Attributes
    ----------
    d, se : float
        D = kappa * beta, beta the Cox coefficient of the normal scores of the
        (recalibrated) linear predictor, kappa = sqrt(8 / pi); R ``D``, ``se(D)``.
    ci_lower, ci_upper : float
        Wald limits at ``conf_level``.
    r2 : float
        R^2_D = beta^2 / (pi^2 / 6 + beta^2) (R ``R.D``).
    r2_ko : float
        Kent and O'Quigley's measure var(eta) / (pi^2 / 6 + var(eta)) (R ``R.KO``).
    c_gh : float
        Gönen and Heller's concordance (R ``C.GH``).
    """

    d: float
    se: float
    ci_lower: float
    ci_upper: float
    r2: float
    r2_ko: float
    c_gh: float
    conf_level: float

    @property
    def table(self) -> pd.DataFrame:
        """One row: ``d, se, ci_lower, ci_upper, r2, r2_ko, c_gh``."""
        return pd.DataFrame([{k: getattr(self, k) for k in
                              ("d", "se", "ci_lower", "ci_upper", "r2", "r2_ko", "c_gh")}],
                            index=pd.Index(["royston_d"], name="metric"))


def _normal_scores(eta: np.ndarray) -> np.ndarray:
    """Blom scores qnorm((rank - 3/8) / (n + 1/4)), averaged over tied eta (R ``royston``)."""
    n = len(eta)
    z = normal_ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    order = np.argsort(eta, kind="stable")
    uniq, inv = np.unique(eta, return_inverse=True)
    scores = np.empty(n)
    scores[order] = z
    means = np.bincount(inv, weights=scores, minlength=len(uniq)) / np.bincount(inv)
    return np.asarray(means[inv])


def royston_d(pred: Predictions, conf_level: float) -> RoystonD:
    """R ``survival::royston(fit, newdata)`` (``ties = TRUE``, ``adjust = FALSE``).

    As R: the linear predictor is first recalibrated in the new cohort
    (``coxph(y ~ eta)``, whose centred linear predictor replaces eta); both Cox
    fits use Efron ties.
    """
    time, event = pred.time, pred.event
    refit = fit_cox(time, event, pred.lp[:, None], "efron")
    eta = float(refit.coef[0]) * (pred.lp - pred.lp.mean())
    var_eta = float(np.var(eta, ddof=1))
    rfit = fit_cox(time, event, _normal_scores(eta)[:, None], "efron")
    beta = float(rfit.coef[0])
    kappa = np.sqrt(8.0 / np.pi)
    d, se = beta * kappa, float(np.sqrt(rfit.var[0, 0] * 8.0 / np.pi))
    z = zcrit(conf_level)
    s = np.sort(eta)
    n = len(s)
    total = sum(float(np.sum(1.0 / (1.0 + np.exp(s[i] - s[i + 1:])))) for i in range(n)[:-1])
    c_gh = total / comb(n, 2)
    pi2_6 = np.pi**2 / 6.0
    return RoystonD(d, se, d - z * se, d + z * se, beta**2 / (pi2_6 + beta**2),
                    var_eta / (pi2_6 + var_eta), c_gh, conf_level)
