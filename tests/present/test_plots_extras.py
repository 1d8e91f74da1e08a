"""km_plot's scale= and censor_ticks=, and ph_plot's smoothed beta(t) (issue 18 items 6-7):
the plots draw exactly what the results hold."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError
from mirprog.present import plots


def _steps(ax: plt.Axes) -> list[plt.Line2D]:
    return [ln for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]


@pytest.mark.parametrize(("scale", "label"), [
    ("survival", "Survival probability"), ("cumulative_incidence", "1 − KM"),
    ("cumhaz", "Cumulative hazard (Nelson–Aalen)")])
def test_km_scales_draw_the_table(scale: str, label: str, tmp_path: Path) -> None:
    km = mp.km(mp.datasets.load_gbsg2(), by="horTh")
    fig = plots.km_plot(km, scale=scale, risk_table=False)  # type: ignore[arg-type]
    ax = fig.axes[0]
    assert ax.get_ylabel() == label
    for g, step in zip(km.groups, _steps(ax), strict=True):
        tab = km.table[km.table["group"] == g]
        expected = {"survival": tab["survival"], "cumulative_incidence": 1 - tab["survival"],
                    "cumhaz": tab["cumhaz"]}[scale].to_numpy()
        _, y = step.get_data()
        assert y[0] == (1.0 if scale == "survival" else 0.0)
        assert_allclose(np.asarray(y[1:], float), expected, rtol=0, atol=0)
    fig.savefig(tmp_path / f"{scale}.png")
    plt.close(fig)


def test_cumulative_incidence_band_is_one_minus_the_limits() -> None:
    km = mp.km(mp.datasets.load_gbsg2())
    fig = plots.km_plot(km, scale="cumulative_incidence", conf_int=True, risk_table=False)
    band = fig.axes[0].collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= 0.0
    assert band[:, 1].max() <= 1.0 - km.table["ci_lower"].min()
    plt.close(fig)


def test_censor_ticks_can_be_turned_off() -> None:
    km = mp.km(mp.datasets.load_gbsg2(), by="horTh")
    on = plots.km_plot(km, risk_table=False)
    off = plots.km_plot(km, risk_table=False, censor_ticks=False)
    assert sum(ln.get_marker() == "|" for ln in on.axes[0].get_lines()) == 2
    assert sum(ln.get_marker() == "|" for ln in off.axes[0].get_lines()) == 0
    plt.close(on)
    plt.close(off)


def test_km_plot_refuses_bad_scale_and_a_cumhaz_band() -> None:
    km = mp.km(mp.datasets.load_gbsg2())
    with pytest.raises(ArgumentError, match="scale must be one of 'survival'"):
        plots.km_plot(km, scale="hazard")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="conf_int=True has no band on the cumulative"):
        plots.km_plot(km, scale="cumhaz", conf_int=True)


def test_ph_plot_draws_the_smooth_and_band_of_the_result() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
    band = ph.smooth("age")
    fig = mp.ph_plot(ph, "age")
    ax = fig.axes[0]
    smooth = [ln for ln in ax.get_lines() if ln.get_label().startswith("smoothed beta(t)")]
    assert len(smooth) == 1
    assert_allclose(smooth[0].get_xdata(), band["x"])
    assert_allclose(smooth[0].get_ydata(), band["beta"])
    verts = ax.collections[1].get_paths()[0].vertices   # [0] is the residual scatter
    assert_allclose(verts[:, 1].min(), band["lower"].min())
    assert_allclose(verts[:, 1].max(), band["upper"].max())
    plt.close(fig)
    bare = mp.ph_plot(ph, "age", residuals=False)
    assert len(bare.axes[0].collections) == 1   # the band only
    plt.close(bare)
