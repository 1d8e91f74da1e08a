"""ph_test on weighted Cox fits against R cox.zph (tests/reference/phtest_weights_reference.R).

``phtest_coxzph_weights.json``: ``cox.zph(coxph(..., weights = w), terms = FALSE)`` on
GBSG2 (horTh + age + tsize, without strata and with ``strata(tgrade)``) and veteran
(trt + karno + age + ``strata(celltype)``), seeded non-integer weights, Breslow and Efron,
transforms km, identity and rank: the tests, the scaled Schoenfeld residuals, their
transformed and raw event times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from tests._reference import close, ref

Z = ref("phtest_coxzph_weights")


def _cohort(data: str) -> mp.Cohort:
    if data == "gbsg2":
        df = mp.datasets.load_gbsg2().data.merge(pd.DataFrame(Z["gbsg2"]), on="id")
        return mp.Cohort(df, time="time", event="cens", id="id")
    return mp.Cohort(pd.DataFrame(Z["veteran"]), time="time", event="status", id="id")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", Z["cases"], ids=[c["id"] for c in Z["cases"]])
def test_matches_r_cox_zph_with_weights(case: dict[str, Any]) -> None:
    c = _cohort(case["data"])
    fit = mp.cox(c, case["covariates"], strata=case["strata"], weights="w", ties=case["ties"])
    close(fit.summary["coef"], case["coef"], "coef")
    res = mp.ph_test(fit, c, transform=case["transform"])
    close(res.table["chi2"], case["chisq"], "cox.zph chi2 (terms, then GLOBAL)")
    close(res.table["p"], case["p"], "cox.zph p")
    close(res.time, case["time"], "event times")
    close(res.x, case["x"], "transformed times")
    close(res.residuals.to_numpy(), np.array(case["y"]), "scaled Schoenfeld residuals")


def test_unit_weights_are_no_weights() -> None:
    c = _cohort("veteran")
    c1 = c.assign(w=1.0)
    plain = mp.ph_test(mp.cox(c, ["trt", "karno"], strata="celltype", ties="efron"), c)
    unit = mp.ph_test(mp.cox(c1, ["trt", "karno"], strata="celltype", ties="efron",
                             weights="w"), c1)
    close(unit.table["chi2"], plain.table["chi2"].to_numpy(), "chi2")
    close(unit.residuals.to_numpy(), plain.residuals.to_numpy(), "residuals")


def test_integer_weights_are_repeated_rows_for_the_test_statistic() -> None:
    """Weight 2 = the patient twice in the risk sets, score and information (Breslow)."""
    c = _cohort("gbsg2").assign(w=1.0 + (mp.datasets.load_gbsg2().column("id") % 2))
    weighted = mp.ph_test(mp.cox(c, ["horTh", "age"], weights="w"), c, transform="identity")
    df = c.data
    doubled = pd.concat([df, df[df["w"] == 2].assign(id=lambda d: d["id"] + 10_000)])
    c2 = mp.Cohort(doubled, time="time", event="cens", id="id")
    rep = mp.ph_test(mp.cox(c2, ["horTh", "age"]), c2, transform="identity")
    close(weighted.table["chi2"], rep.table["chi2"].to_numpy(), "chi2 as repeated rows")
