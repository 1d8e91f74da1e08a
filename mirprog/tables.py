"""Presentation of results: rounding and p-value formatting live here, never in the core."""

from __future__ import annotations

import math

import pandas as pd

from mirprog.output import escape_latex, escape_markdown
from mirprog.survival.univariate import UnivariateResult

__all__ = ["TableRenderMixin", "format_ci", "format_p", "render_html", "render_latex",
           "render_markdown", "univariate_table"]


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
    return f"{_fmt(hr, digits)} ({_fmt(lower, digits)}–{_fmt(upper, digits)})"


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
        html = html.replace(">\n  <thead>", f">\n  <caption>{_escape_html(caption)}</caption>"
                            "\n  <thead>", 1)
    return str(html)


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


class TableRenderMixin:
    """Markdown / HTML / LaTeX output for a result that has ``formatted()``."""

    def formatted(self, digits: int = 2) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_markdown(self, digits: int = 2) -> str:
        """The formatted table as Markdown."""
        return render_markdown(self.formatted(digits))

    def to_html(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as an HTML ``<table>``."""
        return render_html(self.formatted(digits), caption)

    def to_latex(self, digits: int = 2, caption: str | None = None) -> str:
        """The formatted table as a LaTeX tabular."""
        return render_latex(self.formatted(digits), caption)


def _fmt(v: float, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    if math.isinf(v):
        return "inf"
    return f"{v:.{digits}f}"


def univariate_table(result: UnivariateResult, digits: int = 2) -> pd.DataFrame:
    """Paper-style univariate table (strings): n, events, log-rank chi2 and p, HR (95% CI), p.

    Terms with a monotone likelihood show ``"not estimable"`` instead of a
    meaningless HR.
    """
    rows = []
    for term, r in result.table.iterrows():
        if r["monotone"]:
            hr = "not estimable (no events in a group)"
        else:
            hr = format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits)
        rows.append({
            "term": term, "n": int(r["n"]), "events": int(r["events"]),
            "log-rank chi2": _fmt(r["logrank_chi2"], digits),
            "log-rank p": format_p(r["logrank_p"]),
            "HR (95% CI)": hr, "Cox p": "NA" if r["monotone"] else format_p(r["p"]),
        })
    return pd.DataFrame(rows).set_index("term")
