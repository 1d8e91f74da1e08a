"""Proportional-hazards tests (``mp.ph_test``) and their plot (``mp.ph_plot``).

Expected values: R 4.2.2, survival 3.5.3, ``cox.zph(fit, transform, terms =
FALSE)`` and ``terms = TRUE`` for ``coxph`` fits on GBSG2 with Breslow and
Efron ties (default ``coxph.control``, whose iterates mirprog replicates),
written by ``tests/reference/phtest_reference.R`` to ``phtest_coxzph_gbsg2.json``: the
test table, the scaled Schoenfeld residuals (``$y``), the transformed times
(``$x``) and event times (``$time``).  Transforms: km (several models, also
with time in whole years, i.e. heavy ties), identity, rank and log.

Fuzz regression (``fuzz``): a singular information matrix is refused, not a crash.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from tests._fuzzing import raises_only_mirprog_error, tiny
from tests._reference import gbsg2_cohort

matplotlib.use("Agg")

REF = Path(__file__).resolve().parents[2] / "reference"
RTOL = 1e-6

with open(REF / "phtest_coxzph_gbsg2.json") as _fh:
    ZPH = json.load(_fh)["cases"]


def _r_term(term: str) -> str:
    """mirprog term -> R coefficient name: "tgrade[II]" -> "tgradeII"."""
    return term.replace("[", "").replace("]", "")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", ZPH, ids=[c["id"] for c in ZPH])
def test_matches_r_cox_zph(case: dict[str, Any]) -> None:
    cohort = gbsg2_cohort(case["time_col"])
    fit = mp.cox(cohort, case["covariates"], ties=case["ties"])
    assert_allclose(fit.summary["coef"], case["coef"], rtol=1e-9)
    ph = mp.ph_test(fit, cohort, transform=case["transform"])
    tab = case["table"]
    assert [_r_term(t) for t in ph.table.index] == tab["term"]
    assert_allclose(ph.table["chi2"], tab["chi2"], rtol=RTOL)
    assert_array_equal(ph.table["df"], tab["df"])
    assert_allclose(ph.table["p"], tab["p"], rtol=RTOL)
    by_factor = mp.ph_test(fit, cohort, transform=case["transform"], by_factor=True)
    tab = case["table_terms"]
    assert list(by_factor.table.index) == tab["term"]
    assert_allclose(by_factor.table["chi2"], tab["chi2"], rtol=RTOL)
    assert_array_equal(by_factor.table["df"], tab["df"])
    assert_allclose(by_factor.table["p"], tab["p"], rtol=RTOL)
    assert_allclose(ph.residuals.to_numpy().T, np.array(case["y"]), rtol=RTOL, atol=1e-10)
    assert_allclose(ph.x, case["x"], rtol=RTOL, atol=1e-12)
    assert_array_equal(ph.time, case["time"])


def test_global_test_is_not_the_sum_of_the_term_tests() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age", "pnodes"]), gbsg)
    terms = ph.table.drop(index="GLOBAL")
    assert ph.table.loc["GLOBAL", "df"] == 3
    assert ph.table.loc["GLOBAL", "chi2"] != pytest.approx(terms["chi2"].sum(), rel=1e-3)
    assert (ph.table["p"].between(0, 1)).all()
    assert (ph.transform, ph.ties, ph.by_factor) == ("km", "breslow", False)


def test_scaled_residuals_scatter_around_the_coefficients() -> None:
    gbsg = mp.datasets.load_gbsg2()
    fit = mp.cox(gbsg, ["horTh", "age"])
    ph = mp.ph_test(fit, gbsg)
    assert len(ph.residuals) == fit.events == len(ph.x) == len(ph.time)
    assert np.all(np.diff(ph.time) >= 0)
    assert_allclose(ph.coef, fit.summary["coef"])
    intercept, slope = ph.trend("age")
    mean_x = ph.x.mean()
    assert intercept + slope * mean_x == pytest.approx(ph.residuals["age"].mean())
    with pytest.raises(KeyError, match="not a model term"):
        ph.trend("nodes")


def test_ph_plot_draws_the_residuals_and_returns_the_figure() -> None:
    gbsg = mp.datasets.load_gbsg2()
    ph = mp.ph_test(mp.cox(gbsg, ["horTh", "age"]), gbsg)
    fig = mp.ph_plot(ph, "age")
    ax = fig.axes[0]
    assert np.asarray(ax.collections[0].get_offsets()).shape == (len(ph.residuals), 2)
    assert "age" in ax.get_title()
    assert ax.get_xlabel() == "1 - KM(t-)"
    plt.close(fig)
    fig, ax = plt.subplots()
    assert mp.ph_plot(ph, "horTh[yes]", ax=ax) is fig
    plt.close(fig)


def test_errors() -> None:
    gbsg = mp.datasets.load_gbsg2()
    fit = mp.cox(gbsg, ["horTh", "age"])
    with pytest.raises(mp.CohortError, match="not the 686 rows the model was fitted on"):
        mp.ph_test(fit, gbsg.subset(gbsg.data["age"] > 40))
    changed = gbsg.assign(age=gbsg.data["age"] + 1.0)
    with pytest.raises(mp.CohortError, match="differ from those the model was fitted on"):
        mp.ph_test(fit, changed)
    with pytest.raises(ValueError, match="Unknown transform"):
        mp.ph_test(fit, gbsg, transform="sqrt")  # type: ignore[arg-type]
    firth = mp.cox(gbsg, ["horTh"], firth=True)
    with pytest.raises(mp.CohortError, match="Refit with firth=False"):
        mp.ph_test(firth, gbsg)


# --------------------------------------------------------------------------- fuzz regressions

def _singular_ph_test() -> None:
    c = tiny()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MirprogWarning)
        fit = mp.cox(c, ["g", "m"])
    mp.ph_test(fit, c)


EXTERNAL = [
    pytest.param(_singular_ph_test, r"information matrix is singular", id="ph-test-singular"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize(("action", "match"), EXTERNAL)
def test_external_regressions(action: Callable[[], object], match: str) -> None:
    raises_only_mirprog_error(action, match)
