"""Inverse-probability-of-censoring-weighted (IPCW) accuracy of risk predictions.

Arrays in, arrays out.  The censoring distribution is the reverse Kaplan–Meier
of the validation sample (``cens.model = "km"`` in R ``riskRegression::Score``);
the time-dependent Brier score and the cumulative/dynamic AUC, and their
influence functions, follow ``riskRegression`` 2022.11.28 (``Brier.survival``,
``AUC.survival``, ``getIC0AUC``, ``getInfluenceFunctionBrierKMCensoringTerm``,
``getInfluenceFunctionAUCKMCensoringTerm``) step by step, so estimates and
standard errors agree with ``Score(..., se.fit = TRUE, conservative = FALSE)``
to rounding.  Conventions, as in R:

* rows are taken in the order (time, events before censorings);
* a case at horizon ``tau`` is an event at ``T <= tau``, weighted by
  ``1 / G(T-)``; a control is ``T > tau``, weighted by ``1 / G(tau)``; a row
  censored at or before ``tau`` weighs 0;
* the influence function of the censoring survival is that of the
  Nelson–Aalen cumulative hazard of censoring (what riskRegression uses);
* ``se = sd(IF) / sqrt(n)`` with the ``n - 1`` standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["IPCWEstimate", "censoring_survival", "ipcw_auc", "ipcw_brier", "roc_curve"]


@dataclass(frozen=True)
class IPCWEstimate:
    """One IPCW estimate with its influence function (one value per row, input order)."""

    estimate: float
    influence: np.ndarray

    @property
    def se(self) -> float:
        """``sd(influence) / sqrt(n)`` (R ``sd``: ``n - 1`` denominator)."""
        n = len(self.influence)
        return float(np.std(self.influence, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")


@dataclass(frozen=True)
class _Sorted:
    """A sample in R's order (time, events first) with its distinct-time structure."""

    order: np.ndarray     # permutation of the input rows
    time: np.ndarray      # sorted times
    event: np.ndarray     # sorted 0/1 events
    group: np.ndarray     # per sorted row: index of its distinct time
    at_risk: np.ndarray   # per distinct time: rows with time >= it
    mc: np.ndarray        # per distinct time: cumsum of n * dN_c / Y^2 (riskRegression MC_term2)


def _sort(time: np.ndarray, event: np.ndarray) -> _Sorted:
    time, event = np.asarray(time, float), np.asarray(event, float)
    order = np.lexsort((-event, time))
    t, d = time[order], event[order]
    n = len(t)
    new = np.ones(n, bool)
    new[1:] = t[1:] != t[:-1]
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    at_risk = (n - first).astype(float)
    cens = np.bincount(group, weights=1.0 - (d != 0), minlength=len(first))
    mc = np.cumsum(cens / at_risk * n / at_risk)
    return _Sorted(order, t, d, group, at_risk, mc)


def censoring_survival(time: np.ndarray, event: np.ndarray, at: np.ndarray, *,
                       left: bool = False) -> np.ndarray:
    """Reverse Kaplan–Meier G of the censoring times, evaluated at ``at``.

    G(t) = prod_{s <= t} (1 - c(s) / (Y(s) - d(s))), c(s) the censorings at s,
    d(s) the events at s and Y(s) the rows with time >= s: an event at s is no
    longer at risk of censoring at s, as R ``prodlim(..., reverse = TRUE)``
    (``survfit(Surv(time, 1 - event) ~ 1)`` keeps it, and differs at tied times).
    ``left=True`` gives G(t-), the product over s < t
    (``prodlim::predictSurvIndividual(lag = 1)`` at each row's own time).
    """
    s = _sort(time, event)
    cens = np.bincount(s.group, weights=1.0 - (s.event != 0), minlength=len(s.at_risk))
    events = np.bincount(s.group, weights=(s.event != 0) * 1.0, minlength=len(s.at_risk))
    left_over = s.at_risk - events
    surv = np.cumprod(1.0 - np.divide(cens, left_over, out=np.zeros_like(cens),
                                      where=left_over > 0))
    utime = s.time[np.r_[True, s.time[1:] != s.time[:-1]]]
    idx = np.searchsorted(utime, np.asarray(at, float), side="left" if left else "right")
    return np.where(idx > 0, surv[np.maximum(idx - 1, 0)], 1.0)


