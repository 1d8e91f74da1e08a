"""What a validation needs from a fitted model: each new patient's predictions.

A :class:`Predictions` holds, for the validation rows that could be scored,
the linear predictor, the predicted risk 1 - S(t) at each horizon and the
cumulative hazard at the patient's own follow-up (R ``predict(fit, newdata,
type = "expected")``).  :func:`cox_predictions` builds it from a
:class:`~mirprog.stats.cox.coxph.CoxResult`; a frozen
:class:`~mirprog.model.PrognosticModel` builds its own (it lives in a higher
layer) through its ``validation_predictions`` method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mirprog._engine.coxph import baseline_cumhaz
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats.cox.coxph import CoxResult

__all__ = ["Predictions", "cox_predictions", "step_cumhaz"]


@dataclass(frozen=True)
class Predictions:
    """A model's predictions for the scored rows of a validation cohort (same row order).

    Attributes
    ----------
    ids : numpy.ndarray
        Ids of the scored rows.
    time, event : numpy.ndarray
        Their follow-up and 0/1 event.
    lp : numpy.ndarray
        Linear predictor (centred as the fit's, R ``predict(type = "lp")``).
    horizons : tuple of float
    risk : numpy.ndarray, shape (n, len(horizons))
        Predicted risk 1 - S(t | x) = 1 - exp(-H0(t) exp(lp)) at each horizon.
    expected : numpy.ndarray
        H0(T_i) exp(lp_i) at each row's own follow-up T_i (H0 held at its last
        value beyond the training follow-up, as R).
    excluded : Exclusions
        Rows that could not be scored, and why.
    strata : numpy.ndarray or None
        Stratum code per row for a stratified model (else None).
    ties : str or None
        The ties method of the fit (``"breslow"``/``"efron"``).
    """

    ids: np.ndarray = field(repr=False)
    time: np.ndarray = field(repr=False)
    event: np.ndarray = field(repr=False)
    lp: np.ndarray = field(repr=False)
    horizons: tuple[float, ...]
    risk: np.ndarray = field(repr=False)
    expected: np.ndarray = field(repr=False)
    excluded: Exclusions
    strata: np.ndarray | None = field(default=None, repr=False)
    ties: str | None = None


def step_cumhaz(times: np.ndarray, cumhaz: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The right-continuous step function (``times``, ``cumhaz``) at ``at`` (0 before,
    its last value after the last time)."""
    pos = np.searchsorted(np.asarray(times, float), np.asarray(at, float), side="right")
    return np.r_[0.0, np.asarray(cumhaz, float)][pos]


def cox_predictions(fit: CoxResult, cohort: Cohort, horizons: Sequence[float]) -> Predictions:
    """Predictions of an unstratified Cox fit for the rows of ``cohort``.

    The baseline cumulative hazard is R ``basehaz(fit, centered = TRUE)``
    (Breslow or Efron-adjusted increments, by the fit's ties; case weights
    included), the same one as ``survfit(fit, newdata)`` and
    ``predict(fit, newdata, type = "expected")``.

    Raises
    ------
    ArgumentError
        A stratified fit, a fit with (start, stop] rows, or one without its inputs.
    CohortError
        No row of ``cohort`` has every covariate.
    """
    inputs = fit.inputs
    if fit.strata:
        raise ArgumentError(
            f"validate() of a Cox fit stratified by {list(fit.strata)} is not supported "
            "(each stratum has its own baseline): freeze it with "
            "PrognosticModel.fit(..., strata=...) and validate the model instead.",
            argument="fit")
    if inputs is None or inputs.entry is not None:
        raise ArgumentError("validate() needs a Cox fit of right-censored rows made by "
                            "mp.cox (it keeps the rows its baseline hazard needs).",
                            argument="fit")
    data = cohort.complete_cases(list(fit.design.columns))
    if len(data.time) == 0:
        raise CohortError("No row of the validation cohort has every covariate "
                          f"{list(fit.design.columns)}: " + data.exclusions.summary())
    coef = fit.summary["coef"].to_numpy(dtype=float)
    lp = (fit.design.matrix(data.frame) - fit.means) @ coef
    lp_train = (inputs.x - fit.means) @ coef
    t0, h0 = baseline_cumhaz(inputs.time, inputs.event, lp_train, fit.ties,
                             weights=inputs.weights)
    hs = tuple(float(h) for h in horizons)
    rel = np.exp(lp)
    risk = -np.expm1(-np.outer(rel, step_cumhaz(t0, h0, np.array(hs))))
    expected = step_cumhaz(t0, h0, data.time) * rel
    return Predictions(ids=np.asarray(data.ids), time=np.asarray(data.time, float),
                       event=np.asarray(data.event, float), lp=lp, horizons=hs, risk=risk,
                       expected=expected, excluded=data.exclusions, ties=fit.ties)
