"""The screen's volcano figure draws the screen's own numbers (it computes nothing)."""

from __future__ import annotations

import numpy as np

import mirprog as mp
from mirprog.present.volcano import volcano_coordinates, volcano_plot


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