def _fihat(s: _Sorted, firsthit: int, zero_when_none: bool) -> np.ndarray:
    """Per sorted row: riskRegression's influence of the censoring hazard (``fihattau``)."""
    n = len(s.time)
    if firsthit < 0 and zero_when_none:
        return np.zeros(n)
    fh = max(firsthit, 0)
    j = np.minimum(np.arange(n), fh)
    before = s.time[j] < s.time          # utime[sindex[j]] < time[i]
    own = (s.event == 0) * n / s.at_risk[s.group] - s.mc[s.group]
    return np.where(before, -s.mc[s.group[j]], own)


def _group_sums(s: _Sorted, values: np.ndarray) -> np.ndarray:
    return np.bincount(s.group, weights=values, minlength=len(s.at_risk))


def _shifted_mc(s: _Sorted) -> np.ndarray:
    """MC at the previous distinct time (0 before the first)."""
    return np.r_[0.0, s.mc[:-1]]


def ipcw_brier(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
               tau: float) -> IPCWEstimate:
    """IPCW Brier score at ``tau`` of the predicted event probabilities ``risk``.

    Brier = (1/n) sum_i [ I(T_i <= tau, d_i = 1) (1 - r_i)^2 / G(T_i-)
                          + I(T_i > tau) r_i^2 / G(tau) ],
    with its influence function (R ``Brier.survival`` with
    ``getInfluenceFunctionBrierKMCensoringTerm``).
    """
    s = _sort(time, event)
    r = np.asarray(risk, float)[s.order]
    n = len(r)
    g_minus = censoring_survival(time, event, s.time, left=True)
    g_tau = float(censoring_survival(time, event, np.array([tau]))[0])
    case = (s.time <= tau) & (s.event == 1)
    control = s.time > tau
    res = np.zeros(n)
    res[case] = (1.0 - r[case]) ** 2 / g_minus[case]
    res[control] = r[control] ** 2 / g_tau
    firsthit = int(np.searchsorted(s.time, tau, side="right")) - 1
    fihat = _fihat(s, firsthit, zero_when_none=True)
    rk = _group_sums(s, np.where((s.event != 0) & (s.time <= tau), res, 0.0))
    # at a row of distinct time g: part2 = sum_{k > g} R_k, part1 = -sum_{k <= g} R_k MC_{k-1}
    part2 = (rk.sum() - np.cumsum(rk))[s.group]
    part1 = -np.cumsum(rk * _shifted_mc(s))[s.group]
    term = (part1 + fihat * part2) / n + res[control].sum() / n * fihat
    infl = np.empty(n)
    infl[s.order] = res - res.mean() + term
    return IPCWEstimate(float(res.sum() / n), infl)


