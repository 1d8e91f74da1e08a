"""Stratified and weighted log-rank tests against R survdiff(rho=, strata()) and survMisc::comp.

Fixtures: tests/reference/logrank_weighted_reference.R.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.errors import ArgumentError, CohortError
from tests._reference import close, ref

SD = ref("logrank_survdiff_strata")
COMP = ref("logrank_comp_gbsg2")


def _veteran() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(SD["veteran"]), time="time", event="status", id="id")


SURVDIFF = {
    "veteran-trt-strata-rho0": (_veteran, "trt", "celltype"),
    "veteran-trt-strata-rho1": (_veteran, "trt", "celltype"),
    "veteran-karno-rho1": (_veteran, "karno_high", None),
    "veteran-celltype-rho0.5": (_veteran, "celltype", None),
    "gbsg2-tgrade-rho1": (mp.datasets.load_gbsg2, "tgrade", None),
    "gbsg2-tgrade-strata-rho0.5": (mp.datasets.load_gbsg2, "tgrade", "horTh"),
}


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SD["cases"], ids=[c["id"] for c in SD["cases"]])
def test_matches_r_survdiff(case: dict[str, Any]) -> None:
    make, by, strata = SURVDIFF[case["id"]]
    res = mp.logrank(make(), by=by, strata=strata, rho=case["rho"])
    close(res.chi2, case["chisq"], "chi2")
    close(res.table["observed"], case["obs"], "weighted observed")
    close(res.table["expected"], case["exp"], "weighted expected")
    close(res.variance, np.array(case["var"]), "variance")
    close(res.table["n"], case["n"], "n")
    assert res.rho == case["rho"]
    assert res.strata == (() if strata is None else (strata,))


NAMES = {"1": ("logrank", 0, 0), "n": ("gehan", 0, 0), "sqrtN": ("tarone-ware", 0, 0),
         "S1": ("peto-peto", 0, 0), "S2": ("modified-peto-peto", 0, 0),
         "FH_p=1_q=0": ("fleming-harrington", 1, 0), "FH_p=0_q=1": ("fleming-harrington", 0, 1),
         "FH_p=1_q=1": ("fleming-harrington", 1, 1)}
COMP_DATA = {"gbsg2-horTh": (mp.datasets.load_gbsg2, "horTh"),
             "gbsg2-tgrade": (mp.datasets.load_gbsg2, "tgrade"),
             "veteran-celltype": (_veteran, "celltype")}
COMP_CASES = [(c, i) for c in COMP["cases"] for i in range(len(c["weights"]))]


@pytest.mark.r_reference
@pytest.mark.parametrize(("case", "i"), COMP_CASES,
                         ids=[f"{c['id']}-{c['weights'][i]}" for c, i in COMP_CASES])
def test_weight_families_match_survmisc_comp(case: dict[str, Any], i: int) -> None:
    make, by = COMP_DATA[case["id"]]
    weighting, p, q = NAMES[case["weights"][i]]
    res = mp.logrank(make(), by=by, weighting=weighting, p=p, q=q)
    assert res.df == case["df"][i]
    if res.df > 1:
        close(res.chi2, case["chisq"][i], f"{weighting} chi2")
    else:
        # two groups: survMisc's tie factor uses each group's own event count (see the
        # Notes of mp.logrank); the statistics differ where events tie, by < 0.1%
        assert res.chi2 == pytest.approx(case["chisq"][i], rel=1e-3)


@pytest.mark.r_reference
def test_fleming_harrington_p_is_survdiff_rho() -> None:
    g = mp.datasets.load_gbsg2()
    a = mp.logrank(g, by="tgrade", weighting="fleming-harrington", p=1)
    b = mp.logrank(g, by="tgrade", rho=1)
    assert a.chi2 == pytest.approx(b.chi2, rel=1e-12)
    close(b.chi2, SD["cases"][4]["chisq"], "rho = 1")


@pytest.mark.property
def test_single_stratum_is_the_plain_test() -> None:
    v = _veteran()
    one = mp.Cohort(v.data.assign(s=1), time="time", event="status", id="id")
    assert mp.logrank(one, by="trt", strata="s").chi2 == pytest.approx(
        mp.logrank(v, by="trt").chi2, rel=1e-14)


def test_bad_weight_arguments_are_refused() -> None:
    g = mp.datasets.load_gbsg2()
    with pytest.raises(ArgumentError, match="weighting must be one of"):
        mp.logrank(g, by="horTh", weighting="wilcoxon")
    with pytest.raises(ArgumentError, match="not both"):
        mp.logrank(g, by="horTh", rho=1, weighting="gehan")
    with pytest.raises(ArgumentError, match="Fleming-Harrington"):
        mp.logrank(g, by="horTh", p=1)
    with pytest.raises(CohortError, match="both the grouping column and a stratum"):
        mp.logrank(g, by="horTh", strata="horTh")


def test_result_says_which_weights() -> None:
    v = _veteran()
    assert mp.logrank(v, by="trt").method == "log-rank"
    assert mp.logrank(v, by="trt", rho=1, strata="celltype").method == (
        "G-rho (rho=1), stratified by celltype")
    assert mp.logrank(v, by="trt", weighting="fleming-harrington", p=0, q=1).method == (
        "Fleming-Harrington (p=0, q=1)")
