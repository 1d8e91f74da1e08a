"""Calibration of predicted risks in a validation cohort: slope, O/E and grouped tables."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog._engine.coxph import fit_cox
from mirprog._engine.dist import normal_p, zcrit
from mirprog._engine.dpik import dpik
from mirprog._result import Result
from mirprog.errors import BandwidthWarning
from mirprog.stats.km import confidence_limits
from mirprog.stats.validation.predictions import Predictions

__all__ = ["CalibrationSlope", "ObservedExpected", "calibration_curve", "calibration_slope",
           "calibration_table", "observed_expected", "pseudo_risk"]


@dataclass(frozen=True)
class CalibrationSlope(Result):
    """The slope of ``coxph(Surv(time, event) ~ lp)`` in the validation cohort.

    1 is perfect; below 1 the predictions are too extreme (overfitting).  ``z`` and
    ``p`` test slope = 1 (Wald), ``ci_lower``/``ci_upper`` are Wald limits.
    """

    slope: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    p: float
    conf_level: float
    ties: str

    @property
    def table(self) -> pd.DataFrame:
        """One row: ``slope, se, ci_lower, ci_upper, z, p``."""
        return pd.DataFrame([{k: getattr(self, k) for k in
                              ("slope", "se", "ci_lower", "ci_upper", "z", "p")}],
                            index=pd.Index(["calibration_slope"], name="metric"))


@dataclass(frozen=True)
class ObservedExpected(Result):
    """Calibration in the large: observed events over expected events.

    ``expected`` is the sum over patients of the predicted cumulative hazard at
    their own follow-up (R ``sum(predict(fit, newdata, type = "expected"))``);
    the limits treat the observed count as Poisson: exp(log(O/E) -/+ z / sqrt(O)).
    """

    observed: float
    expected: float
    ratio: float
    ci_lower: float
    ci_upper: float
    conf_level: float
    method: str = "poisson-log"

    @property
    def table(self) -> pd.DataFrame:
        """One row: ``observed, expected, ratio, ci_lower, ci_upper``."""
        return pd.DataFrame([{k: getattr(self, k) for k in
                              ("observed", "expected", "ratio", "ci_lower", "ci_upper")}],
                            index=pd.Index(["oe"], name="metric"))


def calibration_slope(pred: Predictions, conf_level: float) -> CalibrationSlope:
    """Cox regression of the validation outcome on the linear predictor (Efron ties,
    R ``coxph``'s default)."""
    fit = fit_cox(pred.time, pred.event, pred.lp[:, None], "efron")
    slope, se = float(fit.coef[0]), float(np.sqrt(fit.var[0, 0]))
    z = zcrit(conf_level)
    stat = (slope - 1.0) / se
    return CalibrationSlope(slope, se, slope - z * se, slope + z * se, stat,
                            float(normal_p(stat)), conf_level, "efron")


def observed_expected(pred: Predictions, conf_level: float) -> ObservedExpected:
    """O/E with the Poisson (log-scale) interval on O."""
    o, e = float(pred.event.sum()), float(pred.expected.sum())
    ratio = o / e
    half = zcrit(conf_level) / np.sqrt(o) if o > 0 else float("inf")
    return ObservedExpected(o, e, ratio, float(ratio * np.exp(-half)),
                            float(ratio * np.exp(half)), conf_level)


def _km_at(time: np.ndarray, event: np.ndarray, t: float) -> tuple[float, float]:
    """Kaplan–Meier S(t) and the Greenwood SE of log S(t) (R ``survfit``)."""
    keep = np.unique(time[(event == 1) & (time <= t)])
    surv, var = 1.0, 0.0
    for s in keep:
        n, d = float(np.sum(time >= s)), float(np.sum((time == s) & (event == 1)))
        surv *= 1.0 - d / n
        var += d / (n * (n - d)) if n > d else 0.0
    return surv, float(np.sqrt(var))


def quantile_groups(risk: np.ndarray, groups: int) -> np.ndarray:
    """Group 1..g of each risk: R ``cut(risk, quantile(risk, seq(0, 1, length = g + 1)),
    include.lowest = TRUE)`` (quantile type 7, right-closed; tied breaks merged)."""
    breaks = np.unique(np.quantile(risk, np.linspace(0.0, 1.0, groups + 1)))
    code = np.searchsorted(breaks, risk, side="left")
    return np.asarray(np.maximum(code, 1))


def calibration_table(pred: Predictions, groups: int, conf_level: float) -> pd.DataFrame:
    """``time, group, n, events, predicted, observed, ci_lower, ci_upper`` per horizon.

    Groups are ``groups`` quantile groups of the predicted risk at that horizon;
    ``predicted`` is their mean predicted risk, ``observed`` 1 - KM at the horizon
    with the KM's log-scale interval (R ``survfit``'s default) turned into risk.
    """
    rows = []
    for j, t in enumerate(pred.horizons):
        risk = pred.risk[:, j]
        code = quantile_groups(risk, groups)
        for g in np.unique(code):
            sel = code == g
            surv, se_log = _km_at(pred.time[sel], pred.event[sel], t)
            lo, hi = confidence_limits(np.array([surv]), np.array([se_log]), "log", conf_level)
            rows.append({"time": t, "group": int(g), "n": int(sel.sum()),
                         "events": int(pred.event[sel & (pred.time <= t)].sum()),
                         "predicted": float(risk[sel].mean()), "observed": 1.0 - surv,
                         "ci_lower": 1.0 - float(hi[0]), "ci_upper": 1.0 - float(lo[0])})
    return pd.DataFrame(rows, columns=["time", "group", "n", "events", "predicted", "observed",
                                       "ci_lower", "ci_upper"])


def _km_surv_at(time: np.ndarray, event: np.ndarray, t: float) -> float:
    return _km_at(time, event, t)[0]


def pseudo_risk(time: np.ndarray, event: np.ndarray, t: float) -> np.ndarray:
    """Jackknife pseudo-values of the risk 1 - S(t): 1 - (n S(t) - (n-1) S_{-i}(t)),
    S the Kaplan–Meier (R ``1 - prodlim::jackknife(prodlim(Hist(time, status) ~ 1), t)``).

    Leaving out a row changes S(t) only through the event times <= t, so S_{-i}
    is recomputed from the at-risk and event counts, O(n x event times).
    """
    n = len(time)
    full = _km_surv_at(time, event, t)
    uniq = np.unique(time[(event == 1) & (time <= t)])
    n_risk = np.array([np.sum(time >= s) for s in uniq], float)
    d = np.array([np.sum((time == s) & (event == 1)) for s in uniq], float)
    at_risk = time[:, None] >= uniq[None, :]                 # row i at risk at s
    died = (time[:, None] == uniq[None, :]) & (event[:, None] == 1)
    y = n_risk[None, :] - at_risk
    dd = d[None, :] - died
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(y > 0, 1.0 - dd / y, 1.0)
    loo = np.prod(factor, axis=1)
    return np.asarray(1.0 - (n * (full - loo) + loo))   # n S - (n-1) S_{-i}


def _neighbour_means(x: np.ndarray, y: np.ndarray, bandwidth: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """R ``prodlim::meanNeighbors(x, y, bandwidth)``: for each distinct x, the mean of y
    over its symmetric nearest-neighbour window of radius floor(bandwidth n) in rank,
    widened to whole tie bins at the start and cut to whole bins at the end."""
    n = len(x)
    order = np.argsort(x, kind="stable")
    values, counts = np.unique(x, return_counts=True)
    cumtabu = np.cumsum(counts)
    cumtabx = np.repeat(cumtabu, counts)
    tabx = np.repeat(counts, counts)
    radius = int(np.floor(bandwidth * n))
    means = np.empty(len(values))
    ys = y[order]
    for u, cu in enumerate(cumtabu):
        first, last = cu - radius, cu + radius
        first = 1 if first <= 0 else int(cumtabx[first - 1] - tabx[first - 1] + 1)
        if last > n:
            last = n
        elif cumtabx[last - 1] > last:
            last = int(cumtabx[last - 1] - tabx[last - 1])
        means[u] = ys[first - 1:last].mean()
    return values, means


def default_bandwidth(p: np.ndarray) -> float:
    """R ``prodlim::neighborhood``'s default bandwidth of the rounded risks ``p``:
    ``KernSmooth::dpik(cumtabx / N, kernel = "box")``, cumtabx the cumulative count of
    each row's tie group (1 when ``p`` is constant, as ``plotCalibration``); NaN where
    dpik has no value (a zero scale: most rows tie; R stops there)."""
    _, counts = np.unique(p, return_counts=True)
    if len(counts) == 1:
        return 1.0
    ranks = np.repeat(np.cumsum(counts), counts) / len(p)
    try:
        bw = dpik(ranks, kernel="box")
    except ValueError:
        return float("nan")
    return float(bw) if np.isfinite(bw) and bw > 0 else float("nan")


def _bandwidth(p: np.ndarray, t: float, bandwidth: float | None) -> float:
    if bandwidth is not None:
        return float(bandwidth)
    bw = default_bandwidth(p)
    if np.isnan(bw):
        bw = len(p) ** -0.25
        warnings.warn(f"At horizon {t:g} most predicted risks share one rounded value: R's "
                      "default bandwidth of the smoothed calibration curve (KernSmooth::dpik)"
                      f" does not exist there (R stops); n^(-1/4) = {bw:.4g} is used. Give "
                      "smooth_bandwidth to choose it.", BandwidthWarning, stacklevel=4)
    return bw


def calibration_curve(pred: Predictions, bandwidth: float | None = None) -> pd.DataFrame:
    """``time, bandwidth, predicted, observed``: the smoothed calibration curve at each horizon.

    As R ``riskRegression::plotCalibration(Score(..., plots = "calibration"),
    cens.method = "jackknife", bandwidth = bandwidth)``: the predicted risks are
    rounded to 2 decimals, and at each distinct rounded risk the observed risk is the
    mean jackknife pseudo-value of 1 - KM(t) over its nearest neighbours (window
    radius floor(bandwidth n) in rank).  Default bandwidth R's, per horizon:
    :func:`default_bandwidth` (``KernSmooth::dpik`` of the risk ranks, box kernel),
    or n^(-1/4) with a :class:`~mirprog.errors.BandwidthWarning` where it does not exist.
    """
    parts = []
    for j, t in enumerate(pred.horizons):
        p = np.round(pred.risk[:, j], 2)
        jack = pseudo_risk(pred.time, pred.event, t)
        bw = _bandwidth(p, t, bandwidth)
        if bw >= 1 or len(np.unique(p)) == 1:
            x, m = np.array([pred.risk[:, j].mean()]), np.array([jack.mean()])
        else:
            x, m = _neighbour_means(p, jack, bw)
        parts.append(pd.DataFrame({"time": t, "bandwidth": bw, "predicted": x,
                                   "observed": m}))
    return pd.concat(parts, ignore_index=True)
