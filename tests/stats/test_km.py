"""Kaplan-Meier (``mp.km``, mirprog/stats/km.py).

Sections (each tagged with its marker):

* R reference (``r_reference``): tables, medians and survival at fixed times for the three
  confidence transforms, against R ``survfit`` (R 4.2.2, survival 3.5.3;
  ``km_survfit_{gbsg2,lung,ties}.json`` from ``tests/reference/survival_reference.R``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

import mirprog as mp
from tests._reference import arr, cases, close, labels, r_cohort

# --------------------------------------------------------------------------- R reference (survfit)

KM_CASES = cases("km_survfit_gbsg2") + cases("km_survfit_lung") + cases("km_survfit_ties")


@cache
def km_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in KM_CASES if c.values[0]["id"] == case_id)
    return mp.km(
        r_cohort(case["dataset"]),
        by=case["by"],
        conf_type=case["conf_type"],
        conf_level=case["conf_level"],
    )


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_table(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    tab, exp = fit.table, case["table"]
    assert labels(tab["group"]) == labels(exp["group"]), "group/row layout"
    for col in [
        "time",
        "n_at_risk",
        "n_events",
        "n_censored",
        "survival",
        "std_err",
        "ci_lower",
        "ci_upper",
    ]:
        close(tab[col], exp[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_median(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    med, exp = fit.median, case["median"]
    assert labels(med.index) == labels(exp["group"])
    for col in ["n", "events", "median", "ci_lower", "ci_upper"]:
        close(med[col], exp[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", KM_CASES)
def test_km_at_times(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    exp = case["at"]
    times = sorted(set(arr(exp["time"]).tolist()))
    at = fit.at(times)
    assert labels(at["group"]) == labels(exp["group"])
    for col in ["time", "n_at_risk", "survival", "std_err", "ci_lower", "ci_upper"]:
        close(at[col], exp[col], col)
