"""Kaplan–Meier estimates with Greenwood variance, as R's ``survfit``."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._engine.dist import zcrit
from mirprog._result import Result
from mirprog.data.cohort import AnalysisData, Cohort, Exclusions
from mirprog.data.intervals import continues
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats._common import MAX_GROUPS, case_weights, check_complete, grouped

__all__ = ["KMResult", "km"]

ConfType = Literal["log", "log-log", "plain", "logit", "arcsin"]
CONF_TYPES: tuple[str, ...] = ("log", "log-log", "plain", "logit", "arcsin")
_TOL = float(np.sqrt(np.finfo(float).eps))

_TABLE_COLUMNS = ["group", "time", "n_at_risk", "n_events", "n_censored", "survival",
                  "se", "ci_lower", "ci_upper", "std_err", "cumhaz", "cumhaz_se"]


@dataclass(frozen=True)
class KMResult(Result):
    """Kaplan–Meier curves for one cohort, overall or by group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group and distinct time (events and censorings), with
        columns ``group, time, n_at_risk, n_events, n_censored, survival,
        se, ci_lower, ci_upper, std_err, cumhaz, cumhaz_se``.  ``se`` is the standard
        error of the survival estimate (Greenwood), on the survival scale, as ``std.err``
        in ``summary(survfit(...))``; ``std_err`` is the same column under its 0.1
        name, kept for one release (mirprog calls a standard error ``se`` everywhere).
        ``cumhaz`` is the Nelson–Aalen cumulative hazard ``sum d_j / n_j`` and
        ``cumhaz_se`` its standard error ``sqrt(sum d_j / n_j^2)``, as survfit's
        ``cumhaz`` and ``std.chaz``.
    median : pandas.DataFrame
        Indexed by group: ``n, events, median, ci_lower, ci_upper`` (NaN when the
        curve or its confidence limit never reaches 0.5).
    by : str or None
        Grouping column (``None`` for one overall curve, whose group is ``"all"``).
    groups : tuple
        Group labels in display order.
    conf_type, conf_level : str, float
        The confidence-interval transform and level.
    n, events : int
        Rows used and events among them.
    excluded : Exclusions
        Rows left out (missing grouping value) and why.
    """

    table: pd.DataFrame
    median: pd.DataFrame
    by: str | None
    groups: tuple[Any, ...]
    conf_type: ConfType
    conf_level: float
    n: int
    events: int
    excluded: Exclusions


    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Survival at given times, per group (as ``summary(fit, times=...)``).

        The estimate at ``t`` is the curve's value at the last distinct time
        ``<= t`` and ``n_at_risk`` counts patients still followed at ``t``.
        Beyond a group's last follow-up the estimate is not defined and is NaN.

        Returns
        -------
        pandas.DataFrame
            Columns ``group, time, n_at_risk, survival, se, ci_lower, ci_upper, std_err``
            (``std_err`` = ``se``, its 0.1 name).
        """
        rows = []
        for g in self.groups:
            tab = self.table[self.table["group"] == g]
            t_arr = tab["time"].to_numpy()
            # n at risk at t = n at risk at the first distinct time >= t
            for t in np.asarray(times, dtype=float):
                first_after = np.searchsorted(t_arr, t, side="left")
                if first_after >= len(t_arr):
                    rows.append((g, t, 0, np.nan, np.nan, np.nan, np.nan))
                    continue
                n_risk = int(tab["n_at_risk"].iloc[first_after])
                pos = np.searchsorted(t_arr, t, side="right") - 1
                if pos < 0:
                    rows.append((g, t, n_risk, 1.0, 0.0, 1.0, 1.0))
                else:
                    r = tab.iloc[pos]
                    rows.append((g, t, n_risk, r["survival"], r["se"], r["ci_lower"],
                                 r["ci_upper"]))
        out = pd.DataFrame(rows, columns=["group", "time", "n_at_risk", "survival", "se",
                                          "ci_lower", "ci_upper"])
        out["std_err"] = out["se"]
        return out

    def quantile(self, q: float | Sequence[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Survival-time quantiles with their confidence limits (R ``quantile.survfit``).

        The ``q`` quantile is the first time the curve drops to ``1 - q`` or below
        (the midpoint of a flat stretch lying exactly at ``1 - q``); its limits are
        where the pointwise limit curves (this fit's ``conf_type``) do so.  NaN where
        a curve never gets there.  ``q = 0.5`` gives :attr:`median`.

        Parameters
        ----------
        q : float or sequence of float, default (0.25, 0.5, 0.75)
            Probabilities in [0, 1] (of the event, i.e. of ``1 - S``).

        Returns
        -------
        pandas.DataFrame
            Columns ``group, q, time, ci_lower, ci_upper``, one row per group and ``q``.

        Raises
        ------
        ArgumentError
            A probability outside [0, 1] or not a number.

        Examples
        --------
        >>> import mirprog as mp
        >>> fit = mp.km(mp.datasets.load_gbsg2(), by="horTh")
        >>> fit.quantile([0.25, 0.5])
          group     q    time  ci_lower  ci_upper
        0    no  0.25   629.0     552.0     762.0
        1    no  0.50  1528.0    1296.0    1814.0
        2   yes  0.25   859.0     712.0    1183.0
        3   yes  0.50  2018.0    1918.0       NaN
        """
        probs = np.atleast_1d(np.asarray(q, dtype=float)) if not isinstance(q, str) \
            else np.array([np.nan])
        if probs.ndim != 1 or np.isnan(probs).any() or (probs < 0).any() or (probs > 1).any():
            raise ArgumentError(f"q must hold probabilities in [0, 1], got {q!r}.",
                                argument="q")
        rows = []
        for g in self.groups:
            tab = self.table[self.table["group"] == g]
            x = np.concatenate([[0.0], tab["time"].to_numpy(float)])
            curves = [np.concatenate([[0.0], 1 - tab[c].to_numpy(float)])
                      for c in ("survival", "ci_lower", "ci_upper")]
            for p in probs:  # R: the 0 quantile is the curve's start
                found = [0.0] * 3 if p == 0 else [_findq(x, y, float(p)) for y in curves]
                rows.append((g, float(p), *found))
        return pd.DataFrame(rows, columns=["group", "q", "time", "ci_lower", "ci_upper"])


def _curve(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None = None,
           entry: np.ndarray | None = None, leaves: np.ndarray | None = None
           ) -> dict[str, np.ndarray]:
    """Distinct times, risk sets, events, censorings, survival and Greenwood SE of log S.

    With case ``weights`` the counts are weighted sums (R ``survfit(weights=)``).
    With ``entry`` a row is at risk on (entry, time] (R ``Surv(start, stop, event)``);
    ``leaves`` marks the rows whose censoring ends the patient's follow-up (R's
    ``n.censor`` with ``id=``: a patient moving to their next interval is not censored).
    """
    if entry is not None:
        return _interval_curve(time, event, weights, entry, leaves)
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    uniq, first, counts = np.unique(t, return_index=True, return_counts=True)
    if weights is not None:
        w = np.asarray(weights, float)[order]
        d = np.add.reduceat(w * e, first)
        c = np.add.reduceat(w, first) - d
        n_risk = np.cumsum(w[::-1])[::-1][first]
        return _product_limit(uniq, n_risk, d, c)
    d = np.add.reduceat(e, first).astype(float)
    c = counts - d
    n_risk = len(t) - first
    out = _product_limit(uniq, n_risk.astype(float), d, c.astype(float))
    for key in ("n_risk", "d", "c"):
        out[key] = out[key].astype(np.int64)
    return out


def _interval_curve(time: np.ndarray, event: np.ndarray, weights: np.ndarray | None,
                    entry: np.ndarray, leaves: np.ndarray | None) -> dict[str, np.ndarray]:
    """The product-limit curve of (entry, time] rows: at risk at t when entry < t <= time."""
    w = np.ones(len(time)) if weights is None else np.asarray(weights, float)
    left = np.ones(len(time), bool) if leaves is None else leaves
    uniq, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=w * event, minlength=len(uniq))
    c = np.bincount(inv, weights=w * ((event == 0) & left), minlength=len(uniq))
    by_stop, by_entry = np.argsort(time, kind="stable"), np.argsort(entry, kind="stable")
    stop_tail = np.concatenate([np.cumsum(w[by_stop][::-1])[::-1], [0.0]])
    entry_tail = np.concatenate([np.cumsum(w[by_entry][::-1])[::-1], [0.0]])
    n_risk = (stop_tail[np.searchsorted(time[by_stop], uniq, side="left")]
              - entry_tail[np.searchsorted(entry[by_entry], uniq, side="left")])
    out = _product_limit(uniq, n_risk, d, c)
    if weights is None:
        for key in ("n_risk", "d", "c"):
            out[key] = np.rint(out[key]).astype(np.int64)
    return out


def _product_limit(uniq: np.ndarray, n_risk: np.ndarray, d: np.ndarray, c: np.ndarray
                   ) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n_risk)
        terms = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
        hazard = np.where(d > 0, d / n_risk, 0.0)
        hazard_var = np.where(d > 0, d / n_risk**2, 0.0)
    return {"time": uniq, "n_risk": n_risk, "d": d, "c": c, "surv": surv,
            "se_log": np.sqrt(np.cumsum(terms)), "cumhaz": np.cumsum(hazard),
            "cumhaz_se": np.sqrt(np.cumsum(hazard_var))}


def _leaves(data: AnalysisData, sel: np.ndarray) -> np.ndarray | None:
    """Rows of one curve whose end is the patient's last moment in that curve."""
    if data.entry is None or data.patients is None:
        return None
    return ~continues(data.patients[sel], data.entry[sel], data.time[sel])


def confidence_limits(
    surv: np.ndarray, se_log: np.ndarray, conf_type: ConfType, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits for S from the SE of log S, exactly as R's ``survfit_confint``."""
    z = zcrit(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = se_log * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lower = np.exp(np.log(xx) - z * se_log)
            upper = np.minimum(np.exp(np.log(xx) + z * se_log), 1.0)
            return lower, upper
        if conf_type == "log-log":
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            half = z * se_log / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + half))
            return lower, upper
        if conf_type == "logit":
            xx = np.where(surv == 0, np.nan, surv)
            half = z * se_log * (1 + xx / (1 - xx))
            logit = np.log(xx / (1 - xx))
            return 1 - 1 / (1 + np.exp(logit - half)), 1 - 1 / (1 + np.exp(logit + half))
        if conf_type == "arcsin":
            xx = np.where(surv == 0, np.nan, surv)
            half = 0.5 * z * se_log * np.sqrt(xx / (1 - xx))
            angle = np.arcsin(np.sqrt(xx))
            return (np.sin(np.maximum(0.0, angle - half)) ** 2,
                    np.sin(np.minimum(np.pi / 2, angle + half)) ** 2)
    raise ArgumentError(f"conf_type must be one of {', '.join(map(repr, CONF_TYPES))}, "
                        f"got {conf_type!r}", argument="conf_type")


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """Time at which the cumulative curve ``y`` first reaches ``p`` (R's ``findq``)."""
    finite = y[~np.isnan(y)]
    if finite.size == 0 or finite.max() < p:
        return float("nan")
    xmax = x[-1]
    _, first = np.unique(y, return_index=True)  # drop repeated y values, keep first x
    keep = np.sort(first)
    x, y = x[keep], y[keep]
    last_point = not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]

    def first_reaching(v: np.ndarray) -> int | None:
        # approx(v, 1:n, p, "constant", f=1): entry with the smallest v >= p, NA outside range
        if p < v.min() or p > v.max():
            return None
        cand = np.flatnonzero(v >= p)
        return int(cand[np.argmin(v[cand])])

    i1 = first_reaching(y + _TOL)
    i2 = first_reaching(y - _TOL)
    if last_point and i1 is not None:
        return float((x[i1] + xmax) / 2)
    if i1 is None or i2 is None:
        return float("nan")
    return float((x[i1] + x[i2]) / 2)


def km(
    cohort: Cohort,
    by: str | None = None,
    *,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    max_groups: int = MAX_GROUPS,
    weights: str | None = None,
    cause: Hashable | None = None,
) -> KMResult:
    """Kaplan–Meier survival curves, overall or per group.

    Parameters
    ----------
    cohort : Cohort
    by : str, optional
        Grouping column (e.g. ``"mir125b_high"``); rows where it is missing are
        excluded from this analysis and listed in ``excluded``.
    conf_type : {"log", "log-log", "plain", "logit", "arcsin"}, default "log"
        Transform for the pointwise confidence interval, as survfit's ``conf.type``;
        ``"log"`` is R's default, ``"log-log"`` is Stata's and SAS's.  As in
        survival 3.5-3, the ``"logit"`` and ``"arcsin"`` limits are NaN where
        S = 1 (before the first event), like ``"log-log"``'s.
    conf_level : float, default 0.95
    max_groups : int, default 20
        A ``by`` column with more distinct values is refused (it is probably a
        continuous marker: cut it first with :class:`~mirprog.Cutpoints`).
    weights : str, optional
        Column of case (frequency) weights, as R ``survfit(weights=)``: the
        table's counts are then weighted sums (``n``/``events`` of ``median``
        stay row counts).  Finite, >= 0, present in every row used.
    cause : str or int, optional
        On a cohort with competing causes: the cause-specific analysis of this cause
        (name or code; the other causes censored at their time), or ``"any"`` for the
        composite event (:meth:`Cohort.for_cause`).  Required there; for the
        probability of an event in the presence of competing causes use
        :func:`mirprog.cif`, not 1 - KM.

    Returns
    -------
    KMResult

    Notes
    -----
    S(t) = prod_{t_j <= t} (1 - d_j / n_j); Greenwood:
    Var(log S) = sum d_j / (n_j (n_j - d_j)).  Patients censored at an event
    time are at risk at that time.  Confidence limits and the median (with
    its CI, from where the limit curves cross 0.5, taking the midpoint of a
    flat stretch at exactly 0.5) follow R ``survival`` 3.x to the letter.

    Times that differ only by floating-point noise (relative difference below
    about 1.5e-8) are one time, as R's ``timefix = TRUE``; the table shows the
    smallest of them, as ``survfit`` does (:func:`~mirprog._engine.timefix.aeq_times`).

    A cohort of (start, stop] intervals (``entry``) gives the product-limit
    estimate with delayed entry, as ``survfit(Surv(start, stop, event) ~ by,
    id=id)`` on each group's rows: a row is at risk at t when start < t <= stop,
    a patient moving on to their next interval in the same curve is not
    censored (one leaving the group is), and ``median``'s ``n`` counts
    patients.  ``by`` may change within a patient (a time-varying group).  The
    variance stays Greenwood's with recurrent events, where ``survfit(id=)``
    switches to a robust one (its ``robust=FALSE`` gives ours).

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fit = mp.km(gbsg, by="horTh")
    >>> fit.median.round(1)
             n  events  median  ci_lower  ci_upper
    group
    no     440     205  1528.0    1296.0    1814.0
    yes    246      94  2018.0    1918.0       NaN
    """
    if cause is not None:
        cohort = cohort.for_cause(cause)
    if weights is not None:  # a row with its group but no weight is an error, not an exclusion
        check_complete(cohort, [by] if by is not None else [], [weights], intervals=True)
    data, codes, levels = grouped(cohort, by, [] if weights is None else [weights],
                                  max_groups=max_groups, intervals=True)
    w = None if weights is None else case_weights(data, weights)
    if not levels:
        raise CohortError(f"Column {by!r} is missing in every row, so there is no curve to "
                          f"estimate ({data.exclusions.summary()}).", column=by)
    tables, medians = [], []
    for k, g in enumerate(levels):
        sel = codes == k
        cur = _curve(data.time[sel], data.event[sel], None if w is None else w[sel],
                     None if data.entry is None else data.entry[sel], _leaves(data, sel))
        lower, upper = confidence_limits(cur["surv"], cur["se_log"], conf_type, conf_level)
        with np.errstate(invalid="ignore"):
            se = cur["surv"] * cur["se_log"]
        tab = pd.DataFrame({
            "group": [g] * len(cur["time"]), "time": cur["time"], "n_at_risk": cur["n_risk"],
            "n_events": cur["d"], "n_censored": cur["c"], "survival": cur["surv"],
            "se": se, "ci_lower": lower, "ci_upper": upper, "std_err": se,
            "cumhaz": cur["cumhaz"], "cumhaz_se": cur["cumhaz_se"],
        })
        tables.append(tab)
        x = np.concatenate([[0.0], cur["time"]])
        medians.append({
            "group": g,
            "n": int(sel.sum()) if data.patients is None else len(set(data.patients[sel])),
            "events": int(data.event[sel].sum()),
            "median": _findq(x, np.concatenate([[0.0], 1 - cur["surv"]]), 0.5),
            "ci_lower": _findq(x, np.concatenate([[0.0], 1 - lower]), 0.5),
            "ci_upper": _findq(x, np.concatenate([[0.0], 1 - upper]), 0.5),
        })
    table = pd.concat(tables, ignore_index=True)[_TABLE_COLUMNS]
    median = pd.DataFrame(medians).set_index("group")
    return KMResult(table=table, median=median, by=by, groups=tuple(levels),
                    conf_type=conf_type, conf_level=conf_level, n=len(data.time),
                    events=int(data.event.sum()), excluded=data.exclusions)
