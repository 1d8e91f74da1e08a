"""The screen's volcano figure draws the screen's own numbers (it computes nothing)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

import mirprog as mp
from mirprog.present.volcano import volcano_coordinates, volcano_plot
from mirprog.present.volcano_svg import nice_ticks, volcano_svg

NS = "{http://www.w3.org/2000/svg}"


def test_volcano_draws_log2_hr_against_minus_log10_p(gbsg: mp.Cohort) -> None:
    res = mp.screen(gbsg, ["progrec", "estrec", "age", "tsize", "pnodes"], progress=False)
    x, y = volcano_coordinates(res)
    np.testing.assert_array_equal(x, np.log2(res.table["hr"].to_numpy(float)))
    np.testing.assert_array_equal(y, -np.log10(res.table["logrank_p"].to_numpy(float)))
    fig = volcano_plot(res, highlight="age")
    ax = fig.axes[0]
    drawn = np.vstack([c.get_offsets() for c in ax.collections[:2]])
    assert sorted(map(tuple, drawn.tolist())) == sorted(zip(x.tolist(), y.tolist(),
                                                            strict=True))
    hits = set(res.table.loc[res.table["q_logrank"] < 0.05, "marker"])
    assert {t.get_text() for t in ax.texts} == hits
    assert len(ax.collections) == 3  # the highlighted marker is ringed


def _svg_points(svg: str) -> tuple[list[tuple[float, float, str]], ET.Element]:
    root = ET.fromstring(svg)
    pts = [(float(c.get("cx")), float(c.get("cy")), c.find(f"{NS}title").text or "")
           for g in root.iter(f"{NS}g") for c in g.iter(f"{NS}circle")]
    return pts, root


def test_volcano_svg_places_every_point_where_the_click_mapping_reads_it(gbsg: mp.Cohort) -> None:
    res = mp.screen(gbsg, ["progrec", "estrec", "age", "tsize", "pnodes"], progress=False)
    x, y = volcano_coordinates(res)
    svg = volcano_svg(res, highlight="age", click_input="volcano_click")
    pts, root = _svg_points(svg)
    assert sorted(name for *_, name in pts) == sorted(res.table["marker"])
    # the data-* mapping the page's click handler uses takes each point back to its numbers
    d = {k[5:]: float(v) for k, v in root.attrib.items() if k.startswith("data-")}
    by_name = dict(zip(res.table["marker"], zip(x, y, strict=True), strict=True))
    for u, v, name in pts:
        np.testing.assert_allclose(d["x0"] + (u - d["u0"]) * d["xs"], by_name[name][0],
                                   atol=0.06 * d["xs"])
        np.testing.assert_allclose(d["y0"] + (d["v0"] - v) * d["ys"], by_name[name][1],
                                   atol=0.06 * d["ys"])
    hits = set(res.table.loc[res.table["q_logrank"] < 0.05, "marker"])
    named = {t.text for t in root.iter(f"{NS}text") if t.get("font-size") == "9"}
    assert named == hits
    assert len(root.findall(f".//{NS}circle[@class='highlight']")) == 1
    assert "Shiny.setInputValue(\"volcano_click\"" in root.get("onclick", "")


def test_volcano_svg_escapes_marker_names_and_skips_missing_points(gbsg: mp.Cohort) -> None:
    odd = gbsg.data.assign(**{"<b>&x": gbsg.data["age"], "flat": 1.0})
    cohort = mp.Cohort(odd, time=gbsg.time_col, event=gbsg.event_col)
    res = mp.screen(cohort, ["<b>&x", "flat", "progrec"], progress=False)
    svg = volcano_svg(res, highlight="nope")
    assert "<b>&x" not in svg
    assert "&lt;b&gt;&amp;x" in svg
    pts, root = _svg_points(svg)                 # well-formed; "flat" has no HR: not drawn
    assert sorted(name for *_, name in pts) == ["<b>&x", "progrec"]
    assert root.get("onclick") is None
    assert not root.findall(f".//{NS}circle[@class='highlight']")


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 7.3).tolist() == [0.0, 2.0, 4.0, 6.0]
    assert nice_ticks(-0.42, 0.37).tolist() == [-0.4, -0.2, 0.0, 0.2]
    assert nice_ticks(3.0, 3.0).tolist() == [3.0]
