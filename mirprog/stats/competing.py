"""Competing risks: cumulative incidence, Gray's test and the Fine-Gray model.

On a cohort with competing causes (``mp.Cohort(..., causes={1: "recurrence",
2: "death"})``) the probability of a cause by time t is its cumulative incidence
(Aalen-Johansen), not 1 - Kaplan-Meier of the cause with the others censored,
which overstates it.

* :func:`cif` -- cumulative incidence per group, as R survival
  ``survfit(Surv(t, factor(status)) ~ by)`` (multi-state), with its default
  infinitesimal-jackknife standard errors and "log" confidence intervals.
* :func:`gray_test` -- Gray's (1988) test of equal cumulative incidence across
  groups, as ``cmprsk::cuminc(ftime, fstatus, group)$Tests``.
* :func:`fine_gray` -- the Fine-Gray (1999) proportional subdistribution-hazards
  model, as ``cmprsk::crr`` (robust sandwich standard errors).

The cause-specific Cox model is ``mp.cox(cohort, covariates, cause=...)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mirprog._engine.cif import aalen_johansen, gray_scores
from mirprog._engine.dist import chi2_sf, normal_p, zcrit
from mirprog._engine.finegray import fine_gray_fit
from mirprog._result import Result
from mirprog.data.causes import ANY, cause_code
from mirprog.data.cohort import AnalysisData, Cohort, Exclusions, timefixed
from mirprog.errors import ArgumentError, CauseError, CohortError
from mirprog.stats._common import ALL_GROUP, MAX_GROUPS, require_groups, sorted_levels
from mirprog.stats.cox.coxph import build_design, expand_covariates
from mirprog.stats.km import ConfType, confidence_limits

__all__ = ["CIFResult", "FineGrayResult", "GrayTestResult", "cif", "fine_gray", "gray_test"]

_TABLE = ["group", "cause", "time", "n_at_risk", "n_events", "n_censored", "cif", "se",
          "ci_lower", "ci_upper"]


@dataclass(frozen=True)
class CIFResult(Result):
    """Cumulative incidence curves (Aalen-Johansen), overall or by group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group, cause and distinct time (events and censorings):
        ``group, cause, time, n_at_risk, n_events`` (of that cause),
        ``n_censored, cif, se, ci_lower, ci_upper`` -- R ``summary(survfit(Surv(t,
        factor(status)) ~ by), censored = TRUE)``'s ``pstate``, ``std.err``,
        ``lower``, ``upper``.
    by : str or None
        Grouping column (``None``: one overall curve per cause, group ``"all"``).
    groups, causes : tuple
        Group labels and the cause names shown, in display order.
    conf_type, conf_level : str, float
        Confidence-interval transform (R's default for survfit, ``"log"``) and level.
    n : int
        Rows used.
    events : dict
        Events of each cause among them.
    excluded : Exclusions
        Rows left out (missing grouping value) and why.
    variance : str
        ``"infinitesimal jackknife"`` (R survfit's default for multi-state curves;
        ``cmprsk::cuminc`` uses Aalen's asymptotic variance, slightly different).
    """

    table: pd.DataFrame
    by: str | None
    groups: tuple[Any, ...]
    causes: tuple[str, ...]
    conf_type: ConfType
    conf_level: float
    n: int
    events: Mapping[str, int]
    excluded: Exclusions
    variance: str = "infinitesimal jackknife"

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Cumulative incidence at given times, per group and cause (``summary(fit, times=)``).

        The estimate at ``t`` is the curve's value at the last distinct time
        ``<= t``; ``n_at_risk`` counts the patients still followed at ``t``.
        Before a group's first time the incidence is 0 with limits 0, 0 (as R's
        ``summary``; in ``table`` a zero incidence has NaN limits, as R's ``lower``);
        beyond its last follow-up the estimate is NaN.

        Returns
        -------
        pandas.DataFrame
            Columns ``group, cause, time, n_at_risk, cif, se, ci_lower, ci_upper``.
        """
        rows = []
        for (g, cause), tab in self.table.groupby(["group", "cause"], sort=False):
            t_arr = tab["time"].to_numpy()
            for t in np.asarray(times, dtype=float):
                after = int(np.searchsorted(t_arr, t, side="left"))
                if after >= len(t_arr):
                    rows.append((g, cause, t, 0, np.nan, np.nan, np.nan, np.nan))
                    continue
                n_risk = int(tab["n_at_risk"].iloc[after])
                pos = int(np.searchsorted(t_arr, t, side="right")) - 1
                if pos < 0:
                    rows.append((g, cause, t, n_risk, 0.0, 0.0, 0.0, 0.0))
                    continue
                r = tab.iloc[pos]
                rows.append((g, cause, t, n_risk, r["cif"], r["se"], r["ci_lower"],
                             r["ci_upper"]))
        return pd.DataFrame(rows, columns=["group", "cause", "time", "n_at_risk", "cif", "se",
                                           "ci_lower", "ci_upper"])


@dataclass(frozen=True)
class GrayTestResult(Result):
    """Gray's test of equal cumulative incidence of one cause across groups.

    Attributes
    ----------
    chi2, df, p : float, int, float
        The statistic s' V^-1 s, its degrees of freedom (groups - 1) and p-value.
    table : pandas.DataFrame
        Indexed by group: ``n, events`` (of the cause), ``competing`` (other causes).
    score, variance : numpy.ndarray
        The scores of the first k - 1 groups and their covariance (cmprsk ``crstm``).
    by, cause : str
        Grouping column and the cause tested.
    groups : tuple
        Group labels, in the order of ``table``.
    rho : float
        Power of the weight (1 - F(t-))^rho (0: Gray's default).
    n, events : int
        Rows used and events of the cause among them.
    excluded : Exclusions
        Rows left out and why.
    strata : tuple of str
        Stratification columns (empty when unstratified).
    """

    chi2: float
    df: int
    p: float
    table: pd.DataFrame
    score: np.ndarray
    variance: np.ndarray
    by: str
    cause: str
    groups: tuple[Any, ...]
    rho: float
    n: int
    events: int
    excluded: Exclusions
    strata: tuple[str, ...] = ()


@dataclass(frozen=True)
class FineGrayResult(Result):
    """A Fine-Gray proportional subdistribution-hazards model of one cause.

    Attributes
    ----------
    summary : pandas.DataFrame
        Indexed by term: ``coef, se, hr, ci_lower, ci_upper, z, p, naive_se``;
        ``se`` is the robust (sandwich) standard error of ``cmprsk::crr``, which the
        Wald CI, z and p use; ``naive_se`` the model-based one.
    vcov : numpy.ndarray
        Robust covariance of the coefficients (``crr``'s ``var``).
    loglik : float
        Log pseudo-likelihood at the estimate.
    converged : bool
        Whether ``crr``'s stopping rule was met.
    iterations : int
        Newton steps taken.
    cause : str
        The cause modelled; the other causes compete.
    n, events, competing : int
        Rows used, events of the cause and of the other causes among them.
    conf_level : float
    excluded : Exclusions
    covariates : tuple of str
    """

    summary: pd.DataFrame
    vcov: np.ndarray
    loglik: float
    converged: bool
    iterations: int
    cause: str
    n: int
    events: int
    competing: int
    conf_level: float
    excluded: Exclusions
    covariates: tuple[str, ...] = field(default=())

    _main: ClassVar[str] = "summary"


def _competing_rows(cohort: Cohort, columns: Sequence[str], analysis: str) -> AnalysisData:
    if cohort.causes is None:
        raise CauseError(
            f"{analysis} needs a cohort with competing causes: build it with "
            "mp.Cohort(df, time=..., event=..., causes={1: 'recurrence', 2: 'death'}) "
            "(event coded 0 = censored, 1, 2, ... = cause).", column=cohort.event_col)
    cohort.require_one_row_per_patient(analysis)
    return timefixed(cohort.complete_cases(list(columns), causes=True))


def _one_cause(cohort: Cohort, cause: Hashable, argument: str = "cause") -> int:
    causes = cohort.causes or {}
    code = cause_code(causes, cause)
    if code is None:
        raise ArgumentError(f"{argument}={ANY!r} has no competitors; choose one cause of "
                            f"{list(causes.values())}.", argument=argument)
    return code


def _groups(data: AnalysisData, by: str | None, max_groups: int
            ) -> tuple[np.ndarray, list[Any]]:
    if by is None:
        return np.zeros(len(data.time), dtype=np.int64), [ALL_GROUP]
    levels = sorted_levels(data.frame[by])
    if len(levels) > max_groups:
        raise CohortError(f"Column {by!r} has {len(levels)} distinct values, more than "
                          f"max_groups={max_groups}: cut it into groups first.", column=by)
    codes = pd.Categorical(data.frame[by], categories=levels).codes.astype(np.int64)
    return codes, levels


def cif(cohort: Cohort, by: str | None = None, *, cause: Hashable | None = None,
        conf_level: float = 0.95, conf_type: ConfType = "log",
        max_groups: int = MAX_GROUPS) -> CIFResult:
    """Cumulative incidence of competing causes (Aalen-Johansen), overall or by group.

    Parameters
    ----------
    cohort : Cohort
        A cohort with competing causes (``causes=``).
    by : str, optional
        Grouping column; rows where it is missing are excluded and reported.
    cause : str or int, optional
        Show this cause only (name or code); default every cause.
    conf_level : float, default 0.95
    conf_type : {"log", "log-log", "plain"}, default "log"
        R survfit's transforms, applied to the cumulative incidence.
    max_groups : int, default 20
        A ``by`` column with more distinct values is refused.

    Returns
    -------
    CIFResult

    Raises
    ------
    CauseError
        The cohort has no competing causes, or ``cause`` is unknown.

    Notes
    -----
    F_k(t) = sum over event times s <= t of S(s-) d_k(s) / Y(s), S the all-cause
    Kaplan-Meier.  Standard errors are the infinitesimal jackknife of R survival
    >= 3.0 (``survfit``'s default for multi-state data), not the Aalen/delta-method
    variance of ``cmprsk::cuminc``; point estimates agree with both (and with
    lifelines' ``AalenJohansenFitter``).  Near-tied times are merged first, as by
    survfit's ``timefix``.

    Examples
    --------
    >>> import mirprog as mp
    >>> df = mp.datasets.load_gbsg2().data
    >>> df["status"] = (df["cens"] * (1 + (df["age"] > 65))).astype(int)
    >>> c = mp.Cohort(df, time="time", event="status", causes={1: "early", 2: "late"})
    >>> res = mp.cif(c, cause="early")
    >>> res.at([1000])[["cause", "time", "cif"]].round(3)
       cause    time    cif
    0  early  1000.0  0.313
    """
    zcrit(conf_level)
    data = _competing_rows(cohort, [by] if by else [], "mp.cif")
    codes, levels = _groups(data, by, max_groups)
    causes = dict(cohort.causes or {})
    shown = list(causes) if cause is None else [_one_cause(cohort, cause)]
    code_pos = {c: i for i, c in enumerate(causes)}
    status = np.zeros(len(data.event), dtype=np.int64)       # codes as 1..K for the engine
    for c, i in code_pos.items():
        status[data.event == c] = i + 1
    frames = []
    for gi, g in enumerate(levels):
        sel = codes == gi
        if not sel.any():
            continue
        aj = aalen_johansen(data.time[sel], status[sel], len(causes))
        for c in shown:
            k = code_pos[c] + 1
            p, se = aj.pstate[:, k], aj.se[:, k]
            with np.errstate(divide="ignore", invalid="ignore"):
                se_log = np.where(se == 0, 0.0, se / p)
            lo, hi = confidence_limits(p, se_log, conf_type, conf_level)
            frames.append(pd.DataFrame({
                "group": [g] * len(aj.time), "cause": causes[c], "time": aj.time,
                "n_at_risk": aj.n_risk, "n_events": aj.n_event[:, k - 1],
                "n_censored": aj.n_censor, "cif": p, "se": se, "ci_lower": lo,
                "ci_upper": hi}))
    table = pd.concat(frames, ignore_index=True)[_TABLE]
    events = {causes[c]: int(np.sum(data.event == c)) for c in causes}
    return CIFResult(table, by, tuple(levels), tuple(causes[c] for c in shown), conf_type,
                     conf_level, len(data.time), events, data.exclusions)


def gray_test(cohort: Cohort, by: str, *, cause: Hashable, rho: float = 0.0,
              strata: str | Sequence[str] | None = None,
              max_groups: int = MAX_GROUPS) -> GrayTestResult:
    """Gray's test of equal cumulative incidence of ``cause`` across the groups of ``by``.

    Parameters
    ----------
    cohort : Cohort
        A cohort with competing causes.
    by : str
        Grouping column; rows where it is missing are excluded and reported.
    cause : str or int
        The cause whose cumulative incidence is compared (name or code).
    rho : float, default 0
        Power of the weight function (1 - F(t-))^rho (``cuminc``'s ``rho``).
    strata : str or sequence of str, optional
        Compare within strata and add up the scores (``cuminc``'s ``strata``).
    max_groups : int, default 20

    Returns
    -------
    GrayTestResult

    Notes
    -----
    A port of ``crstm``/``crst`` of R ``cmprsk`` (Gray 1988, Ann. Stat. 16:1141):
    the statistic is s' V^-1 s with s the weighted differences of the
    subdistribution hazards of the first k - 1 groups, chi-square on k - 1 df.

    Examples
    --------
    >>> import mirprog as mp
    >>> df = mp.datasets.load_gbsg2().data
    >>> df["status"] = (df["cens"] * (1 + (df["age"] > 65))).astype(int)
    >>> c = mp.Cohort(df, time="time", event="status", causes={1: "early", 2: "late"})
    >>> res = mp.gray_test(c, by="horTh", cause="early")
    >>> round(res.chi2, 3), res.df
    (8.687, 1)
    """
    if not isinstance(rho, int | float) or isinstance(rho, bool) or not np.isfinite(rho):
        raise ArgumentError(f"rho must be a finite number, got {rho!r}.", argument="rho")
    strata_cols = () if strata is None else ((strata,) if isinstance(strata, str)
                                             else tuple(strata))
    data = _competing_rows(cohort, [by, *strata_cols], "mp.gray_test")
    code = _one_cause(cohort, cause)
    codes, levels = _groups(data, by, max_groups)
    require_groups(levels, by, data)
    m = np.where(data.event == code, 1, np.where(data.event == 0, 0, 2))
    st = None
    if strata_cols:
        st = data.frame.groupby(list(strata_cols), sort=True).ngroup().to_numpy()
    score, var = gray_scores(data.time, m, codes, len(levels), st, float(rho))
    try:
        chi2 = float(score @ np.linalg.solve(var, score))
    except np.linalg.LinAlgError as exc:
        raise CohortError(f"Gray's test of {by!r} has a singular covariance (a group "
                          "without events or follow-up?); check the groups.",
                          column=by) from exc
    df = len(levels) - 1
    table = pd.DataFrame({
        "n": np.bincount(codes, minlength=len(levels)),
        "events": np.bincount(codes, weights=m == 1, minlength=len(levels)).astype(int),
        "competing": np.bincount(codes, weights=m == 2, minlength=len(levels)).astype(int),
    }, index=pd.Index(levels, name=by))
    name = (cohort.causes or {})[code]
    return GrayTestResult(chi2, df, chi2_sf(chi2, df), table, score, var, by, name,
                          tuple(levels), float(rho), len(data.time), int(np.sum(m == 1)),
                          data.exclusions, strata_cols)


def fine_gray(cohort: Cohort, covariates: str | Sequence[str], *, cause: Hashable,
              categorical: Sequence[str] | None = None,
              reference: Mapping[str, Hashable] | None = None,
              conf_level: float = 0.95, max_iter: int = 10,
              gtol: float = 1e-6) -> FineGrayResult:
    """Fine-Gray model of the subdistribution hazard of ``cause``, as ``cmprsk::crr``.

    Parameters
    ----------
    cohort : Cohort
        A cohort with competing causes.
    covariates : str or sequence of str
        Model columns, coded as in :func:`~mirprog.cox` (text/categorical
        columns become indicator terms ``"col[level]"``).  Rows missing any are
        excluded and reported.
    cause : str or int
        The cause modelled (name or code); every other cause competes.
    categorical, reference :
        As in :func:`~mirprog.cox`.
    conf_level : float, default 0.95
    max_iter, gtol :
        ``crr``'s ``maxiter`` (10) and ``gtol`` (1e-6).

    Returns
    -------
    FineGrayResult

    Notes
    -----
    ``crr`` with one censoring group: patients failing from a competing cause
    stay in the risk set weighted by G(t-) / G(T-), G the Kaplan-Meier of the
    censoring times; the robust variance includes the term for estimating G
    (Fine & Gray 1999, JASA 94:496).  ``survival::finegray`` followed by a
    weighted ``coxph`` gives slightly different estimates (its weights are
    computed on intervals).  Exp(coef) is a subdistribution hazard ratio.

    Examples
    --------
    >>> import mirprog as mp
    >>> df = mp.datasets.load_gbsg2().data
    >>> df["status"] = (df["cens"] * (1 + (df["age"] > 65))).astype(int)
    >>> c = mp.Cohort(df, time="time", event="status", causes={1: "early", 2: "late"})
    >>> fit = mp.fine_gray(c, ["horTh", "pnodes"], cause="early")
    >>> fit.summary[["hr", "ci_lower", "ci_upper"]].round(3)
                   hr  ci_lower  ci_upper
    term
    horTh[yes]  0.683     0.529     0.882
    pnodes      1.047     1.028     1.067
    """
    z = zcrit(conf_level)
    covs = expand_covariates([covariates] if isinstance(covariates, str) else
                             list(covariates))
    cols = list(dict.fromkeys(c for cov in covs for c in cov.split(":")))
    data = _competing_rows(cohort, cols, "mp.fine_gray")
    code = _one_cause(cohort, cause)
    design = build_design(data.frame, covs, categorical or (), reference)
    x = design.matrix(data.frame)
    m = np.where(data.event == code, 1, np.where(data.event == 0, 0, 2))
    if not np.any(m == 1):
        name = (cohort.causes or {})[code]
        raise CohortError(f"No {name!r} events among the {len(m)} rows used: the Fine-Gray "
                          "model of that cause cannot be fitted.", column=cohort.event_col)
    fit = fine_gray_fit(data.time, m, x, gtol=gtol, max_iter=max_iter)
    se = np.sqrt(np.diag(fit.var))
    summary = pd.DataFrame({
        "coef": fit.coef, "se": se, "hr": np.exp(fit.coef),
        "ci_lower": np.exp(fit.coef - z * se), "ci_upper": np.exp(fit.coef + z * se),
        "z": fit.coef / se, "p": normal_p(fit.coef / se),
        "naive_se": np.sqrt(np.diag(fit.naive_var)),
    }, index=pd.Index(design.terms, name="term"))
    return FineGrayResult(summary, fit.var, fit.loglik, fit.converged, fit.iterations,
                          (cohort.causes or {})[code], len(m), int(np.sum(m == 1)),
                          int(np.sum(m == 2)), conf_level, data.exclusions, tuple(covs))

