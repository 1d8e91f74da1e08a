"""External validation of a Cox model or a frozen prognostic model on new patients.

:func:`validate` scores a cohort with follow-up and measures, at each horizon,
discrimination (cumulative/dynamic IPCW AUC, Harrell's C, Royston's D),
accuracy (Brier score, IPA, integrated Brier) and calibration (slope, O/E,
grouped observed vs predicted risk), each as the R function named in its
docstring computes it.  Kernels: :mod:`mirprog._engine.ipcw`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mirprog._engine.coxph import concordance_counts
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats.concordance import ConcordanceResult, concordance
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.validation.auc import auc_table, roc_table
from mirprog.stats.validation.brier import brier_table
from mirprog.stats.validation.calibration import (
    CalibrationSlope,
    ObservedExpected,
    calibration_curve,
    calibration_slope,
    calibration_table,
    observed_expected,
)
from mirprog.stats.validation.predictions import Predictions, cox_predictions
from mirprog.stats.validation.royston import RoystonD, royston_d

__all__ = ["CalibrationSlope", "ObservedExpected", "Predictions", "RoystonD",
           "ValidationResult", "validate", "validation_metrics"]


@dataclass(frozen=True)
class ValidationResult(Result):
    """External validation of a model's predictions on a cohort with follow-up.

    Attributes
    ----------
    horizons : tuple of float
        The prediction times (sorted).
    n, n_events : int
        Rows validated and their events.
    excluded : Exclusions
        Rows that could not be scored (a missing covariate: the ledger names the
        first missing column of each).
    conf_level : float
    auc : pandas.DataFrame
        ``time, auc, se, ci_lower, ci_upper``: cumulative/dynamic IPCW AUC
        (R ``riskRegression::Score(metrics = "auc", cens.model = "km")``).
    brier : pandas.DataFrame
        ``time, brier, se, ci_lower, ci_upper, null_brier, null_se, ipa, ibs,
        null_ibs`` (``Score(metrics = "brier", summary = c("ipa", "ibs"),
        null.model = TRUE)``; the null model is the Kaplan–Meier of this cohort;
        ``ibs`` integrates the Brier score from 0 over the horizons given).
    calibration_slope : CalibrationSlope
        ``coxph(Surv(time, event) ~ lp)`` in this cohort.
    oe : ObservedExpected
        Observed / expected events (expected: R ``predict(type = "expected")``).
    royston_d : RoystonD
        R ``survival::royston(fit, newdata)``: D, its SE, R.D, R.KO, C.GH.
    calibration : pandas.DataFrame
        ``time, group, n, events, predicted, observed, ci_lower, ci_upper``:
        quantile groups of predicted risk at each horizon, mean predicted risk vs
        1 - Kaplan–Meier with its interval.
    calibration_curve : pandas.DataFrame
        ``time, bandwidth, predicted, observed``: the smoothed calibration curve, as
        R ``riskRegression::plotCalibration(cens.method = "jackknife")``
        (nearest-neighbour means of Kaplan–Meier pseudo-values of the risk, at each
        predicted risk rounded to 2 decimals) with the bandwidth used at that
        horizon: ``smooth_bandwidth``, or R's default (``KernSmooth::dpik`` of the
        risk ranks with a box kernel, ``prodlim::neighborhood``).
    roc : pandas.DataFrame
        ``time, threshold, fpr, tpr``: the IPCW ROC points at each horizon.
    harrell_c : float
        Harrell's C of the linear predictor (R ``concordance(fit, newdata)``;
        pairs within strata for a stratified model).
    harrell, uno : ConcordanceResult or None
        Harrell's C and Uno's C truncated at the last horizon, with R's SEs:
        :func:`mirprog.concordance` (R ``concordance(fit, newdata)``, and with
        ``timewt = "n/G2", ymax = max(horizons)``); None (with a note) when no pair
        is comparable.
    predictions : pandas.DataFrame
        Per validated row: ``id, time, event, lp, expected`` and ``risk_at_<t>``.
    ties : str or None
        Ties method of the validated fit.
    concordance_counts : dict
        The pairs behind ``harrell_c`` (``concordant, discordant, tied_x, tied_y, tied_xy``).
    risk_groups : RiskGroupValidation or None
        For a :class:`~mirprog.PrognosticModel`: Kaplan–Meier, log-rank and
        predicted vs observed survival by its risk groups.
    notes : tuple of str
        What was not computed, and why.
    """

    horizons: tuple[float, ...]
    n: int
    n_events: int
    excluded: Exclusions
    conf_level: float
    auc: pd.DataFrame = field(repr=False)
    brier: pd.DataFrame = field(repr=False)
    calibration_slope: CalibrationSlope
    oe: ObservedExpected
    royston_d: RoystonD
    calibration: pd.DataFrame = field(repr=False)
    calibration_curve: pd.DataFrame = field(repr=False)
    roc: pd.DataFrame = field(repr=False)
    harrell_c: float
    predictions: pd.DataFrame = field(repr=False)
    harrell: ConcordanceResult | None = field(default=None, repr=False)
    uno: ConcordanceResult | None = field(default=None, repr=False)
    ties: str | None = None
    notes: tuple[str, ...] = ()
    concordance_counts: dict[str, float] = field(default_factory=dict, repr=False)
    risk_groups: Result | None = field(default=None, repr=False)

    _main: ClassVar[str] = "table"

    @property
    def table(self) -> pd.DataFrame:
        """One row per horizon: ``auc`` (with ``auc_lower, auc_upper``), ``brier``,
        ``null_brier``, ``ipa``, ``ibs``."""
        a = self.auc.set_index("time")
        b = self.brier.set_index("time")
        out = pd.DataFrame({"auc": a["auc"], "auc_lower": a["ci_lower"],
                            "auc_upper": a["ci_upper"], "brier": b["brier"],
                            "null_brier": b["null_brier"], "ipa": b["ipa"], "ibs": b["ibs"]})
        out.index.name = "time"
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """The horizon-free numbers, one row per metric: ``value, se, ci_lower, ci_upper``."""
        s, o, d = self.calibration_slope, self.oe, self.royston_d
        rows = {
            "n": (self.n, np.nan, np.nan, np.nan),
            "n_events": (self.n_events, np.nan, np.nan, np.nan),
            "harrell_c": (self.harrell_c, np.nan, np.nan, np.nan),
            "calibration_slope": (s.slope, s.se, s.ci_lower, s.ci_upper),
            "oe_ratio": (o.ratio, np.nan, o.ci_lower, o.ci_upper),
            "royston_d": (d.d, d.se, d.ci_lower, d.ci_upper),
            "r2_d": (d.r2, np.nan, np.nan, np.nan),
        }
        if self.harrell is not None:
            h = self.harrell
            rows["harrell_c"] = (h.c, h.se, h.ci_lower, h.ci_upper)
        if self.uno is not None:
            u = self.uno
            rows["uno_c"] = (u.c, u.se, u.ci_lower, u.ci_upper)
        frame = pd.DataFrame.from_dict(rows, orient="index",
                                       columns=["value", "se", "ci_lower", "ci_upper"])
        frame.index.name = "metric"
        return frame

    def integrated_brier(self, stop: float | None = None) -> tuple[float, float]:
        """(model, null model) integrated Brier score from 0 to ``stop`` (default: the
        last horizon), as R ``Score(summary = "ibs")`` over the horizons given:
        the Brier score is held constant between horizons."""
        b = self.brier
        t = float(b["time"].iloc[-1]) if stop is None else float(stop)
        x = np.r_[0.0, b["time"].to_numpy()]
        keep = x < t
        steps = np.diff(np.r_[x[keep], t])
        vals = [np.r_[0.0, b[c].to_numpy()][keep] for c in ("brier", "null_brier")]
        return float(np.sum(vals[0] * steps) / t), float(np.sum(vals[1] * steps) / t)

    def __repr__(self) -> str:
        return (f"ValidationResult(n={self.n}, n_events={self.n_events}, "
                f"horizons={list(self.horizons)}, harrell_c={self.harrell_c:.4f}, "
                f"slope={self.calibration_slope.slope:.4f}, oe={self.oe.ratio:.4f}, "
                f"D={self.royston_d.d:.4f})")


def _check_horizons(horizons: Sequence[float] | float, time: np.ndarray,
                    event: np.ndarray) -> tuple[float, ...]:
    hs = np.atleast_1d(np.asarray(horizons, dtype=float))
    if hs.size == 0 or not np.all(np.isfinite(hs)) or np.any(hs <= 0):
        raise ArgumentError(f"horizons must be positive finite times, got {hs.tolist()}.",
                            argument="horizons")
    hs = np.unique(hs)
    bad = [float(h) for h in hs if h >= time.max()]
    if bad:
        raise ArgumentError(
            f"horizons {bad} are outside the validation follow-up: each needs a patient "
            f"followed beyond it (last time {time.max():g}). Choose horizons below "
            f"{time.max():g}.", argument="horizons")
    return tuple(float(h) for h in hs)


def validation_metrics(pred: Predictions, *, groups: int = 10, conf_level: float = 0.95,
                       smooth_bandwidth: float | None = None,
                       notes: Sequence[str] = ()) -> ValidationResult:
    """Every validation measure of ready-made :class:`Predictions` (see :func:`validate`)."""
    if groups < 1:
        raise ArgumentError(f"groups must be a positive integer, got {groups}.",
                            argument="groups")
    counts = concordance_counts(pred.time, pred.event, pred.lp, strata=pred.strata)
    frame = pd.DataFrame({"id": pred.ids, "time": pred.time, "event": pred.event,
                          "lp": pred.lp, "expected": pred.expected})
    for j, t in enumerate(pred.horizons):
        frame[f"risk_at_{t:g}"] = pred.risk[:, j]
    return ValidationResult(
        horizons=pred.horizons, n=len(pred.time), n_events=int(pred.event.sum()),
        excluded=pred.excluded, conf_level=conf_level,
        auc=auc_table(pred, conf_level), brier=brier_table(pred, conf_level),
        calibration_slope=calibration_slope(pred, conf_level),
        oe=observed_expected(pred, conf_level), royston_d=royston_d(pred, conf_level),
        calibration=calibration_table(pred, groups, conf_level),
        calibration_curve=calibration_curve(pred, smooth_bandwidth), roc=roc_table(pred),
        harrell_c=float(counts["concordance"]), predictions=frame, ties=pred.ties,
        notes=tuple(notes), concordance_counts=counts)


def validate(fit: Any, cohort: Cohort, *, horizons: Sequence[float] | float,
             groups: int = 10, conf_level: float = 0.95,
             smooth_bandwidth: float | None = None) -> ValidationResult:
    """Validate a Cox fit or a frozen prognostic model on a cohort with follow-up.

    Parameters
    ----------
    fit : CoxResult or PrognosticModel
        An unstratified :func:`mirprog.cox` fit (its baseline hazard comes from
        its own rows), or a :class:`mirprog.PrognosticModel` (stratified or not).
    cohort : Cohort
        New patients with time, event and every covariate of the model; rows
        missing a covariate are excluded and listed in ``excluded``.
    horizons : float or sequence of float
        Prediction times, each within the validation follow-up (a patient
        followed beyond it).
    groups : int, default 10
        Quantile groups of predicted risk in the calibration table (deciles).
    conf_level : float, default 0.95
    smooth_bandwidth : float, optional
        Bandwidth (a fraction of n) of the smoothed calibration curve.  Default:
        R ``plotCalibration``'s, ``KernSmooth::dpik`` (Wand & Jones's direct
        plug-in) of the ranks of the rounded risks with a box kernel, per
        horizon (``calibration_curve["bandwidth"]``).  Where it does not exist
        (most patients share one rounded risk; R stops) n^(-1/4) (prodlim's
        ``"smooth"``) is used, with a ``mirprog.errors.BandwidthWarning``.

    Returns
    -------
    ValidationResult

    Raises
    ------
    ArgumentError
        ``fit`` is neither, or is stratified (a CoxResult), or a horizon is
        outside the validation follow-up.
    CohortError
        No row of the cohort can be scored.

    Notes
    -----
    At a horizon before the first event there are no cases: the AUC is NaN
    (as R) and the Brier score is that of the controls alone.

    Each number is the one of an R function, checked in the tests to 1e-10
    (estimates) on Rotterdam → GBSG: the AUC and Brier score (and their SEs
    from the influence function, with a Kaplan–Meier censoring model, the
    IPA, the IBS) as ``riskRegression::Score(..., cens.model = "km",
    conservative = FALSE)``; the censoring survival is ``prodlim``'s reverse
    Kaplan–Meier (at a tied time, an event is not at risk of censoring), cases
    weighted by 1/G(T-) and controls by 1/G(t).  The calibration slope is
    ``coxph(Surv ~ lp)``; O/E uses ``predict(type = "expected")`` and the
    Poisson interval exp(log(O/E) -/+ z/sqrt(O)); D is ``survival::royston``.
    The calibration table groups by ``quantile`` (type 7) with ``cut(...,
    include.lowest = TRUE)`` and uses ``survfit``'s log interval.

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> train, test = g.subset(g.ids <= 400), g.subset(g.ids > 400)
    >>> fit = mp.cox(train, ["horTh", "pnodes", "progrec"])
    >>> v = mp.validate(fit, test, horizons=[365, 1095, 1825])
    >>> v.n, v.n_events
    (286, 110)
    >>> v.auc[["time", "auc"]].round(3)
         time    auc
    0   365.0  0.744
    1  1095.0  0.712
    2  1825.0  0.740
    >>> round(v.calibration_slope.slope, 3), round(v.oe.ratio, 3)
    (1.335, 1.021)
    """
    if not isinstance(cohort, Cohort):
        raise CohortError("validate() needs a Cohort with follow-up: "
                          "mp.Cohort(df, time=..., event=..., id=...).")
    hs = np.unique(np.atleast_1d(np.asarray(horizons, dtype=float))).tolist()
    if isinstance(fit, CoxResult):
        pred = cox_predictions(fit, cohort, hs)
    elif hasattr(fit, "validation_predictions"):
        pred = fit.validation_predictions(cohort, hs)
    else:
        raise ArgumentError(f"validate() takes a CoxResult (mp.cox) or a PrognosticModel, "
                            f"got {type(fit).__name__}.", argument="fit")
    hs = list(_check_horizons(hs, pred.time, pred.event))
    result = validation_metrics(pred, groups=groups, conf_level=conf_level,
                                smooth_bandwidth=smooth_bandwidth)
    notes: list[str] = []
    found: dict[str, ConcordanceResult | None] = {}
    for name, timewt, ymax in (("harrell", "n", None), ("uno", "n/G2", max(hs))):
        try:
            found[name] = concordance(fit, cohort, timewt=timewt,  # type: ignore[arg-type]
                                      ymax=ymax, conf_level=conf_level)
        except CohortError as exc:
            found[name] = None
            notes.append(f"{name} C not computed: {exc}")
    harrell = found["harrell"]
    return replace(result, harrell=harrell, uno=found["uno"],
                   harrell_c=result.harrell_c if harrell is None else harrell.c,
                   notes=(*result.notes, *notes))
