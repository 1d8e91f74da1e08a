"""Small shared pieces of the statistical core: grouping, z-values, result display."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data.cohort import AnalysisData, Cohort, timefixed
from mirprog.errors import ArgumentError, CohortError, format_ids

ALL_GROUP = "all"






_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def natural_key(level: Any) -> tuple[Any, ...]:
    """Sort key of a level in natural order: numbers numerically, text by its first number.

    ``"<=20" < "20-50" < ">50"``, ``"grade 2" < "grade 10"``: a text level
    holding a number sorts by that number, a leading ``<``/``≤`` before and a
    leading ``>``/``≥`` after the others with the same number; text without
    a number comes after, in text order.
    """
    if isinstance(level, bool | np.bool_):
        return (0, float(level), 0, "")
    if isinstance(level, int | float | np.integer | np.floating):
        return (0, float(level), 0, "")
    text = str(level)
    found = _NUMBER.search(text)
    if found is None:
        return (1, 0.0, 0, text)
    head = text.lstrip()
    side = -1 if head[:1] in ("<", "≤") else (1 if head[:1] in (">", "≥") else 0)
    return (0, float(found.group()), side, text)


def sorted_levels(values: pd.Series) -> list[Any]:
    """Distinct non-missing values in natural order: category order, else :func:`natural_key`.

    Examples
    --------
    >>> sorted_levels(pd.Series(["20-50", "<=20", ">50", "20-50"]))
    ['<=20', '20-50', '>50']
    >>> sorted_levels(pd.Series(["grade 10", "grade 2"]))
    ['grade 2', 'grade 10']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    uniq = pd.unique(values.dropna())
    try:
        return sorted(uniq.tolist(), key=natural_key)
    except TypeError:
        return sorted(uniq.tolist(), key=str)


MAX_GROUPS = 20
"""Default limit on the groups of a ``by`` column in km, logrank and pairwise_logrank."""


def grouped(cohort: Cohort, by: str | None, extra: Sequence[str] = (), *,
            timefix: bool = True, max_groups: int | None = None, intervals: bool = False
            ) -> tuple[AnalysisData, np.ndarray, list[Any]]:
    """Complete cases for a grouping column: data, integer group codes and the level list.

    With ``timefix`` (the default) near-tied times of those rows are merged
    (:func:`~mirprog._engine.timefix.aeq_times`); ``False`` leaves them to the caller.
    With ``max_groups``, a ``by`` column with more distinct values is refused.
    ``intervals`` says the caller handles (start, stop] rows (``data.entry``).
    """
    columns = ([by] if by is not None else []) + [c for c in extra if c != by]
    data = cohort.complete_cases(columns, intervals=intervals)
    if timefix:
        data = timefixed(data)
    if by is None:
        return data, np.zeros(len(data.time), dtype=np.int64), [ALL_GROUP]
    col = data.frame[by]
    levels = sorted_levels(col)
    if max_groups is not None:
        _check_group_count(levels, by, max_groups)
    codes = pd.Categorical(col, categories=levels).codes.astype(np.int64)
    return data, codes, levels


def _check_group_count(levels: list[Any], by: str, max_groups: int) -> None:
    if isinstance(max_groups, bool) or not isinstance(max_groups, (int, np.integer)) \
            or max_groups < 1:
        raise ArgumentError(f"max_groups must be a positive integer, got {max_groups!r}.",
                            argument="max_groups")
    if len(levels) > max_groups:
        raise CohortError(
            f"Column {by!r} has {len(levels)} distinct values ({format_ids(levels)}), more "
            f"than max_groups={max_groups}: it looks continuous, and a curve or test per "
            f"value is meaningless. Cut it into groups first, e.g. "
            f"mp.Cutpoints.fit(cohort, [{by!r}], 'median').apply(cohort) and use "
            f"'{by}_high', or raise max_groups if these really are {len(levels)} groups.",
            column=by, rows=levels)


def require_groups(levels: list[Any], by: str, data: AnalysisData, minimum: int = 2) -> None:
    """Raise a CohortError unless ``by`` has at least ``minimum`` groups among the used rows."""
    if len(levels) < minimum:
        raise CohortError(
            f"Column {by!r} has {len(levels)} group(s) ({format_ids(levels)}) among the "
            f"{len(data.time)} usable rows; a comparison needs at least {minimum}. Check the "
            "cutpoint or the subset.",
            column=by,
        )




def case_weights(data: AnalysisData, column: str) -> np.ndarray:
    """The case weights of the rows used (R ``weights=``), checked.

    Raises
    ------
    CohortError
        The column is not numeric, holds a negative or infinite weight
        (the ids are named), or every weight is 0.  Missing weights are the caller's check
        (:func:`check_complete`).
    """
    try:
        w = data.frame[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        values = data.frame[column]
        bad = pd.to_numeric(values, errors="coerce").isna().to_numpy()
        bad = bad if bad.any() else np.ones(len(bad), bool)
        ids = list(data.ids[bad])
        raise CohortError(
            f"The weights column {column!r} is not numeric: it holds "
            f"{values[bad].iloc[0]!r} at ids {format_ids(ids)}. Case weights are numbers "
            "(how many patients a row stands for); recode the column.",
            column=column, rows=ids) from exc
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        ids = data.ids[bad]
        raise CohortError(
            f"The weights column {column!r} holds negative or infinite values at ids "
            f"{format_ids(list(ids))}; case weights must be finite and >= 0.",
            column=column, rows=list(ids))
    if len(w) and not w.any():
        raise CohortError(
            f"Every weight in {column!r} is 0 among the {len(w)} rows used, so no patient "
            "counts. Check the column (is it the right one?), or leave weights= out.",
            column=column)
    return w


def as_columns(value: str | Sequence[str] | None, argument: str) -> tuple[str, ...]:
    """``None``, one column name or several, as a tuple of names."""
    if value is None:
        return ()
    cols = (value,) if isinstance(value, str) else tuple(value)
    if not cols or not all(isinstance(c, str) for c in cols):
        raise ArgumentError(f"{argument}= takes a column name or a list of column names, got "
                            f"{value!r}.", argument=argument)
    return cols


def strata_codes(data: AnalysisData, strata: tuple[str, ...]
                 ) -> tuple[np.ndarray, tuple[tuple[object, ...], ...]]:
    """Integer codes of the strata (combinations of ``strata`` values) and the strata, sorted."""
    keys = data.frame[list(strata)]
    grouped = keys.groupby(list(strata), sort=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.int64)
    levels = tuple(k if isinstance(k, tuple) else (k,) for k in grouped.groups)
    return codes, levels


def check_complete(cohort: Cohort, base: list[str], extra: list[str], *,
                   intervals: bool = False) -> AnalysisData:
    """Complete cases in ``base + extra``; a row complete in ``base`` but missing an ``extra``
    column (weights, cluster) is an error, not an exclusion."""
    data = cohort.complete_cases(base + extra, intervals=intervals)
    if not extra:
        return data
    wider = cohort.complete_cases(base, intervals=intervals)
    if len(wider.ids) != len(data.ids):
        lost = np.setdiff1d(wider.ids, data.ids)
        cols = [c for c in extra
                if cohort.complete_cases([*base, c], intervals=intervals).ids.size
                != wider.ids.size]
        raise CohortError(
            f"The {' and '.join(repr(c) for c in cols)} column is missing for {len(lost)} of "
            f"the rows used (ids {format_ids(list(lost))}); weights and clusters are needed "
            "for every row. Fill them in, or exclude those rows from the cohort.",
            column=cols[0], rows=list(lost))
    return data
