"""Two-way interactions in mp.cox ("a:b", "a*b") against R coxph, and their LR tests.

Fixture: tests/reference/interaction_reference.R (gbsg2, both ties).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import mirprog as mp
from mirprog.errors import CohortError, MirprogError
from tests._reference import close, ref

IX = ref("coxph_interaction_gbsg2")


def _gbsg2() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    d = g.data.assign(pgr_high=(g.data["progrec"] > 20).astype(int))
    return mp.Cohort(d, time="time", event="cens", id="id")


MODELS = {
    "horTh*tgrade": (["horTh*tgrade"], ["horTh", "tgrade"]),
    "horTh*age": (["pnodes", "horTh*age"], ["pnodes", "horTh", "age"]),
    "tgrade*pgr_high": (["tgrade*pgr_high"], ["tgrade", "pgr_high"]),
    "tgrade*age": (["horTh", "tgrade*age"], ["horTh", "tgrade", "age"]),
    "pnodes:age": (["pnodes", "age", "pnodes:age"], ["pnodes", "age"]),
}


def _r_name(term: str) -> str:
    """R's term name for ours: 'horTh[yes]:tgrade[II]' -> 'horThyes:tgradeII'."""
    return term.replace("[", "").replace("]", "")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", IX["cases"], ids=[c["id"] for c in IX["cases"]])
def test_matches_r_coxph_interaction(case: dict[str, Any]) -> None:
    full, reduced = MODELS[case["id"].rsplit("-", 1)[0]]
    c = _gbsg2()
    fit = mp.cox(c, full, ties=case["ties"])
    assert [_r_name(t) for t in fit.terms] == case["terms"]
    close(fit.summary["coef"], case["coef"], "coef")
    close(fit.vcov.to_numpy(), np.array(case["var"]), "var")
    close([fit.loglik_null, fit.loglik], case["loglik"], "loglik")
    cmp = mp.compare_models(fit, mp.cox(c, reduced, ties=case["ties"]))
    close(cmp.lr_chi2, case["lr_chi2"], "LR chi2 of the interaction")
    assert cmp.df == case["lr_df"]
    close(cmp.p, case["lr_p"], "LR p of the interaction")
    ft = fit.factor_tests
    inter = case["drop1_term"]
    assert inter in ft.index
    close(ft.loc[inter, "lr_chi2"], case["drop1_chi2"], "drop1 of the interaction")


def test_star_expands_to_main_effects_and_product() -> None:
    fit = mp.cox(_gbsg2(), ["horTh*pgr_high"])
    assert fit.terms == ("horTh[yes]", "pgr_high", "horTh[yes]:pgr_high")
    assert fit.design.columns == ("horTh", "pgr_high")


def test_main_effect_given_and_implied_enters_once() -> None:
    fit = mp.cox(_gbsg2(), ["horTh", "horTh*age"])
    assert fit.terms == ("horTh[yes]", "age", "horTh[yes]:age")


@pytest.mark.parametrize("spec", ["age:age", "age*age"])
def test_interaction_with_itself_is_refused(spec: str) -> None:
    with pytest.raises(CohortError, match="with itself"):
        mp.cox(_gbsg2(), [spec])


@pytest.mark.parametrize("spec", ["a:b:c", "age*", "age*pnodes:horTh"])
def test_malformed_interactions_are_refused(spec: str) -> None:
    with pytest.raises(CohortError, match="two-way"):
        mp.cox(_gbsg2(), [spec])


def test_rows_missing_an_interaction_column_are_excluded() -> None:
    d = _gbsg2().data.copy()
    d.loc[d["id"] == 7, "age"] = np.nan
    fit = mp.cox(mp.Cohort(d, time="time", event="cens", id="id"), ["horTh:age"])
    assert fit.n == 685
    assert list(fit.excluded.rows) == [7]


def test_compare_models_refuses_different_strata() -> None:
    c = _gbsg2()
    with pytest.raises(MirprogError, match="different strata"):
        mp.compare_models(mp.cox(c, ["age", "pnodes"], strata="horTh"), mp.cox(c, ["age"]))


def test_factor_tests_respect_marginality_as_drop1() -> None:
    ft = mp.cox(_gbsg2(), ["pnodes", "horTh*age"]).factor_tests
    assert ft.loc[["horTh", "age"], "lr_chi2"].isna().all()
    assert np.isfinite(ft.loc[["pnodes", "horTh:age"], "lr_chi2"]).all()


SUB = IX["subgroup_interaction"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SUB, ids=[c["id"] for c in SUB])
def test_subgroup_table_interaction_p_matches_r(case: dict[str, Any]) -> None:
    c = _gbsg2()
    masks = {"post": c.data["menostat"] == "Post", "grade1": c.data["tgrade"] == "I"}
    t = mp.subgroup_table(c, "pgr_high", {case["subgroup"]: masks[case["subgroup"]]},
                          ties=case["ties"])
    assert np.isnan(t.table.loc["All", "interaction_p"])
    close(t.table.loc[case["subgroup"], "interaction_p"], case["p"], "interaction p")
