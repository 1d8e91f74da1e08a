"""Cox proportional-hazards models on a Cohort, with Wald, likelihood-ratio and score tests."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from mirprog._engine.cox_robust import robust_score_test, robust_variance
from mirprog._engine.coxph import (
    SingularDesignError,
    Ties,
    concordance_counts,
    fit_cox,
    risk_sets,
)
from mirprog._engine.dist import chi2_sf, normal_p, zcrit
from mirprog._engine.firth import firth_cox
from mirprog._result import Result
from mirprog.data.cohort import AnalysisData, Cohort, Exclusions, timefixed
from mirprog.errors import (
    ArgumentError,
    CohortError,
    ConvergenceWarning,
    MonotoneLikelihoodWarning,
)
from mirprog.stats._common import as_columns, check_complete, sorted_levels
from mirprog.stats.cox._options import ModelOptions, option_columns, prepare_options

if TYPE_CHECKING:
    from mirprog.stats.cox.phtest import PHTestResult

__all__ = ["CoxResult", "Design", "build_design", "cox", "expand_covariates"]

SUMMARY_COLUMNS = ["coef", "se", "hr", "ci_lower", "ci_upper", "z", "p"]


@dataclass(frozen=True)
class Design:
    """How covariate columns became model terms (kept so a fit can be re-applied).

    ``covariates`` are the model's covariates as given after expansion: column
    names and two-way interactions ``"a:b"`` (``"a*b"`` expands to ``a, b, a:b``).
    """

    covariates: tuple[str, ...]
    terms: tuple[str, ...]
    term_factor: tuple[str, ...]             # the covariate each term comes from
    levels: Mapping[str, tuple[Any, ...]]    # categorical column -> all levels (reference first)

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the covariates need, in first-use order."""
        return _columns_of(self.covariates)

    def _main(self, frame: pd.DataFrame, col: str, full: bool = False
              ) -> list[tuple[str, np.ndarray]]:
        if col in self.levels:
            values = frame[col]
            return [(f"{col}[{_level_name(level)}]", (values == level).to_numpy(dtype=float))
                    for level in self.levels[col][0 if full else 1:]]
        return [(col, _numeric(frame[col], col))]

    def named_columns(self, frame: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
        """(term, column) pairs, in term order; interaction columns are products.

        A categorical side of ``"a:b"`` is coded as R's ``model.matrix`` codes
        it: by contrasts (reference dropped) when the other side is in the
        model as a main effect, otherwise by an indicator of every level --
        so ``"x:period"`` alone gives x's effect in each period.
        """
        return [pair for cov in self.covariates for pair in self.term_columns(frame, cov)]

    def term_columns(self, frame: pd.DataFrame, cov: str) -> list[tuple[str, np.ndarray]]:
        """The (term, column) pairs of one covariate of this design."""
        if ":" not in cov:
            return self._main(frame, cov)
        a, b = cov.split(":")
        ma = self._main(frame, a, full=b not in self.covariates)
        mb = self._main(frame, b, full=a not in self.covariates)
        # R's order: the first factor's levels vary fastest
        return [(f"{na}:{nb}", va * vb) for nb, vb in mb for na, va in ma]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The numeric design matrix for complete rows of ``frame``."""
        cols = [v for _, v in self.named_columns(frame)]
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def _columns_of(covariates: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for cov in covariates:
        for col in cov.split(":"):
            seen.setdefault(col, None)
    return tuple(seen)


def expand_covariates(covariates: Sequence[str]) -> list[str]:
    """Expand ``"a*b"`` to ``a, b, a:b`` and check ``"a:b"`` terms (two-way only).

    Raises
    ------
    CohortError
        An interaction of a column with itself, of more than two columns, or
        with an empty side.

    Examples
    --------
    >>> expand_covariates(["age", "mir_high*nodes"])
    ['age', 'mir_high', 'nodes', 'mir_high:nodes']
    """
    out: list[str] = []
    for spec in covariates:
        op = "*" if "*" in spec else (":" if ":" in spec else None)
        if op is None:
            out.append(spec.strip())
            continue
        parts = [p.strip() for p in spec.split(op)]
        if len(parts) != 2 or not all(parts) or ("*" in spec and ":" in spec):
            raise CohortError(f"Interaction {spec!r}: mirprog fits two-way interactions, "
                              "written 'a:b' (the product term) or 'a*b' (a + b + a:b).",
                              column=spec)
        if parts[0] == parts[1]:
            raise CohortError(f"Interaction {spec!r} is of a column with itself; for a "
                              f"quadratic effect add a column {parts[0]}**2 to the cohort, or "
                              "use mp.spline_cox.", column=parts[0])
        out += ([*parts, ":".join(parts)] if op == "*" else [":".join(parts)])
    return list(dict.fromkeys(out))  # a main effect given and implied by a*b enters once


def _numeric(values: pd.Series, name: str) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy(dtype=float)
    try:
        return values.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise CohortError(
            f"Column {name!r} is not numeric; pass it in categorical=[{name!r}] or recode it.",
            column=name,
        ) from exc


def _level_name(level: Any) -> str:
    """Level as written in a term name: 1.0 -> '1' (floats from columns with NaN)."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _is_categorical(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or (
        pd.api.types.is_string_dtype(values.dtype) and values.dtype != bool
    )


