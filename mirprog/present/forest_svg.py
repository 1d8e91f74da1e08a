"""A forest plot as a light SVG for the web app's live view (no matplotlib).

:func:`forest_svg` draws what :func:`mirprog.plots.forest_plot` draws — one row per term
with n, events, the HR with its CI on a log axis and the "HR (CI)" and p texts, univariate
circles beside multivariate squares for a Table 3, notes ("not estimable", "removed",
"ND"), arrows where a limit is infinite or off the axis — from the same rows
(:mod:`mirprog.present.forest_parts`), as SVG text in milliseconds, where the matplotlib
figure takes a few hundred.  Publication figures stay :func:`forest_plot`'s.  Every text
taken from the data is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import pandas as pd

from mirprog.present.forest_parts import NE, ci_text, finite_pos, forest_rows, hr_ticks, log_limits
from mirprog.present.km_parts import OKABE_ITO
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.factor_table import FactorTableResult
from mirprog.stats.univariate import UnivariateResult

__all__ = ["forest_svg"]

_ROW, _CHAR, _PAD, _PLOT_W, _FONT = 22, 7.0, 14, 280, 12


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(x: float, y: float, text: str, *, anchor: str = "start", colour: str = "#222",
          bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}"{weight}>'
            f'{_e(text)}</text>')


def _columns(x: float, top: float, columns: list[tuple[str, list[str], str, str]]
             ) -> tuple[list[str], float]:
    """(header, cells, align, colour) columns side by side from x; returns the end x."""
    out = []
    for header, cells, align, colour in columns:
        width = _CHAR * max(len(header), *(len(c) for c in cells)) + _PAD
        xpos, anchor = (x, "start") if align == "left" else (x + width - _PAD, "end")
        out.append(_text(xpos, top, header, anchor=anchor, colour=colour, bold=True))
        out += [_text(xpos, top + (i + 1) * _ROW, cell, anchor=anchor, colour=colour)
                for i, cell in enumerate(cells)]
        x += width
    return out, x


def _arrow(x_from: float, x_to: float, y: float, colour: str, dashed: bool = False) -> str:
    """A line from x_from to x_to with a filled head at x_to."""
    d = 1.0 if x_to >= x_from else -1.0
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (f'<path d="M{x_from:.1f},{y:.1f}H{x_to - 6 * d:.1f}" stroke="{colour}" '
            f'stroke-width="1.3"{dash}/><path d="M{x_to:.1f},{y:.1f}l{-7 * d:.1f},-4v8z" '
            f'fill="{colour}"/>')


def _estimate(r: pd.Series, pre: str, y: float, colour: str, square: bool,
              sx: Callable[[float], float], edges: tuple[float, float]) -> list[str]:
    """One row's estimate of one series (as forest_plot's _draw_estimate)."""
    hr, lo, hi, note = r[f"{pre}hr"], r[f"{pre}lo"], r[f"{pre}hi"], r[f"{pre}note"]
    if note or not finite_pos(hr):
        if note == NE and finite_pos(hr):      # the estimate drifts to 0 or infinity
            return [_arrow(sx(1.0), edges[1] if hr > 1 else edges[0], y, colour, dashed=True)]
        return []
    out, clipped, x = [], False, sx(hr)
    for limit, edge in ((hi, edges[1]), (lo, edges[0])):
        xl = sx(limit) if finite_pos(limit) else math.nan
        if math.isfinite(xl) and edges[0] - 1e-6 <= xl <= edges[1] + 1e-6:
            out.append(f'<path d="M{x:.1f},{y:.1f}H{xl:.1f}" stroke="{colour}" '
                       'stroke-width="1.3"/>')
        else:                                  # infinite, zero or beyond the axis
            clipped = True
            out.append(_arrow(x, edge, y, colour))
    fill = "white" if clipped else colour
    if square:
        out.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{fill}" '
                   f'stroke="{colour}" stroke-width="1.3"/>')
    else:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.2" fill="{fill}" '
                   f'stroke="{colour}" stroke-width="1.3"/>')
    return out


def forest_svg(result: CoxResult | UnivariateResult | FactorTableResult, *,
               title: str | None = None) -> str:
    """The forest plot of :func:`mirprog.plots.forest_plot` as SVG text.

    Parameters
    ----------
    result : CoxResult, UnivariateResult or FactorTableResult
        As in :func:`~mirprog.plots.forest_plot`.
    title : str, optional

    Returns
    -------
    str
        A standalone ``<svg>`` document; its width follows the text columns.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.present.forest_svg import forest_svg
    >>> svg = forest_svg(mp.cox(mp.datasets.load_gbsg2(), ["horTh", "tgrade", "pnodes"]))
    >>> svg.startswith("<svg") and "tgrade[II]" in svg and "HR (95% CI)" in svg
    True
    """
    rows, prefixes = forest_rows(result)
    m = len(rows)
    series = ([("HR (95% CI)", OKABE_ITO[-1], False)] if len(prefixes) == 1 else
              [("Univariate HR (95% CI)", OKABE_ITO[0], False),
               ("Multivariate HR (95% CI)", OKABE_ITO[1], True)])
    top = 24.0 + (24.0 if title else 0.0) + (18.0 if len(prefixes) > 1 else 0.0)
    body: list[str] = []
    if title:
        body.append(f'<text x="8" y="22" font-size="14" font-weight="bold">{_e(title)}</text>')
    left, x0 = _columns(8.0, top, [
        ("Factor", [str(v) for v in rows["label"]], "left", "#222"),
        ("n", [f"{int(v)}" for v in rows["n"]], "right", "#222"),
        ("Events", [f"{int(v)}" for v in rows["events"]], "right", "#222")])
    x1 = x0 + _PLOT_W
    right_cols = []
    for pre, (head, colour, _square) in zip(prefixes, series, strict=True):
        texts = [ci_text(r, pre) for _, r in rows.iterrows()]
        right_cols += [(head, [t[0] for t in texts], "left", colour),
                       ("p", [t[1] for t in texts], "right", colour)]
    right, width = _columns(x1 + _PAD, top, right_cols)
    body += left + right
    xlim = log_limits(rows, prefixes)
    span = math.log(xlim[1]) - math.log(xlim[0])

    def sx(v: float) -> float:
        return x0 + (math.log(v) - math.log(xlim[0])) / span * _PLOT_W

    y_first, y_last = top + _ROW, top + m * _ROW
    axis_y = y_last + _ROW * 0.8
    body.append(f'<path d="M{sx(1.0):.1f},{top + 6:.1f}V{axis_y:.1f}" stroke="#737373" '
                'stroke-width="0.8" stroke-dasharray="4 3"/>')
    offsets = [0.0] if len(prefixes) == 1 else [-3.7, 3.7]
    for pre, (_head, colour, square), dy in zip(prefixes, series, offsets, strict=True):
        for i, (_, r) in enumerate(rows.iterrows()):
            body += _estimate(r, pre, y_first + i * _ROW - 4 + dy, colour, square, sx,
                              (x0, x1))
    body.append(f'<path d="M{x0:.1f},{axis_y:.1f}H{x1:.1f}" stroke="#222"/>')
    for t in hr_ticks(xlim):
        xt = sx(float(t))
        body.append(f'<path d="M{xt:.1f},{axis_y:.1f}v4" stroke="#222"/>')
        body.append(_text(xt, axis_y + 17, f"{float(t):g}", anchor="middle"))
    body.append(_text((x0 + x1) / 2, axis_y + 35, "Hazard ratio (95% CI, log scale)",
                      anchor="middle"))
    if len(prefixes) > 1:
        ly = top - 22
        mid = (x0 + x1) / 2
        body.append(f'<circle cx="{mid - 88:.1f}" cy="{ly - 4:.1f}" r="4.2" '
                    f'fill="{series[0][1]}"/>')
        body.append(_text(mid - 80, ly, "Univariate"))
        body.append(f'<rect x="{mid + 8:.1f}" y="{ly - 8:.1f}" width="8" height="8" '
                    f'fill="{series[1][1]}"/>')
        body.append(_text(mid + 20, ly, "Multivariate"))
    height = axis_y + 48
    width = max(width + 8, x1 + 16)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" '
            f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{_FONT}">'
            '<rect width="100%" height="100%" fill="white"/>' + "".join(body) + "</svg>")

