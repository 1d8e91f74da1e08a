"""The screen's volcano as a light SVG for the web app's live view (no matplotlib).

:func:`volcano_svg` draws what :func:`mirprog.present.volcano.volcano_plot` draws — log2 HR
against -log10 log-rank p, FDR hits in colour and the top ones named, the chosen marker
ringed — as SVG text in milliseconds, where matplotlib takes ~0.3 s to import and ~60 ms
to draw 2,000 points.  Each point carries its marker's name as a tooltip.  Publication
figures stay :func:`volcano_plot`'s.  Every text taken from the data is escaped.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np

from mirprog.present.volcano import volcano_coordinates, volcano_labelled
from mirprog.stats.screen.markers import ScreenResult

__all__ = ["nice_ticks", "volcano_svg"]

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 750, 466, 64, 20, 56, 52
_GREY, _HIT, _RING = "#999999", "#D55E00", "#0072B2"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 6) -> np.ndarray:
    """About ``n`` round tick values (steps of 1, 2, 2.5 or 5 x 10^k) covering [lo, hi].

    Examples
    --------
    >>> nice_ticks(-1.3, 2.1).tolist()
    [-1.0, 0.0, 1.0, 2.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.array([lo]) if math.isfinite(lo) else np.array([0.0])
    raw = (hi - lo) / max(1, n - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return np.round(ticks / step) * step + 0.0   # no -0.0, no 0.30000000000000004


def _range(v: np.ndarray, *, from_zero: bool = False) -> tuple[float, float]:
    if v.size == 0:
        return (0.0, 1.0)
    lo, hi = (0.0 if from_zero else float(v.min())), float(v.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)      # above: room for a top hit's name and ring
    return (lo if from_zero else lo - pad), hi + (2.0 if from_zero else 1.0) * pad


def volcano_svg(result: ScreenResult, *, fdr: float = 0.05, highlight: str | None = None,
                label_top: int = 10, click_input: str | None = None) -> str:
    """The volcano of :func:`~mirprog.present.volcano.volcano_plot` as SVG text.

    Parameters
    ----------
    result : ScreenResult
    fdr, highlight, label_top
        As in :func:`~mirprog.present.volcano.volcano_plot`.
    click_input : str, optional
        In a Shiny page: a click on the plot sets this input to ``{"x": log2 HR, "y":
        -log10 p}`` at the click, in data coordinates (what ``plot_click`` reports for a
        matplotlib plot), so the server can open the nearest marker.

    Returns
    -------
    str
        A standalone ``<svg>`` document, 750 x 466 units.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.present.volcano_svg import volcano_svg
    >>> res = mp.screen(mp.datasets.load_gbsg2(), ["progrec", "estrec", "age", "tsize"])
    >>> svg = volcano_svg(res, highlight="age")
    >>> svg.count("<title>"), svg.count('class="highlight"')  # a point per marker, one ringed
    (4, 1)
    """
    t = result.table
    x, y = volcano_coordinates(result)
    q = t["q_logrank"].to_numpy(dtype=float)
    hit = q < fdr
    ok = np.isfinite(x) & np.isfinite(y)
    x0, x1 = _range(x[ok])
    y0, y1 = _range(y[ok], from_zero=True)
    pw, ph = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    xs, ys = (x1 - x0) / pw, (y1 - y0) / ph          # data units per SVG unit

    def sx(v: np.ndarray | float) -> np.ndarray:
        return _LEFT + (np.asarray(v, float) - x0) / xs

    def sy(v: np.ndarray | float) -> np.ndarray:
        return _TOP + ph - (np.asarray(v, float) - y0) / ys

    names = t["marker"].astype(str).to_numpy()
    body = [f'<text x="{_LEFT}" y="22" font-size="14">'
            f'{len(t)} markers, {int(hit.sum())} with FDR q &lt; {fdr:g}</text>']
    body += _axes(x0, x1, y0, y1, sx, sy)
    px, py = sx(np.where(ok, x, x0)), sy(np.where(ok, y, y0))
    for group, r, colour in ((~hit, 2.2, _GREY), (hit, 2.6, _HIT)):
        body.append(f'<g fill="{colour}">')
        body += [f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="{r}">'
                 f'<title>{_e(names[i])}</title></circle>'
                 for i in np.flatnonzero(group & ok)]
        body.append("</g>")
    finite = x[np.isfinite(x)]
    middle = float(finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i in volcano_labelled(result, fdr, label_top):
        right = bool(x[i] > middle)  # names of the right half go left of their point
        body.append(f'<text x="{px[i] + (-4 if right else 4):.1f}" y="{py[i] - 3:.1f}" '
                    f'font-size="9" text-anchor="{"end" if right else "start"}">'
                    f'{_e(names[i])}</text>')
    if highlight is not None:
        at = np.flatnonzero((names == highlight) & ok)
        if at.size:
            i = int(at[0])
            body.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="6" fill="none" '
                        f'stroke="{_RING}" stroke-width="2" class="highlight"/>')
    body += _legend(fdr)
    click = ""
    if click_input is not None:
        # the click's position in SVG units (the picture may be scaled), then in data units
        js = ("const r=this.getBoundingClientRect(),b=this.viewBox.baseVal,d=this.dataset,"
              "u=(event.clientX-r.left)*b.width/r.width,"
              "v=(event.clientY-r.top)*b.height/r.height;"
              f"Shiny.setInputValue({json.dumps(click_input)},"
              "{x:+d.x0+(u-+d.u0)*+d.xs,y:+d.y0+(+d.v0-v)*+d.ys},{priority:'event'})")
        click = (f' data-x0="{x0!r}" data-u0="{_LEFT}" data-xs="{xs!r}" data-y0="{y0!r}" '
                 f'data-v0="{_TOP + ph}" data-ys="{ys!r}" style="cursor: crosshair" '
                 f'onclick="{_e(js)}"')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" '
            f'height="{_H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12"'
            f'{click}><rect width="100%" height="100%" fill="white"/>' + "".join(body)
            + "</svg>")


def _axes(x0: float, x1: float, y0: float, y1: float, sx: object, sy: object) -> list[str]:
    bottom, right = _H - _BOTTOM, _W - _RIGHT
    out = [f'<rect x="{_LEFT}" y="{_TOP}" width="{right - _LEFT}" height="{bottom - _TOP}" '
           'fill="none" stroke="#222"/>']
    if x0 < 0 < x1:
        xz = float(sx(0.0))  # type: ignore[operator]
        out.append(f'<path d="M{xz:.1f},{_TOP}V{bottom}" stroke="#cccccc" stroke-width="0.8"/>')
    for v in nice_ticks(x0, x1):
        if x0 <= v <= x1:
            xv = float(sx(v))  # type: ignore[operator]
            out.append(f'<path d="M{xv:.1f},{bottom}v4" stroke="#222"/>')
            out.append(f'<text x="{xv:.1f}" y="{bottom + 17}" text-anchor="middle">{v:g}</text>')
    for v in nice_ticks(y0, y1):
        if y0 <= v <= y1:
            yv = float(sy(v))  # type: ignore[operator]
            out.append(f'<path d="M{_LEFT - 4},{yv:.1f}h4" stroke="#222"/>')
            out.append(f'<text x="{_LEFT - 7}" y="{yv + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(f'<text x="{(_LEFT + right) / 2:.1f}" y="{bottom + 38}" text-anchor="middle">'
               "log2 HR (high vs low, median split)</text>")
    ymid = (_TOP + bottom) / 2
    out.append(f'<text x="18" y="{ymid:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 18 {ymid:.1f})">-log10 log-rank p</text>')
    return out


def _legend(fdr: float) -> list[str]:
    """A row above the plot's top right corner: it never hides a point (the top hits are
    where matplotlib's "best" corner would often be)."""
    x, y = _W - _RIGHT - 210, _TOP - 10
    return [f'<circle cx="{x + 6}" cy="{y - 4}" r="2.2" fill="{_GREY}"/>',
            f'<text x="{x + 14}" y="{y}" font-size="11">q ≥ {fdr:g}</text>',
            f'<circle cx="{x + 96}" cy="{y - 4}" r="2.6" fill="{_HIT}"/>',
            f'<text x="{x + 104}" y="{y}" font-size="11">q &lt; {fdr:g} (BH)</text>']