def build_design(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    categorical: Sequence[str] = (),
    reference: Mapping[str, Hashable] | None = None,
) -> Design:
    """Turn covariate columns into terms: numbers as they are, categories as indicators.

    A categorical covariate with levels L0 (reference), L1, ... gives terms
    ``"col[L1]"``, ``"col[L2]"``, ... (R's ``colL1``); an interaction ``"a:b"``
    the products of a's and b's terms, named ``"a[L1]:b"`` (R's ``aL1:b``).
    """
    reference = dict(reference or {})
    columns = _columns_of(covariates)
    unknown = set(reference) - set(columns)
    if unknown:
        raise CohortError(f"reference= names {sorted(unknown)} which are not among the "
                          f"covariates {list(covariates)}.")
    levels: dict[str, tuple[Any, ...]] = {}
    for col in columns:
        values = frame[col]
        if col in categorical or col in reference or _is_categorical(values):
            lv = sorted_levels(values)
            ref = reference.get(col, lv[0] if lv else None)
            if ref not in lv:
                raise CohortError(f"Reference level {ref!r} of {col!r} does not occur among the "
                                  f"rows used; its levels are {lv}.", column=col)
            ordered = (ref, *[v for v in lv if v != ref])
            if len(ordered) < 2:
                raise CohortError(
                    f"Column {col!r} has a single level ({ref!r}) among the {len(frame)} rows "
                    "used, so it has no effect to estimate. Drop it from the model.", column=col)
            levels[col] = ordered
        else:
            _numeric(values, col)
    terms: list[str] = []
    factors: list[str] = []
    plan = Design(tuple(covariates), (), (), levels)
    head = frame.iloc[:1]
    for cov in covariates:
        names = [n for n, _ in plan.term_columns(head, cov)]
        terms += names
        factors += [cov] * len(names)
    return Design(tuple(covariates), tuple(terms), tuple(factors), levels)


