"""Small hand-made cohorts shared by the modules of several statistics, and the check of
the bad-input catalogue.

The catalogue (issue 9) is spread over the modules of the rooms that refuse or accept each
input; every item keeps its id (``pytest tests -k decimal-comma``):

* ``REFUSED`` lists (``test_refused``) -- the input is refused.  The error is a
  :class:`~mirprog.errors.MirprogError` subclass whose message names the column, up to
  five offending row ids and the fix; ``CohortError.column`` and ``.rows`` carry the same
  information for programs (:func:`check_refused`).
* ``FILES`` (tests/data/test_reading.py) -- a malformed file is refused by
  :func:`mirprog.read_cohort` with a :class:`~mirprog.errors.DataFileError` naming the
  ``read_options`` that read it correctly, and reading with those options gives the
  intended cohort.
* ``ACCEPTED`` lists (``test_accepted``) -- the input is valid (or valid with an explicit
  option) and the result says what happened (group sizes, ties, the unit warning...).
* ``LEDGERS`` lists (``test_every_result_accounts_for_every_row``, on the ``gappy``
  fixture) -- every analysis result accounts for every row: rows used, and rows excluded
  with the column and the reason.

Decisions documented there and in :mod:`mirprog.data.cohort`: zero follow-up is allowed
(as R's ``survival``); negative or infinite follow-up is an error; event codings other
than 0/1 need ``event_values=``; files are never re-read with a guessed separator,
decimal mark or encoding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import mirprog as mp


def hand_cohort(time: list[float], event: list[int], **cols: list[object]) -> mp.Cohort:
    """A cohort with follow-up ``t`` and event ``e`` (no id column), for values worked out
    by hand."""
    return mp.Cohort(pd.DataFrame({"t": time, "e": event, **cols}), time="t", event="e")


def frame(**overrides: Any) -> pd.DataFrame:
    """Eight patients p1..p8 with time ``t`` (months), event ``e``, marker ``m``, factor ``g``."""
    base: dict[str, Any] = {
        "pid": [f"p{i}" for i in range(1, 9)],
        "t": [5.0, 8.0, 12.0, 12.0, 20.0, 25.0, 30.0, 41.0],
        "e": [1, 1, 0, 1, 0, 1, 0, 1],
        "m": [3.1, 2.2, 0.4, 5.0, 0.9, 1.8, 0.2, 0.7],
        "g": [0, 1, 0, 1, 0, 1, 0, 1],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def cohort(df: pd.DataFrame | None = None, **kwargs: Any) -> mp.Cohort:
    args = {"time": "t", "event": "e", "id": "pid"} | kwargs
    return mp.Cohort(frame() if df is None else df, **args)


def check_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                  column: str | None, rows: tuple[object, ...]) -> None:
    """``action`` raises ``error`` (a MirprogError) matching ``match`` and naming ``column``
    and at most five ``rows``."""
    with pytest.raises(error, match=match) as info:
        action()
    assert isinstance(info.value, mp.MirprogError)
    assert info.value.column == column  # type: ignore[attr-defined]
    assert info.value.rows == rows  # type: ignore[attr-defined]
    assert len(info.value.rows) <= 5  # type: ignore[attr-defined]
