"""Cohorts: a validated survival table with named roles, and its row ledger.

A :class:`Cohort` is validated once, at construction; the statistical core
trusts it afterwards.  Missing values in a *factor* are not an error: each
analysis drops the rows it cannot use (for that analysis only) and reports
them in an :class:`Exclusions` ledger carried by its result.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from mirprog.errors import CohortError, DataFileError, format_ids

__all__ = ["AnalysisData", "Cohort", "Exclusion", "Exclusions", "read_cohort"]


@dataclass(frozen=True)
class Exclusion:
    """One row left out of one analysis, with the column and the reason."""

    row: Any
    column: str
    reason: str


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
        """The ledger as a DataFrame with columns ``row, column, reason``."""
        return pd.DataFrame(
            [(e.row, e.column, e.reason) for e in self.entries],
            columns=["row", "column", "reason"],
        )

    def summary(self) -> str:
        """One line: rows used, rows excluded and why."""
        head = f"{self.n_used} of {self.n_total} rows used"
        if not self.entries:
            return head + "; none excluded"
        groups: dict[tuple[str, str], list[Any]] = {}
        for e in self.entries:
            groups.setdefault((e.reason, e.column), []).append(e.row)
        parts = [f"{reason} {column} ({format_ids(rows)})"
                 for (reason, column), rows in groups.items()]
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


def _suggest(name: str, columns: Iterable[Hashable]) -> str:
    cols = [str(c) for c in columns]
    close = difflib.get_close_matches(name, cols, n=3, cutoff=0.5)
    lowered = [c for c in cols if c.lower() == name.lower()]
    hits = list(dict.fromkeys(lowered + close))
    if hits:
        return "Did you mean " + " or ".join(repr(h) for h in hits) + "?"
    shown = ", ".join(repr(c) for c in cols[:12])
    return f"Available columns: {shown}{' ...' if len(cols) > 12 else ''}."


def _missing_column_error(name: str, role: str, columns: Iterable[Hashable]) -> CohortError:
    return CohortError(
        f"The {role} column {name!r} is not in the table. {_suggest(name, columns)}",
        column=name,
    )


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
        Follow-up time column (numeric, finite, not negative; any unit, used
        consistently).
    event : str
        Event indicator column: 1/True = event (e.g. relapse), 0/False = censored.
    id : str, optional
        Patient id column (unique).  Without it, rows are named by the
        DataFrame's index labels in messages and ledgers.

    Raises
    ------
    CohortError
        Missing time/event/id column; non-numeric, missing, infinite or
        negative time; event not coded 0/1 or True/False; duplicated or
        missing ids; an empty cohort; a cohort without any event.

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
    """

    def __init__(
        self, data: pd.DataFrame, time: str, event: str, id: str | None = None
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise CohortError(
                f"Cohort needs a pandas DataFrame, got {type(data).__name__}. "
                "Wrap it first: pd.DataFrame(...), or use mp.read_cohort(path, ...) for a file."
            )
        df = data.copy()
        df.columns = [str(c) for c in df.columns]
        for role, name in (("time", time), ("event", event), ("id", id)):
            if name is not None and name not in df.columns:
                raise _missing_column_error(name, role, df.columns)
        if len(df) == 0:
            raise CohortError(
                "The cohort is empty (0 rows). Check the file/filter that produced it.",
            )
        ids = self._validate_ids(df, id)
        df.index = pd.Index(ids, name=None if id is not None else df.index.name)
        df[time] = self._validate_time(df[time], time, ids)
        df[event] = self._validate_event(df[event], event, ids)
        if int(df[event].sum()) == 0:
            raise CohortError(
                f"The event column {event!r} has no events (all {len(df)} rows are 0/censored): "
                "no survival comparison is possible. Check the coding (1 = event) or the subset.",
                column=event,
            )
        self._data = df
        self.time_col = time
        self.event_col = event
        self.id_col = id

    # -- validation ------------------------------------------------------------------------

    @staticmethod
    def _validate_ids(df: pd.DataFrame, id: str | None) -> pd.Index:
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
        dup_mask = col.duplicated(keep=False).to_numpy()
        if dup_mask.any():
            dups = list(pd.unique(col[dup_mask]))
            raise CohortError(
                f"The id column {id!r} has duplicated ids: {format_ids(dups)}. Each patient must "
                "appear once; merge or remove the repeated rows.",
                column=id,
                rows=dups,
            )
        return pd.Index(col.to_numpy())

    @staticmethod
    def _validate_time(col: pd.Series, name: str, ids: pd.Index) -> pd.Series:
        if col.dtype == bool:
            raise CohortError(f"The time column {name!r} is boolean; it must hold follow-up times.",
                              column=name)
        numeric = pd.to_numeric(col, errors="coerce")
        bad_text = numeric.isna().to_numpy() & col.notna().to_numpy()
        if bad_text.any():
            rows = list(ids[bad_text])
            examples = ", ".join(repr(v) for v in col[bad_text].head(3))
            raise CohortError(
                f"The time column {name!r} has non-numeric values ({examples}) in rows "
                f"{format_ids(rows)}. Convert it to numbers in one unit (e.g. strip 'yrs').",
                column=name, rows=rows,
            )
        values = numeric.to_numpy(dtype=float)
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
    def _validate_event(col: pd.Series, name: str, ids: pd.Index) -> pd.Series:
        missing = col.isna().to_numpy()
        if missing.any():
            rows = list(ids[missing])
            raise CohortError(
                f"The event column {name!r} is missing in {int(missing.sum())} row(s): "
                f"{format_ids(rows)}. Every patient needs an event status (1 = event, "
                "0 = censored).",
                column=name, rows=rows,
            )
        if col.dtype == bool:
            return col.astype(np.int64)
        numeric = pd.to_numeric(col, errors="coerce")
        bad = ~numeric.isin([0, 1]).to_numpy()
        if bad.any():
            rows = list(ids[bad])
            values = sorted({repr(v) for v in col[bad]})[:5]
            raise CohortError(
                f"The event column {name!r} must be coded 0/1 (or False/True); found "
                f"{', '.join(values)} in rows {format_ids(rows)}. Recode it, e.g. "
                f"df[{name!r}] = (df[{name!r}] == <event value>).astype(int).",
                column=name, rows=rows,
            )
        return numeric.astype(np.int64)

    # -- accessors ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"Cohort(n={self.n}, events={self.n_events}, time={self.time_col!r}, "
            f"event={self.event_col!r}, id={self.id_col!r})"
        )

    def __len__(self) -> int:
        return len(self._data)

    @property
    def data(self) -> pd.DataFrame:
        """A copy of the validated table, indexed by patient id."""
        return self._data.copy()

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self._data.columns)

    @property
    def n(self) -> int:
        """Number of patients."""
        return len(self._data)

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self._data[self.event_col].sum())

    @property
    def ids(self) -> pd.Index:
        """Patient ids (the id column, or the DataFrame index labels)."""
        return self._data.index

    @property
    def time(self) -> np.ndarray:
        """Follow-up times as floats."""
        return self._data[self.time_col].to_numpy(dtype=float)

    @property
    def event(self) -> np.ndarray:
        """Event indicators as 0/1 integers."""
        return self._data[self.event_col].to_numpy(dtype=np.int64)

    def column(self, name: str) -> pd.Series:
        """One column, with a helpful error when it does not exist."""
        self.require(name)
        return self._data[name]

    def require(self, *names: str, role: str = "analysis") -> None:
        """Raise :class:`CohortError` if any of ``names`` is not a column."""
        for name in names:
            if name not in self._data.columns:
                raise _missing_column_error(name, role, self._data.columns)

    # -- derived cohorts ---------------------------------------------------------------------

    def _replace(self, data: pd.DataFrame) -> Cohort:
        new = object.__new__(Cohort)
        new._data = data
        new.time_col, new.event_col, new.id_col = self.time_col, self.event_col, self.id_col
        return new

    def assign(self, **columns: Any) -> Cohort:
        """A new Cohort with columns added or replaced (time, event and id are protected)."""
        for name in columns:
            if name in (self.time_col, self.event_col, self.id_col):
                raise CohortError(f"Column {name!r} is the cohort's {name} role and cannot be "
                                  "replaced; build a new Cohort instead.", column=name)
        return self._replace(self._data.assign(**columns))

    def subset(self, mask: Any) -> Cohort:
        """A new Cohort with the rows where ``mask`` is true (a boolean array or Series).

        Raises :class:`CohortError` if the subset is empty or has no events.
        """
        mask_arr = np.asarray(mask, dtype=bool)
        if mask_arr.shape != (self.n,):
            raise CohortError(f"subset mask must have one value per row ({self.n}), "
                              f"got shape {mask_arr.shape}.")
        data = self._data.loc[mask_arr]
        if len(data) == 0:
            raise CohortError("The subset is empty: no row matches the filter.")
        if int(data[self.event_col].sum()) == 0:
            raise CohortError(
                f"The subset ({len(data)} rows) has no events, so no survival comparison is "
                "possible in it.", column=self.event_col, rows=list(data.index),
            )
        return self._replace(data)

    def complete_cases(self, columns: Sequence[str]) -> AnalysisData:
        """Rows with a value in every one of ``columns``, and the ledger of the others.

        Parameters
        ----------
        columns : sequence of str
            The factors an analysis needs.

        Returns
        -------
        AnalysisData
            ``frame`` (those columns, complete rows), ``time``, ``event``, ``ids`` and
            ``exclusions`` (each dropped row with the first missing column).
        """
        self.require(*columns)
        sub = self._data[list(columns)]
        missing = sub.isna().to_numpy()
        keep: np.ndarray = np.asarray(~missing.any(axis=1), dtype=bool)
        entries = []
        if not keep.all():
            for pos in np.flatnonzero(~keep):
                col = columns[int(np.argmax(missing[pos]))]
                row = self.ids[int(pos)]
                entries.append(Exclusion(row.item() if hasattr(row, "item") else row, col,
                                         "missing"))
        ex = Exclusions(self.n, int(keep.sum()), tuple(entries))
        return AnalysisData(
            frame=sub.loc[keep],
            time=self.time[keep],
            event=self.event[keep],
            ids=np.asarray(self.ids[keep]),
            exclusions=ex,
        )