@dataclass(frozen=True)
class FitInputs:
    """The arrays a fit was made from, kept for refits (factor tests)."""

    time: np.ndarray = field(repr=False)
    event: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    strata: np.ndarray | None = field(repr=False)
    weights: np.ndarray | None = field(repr=False)
    max_iter: int = 20
    entry: np.ndarray | None = field(default=None, repr=False)
    cluster: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CoxResult(Result):
    """A fitted Cox proportional-hazards model.

    Attributes
    ----------
    summary : pandas.DataFrame
        Indexed by term: ``coef, se, hr, ci_lower, ci_upper, z, p`` (Wald CI at
        ``conf_level`` and Wald p; for ``penalty="firth"``: profile penalised-
        likelihood CI and penalised likelihood-ratio p, ``se`` from the
        information at the penalised estimate, Wald ``z``).
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at beta = 0.
    neg2loglik : float
        -2 log partial likelihood at the estimate (what SPSS prints as "-2 Log Likelihood").
    lr_chi2, lr_df, lr_p : float, int, float
        Likelihood-ratio test against the null model.
    wald_chi2, wald_p, score_chi2, score_p : float
        Global Wald and score (log-rank) tests, on ``lr_df`` degrees of freedom.
    concordance : float
        Harrell's C of the linear predictor (R ``concordance``).
    n, events : int
        Rows used and events among them.
    excluded : Exclusions
        Rows left out (missing covariate) and why.
    ties : str
        ``"breslow"`` or ``"efron"``.
    monotone : tuple of str
        Terms whose estimate is drifting to +/- infinity (e.g. a group without
        events); their HR and CI are not meaningful.  A
        :class:`~mirprog.MonotoneLikelihoodWarning` was emitted.
    converged : bool
    iterations : int
    vcov : pandas.DataFrame
        Covariance matrix of the coefficients.
    conf_level : float
    design : Design
        How covariates became terms (reference levels).
    means : numpy.ndarray
        Covariate means used for centring (0 for columns coded within {-1, 0, 1}),
        as R's ``fit$means``.
    linear_predictor : numpy.ndarray
        Centred linear predictor per used row (R ``fit$linear.predictors``).
    ids : numpy.ndarray
        Ids of the rows used.
    concordance_counts : dict
        Pair counts behind ``concordance``.
    penalty : str or None
        ``"firth"`` for a Firth-penalised fit (``loglik``, ``loglik_null`` and
        the LR test are then penalised), else ``None``.
    strata : tuple of str
        The stratification columns (empty when unstratified); ``strata_levels``
        the strata, as tuples of their values, in code order.
    weights : str or None
        The case-weights column.
    robust : bool
        Whether ``se``, ``vcov`` and the Wald tests are robust (sandwich);
        ``naive_vcov`` is then the model-based covariance.
    cluster : str or None
        The cluster column of the robust variance.
    robust_score_chi2, robust_score_p : float
        R's robust score test (NaN unless ``robust``).
    factor_tests : pandas.DataFrame
        Global Wald and likelihood-ratio tests per covariate (computed on first use).
    ph : PHTestResult or None
        With ``check_ph=True``: the proportional-hazards test of this fit.
    ph_note : str or None
        With ``check_ph=True``: which terms violate proportional hazards at
        ``ph_alpha`` and the remedies (None when none does, or without ``check_ph``).
    split_at, split_terms : tuple
        The cut times and the terms of a time-split model (empty otherwise).
    """

    summary: pd.DataFrame
    loglik: float
    loglik_null: float
    lr_chi2: float
    lr_df: int
    lr_p: float
    wald_chi2: float
    wald_p: float
    score_chi2: float
    score_p: float
    concordance: float
    n: int
    events: int
    excluded: Exclusions
    ties: Ties
    monotone: tuple[str, ...]
    converged: bool
    iterations: int
    vcov: pd.DataFrame
    conf_level: float
    design: Design
    means: np.ndarray = field(repr=False)
    linear_predictor: np.ndarray = field(repr=False)
    ids: np.ndarray = field(repr=False)
    concordance_counts: dict[str, float] = field(repr=False)
    penalty: str | None = None
    strata: tuple[str, ...] = ()
    strata_levels: tuple[tuple[Any, ...], ...] = field(default=(), repr=False)
    weights: str | None = None
    robust: bool = False
    cluster: str | None = None
    robust_score_chi2: float = float("nan")
    robust_score_p: float = float("nan")
    naive_vcov: pd.DataFrame | None = field(default=None, repr=False)
    inputs: FitInputs | None = field(default=None, repr=False, compare=False)
    ph: PHTestResult | None = field(default=None, repr=False)
    ph_note: str | None = None
    split_at: tuple[float, ...] = ()
    split_terms: tuple[str, ...] = ()

    @cached_property
    def factor_tests(self) -> pd.DataFrame:
        """Global tests per covariate: ``df, wald_chi2, wald_p, lr_chi2, lr_p``.

        The Wald test is on the covariate's block of coefficients (all levels
        of a categorical factor at once, with the robust covariance when
        ``robust``); the likelihood-ratio test refits the model without the
        covariate on the same rows, strata and weights, as R
        ``drop1(fit, test = "Chisq")``; as drop1, a main effect that is part
        of an interaction is not dropped (NaN LR: test the interaction, then
        refit without it).  NaN LR for a Firth fit.

        Examples
        --------
        >>> import mirprog as mp
        >>> fit = mp.cox(mp.datasets.load_gbsg2(), ["tgrade", "horTh"])
        >>> fit.factor_tests[["df", "lr_chi2", "lr_p"]].round(4)
                df  lr_chi2    lr_p
        factor
        tgrade   2  23.0436  0.0000
        horTh    1   7.6399  0.0057
        """
        coef = self.summary["coef"].to_numpy()
        vcov = self.vcov.to_numpy()
        rows = []
        in_interaction = {c for cov in self.design.covariates if ":" in cov
                          for c in cov.split(":")}
        for cov in self.design.covariates:
            idx = [i for i, f in enumerate(self.design.term_factor) if f == cov]
            b, v = coef[idx], vcov[np.ix_(idx, idx)]
            try:
                wald = float(b @ np.linalg.solve(v, b))
            except np.linalg.LinAlgError:
                wald = float("nan")
            lr = float("nan") if cov in in_interaction else self.drop_lr(idx)
            rows.append((cov, len(idx), wald, chi2_sf(wald, len(idx)), lr))
        out = pd.DataFrame(rows, columns=["factor", "df", "wald_chi2", "wald_p", "lr_chi2"])
        out["lr_p"] = [chi2_sf(c, d) for c, d in zip(out["lr_chi2"], out["df"], strict=True)]
        return out.set_index("factor")

    def drop_lr(self, idx: list[int]) -> float:
        """LR chi2 of dropping the terms ``idx`` (refit on this fit's rows, strata, weights)."""
        if self.penalty is not None or self.inputs is None:
            return float("nan")
        if len(idx) == len(self.terms):
            return float(2 * (self.loglik - self.loglik_null))
        keep = [i for i in range(len(self.terms)) if i not in idx]
        i = self.inputs
        try:
            reduced = fit_cox(i.time, i.event, i.x[:, keep], self.ties, max_iter=i.max_iter,
                              strata=i.strata, weights=i.weights, entry=i.entry)
        except SingularDesignError:
            return float("nan")
        return float(2 * (self.loglik - reduced.loglik))

    @property
    def neg2loglik(self) -> float:
        """-2 log partial likelihood of the fitted model."""
        return -2.0 * self.loglik

    @property
    def terms(self) -> tuple[str, ...]:
        """Model terms, in summary order."""
        return self.design.terms

    @property
    def aic(self) -> float:
        """Akaike information criterion, -2 loglik + 2 p (R ``AIC(fit)``)."""
        return self.neg2loglik + 2 * len(self.terms)

    _main: ClassVar[str] = "summary"   # a coefficient table

    def __repr__(self) -> str:
        lines = [f"CoxResult(n={self.n}, events={self.events}, ties={self.ties!r}, "
                 f"-2LL={self.neg2loglik:.4f}, LR chi2={self.lr_chi2:.4f} on {self.lr_df} df, "
                 f"p={self.lr_p:.4g}, C={self.concordance:.4f})"]
        lines.append(self.summary.to_string(float_format=lambda v: f"{v:.4g}"))
        if len(self.excluded):
            lines.append(self.excluded.summary())
        if self.monotone:
            lines.append(f"monotone likelihood (estimate not finite): {', '.join(self.monotone)}")
        if self.penalty:
            lines.append(f"{self.penalty}-penalised: profile-likelihood CI, penalised LR p")
        if self.split_at:
            from mirprog.stats.cox.remedies import period_labels

            lines.append(f"time-split HR for {', '.join(self.split_terms)}: period "
                         f"{', '.join(period_labels(self.split_at))}")
        if self.ph_note:
            lines.append(self.ph_note)
        return "\n".join(lines)


