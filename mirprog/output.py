"""Output that is safe to open: one CSV writer and one escaper per medium.

Every file, table and figure mirprog writes passes text that came from the data
(ids, marker names, levels, column names) through one of these functions, so a
hostile or merely odd cell cannot run a spreadsheet formula, break a Markdown or
LaTeX table, drive the terminal, or become a matplotlib mathtext expression.

* :func:`write_csv` -- the only CSV writer (OWASP CSV-injection rule).
* :func:`escape_markdown`, :func:`escape_latex` -- table cells and headers.
* :func:`escape_terminal` and :func:`terminal_print` -- ids and levels on a terminal.
* :func:`escape_mathtext` and :func:`new_figure` -- figure text; figures shown once.

HTML goes through pandas ``to_html(escape=True)`` and :func:`html.escape`.
"""

from __future__ import annotations

import builtins
import math
import numbers
import re
from collections.abc import Mapping
from html import escape as html_escape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pandas load on first use: mirprog.errors imports this module
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["FORMULA_PREFIX", "FORMULA_STARTS", "escape_latex", "escape_markdown",
           "escape_mathtext", "escape_terminal", "format_ci", "format_number", "format_p",
           "neutralise_cell", "new_figure", "render_html", "render_latex", "render_markdown",
           "terminal_print", "write_csv", "write_xlsx"]

#: First characters that make a spreadsheet read a text cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Prefixed to such a cell: Excel, LibreOffice and Sheets then show it as text.
FORMULA_PREFIX = "'"


# ----------------------------------------------------------------------------- CSV

