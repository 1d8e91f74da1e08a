"""Meta-analysis of one effect over several cohorts, as R ``metafor::rma``.

:func:`meta_analysis` pools log hazard ratios (from :func:`mirprog.cox` fits, or a
table of published HRs) or concordance indices (any result with ``c`` and ``se``)
by the fixed-effect model or a random-effects model (DerSimonian-Laird or REML),
and returns a :class:`MetaAnalysisResult`: the pooled estimate with its CI, the
heterogeneity statistics (tau^2 with its Q-profile CI, I^2, H^2, Cochran's Q), the
prediction interval and one row per cohort.  The numbers come from
:mod:`mirprog._engine.meta`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._engine.dist import zcrit
from mirprog._engine.meta import qprofile_tau2_ci, rma_fit
from mirprog._result import Result
from mirprog.errors import ArgumentError, ConvergenceWarning, format_ids

__all__ = ["MetaAnalysisResult", "meta_analysis"]

Method = Literal["fixed", "DL", "REML"]
Measure = Literal["logHR", "C"]
_R_METHOD = {"fixed": "FE", "DL": "DL", "REML": "REML"}
_METHOD_NAME = {"fixed": "fixed-effect (inverse variance)",
                "DL": "random-effects, DerSimonian-Laird tau^2",
                "REML": "random-effects, REML tau^2"}


@dataclass(frozen=True)
class MetaAnalysisResult(Result):
    """A pooled effect over k cohorts (R ``metafor::rma(yi, sei = , method = )``).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cohort, indexed by ``study`` (its label): ``estimate, se,
        ci_lower, ci_upper, weight`` (weight in percent of the pooled model, R
        ``weights(rma)``) and, for ``measure="logHR"``, ``hr, hr_ci_lower,
        hr_ci_upper``.  The per-cohort CI is ``estimate +/- z se``.
    estimate, se, z, p : float
        The pooled estimate (log HR or C), its standard error, Wald z and two-sided p.
    ci_lower, ci_upper : float
        Wald CI of the pooled estimate at ``conf_level``.
    pi_lower, pi_upper : float
        Prediction interval of the effect in a new cohort, ``estimate +/- z
        sqrt(se^2 + tau^2)`` (R ``predict(rma)``: normal quantile, not t).  NaN for
        ``method="fixed"``, which has no between-cohort distribution.
    tau2, tau2_se, tau : float
        Between-cohort variance (0 for ``"fixed"``; truncated at 0), its standard
        error (NaN for ``"fixed"``) and ``sqrt(tau2)``.
    tau2_ci_lower, tau2_ci_upper : float
        Q-profile CI of tau^2 (R ``confint(rma)``; NaN for ``"fixed"``).  The upper
        bound is capped at metafor's search limit ``max(100, 10 tau2)``.
    i2, h2 : float
        I^2 (percent) and H^2.  Random effects: ``100 tau2 / (vt + tau2)`` and
        ``tau2 / vt + 1`` with ``vt = (k - 1) / tr(P)`` the typical within-cohort
        variance; fixed effect: ``100 (Q - df) / Q`` (>= 0) and ``Q / df``.
    i2_ci_lower, i2_ci_upper : float
        I^2 at the tau^2 CI bounds (NaN for ``"fixed"``).
    q, q_df, q_p : float, int, float
        Cochran's Q test of homogeneity on k - 1 degrees of freedom.
    k : int
        Number of cohorts.
    method, measure : str
        ``"fixed" | "DL" | "REML"`` and ``"logHR" | "C"``.
    term : str or None
        The Cox term pooled (``measure="logHR"`` from Cox results).
    conf_level : float
    iterations : int
        REML Fisher-scoring iterations (0 otherwise).
    converged : bool
    """

    table: pd.DataFrame
    estimate: float
    se: float
    z: float
    p: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    tau2_se: float
    tau2_ci_lower: float
    tau2_ci_upper: float
    tau: float
    i2: float
    i2_ci_lower: float
    i2_ci_upper: float
    h2: float
    q: float
    q_df: int
    q_p: float
    k: int
    method: str
    measure: str
    term: str | None
    conf_level: float
    iterations: int
    converged: bool

    @property
    def method_name(self) -> str:
        """The model in words, e.g. ``"random-effects, REML tau^2"``."""
        return _METHOD_NAME[self.method]

    def _exp(self, value: float) -> float | None:
        return math.exp(value) if self.measure == "logHR" else None

    @property
    def hr(self) -> float | None:
        """Pooled hazard ratio ``exp(estimate)`` (None unless ``measure="logHR"``)."""
        return self._exp(self.estimate)

    @property
    def hr_ci_lower(self) -> float | None:
        """Lower CI bound of the pooled HR (None unless ``measure="logHR"``)."""
        return self._exp(self.ci_lower)

    @property
    def hr_ci_upper(self) -> float | None:
        """Upper CI bound of the pooled HR (None unless ``measure="logHR"``)."""
        return self._exp(self.ci_upper)

    @property
    def hr_pi_lower(self) -> float | None:
        """Lower prediction bound on the HR scale (None unless ``measure="logHR"``)."""
        return self._exp(self.pi_lower)

    @property
    def hr_pi_upper(self) -> float | None:
        """Upper prediction bound on the HR scale (None unless ``measure="logHR"``)."""
        return self._exp(self.pi_upper)


def meta_analysis(
    results_or_table: Mapping[str, Any] | Sequence[Any] | pd.DataFrame,
    method: Method = "REML",
    *,
    measure: Measure = "logHR",
    term: str | None = None,
    conf_level: float = 0.95,
    labels: Sequence[str] | None = None,
    table_conf_level: float = 0.95,
) -> MetaAnalysisResult:
    """Pool one effect over several cohorts, as R ``metafor::rma(yi, sei = , method = )``.

    Parameters
    ----------
    results_or_table : mapping, sequence or pandas.DataFrame
        The cohorts, one entry each:

        * a mapping ``label -> result`` or a sequence of results, each a
          :class:`~mirprog.results.CoxResult` (``measure="logHR"``: the
          coefficient and SE of ``term``) or, for ``measure="C"``, any object with
          attributes ``c`` and ``se`` (a concordance result);
        * a DataFrame with columns ``estimate, se`` (log HR or C), or -- for
          ``measure="logHR"`` from published papers -- ``hr, ci_lower, ci_upper``;
          an optional ``label`` column names the cohorts (else the index).
    method : {"fixed", "DL", "REML"}, default "REML"
        Fixed-effect (inverse-variance) model, or random effects with tau^2 by
        DerSimonian-Laird or by restricted maximum likelihood (metafor's default).
    measure : {"logHR", "C"}, default "logHR"
        What is pooled: the log hazard ratio (reported also as HR) or Harrell's C
        (pooled on its own scale).
    term : str, optional
        The Cox term to pool, e.g. ``"horTh[yes]"``; may be left out when every
        model has a single term.
    conf_level : float, default 0.95
        Level of every CI (pooled, per cohort, tau^2) and of the prediction interval.
    labels : sequence of str, optional
        Cohort labels for a sequence of results (default ``"study 1"``, ...), or to
        replace a mapping's keys / a table's labels.
    table_conf_level : float, default 0.95
        The level of the published CIs in a ``hr, ci_lower, ci_upper`` table.

    Returns
    -------
    MetaAnalysisResult

    Raises
    ------
    ArgumentError
        Fewer than 2 cohorts; a standard error that is not positive and finite (the
        rows are named); a missing or ambiguous ``term``; a result without what
        ``measure`` needs; a table without the columns; an unknown option.

    Notes
    -----
    With ``y_i`` the estimates, ``v_i = se_i^2`` and ``w_i = 1 / (v_i + tau^2)``, the
    pooled estimate is ``sum w y / sum w`` with variance ``1 / sum w``.  tau^2 is 0
    (fixed), ``max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))`` (DL, FE weights), or
    the REML estimate by metafor's Fisher scoring: start at the Hedges estimator
    (truncated at 0), step ``(y'PPy - tr P) / tr(PP)`` halved while it would make tau^2
    negative, stop when tau^2 changes by < 1e-5 (100 iterations at most), and set
    tau^2 = 0 if the restricted likelihood is higher there (metafor warns; so does
    mirprog, a :class:`~mirprog.errors.ConvergenceWarning`).  Its SE is
    ``sqrt(2 / tr(PP))`` (REML) and metafor's DL formula.  The tau^2 CI is the
    Q-profile interval (Viechtbauer 2007), solved to machine precision (metafor's
    ``uniroot`` stops at ~1e-4).

    A published ``HR (lo-hi)`` becomes ``estimate = log(HR)`` and ``se = (log(hi) -
    log(lo)) / (2 z)``, ``z`` the normal quantile of ``table_conf_level`` (1.96 for 95%
    CIs): exact for a Wald CI, an approximation when the published CI was not
    symmetric on the log scale (e.g. a profile-likelihood CI or rounded numbers).

    Examples
    --------
    Pool the tamoxifen HR of GBSG2's two halves (ids 1-343 and 344-686):

    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> fits = {"first half": mp.cox(g.subset(g.ids <= 343), ["horTh"]),
    ...         "second half": mp.cox(g.subset(g.ids > 343), ["horTh"])}
    >>> res = mp.meta_analysis(fits, "REML", term="horTh[yes]")
    >>> round(res.hr, 3), round(res.hr_ci_lower, 3), round(res.hr_ci_upper, 3)
    (0.695, 0.544, 0.888)
    >>> round(res.tau2, 6), round(res.i2, 1), round(res.q_p, 3)
    (0.0, 0.0, 0.813)
    >>> res.table["weight"].round(1).tolist()
    [52.2, 47.8]

    Published hazard ratios with their 95% CIs:

    >>> import pandas as pd
    >>> pub = pd.DataFrame({"label": ["A", "B", "C"], "hr": [0.62, 0.81, 0.55],
    ...                     "ci_lower": [0.45, 0.60, 0.35], "ci_upper": [0.85, 1.09, 0.86]})
    >>> round(mp.meta_analysis(pub, "DL").hr, 3)
    0.675
    """
    if method not in _R_METHOD:
        raise ArgumentError(f"method must be 'fixed', 'DL' or 'REML', got {method!r}.",
                            argument="method")
    if measure not in ("logHR", "C"):
        raise ArgumentError(f"measure must be 'logHR' or 'C', got {measure!r}.",
                            argument="measure")
    zcrit(conf_level)  # checks 0 < conf_level < 1
    names, yi, sei, used_term = _studies(results_or_table, measure, term, labels,
                                         table_conf_level)
    _check_studies(names, yi, sei)
    vi = sei ** 2
    fit = rma_fit(yi, vi, _R_METHOD[method], conf_level)
    if not fit.converged:
        warnings.warn(f"REML Fisher scoring did not converge in {fit.iterations - 1} "
                      "iterations; the estimates are the last iterate. Try method='DL'.",
                      ConvergenceWarning, stacklevel=2)
    if fit.reset_to_zero:
        warnings.warn("REML Fisher scoring may have stopped at a local maximum below the "
                      "likelihood at tau^2 = 0; tau^2 is set to 0 (as metafor does).",
                      ConvergenceWarning, stacklevel=2)
    t_lo = t_hi = i_lo = i_hi = math.nan
    if method != "fixed":
        t_lo, t_hi = qprofile_tau2_ci(yi, vi, fit.tau2, conf_level)
        i_lo, i_hi = (100.0 * t / (fit.vt + t) for t in (t_lo, t_hi))
    crit = zcrit(conf_level)
    table = pd.DataFrame({"estimate": yi, "se": sei, "ci_lower": yi - crit * sei,
                          "ci_upper": yi + crit * sei, "weight": fit.weights},
                         index=pd.Index(names, name="study"))
    if measure == "logHR":
        table["hr"] = np.exp(yi)
        table["hr_ci_lower"] = np.exp(table["ci_lower"])
        table["hr_ci_upper"] = np.exp(table["ci_upper"])
    return MetaAnalysisResult(
        table=table, estimate=fit.estimate, se=fit.se, z=fit.z, p=fit.p,
        ci_lower=fit.ci_lower, ci_upper=fit.ci_upper, pi_lower=fit.pi_lower,
        pi_upper=fit.pi_upper, tau2=fit.tau2, tau2_se=fit.tau2_se, tau2_ci_lower=t_lo,
        tau2_ci_upper=t_hi, tau=math.sqrt(fit.tau2), i2=fit.i2, i2_ci_lower=i_lo,
        i2_ci_upper=i_hi, h2=fit.h2, q=fit.q, q_df=fit.q_df, q_p=fit.q_p, k=len(yi),
        method=method, measure=measure, term=used_term, conf_level=conf_level,
        iterations=fit.iterations, converged=fit.converged)


def _studies(data: Any, measure: str, term: str | None, labels: Sequence[str] | None,
             table_conf_level: float) -> tuple[list[str], np.ndarray, np.ndarray, str | None]:
    """(labels, estimates, standard errors, the Cox term used) of every cohort."""
    if isinstance(data, pd.DataFrame):
        names, yi, sei = _from_table(data, measure, table_conf_level)
        used_term = None
    else:
        if isinstance(data, Mapping):
            names, items = [str(k) for k in data], list(data.values())
        elif isinstance(data, Sequence) and not isinstance(data, str):
            items = list(data)
            names = [f"study {i + 1}" for i in range(len(items))]
        else:
            raise ArgumentError("Pass a dict label -> result, a list of results, or a "
                                f"DataFrame; got {type(data).__name__}.",
                                argument="results_or_table")
        if measure == "C":
            pairs = [_concordance_of(r, n) for r, n in zip(items, names, strict=True)]
            used_term = None
        else:
            used_term = _common_term(items, names, term)
            pairs = [_cox_term(r, used_term, n) for r, n in zip(items, names, strict=True)]
        yi = np.array([p[0] for p in pairs], dtype=float)
        sei = np.array([p[1] for p in pairs], dtype=float)
    if labels is not None:
        if len(labels) != len(names):
            raise ArgumentError(f"labels has {len(labels)} names for {len(names)} cohorts.",
                                argument="labels")
        names = [str(v) for v in labels]
    return names, yi, sei, used_term


def _from_table(frame: pd.DataFrame, measure: str, level: float
                ) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = ([str(v) for v in frame["label"]] if "label" in frame.columns
             else [str(v) for v in frame.index])
    if {"estimate", "se"} <= set(frame.columns):
        return (names, frame["estimate"].to_numpy(dtype=float),
                frame["se"].to_numpy(dtype=float))
    if measure == "logHR" and {"hr", "ci_lower", "ci_upper"} <= set(frame.columns):
        hr, lo, hi = (frame[c].to_numpy(dtype=float) for c in ("hr", "ci_lower", "ci_upper"))
        bad = [n for n, h, a, b in zip(names, hr, lo, hi, strict=True)
               if not (0 < a <= h <= b < math.inf)]
        if bad:
            raise ArgumentError(f"Rows {format_ids(bad)}: need 0 < ci_lower <= hr <= "
                                "ci_upper < inf to put a published HR on the log scale.",
                                argument="results_or_table")
        se = (np.log(hi) - np.log(lo)) / (2.0 * zcrit(level))
        return names, np.log(hr), se
    need = "'estimate, se' or 'hr, ci_lower, ci_upper'" if measure == "logHR" else \
        "'estimate, se'"
    raise ArgumentError(f"The table needs columns {need} (and optionally 'label'); it has "
                        f"{', '.join(map(str, frame.columns))}.", argument="results_or_table")


def _common_term(items: list[Any], names: list[str], term: str | None) -> str:
    for r, n in zip(items, names, strict=True):
        summary = getattr(r, "summary", None)
        if not isinstance(summary, pd.DataFrame) or not {"coef", "se"} <= set(summary):
            raise ArgumentError(f"Cohort {n!r} is a {type(r).__name__}, not a Cox result "
                                "(mp.cox); for measure='C' pass results with c and se.",
                                argument="results_or_table")
    if term is not None:
        for r, n in zip(items, names, strict=True):
            if term not in r.summary.index:
                raise ArgumentError(f"term {term!r} is not in the model of cohort {n!r}; "
                                    f"its terms are {', '.join(map(str, r.summary.index))}.",
                                    argument="term")
        return term
    terms = {tuple(r.summary.index) for r in items}
    if len(terms) == 1 and len(next(iter(terms))) == 1:
        return str(next(iter(terms))[0])
    shown = ", ".join(map(str, items[0].summary.index))
    raise ArgumentError(f"Pass term= to say which Cox term to pool (the first model has "
                        f"{shown}).", argument="term")


def _cox_term(result: Any, term: str, name: str) -> tuple[float, float]:
    if term in tuple(getattr(result, "monotone", ())):
        raise ArgumentError(f"The estimate of {term!r} in cohort {name!r} drifts to +/- "
                            "infinity (monotone likelihood: a group without events); it "
                            "has no finite log HR to pool. Leave the cohort out, or refit "
                            "it with mp.cox(..., firth=True).", argument="results_or_table")
    row = result.summary.loc[term]
    return float(row["coef"]), float(row["se"])


def _concordance_of(result: Any, name: str) -> tuple[float, float]:
    if not (hasattr(result, "c") and hasattr(result, "se")):
        raise ArgumentError(f"Cohort {name!r} is a {type(result).__name__} without the "
                            "attributes c and se that measure='C' pools (a concordance "
                            "result).", argument="results_or_table")
    return float(result.c), float(result.se)


def _check_studies(names: list[str], yi: np.ndarray, sei: np.ndarray) -> None:
    if len(yi) < 2:
        raise ArgumentError(f"A meta-analysis needs at least 2 cohorts; got {len(yi)}.",
                            argument="results_or_table")
    bad_y = [n for n, y in zip(names, yi, strict=True) if not math.isfinite(y)]
    if bad_y:
        raise ArgumentError(f"Cohorts {format_ids(bad_y)} have no finite estimate "
                            "(a monotone likelihood or a missing value); leave them out.",
                            argument="results_or_table")
    bad_se = [n for n, s in zip(names, sei, strict=True) if not (0 < s < math.inf)]
    if bad_se:
        raise ArgumentError(f"Cohorts {format_ids(bad_se)} have a standard error that is "
                            "not positive and finite; inverse-variance weights need se > 0.",
                            argument="results_or_table")