def cox(
    cohort: Cohort,
    covariates: str | Sequence[str],
    *,
    ties: Ties = "breslow",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
    conf_level: float = 0.95,
    max_iter: int = 20,
    firth: bool = False,
    strata: str | Sequence[str] | None = None,
    weights: str | None = None,
    robust: bool = False,
    cluster: str | None = None,
    cause: Hashable | None = None,
    check_ph: bool = False,
    ph_alpha: float = 0.05,
    split_at: Sequence[float] | None = None,
    split_terms: str | Sequence[str] | None = None,
) -> CoxResult:
    """Fit a Cox proportional-hazards model.

    Parameters
    ----------
    cohort : Cohort
    covariates : str or sequence of str
        Columns entering the model.  Numeric and boolean columns enter as they
        are; text/categorical columns (and those named in ``categorical``) get
        one indicator term per non-reference level, named ``"col[level]"``.
        Rows missing any covariate are excluded and reported.
    ties : {"breslow", "efron"}, default "breslow"
        Tied event times: Breslow is SPSS's and Stata's default (and the
        reference study's); Efron is R's default.
    categorical : sequence of str, optional
        Numeric columns to treat as categorical (e.g. grade coded 1/2/3).
    reference : mapping, optional
        Reference level per categorical covariate (default: the first level).
    conf_level : float, default 0.95
        Level of the Wald confidence intervals.
    max_iter : int, default 20
        Newton–Raphson iteration limit (R's ``iter.max``; at least 100 with ``firth``).
    firth : bool, default False
        Fit the Firth-penalised model (Heinze & Schemper 2001, as R ``coxphf``):
        finite estimates when a group has no events, profile-likelihood CIs
        and penalised likelihood-ratio p-values.  See
        :func:`mirprog._engine.firth.firth_cox`.
    strata : str or sequence of str, optional
        Stratify by these columns (R ``strata()``): each stratum (combination
        of values) has its own baseline hazard and risk sets; the strata get
        no coefficient.  Rows missing a stratum are excluded and reported; a
        stratum without events is an error.
    weights : str, optional
        Column of case (frequency) weights, as R ``weights=``: a row of
        weight 2 counts as two identical patients.  Must be finite, >= 0
        and present in every row used.  Not with ``firth``.
    robust : bool, default False
        Robust (sandwich) standard errors, R's ``robust=TRUE``: ``summary["se"]``
        is then the robust SE (the CIs, z and p use it), ``summary["naive_se"]``
        the model-based one, ``vcov`` the robust covariance, and
        ``robust_score_chi2``/``robust_score_p`` R's robust score test.
    cluster : str, optional
        Column of cluster ids (patients with several rows, centres): the
        robust variance sums each cluster's dfbeta residuals (R
        ``cluster()``); implies ``robust``.  Missing values are an error.
    cause : str or int, optional
        On a cohort with competing causes: the cause-specific Cox model of
        this cause (name or code; the other causes censored at their time,
        as R ``coxph(Surv(t, status == k) ~ ...)``), or ``"any"`` for the
        composite event.  Required there (:class:`~mirprog.errors.CauseError`
        without it), refused on a cohort with one event.
    check_ph : bool, default False
        Also test proportional hazards (:func:`mirprog.ph_test`, KM time scale): the
        result's ``ph`` holds the test, ``summary`` gains its per-term ``ph_p`` and
        ``ph_note`` names the terms rejected at ``ph_alpha`` with the remedies.  The fit
        itself is the same as without it.  With ``split_at``, the time-split model is
        tested (on its (start, stop] rows, as R ``cox.zph`` of that fit).
    ph_alpha : float, default 0.05
    split_at, split_terms : sequence of float, str or sequence of str, optional
        A time-split hazard ratio: follow-up is cut at ``split_at`` (as
        :func:`mirprog.survsplit`, adding the column ``period``) and each numeric
        covariate in ``split_terms`` gets one coefficient per period, named
        ``"<term>:period[k]"`` (R ``coxph(Surv(tstart, stop, event) ~
        term:strata(tgroup) + ...)`` on ``survSplit`` data); the other covariates
        keep one coefficient.  ``n`` then counts the (start, stop] rows.

    Returns
    -------
    CoxResult

    Warns
    -----
    MonotoneLikelihoodWarning
        If a coefficient is drifting to infinity (R: "Loglik converged before
        variable ...; coefficient may be infinite"), e.g. when one group has no
        event.  The term is listed in ``result.monotone``.
    ConvergenceWarning
        If the iteration limit is reached.

    Notes
    -----
    Newton–Raphson from beta = 0 with step halving and R's stopping rule
    (relative change in log-likelihood <= 1e-9), so estimates agree with R
    ``coxph`` to rounding.  Wald CI exp(b +/- z se); the score test is the
    log-rank test for a single binary covariate (with Breslow ties, when no
    event times are tied).  Near-tied times are merged first, as by ``coxph``'s
    ``timefix`` (:func:`~mirprog._engine.timefix.aeq_times`).

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(gbsg, ["horTh", "tgrade"], reference={"tgrade": "I"})
    >>> fit.summary[["hr", "ci_lower", "ci_upper", "p"]].round(3)
                    hr  ci_lower  ci_upper      p
    term
    horTh[yes]   0.712     0.556     0.910  0.007
    tgrade[II]   2.392     1.477     3.875  0.000
    tgrade[III]  3.078     1.843     5.142  0.000
    >>> round(fit.neg2loglik, 2), fit.n, fit.events
    (3544.49, 686, 299)
    """
    if cause is not None:
        cohort = cohort.for_cause(cause)
    if check_ph or split_at is not None or split_terms is not None:
        return _remedied(cohort, covariates, dict(
            ties=ties, categorical=categorical, reference=reference, conf_level=conf_level,
            max_iter=max_iter, firth=firth, strata=strata, weights=weights, robust=robust,
            cluster=cluster), check_ph, ph_alpha, split_at, split_terms)
    covs, data, opts = _model_rows(cohort, covariates, strata, weights, cluster, robust)
    design = build_design(data.frame, covs, categorical or (), reference)
    x = design.matrix(data.frame)
    if firth:
        if data.entry is not None:
            raise ArgumentError("firth=True does not take (start, stop] intervals (a cohort "
                                "with entry=) yet.", argument="firth")
        if weights is not None or opts.robust:
            raise ArgumentError("firth=True does not take weights=, robust= or cluster= "
                                "(the penalised likelihood is not defined with them here).",
                                argument="firth")
        return firth_result(data, design, x, ties, conf_level, max_iter, opts)
    fit = _fit(data, x, ties, max_iter, opts, covs, weights)
    terms = list(design.terms)
    monotone = tuple(t for t, flag in zip(terms, fit.infinite, strict=True) if flag)
    if not fit.converged and not monotone:
        warnings.warn(f"Cox fit on {terms} did not converge in {max_iter} iterations; "
                      "estimates may be unreliable.", ConvergenceWarning, stacklevel=2)
    if monotone:
        warnings.warn(
            f"Monotone likelihood for {', '.join(monotone)}: the estimate is drifting to "
            "infinity (typically a group with no events), so its HR and CI are not meaningful. "
            "Report it as not estimable, or refit with firth=True (Firth-penalised Cox).",
            MonotoneLikelihoodWarning, stacklevel=2)
    return _result(data, design, fit, ties, conf_level, monotone, x, opts, max_iter)


