"""The risk-group rule of a prognostic model: which level of each factor is adverse.

A :class:`~mirprog.PrognosticModel`'s risk group is the number of adverse
factors a patient has (labels A, B, C, ...); :func:`resolve_groups` turns the
``groups=`` argument of :meth:`~mirprog.PrognosticModel.fit` into that rule.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from mirprog.data._checks import native
from mirprog.errors import CohortError
from mirprog.stats.cox.coxph import Design

__all__ = ["resolve_groups"]



def _binary_levels(design: Design, frame: pd.DataFrame) -> dict[str, tuple[Any, Any]]:
    """Covariates with exactly two values: (lower/reference level, other level)."""
    out: dict[str, tuple[Any, Any]] = {}
    for cov in design.covariates:
        if cov in design.levels:
            if len(design.levels[cov]) == 2:
                out[cov] = (design.levels[cov][0], design.levels[cov][1])
        elif set(pd.to_numeric(frame[cov]).dropna().unique().tolist()) == {0, 1}:
            out[cov] = (0, 1)
    return out


def resolve_groups(groups: Mapping[str, Hashable] | str | None, design: Design,
                    coef: tuple[float, ...], frame: pd.DataFrame) -> dict[str, Any] | None:
    """The risk-group rule (factor -> adverse value) asked for by ``groups``.

    ``groups`` is None (no groups), ``"default"`` (every binary covariate,
    adverse = its level with the higher fitted hazard, from ``coef``) or a
    mapping factor -> adverse value, checked against ``design`` and the
    training rows ``frame``.

    Raises
    ------
    CohortError
        An unknown ``groups`` string, no binary covariate for ``"default"``, an
        empty mapping, a factor that is not a covariate, or an adverse value
        absent from the training rows.
    """
    if groups is None:
        return None
    binary = _binary_levels(design, frame)
    if isinstance(groups, str):
        if groups != "default":
            raise CohortError(f"groups must be None, 'default' or a mapping of adverse values, "
                              f"got {groups!r}.")
        if not binary:
            raise CohortError("groups='default' needs binary covariates (e.g. marker highs); "
                              "the model has none.")
        return {cov: hi if coef[design.term_factor.index(cov)] > 0 else lo
                for cov, (lo, hi) in binary.items()}
    adverse = {f: native(v) for f, v in groups.items()}
    if not adverse:
        raise CohortError("groups= is empty; give at least one factor -> adverse value.")
    for f, v in adverse.items():
        if f not in design.covariates:
            raise CohortError(f"groups= names {f!r}, which is not a model covariate "
                              f"{list(design.covariates)} (markers enter as '<marker>_high').",
                              column=f)
        present = design.levels.get(f) or set(frame[f].dropna().unique().tolist())
        if v not in present:
            raise CohortError(f"The adverse value {v!r} of {f!r} does not occur in the "
                              f"training rows (values: {sorted(present, key=str)}).", column=f)
    return adverse
