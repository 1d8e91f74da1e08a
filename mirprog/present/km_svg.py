"""Kaplan–Meier curves as a light SVG for the web app's live view (no matplotlib).

:func:`km_svg` draws what :func:`mirprog.plots.km_plot` draws — the same curves, censoring
ticks, confidence band, time ticks, number-at-risk table and test annotation, from the same
helpers (:mod:`mirprog.present.km_parts`) — as SVG text in a few milliseconds, where the
matplotlib figure takes a few hundred.  Publication figures stay :func:`km_plot`'s; this is
the picture a click answers with.  Every text taken from the data is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from mirprog.present.km_parts import group_label, km_annotation, km_colours, km_curve, time_ticks
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.km import KMResult
from mirprog.stats.logrank import LogRankResult

__all__ = ["km_svg"]

_W, _LEFT, _RIGHT, _PLOT_H, _LINE, _FONT = 720, 150, 24, 300, 17, 12


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(x: float, y: float, text: str, *, anchor: str = "start", colour: str = "#222",
          weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}" '
            f'font-weight="{weight}"{extra}>{_e(text)}</text>')


def _step(xs: np.ndarray, ys: np.ndarray) -> str:
    """An SVG path of a right-continuous step function through (xs, ys)."""
    parts = [f"M{xs[0]:.2f},{ys[0]:.2f}"]
    for x, y in zip(xs[1:], ys[1:], strict=True):
        parts.append(f"H{x:.2f}V{y:.2f}")
    return "".join(parts)


def _band(xs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    ok = np.isfinite(lo) & np.isfinite(hi)
    xs, lo, hi = xs[ok], lo[ok], hi[ok]
    if len(xs) < 2:
        return ""
    up = [f"{x:.2f},{y:.2f} {nx:.2f},{y:.2f}" for x, nx, y in zip(xs, np.r_[xs[1:], xs[-1]], hi,
                                                                   strict=True)]
    down = [f"{nx:.2f},{y:.2f} {x:.2f},{y:.2f}" for x, nx, y in
            zip(xs[::-1], np.r_[xs[1:], xs[-1]][::-1], lo[::-1], strict=True)]
    return " ".join(up + down)


def _legend(tests: Sequence[LogRankResult], cox: CoxResult | None, km: KMResult,
            names: list[str], colours: list[str], top: float) -> tuple[list[str], float]:
    out: list[str] = []
    y = top
    note = km_annotation(tests, cox)
    for line in (note.split("\n") if note else []):
        out.append(_text(_LEFT, y, line))
        y += _LINE
    for g, name, colour in zip(km.groups, names, colours, strict=True):
        n, events = (int(v) for v in km.median.loc[g, ["n", "events"]])
        out.append(f'<line x1="{_LEFT}" y1="{y - 4:.1f}" x2="{_LEFT + 22}" y2="{y - 4:.1f}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(_text(_LEFT + 28, y, f"{name} (n={n}, events={events})"))
        y += _LINE
    return out, y


def km_svg(km: KMResult, *, test: LogRankResult | Sequence[LogRankResult] | None = None,
           cox: CoxResult | None = None, conf_int: bool = False, time_unit: str | None = None,
           labels: Mapping[Hashable, str] | None = None, title: str | None = None) -> str:
    """The Kaplan–Meier picture of :func:`mirprog.plots.km_plot` as SVG text.

    Parameters
    ----------
    km, test, cox, conf_int, time_unit, labels, title
        As in :func:`mirprog.plots.km_plot` (survival scale, automatic time ticks, the
        number-at-risk table at the ticks, censoring ticks on the curves).

    Returns
    -------
    str
        A standalone ``<svg>`` document (UTF-8 text), ``720`` units wide.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.present.km_svg import km_svg
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> svg = km_svg(mp.km(gbsg, by="horTh"), test=mp.logrank(gbsg, by="horTh"),
    ...              time_unit="days")
    >>> svg.startswith("<svg") and "Log-rank p = 0.003" in svg
    True
    """
    groups = list(km.groups)
    names = [group_label(km, g, labels) for g in groups]
    colours = km_colours(len(groups))
    tests = [] if test is None else [test] if isinstance(test, LogRankResult) else list(test)
    curves = {g: km_curve(km, g, "survival") for g in groups}
    tmax = float(km.table["time"].max())
    ticks = time_ticks(tmax, None)
    xmax = max(tmax * 1.03, float(ticks[-1])) or 1.0
    body: list[str] = []
    y = 22.0
    if title:
        body.append(_text(8, y, title, weight="bold", extra=' font-size="14"'))
        y += _LINE + 6
    legend, y = _legend(tests, cox, km, names, colours, y)
    body += legend
    top = y + 4
    width = _W - _LEFT - _RIGHT

    def sx(t: np.ndarray | float) -> np.ndarray | float:
        return _LEFT + np.asarray(t, float) / xmax * width

    def sy(v: np.ndarray | float) -> np.ndarray | float:
        return top + (1.03 - np.asarray(v, float)) / 1.03 * _PLOT_H

    body += _axes(ticks, sx, sy, top, time_unit)
    for g, colour in zip(groups, colours, strict=True):
        c = curves[g]
        xs, ys = np.asarray(sx(c["time"].to_numpy(float))), np.asarray(sy(c["y"].to_numpy()))
        if conf_int:
            pts = _band(xs, np.asarray(sy(c["lo"].to_numpy(float))),
                        np.asarray(sy(c["hi"].to_numpy(float))))
            if pts:
                body.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="0.18" '
                            'stroke="none"/>')
        body.append(f'<path d="{_step(xs, ys)}" fill="none" stroke="{colour}" '
                    'stroke-width="1.8"/>')
        cens = c["censored"].to_numpy(bool)
        ticks_d = "".join(f"M{x:.2f},{yv - 4:.2f}v8" for x, yv in zip(xs[cens], ys[cens],
                                                                        strict=True))
        if ticks_d:
            body.append(f'<path d="{ticks_d}" stroke="{colour}" stroke-width="1.1" '
                        'class="censor"/>')
    bottom, risk = _risk_table(km, ticks, names, colours, sx, top + _PLOT_H + 48)
    body += risk
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {bottom:.0f}" '
            f'width="{_W}" height="{bottom:.0f}" font-family="DejaVu Sans, Arial, sans-serif" '
            f'font-size="{_FONT}"><rect width="100%" height="100%" fill="white"/>'
            + "".join(body) + "</svg>")


def _axes(ticks: np.ndarray, sx: object, sy: object, top: float,
          time_unit: str | None) -> list[str]:
    x0, y0 = float(sx(0.0)), top + _PLOT_H  # type: ignore[operator]
    x1 = _W - _RIGHT
    out = [f'<path d="M{x0:.1f},{top:.1f}V{y0:.1f}H{x1:.1f}" stroke="#222" fill="none"/>']
    for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        yv = float(sy(v))  # type: ignore[operator]
        out.append(f'<path d="M{x0 - 4:.1f},{yv:.1f}h4" stroke="#222"/>')
        out.append(_text(x0 - 7, yv + 4, f"{v:.1f}", anchor="end"))
    for t in ticks:
        xt = float(sx(float(t)))  # type: ignore[operator]
        out.append(f'<path d="M{xt:.1f},{y0:.1f}v4" stroke="#222"/>')
        out.append(_text(xt, y0 + 17, f"{float(t):g}", anchor="middle"))
    out.append(_text((x0 + x1) / 2, y0 + 35, f"Time ({time_unit})" if time_unit else "Time",
                     anchor="middle"))
    ymid = top + _PLOT_H / 2
    out.append(_text(x0 - 40, ymid, "Survival probability", anchor="middle",
                     extra=f' transform="rotate(-90 {x0 - 40:.1f} {ymid:.1f})"'))
    return out


def _risk_table(km: KMResult, ticks: np.ndarray, names: list[str], colours: list[str],
                sx: object, top: float) -> tuple[float, list[str]]:
    at = km.at(ticks.tolist())   # n_at_risk of the first time >= t, 0 after the last (km_plot's)
    out = [_text(_LEFT, top, "Number at risk", weight="bold")]
    y = top + _LINE + 2
    for g, name, colour in zip(km.groups, names, colours, strict=True):
        out.append(_text(_LEFT - 22, y, name, anchor="end", colour=colour))
        counts = at.loc[at["group"] == g, "n_at_risk"].to_numpy()
        for t, n in zip(ticks, counts, strict=True):
            out.append(_text(float(sx(float(t))), y, f"{int(n)}",  # type: ignore[operator]
                             anchor="middle", colour=colour))
        y += _LINE
    return y + 8, out
