"""In Jupyter (inline backend) a figure returned by a plot function is shown once (issue 14/11).

The kernel runs with its default inline backend (no ``MPLBACKEND=Agg``), as a user's
notebook does, and each cell's ``image/png`` outputs are counted.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

TUTORIAL = Path(__file__).parent.parent / "notebooks" / "tutorial.ipynb"

SETUP = """\
import mirprog as mp
g = mp.datasets.load_gbsg2()
fit = mp.cox(g, ["horTh", "age"])
"""
CELLS = {  # source -> images shown
    "mp.plots.km_plot(mp.km(g, by='horTh'), test=mp.logrank(g, by='horTh'))": 1,
    "mp.plots.forest_plot(fit)": 1,
    "mp.ph_plot(mp.ph_test(fit, g), 'age')": 1,
    "fig = mp.plots.km_plot(mp.km(g, by='tgrade'))": 0,  # assigned: shown when returned
    "fig": 1,
    "fig.savefig('km.png', bbox_inches='tight'); len(fig.axes)": 0,
}


def _run(nb: nbformat.NotebookNode, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors
    return [sum("image/png" in o.get("data", {}) for o in c.outputs)
            for c in nb.cells if c.cell_type == "code"]


def test_each_returned_figure_is_shown_once(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s)
                                         for s in [SETUP, *CELLS]])
    shown = _run(nb, tmp_path, monkeypatch)
    assert dict(zip(CELLS, shown[1:], strict=True)) == CELLS
    assert (tmp_path / "km.png").stat().st_size > 10_000


def test_tutorial_shows_each_figure_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    nb = nbformat.read(TUTORIAL, as_version=4)
    shown = _run(nb, TUTORIAL.parent, monkeypatch)
    plot_cells = [i for i, c in enumerate(c for c in nb.cells if c.cell_type == "code")
                  if "plots." in c.source]
    assert plot_cells
    assert all(shown[i] == 1 for i in plot_cells)
    assert sum(shown) == len(plot_cells)
