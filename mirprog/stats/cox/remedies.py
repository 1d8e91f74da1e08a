"""What to do when proportional hazards fail: flag the terms (``cox(check_ph=True)``) and
fit a time-split hazard ratio (``cox(split_at=, split_terms=)``).

:func:`ph_note` turns a :class:`~mirprog.PHTestResult` into the sentence the cox summary,
the factor table and the report print; :func:`time_split` rewrites a model so that each
named term gets one coefficient per period of follow-up (R ``survSplit`` then
``x:strata(tgroup)``).  Nothing here changes a fit the user did not ask to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.data.episodes import survsplit
from mirprog.errors import ArgumentError, CohortError
from mirprog.output import format_p

if TYPE_CHECKING:
    from mirprog.stats.cox.phtest import PHTestResult

__all__ = ["PERIOD", "REMEDIES", "check_alpha", "period_labels", "ph_note", "ph_violations",
           "time_split"]

PERIOD = "period"
"""The column :func:`time_split` adds: 1 before the first cut, 2 after it, ..."""

REMEDIES = ("consider strata, a time-split HR (cox(..., split_at=, split_terms=)) "
            "or RMST (rmst())")


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in (0, 1), else an ArgumentError."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating) \
            or not 0 < float(alpha) < 1:
        raise ArgumentError(f"ph_alpha must be a number between 0 and 1, got {alpha!r}.",
                            argument="ph_alpha")
    return float(alpha)


def ph_violations(ph: PHTestResult, alpha: float = 0.05) -> pd.Series:
    """The terms (rows of ``ph.table`` other than GLOBAL) with ``p < alpha``, and their p."""
    terms = ph.table.drop(index="GLOBAL", errors="ignore")["p"]
    return terms[terms < check_alpha(alpha)]


def ph_note(ph: PHTestResult, alpha: float = 0.05) -> str | None:
    """One sentence naming the terms whose PH test rejects at ``alpha``, with the remedies.

    ``None`` when no term is rejected.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> fit = mp.cox(gbsg, ["horTh", "age"])
    >>> print(ph_note(mp.ph_test(fit, gbsg)))  # doctest: +ELLIPSIS
    PH rejected for age (p = 0.002) at alpha 0.05: consider strata, ...
    """
    bad = ph_violations(ph, alpha)
    if bad.empty:
        return None
    parts = []
    for term, p in bad.items():
        text = format_p(float(p))
        parts.append(f"{term} (p < {text[1:]})" if text.startswith("<")
                     else f"{term} (p = {text})")
    return f"PH rejected for {', '.join(parts)} at alpha {alpha:g}: {REMEDIES}."


def period_labels(split_at: Sequence[float]) -> list[str]:
    """``["1 = (0, 2]", "2 = (2, 5]", "3 = after 5"]`` for cuts ``[2, 5]``."""
    cuts = [f"{c:g}" for c in split_at]
    bounds = ["0", *cuts]
    out = [f"{k + 1} = ({bounds[k]}, {cuts[k]}]" for k in range(len(cuts))]
    return [*out, f"{len(cuts) + 1} = after {cuts[-1]}"]


def time_split(cohort: Cohort, covariates: str | Sequence[str],
               categorical: Sequence[str] | None, split_at: Sequence[float] | None,
               split_terms: str | Sequence[str] | None
               ) -> tuple[Cohort, list[str], list[str]]:
    """The split cohort, covariates and categorical list of a time-split Cox model.

    Each term in ``split_terms`` becomes ``"<term>:period"`` with ``period``
    categorical: its coefficients ``"<term>:period[k]"`` are the log HRs in period k
    (R: ``survSplit(cut = split_at, episode = "period")`` then
    ``coxph(Surv(tstart, stop, event) ~ term:strata(period) + ...)``).
    """
    given = [covariates] if isinstance(covariates, str) else list(covariates)
    if split_at is None or split_terms is None:
        raise ArgumentError("A time-split HR needs both split_at= (the cut times) and "
                            "split_terms= (the covariates whose HR may change), e.g. "
                            "split_at=[2, 5], split_terms=['pgr_high'].",
                            argument="split_at" if split_at is None else "split_terms")
    terms = [split_terms] if isinstance(split_terms, str) else list(split_terms)
    if not terms:
        raise ArgumentError("split_terms= is empty; name the covariates to split.",
                            argument="split_terms")
    cats = list(categorical or [])
    for term in terms:
        if term not in given:
            raise ArgumentError(f"split_terms names {term!r}, which is not among the "
                                f"covariates {given}; add it to the model first.",
                                argument="split_terms")
        values = cohort.data[term] if term in cohort.columns else None
        if values is None or term in cats or not (pd.api.types.is_numeric_dtype(values)
                                                    or pd.api.types.is_bool_dtype(values)):
            raise CohortError(f"split_terms: {term!r} must be a numeric column (0/1 or "
                              "continuous) not treated as categorical; code a categorical "
                              f"factor as 0/1 indicators first, e.g. "
                              f"cohort.assign({term}_yes=(cohort.data[{term!r}] == 'yes')"
                              ".astype(int)).", column=term)
    if PERIOD in cohort.columns:
        raise CohortError(f"Column {PERIOD!r} already exists; a time-split model adds it. "
                          "Rename that column.", column=PERIOD)
    split = survsplit(cohort, split_at, episode=PERIOD)
    covs = [f"{c}:{PERIOD}" if c in terms else c for c in given]
    return split, covs, [*cats, PERIOD]

