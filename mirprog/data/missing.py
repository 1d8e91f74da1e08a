"""Numbers written as text: one rule for missing-value codes, used wherever numbers are read.

Spreadsheets mark an unknown value in many ways.  A column of numbers with a
few such cells is read by pandas as *text*, and a text column enters a Cox
model as a categorical with one level per distinct number.  So every place
mirprog reads numbers (:class:`~mirprog.Cohort` columns, cutpoints, screen
markers, the study columns of ``reproduce``) goes through :func:`parse_numbers`:

* a cell whose text, stripped and in any case, is one of :data:`MISSING_CODES`
  (empty, ``.``, ``-``, ``--``, ``?``, ``NA``, ``N/A``, ``n.a.``, ``ND``,
  ``n.d.``, ``NaN``, ``null``, ``none``, ``missing``, ``unknown``, ``#N/A``,
  ``<NA>``) is missing; the code seen is kept, so that an analysis that
  excludes the row says so in its ledger (``missing pgr (code '.'; p7)``);
* a cell holding a number written as text (``"12.5"``, ``" 3e2 "``) is that number;
* any other text (``3O``, ``<0.01``, ``1,2``, ``5 yrs``) is refused with a
  :class:`~mirprog.errors.CohortError` naming the column, the cells and the fix
  (a :class:`~mirprog.Cohort` keeps such a column as it is and refuses it in
  every analysis that uses it, see :meth:`mirprog.Cohort.complete_cases`).

A text column is read as numbers when it has at least one number and at
least as many number cells as other text cells (:func:`looks_numeric`);
other text columns (grade ``I/II/III``, ``yes``/``no``, ``+``/``-``) are
categories and are left exactly as they are.  A column given the pandas
``category`` dtype is always a category.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from mirprog.errors import CohortError, format_ids

__all__ = ["MISSING_CODES", "NumericText", "TextNumbers", "convert_text_numbers", "is_text_dtype",
           "looks_numeric", "parse_numbers"]

#: Texts read as "missing" in a numeric column (compared stripped and lower-cased).
MISSING_CODES = frozenset({"", ".", "-", "--", "?", "na", "n/a", "n.a.", "nd", "n.d.", "nan",
                           "null", "none", "missing", "unknown", "#n/a", "<na>"})
DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")
PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_INFINITY = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})


class NumericText(NamedTuple):
    """A column read as numbers: floats, the missing-value code seen per cell, bad cells."""

    values: pd.Series       # float; NaN where missing or bad
    codes: pd.Series        # the code text (stripped) where a missing-value code was seen
    bad: np.ndarray         # bool: text that is neither a number nor a missing-value code
    n_numbers: int


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)


def is_text_dtype(dtype: Any) -> bool:
    """Whether a column of this dtype is text (object or string, not categorical)."""
    return bool(pd.api.types.is_object_dtype(dtype) or (
        pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)))


def read_numbers(col: pd.Series) -> NumericText:
    """Classify every cell of ``col``: number, missing (with its code) or bad text."""
    cells = col.astype(object).tolist()
    values = np.full(len(cells), np.nan)
    bad = np.zeros(len(cells), dtype=bool)
    codes: dict[int, str] = {}
    n_numbers = 0
    for i, v in enumerate(cells):
        if isinstance(v, str):
            text = v.strip()
            low = text.lower()
            if low in MISSING_CODES:
                codes[i] = text
            elif PLAIN_NUMBER.fullmatch(text) or low in _INFINITY:
                values[i] = float(text)
                n_numbers += 1
            else:
                bad[i] = True
        elif _is_number(v):
            values[i] = float(v)
            n_numbers += not np.isnan(values[i])
        elif v is None or v is pd.NA or v is pd.NaT:
            continue
        else:
            bad[i] = True
    pos = list(codes)
    return NumericText(pd.Series(values, index=col.index, name=col.name),
                       pd.Series([codes[i] for i in pos], index=col.index[pos], dtype=object),
                       bad, n_numbers)


def looks_numeric(col: pd.Series) -> NumericText | None:
    """The column read as numbers if it is text that is mostly numbers, else ``None``."""
    if not is_text_dtype(col.dtype):
        return None
    parsed = read_numbers(col)
    if parsed.n_numbers == 0 or parsed.n_numbers < int(parsed.bad.sum()):
        return None
    return parsed


def bad_numbers_error(col: pd.Series, name: str, bad: np.ndarray, ids: pd.Index,
                      what: str = "Column") -> CohortError:
    """The error for text cells that are neither numbers nor missing-value codes."""
    rows = list(ids[bad])
    seen = list(dict.fromkeys(str(v).strip() for v in col[bad]))
    examples = ", ".join(repr(v) for v in seen[:5])
    hints = []
    if any(DECIMAL_COMMA.fullmatch(t) for t in seen):
        hints.append("a decimal comma ('1,2') needs read_options={'decimal': ','} or "
                     f"df[{name!r}].str.replace(',', '.')")
    if any(t[:1] in "<>" for t in seen):
        hints.append("a value beyond a detection limit ('<0.01') is not a number: decide the "
                     "value to use, or mark it missing")
    hint = (" Note: " + "; ".join(hints) + ".") if hints else ""
    return CohortError(
        f"{what} {name!r} has non-numeric values ({examples}) in rows {format_ids(rows)}: "
        f"{int(bad.sum())} cell(s) of text that is neither a number nor a missing-value "
        "code. Correct "
        "those cells (a typo such as '3O' for 30?), or write a missing-value code (NA, '.', "
        "ND, ...) where the value is unknown; if the column is really categorical, pass it as "
        f"df[{name!r}].astype('category').{hint}", column=name, rows=rows)


def parse_numbers(col: pd.Series, name: str, ids: pd.Index | None = None,
                  what: str = "Column") -> NumericText:
    """``col`` as floats, missing-value codes as NaN; other text is a :class:`CohortError`.

    ``ids`` name the rows in the message (default: the Series index).  A
    boolean or categorical column is refused: it is not a column of numbers.
    """
    ids = col.index if ids is None else ids
    if pd.api.types.is_bool_dtype(col.dtype) or isinstance(col.dtype, pd.CategoricalDtype):
        kind = "boolean" if pd.api.types.is_bool_dtype(col.dtype) else "categorical"
        raise CohortError(f"{what} {name!r} is {kind}, not numbers; recode it as numbers "
                          "(NaN where unknown) or use it as a factor.", column=name)
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = pd.Series(col.to_numpy(dtype=float, na_value=np.nan), index=col.index,
                           name=col.name)
        return NumericText(values, pd.Series([], dtype=object), np.zeros(len(col), bool),
                           int(values.notna().sum()))
    parsed = read_numbers(col)
    if parsed.bad.any():
        raise bad_numbers_error(col, name, parsed.bad, ids, what)
    return parsed


class TextNumbers(NamedTuple):
    """What :func:`convert_text_numbers` found: codes seen, and columns left as text."""

    codes: dict[str, pd.Series]   # column -> the code seen in each row that had one
    bad: dict[str, pd.Series]     # column -> bool per row: text that is not a number nor a code


def convert_text_numbers(df: pd.DataFrame, skip: set[str]) -> TextNumbers:
    """Turn text columns of numbers in ``df`` (in place) into floats; report what was seen.

    Columns in ``skip`` (the time, event and id roles, validated apart) are left
    alone.  A mostly-numeric column that also holds other text (``3O``, ``pos``)
    is left as it is and listed in ``bad``: :meth:`mirprog.Cohort.complete_cases`
    refuses it for any analysis, while functions that read their own codes
    (:func:`mirprog.st_gallen`'s ``pos``/``neg``) still can.
    """
    found = TextNumbers({}, {})
    for i, dtype in enumerate(df.dtypes):   # (by dtype first: most columns are numbers)
        name = str(df.columns[i])
        if name in skip or not is_text_dtype(dtype):
            continue
        parsed = looks_numeric(df.iloc[:, i])
        if parsed is None:
            continue
        if parsed.bad.any():
            found.bad[name] = pd.Series(parsed.bad, index=df.index)
            continue
        df[name] = parsed.values.to_numpy()
        if len(parsed.codes):
            found.codes[name] = parsed.codes
    return found
