"""The web app's light forest picture (forest_svg) shows what forest_plot shows: the same
cells in the same columns, one estimate per drawable row and series, arrows for what cannot
be drawn, with every data text escaped."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import mirprog as mp
from mirprog import plots
from mirprog.present.forest_svg import forest_svg

NS = "{http://www.w3.org/2000/svg}"


def _cells(result: object) -> list[str]:
    """forest_plot's text columns, left then right, in its order."""
    fig = plots.forest_plot(result)  # type: ignore[arg-type]
    left, _, right = fig.axes
    texts = [t.get_text() for t in left.texts] + [t.get_text() for t in right.texts]
    plt.close(fig)
    return texts


def _svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_table3_cells_and_estimates_are_forest_plots(gbsg_split: mp.Cohort) -> None:
    t3 = mp.table3(gbsg_split, markers=["estrec"], clinical={
        "PgR high": "progrec_high", "Nodes >3": "pnodes_high", "Grade": "tgrade",
        "Menopause": "menostat"})
    svg = forest_svg(t3, title="T3")
    root = ET.fromstring(svg)
    texts = _svg_texts(svg)
    cells = _cells(t3)
    start = texts.index("Factor")
    assert texts[start:start + len(cells)] == cells
    f = t3.frame
    circles = [c for c in root.iter(f"{NS}circle") if c.get("r") == "4.2"
               and c.get("stroke") is not None]
    squares = [r for r in root.iter(f"{NS}rect") if r.get("width") == "8"
               and r.get("stroke") is not None]
    assert len(circles) == len(f)                       # every univariate row drawn
    assert len(squares) == int(f["selected"].sum())     # multivariate: the kept terms
    assert {"Univariate", "Multivariate", "T3"} <= set(texts)


def test_estimate_positions_follow_the_log_axis(gbsg: mp.Cohort) -> None:
    fit = mp.cox(gbsg, ["horTh", "pnodes"])
    root = ET.fromstring(forest_svg(fit))
    ticks = {float(t.text): float(t.get("x")) for t in root.iter(f"{NS}text")
             if t.get("text-anchor") == "middle" and (t.text or "").replace(".", "").isdigit()}
    (a, xa), (b, xb) = sorted(ticks.items())[0], sorted(ticks.items())[-1]
    per_log = (xb - xa) / (np.log(b) - np.log(a))
    dots = [float(c.get("cx")) for c in root.iter(f"{NS}circle")]
    expected = [xa + (np.log(h) - np.log(a)) * per_log for h in fit.summary["hr"]]
    np.testing.assert_allclose(dots, expected, atol=0.11)   # SVG numbers have 1 decimal


def test_not_estimable_and_infinite_limits_are_arrows() -> None:
    df = pd.DataFrame({"t": np.arange(1.0, 11.0), "e": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
                       "g": [1] * 5 + [0] * 5, "x": [0, 1] * 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        uni = mp.univariate(mp.Cohort(df, time="t", event="e"), ["g", "x"])
    svg = forest_svg(uni)
    texts = _svg_texts(svg)
    assert texts[texts.index("Factor"):][:len(_cells(uni))] == _cells(uni)
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{NS}circle"))) == 1     # only x has an estimate
    dashed = [p for p in root.iter(f"{NS}path") if p.get("stroke-dasharray") == "4 3"]
    assert len(dashed) == 2                              # HR = 1 line + g's drifting arrow


def test_infinite_upper_limit_gives_an_open_marker_and_text_is_escaped(gbsg: mp.Cohort) -> None:
    fit = mp.cox(gbsg.data.rename(columns={"horTh": "<i>&h"}).pipe(
        mp.Cohort, time=gbsg.time_col, event=gbsg.event_col), ["<i>&h"])
    object.__setattr__(fit, "summary", fit.summary.assign(ci_upper=np.inf))
    svg = forest_svg(fit, title="<b>")
    assert "<i>&h" not in svg
    assert "&lt;b&gt;" in svg
    (dot,) = ET.fromstring(svg).iter(f"{NS}circle")
    assert dot.get("fill") == "white"
