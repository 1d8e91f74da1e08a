"""Combined signatures: ordered risk groups from adverse factors, and nested-model comparison."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties
from mirprog._engine.dist import chi2_sf
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import CohortError, MirprogError
from mirprog.factors.risk_groups import adverse_groups, default_labels
from mirprog.stats.cox.coxph import CoxResult, cox
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import LogRankResult, logrank

__all__ = ["CombinedComparison", "ModelComparison", "RiskGroupResult", "compare_combined",
           "compare_models", "risk_groups"]


@dataclass(frozen=True)
class RiskGroupResult(Result):
    """Ordered risk groups built from adverse factors, with their survival analysis.

    Attributes
    ----------
    cohort : Cohort
        The input cohort with the group column added (ordered categorical;
        missing where any factor is missing).
    column : str
        Name of the group column.
    labels : tuple of str
        Group labels from no adverse factor to all of them.
    adverse : dict
        Factor -> the value counted as adverse.
    counts : pandas.DataFrame
        Indexed by group: ``n_adverse, n, events``.
    km : KMResult
    logrank : LogRankResult
        k-group log-rank test.
    trend : LogRankResult
        Log-rank test for trend over the ordered groups (scores 0, 1, ..., k).
    excluded : Exclusions
        Rows left without a group (a missing adverse factor) and why.
    """

    cohort: Cohort
    column: str
    labels: tuple[str, ...]
    adverse: dict[str, Any]
    counts: pd.DataFrame
    km: KMResult
    logrank: LogRankResult
    trend: LogRankResult

    @property
    def table(self) -> pd.DataFrame:
        """The main frame: ``counts``, group sizes and events."""
        return self.counts

    @property
    def excluded(self) -> Exclusions:
        """Rows without a risk group (a missing adverse factor) and why."""
        return self.logrank.excluded


def risk_groups(
    cohort: Cohort,
    adverse: Mapping[str, Hashable],
    *,
    labels: Sequence[str] | None = None,
    column: str = "risk_group",
) -> RiskGroupResult:
    """Group patients by how many adverse factors they carry (A = none, ..., last = all).

    Parameters
    ----------
    cohort : Cohort
    adverse : mapping
        Factor column -> the value that counts as adverse, e.g.
        ``{"mir125b_high": 1, "nodes_gt3": 1}``.
    labels : sequence of str, optional
        One label per group, from no adverse factor to all k; default
        ``"A"``, ``"B"``, ``"C"``, ...
    column : str, default "risk_group"
        Name of the new column.

    Returns
    -------
    RiskGroupResult
        With the KM curves, the k-group log-rank test and the trend test.

    Notes
    -----
    With two factors this is the reference study's signature: A = low
    miR-125b and <= 3 nodes, B = exactly one adverse factor, C = both.

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> g = mp.Cutpoints.fit(g, ["progrec"]).apply(g)
    >>> g = mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)
    >>> res = mp.risk_groups(g, {"progrec_high": 0, "pnodes_high": 1})
    >>> res.counts
           n_adverse    n  events
    group
    A              0  206      53
    B              1  307     129
    C              2  173     117
    >>> round(res.logrank.chi2, 2), res.logrank.df, round(res.trend.chi2, 2)
    (123.61, 2, 106.69)
    """
    factors = list(adverse)
    if not factors:
        raise CohortError("risk_groups() needs at least one adverse factor.")
    cohort.require(*factors, role="adverse factor")
    k = len(factors)
    labels = tuple(labels) if labels is not None else default_labels(k)
    if len(labels) != k + 1 or len(set(labels)) != k + 1:
        raise CohortError(f"{k} adverse factor(s) make {k + 1} groups; give {k + 1} distinct "
                          f"labels, got {list(labels)}.")
    if column in cohort.columns:
        raise CohortError(f"Column {column!r} already exists; pass column='another_name'.",
                          column=column)
    data = cohort.data
    for f in factors:
        present = set(data[f].dropna().unique().tolist())
        if adverse[f] not in present:
            raise CohortError(f"No patient has the adverse value {adverse[f]!r} in {f!r} "
                              f"(values: {sorted(present, key=str)}).", column=f)
    groups = adverse_groups(data, adverse, labels)
    with_groups = cohort.assign(**{column: groups})
    curves = km(with_groups, by=column)
    test = logrank(with_groups, by=column)
    present_labels = list(test.groups)
    trend = logrank(with_groups, by=column, trend=True,
                    scores=[float(labels.index(g)) for g in present_labels])
    counts = pd.DataFrame({
        "n_adverse": [labels.index(g) for g in present_labels],
        "n": test.table["n"].to_numpy(), "events": test.table["observed"].to_numpy().astype(int),
    }, index=pd.Index(present_labels, name="group"))
    return RiskGroupResult(cohort=with_groups, column=column, labels=labels,
                           adverse=dict(adverse), counts=counts, km=curves, logrank=test,
                           trend=trend)


@dataclass(frozen=True)
class ModelComparison(Result):
    """Likelihood-ratio comparison of two nested Cox models fitted on the same rows.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``"big"``/``"small"``: ``terms, n, events, neg2loglik, aic, concordance``.
    lr_chi2, df, p : float, int, float
        LR statistic (difference in -2 log-likelihood), its df and p-value.
    big, small : CoxResult
    """

    table: pd.DataFrame
    lr_chi2: float
    df: int
    p: float
    big: CoxResult
    small: CoxResult

    @property
    def excluded(self) -> Exclusions:
        """Rows left out of the bigger model (both models use the same rows) and why."""
        return self.big.excluded


def compare_models(big: CoxResult, small: CoxResult) -> ModelComparison:
    """Likelihood-ratio test of a Cox model against a nested smaller one.

    Parameters
    ----------
    big, small : CoxResult
        ``small``'s terms must be a subset of ``big``'s, and both must have
        been fitted on the same patients with the same ties method.

    Returns
    -------
    ModelComparison

    Raises
    ------
    MirprogError
        If the models are not nested, not on the same rows, or use different ties.

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> cmp = mp.compare_models(mp.cox(g, ["horTh", "tgrade"]), mp.cox(g, "horTh"))
    >>> round(cmp.lr_chi2, 3), cmp.df
    (23.044, 2)
    """
    if not set(small.terms) <= set(big.terms) or len(small.terms) >= len(big.terms):
        raise MirprogError(f"Models are not nested: {list(small.terms)} is not a proper subset "
                           f"of {list(big.terms)}.")
    if big.n != small.n or set(big.ids.tolist()) != set(small.ids.tolist()):
        raise MirprogError(
            f"Models were fitted on different patients (n = {big.n} and {small.n}); an LR test "
            "needs the same rows. Fit both on the rows complete for the bigger model, e.g. "
            "cohort.subset(...) or mp.compare_combined(...).")
    if big.ties != small.ties:
        raise MirprogError(f"Models use different ties methods ({big.ties}, {small.ties}).")
    for what in ("strata", "weights"):
        if getattr(big, what, None) != getattr(small, what, None):
            raise MirprogError(f"Models use different {what} ({getattr(big, what, None)}, "
                               f"{getattr(small, what, None)}); an LR test needs the same.")
    lr = small.neg2loglik - big.neg2loglik
    df = len(big.terms) - len(small.terms)
    table = pd.DataFrame(
        [_model_row(big), _model_row(small)], index=pd.Index(["big", "small"], name="model"))
    return ModelComparison(table=table, lr_chi2=lr, df=df, p=chi2_sf(lr, df), big=big,
                           small=small)


def _model_row(fit: CoxResult) -> dict[str, Any]:
    return {"terms": " + ".join(fit.terms), "n": fit.n, "events": fit.events,
            "neg2loglik": fit.neg2loglik, "aic": fit.aic, "concordance": fit.concordance}


@dataclass(frozen=True)
class CombinedComparison(Result):
    """The combined model of several factors against each model that drops one of them.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by model (``"combined"`` and ``"without <factor>"``): ``terms, n,
        events, neg2loglik, aic, concordance, lr_chi2, df, p`` (LR test of the
        combined model against that row's model; NaN on the combined row).
    combined : CoxResult
    comparisons : dict
        Dropped factor -> :class:`ModelComparison`.
    excluded : Exclusions
        Rows not used by any of the models (incomplete for some factor).
    """

    table: pd.DataFrame
    combined: CoxResult
    comparisons: dict[str, ModelComparison]
    excluded: Exclusions


def compare_combined(cohort: Cohort, factors: Sequence[str], *,
                     ties: Ties = "breslow") -> CombinedComparison:
    """Does each factor add to the others? The combined model against each leave-one-out model.

    All models are fitted on the same rows (complete for every factor).  With
    ``["mir125b_high", "nodes_gt3"]`` this is the reference study's comparison:
    marker + nodes (-2LL 51.26) against marker only (59.05) and nodes only (58.51).

    Parameters
    ----------
    cohort : Cohort
    factors : sequence of str
        Two or more factor columns; rows missing any of them are excluded (reported).
    ties : {"breslow", "efron"}, default "breslow"

    Returns
    -------
    CombinedComparison
        ``.table`` indexed by model (``combined``, ``without <factor>``):
        ``neg2loglik, aic, lr_chi2, df, p`` and the model's size; ``.comparisons``
        holds each likelihood-ratio test.

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> g = mp.Cutpoints.fit(g, ["progrec"]).apply(g)
    >>> res = mp.compare_combined(g, ["progrec_high", "horTh"])
    >>> res.table[["neg2loglik", "lr_chi2", "p"]].round(3)
                          neg2loglik  lr_chi2      p
    model
    combined                3525.187      NaN    NaN
    without progrec_high    3567.530   42.343  0.000
    without horTh           3533.769    8.581  0.003
    """
    factors = list(factors)
    if len(factors) < 2:
        raise CohortError("compare_combined() needs at least two factors.")
    data = cohort.complete_cases(factors)
    rows = cohort.subset(np.isin(cohort.ids, data.ids))
    combined = dataclasses.replace(cox(rows, factors, ties=ties), excluded=data.exclusions)
    comparisons: dict[str, ModelComparison] = {}
    records = [{**_model_row(combined), "model": "combined", "lr_chi2": np.nan, "df": np.nan,
                "p": np.nan}]
    for f in factors:
        small = cox(rows, [c for c in factors if c != f], ties=ties)
        cmp = compare_models(combined, small)
        comparisons[f] = cmp
        records.append({**_model_row(small), "model": f"without {f}", "lr_chi2": cmp.lr_chi2,
                        "df": cmp.df, "p": cmp.p})
    table = pd.DataFrame(records).set_index("model")
    return CombinedComparison(table=table, combined=combined, comparisons=comparisons,
                              excluded=data.exclusions)
