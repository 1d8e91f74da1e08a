"""ph_test on a stratified Cox fit against R cox.zph (tests/reference/phtest_strata_reference.R)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import mirprog as mp
from tests._reference import close, ref

Z = ref("phtest_coxzph_strata")


def _veteran() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(Z["data"]), time="time", event="status", id="id")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", Z["cases"], ids=[c["id"] for c in Z["cases"]])
def test_matches_r_cox_zph_with_strata(case: dict[str, Any]) -> None:
    c = _veteran()
    fit = mp.cox(c, ["trt", "karno", "age"], strata="celltype", ties=case["ties"])
    res = mp.ph_test(fit, c, transform=case["transform"])
    close(res.table["chi2"], case["chisq"], "cox.zph chi2 (terms, then GLOBAL)")
    close(res.table["p"], case["p"], "cox.zph p")