def _remedied(cohort: Cohort, covariates: str | Sequence[str], options: dict[str, Any],
              check_ph: bool, ph_alpha: float, split_at: Sequence[float] | None,
              split_terms: str | Sequence[str] | None) -> CoxResult:
    """``cox(..., check_ph=, split_at=, split_terms=)``: the plain fit, then the extras
    (:mod:`mirprog.stats.cox.remedies`)."""
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.cox.remedies import check_alpha, ph_note, time_split

    if not isinstance(check_ph, bool):
        raise ArgumentError(f"check_ph must be True or False, got {check_ph!r}.",
                            argument="check_ph")
    alpha = check_alpha(ph_alpha)
    split = cohort
    if split_at is not None or split_terms is not None:
        split, covs, cats = time_split(cohort, covariates, options.pop("categorical"),
                                       split_at, split_terms)
        fit = cox(split, covs, categorical=cats, **options)
        cuts = tuple(float(c) for c in np.unique(np.asarray(split_at, dtype=float)))
        names = [split_terms] if isinstance(split_terms, str) else list(split_terms or [])
        fit = replace(fit, split_at=cuts, split_terms=tuple(names))
    else:
        fit = cox(cohort, covariates, **options)
    if not check_ph:
        return fit
    if fit.penalty:
        raise ArgumentError("check_ph=True needs an ordinary fit; ph_test() does not take a "
                            "Firth-penalised one.", argument="check_ph")
    ph = ph_test(fit, split)
    summary = fit.summary.copy()
    summary["ph_p"] = ph.table["p"].reindex(summary.index).to_numpy(float)
    return replace(fit, summary=summary, ph=ph, ph_note=ph_note(ph, alpha))


