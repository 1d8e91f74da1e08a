"""Concordance of a risk score with survival (Harrell's C and its time-weighted relatives).

Front-end of :mod:`mirprog._engine.concordance` (R survival ``concordance``): it turns a
Cox fit, a prognostic model or a risk-score column into the arrays the engine counts,
and the engine's counts and influence into a frozen result with a Wald interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from mirprog._engine.concordance import TIMEWTS, ConcordanceFit, TimeWt, concordance_fit
from mirprog._engine.dist import normal_p, zcrit
from mirprog._result import Result
from mirprog.data._checks import native
from mirprog.data.cohort import Cohort, Exclusion, Exclusions, timefixed
from mirprog.errors import ArgumentError, CohortError, format_ids
from mirprog.stats._common import check_complete, strata_codes
from mirprog.stats.cox.coxph import CoxResult

__all__ = ["ConcordanceComparison", "ConcordanceResult", "compare_concordance", "concordance"]

_NEEDS_G = ("S/G", "n/G", "n/G2")


@runtime_checkable
class _Scorer(Protocol):
    """What :func:`concordance` needs of a prognostic model (``mp.PrognosticModel``)."""

    strata: tuple[str, ...]

    def score(self, data: Cohort, horizons: Any = None) -> pd.DataFrame: ...


@dataclass(frozen=True)
class ConcordanceResult(Result):
    """The concordance of a risk score with survival, with R's standard error.

    Attributes
    ----------
    c : float
        The concordance, (concordant + tied_x / 2) / (concordant + discordant + tied_x),
        time-weighted by ``timewt`` (R ``concordance()$concordance``).
    se : float
        Infinitesimal-jackknife standard error (``sqrt(concordance()$var)``).
    ci_lower, ci_upper : float
        Wald interval c -/+ z se at ``conf_level`` (R gives none).
    concordant, discordant, tied_x, tied_y, tied_xy : float
        The (weighted, time-weighted) pair counts, as R's ``$count``: a pair is
        concordant when the patient with the event has the higher risk.
    var : float
        ``se ** 2`` (R ``$var``).
    timewt : str
        The weighting of the event times: ``"n"`` (Harrell's C), ``"S"``, ``"S/G"``,
        ``"n/G"``, ``"n/G2"`` (Uno's C) or ``"I"``.
    ymax : float or None
        Event times beyond it were given weight 0.
    n, events : int
        Rows used and events among them.
    strata : tuple of str
        The strata within which pairs were formed (empty when none).
    weights : str or None
        The case-weight column used (a Cox fit's weights, on its own data).
    conf_level : float
    excluded : Exclusions
        Rows left out (missing score or covariate) and why.
    table : pandas.DataFrame
        One row, ``"concordance"``: ``c, se, ci_lower, ci_upper`` and the counts.
    """

    c: float
    se: float
    ci_lower: float
    ci_upper: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float
    var: float
    timewt: str
    ymax: float | None
    n: int
    events: int
    conf_level: float
    excluded: Exclusions
    strata: tuple[str, ...] = ()
    weights: str | None = None
    dfbeta: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)

    @property
    def table(self) -> pd.DataFrame:
        """``c, se, ci_lower, ci_upper, concordant, discordant, tied_x, tied_y, tied_xy``."""
        cols = ("c", "se", "ci_lower", "ci_upper", "concordant", "discordant", "tied_x",
                "tied_y", "tied_xy")
        return pd.DataFrame({k: [getattr(self, k)] for k in cols},
                            index=pd.Index(["concordance"], name="statistic"))


@dataclass(frozen=True)
class ConcordanceComparison(Result):
    """Two concordances on the same patients and their difference (R ``concordance(a, b)``).

    Attributes
    ----------
    difference : float
        ``c_a - c_b``.
    se : float
        Its infinitesimal-jackknife standard error, sqrt(v_aa + v_bb - 2 v_ab).
    ci_lower, ci_upper : float
        Wald interval of the difference at ``conf_level``.
    p : float
        Two-sided Wald p of no difference.
    c_a, c_b, se_a, se_b : float
        Each concordance and its standard error.
    vcov : numpy.ndarray
        The 2 x 2 covariance of (c_a, c_b) (R ``$var``).
    n : int
        Rows (patients) compared.
    timewt : str
    conf_level : float
    excluded : Exclusions
        Rows left out and why (of the first score; both use the same rows).
    table : pandas.DataFrame
        Rows ``a``, ``b``, ``difference``: ``estimate, se, ci_lower, ci_upper, p``.
    """

    difference: float
    se: float
    ci_lower: float
    ci_upper: float
    p: float
    c_a: float
    c_b: float
    se_a: float
    se_b: float
    vcov: np.ndarray = field(repr=False, compare=False)
    n: int
    timewt: str
    conf_level: float
    excluded: Exclusions

    @property
    def table(self) -> pd.DataFrame:
        """``estimate, se, ci_lower, ci_upper, p`` for a, b and their difference."""
        z = zcrit(self.conf_level)
        rows = []
        for name, est, se in (("a", self.c_a, self.se_a), ("b", self.c_b, self.se_b)):
            rows.append((name, est, se, est - z * se, est + z * se, float("nan")))
        rows.append(("difference", self.difference, self.se, self.ci_lower, self.ci_upper,
                     self.p))
        return pd.DataFrame(rows, columns=["term", "estimate", "se", "ci_lower", "ci_upper",
                                           "p"]).set_index("term")


@dataclass(frozen=True)
class _Scored:
    """The arrays one concordance is computed from."""

    time: np.ndarray
    event: np.ndarray
    risk: np.ndarray
    ids: np.ndarray
    excluded: Exclusions
    entry: np.ndarray | None = None
    strata: np.ndarray | None = None
    strata_cols: tuple[str, ...] = ()
    weights: np.ndarray | None = None
    weights_col: str | None = None
    cluster: np.ndarray | None = None


def concordance(fit: CoxResult | _Scorer | str, cohort: Cohort | None = None, *,
                timewt: TimeWt = "n", ymax: float | None = None,
                conf_level: float = 0.95) -> ConcordanceResult:
    """Concordance of a risk score with survival, as R ``survival::concordance``.

    Parameters
    ----------
    fit : CoxResult, PrognosticModel or str
        What gives each patient a risk score (higher = shorter survival):

        * a :func:`~mirprog.cox` fit: its linear predictor on its own rows (with its
          strata, case weights and cluster) when ``cohort`` is None, as R
          ``concordance(fit)``; or the linear predictor of ``cohort``'s rows with the
          fit's coefficients (within the fit's strata, unweighted), as R
          ``concordance(fit, newdata = cohort)``;
        * a :class:`~mirprog.PrognosticModel`: its linear predictor on ``cohort``
          (within its strata), as :meth:`~mirprog.PrognosticModel.validate`;
        * the name of a ``cohort`` column holding a risk score, as R
          ``concordance(Surv(time, event) ~ score, reverse = TRUE)``.
    cohort : Cohort, optional
        The patients to score (required unless ``fit`` is a Cox fit).
    timewt : {"n", "S", "S/G", "n/G", "n/G2", "I"}, default "n"
        Weight of each event time t: ``"n"`` 1 (Harrell's C); ``"S"`` n S(t-)/n(t);
        ``"S/G"`` n S(t-) / (G(t-) n(t)); ``"n/G"`` 1/G(t-); ``"n/G2"`` 1/G(t-)^2
        (Uno's C); ``"I"`` 1/n(t) -- with n(t) the number at risk, S and G the
        Kaplan-Meier curves of survival and of censoring.  ``"S/G"``, ``"n/G"`` and
        ``"n/G2"`` need right-censored rows (R refuses them for (start, stop] data).
    ymax : float, optional
        Give the event times after ``ymax`` weight 0 (R ``ymax=``).
    conf_level : float, default 0.95
        Level of the Wald interval.

    Returns
    -------
    ConcordanceResult

    Raises
    ------
    ArgumentError
        An unknown ``timewt``, a G-weighting on (start, stop] rows, a ``ymax`` that
        is not a number, no ``cohort`` for a model or column, or a ``fit`` of another
        kind.
    CohortError
        The score column is absent or not numeric; no comparable pair.

    Notes
    -----
    Counts and standard error are R survival 3.5-3 ``concordancefit``'s, to rounding:
    pairs are formed within strata, a pair (i, j) with an event at t_i is comparable
    when j was at risk at t_i (later time, or censored at t_i; for (start, stop] rows
    start_j < t_i <= stop_j) and counts ``w_i w_j tau(t_i)``; event pairs at the same
    time are ``tied_y``.  ``se`` is R's infinitesimal jackknife, summed by cluster for a
    Cox fit with ``cluster=``.  R calls a pair concordant when the larger score goes
    with the longer survival; for a risk score (Cox ``coxph`` scores) it passes
    ``reverse = TRUE``, as here: a higher score should mean an earlier event.  A
    marker whose high values are protective gives C < 0.5; score its negative.
    Near-tied times are merged first (R's ``timefix``).

    The interval c -/+ z se is a Wald interval on the C scale (R prints none).
    ``"n/G"`` is not in R 3.5-3 (only ``"n/G2"`` is); for (start, stop] rows R 3.5-3
    crashes with ``"S"`` and ``"I"``, which mirprog computes with the at-risk set
    above.  With more than 10 strata and ``timewt="I"`` R pools the strata over
    disjoint time ranges, which changes the weight of a stratum with a single
    event (R then uses 1/n(t) there; mirprog, like R with <= 10 strata, uses 1).

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(gbsg, ["pnodes", "progrec", "tgrade"], ties="efron")
    >>> res = mp.concordance(fit)
    >>> round(res.c, 4), round(res.se, 4), res.n
    (0.682, 0.0154, 686)
    >>> round(mp.concordance(fit, timewt="n/G2").c, 4)
    0.6705
    >>> round(mp.concordance("pnodes", gbsg).c, 4)
    0.6452
    """
    _check_timewt(timewt, ymax)
    scored = _scored(fit, cohort)
    if scored.entry is not None and timewt in _NEEDS_G:
        raise ArgumentError(
            f"timewt={timewt!r} is not defined for (start, stop] rows (the censoring curve G "
            "is not defined with delayed entry; R refuses it too). Use 'n', 'S' or 'I'.",
            argument="timewt")
    res = _fit(scored, timewt, ymax)
    if not np.isfinite(res.concordance):
        raise CohortError(
            f"No comparable pair among the {len(scored.time)} rows used (a comparable pair "
            "has an event before the other patient's time"
            + (f", at or before ymax={ymax}" if ymax is not None else "")
            + "). Check the event column and ymax.")
    se = float(np.sqrt(res.var))
    z = zcrit(conf_level)
    counts = res.counts
    return ConcordanceResult(
        c=res.concordance, se=se, ci_lower=res.concordance - z * se,
        ci_upper=res.concordance + z * se, concordant=float(counts[0]),
        discordant=float(counts[1]), tied_x=float(counts[2]), tied_y=float(counts[3]),
        tied_xy=float(counts[4]), var=res.var, timewt=timewt,
        ymax=None if ymax is None else float(ymax), n=len(scored.time),
        events=int(np.sum(scored.event)), conf_level=conf_level, excluded=scored.excluded,
        strata=scored.strata_cols, weights=scored.weights_col, dfbeta=res.dfbeta)


def compare_concordance(fit_a: CoxResult | _Scorer | str, fit_b: CoxResult | _Scorer | str,
                        cohort: Cohort | None = None, *, timewt: TimeWt = "n",
                        ymax: float | None = None,
                        conf_level: float = 0.95) -> ConcordanceComparison:
    """Compare the concordance of two risk scores on the same patients (R ``concordance(a, b)``).

    Parameters
    ----------
    fit_a, fit_b : CoxResult, PrognosticModel or str
        The two scores, as for :func:`concordance`.
    cohort : Cohort, optional
        The patients (required unless both are Cox fits, then compared on their own rows).
    timewt, ymax, conf_level :
        As for :func:`concordance`.

    Returns
    -------
    ConcordanceComparison

    Raises
    ------
    CohortError
        The two scores are not on the same patients, in the same order, with the same
        follow-up and weights (e.g. Cox fits that dropped different rows for missing
        covariates: fit both on the complete cases of all covariates).
    ArgumentError
        As for :func:`concordance`.

    Notes
    -----
    The covariance of (c_a, c_b) is R's: the cross-products of the two scores'
    infinitesimal-jackknife residuals (dfbeta), so ``se`` of the difference accounts
    for the two being computed on the same patients; the p-value is the Wald test of
    (c_a - c_b) / se.  As R, with case weights the covariance is sum(w dfbeta_a
    dfbeta_b) (the residuals already carry the weight once, so its diagonal is not the
    single-score variance of :func:`concordance`).

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> big = mp.cox(gbsg, ["pnodes", "progrec", "tgrade"])
    >>> small = mp.cox(gbsg, ["pnodes"])
    >>> cmp = mp.compare_concordance(big, small)
    >>> round(cmp.difference, 4), round(cmp.se, 4), round(cmp.p, 4)
    (0.0367, 0.0152, 0.0157)
    """
    _check_timewt(timewt, ymax)
    sa, sb = _scored(fit_a, cohort), _scored(fit_b, cohort)
    _check_same_rows(sa, sb)
    if sa.entry is not None and timewt in _NEEDS_G:
        raise ArgumentError(f"timewt={timewt!r} is not defined for (start, stop] rows.",
                            argument="timewt")
    fa, fb = _fit(sa, timewt, ymax), _fit(sb, timewt, ymax)
    if not (np.isfinite(fa.concordance) and np.isfinite(fb.concordance)):
        raise CohortError(f"No comparable pair among the {len(sa.time)} rows used.")
    d = np.column_stack([fa.dfbeta, fb.dfbeta])
    if sa.weights is None or len(d) != len(sa.weights):
        vcov = d.T @ d
    else:
        vcov = (sa.weights[:, None] * d).T @ d
    diff = fa.concordance - fb.concordance
    se = float(np.sqrt(max(vcov[0, 0] + vcov[1, 1] - 2 * vcov[0, 1], 0.0)))
    z = zcrit(conf_level)
    p = float(normal_p(diff / se)) if se > 0 else float("nan")
    return ConcordanceComparison(
        difference=diff, se=se, ci_lower=diff - z * se, ci_upper=diff + z * se, p=p,
        c_a=fa.concordance, c_b=fb.concordance, se_a=float(np.sqrt(vcov[0, 0])),
        se_b=float(np.sqrt(vcov[1, 1])), vcov=vcov, n=len(sa.time), timewt=timewt,
        conf_level=conf_level, excluded=sa.excluded)


def _check_timewt(timewt: str, ymax: float | None) -> None:
    if timewt not in TIMEWTS:
        raise ArgumentError(f"timewt must be one of {list(TIMEWTS)}, got {timewt!r}.",
                            argument="timewt")
    if ymax is not None and (isinstance(ymax, bool) or not isinstance(ymax, int | float)
                             or not np.isfinite(ymax)):
        raise ArgumentError(f"ymax must be a finite number (a time), got {ymax!r}.",
                            argument="ymax")


def _fit(s: _Scored, timewt: str, ymax: float | None) -> ConcordanceFit:
    return concordance_fit(s.time, s.event, s.risk, entry=s.entry, strata=s.strata,
                           weights=s.weights, cluster=s.cluster, timewt=timewt, ymax=ymax)


def _scored(fit: Any, cohort: Cohort | None) -> _Scored:
    """The rows, times and risk score that ``fit`` (and ``cohort``) give."""
    if cohort is not None and not isinstance(cohort, Cohort):
        raise ArgumentError(f"cohort must be a mp.Cohort, got {type(cohort).__name__}.",
                            argument="cohort")
    if isinstance(fit, CoxResult):
        return _cox_own(fit) if cohort is None else _cox_new(fit, cohort)
    if isinstance(fit, str):
        if cohort is None:
            raise ArgumentError(f"concordance({fit!r}) needs the cohort holding that column.",
                                argument="cohort")
        return _column(fit, cohort)
    if isinstance(fit, _Scorer):
        if cohort is None:
            raise ArgumentError("A prognostic model needs the cohort to score: "
                                "concordance(model, cohort).", argument="cohort")
        return _model(fit, cohort)
    raise ArgumentError(
        f"concordance() takes a mp.cox fit, a mp.PrognosticModel or a column name, got "
        f"{type(fit).__name__}.", argument="fit")


def _cox_own(fit: CoxResult) -> _Scored:
    i = fit.inputs
    if i is None:
        raise ArgumentError("This Cox fit keeps no copy of its rows; pass the cohort: "
                            "concordance(fit, cohort).", argument="cohort")
    return _Scored(np.asarray(i.time, float), np.asarray(i.event), fit.linear_predictor,
                   np.asarray(fit.ids), fit.excluded, i.entry, i.strata, fit.strata,
                   i.weights, fit.weights, i.cluster)


def _cox_new(fit: CoxResult, cohort: Cohort) -> _Scored:
    cols = list(dict.fromkeys([*fit.design.columns, *fit.strata]))
    _require(cohort, cols)
    data = timefixed(check_complete(cohort, cols, [], intervals=True))
    x = fit.design.matrix(data.frame)
    lp = (x - fit.means) @ fit.summary["coef"].to_numpy()
    codes = strata_codes(data, fit.strata)[0] if fit.strata else None
    return _Scored(data.time, data.event, lp, np.asarray(data.ids), data.exclusions,
                   data.entry, codes, fit.strata)


def _model(model: _Scorer, cohort: Cohort) -> _Scored:
    scores = model.score(cohort, horizons=[])
    used = scores["reason"].isna().to_numpy()
    if not used.any():
        raise CohortError("No row of the cohort can be scored by the model (every row "
                          "misses a marker, covariate or stratum).")
    ids = np.asarray(cohort.ids)
    entries = tuple(Exclusion(native(row), "score", str(reason))
                    for row, reason in zip(ids[~used], scores.loc[~used, "reason"],
                                           strict=True))
    data = timefixed(cohort.subset(used).complete_cases(list(model.strata), intervals=True))
    codes = strata_codes(data, tuple(model.strata))[0] if model.strata else None
    return _Scored(data.time, data.event, scores.loc[used, "linear_predictor"].to_numpy(float),
                   np.asarray(data.ids), Exclusions(cohort.n, int(used.sum()), entries),
                   data.entry, codes, tuple(model.strata))


def _column(col: str, cohort: Cohort) -> _Scored:
    _require(cohort, [col])
    values = cohort.data[col]
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        raise CohortError(f"The score column {col!r} is not numeric ({values.dtype}); a risk "
                          "score must be a number (higher = shorter survival).", column=col)
    data = timefixed(check_complete(cohort, [col], [], intervals=True))
    risk = data.frame[col].to_numpy(float)
    return _Scored(data.time, data.event, risk, np.asarray(data.ids), data.exclusions,
                   data.entry)


def _require(cohort: Cohort, cols: list[str]) -> None:
    missing = [c for c in cols if c not in cohort.columns]
    if missing:
        raise CohortError(f"The cohort has no column {missing[0]!r} (needed for the score). "
                          "Rename or add it.", column=missing[0])


def _check_same_rows(a: _Scored, b: _Scored) -> None:
    same = (len(a.ids) == len(b.ids) and np.array_equal(a.ids, b.ids)
            and np.array_equal(a.time, b.time) and np.array_equal(a.event, b.event))
    if not same:
        only_a = list(np.setdiff1d(a.ids, b.ids))
        only_b = list(np.setdiff1d(b.ids, a.ids))
        detail = (f"only in a: {format_ids(only_a)}; only in b: {format_ids(only_b)}"
                  if only_a or only_b else "the same ids in another order or with other times")
        raise CohortError(
            f"The two scores are not on the same patients ({len(a.ids)} vs {len(b.ids)} rows; "
            f"{detail}). Compare them on the same rows: fit both models on the complete cases "
            "of all their covariates.", rows=only_a + only_b)
    wa, wb = a.weights, b.weights
    differ = (wa is None) != (wb is None) or (
        wa is not None and wb is not None and not np.array_equal(wa, wb))
    if differ:
        raise CohortError("The two scores use different case weights; R requires the same "
                          "weight vector for both. Fit both models with the same weights=.")
