"""Build (start, stop] cohorts: split follow-up at fixed times or at a covariate's changes.

:func:`survsplit` cuts every patient's follow-up at the same times (R
``survSplit``): the way to a time-split hazard ratio when proportional hazards
fail (an interaction of the marker with the period, ``"mir125b_high:period"``).
:func:`tmerge` splits each patient's follow-up where a repeatedly measured
covariate changes and carries the last value forward (R ``tmerge(...,
tdc(time, value))``), for time-varying covariates.

Both return a new :class:`~mirprog.data.cohort.Cohort` with ``entry``; no
patient is dropped, and the follow-up, events and every other column are
kept (the event moves to the last piece of the interval it ended).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import ArgumentError, CohortError, format_ids

__all__ = ["survsplit", "tmerge"]


def _base(cohort: Cohort, start: str, id: str) -> tuple[pd.DataFrame, str, str]:
    """The cohort's rows with an entry and an id column: (frame, entry name, id name)."""
    df = cohort.data.reset_index(drop=True)
    entry = cohort.entry_col
    if entry is None:
        if start in df.columns:
            raise CohortError(f"Column {start!r} already exists; pass start='another_name' for "
                              "the interval starts.", column=start)
        df[start] = 0.0
        entry = start
    pid = cohort.id_col
    if pid is None:
        if id in df.columns:
            raise CohortError(f"Column {id!r} already exists and is not the cohort's id; pass "
                              "id='another_name' for the patient ids.", column=id)
        df[id] = list(cohort.patients)
        pid = id
    return df, entry, pid


def _split(df: pd.DataFrame, cuts: np.ndarray, rows: np.ndarray, roles: tuple[str, str, str]
           ) -> pd.DataFrame:
    """Cut row ``rows[k]`` of ``df`` at ``cuts[k]`` (strictly inside its interval)."""
    entry, stop, event = roles
    e, s = df[entry].to_numpy(float), df[stop].to_numpy(float)
    inside = (cuts > e[rows]) & (cuts < s[rows])
    rows, cuts = rows[inside], cuts[inside]
    n = len(df)
    pos = np.concatenate([np.arange(n), rows])
    point = np.concatenate([e, cuts])
    order = np.lexsort((point, pos))
    pos, point = pos[order], point[order]
    pieces = pd.DataFrame({"pos": pos, "start": point})
    pieces = pieces.drop_duplicates().reset_index(drop=True)
    last = np.r_[pieces["pos"].to_numpy()[1:] != pieces["pos"].to_numpy()[:-1], True]
    nxt = np.r_[pieces["start"].to_numpy()[1:], np.nan]
    p = pieces["pos"].to_numpy()
    out = df.iloc[p].reset_index(drop=True)
    out[entry] = pieces["start"].to_numpy()
    out[stop] = np.where(last, s[p], nxt)
    out[event] = np.where(last, df[event].to_numpy()[p], 0)
    return out


def _cohort(out: pd.DataFrame, cohort: Cohort, entry: str, pid: str) -> Cohort:
    return Cohort(out, time=cohort.time_col, event=cohort.event_col, id=pid, entry=entry,
                  time_unit=cohort.time_unit, recurrent=cohort.recurrent)


def survsplit(cohort: Cohort, cut: Sequence[float], *, episode: str = "episode",
              start: str = "tstart", id: str = "id") -> Cohort:
    """Split every patient's follow-up at the times ``cut``, as R ``survSplit``.

    Parameters
    ----------
    cohort : Cohort
        Right-censored (one row per patient) or already (start, stop] rows.
    cut : sequence of float
        Times to split at (positive, any order; a cut outside a row's
        interval leaves that row whole).
    episode : str, default "episode"
        New column: the period of each piece, 1 before the first cut, 2
        between the first and the second, ... (R's ``episode=``).
    start : str, default "tstart"
        Name of the new entry column (a cohort that has ``entry`` keeps its own).
    id : str, default "id"
        Name of the new patient-id column when the cohort has no id column
        (its row labels are used).

    Returns
    -------
    Cohort
        One row per piece, with ``entry``; the event is on the last piece.

    Raises
    ------
    ArgumentError
        ``cut`` is empty or holds a value that is not a finite positive number.
    CohortError
        ``episode``, ``start`` or ``id`` would overwrite a column.

    Examples
    --------
    The hazard ratio of hormonal therapy in years 0-1, 1-3 and after 3:

    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> gbsg = gbsg.assign(hormone=(gbsg.data["horTh"] == "yes").astype(int))
    >>> split = mp.survsplit(gbsg, cut=[365.25, 3 * 365.25], episode="period")
    >>> split.n, split.n_patients, split.n_events == gbsg.n_events
    (1619, 686, True)
    >>> fit = mp.cox(split, ["hormone:period"], categorical=["period"])
    >>> fit.summary["hr"].round(2)
    term
    hormone:period[1]    0.48
    hormone:period[2]    0.76
    hormone:period[3]    0.72
    Name: hr, dtype: float64
    """
    try:
        cuts = np.unique(np.asarray(cut, dtype=float))
    except (TypeError, ValueError):
        raise ArgumentError(f"cut= takes numbers, got {cut!r}.", argument="cut") from None
    if cuts.size == 0 or not np.all(np.isfinite(cuts)) or np.any(cuts <= 0):
        raise ArgumentError(f"cut= needs one or more finite positive times, got {list(cut)!r}.",
                            argument="cut")
    if episode in cohort.columns:
        raise CohortError(f"Column {episode!r} already exists; pass episode='another_name'.",
                          column=episode)
    df, entry, pid = _base(cohort, start, id)
    n = len(df)
    rows = np.repeat(np.arange(n), cuts.size)
    out = _split(df, np.tile(cuts, n), rows, (entry, cohort.time_col, cohort.event_col))
    out[episode] = np.searchsorted(cuts, out[entry].to_numpy(), side="right") + 1
    return _cohort(out, cohort, entry, pid)


