"""The validation figures only draw what a ValidationResult holds."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError
from mirprog.results import ValidationResult


@cache
def validation() -> ValidationResult:
    g = mp.datasets.load_gbsg2()
    fit = mp.cox(g.subset(g.ids <= 400), ["horTh", "pnodes", "progrec"])
    return mp.validate(fit, g.subset(g.ids > 400), horizons=[365, 1095, 1825], groups=5)


def test_calibration_plot_draws_the_table_and_the_histogram() -> None:
    v = validation()
    fig = mp.plots.calibration_plot(v, horizon=1095)
    ax, hist = fig.axes
    cal = v.calibration[v.calibration["time"] == 1095]
    points = next(line for line in ax.lines if line.get_marker() == "o")
    assert_allclose(points.get_xydata(), cal[["predicted", "observed"]].to_numpy())
    curve = v.calibration_curve[v.calibration_curve["time"] == 1095]
    smooth = next(line for line in ax.lines if line.get_label().startswith("smoothed"))
    assert_allclose(smooth.get_xydata(), curve[["predicted", "observed"]].to_numpy())
    assert ax.lines[0].get_linestyle() == "--"        # the ideal line
    assert sum(p.get_height() for p in hist.patches) == pytest.approx(v.n)
    single = mp.plots.calibration_plot(v, histogram=False)
    assert len(single.axes) == 1
    assert single.axes[0].get_xlabel() == "Predicted risk at t = 1825"


def test_roc_plot_draws_the_stored_points() -> None:
    v = validation()
    fig = mp.plots.roc_plot(v, horizon=365)
    roc = v.roc[v.roc["time"] == 365]
    line = fig.axes[0].lines[1]
    assert_allclose(line.get_xydata(), roc[["fpr", "tpr"]].to_numpy())
    auc = v.auc.loc[v.auc["time"] == 365, "auc"].iloc[0]
    assert f"{auc:.3f}" in fig.axes[0].get_legend().get_texts()[0].get_text()


def test_auc_plot_shows_auc_and_c() -> None:
    v = validation()
    fig = mp.plots.auc_plot(v)
    ax = fig.axes[0]
    assert_allclose(ax.lines[0].get_ydata(), v.auc["auc"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("Harrell's C") for lab in labels)
    assert any(lab.startswith("Uno's C") for lab in labels)
    assert np.isclose(ax.lines[1].get_ydata()[0], v.harrell_c)


def test_a_horizon_not_validated_is_an_error() -> None:
    with pytest.raises(ArgumentError, match=r"horizon=1000 is not one of the validated"):
        mp.plots.calibration_plot(validation(), horizon=1000)
    with pytest.raises(ArgumentError, match=r"horizon=1000 is not one of the validated"):
        mp.plots.roc_plot(validation(), horizon=1000)
