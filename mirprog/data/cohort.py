"""Cohorts: a validated survival table with named roles, and its row ledger.

A :class:`Cohort` is validated once, at construction; the statistical core
trusts it afterwards.  Missing values in a *factor* are not an error: each
analysis drops the rows it cannot use (for that analysis only) and reports
them in an :class:`Exclusions` ledger carried by its result.

Bad input is refused loudly -- the error names the column, the first offending
row ids and the fix -- and nothing is guessed behind the user's back:

* follow-up time must be numeric, finite and not negative.  **Zero is
  allowed**, as in R's ``survival`` (``Surv(0, 1)`` is valid for ``survfit``
  and ``coxph``: an event or a censoring on day 0 is in the risk set at 0).
  Dates, durations (timedelta), complex numbers, text such as ``"5 yrs"`` and
  numbers written with a decimal comma (``"12,5"``) are refused.
* the event must be 0/1 or False/True.  Other codings -- R's 1 = censored /
  2 = event (the ``lung`` data), ``"yes"``/``"no"`` -- are accepted only through
  an explicit ``event_values=`` mapping, and a code the mapping does not name
  is still an error.
* a text column of numbers follows one rule (:mod:`mirprog.data.missing`): known
  missing-value codes (``.``, ``-``, ``NA``, ``ND``, ``?``, ...) become missing,
  and the ledger of an analysis that excludes the row names the code seen; any
  other text in it (``3O``, ``<0.01``) is refused by every analysis using the
  column.  Genuinely categorical text (``I/II/III``, ``yes``/``no``) is untouched.
* :class:`UnitWarning` flags follow-up times that look like a mix of units
  (days and years in one column) or are implausible for a stated
  ``time_unit`` (see :class:`Cohort`, Notes).
* :func:`read_cohort` reads through :func:`mirprog.data.reading.read_table`, which
  never guesses a file's dialect: a semicolon- or tab-separated ``.csv``,
  numbers with a decimal comma, a non-UTF-8 file and a title row or merged
  header raise :class:`~mirprog.errors.DataFileError` naming the
  ``read_options`` that read the file correctly.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from mirprog._engine.timefix import aeq_times
from mirprog.data._checks import (
    YEARS_PER_UNIT,
    TimeUnit,
    check_cells,
    check_columns,
    check_time_dtype,
    event_mapping,
    event_values_hint,
    lookup_event,
    missing_column_error,
    native,
    row_mask,
    to_numeric,
    warn_units,
)
from mirprog.data.causes import cause_data, cause_mapping, cause_status, no_cause_error
from mirprog.data.intervals import check_intervals, interval_rows
from mirprog.data.missing import (
    DECIMAL_COMMA,
    MISSING_CODES,
    TextNumbers,
    bad_numbers_error,
    convert_text_numbers,
)
from mirprog.data.reading import read_table
from mirprog.errors import CohortError, UnitWarning, format_ids
from mirprog.output import escape_terminal

__all__ = ["AnalysisData", "Cohort", "Exclusion", "Exclusions", "TimeUnit", "UnitWarning",
           "read_cohort", "read_table"]


@dataclass(frozen=True)
class Exclusion:
    """One row left out of one analysis, with the column and the reason.

    ``code`` is the missing-value code seen in the cell (e.g. ``"."`` or
    ``"ND"``, see :mod:`mirprog.data.missing`), ``None`` for an empty cell or NaN.
    """

    row: Any
    column: str
    reason: str
    code: str | None = None

    @property
    def why(self) -> str:
        """The reason, with the code seen: ``"missing (code '.')"``."""
        return self.reason if self.code is None else f"{self.reason} (code {self.code!r})"


@dataclass(frozen=True)
class Exclusions:
    """The ledger of rows an analysis could not use.

    Attributes
    ----------
    n_total : int
        Rows in the cohort the analysis started from.
    n_used : int
        Rows the analysis used.
    entries : tuple of Exclusion
        One entry per excluded row (the first column that made it unusable).

    Examples
    --------
    >>> ex = Exclusions(n_total=3, n_used=2, entries=(Exclusion("p2", "size", "missing"),))
    >>> ex.summary()
    '2 of 3 rows used; 1 excluded: missing size (p2)'
    >>> len(ex)
    1
    """

    n_total: int
    n_used: int
    entries: tuple[Exclusion, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def rows(self) -> tuple[Any, ...]:
        """Ids of the excluded rows."""
        return tuple(e.row for e in self.entries)

    def to_frame(self) -> pd.DataFrame:
        """The ledger as a DataFrame with columns ``row, column, reason`` (with any code seen)."""
        return pd.DataFrame(
            [(e.row, e.column, e.why) for e in self.entries],
            columns=["row", "column", "reason"],
        )

    def summary(self) -> str:
        """One line: rows used, rows excluded and why."""
        head = f"{self.n_used} of {self.n_total} rows used"
        if not self.entries:
            return head + "; none excluded"
        groups: dict[tuple[str, str, str | None], list[Any]] = {}
        for e in self.entries:
            groups.setdefault((e.reason, e.column, e.code), []).append(e.row)
        parts = [f"{reason} {escape_terminal(column, newlines=False)} ("
                 + ("" if code is None else f"code {escape_terminal(repr(code), newlines=False)}; ")
                 + f"{format_ids(rows)})"
                 for (reason, column, code), rows in groups.items()]
        return f"{head}; {len(self.entries)} excluded: " + "; ".join(parts)

    def merge(self, other: Exclusions) -> Exclusions:
        """Combine two ledgers over the same cohort (rows excluded by either)."""
        seen = {e.row for e in self.entries}
        extra = tuple(e for e in other.entries if e.row not in seen)
        entries = self.entries + extra
        return Exclusions(self.n_total, self.n_total - len(entries), entries)


class AnalysisData(NamedTuple):
    """The complete cases of a cohort for one analysis (internal currency of the core)."""

    frame: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    ids: np.ndarray
    exclusions: Exclusions
    entry: np.ndarray | None = None
    """Start of each row's (start, stop] interval; None for right-censored rows from 0."""
    patients: np.ndarray | None = None
    """The patient of each row when rows are intervals (ids repeat); else None."""


