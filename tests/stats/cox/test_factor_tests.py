"""CoxResult.factor_tests against R drop1(fit, test = "Chisq") and the block Wald test.

Fixture: tests/reference/factor_tests_reference.R.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import mirprog as mp
from tests._reference import close, ref

D1 = ref("coxph_drop1")


def _fit(case: dict[str, Any]) -> mp.CoxResult:
    name = case["id"].rsplit("-", 1)[0]
    if name == "veteran":
        c = mp.Cohort(pd.DataFrame(D1["veteran"]), time="time", event="status", id="id")
        return mp.cox(c, ["celltype", "trt", "karno"], ties=case["ties"],
                      reference={"celltype": "adeno"})
    g = mp.datasets.load_gbsg2()
    ref_ = {"tgrade": "I"}
    if name == "gbsg2":
        return mp.cox(g, ["tgrade", "horTh", "age", "menostat"], ties=case["ties"],
                      reference={**ref_, "menostat": "Pre"})
    return mp.cox(g, ["tgrade", "age"], strata="horTh", ties=case["ties"], reference=ref_)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", D1["cases"], ids=[c["id"] for c in D1["cases"]])
def test_matches_r_drop1(case: dict[str, Any]) -> None:
    ft = _fit(case).factor_tests
    k = len(case["factors"])
    assert list(ft.index) == case["factors"]
    assert ft["df"].tolist() == case["df"][:k]
    close(ft["lr_chi2"], case["lr_chi2"][:k], "LR chi2 (drop1)")
    close(ft["lr_p"], case["lr_p"][:k], "LR p (drop1)")
    close(ft["wald_chi2"], case["wald_chi2"], "block Wald chi2")


def test_single_term_factor_wald_is_z_squared() -> None:
    fit = mp.cox(mp.datasets.load_gbsg2(), ["horTh", "age"])
    ft = fit.factor_tests
    assert ft.loc["age", "wald_chi2"] == pytest.approx(fit.summary.loc["age", "z"] ** 2)
    assert ft.loc["horTh", "wald_p"] == pytest.approx(fit.summary.loc["horTh[yes]", "p"])


def test_firth_fit_has_no_lr_factor_test() -> None:
    fit = mp.cox(mp.datasets.load_gbsg2(), ["horTh", "age"], firth=True)
    assert fit.factor_tests["lr_chi2"].isna().all()
