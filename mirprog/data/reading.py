"""Reading cohort files: pandas readers behind checks that refuse a file's odd dialect.

Nothing is guessed.  Re-reading a file with a guessed separator, decimal mark
or encoding could silently turn ``12,5`` into 125 or ``é`` into ``Ã©``, so
:func:`read_table` stops and says which ``read_options`` read the file as
intended: a semicolon-, tab- or pipe-separated ``.csv``; a UTF-16 or other
non-UTF-8 file; a title row or merged header above the column names; numbers
written with a decimal comma.  :func:`mirprog.read_cohort` reads through it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data.missing import DECIMAL_COMMA, MISSING_CODES, PLAIN_NUMBER
from mirprog.errors import DataFileError, format_ids

__all__ = ["read_table"]

_UNNAMED = re.compile(r"Unnamed: \d+(_level_\d+)?")
_MANGLED = re.compile(r"(.+)\.(\d+)")
_CANONICAL_INT = re.compile(r"-?(0|[1-9]\d{0,17})")
_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _read_options(read_options: Mapping[str, Any] | None) -> dict[str, Any]:
    if read_options is None:
        return {}
    if not isinstance(read_options, Mapping) or not all(isinstance(k, str)
                                                        for k in read_options):
        raise DataFileError(f"read_options must be a mapping of pandas reader options, e.g. "
                            f"{{'sep': ';'}}; got {read_options!r}.")
    return dict(read_options)


def _sniff_text(p: Path, opts: Mapping[str, Any]) -> None:
    """Refuse a UTF-16 file or a .csv separated by something else than commas (no guessing)."""
    with p.open("rb") as fh:
        head = fh.read(65536)
    if "encoding" not in opts and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFileError(
            f"{p.name} is UTF-16 text (as Excel's 'Unicode text' export), not UTF-8: pass "
            "read_options={'encoding': 'utf-16', 'sep': '\\t'}, or re-save it as CSV UTF-8.")
    try:
        text = head.decode(str(opts.get("encoding") or "utf-8"), errors="replace")
    except LookupError:
        return  # unknown codec: pandas reports it
    lines = [line for line in text.splitlines() if line.strip()]
    skip = sum(v for v in (opts.get("header", 0), opts.get("skiprows", 0))
               if isinstance(v, int) and not isinstance(v, bool) and v > 0)
    lines = lines[skip:]
    if not lines:
        return
    header = lines[0]
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0 or counts[sep] <= header.count(","):
        return
    suggestion: dict[str, str] = {"sep": sep}
    if sep == ";" and any(re.search(r"\d,\d", line) for line in lines[1:200]):
        suggestion["decimal"] = ","
    raise DataFileError(
        f"{p.name} looks {_SEPARATORS[sep]}-separated, not comma-separated: its header line "
        f"{header[:60]!r} has {counts[sep]} {_SEPARATORS[sep]}(s) and {header.count(',')} "
        f"comma(s). Pass read_options={suggestion!r}"
        + (" (the decimal comma of the numbers, as Excel writes in many European locales)"
           if "decimal" in suggestion else "")
        + (" or name the file .tsv" if sep == "\t" else "") + ".")


def _encoding_error(p: Path, exc: UnicodeDecodeError, encoding: str) -> DataFileError:
    data = p.read_bytes()
    try:
        data.decode(encoding)
        pos = exc.start
    except UnicodeDecodeError as whole:
        pos = whole.start
    except LookupError:
        pos = exc.start
    line = data[:pos].count(b"\n") + 1
    start = data.rfind(b"\n", 0, pos) + 1
    context = data[start:pos + 12].split(b"\n")[0].decode("latin-1")
    return DataFileError(
        f"{p.name} is not {encoding} text: byte 0x{data[pos:pos + 1].hex()} on line {line} "
        f"({context!r} read as Latin-1) cannot be decoded. The file was probably saved as "
        "Latin-1/Windows-1252 (e.g. by Excel on Windows): pass read_options={'encoding': "
        "'latin-1'} (or 'cp1252'), or re-save it as UTF-8. mirprog does not guess encodings, "
        "because a wrong guess silently garbles names and codes.")


def _parse_hint(exc: Exception) -> str:
    if isinstance(exc, pd.errors.EmptyDataError):
        return " The file has no data."
    if isinstance(exc, pd.errors.ParserError):
        return (" Rows with more fields than the header usually mean a title line above the "
                "header (read_options={'header': 1}), another separator (read_options="
                "{'sep': ';'}) or an unquoted comma inside a text field.")
    return ""


def _flatten_header(df: pd.DataFrame) -> pd.DataFrame:
    """Name the columns of a two-row header (``header=[0, 1]``) by their lower row.

    When the lower-row names repeat, the non-empty parts are joined with a space.
    """
    if not isinstance(df.columns, pd.MultiIndex):
        return df
    parts = [[str(x) for x in col if not _UNNAMED.fullmatch(str(x)) and str(x).strip()]
             for col in df.columns]
    lower = [p[-1] if p else f"column {i + 1}" for i, p in enumerate(parts)]
    if len(set(lower)) < len(lower):
        lower = [" ".join(p) if p else f"column {i + 1}" for i, p in enumerate(parts)]
    out = df.copy()
    out.columns = pd.Index(lower)
    return out


def _check_single_column(df: pd.DataFrame, p: Path) -> None:
    if df.shape[1] != 1:
        return
    name = str(df.columns[0])
    seps = [s for s in (",", ";", "\t", "|") if s in name]
    if seps:
        raise DataFileError(
            f"{p.name} was read as one column named {name[:60]!r}: the separator is probably "
            f"{seps[0]!r}. Pass read_options={{'sep': {seps[0]!r}}}.")


def _row_labels(df: pd.DataFrame, id: str | None) -> pd.Index:
    if id is not None and id in df.columns and df[id].notna().all():
        return pd.Index(df[id].to_numpy())
    return df.index


def _check_decimal_comma(df: pd.DataFrame, p: Path, id: str | None, opts: Mapping[str, Any],
                         excel: bool) -> None:
    """Refuse text columns whose values are all numbers, some written with a decimal comma."""
    labels = None
    for i, dtype in enumerate(df.dtypes):       # (by dtype first: df[col] costs ~50 us)
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            continue
        col, s = df.columns[i], df.iloc[:, i]
        labels = _row_labels(df, id) if labels is None else labels
        present = s.notna().to_numpy()
        if not present.any():
            continue
        text = s[present].astype(str).str.strip()
        comma = text.str.fullmatch(DECIMAL_COMMA).to_numpy(dtype=bool)
        if not comma.any():
            continue
        plain = text.str.fullmatch(PLAIN_NUMBER).to_numpy(dtype=bool)
        if not (comma | plain | text.str.lower().isin(MISSING_CODES).to_numpy()).all():
            continue
        rows = list(labels[present][comma])
        examples = ", ".join(repr(v) for v in text[comma].head(3))
        fix: dict[str, str] = {"decimal": ","}
        if not excel and opts.get("sep", opts.get("delimiter", ",")) == ",":
            fix = {"sep": ";", "decimal": ","}
        raise DataFileError(
            f"Column {col!r} of {p.name} holds numbers with a decimal comma ({examples}) in rows "
            f"{format_ids(rows)}; they were read as text. Pass read_options={fix!r} (or "
            "{'thousands': ','} if the comma separates thousands).")


def _check_header(df: pd.DataFrame, p: Path, needed: Sequence[str | None],
                  opts: Mapping[str, Any]) -> None:
    """Refuse a table read under a title line or a merged header; say which row has the names.

    Two signs: rows with more fields than the first line (pandas then silently
    makes an index of the extra leading fields), or unnamed columns while a
    ``needed`` column is missing.
    """
    columns = [str(c) for c in df.columns]
    missing = [r for r in needed if isinstance(r, str) and r not in columns]
    unnamed = [c for c in columns if _UNNAMED.fullmatch(c)]
    if unnamed == ["Unnamed: 0"] == columns[:1]:
        unnamed = []        # R's write.csv: row names under an empty header cell
    implicit = "index_col" not in opts and not isinstance(df.index, pd.RangeIndex)
    if not implicit and not (missing and unnamed):
        return
    table = df.reset_index() if implicit else df
    header = opts.get("header", 0)
    offset = header if isinstance(header, int) and not isinstance(header, bool) else 0
    found = None
    for k in range(min(20, len(table)) if missing else 0):
        cells = {str(v).strip() for v in table.iloc[k].tolist() if not _is_na(v)}
        if all(m in cells for m in missing):
            found = offset + k + 1
            break
    why = (f"its first line has {df.shape[1]} field(s) but the rows below have "
           f"{table.shape[1]}" if implicit else
           f"{len(unnamed)} column(s) have no name "
           f"({', '.join(repr(c) for c in [columns[0], *unnamed][:4])}...)")
    lost = f", and the column {missing[0]!r} was not found" if missing else ""
    where = (f"The column names are in row {found + 1} of the file: pass read_options="
             f"{{'header': {found}}}." if found is not None else
             "If the names are in the next row, pass read_options={'header': 1}"
             + ("; otherwise look for unquoted separators inside text fields." if implicit
                else "."))
    raise DataFileError(
        f"{p.name} has a title row or a merged header: {why}{lost}. {where} For a two-row "
        "header (group names above the column names) pass read_options={'header': [0, 1]}: "
        "columns are then named by their lower row.")


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_sheet(p: Path, sheet: Any) -> None:
    """Refuse an Excel sheet name or position the workbook does not have, listing its sheets."""
    if sheet is None or isinstance(sheet, list):
        return
    try:
        with pd.ExcelFile(p) as book:
            names = [str(n) for n in book.sheet_names]
    except Exception:  # unreadable workbook: read_excel reports it
        return
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if -len(names) <= sheet < len(names):
            return
    elif str(sheet) in names:
        return
    close = [n for n in names if n.strip().lower() == str(sheet).strip().lower()]
    raise DataFileError(
        f"{p.name} has no sheet {sheet!r}"
        + (f" (did you mean {close[0]!r}?)" if close else "")
        + f"; its sheets are {', '.join(repr(n) for n in names)}. Pass sheet=<name or "
        "position> (--sheet on the command line); positions count from 0.")


def _text_ids(opts: dict[str, Any], id: str | None, suffix: str) -> dict[str, Any]:
    """Read the id column as text (``00001`` stays ``00001``), unless ``dtype`` is given."""
    if id is None or "dtype" in opts or suffix == ".parquet":
        return opts
    return opts | {"dtype": {id: str}}


def _canonical_ids(df: pd.DataFrame, id: str | None) -> pd.DataFrame:
    """Ids read as text that are all plain integers (``17``, not ``017``) become integers."""
    if id is None or id not in df.columns or not pd.api.types.is_object_dtype(df[id].dtype):
        return df
    col = df[id]
    text = col.dropna()
    if text.empty or not all(isinstance(v, str) and _CANONICAL_INT.fullmatch(v) for v in text):
        return df
    if col.isna().any():
        return df
    out = df.copy()
    out[id] = col.astype(np.int64)
    return out


def _duplicate_names(p: Path, df: pd.DataFrame, suffix: str, sheet: Any,
                     kwargs: Mapping[str, Any]) -> None:
    """Refuse a file whose header repeats a column name (pandas renames the copy ``x.1``)."""
    columns = [str(c) for c in df.columns]
    suspects = [c for c in columns if (m := _MANGLED.fullmatch(c)) and m.group(1) in columns]
    header = kwargs.get("header", 0)
    if not suspects or not isinstance(header, int) or isinstance(header, bool) or "names" in kwargs:
        return
    raw_opts = {k: v for k, v in kwargs.items()
                if k not in ("header", "names", "index_col", "usecols", "dtype", "nrows",
                             "skipfooter", "converters")}
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(p, sheet_name=sheet, header=None, nrows=header + 1, dtype=str,
                                **raw_opts)
        else:
            raw = pd.read_csv(p, header=None, nrows=header + 1, dtype=str, **raw_opts)
    except Exception:  # the header could not be re-read: nothing more to say
        return
    names = [str(v).strip() for v in raw.iloc[header].tolist() if not _is_na(v)]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataFileError(
            f"{p.name} has repeated column names: {', '.join(repr(d) for d in dup[:5])} "
            "appear(s) more than once in its header (pandas would silently rename the copies "
            f"{', '.join(repr(d + '.1') for d in dup[:2])}). Rename them in the file so that "
            "each column has its own name.")


def _r_row_names(df: pd.DataFrame, opts: Mapping[str, Any]) -> pd.DataFrame:
    """A table written by R's ``write.csv``: the unnamed first column holds row names.

    The header of such a file starts with ``""``; pandas calls that column
    ``Unnamed: 0``.  When it is the only unnamed column and its values are
    unique and present, it becomes the row labels (used to name rows when no
    id column is given) and is not a data column (never a marker).
    """
    if "index_col" in opts or opts.get("header", 0) != 0 or df.shape[1] < 2:
        return df
    columns = [str(c) for c in df.columns]
    if columns[0] != "Unnamed: 0" or any(_UNNAMED.fullmatch(c) for c in columns[1:]):
        return df
    first = df.iloc[:, 0]
    if first.isna().any() or first.duplicated().any():
        return df
    out = df.iloc[:, 1:].copy()
    out.index = pd.Index(first.to_numpy(), name=None)
    return out


def _read_frame(p: Path, suffix: str, sheet: str | int, opts: dict[str, Any]) -> Any:
    if suffix in (".csv", ".txt", ".tsv"):
        sep_given = "sep" in opts or "delimiter" in opts
        if suffix != ".tsv" and not sep_given:
            _sniff_text(p, opts)
        kwargs = ({"sep": "\t"} if suffix == ".tsv" and not sep_given else {}) | opts
        try:
            return pd.read_csv(p, **kwargs)
        except UnicodeDecodeError as exc:
            raise _encoding_error(p, exc, str(opts.get("encoding") or "utf-8")) from exc
    if suffix in (".xlsx", ".xlsm", ".xls"):
        _check_sheet(p, sheet)
        return pd.read_excel(p, sheet_name=sheet, **opts)
    if suffix == ".parquet":
        return pd.read_parquet(p, **opts)
    raise DataFileError(
        f"Unknown file type {suffix!r} for {p.name}: use .csv, .tsv, .xlsx or .parquet, "
        "or read it with pandas and pass the DataFrame to mp.Cohort(...)."
    )


def read_table(
    path: str | Path,
    *,
    sheet: str | int = 0,
    read_options: Mapping[str, Any] | None = None,
    id: str | None = None,
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame, refusing dialect mistakes.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt`` (comma), ``.tsv`` (tab), ``.xlsx``/``.xlsm``/``.xls`` or ``.parquet``.
    sheet : str or int, default 0
        Excel sheet name or position.
    read_options : mapping, optional
        Extra keyword arguments passed to the pandas reader (e.g. ``{"sep": ";",
        "decimal": ","}``, ``{"encoding": "latin-1"}``, ``{"header": 1}``).
    id : str, optional
        Id column, used to name rows in error messages.
    columns : sequence of str, optional
        Columns the caller needs: when one is missing and some columns are
        unnamed (a title row or merged header), the error says which row holds
        the names.

    Returns
    -------
    pandas.DataFrame
        The ``id`` column is read as text, so ``00001`` stays ``00001`` (ids that
        are all plain integers, ``17`` but not ``017``, become integers).  A file
        written by R's ``write.csv`` (an empty first header cell over the row
        names) has those row names as its index, not as a column.  A two-row
        header (``read_options={"header": [0, 1]}``) is flattened: each column
        is named by its lower row (joined with the upper row when lower names
        repeat).

    Raises
    ------
    DataFileError
        No file; unknown suffix; unreadable or corrupted file; a ``.csv``
        separated by semicolons, tabs or pipes (without ``sep``); a UTF-16 or
        non-UTF-8 file (without ``encoding``); a title line or merged header
        (rows with more fields than the header, or unnamed columns where a
        needed column was expected); text columns holding numbers with a
        decimal comma; a header that repeats a column name; an Excel sheet the
        workbook does not have (the message lists its sheets).  Each message
        names the ``read_options`` to use.

    Notes
    -----
    Nothing is guessed: re-reading with a guessed separator, decimal mark or
    encoding could silently turn ``12,5`` into 125 or ``é`` into ``Ã©``, so the
    reader stops and says which option reads the file as intended.
    """
    try:
        p = Path(os.fspath(path))
        is_file = p.is_file()
    except (TypeError, ValueError, OSError) as exc:
        raise DataFileError(f"Not a usable file path: {path!r} ({exc}).") from exc
    if not is_file:
        raise DataFileError(f"No file at {str(p)!r}. Check the path (relative to {Path.cwd()}).")
    opts = _read_options(read_options)
    suffix = p.suffix.lower()
    excel = suffix in (".xlsx", ".xlsm", ".xls")
    opts = _text_ids(opts, id, suffix)
    try:
        df = _read_frame(p, suffix, sheet, opts)
    except DataFileError:
        raise
    except Exception as exc:  # pandas/pyarrow/openpyxl raise many types for unreadable files
        raise DataFileError(
            f"Could not read {p.name} as {suffix or 'a table'}: {' '.join(str(exc).split())}."
            f"{_parse_hint(exc)} Check "
            "the file is not corrupted or open elsewhere; for odd CSVs pass "
            "read_options={'sep': ';'} etc."
        ) from exc
    if not isinstance(df, pd.DataFrame):  # e.g. sheet_name=None gives a dict of sheets
        raise DataFileError(f"Reading {p.name} gave a {type(df).__name__}, not one table: "
                            "name one sheet (sheet='Sheet1').")
    df = _flatten_header(df)
    _check_single_column(df, p)
    if suffix != ".parquet":
        _duplicate_names(p, df, suffix, sheet,
                         ({"sep": "\t"} if suffix == ".tsv" else {}) | opts)
    _check_header(df, p, [*columns, id], opts)
    if suffix != ".parquet":
        df = _r_row_names(df, opts)
    df = _canonical_ids(df, id)
    _check_decimal_comma(df, p, id, opts, excel)
    return df
