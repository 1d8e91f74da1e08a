"""Proportional-hazards checks: scaled Schoenfeld residual tests, as R ``cox.zph`` (survival 3.x).

:func:`ph_test` takes a fitted :class:`~mirprog.CoxResult` and the cohort it
was fitted on and returns, per term and globally, the score test of a
time-varying coefficient ``b_j + g_j * g(t)`` (``g`` = transformed time), plus
the scaled Schoenfeld residuals for plotting with :func:`ph_plot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties, risk_sets
from mirprog._engine.dist import chi2_sf
from mirprog._engine.firth import risk_set_sums
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.errors import ArgumentError, CohortError

__all__ = ["PHTestResult", "ph_test"]

Transform = Literal["km", "identity", "rank", "log"]


class CoxFit(Protocol):
    """What :func:`ph_test` reads of a fitted Cox model, i.e. of a :class:`~mirprog.CoxResult`
    (a protocol, so that cox(check_ph=True) can call ph_test without an import cycle)."""

    @property
    def design(self) -> Any: ...
    @property
    def excluded(self) -> Exclusions: ...
    @property
    def ids(self) -> np.ndarray: ...
    @property
    def inputs(self) -> Any: ...
    @property
    def linear_predictor(self) -> np.ndarray: ...
    @property
    def means(self) -> np.ndarray: ...
    @property
    def penalty(self) -> str | None: ...
    @property
    def summary(self) -> pd.DataFrame: ...
    @property
    def terms(self) -> tuple[str, ...]: ...
    @property
    def ties(self) -> Any: ...


@dataclass(frozen=True)
class PHTestResult(Result):
    """Tests of proportional hazards for one Cox model.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by term (or by covariate, ``by_factor=True``) plus ``"GLOBAL"``:
        ``chi2, df, p``.
    residuals : pandas.DataFrame
        Scaled Schoenfeld residuals, one row per event (in time order), one
        column per model term (R ``cox.zph(...)$y``); their mean drift over
        time estimates ``b_j(t)``.
    x : numpy.ndarray
        Transformed time of each event (R ``$x``).
    time : numpy.ndarray
        Event times (R ``$time``).
    coef : pandas.Series
        The model's coefficients (where the residuals should scatter around).
    transform : str
    ties : str
    by_factor : bool
        Whether rows of ``table`` are covariates (multi-df for categorical ones).
    excluded : Exclusions or None
        The model's excluded rows (the test uses exactly the model's rows).
    var : numpy.ndarray or None
        ``d I^-1`` (``d`` events, ``I`` the model's information): the variance scale
        of the scaled residuals (R ``cox.zph(...)$var``), used by :meth:`smooth`.
    """

    table: pd.DataFrame
    residuals: pd.DataFrame = field(repr=False)
    x: np.ndarray = field(repr=False)
    time: np.ndarray = field(repr=False)
    coef: pd.Series = field(repr=False)
    transform: str
    ties: str
    by_factor: bool
    excluded: Exclusions | None = None
    var: np.ndarray | None = field(default=None, repr=False)


    def trend(self, term: str) -> tuple[float, float]:
        """Intercept and slope of the least-squares line of ``term``'s residuals on ``x``.

        A slope near 0 is what proportional hazards predict (drawn by :func:`ph_plot`).
        """
        if term not in self.residuals.columns:
            raise KeyError(f"{term!r} is not a model term; terms: {list(self.residuals)}")
        from scipy import stats  # imported on use: scipy.stats takes ~0.5 s to import

        fit = stats.linregress(self.x, self.residuals[term].to_numpy(float))
        return float(fit.intercept), float(fit.slope)


    def smooth(self, term: str, *, df: int = 4, n_points: int = 40) -> pd.DataFrame:
        """The smoothed ``beta(t)`` of ``term`` with its band, as R ``plot(cox.zph(fit))``.

        A natural cubic spline with ``df`` degrees of freedom (``ns(x, df, intercept =
        TRUE)``, knots from the ``n_points`` grid and the event times together, as R
        places them) fitted by least squares to the scaled Schoenfeld residuals on
        transformed time ``x``, evaluated on ``n_points`` equally spaced ``x`` values;
        the band is ``beta(t) -/+ 2 sqrt(var_jj * s(x))`` with ``s(x) = p(x)' (X'X)^-1
        p(x)``, R's ``se = TRUE`` curves (2, not a quantile: R's choice).

        Parameters
        ----------
        term : str
            A column of :attr:`residuals`.
        df : int, default 4
        n_points : int, default 40
            R's ``nsmo``.

        Returns
        -------
        pandas.DataFrame
            Columns ``x, beta, lower, upper``; ``x`` is on the transformed time scale
            of :attr:`x` (R shows ``exp(x)`` for ``transform = "log"``).

        Raises
        ------
        KeyError
            ``term`` is not a model term.
        CohortError
            Too few distinct event times for ``df`` (R skips the plot with a warning).

        Examples
        --------
        >>> import mirprog as mp
        >>> gbsg = mp.datasets.load_gbsg2()
        >>> ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
        >>> band = ph.smooth("age")
        >>> list(band.columns), len(band)
        (['x', 'beta', 'lower', 'upper'], 40)
        """
        from mirprog._engine.splines import ns_knots, ns_smooth

        if term not in self.residuals.columns:
            raise KeyError(f"{term!r} is not a model term; terms: {list(self.residuals)}")
        if isinstance(df, bool) or not isinstance(df, int | np.integer) or df < 2:
            raise ArgumentError(f"df must be an integer >= 2, got {df!r}.", argument="df")
        if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) \
                or n_points < 2:
            raise ArgumentError(f"n_points must be an integer >= 2, got {n_points!r}.",
                                argument="n_points")
        j = list(self.residuals.columns).index(term)
        y = self.residuals[term].to_numpy(float)
        keep = ~np.isnan(y)
        xx = np.asarray(self.x, float)
        pred_x = np.linspace(xx.min(), xx.max(), n_points)
        knots = ns_knots(np.concatenate([pred_x, xx]), int(df))
        yhat, seval, rank = ns_smooth(xx[keep], y[keep], pred_x, int(df), knots)
        if rank < df:
            raise CohortError(f"The spline smooth of {term!r} with df={df} is singular (only "
                              f"{rank} independent basis columns over the event times): "
                              "lower df.")
        var = self.var if self.var is not None else np.full((len(self.coef),) * 2, np.nan)
        half = 2.0 * np.sqrt(var[j, j] * seval)
        return pd.DataFrame({"x": pred_x, "beta": yhat, "lower": yhat - half,
                             "upper": yhat + half})


def _transformed_times(time: np.ndarray, event: np.ndarray, transform: Transform,
                       entry: np.ndarray | None = None) -> np.ndarray:
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        from scipy import stats

        return np.asarray(stats.rankdata(time), dtype=float)
    if transform == "log":
        return np.log(time)
    if transform == "km":  # 1 - S(t-) from the pooled Kaplan-Meier curve
        uniq, inv = np.unique(time, return_inverse=True)
        d = np.bincount(inv, weights=event.astype(float))
        n_risk = len(time) - np.concatenate([[0], np.cumsum(np.bincount(inv))[:-1]])
        if entry is not None:  # (start, stop] rows: at risk at t when start < t <= stop
            n_risk = n_risk - (len(entry) - np.searchsorted(np.sort(entry), uniq, side="left"))
        surv = np.cumprod(1.0 - d / n_risk)
        return np.asarray(1.0 - np.concatenate([[1.0], surv])[inv])
    raise ArgumentError(f"Unknown transform {transform!r}: use 'km', 'identity', 'rank' or 'log'.")


def _score_pieces(time: np.ndarray, event: np.ndarray, x: np.ndarray, eta: np.ndarray,
                  gtime: np.ndarray, ties: Ties, strata: np.ndarray | None = None,
                  weights: np.ndarray | None = None, entry: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R's ``zph1``: score ``u`` (2p), information (2p x 2p) for ``(b, gamma)`` at ``gamma = 0``,
    unscaled Schoenfeld residuals and the time order of the events.

    With case ``weights``, as ``zph1``: the risk scores are w exp(eta), each event
    adds w x to the score and, against it, its tie group's mean weight times its
    (Efron) risk-set mean and variance; the Schoenfeld residuals are unweighted.
    """
    rs = risk_sets(time, event, ties, strata=strata, weights=weights,  # within strata, as zph
                   entry=entry)
    xs = (x - x.mean(axis=0))[rs.order]
    r = np.exp(eta[rs.order])
    if rs.weights is not None:
        r = rs.weights * r
    rx = r[:, None] * xs
    s0 = risk_set_sums(r, rs)
    a = risk_set_sums(rx, rs) / s0[:, None]
    v = risk_set_sums(rx[:, :, None] * xs[:, None, :], rs) / s0[:, None, None] \
        - a[:, :, None] * a[:, None, :]
    g = gtime[rs.order][rs.event_rows]
    xe = xs[rs.event_rows]
    if rs.weights is None or rs.event_weight is None:
        w_e = mw = np.ones(len(rs.event_rows))
    else:
        w_e, mw = rs.weights[rs.event_rows], rs.event_weight
    resid_raw = w_e[:, None] * xe - mw[:, None] * a
    v = mw[:, None, None] * v
    u = np.concatenate([resid_raw.sum(axis=0), (g[:, None] * resid_raw).sum(axis=0)])
    i11 = v.sum(axis=0)
    i12 = (g[:, None, None] * v).sum(axis=0)
    i22 = (g[:, None, None] ** 2 * v).sum(axis=0)
    imat = np.block([[i11, i12], [i12.T, i22]])
    # Schoenfeld residual: x minus the mean of the tie group's (Efron) risk-set means
    counts = np.bincount(rs.group)
    mean_a = np.zeros((rs.n_groups, x.shape[1]))
    np.add.at(mean_a, rs.group, a)
    schoen = xe - (mean_a / counts[:, None])[rs.group]
    return u, imat, schoen, rs.order[rs.event_rows]


