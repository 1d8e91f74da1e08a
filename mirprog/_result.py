"""The one result protocol every mirprog result follows (bottom layer: no presentation).

Every result is a frozen dataclass subclassing :class:`Result`, with the same names
for the same things:

* the main frame: ``.summary`` for a coefficient table (Cox models), ``.table`` for
  every other one; ``to_frame()`` returns it;
* p-values ``p`` (prefixed only where a result has several: ``lr_p``, ``wald_p``);
  standard errors ``se``;
* ``.excluded``: the rows left out and why, on every result that can drop rows;
* ``_repr_html_`` (notebooks) and ``to_markdown()``, ``to_html()``, ``to_latex()``,
  rendered from ``formatted()`` by the safe writers of :mod:`mirprog.output`: a
  result never imports the presentation layer.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mirprog.output import (
    format_number,
    format_p,
    render_html,
    render_latex,
    render_markdown,
    write_xlsx,
)

__all__ = ["FrameReprMixin", "Result", "TableRenderMixin", "format_frame"]


def _is_p_column(name: object) -> bool:
    n = str(name).lower()
    return n in ("p", "q", "p_adj") or n.endswith(("_p", "_q")) or n.startswith(("p_", "q_"))


def _cell(value: Any, digits: int, p_column: bool) -> str:
    if isinstance(value, bool | np.bool_) or value is None:
        return "NA" if value is None else str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "NA"
        if p_column:
            return format_p(v, max(3, digits + 1))
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else format_number(v, digits)
    return "NA" if value is pd.NA or value is pd.NaT else str(value)


def format_frame(frame: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """A frame of strings for the renderers: index as columns, numbers rounded, p as p.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"hr": [0.5234, 2.0], "p": [0.00012, 0.2]},
    ...                  index=pd.Index(["a", "b"], name="term"))
    >>> format_frame(f).to_dict("list")
    {'term': ['a', 'b'], 'hr': ['0.52', '2'], 'p': ['<0.001', '0.200']}
    """
    out = frame
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        out = frame.reset_index()
    cols = {}
    for c in out.columns:
        p_col = _is_p_column(c)
        cols[str(c)] = [_cell(v, digits, p_col) for v in out[c].tolist()]
    return pd.DataFrame(cols, columns=[str(c) for c in out.columns])


class Result:
    """Base of every result: its main frame, notebook display and table exports.

    Subclasses are frozen dataclasses.  ``_main`` names the main frame attribute
    (``"table"``, or ``"summary"`` for coefficient tables); ``formatted()`` may be
    overridden by a result with a publication layout (Table 3, Table 4).
    """

    _main: ClassVar[str] = "table"

    def to_frame(self) -> pd.DataFrame:
        """The main frame (``.table``, or ``.summary`` for a coefficient table)."""
        frame: pd.DataFrame = getattr(self, self._main)
        return frame

    def _repr_html_(self) -> str:
        html = self.to_frame().to_html(escape=True)  # ids and levels are data
        return str(html)

    def formatted(self, digits: int = 2) -> pd.DataFrame:
        """The main frame as strings: numbers to ``digits`` places, p-values as ``<0.001``."""
        return format_frame(self.to_frame(), digits)

    def to_markdown(self, digits: int = 2) -> str:
        """The formatted table as Markdown."""
        return render_markdown(self.formatted(digits))

    def to_html(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as an HTML ``<table>``."""
        return render_html(self.formatted(digits), caption)

    def to_xlsx(self, path: str | Path, sheet: str | None = None) -> Path:
        """The main frame, unrounded, as an Excel workbook (safe cells: :func:`write_xlsx`)."""
        return write_xlsx({sheet or type(self).__name__.removesuffix("Result") or "table":
                           self.to_frame()}, path)

    def to_latex(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as a LaTeX tabular."""
        return render_latex(self.formatted(digits), caption)


# the 0.1 names of the two halves of the protocol, one class now
FrameReprMixin = Result
TableRenderMixin = Result
