"""Figures: rendered to PNG headless; checked through their artists and texts, not pixels."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import mirprog as mp
from mirprog.present import plots
from mirprog.present.format import format_ci, format_p

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def gb() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    g = mp.Cutpoints.fit(g, ["progrec"]).apply(g)
    return mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def monotone_univariate() -> mp.UnivariateResult:
    """Ten patients; nobody in group g=0 has an event, so g's HR drifts to infinity."""
    df = pd.DataFrame({"t": np.arange(1.0, 11.0), "e": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
                       "g": [1] * 5 + [0] * 5, "x": [0, 1] * 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        return mp.univariate(mp.Cohort(df, time="t", event="e"), ["g", "x"])


def _png(fig: Figure, tmp_path: Path) -> tuple[int, int]:
    path = tmp_path / "fig.png"
    fig.savefig(path, dpi=80)
    height, width = plt.imread(path).shape[:2]
    return width, height


def _legend(ax: Any) -> Any:
    legend = ax.get_legend()
    assert legend is not None
    return legend


def _texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _expected_at_risk(km: mp.KMResult, group: Any, t: float) -> int:
    """Independent reading of km.table: n_at_risk of the first time >= t, 0 after the last."""
    tab = km.table[km.table["group"] == group]
    later = tab[tab["time"] >= t]
    return int(later["n_at_risk"].iloc[0]) if len(later) else 0


def _check_risk_table(risk_ax: Any, km: mp.KMResult, ticks: np.ndarray) -> None:
    cells = {(round(t.get_position()[0], 6), round(t.get_position()[1])): t.get_text()
             for t in risk_ax.texts}
    assert len(cells) == len(ticks) * len(km.groups)
    for row, g in enumerate(km.groups):
        for t in ticks:
            assert cells[(round(t, 6), row)] == str(_expected_at_risk(km, g, t))


def test_km_two_groups_with_p_hr_and_risk_table(gb: mp.Cohort, tmp_path: Path) -> None:
    km = mp.km(gb, by="horTh")
    lr = mp.logrank(gb, by="horTh")
    cx = mp.cox(gb, "horTh")
    fig = plots.km_plot(km, test=lr, cox=cx, time_unit="days", title="RFS by hormone therapy",
                        labels={"no": "No tamoxifen", "yes": "Tamoxifen"})
    width, height = _png(fig, tmp_path)
    assert 400 <= width <= 1200
    assert 300 <= height <= 1000
    assert len(fig.axes) == 2
    ax, risk_ax = fig.axes
    assert ax.get_xlabel() == "Time (days)"
    assert ax.get_title(loc="left") == "RFS by hormone therapy"
    legend = _legend(ax)
    assert [t.get_text() for t in legend.get_texts()] == [
        "No tamoxifen (n=440, events=205)", "Tamoxifen (n=246, events=94)"]
    r = cx.summary.iloc[0]
    assert legend.get_title().get_text() == (
        f"Log-rank p = {format_p(lr.p)}\nHR {format_ci(r['hr'], r['ci_lower'], r['ci_upper'])}")
    assert format_p(lr.p) == "0.003"
    # risk table: one row per group, one column per x tick, counts read from the KM table
    assert [t.get_text() for t in risk_ax.get_yticklabels()] == ["No tamoxifen", "Tamoxifen"]
    ticks = ax.get_xticks()
    assert np.allclose(risk_ax.get_xlim(), ax.get_xlim())
    assert ticks[0] == 0
    assert ticks[-1] <= ax.get_xlim()[1]
    _check_risk_table(risk_ax, km, ticks)
    assert risk_ax.texts[0].get_text() == "440"  # everyone at risk at time 0


def test_km_curves_start_at_one_and_mark_censoring(gb: mp.Cohort) -> None:
    km = mp.km(gb, by="horTh")
    fig = plots.km_plot(km, risk_table=False, conf_int=True)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert _legend(ax).get_title().get_text() == ""
    steps = [ln for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]
    ticks = [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
    assert len(steps) == len(ticks) == 2
    for g, step, tick in zip(km.groups, steps, ticks, strict=True):
        tab = km.table[km.table["group"] == g]
        x, y = step.get_data()
        assert (x[0], y[0]) == (0.0, 1.0)
        assert np.array_equal(y[1:], tab["survival"])
        assert len(tick.get_xdata()) == (tab["n_censored"] > 0).sum()
    assert len(ax.collections) == 2  # one confidence band per group
    assert steps[0].get_color() != steps[1].get_color()


def test_km_k_ordered_groups(gb: mp.Cohort, tmp_path: Path) -> None:
    rg = mp.risk_groups(gb, {"progrec_high": 0, "pnodes_high": 1})
    fig = plots.km_plot(rg.km, test=[rg.logrank, rg.trend], labels={"A": "A", "B": "B", "C": "C"})
    _png(fig, tmp_path)
    ax, risk_ax = fig.axes
    assert _legend(ax).get_title().get_text() == "Log-rank p < 0.001\nLog-rank trend p < 0.001"
    assert [t.get_text() for t in _legend(ax).get_texts()] == [
        f"{g} (n={rg.counts.loc[g, 'n']}, events={rg.counts.loc[g, 'events']})" for g in "ABC"]
    assert [t.get_text() for t in risk_ax.get_yticklabels()] == ["A", "B", "C"]
    _check_risk_table(risk_ax, rg.km, ax.get_xticks())


def test_km_single_curve_and_risk_times(gb: mp.Cohort, tmp_path: Path) -> None:
    km = mp.km(gb)
    times = [0, 365, 730, 1095, 1460, 1825, 2190, 2555, 3000]
    fig = plots.km_plot(km, risk_times=times)
    _png(fig, tmp_path)
    ax, risk_ax = fig.axes
    assert [t.get_text() for t in _legend(ax).get_texts()] == [
        "All patients (n=686, events=299)"]
    assert list(ax.get_xticks()) == times
    _check_risk_table(risk_ax, km, np.array(times, dtype=float))
    assert _texts(risk_ax)[-1] == "0"  # beyond the last follow-up


def _curve_points_under_legend(fig: Figure, km: mp.KMResult) -> int:
    """How many points of the step curves, sampled densely, fall inside the legend box."""
    ax = fig.axes[0]
    fig.draw_without_rendering()
    box = _legend(ax).get_window_extent()
    grid = np.linspace(0.0, km.table["time"].max(), 2000)
    inside = 0
    for g in km.groups:
        tab = km.table[km.table["group"] == g]
        pos = np.searchsorted(tab["time"].to_numpy(), grid, side="right") - 1
        surv = np.where(pos >= 0, tab["survival"].to_numpy()[np.maximum(pos, 0)], 1.0)
        pts = ax.transData.transform(np.column_stack([grid, surv])[grid <= tab["time"].max()])
        inside += int(sum(box.contains(x, y) for x, y in pts))
    return inside


def test_km_legend_sits_where_no_curve_runs(gb: mp.Cohort) -> None:
    rg = mp.risk_groups(gb, {"progrec_high": 0, "pnodes_high": 1})
    fig = plots.km_plot(rg.km, test=[rg.logrank, rg.trend], labels={"A": "A", "B": "B", "C": "C"})
    assert fig.get_figwidth() == 7.0
    assert fig.axes[0].get_window_extent().contains(*_legend(fig.axes[0]).get_window_extent().p0)
    assert _curve_points_under_legend(fig, rg.km) == 0
    # crowded (bands and long names): the figure widens and the legend moves right of the plot
    crowded = plots.km_plot(rg.km, test=rg.logrank, conf_int=True)
    assert crowded.get_figwidth() > 7.0
    crowded.draw_without_rendering()
    ax = crowded.axes[0]
    assert _legend(ax).get_window_extent().x0 > ax.get_window_extent().x1
    # into a given axis the figure is the caller's: a white legend box instead
    fig, ax = plt.subplots(figsize=(5, 4))
    plots.km_plot(rg.km, ax=ax, conf_int=True, risk_table=False)
    assert fig.get_figwidth() == 5.0
    assert _legend(ax).get_frame_on()


def test_km_into_given_axis(gb: mp.Cohort, tmp_path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    km = mp.km(gb, by="horTh")
    out = plots.km_plot(km, ax=right, test=mp.logrank(gb, by="horTh"))
    assert out is fig
    assert len(fig.axes) == 2
    assert not left.lines  # nothing drawn elsewhere
    (risk_ax,) = right.child_axes
    _check_risk_table(risk_ax, km, right.get_xticks())
    fig.savefig(tmp_path / "ax.png", bbox_inches="tight")
    assert plots.km_plot(km, ax=left, risk_table=False) is fig
    assert left.child_axes == []


def test_km_in_subfigure_returns_root_figure(gb: mp.Cohort) -> None:
    fig = plt.figure()
    ax = fig.subfigures(1, 2)[0].subplots()
    assert plots.km_plot(mp.km(gb, by="horTh"), ax=ax) is fig


def test_km_rejects_test_of_other_grouping(gb: mp.Cohort) -> None:
    with pytest.raises(ValueError, match="log-rank test is by 'tgrade' but the curves are by"):
        plots.km_plot(mp.km(gb, by="horTh"), test=mp.logrank(gb, by="tgrade"))


@pytest.mark.parametrize("times", [[], [-1.0, 10.0], [0.0, float("nan")]])
def test_km_rejects_bad_risk_times(gb: mp.Cohort, times: list[float]) -> None:
    with pytest.raises(ValueError, match="risk_times must be a non-empty sequence"):
        plots.km_plot(mp.km(gb, by="horTh"), risk_times=times)


def test_km_monotone_cox_reads_not_estimable(monotone_univariate: mp.UnivariateResult) -> None:
    fit = monotone_univariate.cox["g"]
    km_df = pd.DataFrame({"t": np.arange(1.0, 11.0), "e": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
                          "g": [1] * 5 + [0] * 5})
    cohort = mp.Cohort(km_df, time="t", event="e")
    fig = plots.km_plot(mp.km(cohort, by="g"), cox=fit, risk_table=False)
    assert _legend(fig.axes[0]).get_title().get_text() == "HR not estimable"


def _forest_cells(fig: Figure) -> tuple[list[str], list[str]]:
    left, _, right = fig.axes
    return _texts(left), _texts(right)


def test_forest_cox(gb: mp.Cohort, tmp_path: Path) -> None:
    fit = mp.cox(gb, ["horTh", "tgrade", "pnodes"])
    fig = plots.forest_plot(fit, title="Multivariate Cox")
    width, height = _png(fig, tmp_path)
    assert 400 <= width <= 1500
    assert 100 <= height <= 800
    left, right = _forest_cells(fig)
    terms = list(fit.summary.index)
    assert left[:len(terms) + 1] == ["Factor", *terms]
    s = fit.summary
    assert right == ["HR (95% CI)",
                     *[format_ci(r.hr, r.ci_lower, r.ci_upper) for r in s.itertuples()],
                     "p", *[format_p(p) for p in s["p"]]]
    ax = fig.axes[1]
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    assert lo < s["ci_lower"].min()
    assert hi > s["ci_upper"].max()
    assert lo < 1 < hi
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(markers) == len(terms)
    assert fig.get_suptitle() == "Multivariate Cox"


def test_forest_table3_side_by_side(gb: mp.Cohort, tmp_path: Path) -> None:
    t3 = mp.table3(gb, markers=["estrec"], clinical={
        "PgR high": "progrec_high", "Nodes >3": "pnodes_high", "Grade": "tgrade",
        "Menopause": "menostat"})
    fig = plots.forest_plot(t3)
    _png(fig, tmp_path)
    left, right = _forest_cells(fig)
    m = len(t3.frame)
    assert left[1:m + 1] == ["estrec_high", "PgR high", "Nodes >3", "Grade [II]",
                             "Grade [III]", "Menopause [Pre]"]
    assert right.count("Univariate HR (95% CI)") == right.count("Multivariate HR (95% CI)") == 1
    assert len(right) == 4 * (m + 1)  # two HR columns and two p columns
    f = t3.frame
    expected = [format_ci(r.multi_hr, r.multi_ci_lower, r.multi_ci_upper) if r.selected
                else "removed" if r.entered else "ND" for r in f.itertuples()]
    assert right[2 * (m + 1) + 1: 3 * (m + 1)] == expected
    assert {"ND", "removed"} <= set(expected)  # the case covers every multivariate state
    ax = fig.axes[1]
    assert sum(ln.get_marker() == "o" for ln in ax.get_lines()) == m + 1  # + legend proxy
    assert sum(ln.get_marker() == "s" for ln in ax.get_lines()) == \
        int(t3.frame["selected"].sum()) + 1
    assert [t.get_text() for t in _legend(ax).get_texts()] == ["Univariate", "Multivariate"]


def test_forest_monotone_row_is_shown_not_dropped(
    monotone_univariate: mp.UnivariateResult, tmp_path: Path
) -> None:
    fig = plots.forest_plot(monotone_univariate)
    _png(fig, tmp_path)
    left, right = _forest_cells(fig)
    assert left == ["Factor", "g", "x", "n", "10", "10", "Events", "4", "4"]
    assert right[:3] == ["HR (95% CI)", "not estimable", format_ci(
        *monotone_univariate.table.loc["x", ["hr", "ci_lower", "ci_upper"]])]
    assert right[4] == "NA"  # no p for the non-estimable term
    ax = fig.axes[1]
    assert len(ax.texts) == 1  # a dashed arrow towards g's drifting estimate
    assert sum(ln.get_marker() == "o" for ln in ax.get_lines()) == 1  # only x has a marker


def test_forest_infinite_limit_is_an_arrow_with_open_marker(gb: mp.Cohort) -> None:
    fit = mp.cox(gb, ["horTh"])
    summary = fit.summary.assign(ci_upper=np.inf)
    object.__setattr__(fit, "summary", summary)  # a result with an infinite upper limit
    fig = plots.forest_plot(fit)
    ax = fig.axes[1]
    (marker,) = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert marker.get_markerfacecolor() == "white"
    assert len(ax.texts) == 1  # the arrow to the right edge
    assert "inf" in _forest_cells(fig)[1][1]


def test_forest_into_given_axis(gb: mp.Cohort, tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(4, 3))
    assert plots.forest_plot(mp.univariate(gb, ["horTh", "pnodes_high"]), ax=ax,
                             title="Univariate") is fig
    assert len(ax.child_axes) == 2
    assert ax.get_title() == "Univariate"
    fig.savefig(tmp_path / "f.png", bbox_inches="tight")


def test_forest_rejects_other_results(gb: mp.Cohort) -> None:
    with pytest.raises(TypeError, match="takes a CoxResult, UnivariateResult or Table3Result"):
        plots.forest_plot(mp.km(gb))  # type: ignore[arg-type]


def test_plots_never_compute_statistics(gb: mp.Cohort, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    km, lr, cx = mp.km(gb, by="horTh"), mp.logrank(gb, by="horTh"), mp.cox(gb, "horTh")
    t3 = mp.table3(gb, clinical=["horTh", "pnodes_high"])

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plot called a statistical function")

    for module, name in [("mirprog.stats.km", "km"), ("mirprog.stats.logrank", "logrank"),
                         ("mirprog.stats.cox.coxph", "cox"), ("mirprog.stats.univariate", "cox"),
                         ("mirprog.stats.univariate", "logrank"),
                         ("mirprog.stats.factor_table", "univariate"),
                         ("mirprog", "km"), ("mirprog", "logrank"), ("mirprog", "cox"),
                         ("mirprog", "univariate"), ("mirprog", "table3")]:
        monkeypatch.setattr(importlib.import_module(module), name, forbidden)
    _png(plots.km_plot(km, test=lr, cox=cx, conf_int=True), tmp_path)
    _png(plots.forest_plot(cx), tmp_path)
    _png(plots.forest_plot(t3), tmp_path)


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, mirprog, mirprog.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