def _tie_sums(risk: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: sum of ``w`` over rows of lower risk, and over rows of equal risk."""
    uniq, inv = np.unique(risk, return_inverse=True)
    by_value = np.bincount(inv, weights=w, minlength=len(uniq))
    below = np.r_[0.0, np.cumsum(by_value)[:-1]]
    return below[inv], by_value[inv]


def ipcw_auc(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
             tau: float) -> IPCWEstimate:
    """Cumulative/dynamic IPCW AUC at ``tau`` (cases T <= tau with an event, controls T > tau).

    AUC = sum_{i case, j control} w_i w_j [I(r_i > r_j) + I(r_i = r_j) / 2]
          / (sum_i w_i sum_j w_j),
    w_i = 1 / G(T_i-) for cases and 1 / G(tau) for controls; its influence
    function is R ``getIC0AUC`` plus ``getInfluenceFunctionAUCKMCensoringTerm``.
    """
    s = _sort(time, event)
    r = np.asarray(risk, float)[s.order]
    n = len(r)
    g_minus = censoring_survival(time, event, s.time, left=True)
    g_tau = float(censoring_survival(time, event, np.array([tau]))[0])
    firsthit = max(int(np.searchsorted(s.time, tau, side="right")) - 1, 0)
    idx = np.arange(n)
    case = (idx <= firsthit) & (s.event == 1) & (s.time <= tau)
    control = idx > firsthit
    w = np.where(case, 1.0 / g_minus, 0.0) + np.where(control, 1.0 / g_tau, 0.0)
    mu_case, mu_controls = w[case].sum(), w[control].sum()
    # ic0Control: case weight above (half of the tied, not oneself); ic0Case: control weight below
    below_case, tie_case = _tie_sums(r, np.where(case, w, 0.0))
    ic0_control = mu_case - below_case - tie_case + 0.5 * (tie_case - np.where(case, w, 0.0))
    below_ctrl, tie_ctrl = _tie_sums(r, np.where(control, w, 0.0))
    ic0_case = below_ctrl + 0.5 * (tie_ctrl - np.where(control, w, 0.0))
    mu = mu_case * mu_controls / n**2
    auc = float((w[case] * ic0_case[case]).sum() / (mu_case * mu_controls))
    nu = auc * mu
    num = np.where(case, w / n * ic0_case, np.where(control, w / n * ic0_control, 0.0))
    den = np.where(case, w / n * mu_controls, np.where(control, w / n * mu_case, 0.0))
    ic0 = (num * mu - den * nu) / mu**2
    infl = np.empty(n)
    infl[s.order] = ic0 + _auc_censoring_term(s, tau, firsthit, case, control, w, ic0_case,
                                              ic0_control, mu_case, mu_controls, nu, g_tau)
    return IPCWEstimate(auc, infl)


def _auc_censoring_term(s: _Sorted, tau: float, firsthit: int, case: np.ndarray,
                        control: np.ndarray, w: np.ndarray, ic0_case: np.ndarray,
                        ic0_control: np.ndarray, mu_case: float, mu_controls: float,
                        nu: float, g_tau: float) -> np.ndarray:
    """riskRegression's ``getInfluenceFunctionAUCKMCensoringTerm`` (survival: no status 2)."""
    n = len(s.time)
    fihat = _fihat(s, firsthit, zero_when_none=False)
    cases_leq = case & (s.time <= tau)
    a = _group_sums(s, np.where(cases_leq, ic0_case * w, 0.0))
    b = _group_sums(s, np.where(cases_leq, w, 0.0))
    mc_prev = _shifted_mc(s)
    num1 = -np.cumsum(a * mc_prev)[s.group]
    den1 = -np.cumsum(b * mc_prev)[s.group]
    num2 = (nu * n * n - np.cumsum(a))[s.group]
    den2 = (mu_case - np.cumsum(b))[s.group]
    sum_num = ic0_control[control].sum() / g_tau
    sum_den = control.sum() / g_tau
    num3 = nu * n * n - sum_num
    den3 = mu_controls - sum_den
    mu = mu_case * mu_controls / n**2
    t2num = (num1 + fihat * num2) / n**2
    t2den = (den1 + fihat * den2) / n**2 * mu_controls
    t3num = (fihat * num3 + fihat * sum_num) / n**2
    t3den = (fihat * den3 + fihat * sum_den) / n**2 * mu_case
    return ((t2num + t3num) * mu - (t2den + t3den) * nu) / mu**2


def roc_curve(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
              tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IPCW ROC points at ``tau``: thresholds (decreasing risk), FPR and TPR.

    One point per distinct risk (the last row of each tie, as R ``Score(...,
    plots = "ROC")``), preceded by (0, 0); the trapezoids under it give
    :func:`ipcw_auc`'s estimate.
    """
    time, event, r = np.asarray(time, float), np.asarray(event, float), np.asarray(risk, float)
    g_minus = censoring_survival(time, event, time, left=True)
    g_tau = float(censoring_survival(time, event, np.array([tau]))[0])
    case = (time <= tau) & (event == 1)
    control = time > tau
    wc = np.where(case, 1.0 / g_minus, 0.0)
    wk = np.where(control, 1.0 / g_tau, 0.0)
    uniq, inv = np.unique(-r, return_inverse=True)
    tp = np.cumsum(np.bincount(inv, weights=wc, minlength=len(uniq)))
    fp = np.cumsum(np.bincount(inv, weights=wk, minlength=len(uniq)))
    return (np.r_[np.inf, -uniq], np.r_[0.0, fp / fp[-1]], np.r_[0.0, tp / tp[-1]])