def _fit(data: AnalysisData, x: np.ndarray, ties: Ties, max_iter: int, opts: ModelOptions,
         covs: list[str], weights: str | None) -> Any:
    """``fit_cox`` on the model's rows; a singular design becomes a CohortError saying why."""
    try:
        return fit_cox(data.time, data.event, x, ties, max_iter=max_iter,
                       strata=opts.strata_codes, weights=opts.weight_values, entry=data.entry)
    except SingularDesignError as exc:
        weighted = "" if opts.weight_values is None else (
            f" ({int(np.count_nonzero(opts.weight_values))} of them with weight > 0 in "
            f"{weights!r}: rows of weight 0 do not count)")
        raise CohortError(
            f"The covariates {covs} are collinear or constant among the {len(data.time)} rows "
            f"used{weighted}, or hold extreme values (the information matrix is singular). "
            "Remove redundant terms, merge sparse levels, or check for data-entry errors."
        ) from exc


def _model_rows(cohort: Cohort, covariates: str | Sequence[str],
                strata: str | Sequence[str] | None, weights: str | None, cluster: str | None,
                robust: bool) -> tuple[list[str], AnalysisData, ModelOptions]:
    """The expanded covariates, the rows a Cox model uses, and its coded options."""
    given = [covariates] if isinstance(covariates, str) else list(covariates)
    if not given:
        raise CohortError("cox() needs at least one covariate.")
    if len(set(given)) != len(given):
        raise CohortError(f"Covariates are repeated: {given}.")
    covs = expand_covariates(given)
    columns = list(_columns_of(covs))
    strata_cols = as_columns(strata, "strata")
    for name, col in (("weights", weights), ("cluster", cluster)):
        if col is not None and not isinstance(col, str):
            raise ArgumentError(f"{name}= takes one column name, got {col!r}.", argument=name)
    base = option_columns(columns, strata_cols, weights, cluster)
    # one column may be both the weights and the cluster (R allows it): check it once
    extra = list(dict.fromkeys(c for c in (weights, cluster) if c is not None and c not in base))
    data = timefixed(check_complete(cohort, base, extra, intervals=True))
    if int(data.event.sum()) == 0:
        raise CohortError(
            f"No events among the {len(data.time)} rows with complete {covs}; a Cox model needs "
            "events. " + data.exclusions.summary(), rows=list(data.exclusions.rows))
    opts = prepare_options(data, strata_cols, weights, cluster, robust)
    return covs, data, opts