class Cohort:
    """A survival cohort: one row per patient, with time, event and optional id columns.

    Validation happens once, here.  The table is copied, so later changes to
    the caller's DataFrame do not leak in; methods that add or filter columns
    return a new Cohort.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per patient.
    time : str
        Follow-up time column (numeric, finite, not negative -- zero is allowed,
        as in R; any unit, used consistently).
    event : str
        Event indicator column: 1/True = event (e.g. relapse), 0/False = censored.
    id : str, optional
        Patient id column (unique).  Without it, rows are named by the
        DataFrame's index labels in messages and ledgers.
    event_values : mapping, optional
        An explicit recoding of the event column, every code -> 1 (event) or
        0 (censored): ``{"yes": 1, "no": 0}``, or ``{2: 1, 1: 0}`` for R's
        ``lung`` coding.  Codes are matched exactly (``"Yes"`` is not
        ``"yes"``); a code the mapping does not name is an error.  The
        validated column holds the 0/1 result.
    time_unit : {"days", "weeks", "months", "years"}, optional
        The unit of ``time``, for documentation and a plausibility check
        (a :class:`UnitWarning` for more than 110 years of follow-up, or a
        median above 30 years).
    entry : str, optional
        Start of each row's interval of follow-up: the rows are then
        (start, stop] intervals, as R ``Surv(start, stop, event)`` -- delayed
        entry (left truncation) with one row per patient, or time-varying
        covariates with several rows per ``id`` (build them with
        :func:`~mirprog.survsplit` / :func:`~mirprog.tmerge`).  ``time`` is
        then the interval's stop and ``event`` says whether it ended in the
        event.  Rows are labelled ``(id, start)``.  See
        :mod:`mirprog.data.intervals` for the checks (start < stop, no
        overlapping intervals of one id, nothing after a patient's event).
    recurrent : bool, default False
        With ``entry``: allow intervals after a patient's event (recurrent
        events, the Andersen-Gill layout).
    causes : mapping, optional
        Competing causes, code -> name: ``{1: "relapse", 2: "death"}`` (0 = censored);
        then choose one by ``cause=`` or :meth:`for_cause` (:mod:`mirprog.data.causes`).

    Raises
    ------
    CohortError
        Missing time/event/id column (with close matches); duplicated column
        names; non-numeric (text, dates, durations, decimal comma), missing,
        infinite or negative time; event not coded 0/1 or True/False (or a code
        ``event_values`` does not name); missing event; duplicated or missing
        ids (ids may repeat only with ``entry``); an empty cohort; a cohort
        without any event; with ``entry``: a start not before its stop,
        overlapping intervals of one id, an interval after the event.

    Warns
    -----
    UnitWarning
        Times that look like a mix of units, or implausible for ``time_unit``.

    Notes
    -----
    The mixed-units heuristic targets the commonest merge mistake, years and days
    in one column: it warns when at least 2% of the rows (and at least 5) have a
    positive time below 15, at least as many have a time above 200, and fewer than
    half as many as below 15 fall in between -- a minority cluster such as 10% of
    the rows in years among days.  A cohort in one unit fills the 15-200 range
    (days: the first months; months: most of it), so it rarely triggers; a
    days/months mixture is not detected.

    Examples
    --------
    >>> import pandas as pd
    >>> import mirprog as mp
    >>> df = pd.DataFrame({"pid": ["a", "b", "c"], "months": [12.0, 30.5, 7.0],
    ...                    "relapse": [1, 0, 1], "mir125b": [0.8, 2.3, 1.1]})
    >>> cohort = mp.Cohort(df, time="months", event="relapse", id="pid")
    >>> cohort
    Cohort(n=3, events=2, time='months', event='relapse', id='pid')
    >>> mp.Cohort(df, time="month", event="relapse")
    Traceback (most recent call last):
    ...
    mirprog.errors.CohortError: The time column 'month' is not in the table. Did you mean 'months'?

    An event coded as text needs an explicit mapping:

    >>> df["status"] = ["dead", "alive", "dead"]
    >>> mp.Cohort(df, time="months", event="status", id="pid",
    ...           event_values={"dead": 1, "alive": 0}).event.tolist()
    [1, 0, 1]

    (start, stop] intervals: patient "a" changes treatment at month 4.

    >>> tv = pd.DataFrame({"pid": ["a", "a", "b"], "start": [0.0, 4.0, 0.0],
    ...                    "stop": [4.0, 12.0, 30.5], "relapse": [0, 1, 0],
    ...                    "treated": [0, 1, 0]})
    >>> tvc = mp.Cohort(tv, time="stop", event="relapse", id="pid", entry="start")
    >>> tvc.n, tvc.n_patients, list(tvc.ids)
    (3, 2, [('a', 0.0), ('a', 4.0), ('b', 0.0)])
    """

    causes: dict[int, str] | None
    cause: str | None

    def __init__(
        self, data: pd.DataFrame, time: str, event: str, id: str | None = None, *,
        event_values: Mapping[Any, int] | None = None,
        time_unit: TimeUnit | None = None,
        entry: str | None = None,
        recurrent: bool = False,
        causes: Mapping[int, str] | None = None,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise CohortError(
                f"Cohort needs a pandas DataFrame, got {type(data).__name__}. "
                "Wrap it first: pd.DataFrame(...), or use mp.read_cohort(path, ...) for a file."
            )
        df = data.copy()
        df.columns = [str(c) for c in df.columns]
        check_columns(df, {"time": time, "event": event, "id": id, "entry": entry})
        if time_unit is not None and time_unit not in YEARS_PER_UNIT:
            raise CohortError(f"Unknown time_unit {time_unit!r}: use one of "
                              f"{', '.join(repr(u) for u in YEARS_PER_UNIT)}.", column=time)
        mapping = event_mapping(event_values, event)
        named = cause_mapping(causes, event, (event_values, entry))
        if len(df) == 0:
            raise CohortError(
                "The cohort is empty (0 rows). Check the file/filter that produced it.",
            )
        ids = self._validate_ids(df, id, repeats=entry is not None)
        df.index = pd.Index(ids, name=None if id is not None else df.index.name)
        roles = {time, event, *([id] if id else []), *([entry] if entry else [])}
        if entry is None:
            check_cells(df, ids)
            self._text = convert_text_numbers(df, roles)
            df[time] = self._validate_time(df[time], time, ids)
            df[event] = (self._validate_event(df[event], event, ids, mapping) if named is None
                         else cause_status(df[event], event, ids, named))
        else:  # rows become intervals, labelled (id, start), once their roles are valid
            ids, checked = self._intervals(df, (entry, time, event, id), mapping, recurrent)
            df.index = ids
            check_cells(df, ids)
            self._text = convert_text_numbers(df, roles)
            for col, values in checked.items():
                df[col] = values
        if int((df[event] > 0).sum()) == 0:
            raise CohortError(
                f"The event column {event!r} has no events (all {len(df)} rows are 0/censored): "
                "no survival comparison is possible. Check the coding (1 = event) or the subset.",
                column=event,
            )
        warn_units(df[time].to_numpy(dtype=float), time, ids, time_unit)
        self._data = df
        self.time_col = time
        self.event_col = event
        self.id_col = id
        self.event_values = mapping
        self.time_unit = time_unit
        self.entry_col = entry
        self.recurrent = recurrent
        self.causes, self.cause = named, None  # a cause's own cohort: causes None, cause named

    # -- validation ------------------------------------------------------------------------

    @staticmethod
    def _validate_ids(df: pd.DataFrame, id: str | None, repeats: bool = False) -> pd.Index:
        if id is None:
            ids = df.index
            if ids.has_duplicates:
                dup = ids[ids.duplicated(keep=False)].unique()
                raise CohortError(
                    f"The DataFrame index has duplicated labels ({format_ids(list(dup))}) and no "
                    "id column was given. Pass id='your_id_column' or df.reset_index(drop=True).",
                    rows=list(dup),
                )
            return ids
        col = df[id]
        missing = col.isna().to_numpy()
        if missing.any():
            pos = np.flatnonzero(missing)
            raise CohortError(
                f"The id column {id!r} is missing in {len(pos)} row(s) (row positions "
                f"{format_ids(list(pos))}). Give every patient an id, or drop those rows.",
                column=id,
                rows=list(pos),
            )
        plain = col.map(lambda v: isinstance(v, Hashable)).to_numpy(dtype=bool)
        if not plain.all():  # lists, dicts, sets: not ids
            odd = [int(i) for i in np.flatnonzero(~plain)]
            raise CohortError(f"The id column {id!r} holds values that are not plain ids "
                              f"(e.g. {col.iloc[odd[0]]!r}) at row positions {format_ids(odd)}; "
                              "use text or integer ids.", column=id, rows=odd)
        dup_mask = col.duplicated(keep=False).to_numpy()
        if dup_mask.any() and not repeats:
            dups = [native(d) for d in pd.unique(col[dup_mask])]
            raise CohortError(
                f"The id column {id!r} has duplicated ids: {format_ids(dups)}. Each patient must "
                "appear once; merge or remove the repeated rows (or, for (start, stop] "
                "intervals of follow-up, pass entry='<start column>').",
                column=id,
                rows=dups,
            )
        return pd.Index(col.to_numpy())

    @staticmethod
    def _intervals(df: pd.DataFrame, names: tuple[str, str, str, str | None],
                   mapping: Mapping[Any, int] | None, recurrent: bool
                   ) -> tuple[pd.Index, dict[str, np.ndarray]]:
        """Check the (start, stop] intervals: their row labels (``(id, start)`` with an id)
        and the validated entry, time and event values."""
        entry, time, event, id = names
        patients = df.index
        start = Cohort._validate_time(df[entry], entry, patients).to_numpy()
        stop = Cohort._validate_time(df[time], time, patients).to_numpy()
        status = Cohort._validate_event(df[event], event, patients, mapping).to_numpy()
        check_intervals(start, stop, status, patients, (entry, time, str(id)),
                        recurrent=recurrent)
        return interval_rows(patients, start, id), {entry: start, time: stop, event: status}

    @staticmethod
    def _non_numeric_time(col: pd.Series, name: str, bad: np.ndarray,
                          ids: pd.Index) -> CohortError:
        rows = list(ids[bad])
        values = col[bad]
        texts = [str(v).strip() for v in values]
        examples = ", ".join(repr(native(v)) for v in values.head(3))
        if all(DECIMAL_COMMA.fullmatch(t) for t in texts):
            msg = (f"The time column {name!r} has numbers with a decimal comma ({examples}) in "
                   f"rows {format_ids(rows)}. Read the file with read_options={{'decimal': "
                   "','} (and 'sep': ';' for a semicolon-separated CSV), or convert: "
                   f"df[{name!r}] = df[{name!r}].str.replace(',', '.').astype(float).")
        elif all(t.lower() in MISSING_CODES for t in texts):
            msg = (f"The time column {name!r} has missing-value codes ({examples}) in rows "
                   f"{format_ids(rows)}. Follow-up is needed for every patient: fill it in or "
                   "drop those rows explicitly before building the Cohort.")
        else:
            msg = (f"The time column {name!r} has non-numeric values ({examples}) in rows "
                   f"{format_ids(rows)}. Convert it to numbers in one unit (e.g. strip 'yrs').")
        return CohortError(msg, column=name, rows=rows)

    @staticmethod
    def _validate_time(col: pd.Series, name: str, ids: pd.Index) -> pd.Series:
        check_time_dtype(col, name)
        numeric = to_numeric(col)
        if pd.api.types.is_complex_dtype(numeric.dtype):
            raise CohortError(f"The time column {name!r} holds complex numbers; it must hold "
                              "real follow-up times.", column=name)
        bad_text = numeric.isna().to_numpy() & col.notna().to_numpy()
        if bad_text.any():
            raise Cohort._non_numeric_time(col, name, bad_text, ids)
        values = np.asarray(numeric.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        checks = (
            (np.isnan(values), "is missing", "Follow-up is needed for every patient: fill it in or "
             "drop those rows explicitly before building the Cohort."),
            (np.isinf(values), "is infinite", "Replace it by the last follow-up time."),
            (values < 0, "is negative", "Check the dates or the time origin; follow-up cannot be "
             "negative."),
        )
        for mask, what, fix in checks:
            if mask.any():
                rows = list(ids[mask])
                raise CohortError(
                    f"The time column {name!r} {what} in {int(mask.sum())} row(s): "
                    f"{format_ids(rows)}. {fix}",
                    column=name, rows=rows,
                )
        return pd.Series(values, index=col.index, name=name)

    @staticmethod
    def _validate_event(col: pd.Series, name: str, ids: pd.Index,
                        mapping: Mapping[Any, int] | None = None) -> pd.Series:
        missing = col.isna().to_numpy()
        if missing.any():
            rows = list(ids[missing])
            raise CohortError(
                f"The event column {name!r} is missing in {int(missing.sum())} row(s): "
                f"{format_ids(rows)}. Every patient needs an event status (1 = event, "
                "0 = censored).",
                column=name, rows=rows,
            )
        if mapping is not None:
            coded = col.astype(object).map(lambda v: lookup_event(mapping, v))
            unknown = (coded < 0).to_numpy()
            if unknown.any():
                rows = list(ids[unknown])
                codes = list(dict.fromkeys(repr(native(v)) for v in col[unknown]))
                raise CohortError(
                    f"The event column {name!r} has code(s) {', '.join(codes[:5])} that "
                    f"event_values does not name, in rows {format_ids(rows)}. Add them to "
                    f"event_values (known: {', '.join(repr(k) for k in mapping)}); codes are "
                    "matched exactly, so check case and spaces.", column=name, rows=rows)
            return pd.Series(coded.to_numpy(dtype=np.int64), index=col.index, name=name)
        if col.dtype == bool:
            return col.astype(np.int64)
        numeric = to_numeric(col)
        bad = ~numeric.isin([0, 1]).to_numpy()
        if bad.any():
            rows = list(ids[bad])
            values = sorted({repr(native(v)) for v in col[bad]})[:5]
            raise CohortError(
                f"The event column {name!r} must be coded 0/1 (or False/True); found "
                f"{', '.join(values)} in rows {format_ids(rows)}. Recode it, e.g. "
                f"df[{name!r}] = (df[{name!r}] == <event value>).astype(int), or "
                f"{event_values_hint(col)}.",
                column=name, rows=rows,
            )
        return pd.Series(numeric.to_numpy(dtype=np.int64), index=col.index, name=name)

    # -- accessors ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        if self.entry_col is not None:
            return (f"Cohort(n={self.n} intervals, patients={self.n_patients}, "
                    f"events={self.n_events}, entry={self.entry_col!r}, time={self.time_col!r}, "
                    f"event={self.event_col!r}, id={self.id_col!r})")
        causes = "" if self.causes is None else f", causes={self.causes!r}"
        return (
            f"Cohort(n={self.n}, events={self.n_events}, time={self.time_col!r}, "
            f"event={self.event_col!r}, id={self.id_col!r}{causes})"
        )

    def __len__(self) -> int:
        return len(self._data)

    @property
    def data(self) -> pd.DataFrame:
        """A copy of the validated table, indexed by patient id."""
        return self._data.copy()

    @property
    def dtypes(self) -> pd.Series:
        """The dtype of every column (a pandas Series indexed by column name)."""
        return self._data.dtypes

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self._data.columns)

    @property
    def n(self) -> int:
        """Number of rows: patients, or (start, stop] intervals of a cohort with ``entry``."""
        return len(self._data)

    @property
    def n_patients(self) -> int:
        """Number of distinct patients (= ``n`` unless intervals share an id)."""
        return len(self.patients.unique())

    @property
    def patients(self) -> pd.Index:
        """The patient of each row: the ids, without the interval start of an interval cohort."""
        ids = self._data.index
        return ids.get_level_values(0) if isinstance(ids, pd.MultiIndex) else ids

    @property
    def entry(self) -> np.ndarray | None:
        """Interval starts (delayed entry) as floats; None without an ``entry`` column."""
        if self.entry_col is None:
            return None
        return self._data[self.entry_col].to_numpy(dtype=float)

    @property
    def n_events(self) -> int:
        """Number of events (of any cause, in a cohort with causes)."""
        return int((self._data[self.event_col] > 0).sum())

    @property
    def ids(self) -> pd.Index:
        """Row labels: the patient ids (the id column, or the DataFrame index labels).

        Rows of a cohort with ``entry`` and ``id`` are labelled ``(id, start)``
        (a MultiIndex), since one patient may have several intervals.
        """
        return self._data.index

    @property
    def time(self) -> np.ndarray:
        """Follow-up times as floats."""
        return self._data[self.time_col].to_numpy(dtype=float)

    @property
    def event(self) -> np.ndarray:
        """Event indicators as 0/1 (a CauseError with causes: use :meth:`for_cause`)."""
        if self.causes is not None:
            raise no_cause_error(self)
        return self._data[self.event_col].to_numpy(dtype=np.int64)

    @property
    def status(self) -> np.ndarray:
        """The event column's integer codes: 0 = censored, else the event or cause code."""
        return self._data[self.event_col].to_numpy(dtype=np.int64)

    def for_cause(self, cause: Hashable) -> Cohort:
        """One cause's cohort, others censored, or "any" cause (:func:`~.causes.cause_data`)."""
        data, label = cause_data(self, cause)
        new = self._replace(data)
        new.causes, new.cause = None, label
        return new

    def column(self, name: str) -> pd.Series:
        """One column, with a helpful error when it does not exist."""
        self.require(name)
        return self._data[name]

    def require(self, *names: str, role: str = "analysis") -> None:
        """Raise :class:`CohortError` if any of ``names`` is not a column."""
        for name in names:
            if name not in self._data.columns:
                raise missing_column_error(name, role, self._data.columns)

    def require_one_row_per_patient(self, analysis: str = "This analysis") -> None:
        """Raise :class:`CohortError` if the rows are (start, stop] intervals (``entry``)."""
        if self.entry_col is not None:
            raise CohortError(
                f"{analysis} needs one row per patient followed from time 0, but the cohort "
                f"has (start, stop] intervals (entry={self.entry_col!r}). mp.cox, mp.km and "
                "mp.logrank (and the tables built on them) take interval data; for the others "
                "build a cohort of one row per patient.", column=self.entry_col)

    # -- derived cohorts ---------------------------------------------------------------------

    def _replace(self, data: pd.DataFrame,
                 text: TextNumbers | None = None) -> Cohort:
        text = self._text if text is None else text
        new = object.__new__(Cohort)
        new._data = data
        new.time_col, new.event_col, new.id_col = self.time_col, self.event_col, self.id_col
        new.event_values, new.time_unit = self.event_values, self.time_unit
        new.entry_col, new.recurrent = self.entry_col, self.recurrent
        new.causes, new.cause = self.causes, self.cause
        new._text = TextNumbers(*({c: v for c, v in part.items() if c in data.columns}
                                  for part in text))
        return new

    def assign(self, **columns: Any) -> Cohort:
        """A new Cohort with columns added or replaced (time, event and id are protected).

        New text columns of numbers follow the cohort's rule (:mod:`mirprog.data.missing`):
        missing-value codes become NaN, other text in them is refused.
        """
        for name in columns:
            if name in (self.time_col, self.event_col, self.id_col, self.entry_col):
                raise CohortError(f"Column {name!r} is the cohort's {name} role and cannot be "
                                  "replaced; build a new Cohort instead.", column=name)
        data = self._data.assign(**columns)
        added = data[list(columns)].copy()
        check_cells(added, data.index)
        found = convert_text_numbers(added, set())
        text = TextNumbers(*({c: v for c, v in old.items() if c not in columns} | new
                             for old, new in zip(self._text, found, strict=True)))
        for name in columns:
            data[name] = added[name]
        return self._replace(data, text)

    def subset(self, mask: Any) -> Cohort:
        """A new Cohort with the rows where ``mask`` is true.

        ``mask`` is a boolean array in row order, or a pandas Series matched to
        the rows by its index (the cohort's ids, as in ``cohort.data``; any
        order).  Missing values mean "not in the subset"; 1/0 count as
        True/False.

        Raises :class:`CohortError` if a Series' index is not the cohort's rows
        (it is never applied by position), a value is not True/False/1/0, the
        subset is empty or has no events.
        """
        mask_arr = row_mask(mask, self.ids, "The subset mask")
        data = self._data.loc[mask_arr]
        if len(data) == 0:
            raise CohortError("The subset is empty: no row matches the filter.")
        if int((data[self.event_col] > 0).sum()) == 0:
            raise CohortError(
                f"The subset ({len(data)} rows) has no events, so no survival comparison is "
                "possible in it.", column=self.event_col, rows=list(data.index),
            )
        return self._replace(data)

    def complete_cases(self, columns: Sequence[str], *,
                       intervals: bool = False, causes: bool = False) -> AnalysisData:
        """Rows with a value in every one of ``columns``, and the ledger of the others.

        Parameters
        ----------
        columns : sequence of str
            The factors an analysis needs.
        intervals : bool, default False
            The analysis handles (start, stop] rows (``entry``): only then may
            a cohort with ``entry`` be used; others are refused, since one row
            per patient is what they assume.
        causes : bool, default False
            The analysis takes competing causes (``event`` = codes); else a CauseError.

        Returns
        -------
        AnalysisData
            ``frame`` (those columns, complete rows), ``time``, ``event``, ``ids`` and
            ``exclusions`` (each dropped row with the first missing column).

        Raises
        ------
        CohortError
            A column is absent, or holds an infinite value (not missing, not
            usable: an error rather than a silent exclusion).
        """
        columns = [columns] if isinstance(columns, str) else list(columns)
        event = self.status if causes else self.event
        if not intervals:
            self.require_one_row_per_patient()
        self.require(*columns)
        sub = self._data[columns]
        for name in columns:
            if name in self._text.bad:
                bad = self._text.bad[name].reindex(self.ids).to_numpy(dtype=bool)
                if bad.any():
                    raise bad_numbers_error(sub[name], name, bad, self.ids)
            values = sub[name]
            if pd.api.types.is_float_dtype(values.dtype):
                inf = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
                if inf.any():
                    rows = list(self.ids[inf])
                    raise CohortError(
                        f"Column {name!r} is infinite in {int(inf.sum())} row(s): "
                        f"{format_ids(rows)}. Replace it by a finite value, or by NaN if it is "
                        "unknown (the analysis then excludes and reports those rows).",
                        column=name, rows=rows)
        codes = self._text.codes
        missing = sub.isna().to_numpy()
        keep: np.ndarray = np.asarray(~missing.any(axis=1), dtype=bool)
        entries = []
        if not keep.all():
            for pos in np.flatnonzero(~keep):
                col = columns[int(np.argmax(missing[pos]))]
                row = self.ids[int(pos)]
                code = codes[col].get(row) if col in codes else None
                entries.append(Exclusion(native(row), col, "missing", code))
        ex = Exclusions(self.n, int(keep.sum()), tuple(entries))
        if not entries:  # every row complete: no boolean selections of the frame and index
            return AnalysisData(
                frame=sub, time=self.time.copy(), event=event.copy(),
                ids=np.asarray(self.ids), exclusions=ex,
                entry=None if self.entry_col is None else self.entry.copy(),  # type: ignore[union-attr]
                patients=None if self.entry_col is None else np.asarray(self.patients))
        return AnalysisData(
            frame=sub.loc[keep],
            time=self.time[keep],
            event=event[keep],
            ids=np.asarray(self.ids[keep]),
            exclusions=ex,
            entry=None if self.entry_col is None else self.entry[keep],  # type: ignore[index]
            patients=None if self.entry_col is None else np.asarray(self.patients[keep]),
        )


def read_cohort(
    path: str | Path,
    time: str,
    event: str,
    id: str | None = None,
    *,
    sheet: str | int = 0,
    read_options: Mapping[str, Any] | None = None,
    event_values: Mapping[Any, int] | None = None,
    time_unit: TimeUnit | None = None,
    entry: str | None = None,
    recurrent: bool = False,
    causes: Mapping[int, str] | None = None,
) -> Cohort:
    """Read a CSV, TSV, Excel or Parquet file into a validated :class:`Cohort`.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt`` (comma), ``.tsv`` (tab), ``.xlsx``/``.xls`` or ``.parquet``.
    time, event, id : str
        Column roles, as in :class:`Cohort`.
    sheet : str or int, default 0
        Excel sheet name or position.
    read_options : mapping, optional
        Extra keyword arguments passed to the pandas reader (e.g. ``{"sep": ";",
        "decimal": ","}``, ``{"encoding": "latin-1"}``, ``{"header": 1}``).
    event_values, time_unit, entry, recurrent, causes :
        As in :class:`Cohort` (e.g. ``event_values={"yes": 1, "no": 0}``;
        ``entry="start"`` for (start, stop] rows).

    Returns
    -------
    Cohort

    Raises
    ------
    DataFileError
        The file does not exist, has an unknown suffix or cannot be parsed; it
        is semicolon/tab-separated, not UTF-8, or has numbers with a decimal
        comma (see :func:`read_table`); a title row or merged header leaves
        unnamed columns where a role column was expected (the message gives
        the ``header`` option that finds the names).
    CohortError
        The table read is not a valid cohort (see :class:`Cohort`).

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.datasets import dataset_path
    >>> mp.read_cohort(dataset_path("gbsg2"), time="time", event="cens", id="id")
    Cohort(n=686, events=299, time='time', event='cens', id='id')
    """
    roles = (time, event) if entry is None else (time, event, entry)
    df = read_table(path, sheet=sheet, read_options=read_options, id=id, columns=roles)
    return Cohort(df, time=time, event=event, id=id, event_values=event_values,
                  time_unit=time_unit, entry=entry, recurrent=recurrent, causes=causes)


def timefixed(data: AnalysisData) -> AnalysisData:
    """The analysis rows with their times passed through :func:`aeq_times`.

    Interval starts and stops are merged together, as R's ``aeqSurv`` does
    for ``Surv(start, stop, event)``.
    """
    if data.entry is None:
        return data._replace(time=aeq_times(data.time))
    both = aeq_times(np.concatenate([data.entry, data.time]))
    n = len(data.time)
    return data._replace(entry=both[:n], time=both[n:])
