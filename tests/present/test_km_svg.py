"""The web app's light KM picture (km_svg) shows what km_plot shows: the same ticks,
numbers at risk, annotation, curves and censoring marks, with every data text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import mirprog as mp
from mirprog.present.km_parts import km_annotation, km_curve, time_ticks
from mirprog.present.km_svg import km_svg

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def gbsg() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    return mp.Cutpoints.fit(g, "progrec", rule="tertiles").apply(g)


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_the_svg_holds_km_plots_numbers(gbsg: mp.Cohort) -> None:
    km = mp.km(gbsg, by="progrec_level")
    lr = mp.logrank(gbsg, by="progrec_level")
    fit = mp.cox(gbsg, ["progrec_level"], categorical=["progrec_level"])
    svg = km_svg(km, test=lr, cox=fit, conf_int=True, time_unit="days")
    root = ET.fromstring(svg)                      # well-formed XML
    texts = _texts(svg)
    for line in (km_annotation([lr], fit) or "").split("\n"):
        assert line in texts
    ticks = time_ticks(float(km.table["time"].max()), None)
    labels = [f"{t:g}" for t in ticks]             # the x tick labels, in order, after
    start = texts.index("1.0") + 1                 # the y tick labels 0.0 ... 1.0
    assert texts[start:start + len(labels)] == labels
    at = km.at(ticks.tolist())
    for g in km.groups:                            # the risk table row of each group
        counts = [str(int(n)) for n in at.loc[at["group"] == g, "n_at_risk"]]
        label = f"progrec_level={g}"
        i = texts.index(label)
        assert texts[i + 1:i + 1 + len(counts)] == counts
    paths = [p for p in root.iter(f"{NS}path") if p.get("stroke-width") == "1.8"]
    assert len(paths) == len(km.groups)            # one step curve per group
    censor = [p for p in root.iter(f"{NS}path") if p.get("class") == "censor"]
    for p, g in zip(censor, km.groups, strict=True):
        assert p.get("d", "").count("M") == int(km_curve(km, g, "survival")["censored"].sum())
    assert len(list(root.iter(f"{NS}polygon"))) == len(km.groups)   # the bands


def test_step_path_follows_the_estimate(gbsg: mp.Cohort) -> None:
    km = mp.km(gbsg, by="horTh")
    svg = km_svg(km)
    path = next(p for p in ET.fromstring(svg).iter(f"{NS}path")
                if p.get("stroke-width") == "1.8")
    d = path.get("d", "")
    vs = [float(v) for v in d.split("V")[1:] for v in [v.split("H")[0]]]
    curve = km_curve(km, km.groups[0], "survival")
    assert len(vs) == len(curve) - 1               # one vertical move per distinct time
    ys = np.asarray(vs)
    assert np.all(np.diff(ys) >= -1e-9)            # survival never rises (y grows downwards)


def test_data_text_is_escaped() -> None:
    g = mp.datasets.load_gbsg2()
    svg = km_svg(mp.km(g, by="horTh"), labels={"no": "<script>alert(1)</script>",
                                               "yes": 'a "quoted" & odd'},
                 title="<b>t</b>", time_unit="days")
    assert "<script>" not in svg
    assert "<b>t</b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script>alert(1)</script>" in _texts(svg)   # shown literally