def _robust(data: Any, fit: Any, x: np.ndarray, ties: Ties, opts: ModelOptions
            ) -> tuple[np.ndarray, float]:
    """R's robust covariance and robust score test of a fit."""
    rs = risk_sets(data.time, data.event, ties, strata=opts.strata_codes,
                   weights=opts.weight_values, entry=data.entry)
    xs = (x - fit.means)[rs.order]
    t = np.asarray(data.time, float)[rs.order]
    var = robust_variance(fit.coef, fit.var, xs, rs, t, opts.cluster_codes)
    return var, robust_score_test(xs, rs, t, opts.cluster_codes)


def _result(data: Any, design: Design, fit: Any, ties: Ties, conf_level: float,
            monotone: tuple[str, ...], x: np.ndarray, opts: ModelOptions,
            max_iter: int = 20) -> CoxResult:
    terms = list(design.terms)
    naive_var = fit.var
    var, rscore = (fit.var, float("nan"))
    if opts.robust:
        var, rscore = _robust(data, fit, x, ties, opts)
    se = np.sqrt(np.diag(var))
    z = fit.coef / se
    zc = zcrit(conf_level)
    with np.errstate(over="ignore"):  # a monotone fit's upper limit is +inf, as in R
        summary = pd.DataFrame({
            "coef": fit.coef, "se": se, "hr": np.exp(fit.coef),
            "ci_lower": np.exp(fit.coef - zc * se), "ci_upper": np.exp(fit.coef + zc * se),
            "z": z, "p": normal_p(z),
        }, index=pd.Index(terms, name="term"))
    if opts.robust:
        summary.insert(2, "naive_se", np.sqrt(np.diag(naive_var)))
    p = len(terms)
    lr = 2 * (fit.loglik - fit.loglik_null)
    try:
        wald = float(fit.coef @ np.linalg.solve(var, fit.coef))
    except np.linalg.LinAlgError:
        wald = float("nan")
    lp = (x - fit.means) @ fit.coef
    counts = concordance_counts(data.time, data.event, lp, strata=opts.strata_codes,
                                weights=opts.weight_values, entry=data.entry)
    return CoxResult(
        summary=summary, loglik=fit.loglik, loglik_null=fit.loglik_null, lr_chi2=lr, lr_df=p,
        lr_p=chi2_sf(lr, p), wald_chi2=wald, wald_p=chi2_sf(wald, p), score_chi2=fit.score_chi2,
        score_p=chi2_sf(fit.score_chi2, p), concordance=counts["concordance"],
        n=len(data.time), events=int(data.event.sum()), excluded=data.exclusions, ties=ties,
        monotone=monotone, converged=fit.converged, iterations=fit.iterations,
        vcov=pd.DataFrame(var, index=terms, columns=terms), conf_level=conf_level,
        design=design, means=fit.means, linear_predictor=lp, ids=data.ids,
        concordance_counts=counts, strata=opts.strata, strata_levels=opts.strata_levels,
        weights=opts.weights, robust=opts.robust, cluster=opts.cluster,
        robust_score_chi2=rscore, robust_score_p=chi2_sf(rscore, p) if opts.robust else rscore,
        naive_vcov=pd.DataFrame(naive_var, index=terms, columns=terms),
        inputs=FitInputs(data.time, data.event, x, opts.strata_codes, opts.weight_values,
                         max_iter, data.entry, opts.cluster_codes),
    )