def read_cohort(
    path: str | Path,
    time: str,
    event: str,
    id: str | None = None,
    *,
    sheet: str | int = 0,
    read_options: Mapping[str, Any] | None = None,
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
        Extra keyword arguments passed to the pandas reader (e.g. ``{"sep": ";"}``).

    Returns
    -------
    Cohort

    Raises
    ------
    DataFileError
        The file does not exist, has an unknown suffix or cannot be parsed.
    CohortError
        The table read is not a valid cohort (see :class:`Cohort`).

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.datasets import dataset_path
    >>> mp.read_cohort(dataset_path("gbsg2"), time="time", event="cens", id="id")
    Cohort(n=686, events=299, time='time', event='cens', id='id')
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"No file at {str(p)!r}. Check the path (relative to {Path.cwd()}).")
    opts = dict(read_options or {})
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = pd.read_csv(p, **opts)
        elif suffix == ".tsv":
            df = pd.read_csv(p, sep="\t", **opts)
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            df = pd.read_excel(p, sheet_name=sheet, **opts)
        elif suffix == ".parquet":
            df = pd.read_parquet(p, **opts)
        else:
            raise DataFileError(
                f"Unknown file type {suffix!r} for {p.name}: use .csv, .tsv, .xlsx or .parquet, "
                "or read it with pandas and pass the DataFrame to mp.Cohort(...)."
            )
    except (DataFileError, CohortError):
        raise
    except Exception as exc:  # pandas/pyarrow/openpyxl raise many types for unreadable files
        raise DataFileError(
            f"Could not read {p.name} as {suffix or 'a table'}: {exc}. Check the file is not "
            "corrupted or open elsewhere; for odd CSVs pass read_options={'sep': ';'} etc."
        ) from exc
    return Cohort(df, time=time, event=event, id=id)
