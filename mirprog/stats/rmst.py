"""Restricted mean survival time: the area under the Kaplan–Meier curve up to ``tau``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog._engine.dist import normal_p, zcrit
from mirprog._engine.km import restricted_mean
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats._common import MAX_GROUPS
from mirprog.stats.km import km

__all__ = ["RMSTResult", "rmst"]

_NAN = float("nan")


@dataclass(frozen=True)
class RMSTResult(Result):
    """Restricted mean survival time per group and, for two groups, their contrast.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: ``group, n, events, rmst, se, ci_lower, ci_upper``
        (R ``summary(survfit(...), rmean = tau)$table[, c("rmean", "se(rmean)")]``;
        Wald limits ``rmst -/+ z se``).
    tau : float
        The restriction time (in the cohort's time unit).
    by : str or None
    groups : tuple
    difference, difference_se, difference_ci_lower, difference_ci_upper, difference_p : float
        Two groups only (else NaN): ``rmst`` of the second group minus the first's
        (the first group is the reference), as ``survRM2::rmst2``'s "RMST (arm=1)-(arm=0)".
    ratio, ratio_ci_lower, ratio_ci_upper, ratio_p : float
        Two groups only (else NaN): second over first, CI and p from the log ratio.
    conf_level : float
    n, events : int
        Rows used and events among them.
    excluded : Exclusions
        Rows left out (missing grouping value) and why.
    """

    table: pd.DataFrame
    tau: float
    by: str | None
    groups: tuple[Any, ...]
    difference: float
    difference_se: float
    difference_ci_lower: float
    difference_ci_upper: float
    difference_p: float
    ratio: float
    ratio_ci_lower: float
    ratio_ci_upper: float
    ratio_p: float
    conf_level: float
    n: int
    events: int
    excluded: Exclusions


def _check_tau(tau: Any) -> float:
    number = isinstance(tau, int | float | np.integer | np.floating) and not isinstance(
        tau, bool | np.bool_)
    value = float(tau) if number else _NAN
    if not np.isfinite(value) or value <= 0:
        raise ArgumentError(f"tau must be a positive, finite time (in the cohort's time unit), "
                            f"got {tau!r}: choose a time up to which every group is followed, "
                            "e.g. 5 years.", argument="tau")
    return value


def rmst(
    cohort: Cohort,
    by: str | None = None,
    *,
    tau: float,
    conf_level: float = 0.95,
    max_groups: int = MAX_GROUPS,
) -> RMSTResult:
    """Restricted mean survival time (RMST) up to ``tau``, overall or per group.

    Parameters
    ----------
    cohort : Cohort
        One row per patient (right-censored times).
    by : str, optional
        Grouping column; rows where it is missing are excluded and listed.
    tau : float
        Restriction time, in the cohort's time unit (required: there is no neutral default).
    conf_level : float, default 0.95
    max_groups : int, default 20
        As :func:`mirprog.km`.

    Returns
    -------
    RMSTResult

    Raises
    ------
    ArgumentError
        ``tau`` is not a positive finite number.
    CohortError
        The cohort holds (start, stop] intervals, or ``by`` is missing everywhere.

    Notes
    -----
    ``RMST = int_0^tau S(t) dt`` of the Kaplan–Meier curve (the curve is continued
    at its last value when ``tau`` lies beyond a group's last follow-up, as R's
    ``survfit`` does; survRM2 refuses such a ``tau``: check ``table`` and the
    follow-up).  Its variance is R's (``survival:::survmean``, Miller 1981, and
    survRM2's ``rmst1``): ``sum_{t_j <= tau} A_j^2 d_j / (n_j (n_j - d_j))`` with
    ``A_j`` the area under the curve from ``t_j`` to ``tau`` (no ``n / (n - 1)``
    correction; a time where everyone at risk dies adds 0).

    For two groups, as ``survRM2::rmst2``: the difference ``mu_1 - mu_0`` has
    ``se = sqrt(se_0^2 + se_1^2)`` (independent groups) and a Wald CI and p; the
    ratio ``mu_1 / mu_0`` is tested on the log scale with the delta-method
    ``se(log ratio) = sqrt(se_0^2 / mu_0^2 + se_1^2 / mu_1^2)``.

    Examples
    --------
    >>> import mirprog as mp
    >>> res = mp.rmst(mp.datasets.load_gbsg2(), by="horTh", tau=1825)
    >>> res.table.round(1)
      group    n  events    rmst    se  ci_lower  ci_upper
    0    no  440     205  1264.1  30.7    1204.0    1324.2
    1   yes  246      94  1413.4  37.9    1339.1    1487.7
    >>> round(res.difference, 1), round(res.difference_p, 4)
    (149.3, 0.0022)
    """
    t = _check_tau(tau)
    z = zcrit(conf_level)
    if cohort.entry is not None:
        raise CohortError("rmst() needs one right-censored time per patient; this cohort holds "
                          "(start, stop] intervals. Use the patients' total follow-up instead.")
    fit = km(cohort, by, conf_level=conf_level, max_groups=max_groups)
    rows = []
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        mu, var = restricted_mean(tab["time"].to_numpy(float), tab["survival"].to_numpy(float),
                                  tab["n_at_risk"].to_numpy(float),
                                  tab["n_events"].to_numpy(float), t,
                                  start=min(0.0, float(tab["time"].min())))
        se = float(np.sqrt(var))
        rows.append({"group": g, "n": int(fit.median.loc[g, "n"]),
                     "events": int(fit.median.loc[g, "events"]), "rmst": mu, "se": se,
                     "ci_lower": mu - z * se, "ci_upper": mu + z * se})
    table = pd.DataFrame(rows, columns=["group", "n", "events", "rmst", "se", "ci_lower",
                                        "ci_upper"])
    contrast: list[float] = [_NAN] * 9
    if len(rows) == 2:
        (m0, s0), (m1, s1) = [(r["rmst"], r["se"]) for r in rows]
        diff, dse = m1 - m0, float(np.hypot(s0, s1))
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = float(np.log(m1 / m0))
            lse = float(np.sqrt(s0**2 / m0**2 + s1**2 / m1**2))
            contrast = [diff, dse, diff - z * dse, diff + z * dse,
                        float(normal_p(np.divide(diff, dse))), float(np.exp(lr)),
                        float(np.exp(lr - z * lse)), float(np.exp(lr + z * lse)),
                        float(normal_p(np.divide(lr, lse)))]
    names = ["difference", "difference_se", "difference_ci_lower", "difference_ci_upper",
             "difference_p", "ratio", "ratio_ci_lower", "ratio_ci_upper", "ratio_p"]
    return RMSTResult(table=table, tau=t, by=by, groups=fit.groups,
                      **dict(zip(names, contrast, strict=True)), conf_level=conf_level,
                      n=fit.n, events=fit.events, excluded=fit.excluded)