def firth_result(data: AnalysisData, design: Design, x: np.ndarray, ties: Ties,
                 conf_level: float, max_iter: int,
                 opts: ModelOptions | None = None) -> CoxResult:
    """A :class:`~mirprog.CoxResult` from a Firth fit (called by ``cox(..., firth=True)``).

    The summary holds the penalised estimate, ``se`` from ``I(b^)^-1``, the
    Wald ``z``, the **profile penalised-likelihood CI** and the **penalised
    likelihood-ratio p**; ``loglik``/``lr_chi2`` are penalised; ``penalty`` is
    ``"firth"`` and ``monotone`` is empty.
    """
    try:
        opts = opts or ModelOptions()
        fit = firth_cox(data.time, data.event, x, ties, conf_level=conf_level,
                        max_iter=max(max_iter, 100), strata=opts.strata_codes)
    except SingularDesignError as exc:
        raise CohortError(
            f"The covariates {list(design.covariates)} are collinear or constant among the "
            f"{len(data.time)} rows used (the information matrix is singular). Remove "
            "redundant terms, or merge sparse levels.") from exc
    res = _result(data, design, fit, ties, conf_level, (), x, opts)
    summary = res.summary.copy()
    with np.errstate(over="ignore"):
        summary["ci_lower"] = np.exp(fit.ci_lower)
        summary["ci_upper"] = np.exp(fit.ci_upper)
    summary["p"] = fit.p
    return replace(res, summary=summary, penalty="firth")
