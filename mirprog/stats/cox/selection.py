"""Backward elimination for Cox models (SPSS "Backward LR" / "Backward Wald")."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties
from mirprog._engine.dist import chi2_sf
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import ArgumentError, CohortError
from mirprog.stats.cox.coxph import CoxResult, cox
from mirprog.stats.logrank import logrank

__all__ = ["SelectionResult", "backward_select", "factor_test"]

Method = Literal["lr", "wald"]
EntryTest = Literal["logrank", "lr", "wald", "score"]


@dataclass(frozen=True)
class SelectionResult(Result):
    """Outcome of :func:`backward_select`.

    Attributes
    ----------
    final : CoxResult or None
        The model left when no factor has p >= ``p_remove``; ``None`` when no
        factor entered or all were removed.
    selected : tuple of str
        Factors in the final model.
    entered : tuple of str
        Factors whose univariate p was below ``p_enter``.
    screening : pandas.DataFrame
        Indexed by candidate: ``n, events, statistic, df, p, entered`` (the
        univariate entry test, each on its own complete cases).
    steps : pandas.DataFrame
        One row per step: ``step, action ("start" | "remove" | "stop"), factor,
        statistic, df, p, n_factors`` (factors left after the step).
        ``statistic``/``p`` are the removal test of ``factor`` in the model of
        that step (for "stop": of the least significant factor, which stays).
    method, entry_test : str
        Removal test (``"lr"`` or ``"wald"``) and univariate entry test.
    p_enter, p_remove : float
        The thresholds used (SPSS's PIN and POUT).
    n, events : int
        Rows used by every multivariate step (complete for all entered factors).
    excluded : Exclusions
        Rows not used by the multivariate steps, and why.
    """

    final: CoxResult | None
    selected: tuple[str, ...]
    entered: tuple[str, ...]
    screening: pd.DataFrame
    steps: pd.DataFrame
    method: Method
    entry_test: EntryTest
    p_enter: float
    p_remove: float
    n: int
    events: int
    excluded: Exclusions

    @property
    def table(self) -> pd.DataFrame:
        """The main frame: ``steps``, the log of the selection."""
        return self.steps


def factor_test(fit: CoxResult, factor: str, cohort: Cohort, method: Method = "lr"
                ) -> tuple[float, int, float]:
    """Test that all terms of ``factor`` are zero in ``fit``: (chi2, df, p).

    ``"lr"`` refits without the factor on exactly the rows of ``fit`` (R
    ``drop1(fit, test="Chisq")``); ``"wald"`` uses b' V^-1 b over the factor's terms.
    ``cohort`` must be the cohort ``fit`` was fitted on.
    """
    terms = [t for t, f in zip(fit.design.terms, fit.design.term_factor, strict=True)
             if f == factor]
    if not terms:
        raise CohortError(f"{factor!r} is not a covariate of this model "
                          f"({list(fit.design.covariates)}).")
    df = len(terms)
    if method == "wald":
        b = fit.summary.loc[terms, "coef"].to_numpy()
        v = fit.vcov.loc[terms, terms].to_numpy()
        stat = float(b @ np.linalg.solve(v, b))
    elif method == "lr" and fit.inputs is not None and fit.penalty is None:
        # the fit's own arrays: same rows, strata and weights (CoxResult.factor_tests)
        stat = fit.drop_lr([i for i, f in enumerate(fit.design.term_factor) if f == factor])
    elif method == "lr":
        rest = [c for c in fit.design.covariates if c != factor]
        if rest:
            rows = cohort.subset(np.isin(cohort.ids, fit.ids))
            reduced_loglik = _refit(rows, rest, fit).loglik
        else:
            reduced_loglik = fit.loglik_null
        stat = 2.0 * (fit.loglik - reduced_loglik)
    else:
        raise ArgumentError(f"method must be 'lr' or 'wald', got {method!r}.", argument="method")
    return stat, df, chi2_sf(stat, df)


def _refit(cohort: Cohort, covariates: Sequence[str], like: CoxResult) -> CoxResult:
    levels = like.design.levels
    return cox(cohort, covariates, ties=like.ties,
               categorical=[c for c in covariates if c in levels],
               reference={c: levels[c][0] for c in covariates if c in levels},
               conf_level=like.conf_level)


def _entry_test(cohort: Cohort, factor: str, test: EntryTest, ties: Ties,
                categorical: Sequence[str], reference: Mapping[str, Hashable]
                ) -> tuple[int, int, float, int, float]:
    if test == "logrank" and cohort.column(factor).nunique(dropna=True) <= 10:
        lr = logrank(cohort, by=factor)  # no Cox fit: a group without events is fine here
        return lr.n, lr.events, lr.chi2, lr.df, lr.p
    fit = cox(cohort, factor, ties=ties, categorical=[c for c in categorical if c == factor],
              reference={k: v for k, v in reference.items() if k == factor})
    if test in ("logrank", "lr"):  # continuous factor: the Cox likelihood-ratio test
        return fit.n, fit.events, fit.lr_chi2, fit.lr_df, fit.lr_p
    if test == "wald":
        return fit.n, fit.events, fit.wald_chi2, fit.lr_df, fit.wald_p
    return fit.n, fit.events, fit.score_chi2, fit.lr_df, fit.score_p


def _screening(cohort: Cohort, candidates: Sequence[str], test: EntryTest, ties: Ties,
               categorical: Sequence[str], reference: Mapping[str, Hashable], p_enter: float
               ) -> pd.DataFrame:
    """The univariate entry test of every candidate: n, events, statistic, df, p, entered."""
    rows = []
    for f in candidates:
        n, events, stat, df, p = _entry_test(cohort, f, test, ties, categorical, reference)
        rows.append({"factor": f, "n": n, "events": events, "statistic": stat, "df": df,
                     "p": p, "entered": bool(p < p_enter)})
    return pd.DataFrame(rows).set_index("factor")


def backward_select(
    cohort: Cohort,
    candidates: Sequence[str],
    *,
    p_enter: float = 0.05,
    p_remove: float = 0.10,
    method: Method = "lr",
    entry_test: EntryTest = "logrank",
    ties: Ties = "breslow",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
) -> SelectionResult:
    """Univariate screening, then backward elimination of a multivariate Cox model.

    As in the reference study: candidates whose univariate p is below
    ``p_enter`` enter one Cox model; then, while the least significant factor
    has p >= ``p_remove``, it is removed and the model refitted.

    Parameters
    ----------
    cohort : Cohort
    candidates : sequence of str
        Factor columns (binary, categorical or continuous).
    p_enter : float, default 0.05
        Entry threshold (SPSS PIN).
    p_remove : float, default 0.10
        Removal threshold (SPSS POUT): a factor is removed while its p >= p_remove.
    method : {"lr", "wald"}, default "lr"
        Removal test: likelihood ratio (SPSS "Backward LR", R ``drop1(test="Chisq")``)
        or Wald (SPSS "Backward Wald").  A categorical factor is tested on all
        its terms at once.
    entry_test : {"logrank", "lr", "wald", "score"}, default "logrank"
        Univariate test for entry: the log-rank test (the paper's univariate p;
        continuous factors fall back to the Cox LR test) or a univariate Cox test.
    ties : {"breslow", "efron"}, default "breslow"
    categorical, reference :
        As in :func:`mirprog.cox`.

    Returns
    -------
    SelectionResult

    Notes
    -----
    Every multivariate step uses the same rows: those complete for all
    entered factors (as SPSS does), listed in ``excluded``.  Removed factors
    are not reconsidered for re-entry (a pure backward elimination, as an R
    ``drop1`` loop).

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> g = mp.Cutpoints.fit(g, ["progrec", "estrec"]).apply(g)
    >>> sel = mp.backward_select(g, ["progrec_high", "estrec_high", "horTh", "menostat"])
    >>> sel.entered, sel.selected
    (('progrec_high', 'estrec_high', 'horTh'), ('progrec_high', 'horTh'))
    >>> sel.steps[["action", "factor", "p"]].round(3)
      action        factor      p
    0  start          None    NaN
    1 remove   estrec_high  0.884
    2   stop         horTh  0.003
    """
    candidates = list(candidates)
    if not candidates:
        raise CohortError("backward_select() needs at least one candidate factor.")
    if not 0 < p_enter <= p_remove < 1:
        raise ArgumentError(f"Need 0 < p_enter <= p_remove < 1, got p_enter={p_enter}, "
                         f"p_remove={p_remove} (SPSS defaults: 0.05 and 0.10).")
    categorical = list(categorical or ())
    reference = dict(reference or {})
    screening = _screening(cohort, candidates, entry_test, ties, categorical, reference, p_enter)
    entered = tuple(f for f in candidates if screening.loc[f, "entered"])
    data = cohort.complete_cases(list(entered), intervals=True)  # none entered: no exclusions
    steps: list[dict[str, object]] = []
    common = dict(method=method, entry_test=entry_test, p_enter=p_enter, p_remove=p_remove,
                  n=len(data.time), events=int(data.event.sum()), excluded=data.exclusions,
                  screening=screening, entered=entered)
    if not entered:
        steps.append(_step(0, "stop", None, np.nan, 0, np.nan, 0))
        return SelectionResult(final=None, selected=(), steps=pd.DataFrame(steps),
                               **common)  # type: ignore[arg-type]
    rows = cohort.subset(np.isin(cohort.ids, data.ids))
    current = list(entered)
    fit = cox(rows, current, ties=ties, categorical=[c for c in categorical if c in current],
              reference={k: v for k, v in reference.items() if k in current})
    steps.append(_step(0, "start", None, np.nan, 0, np.nan, len(current)))
    final: CoxResult | None = fit
    step = 0
    while current:
        step += 1
        tests = {f: factor_test(fit, f, rows, method) for f in current}
        worst = max(current, key=lambda f: (tests[f][2], -current.index(f)))
        stat, df, p = tests[worst]
        if p < p_remove:
            steps.append(_step(step, "stop", worst, stat, df, p, len(current)))
            break
        current.remove(worst)
        steps.append(_step(step, "remove", worst, stat, df, p, len(current)))
        if not current:
            final = None
            break
        fit = _refit(rows, current, fit)
        final = fit
    if final is not None:
        final = dataclasses.replace(final, excluded=data.exclusions)
    return SelectionResult(final=final, selected=tuple(current), steps=pd.DataFrame(steps),
                           **common)  # type: ignore[arg-type]


def _step(step: int, action: str, factor: str | None, stat: float, df: int, p: float,
          n_factors: int) -> dict[str, object]:
    return {"step": step, "action": action, "factor": factor, "statistic": stat, "df": df,
            "p": p, "n_factors": n_factors}