def _quad(u: np.ndarray, imat: np.ndarray, keep: np.ndarray) -> float:
    try:
        return float(u[keep] @ np.linalg.solve(imat[np.ix_(keep, keep)], u[keep]))
    except np.linalg.LinAlgError:
        raise CohortError(
            "The proportional-hazards test is undefined for this fit: its information matrix "
            "is singular (too few events, or a covariate constant among the events); R's "
            "cox.zph stops likewise.") from None


def ph_test(
    fit: CoxFit,
    cohort: Cohort,
    *,
    transform: Transform = "km",
    by_factor: bool = False,
) -> PHTestResult:
    """Test the proportional-hazards assumption of a Cox model (R ``cox.zph``).

    Parameters
    ----------
    fit : CoxResult
        An ordinary (not Firth-penalised) fit from :func:`mirprog.cox`, with or
        without strata and case weights.
    cohort : Cohort
        The cohort ``fit`` was fitted on.
    transform : {"km", "identity", "rank", "log"}, default "km"
        Time scale ``g(t)`` of the alternative: ``"km"`` is ``1 - KM(t-)`` of
        the pooled Kaplan-Meier curve (R's default).
    by_factor : bool, default False
        ``False``: one 1-df test per model term (R ``terms = FALSE``);
        ``True``: one test per covariate, with k - 1 df for a categorical one
        (R ``terms = TRUE``).

    Returns
    -------
    PHTestResult

    Raises
    ------
    CohortError
        If ``cohort`` is not the cohort the model was fitted on, or ``fit`` is penalised.

    Notes
    -----
    As survival 3.x: with ``g`` centred at its mean over the events, the test
    of term ``j`` is the score test of ``gamma_j = 0`` in the model with
    coefficient ``b_j + gamma_j g(t)``, evaluated at the fitted ``b`` with
    all of ``b`` free: ``U_j' [I^-1]_{jj} U_j`` from the score ``U`` and the
    2p x 2p information of ``(b, gamma)`` (Breslow or Efron, as the fit).  The
    GLOBAL test uses all ``gamma`` jointly and is not the sum of the term
    tests.  Scaled residuals are ``d I^-1 r_i + b`` (``d`` events, ``r_i`` the
    Schoenfeld residual).  (survival 2.x used an approximation with the
    residuals' variance; its numbers differ slightly.)

    A fit on (start, stop] rows (a cohort with ``entry``, e.g. from
    :func:`mirprog.survsplit`) is tested as R's ``cox.zph`` tests a counting-process fit:
    the risk sets hold the rows with start < t <= stop, and the ``"km"`` transform is the
    pooled product-limit curve of those rows (``survfitKM`` on ``Surv(start, stop, event)``).
    The scaled residuals always use one ``d I^-1``; R's ``cox.zph`` rescales them per
    stratum where a column is constant in a stratum (and reads the ``strata()`` of an
    ``x:strata(tgroup)`` term as such), marking those residuals NA: the tests agree,
    those residuals (and so :meth:`PHTestResult.smooth`) differ.

    A weighted fit is tested as R's ``cox.zph`` tests it: the case weights enter
    the risk sets, the score and the information (as in the fit), while the
    ``"km"`` transform is the unweighted pooled Kaplan-Meier curve, ``g`` is
    centred at its unweighted mean over the events, ``d`` counts events
    unweighted and the Schoenfeld residuals ``r_i`` are not weighted.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(gbsg, ["horTh", "age", "pnodes"])
    >>> ph = mp.ph_test(fit, gbsg)
    >>> ph.table.round(3)
                  chi2  df      p
    term
    horTh[yes]   0.141   1  0.707
    age          9.877   1  0.002
    pnodes       0.836   1  0.361
    GLOBAL      10.661   3  0.014
    """
    if getattr(fit, "penalty", None):
        raise CohortError(f"ph_test() needs an ordinary Cox fit; this one is {fit.penalty}-"
                          "penalised. Refit with firth=False to check proportional hazards.")
    strata = tuple(getattr(fit, "strata", ()))
    data = timefixed(cohort.complete_cases(
        list(fit.design.columns) + [c for c in strata if c not in fit.design.columns],
        intervals=True))
    if len(data.ids) != len(fit.ids) or not np.array_equal(data.ids, fit.ids):
        raise CohortError(f"The cohort has {len(data.ids)} complete rows for "
                          f"{list(fit.design.covariates)}, not the {len(fit.ids)} rows the "
                          "model was fitted on: pass the cohort given to cox().")
    x = fit.design.matrix(data.frame)
    coef = fit.summary["coef"].to_numpy(float)
    if not np.allclose((x - fit.means) @ coef, fit.linear_predictor, rtol=1e-9, atol=1e-9):
        raise CohortError(f"The covariates {list(fit.design.covariates)} in this cohort differ "
                          "from those the model was fitted on: pass the cohort given to cox().")
    event = data.event
    ttimes = _transformed_times(data.time, event, transform, data.entry)
    gtime = ttimes - ttimes[event == 1].mean()
    codes = fit.inputs.strata if fit.inputs is not None else None
    weights = fit.inputs.weights if fit.inputs is not None else None
    u, imat, schoen, rows = _score_pieces(data.time, event, x, fit.linear_predictor, gtime,
                                          fit.ties, codes, weights, data.entry)
    p = len(coef)
    terms = list(fit.terms)
    if by_factor:
        names = list(fit.design.covariates)
        groups = [[i for i, f in enumerate(fit.design.term_factor) if f == cov] for cov in names]
    else:
        names, groups = terms, [[i] for i in range(p)]
    chi2, df = [], []
    u0 = np.concatenate([np.zeros(p), u[p:]])
    for idx in groups:
        keep = np.r_[np.arange(p), p + np.asarray(idx)]
        chi2.append(_quad(u0, imat, keep))
        df.append(len(idx))
    chi2.append(_quad(u0, imat, np.arange(2 * p)))
    df.append(p)
    table = pd.DataFrame({"chi2": chi2, "df": df,
                          "p": [chi2_sf(c, d) for c, d in zip(chi2, df, strict=True)]},
                         index=pd.Index([*names, "GLOBAL"], name="term"))
    n_events = len(rows)
    var = np.linalg.inv(imat[:p, :p] / n_events)
    scaled = schoen @ var + coef
    return PHTestResult(
        table=table, residuals=pd.DataFrame(scaled, columns=pd.Index(terms, name="term")),
        x=ttimes[rows], time=data.time[rows], coef=pd.Series(coef, index=terms),
        transform=transform, ties=fit.ties, by_factor=by_factor, excluded=fit.excluded,
        var=var)


