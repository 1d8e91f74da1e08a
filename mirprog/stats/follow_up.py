"""Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

The median of the censored patients' times understates follow-up when events come
early, and the median of everyone's times mixes follow-up with survival.  The reverse
Kaplan–Meier estimate swaps the roles of events and censorings: it is the
Kaplan–Meier curve of the time to censoring, where an event censors the follow-up.
Its median (with the curve's CI) is the follow-up a reviewer asks for (REMARK).  Same
numbers as R ``survfit(Surv(time, 1 - status) ~ 1)``'s median and its CI.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mirprog._result import Result
from mirprog.data.cohort import Cohort

__all__ = ["FollowUpResult", "follow_up"]


@dataclass(frozen=True)
class FollowUpResult(Result):
    """Median follow-up by reverse Kaplan–Meier.

    Attributes
    ----------
    median, ci_lower, ci_upper : float
        Median potential follow-up and its confidence limits (NaN when the reverse
        curve does not reach 0.5), in the cohort's time unit.
    q1, q3 : float
        The reverse curve's 25th and 75th percentiles (time at which 25% / 75% of the
        patients have stopped being followed), NaN when not reached.
    time_range : tuple of float
        Shortest and longest follow-up time.
    n : int
        Patients.
    time_unit : str or None
    conf_level : float
    """

    median: float
    ci_lower: float
    ci_upper: float
    q1: float
    q3: float
    time_range: tuple[float, float]
    n: int
    time_unit: str | None
    conf_level: float

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"n": [self.n], "median": [self.median],
                             "ci_lower": [self.ci_lower], "ci_upper": [self.ci_upper],
                             "q1": [self.q1], "q3": [self.q3],
                             "min": [self.time_range[0]], "max": [self.time_range[1]]},
                            index=pd.Index(["reverse Kaplan–Meier"], name="method"))


def _quantile(times: pd.Series, surv: pd.Series, p: float) -> float:
    """First time the curve is at or below 1 - p, as R (the midpoint over a flat stretch)."""
    s = surv.to_numpy()
    t = times.to_numpy()
    target = 1 - p
    tol = 1e-12
    below = (s <= target + tol).nonzero()[0]
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if abs(s[i] - target) < tol and i + 1 < len(t):
        return float((t[i] + t[i + 1]) / 2)
    return float(t[i])


def follow_up(cohort: Cohort, *, conf_level: float = 0.95) -> FollowUpResult:
    """Median follow-up of a cohort by the reverse Kaplan–Meier method.

    Parameters
    ----------
    cohort : Cohort
        One row per patient (follow-up of (start, stop] rows is not defined here).
    conf_level : float, default 0.95

    Returns
    -------
    FollowUpResult
        ``median``, ``ci_lower``, ``ci_upper`` (log CI of the reverse curve, as
        ``survfit``), ``q1``, ``q3``, ``time_range``, ``n``, ``time_unit``.

    Examples
    --------
    >>> import mirprog as mp
    >>> fu = mp.follow_up(mp.datasets.load_gbsg2())
    >>> fu.median, fu.n
    (1645.0, 686)
    """
    from mirprog.stats.km import km

    cohort.require_one_row_per_patient("follow_up")
    time = cohort.time
    # any event (of any cause) ends a patient's follow-up
    event = cohort.status
    flipped = Cohort(pd.DataFrame({"time": time, "event": (event == 0).astype(int)}), time="time",
                     event="event")
    curve = km(flipped, conf_level=conf_level)
    med = curve.median.iloc[0]
    tab = curve.table
    return FollowUpResult(
        median=float(med["median"]), ci_lower=float(med["ci_lower"]),
        ci_upper=float(med["ci_upper"]), q1=_quantile(tab["time"], tab["survival"], 0.25),
        q3=_quantile(tab["time"], tab["survival"], 0.75),
        time_range=(float(time.min()), float(time.max())), n=len(time),
        time_unit=cohort.time_unit, conf_level=conf_level)