def neutralise_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: text starting with a formula character gets ``'``.

    Numbers (including negative ones), booleans, missing values and dates are
    returned unchanged, so they stay numbers when the file is read back; any
    other value is judged by the text the CSV will hold.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")"), neutralise_cell("-2+3")
    ('\\'=HYPERLINK("http://x")', "'-2+3")
    >>> neutralise_cell(-0.52), neutralise_cell("miR-21"), neutralise_cell("00001")
    (-0.52, 'miR-21', '00001')
    """
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, numbers.Number | np.generic | pd.Timestamp):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return FORMULA_PREFIX + text
    return value


def _neutralise_index(index: pd.Index) -> pd.Index:
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(
            [_neutralise_index(index.get_level_values(i)) for i in range(index.nlevels)],
            names=[neutralise_cell(n) for n in index.names])
    if index.dtype.kind in "biufcmM":  # numbers and dates: nothing to neutralise
        return index.set_names(neutralise_cell(index.name))
    return pd.Index([neutralise_cell(v) for v in index], dtype=object,
                    name=neutralise_cell(index.name), tupleize_cols=False)


def _neutralise_column(col: pd.Series) -> pd.Series:
    if col.dtype.kind in "biufcmM":
        return col
    return col.astype(object).map(neutralise_cell, na_action="ignore")


def write_csv(frame: pd.DataFrame, path: str | Path | IO[str], *, index: bool = True,
              **to_csv: Any) -> None:
    """Write ``frame`` as CSV with every text cell neutralised against formula injection.

    The OWASP rule: a text cell, id, index label or column header that starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a single
    quote ``'`` in front (``=SUM(A1)`` -> ``'=SUM(A1)``), so a spreadsheet shows it
    as text instead of running it.  Numbers are left alone (a coefficient of -0.52
    stays the number -0.52), and text is written exactly as held: an id read as
    ``"00001"`` stays ``00001``.  Lines end in CRLF (RFC 4180), so a cell holding a
    carriage return or newline is quoted and reads back as one cell; quotes and
    separators inside cells are quoted as usual.

    Parameters
    ----------
    frame : DataFrame
    path : str, Path or text file object
    index : bool, default True
        Write the row labels, as ``DataFrame.to_csv``.
    **to_csv
        Passed to ``DataFrame.to_csv`` (e.g. ``float_format``); keep the default
        ``lineterminator="\\r\\n"``, or carriage returns in cells go unquoted.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> buf = io.StringIO()
    >>> write_csv(pd.DataFrame({"id": ["=1+1", "00002"], "coef": [-0.5, 1.0]}), buf,
    ...           index=False)
    >>> print(buf.getvalue().strip())
    id,coef
    '=1+1,-0.5
    00002,1.0
    """
    safe = frame.copy(deep=False)
    safe.columns = _neutralise_index(frame.columns)
    for i in range(safe.shape[1]):
        safe.isetitem(i, _neutralise_column(frame.iloc[:, i]).array)
    if index:
        safe.index = _neutralise_index(frame.index)
    safe.to_csv(path, index=index, **{"lineterminator": "\r\n", **to_csv})


_SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: object, taken: set[str]) -> str:
    """A legal, unique worksheet name: no []:*?/\\, at most 31 characters."""
    base = (str(name).translate(_SHEET_BAD).strip("'") or "Sheet")[:31]
    out, k = base, 2
    while out.lower() in taken:
        suffix = f" ({k})"
        out, k = base[:31 - len(suffix)] + suffix, k + 1
    taken.add(out.lower())
    return out


def write_xlsx(sheets: Mapping[str, pd.DataFrame] | pd.DataFrame, path: str | Path, *,
               index: bool = True) -> Path:
    """Write one or more frames to an Excel workbook, one sheet each, safe to open.

    Numbers stay numbers at full precision; every text cell, header and row label is
    written as a string cell (never a formula) and, as :func:`write_csv`, text starting
    with a formula character gets a ``'`` in front.  Sheet names are made legal
    (``[]:*?/\\`` replaced, 31 characters) and unique.

    Parameters
    ----------
    sheets : DataFrame or mapping of name to DataFrame
    path : str or Path
        The ``.xlsx`` file.
    index : bool, default True
        Write the row labels as the first columns.

    Returns
    -------
    Path

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib, openpyxl
    >>> f = pd.DataFrame({"id": ["=1+1", "a"], "coef": [-0.5, 1.25]})
    >>> out = write_xlsx({"Cox": f}, pathlib.Path(tempfile.mkdtemp()) / "t.xlsx", index=False)
    >>> ws = openpyxl.load_workbook(out)["Cox"]
    >>> [[c.value for c in row] for row in ws.iter_rows()]
    [['id', 'coef'], ["'=1+1", -0.5], ['a', 1.25]]
    """
    import numpy as np
    import pandas as pd
    from openpyxl import Workbook

    frames = {"table": sheets} if isinstance(sheets, pd.DataFrame) else dict(sheets)
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, frame in frames.items():
        ws = wb.create_sheet(_sheet_name(name, taken))
        out = frame.reset_index() if index else frame
        for j, col in enumerate(out.columns, start=1):
            _put(ws.cell(row=1, column=j), col)
        for i, row in enumerate(out.itertuples(index=False), start=2):
            for j, v in enumerate(row, start=1):
                if isinstance(v, float | np.floating) and math.isnan(v):
                    continue                       # missing: an empty cell
                _put(ws.cell(row=i, column=j), v)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _put(cell: Any, value: Any) -> None:
    """A number as a number; anything else as a neutralised string cell (never a formula)."""
    import numpy as np

    if isinstance(value, bool | np.bool_):
        cell.value = bool(value)
    elif isinstance(value, int | np.integer):
        cell.value = int(value)
    elif isinstance(value, float | np.floating):
        if np.isfinite(value):
            cell.value = float(value)
        else:                                  # inf: Excel has no such number
            cell.value = str(float(value))
            cell.data_type = "s"
    elif value is None:
        return
    else:
        cell.value = str(neutralise_cell(str(value)))
        cell.data_type = "s"


# ----------------------------------------------------------------------------- terminal

# bidi embeddings, overrides and isolates, marks, and line/paragraph separators
_INVISIBLE = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\u2028\u2029")


def _visible(ch: str) -> str:
    if ch == "\n" or (ch.isprintable() and ch not in _INVISIBLE):
        return ch
    return repr(ch)[1:-1]


def escape_terminal(text: object, *, newlines: bool = True) -> str:
    """``text`` with control characters shown as escapes, safe to print on a terminal.

    ANSI escape sequences (``\\x1b[...``), carriage returns, NUL and the other C0/C1
    control characters, DEL, bidi overrides (U+202E) and other non-printable
    characters become their Python escape (``\\x1b``, ``\\r``, ``\\u202e``), so
    an id cannot recolour, overwrite or reorder what the terminal shows.  Newlines
    are kept unless ``newlines=False``; letters of every script are kept.

    Examples
    --------
    >>> escape_terminal("p1\\x1b[31m\\rp2\\u202e")
    'p1\\\\x1b[31m\\\\rp2\\\\u202e'
    >>> escape_terminal("miR-125b χ²"), escape_terminal("a\\nb", newlines=False)
    ('miR-125b χ²', 'a\\\\nb')
    """
    s = str(text)
    if s.isprintable() and not _INVISIBLE.intersection(s):
        return s
    out = "".join(_visible(ch) for ch in s)
    return out if newlines else out.replace("\n", "\\n")


def terminal_print(*values: object, sep: str = " ", end: str = "\n",
                   file: IO[str] | None = None, flush: bool = False) -> None:
    """:func:`print` whose text goes through :func:`escape_terminal` (newlines kept).

    The command line prints ids, marker names and levels through this function only.
    """
    text = sep.join(str(v) for v in values)
    builtins.print(escape_terminal(text), end=end, file=file, flush=flush)


# ----------------------------------------------------------------------------- Markdown, LaTeX

_MD_SPECIAL = re.compile(r"([\\`|*\[\]])")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;"}


def escape_markdown(text: object) -> str:
    """One Markdown table cell: nothing in it can end the cell, the row or the table.

    Backslashes, backticks, pipes, ``*`` and brackets are backslash-escaped, ``<``
    and ``>`` become ``&lt;`` and ``&gt;`` (no raw HTML), and newlines, carriage
    returns and other control characters are shown as ``\\n``, ``\\r``, ``\\x1b``.

    Examples
    --------
    >>> print(escape_markdown("a|b <script> `x`\\nnext"))
    a\\|b &lt;script&gt; \\`x\\`\\nnext
    """
    s = _MD_SPECIAL.sub(r"\\\1", str(text))
    s = "".join(_MD_ENTITY.get(ch, ch) for ch in s)
    return escape_terminal(s, newlines=False)


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}", "<": r"\textless{}", ">": r"\textgreater{}",
                  "–": "--", "χ": r"$\chi$", "²": r"$^2$", "≤": r"$\le$", "−": "-"}


def escape_latex(text: object) -> str:
    """One LaTeX table cell: ``\\ { } $ & # ^ _ % ~ < >`` escaped, newlines as spaces.

    Other control characters are shown as escapes (``\\x1b`` typesets as
    ``\\textbackslash{}x1b``), so a cell can neither run a command nor end a row.

    Examples
    --------
    >>> print(escape_latex("50% of a_b & {c}\\n\\\\input{x}"))
    50\\% of a\\_b \\& \\{c\\} \\textbackslash{}input\\{x\\}
    """
    s = escape_terminal(str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in s)


# ----------------------------------------------------------------------------- matplotlib

def escape_mathtext(text: object) -> str:
    """Figure text drawn literally: ``$`` becomes ``\\$``, so mathtext never parses it.

    matplotlib reads a string with an even number of unescaped ``$`` as mathtext
    (``mir$125b$`` would lose its dollars, ``$\\frac$`` would raise).  With each
    ``$`` escaped the text is plain and a backslash is drawn as it is (``a\\b``
    stays ``a\\b``; matplotlib's ``\\$`` -> ``$`` unescaping then restores the
    original exactly).  Control characters are shown as escapes.  Not for
    ``text.usetex``, which sends every string to LaTeX.

    Examples
    --------
    >>> print(escape_mathtext("mir$125b$ a\\\\b"))
    mir\\$125b\\$ a\\b
    """
    return escape_terminal(text, newlines=True).replace("$", r"\$")


def new_figure(**kwargs: Any) -> Figure:
    """A new matplotlib figure that pyplot does not keep (``plt.figure(**kwargs)``, closed).

    Jupyter then shows a plot once, as the value of the cell, instead of once as the
    value and again when the inline backend flushes pyplot's open figures; the
    figure still saves (``fig.savefig``) and displays like any returned value.
    Nothing accumulates in pyplot either (no "more than 20 figures" warning).
    To show it in a window from a script, pass ``ax=`` from ``plt.subplots()``
    to the plotting function and call ``plt.show()``.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(**kwargs)  # pyplot loads the backend (Jupyter's display hook) ...
    plt.close(fig)              # ... and forgets the figure, which stays usable
    return fig


def format_p(p: float, digits: int = 3) -> str:
    """Format a p-value for a table: ``"0.009"``, ``"<0.001"``, ``"NA"``.

    Examples
    --------
    >>> format_p(0.00912), format_p(2e-7), format_p(float("nan"))
    ('0.009', '<0.001', 'NA')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    floor = 10.0 ** -digits
    return f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"


def format_ci(hr: float, lower: float, upper: float, digits: int = 2) -> str:
    """``"6.90 (1.35–35.26)"``; NA parts print as ``NA`` and infinite limits as ``inf``.

    Examples
    --------
    >>> format_ci(6.9012, 1.3511, 35.262)
    '6.90 (1.35–35.26)'
    """
    lo, hi = format_number(lower, digits), format_number(upper, digits)
    return f"{format_number(hr, digits)} ({lo}–{hi})"


def render_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a DataFrame of strings (no extra dependency).

    Every header and cell goes through :func:`~mirprog.output.escape_markdown`: pipes,
    backticks, ``<``, ``>`` and newlines in the data cannot break or inject into the table.
    The index is not written.
    """
    cols = [escape_markdown(c) for c in frame.columns]
    cells = [[escape_markdown(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"
              for r in cells]
    return "\n".join(lines) + "\n"


def render_html(frame: pd.DataFrame, caption: str | None = None) -> str:
    """An HTML ``<table>`` of a DataFrame of strings; headers, cells and caption escaped."""
    html = frame.to_html(index=False, escape=True, border=0, classes="mirprog-table")
    if caption:
        shown = html_escape(caption, quote=False)  # &, < and > only, as before
        html = html.replace(">\n  <thead>", f">\n  <caption>{shown}</caption>\n  <thead>", 1)
    return str(html)


def render_latex(frame: pd.DataFrame, caption: str | None = None) -> str:
    """A LaTeX ``tabular`` (booktabs rules) of a DataFrame of strings, specials escaped.

    Headers, cells and the caption go through :func:`~mirprog.output.escape_latex`.
    """
    cols = "l" + "r" * (len(frame.columns) - 1)
    lines = [r"\begin{tabular}{" + cols + "}", r"\toprule",
             " & ".join(escape_latex(str(c)) for c in frame.columns) + r" \\", r"\midrule"]
    lines += [" & ".join(escape_latex(str(v)) for v in row) + r" \\"
              for row in frame.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if caption:
        lines = [r"\begin{table}", r"\caption{" + escape_latex(caption) + "}", *lines,
                 r"\end{table}"]
    return "\n".join(lines) + "\n"


def format_number(v: float, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    if math.isinf(v):
        return "inf"
    return f"{v:.{digits}f}"