def tmerge(cohort: Cohort, changes: pd.DataFrame, *, id: str, time: str, value: str,
           name: str | None = None, start: str = "tstart") -> Cohort:
    """Add a time-varying covariate from repeated measurements, as R ``tmerge(..., tdc())``.

    Each patient's follow-up is split at the times their value changes; a
    piece carries the last value measured at or before its start (missing
    before the first measurement, R's default).  Measurements at or after
    the end of follow-up are ignored, as in R.

    Parameters
    ----------
    cohort : Cohort
        One row per patient (or already (start, stop] rows), with an id column.
    changes : pandas.DataFrame
        Long table of measurements: patient ``id``, ``time`` and ``value`` columns.
    id, time, value : str
        Columns of ``changes``; ``id`` values match the cohort's ids.
    name : str, optional
        Name of the new column (default ``value``).
    start : str, default "tstart"
        Name of the new entry column (a cohort that has ``entry`` keeps its own).

    Returns
    -------
    Cohort

    Raises
    ------
    CohortError
        The cohort has no id column; a column of ``changes`` is absent; a
        measurement time is missing or not numeric; a patient has two
        measurements at one time; ids in ``changes`` that are not in the
        cohort; ``name`` is already a column.

    Examples
    --------
    >>> import pandas as pd
    >>> import mirprog as mp
    >>> base = pd.DataFrame({"pid": ["a", "b"], "months": [30.0, 12.0], "relapse": [1, 0]})
    >>> psa = pd.DataFrame({"pid": ["a", "a", "b"], "month": [0.0, 6.0, 0.0],
    ...                     "level": [1.2, 4.5, 0.7]})
    >>> tv = mp.tmerge(mp.Cohort(base, time="months", event="relapse", id="pid"), psa,
    ...                id="pid", time="month", value="level")
    >>> tv.data[["tstart", "months", "relapse", "level"]].to_numpy().tolist()
    [[0.0, 6.0, 0.0, 1.2], [6.0, 30.0, 1.0, 4.5], [0.0, 12.0, 0.0, 0.7]]
    """
    name = value if name is None else name
    if cohort.id_col is None:
        raise CohortError("tmerge needs a cohort with an id column, to match the "
                          "measurements to patients: build it with id='your_id_column'.")
    ch = _changes(changes, id, time, value)
    if name in cohort.columns:
        raise CohortError(f"Column {name!r} already exists; pass name='another_name'.",
                          column=name)
    unknown = sorted(set(ch[id]) - set(cohort.patients), key=str)
    if unknown:
        raise CohortError(f"{len(unknown)} id(s) in the measurements are not in the cohort "
                          f"({format_ids(unknown)}): check the {id!r} column.", column=id,
                          rows=unknown)
    df, entry, pid = _base(cohort, start, "id")
    pairs = pd.DataFrame({"row": np.arange(len(df)), "_pid": df[pid].to_numpy()}).merge(
        pd.DataFrame({"_pid": ch[id].to_numpy(), "cut": ch[time].to_numpy(float)}), on="_pid")
    rows, cuts = pairs["row"].to_numpy(np.int64), pairs["cut"].to_numpy(float)
    out = _split(df, cuts, rows, (entry, cohort.time_col, cohort.event_col))
    out[name] = _last_value(out[[pid, entry]], ch, (id, time, value), pid, entry)
    return _cohort(out, cohort, entry, pid)


def _changes(changes: pd.DataFrame, id: str, time: str, value: str) -> pd.DataFrame:
    if not isinstance(changes, pd.DataFrame):
        raise CohortError(f"changes= takes a pandas DataFrame, got {type(changes).__name__}.")
    for col in (id, time, value):
        if col not in changes.columns:
            raise CohortError(f"Column {col!r} is not in the measurements table (columns: "
                              f"{', '.join(map(str, changes.columns[:10]))}).", column=col)
    ch = changes[[id, time, value]].copy()
    t = pd.to_numeric(ch[time], errors="coerce")
    bad = t.isna().to_numpy() | ~np.isfinite(t.to_numpy(float, na_value=np.nan))
    if bad.any():
        rows = list(ch.index[bad])
        raise CohortError(f"The measurement time {time!r} is missing or not a finite number in "
                          f"rows {format_ids(rows)}; drop or fix those measurements.",
                          column=time, rows=rows)
    ch[time] = t.astype(float)
    dup = ch.duplicated([id, time], keep=False).to_numpy()
    if dup.any():
        rows = list(dict.fromkeys(ch.loc[dup, id]))
        raise CohortError(f"Patients {format_ids(rows)} have two measurements of {value!r} at "
                          f"one time: keep one per time.", column=time, rows=rows)
    return ch.sort_values([id, time], kind="stable").reset_index(drop=True)


def _last_value(pieces: pd.DataFrame, ch: pd.DataFrame, cols: tuple[str, str, str],
                pid: str, entry: str) -> np.ndarray:
    """The latest measured value at or before each piece's start (NaN before the first)."""
    id, time, value = cols
    left = pieces.reset_index().rename(columns={pid: "_pid", entry: "_t"})
    right = ch.rename(columns={id: "_pid", time: "_t"})
    merged = pd.merge_asof(left.sort_values("_t"), right.sort_values("_t"), on="_t",
                           by="_pid", direction="backward")
    return merged.sort_values("index")[value].to_numpy()
