"""Competing causes of a cohort: an event column coded 0 = censored, 1, 2, ... = cause.

A cohort built with ``causes={1: "recurrence", 2: "death"}`` keeps the codes in its
event column (:attr:`~mirprog.Cohort.status`).  An analysis that needs a single event
must say which one -- nothing is guessed:

* ``cause="recurrence"`` (or its code, ``1``): the *cause-specific* event, the other
  causes counted as censorings at their time (R ``Surv(t, status == 1)``);
* ``cause="any"``: the composite event, any cause (R ``Surv(t, status > 0)``).

:meth:`Cohort.for_cause <mirprog.Cohort.for_cause>` (:func:`cause_data`) makes that
single-event cohort; the competing-risks analyses (:func:`~mirprog.cif`, :func:`~mirprog.gray_test`,
:func:`~mirprog.fine_gray`) use the codes themselves.  Everything else that reads a
cohort's event (``cohort.event``, ``cohort.complete_cases``, and so every analysis
built on them: km, logrank, cox, the tables, the screens) refuses a cohort with causes
with :class:`~mirprog.errors.CauseError`, which says how to choose.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from mirprog.data._checks import native, to_numeric
from mirprog.errors import CauseError, CohortError, format_ids


class CausedCohort(Protocol):
    """What this module reads of a :class:`~mirprog.Cohort` (no import: no cycle)."""

    causes: dict[int, str] | None
    event_col: str

    @property
    def status(self) -> np.ndarray: ...

    @property
    def data(self) -> pd.DataFrame: ...

__all__ = ["ANY", "CausedCohort", "cause_code", "cause_data", "cause_mapping", "cause_status",
           "no_cause_error"]

ANY = "any"
"""The composite event: any cause."""


def cause_mapping(causes: Mapping[Any, str] | None, column: str,
                  others: tuple[object, object] = (None, None)) -> dict[int, str] | None:
    """Validate ``causes=`` (positive integer code -> unique name) and return it as a dict.

    ``others`` are the cohort's ``event_values`` and ``entry``: not with causes (yet).
    """
    if causes is None:
        return None
    if any(o is not None for o in others):
        raise CohortError("causes= cannot be combined with event_values= or entry= (yet): "
                          "recode the event column to 0 = censored, 1, 2, ... = cause.",
                          column=column)
    if not isinstance(causes, Mapping) or len(causes) == 0:
        raise CohortError(
            f"causes= must be a non-empty mapping from each event code of {column!r} to the "
            f"cause's name, e.g. {{1: 'recurrence', 2: 'death'}} (0 = censored); got "
            f"{causes!r}.", column=column)
    out: dict[int, str] = {}
    for code, name in causes.items():
        ok_code = (isinstance(code, int | np.integer) and not isinstance(code, bool)
                   and int(code) > 0)
        if not ok_code:
            raise CohortError(
                f"causes= codes must be positive integers (0 is censored); got {code!r}. "
                f"Recode the {column!r} column to 0 = censored, 1, 2, ... = cause.",
                column=column)
        if not isinstance(name, str) or not name.strip():
            raise CohortError(f"causes= names must be non-empty text; code {code!r} is named "
                              f"{name!r}.", column=column)
        if name == ANY:
            raise CohortError(f"{ANY!r} is reserved for the composite event (cause='any'); "
                              f"give code {code!r} another name.", column=column)
        out[int(code)] = name
    names = list(out.values())
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise CohortError(f"causes= gives the same name to several codes: {dups}. Each cause "
                          "needs its own name.", column=column)
    return out


def cause_status(col: pd.Series, name: str, ids: pd.Index,
                 causes: Mapping[int, str]) -> pd.Series:
    """The event column as integer codes (0 = censored or a code of ``causes``), checked."""
    missing = col.isna().to_numpy()
    if missing.any():
        rows = list(ids[missing])
        raise CohortError(
            f"The event column {name!r} is missing in {int(missing.sum())} row(s): "
            f"{format_ids(rows)}. Every patient needs a status (0 = censored, or a cause: "
            f"{_known(causes)}).", column=name, rows=rows)
    numeric = to_numeric(col) if col.dtype != bool else col.astype(np.int64)
    allowed = [0, *causes]
    bad = ~numeric.isin(allowed).to_numpy()
    if bad.any():
        rows = list(ids[bad])
        codes = sorted({repr(native(v)) for v in col[bad]})[:5]
        raise CohortError(
            f"The event column {name!r} has code(s) {', '.join(codes)} that causes= does not "
            f"name, in rows {format_ids(rows)}. Known: 0 = censored, {_known(causes)}. Add "
            "the code to causes= or recode those rows.", column=name, rows=rows)
    return pd.Series(numeric.to_numpy(dtype=np.int64), index=col.index, name=name)


def _known(causes: Mapping[int, str]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in causes.items())


def cause_code(causes: Mapping[int, str], cause: Hashable) -> int | None:
    """The code of ``cause`` (a name or a code of ``causes``); ``None`` for ``"any"``."""
    if isinstance(cause, str):
        if cause == ANY:
            return None
        for code, name in causes.items():
            if name == cause:
                return code
    elif isinstance(cause, int | np.integer) and not isinstance(cause, bool) \
            and int(cause) in causes:
        return int(cause)
    raise CauseError(f"Unknown cause {cause!r}: the cohort's causes are {_known(causes)}; "
                     f"use one of their names or codes, or {ANY!r} for any cause.")


def cause_data(cohort: CausedCohort, cause: Hashable) -> tuple[pd.DataFrame, str]:
    """The table of ``cause``'s own cohort (a 0/1 event column) and the cause's name.

    ``cohort.for_cause(cause)`` is the single-event cohort built on it:
    cause-specific (the other causes censored at their time), or ``"any"``
    cause (the composite event).

    Examples
    --------
    >>> import pandas as pd
    >>> import mirprog as mp
    >>> df = pd.DataFrame({"t": [2.0, 3.0, 5.0, 7.0], "status": [1, 2, 0, 1]})
    >>> c = mp.Cohort(df, time="t", event="status", causes={1: "relapse", 2: "death"})
    >>> c.for_cause("relapse").event.tolist(), c.for_cause("any").event.tolist()
    ([1, 0, 0, 1], [1, 1, 0, 1])
    """
    if cohort.causes is None:
        raise CauseError("cause= needs a cohort with competing causes (mp.Cohort(..., "
                         "causes={1: 'recurrence', 2: 'death'})); this cohort has one event.")
    code = cause_code(cohort.causes, cause)
    status = cohort.status
    event = (status > 0) if code is None else (status == code)
    label = ANY if code is None else cohort.causes[code]
    if not event.any():
        raise CohortError(f"The cohort has no {label!r} events, so no survival analysis of "
                          "that cause is possible.", column=cohort.event_col)
    data = cohort.data
    data[cohort.event_col] = event.astype(np.int64)
    return data, label


def no_cause_error(cohort: CausedCohort) -> CauseError:
    """The error of an analysis that needs one event, run on a cohort with causes."""
    names = list((cohort.causes or {}).values()) or ["<cause>"]
    first = names[0]
    return CauseError(
        f"The cohort has competing causes ({_known(cohort.causes or {})} in {cohort.event_col!r}), "
        "and this analysis needs a single event: say which. For the cause-specific analysis "
        f"(other causes censored) use cohort.for_cause({first!r}) (mp.cox takes "
        f"cause={first!r}); for the composite event use cohort.for_cause('any'). The "
        "probability of a cause in the presence of the others is its cumulative incidence, "
        f"mp.cif(cohort, cause={first!r}), not 1 - Kaplan-Meier.", column=cohort.event_col)
