"""forest_meta_plot: rendered to PNG headless, checked through its artists and texts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import mirprog as mp
from mirprog.results import MetaAnalysisResult
from tests._reference import ref

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def bcg() -> MetaAnalysisResult:
    c = next(c for c in ref("meta_rma_bcg")["cases"] if c["id"] == "bcg|all|REML")
    return mp.meta_analysis(pd.DataFrame({"label": c["labels"], "estimate": c["yi"],
                                          "se": c["sei"]}), "REML")


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_random_effects_forest(bcg: MetaAnalysisResult, tmp_path: Path) -> None:
    fig = mp.plots.forest_meta_plot(bcg, title="BCG")
    fig.savefig(tmp_path / "bcg.png", dpi=60)
    assert (tmp_path / "bcg.png").stat().st_size > 0
    est = fig.axes[1]
    texts = _texts(fig)
    assert "Random effects (REML)" in texts
    assert "Prediction interval" in texts
    assert "Aronson 1948" in texts
    assert "100%" in texts
    assert f"{bcg.table['weight'].iloc[0]:.1f}%" in texts
    assert any(t.startswith("Heterogeneity: \u03c4\u00b2 = 0.313") for t in texts)
    assert est.get_xscale() == "log"
    # squares: area proportional to weight (side proportional to sqrt(weight))
    squares = [ln for ln in est.lines if ln.get_marker() == "s"]
    assert len(squares) == bcg.k
    sides = np.array([ln.get_markersize() for ln in squares])
    w = bcg.table["weight"].to_numpy()
    big = sides > 4.0
    assert np.allclose(sides[big] / sides[big].max(), np.sqrt(w[big] / w.max()))
    # the diamond spans the pooled CI (on the HR scale)
    (diamond,) = est.patches
    xs = diamond.get_xy()[:, 0]
    assert np.isclose(xs.min(), bcg.hr_ci_lower)
    assert np.isclose(xs.max(), bcg.hr_ci_upper)
    # the prediction interval line
    pi = [ln for ln in est.lines if np.allclose(ln.get_xdata(),
                                                [bcg.hr_pi_lower, bcg.hr_pi_upper])]
    assert pi
    lo, hi = est.get_xlim()
    assert lo < bcg.hr_pi_lower
    assert hi > bcg.table["hr_ci_upper"].max()
    plt.close(fig)


def test_fixed_effect_has_no_prediction_interval() -> None:
    g = mp.datasets.load_gbsg2()
    fits = {"a": mp.cox(g.subset(g.ids <= 343), ["horTh"]),
            "b": mp.cox(g.subset(g.ids > 343), ["horTh"])}
    fig = mp.plots.forest_meta_plot(mp.meta_analysis(fits, "fixed"))
    texts = _texts(fig)
    assert "Fixed effect" in texts
    assert "Prediction interval" not in texts
    assert any(t.startswith("Heterogeneity: Q = ") for t in texts)
    plt.close(fig)


def test_concordance_forest_is_linear_with_line_at_half() -> None:
    cs = {k: SimpleNamespace(c=c, se=s) for k, c, s in
          [("A", 0.69, 0.03), ("B", 0.63, 0.02), ("C", 0.68, 0.04)]}
    fig = mp.plots.forest_meta_plot(mp.meta_analysis(cs, "DL", measure="C"))
    est = fig.axes[1]
    assert est.get_xscale() == "linear"
    assert est.get_xlabel() == "C index (95% CI)"
    assert any(np.allclose(ln.get_xdata(), [0.5, 0.5]) for ln in est.lines)
    assert "C [95% CI]" in _texts(fig)
    plt.close(fig)


def test_into_given_axis(bcg: MetaAnalysisResult, tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(4, 6))
    assert mp.plots.forest_meta_plot(bcg, ax=ax) is fig
    fig.savefig(tmp_path / "ax.png", bbox_inches="tight")
    plt.close(fig)


def test_rejects_other_results() -> None:
    g = mp.datasets.load_gbsg2()
    with pytest.raises(TypeError, match="draws a MetaAnalysisResult"):
        mp.plots.forest_meta_plot(mp.cox(g, ["horTh"]))  # type: ignore[arg-type]
