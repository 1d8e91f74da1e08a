"""cif_plot draws what a CIFResult holds: curves, bands, stacked causes, risk table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from tests._reference import ref


@pytest.fixture(scope="module")
def cohort() -> mp.Cohort:
    d = pd.DataFrame(ref("competing_mgus2")["data"])
    return mp.Cohort(d, time="time", event="status", causes={1: "progression", 2: "death"})


def test_panels_show_one_curve_per_group_and_the_risk_table(cohort: mp.Cohort) -> None:
    res = mp.cif(cohort, by="male")
    test = mp.gray_test(cohort, by="male", cause="progression")
    fig = mp.plots.cif_plot(res, tests=test, labels={0: "F", 1: "M"}, time_unit="months",
                            risk_times=[0, 120, 240, 360])
    curves, risk = fig.axes[0], fig.axes[2]   # panels first, then their risk tables
    assert curves.get_title(loc="left") == "progression"
    assert [t.get_text() for t in curves.get_legend().get_texts()] == [
        f"F ({int(((cohort.status == 1) & (cohort.data['male'] == 0)).sum())} events)",
        f"M ({int(((cohort.status == 1) & (cohort.data['male'] == 1)).sum())} events)"]
    assert any(t.get_text().startswith("Gray's test p") for t in curves.texts)
    # the plotted step heights are the table's cumulative incidence
    line = curves.get_lines()[0]
    tab = res.table[(res.table["group"] == 0) & (res.table["cause"] == "progression")]
    np.testing.assert_allclose(line.get_ydata()[1:], tab["cif"].to_numpy())
    numbers = [t.get_text() for t in risk.texts]
    at = res.at([0, 120, 240, 360])
    expect = at[at["cause"] == "progression"]["n_at_risk"].astype(str).tolist()
    assert numbers == expect
    assert curves.get_xlabel() == "Time (months)"


def test_stacked_layout_has_a_panel_per_group_whose_top_is_the_any_cause_incidence(
        cohort: mp.Cohort) -> None:
    res = mp.cif(cohort, by="male")
    fig = mp.plots.cif_plot(res, layout="stacked", risk_table=False)
    assert len(fig.axes) == 2
    top = fig.axes[0].get_lines()[0].get_ydata()
    assert top.max() <= 1.0
    assert top[-1] == pytest.approx(
        float(res.table[(res.table["group"] == 0)].groupby("cause")["cif"].last().sum()))


def test_one_group_and_bad_layout(cohort: mp.Cohort) -> None:
    fig = mp.plots.cif_plot(mp.cif(cohort, cause="death"), conf_int=True, title="MGUS")
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="layout must be"):
        mp.plots.cif_plot(mp.cif(cohort), layout="side")  # type: ignore[arg-type]
