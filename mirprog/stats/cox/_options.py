"""Strata, case weights and clusters of a Cox model: columns checked and coded for the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog.data.cohort import AnalysisData
from mirprog.errors import CohortError, format_ids
from mirprog.stats._common import case_weights, strata_codes

__all__ = ["ModelOptions", "option_columns", "prepare_options"]


@dataclass(frozen=True)
class ModelOptions:
    """What the engine needs beyond time, event and the design (codes in the rows' order)."""

    strata: tuple[str, ...] = ()
    weights: str | None = None
    cluster: str | None = None
    robust: bool = False
    strata_codes: np.ndarray | None = None
    strata_levels: tuple[tuple[object, ...], ...] = ()
    weight_values: np.ndarray | None = None
    cluster_codes: np.ndarray | None = None


def option_columns(covariates: Sequence[str], strata: tuple[str, ...], weights: str | None,
                   cluster: str | None) -> list[str]:
    """The columns rows must be complete in: covariates, then the strata.

    Weights and cluster columns are checked separately (a missing value there
    is an error, not an exclusion).
    """
    for col in strata:
        if col in covariates:
            raise CohortError(f"Column {col!r} is both a covariate and a stratum; a stratified "
                              "model has no coefficient for its strata. Use it in one place.",
                              column=col)
    for name, other in (("weights", weights), ("cluster", cluster)):
        if other is not None and other in covariates:
            raise CohortError(f"Column {other!r} is both a covariate and the {name} column.",
                              column=other)
    return list(covariates) + [c for c in strata if c not in covariates]


def prepare_options(data: AnalysisData, strata: tuple[str, ...],
                    weights: str | None, cluster: str | None, robust: bool) -> ModelOptions:
    """Check and code the strata, weights and cluster columns of the rows used.

    Raises
    ------
    CohortError
        A stratum without events; a weight that is missing, negative or not
        finite; a missing cluster value.
    """
    codes, levels = (None, ()) if not strata else strata_codes(data, strata)
    if codes is not None:
        events = np.bincount(codes, weights=data.event, minlength=len(levels))
        empty = [levels[i] for i in np.flatnonzero(events == 0)]
        if empty:
            rows = data.ids[np.isin(codes, np.flatnonzero(events == 0))]
            raise CohortError(
                f"Stratum {', '.join(map(str, empty))} of {list(strata)} has no events among "
                f"the rows used (ids {format_ids(list(rows))}); it cannot contribute to a "
                "stratified model. Merge it with a neighbouring stratum or leave it out.",
                column=strata[0], rows=list(rows))
    w = None if weights is None else case_weights(data, weights)
    cl = None
    if cluster is not None:
        cl = pd.factorize(data.frame[cluster])[0].astype(np.int64)
    return ModelOptions(strata, weights, cluster, robust or cluster is not None, codes, levels,
                        w, cl)
