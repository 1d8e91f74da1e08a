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
            raise CohortError(f"Column {other!r} is both a covariate and the {name} column; "
                              f"use it in one place (drop it from the covariates, or pass "
                              f"another {name}= column).", column=other)
    return list(covariates) + [c for c in strata if c not in covariates]


def prepare_options(data: AnalysisData, strata: tuple[str, ...],
                    weights: str | None, cluster: str | None, robust: bool) -> ModelOptions:
    """Check and code the strata, weights and cluster columns of the rows used.

    Raises
    ------
    CohortError
        A weight that is missing, negative or not finite, or every weight 0; no
        event with a weight above 0; a stratum without (weighted) events; a
        missing cluster value.
    """
    w = None if weights is None else case_weights(data, weights)
    events = data.event.astype(float) if w is None else data.event * w
    if w is not None and not events.any():
        rows = list(data.ids[data.event.astype(bool)])
        raise CohortError(
            f"Every event among the rows used has weight 0 in {weights!r} (ids "
            f"{format_ids(rows)}), so the model has no events. Check the weights column.",
            column=weights, rows=rows)
    codes, levels = (None, ()) if not strata else strata_codes(data, strata)
    if codes is not None:
        _check_strata_events(data, strata, codes, levels, events, weights)
    cl = None
    if cluster is not None:
        cl = pd.factorize(data.frame[cluster])[0].astype(np.int64)
    return ModelOptions(strata, weights, cluster, robust or cluster is not None, codes, levels,
                        w, cl)


def _check_strata_events(data: AnalysisData, strata: tuple[str, ...], codes: np.ndarray,
                         levels: tuple[tuple[object, ...], ...], events: np.ndarray,
                         weights: str | None) -> None:
    """A stratum whose events are none (or all of weight 0) is refused, naming its rows."""
    per_stratum = np.bincount(codes, weights=events, minlength=len(levels))
    empty = np.flatnonzero(per_stratum == 0)
    if not empty.size:
        return
    rows = data.ids[np.isin(codes, empty)]
    names = ", ".join(str(levels[i][0] if len(levels[i]) == 1 else levels[i]) for i in empty)
    weighted = f" with weight > 0 in {weights!r}" if weights is not None else ""
    raise CohortError(
        f"Stratum {names} of {list(strata)} has no events{weighted} among the rows used "
        f"(ids {format_ids(list(rows))}); it cannot contribute to a stratified model. Merge "
        "it with a neighbouring stratum, or leave its rows out of the cohort.",
        column=strata[0], rows=list(rows))
