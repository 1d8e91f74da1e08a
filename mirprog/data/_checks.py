"""The checks behind :class:`mirprog.Cohort`: column names, cells, event codes, units.

Plain functions called once, at construction; see :class:`mirprog.Cohort` for
the rules (Notes: the mixed-units heuristic).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog.errors import CohortError, UnitWarning, format_ids

TimeUnit = Literal["days", "weeks", "months", "years"]
YEARS_PER_UNIT: dict[str, float] = {"days": 1 / 365.25, "weeks": 7 / 365.25,
                                     "months": 1 / 12, "years": 1.0}
# mixed-units heuristic (see Cohort, Notes)
_UNIT_LOW, _UNIT_HIGH = 15.0, 200.0
# a minority cluster of 2% of the rows (at least 5) is enough: 10% of rows in years among
# days (issue 14) put 9.7% below 15, the rest of the years above 15 landing in between
_UNIT_SHARE, _UNIT_MIN_ROWS = 0.02, 5
# longest plausible follow-up and median follow-up, in years
_MAX_YEARS, _MAX_MEDIAN_YEARS = 110.0, 30.0
_EVENT_WORDS = frozenset({"1", "2", "yes", "y", "true", "t", "event", "dead", "death", "died",
                          "deceased", "relapse", "relapsed", "recurrence", "progression",
                          "progressed"})



def _suggest(name: str, columns: Iterable[Hashable]) -> str:
    name = str(name)
    cols = [str(c) for c in columns]
    close = difflib.get_close_matches(name, cols, n=3, cutoff=0.5)
    lowered = [c for c in cols if c.lower() == name.lower()]
    hits = list(dict.fromkeys(lowered + close))
    if hits:
        return "Did you mean " + " or ".join(repr(h) for h in hits) + "?"
    shown = ", ".join(repr(c) for c in cols[:12])
    return f"Available columns: {shown}{' ...' if len(cols) > 12 else ''}."


def missing_column_error(name: str, role: str, columns: Iterable[Hashable]) -> CohortError:
    return CohortError(
        f"The {role} column {name!r} is not in the table. {_suggest(name, columns)}",
        column=name,
    )


def native(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (for readable reprs in messages).

    A tuple (the ``(id, start)`` label of an interval row) is converted element-wise.
    """
    if isinstance(value, tuple):
        return tuple(native(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def to_numeric(col: pd.Series) -> pd.Series:
    """``pd.to_numeric(errors="coerce")``, falling back to element-wise conversion."""
    try:
        return pd.to_numeric(col, errors="coerce")
    except (TypeError, ValueError, OverflowError):
        def one(v: Any) -> float:
            try:
                return float(v)
            except (TypeError, ValueError, OverflowError):
                return float("nan")

        return pd.Series([one(v) for v in col], index=col.index, dtype=float)


def check_columns(df: pd.DataFrame, roles: Mapping[str, Any]) -> None:
    """Column names unique; role columns given as text, present and distinct."""
    dup = df.columns[df.columns.duplicated()].unique().tolist()
    if dup:
        raise CohortError(
            f"Column names must be unique, but {format_ids([repr(d) for d in dup])} appear(s) "
            "more than once (after converting names to text). Rename them, e.g. "
            "df.columns = [...], before building the Cohort.", column=str(dup[0]))
    for role, name in roles.items():
        if name is None:
            continue
        if not isinstance(name, str):
            hint = (f" Pass {role}={str(name)!r}." if str(name) in df.columns else "")
            raise CohortError(f"The {role} column must be named by a string, got {name!r}.{hint}",
                              column=str(name))
        if name not in df.columns:
            raise missing_column_error(name, role, df.columns)
    given = [(role, name) for role, name in roles.items() if name is not None]
    for i, (role, name) in enumerate(given):
        for other, other_name in given[i + 1:]:
            if name == other_name:
                raise CohortError(f"The {role} and {other} roles both name column {name!r}; "
                                  "each role needs its own column.", column=name)


def _odd_cell(value: Any) -> bool:
    return not isinstance(value, Hashable) or isinstance(value, complex | np.complexfloating)


def check_cells(df: pd.DataFrame, ids: pd.Index) -> None:
    """Refuse containers (lists, dicts, sets) and complex numbers in cells (no analysis can)."""
    for i, dtype in enumerate(df.dtypes):       # (by dtype first: df[name] costs ~50 us)
        if not (pd.api.types.is_complex_dtype(dtype) or pd.api.types.is_object_dtype(dtype)):
            continue
        name, col = df.columns[i], df.iloc[:, i]
        if pd.api.types.is_complex_dtype(col.dtype):
            odd = col.notna().to_numpy(dtype=bool)
            imag = odd & (np.imag(col.to_numpy()) != 0)
            odd = imag if imag.any() else odd
        elif pd.api.types.is_object_dtype(col.dtype):
            odd = col.map(_odd_cell).to_numpy(dtype=bool)
        else:
            continue
        if odd.any():
            rows = list(ids[odd])
            raise CohortError(
                f"Column {name!r} holds containers or complex numbers (e.g. "
                f"{native(col[odd].iloc[0])!r}) in rows {format_ids(rows)}, not single real "
                "values. "
                f"Give one value per cell (e.g. df.explode({name!r}) for lists, or the real "
                "part of a complex number).", column=name, rows=rows)


def event_mapping(event_values: Mapping[Any, int] | None, name: str) -> dict[Any, int] | None:
    """Validate ``event_values`` (code -> 0/1) and return it as a dict."""
    if event_values is None:
        return None
    if not isinstance(event_values, Mapping) or len(event_values) == 0:
        raise CohortError(
            f"event_values must be a non-empty mapping from each code of {name!r} to 1 (event) "
            f"or 0 (censored), e.g. {{'yes': 1, 'no': 0}}; got {event_values!r}.", column=name)
    bad = [k for k, v in event_values.items()
           if isinstance(v, str) or not isinstance(v, bool | int | float | np.number)
           or v not in (0, 1)]
    if bad:
        raise CohortError(
            f"event_values must map every code to 1 (event) or 0 (censored); "
            f"{', '.join(f'{k!r}: {event_values[k]!r}' for k in bad[:5])} is not.", column=name)
    return {k: int(v) for k, v in event_values.items()}


def event_values_hint(col: pd.Series) -> str:
    """How to pass ``event_values=`` for the codes found (e.g. ``{2: 1, 1: 0}``)."""
    try:
        codes = [native(v) for v in pd.unique(col.dropna())]
    except TypeError:
        codes = []
    if len(codes) != 2:
        return ("pass event_values={code: 1, ...} mapping every code to 1 (event) or "
                "0 (censored)")
    numeric = all(isinstance(c, int | float) and not isinstance(c, bool) for c in codes)
    if numeric and sorted(codes) == [1, 2]:
        return ("pass event_values={2: 1, 1: 0} for R's coding (1 = censored, 2 = event, as "
                "in the lung data)")
    words = [c for c in codes if str(c).strip().lower() in _EVENT_WORDS]
    ev = max(codes) if numeric else (words[0] if len(words) == 1 else max(codes, key=str))
    other = codes[1] if codes[0] == ev else codes[0]
    return f"pass event_values={{{ev!r}: 1, {other!r}: 0}} if {ev!r} marks the event"


def lookup_event(mapping: Mapping[Any, int], value: Any) -> int:
    try:
        return mapping.get(value, -1)
    except TypeError:  # unhashable cell
        return -1


def warn_units(values: np.ndarray, name: str, ids: pd.Index,
                time_unit: TimeUnit | None) -> None:
    """Emit :class:`UnitWarning` for a days/years mixture or implausible times (Cohort, Notes)."""
    n = len(values)
    low = (values > 0) & (values < _UNIT_LOW)
    high = values > _UNIT_HIGH
    middle = (values >= _UNIT_LOW) & (values <= _UNIT_HIGH)
    need = max(_UNIT_MIN_ROWS, _UNIT_SHARE * n)
    n_low, n_high = int(low.sum()), int(high.sum())
    if n_low >= need and n_high >= need and middle.sum() < 0.5 * min(n_low, n_high):
        warnings.warn(UnitWarning(
            f"The time column {name!r} looks like a mix of units: {n_low} row(s) below "
            f"{_UNIT_LOW:g} ({format_ids(list(ids[low]))}) and {n_high} above {_UNIT_HIGH:g} "
            f"({format_ids(list(ids[high]))}), with only {int(middle.sum())} in between -- "
            "years and days in one column? Convert every row to one unit. If the times are "
            "right, ignore this UnitWarning."), stacklevel=3)
    if time_unit is None:
        return
    years = values * YEARS_PER_UNIT[time_unit]
    too_long = years > _MAX_YEARS
    if too_long.any():
        warnings.warn(UnitWarning(
            f"The time column {name!r} is in {time_unit} (time_unit={time_unit!r}), but "
            f"{int(too_long.sum())} row(s) have more than {_MAX_YEARS:g} years of follow-up: "
            f"{format_ids(list(ids[too_long]))}. Are the times in a smaller unit (days "
            "rather than months or years)? Fix the values or time_unit."), stacklevel=3)
    elif float(np.median(years)) > _MAX_MEDIAN_YEARS:
        warnings.warn(UnitWarning(
            f"The time column {name!r} is in {time_unit} (time_unit={time_unit!r}), but its "
            f"median follow-up is {np.median(years):.0f} years, which is implausible. Are the "
            "times in a smaller unit (days or months)? Fix the values or time_unit."),
            stacklevel=3)


def _mask_values(values: pd.Series, label: str, column: str | None) -> np.ndarray:
    """True where a mask value is True or 1; missing is False; anything else is an error."""
    if pd.api.types.is_bool_dtype(values.dtype) and values.dtype != object:
        return values.fillna(False).to_numpy(dtype=bool)
    cells = values.astype(object)
    present = cells.notna().to_numpy()
    ok = np.array([not p or isinstance(v, bool | np.bool_) or (
        isinstance(v, int | float | np.number) and v in (0, 1)) for v, p in zip(cells, present,
                                                                               strict=True)],
                  dtype=bool)
    if not ok.all():
        found = sorted({repr(native(v)) for v in cells[~ok]})[:5]
        raise CohortError(
            f"{label} must be boolean (True/False or 1/0; missing = not in it); found "
            f"{', '.join(found)}. Build it with a comparison, e.g. df['grade'] == 3.",
            column=column)
    return present & np.array([bool(v) if p else False for v, p in zip(cells, present,
                                                                       strict=True)], dtype=bool)


def row_mask(mask: Any, ids: pd.Index, label: str, column: str | None = None) -> np.ndarray:
    """A boolean array in the cohort's row order from a user's mask (a Series is aligned).

    A pandas Series is matched to the rows by its index (the cohort's ids, in
    any order); one whose labels are not exactly the cohort's rows is refused
    rather than applied by position.  Arrays and lists are taken in row order.
    Missing (NaN/NA/None) means "not selected"; values must be True/False or 1/0.
    """
    if isinstance(mask, pd.DataFrame):
        raise CohortError(f"{label} must be one column (a Series or array), got a DataFrame "
                          f"with columns {list(mask.columns)[:5]}.", column=column)
    if isinstance(mask, pd.Series):
        if mask.index.has_duplicates:
            dup = list(mask.index[mask.index.duplicated()].unique())
            raise CohortError(f"{label} is a pandas Series with repeated index labels "
                              f"({format_ids(dup)}); it cannot be matched to the cohort's rows.",
                              column=column, rows=dup)
        if not mask.index.equals(ids):
            known, given = set(ids), set(mask.index)
            if known != given:
                extra = [v for v in mask.index if v not in known]
                absent = [v for v in ids if v not in given]
                raise CohortError(
                    f"{label} is a pandas Series whose index does not match the cohort's rows "
                    f"({len(extra)} label(s) are not cohort rows, e.g. {format_ids(extra)}; "
                    f"{len(absent)} row(s) are not in it, e.g. {format_ids(absent)}). It is not "
                    "applied by position: build it from cohort.data (indexed by the cohort's "
                    "ids), e.g. cohort.data['age'] > 60, or pass mask.to_numpy() if it is in "
                    "the cohort's row order.", column=column, rows=extra or absent)
            mask = mask.reindex(ids)
        values = pd.Series(mask.to_numpy(), index=ids)
        return _mask_values(values if mask.dtype == object else mask, label, column)
    arr = np.asarray(mask)
    if arr.shape != (len(ids),):
        raise CohortError(f"{label} needs one value per row ({len(ids)}), got shape "
                          f"{arr.shape}.", column=column)
    return _mask_values(pd.Series(arr, index=ids), label, column)


def check_time_dtype(col: pd.Series, name: str) -> None:
    """Refuse a time column of booleans, dates, durations or complex numbers (with the fix)."""
    dtype = col.dtype
    fix = None
    if pd.api.types.is_bool_dtype(dtype):
        fix = "is boolean; it must hold follow-up times."
    elif pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        fix = (f"holds dates, not follow-up durations. Compute them in one unit, e.g. "
               f"df[{name!r}] = (df['last_followup'] - df['diagnosis']).dt.days.")
    elif pd.api.types.is_timedelta64_dtype(dtype):
        fix = (f"holds durations (timedelta); convert them to numbers in one unit, e.g. "
               f"df[{name!r}] = df[{name!r}].dt.days (or / pd.Timedelta(days=365.25) "
               "for years).")
    elif pd.api.types.is_complex_dtype(dtype):
        fix = "holds complex numbers; it must hold real follow-up times."
    if fix is not None:
        raise CohortError(f"The time column {name!r} {fix}", column=name)
