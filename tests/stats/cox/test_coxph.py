"""The Cox model (``mp.cox``, mirprog/stats/cox/coxph.py, on the engine in mirprog/_engine).

Sections (each tagged with its marker):

* R reference (``r_reference``): Breslow and Efron ties against R ``coxph`` --
  coefficients, SE, HR with CI, z, p, log-likelihoods, LR/Wald/score tests, concordance, n
  and events -- and the "coefficient may be infinite" flag (R 4.2.2, survival 3.5.3;
  ``coxph_coxph_{gbsg2,lung,ties,monotone}.json`` from
  ``tests/reference/survival_reference.R``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from tests._reference import cases, close, r_cohort, ref

# --------------------------------------------------------------------------- R reference (coxph)

COX_CASES = cases("coxph_coxph_gbsg2") + cases("coxph_coxph_lung") + cases("coxph_coxph_ties")


@cache
def cox_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in COX_CASES if c.values[0]["id"] == case_id)
    kwargs = {k: case[k] for k in ("categorical", "reference") if case[k] is not None}
    return mp.cox(r_cohort(case["dataset"]), list(case["covariates"]), ties=case["ties"],
                  **kwargs)


@pytest.mark.r_reference
def test_cox_accepts_explicit_none_options() -> None:
    """The documented defaults ``categorical=None, reference=None`` can be passed explicitly."""
    fit = mp.cox(r_cohort("gbsg2"), ["pgr_high"], ties="efron", categorical=None,
                 reference=None)
    close(fit.summary["coef"], cox_fit("gbsg2|pgr_high|efron").summary["coef"], "coef")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_coefficients(case: dict[str, Any]) -> None:
    fit = cox_fit(case["id"])
    summ = fit.summary
    terms = [str(t) for t in np.atleast_1d(case["term"])]
    assert list(summ.index) == terms, "terms"
    for col in ["coef", "se", "hr", "ci_lower", "ci_upper", "z", "p"]:
        close(summ[col], case[col], col)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_model_statistics(case: dict[str, Any]) -> None:
    fit = cox_fit(case["id"])
    for attr in [
        "loglik",
        "loglik_null",
        "neg2loglik",
        "lr_chi2",
        "lr_df",
        "lr_p",
        "wald_chi2",
        "wald_p",
        "score_chi2",
        "score_p",
    ]:
        close(getattr(fit, attr), case[attr], attr)
    assert fit.n == case["n"]
    assert fit.events == case["events"]
    assert len(fit.excluded) == case["n_excluded"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", COX_CASES)
def test_cox_concordance(case: dict[str, Any]) -> None:
    close(cox_fit(case["id"]).concordance, case["concordance"], "concordance")


EFRON_TIES = [c for c in cases("coxph_coxph_ties") if c.values[0]["ties"] == "efron"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", EFRON_TIES)
def test_ties_breslow_and_efron_differ(case: dict[str, Any]) -> None:
    """On year-rounded times the two tie methods must give visibly different fits."""
    bres_id = case["id"].replace("|efron", "|breslow")
    diff = np.abs(
        cox_fit(case["id"]).summary["coef"].to_numpy() - cox_fit(bres_id).summary["coef"].to_numpy()
    )
    assert diff.max() > 1e-3


@pytest.mark.r_reference
def test_cox_monotone_likelihood_flag() -> None:
    m = ref("coxph_coxph_monotone")
    assert any("coefficient may be infinite" in w for w in np.atleast_1d(m["r_warnings"]))
    df = pd.DataFrame(m["data"])
    c = mp.Cohort(df, time="time", event="event", id="id")
    with pytest.warns(mp.MonotoneLikelihoodWarning):
        fit = mp.cox(c, list(m["covariates"]), ties=m["ties"])
    assert set(fit.monotone) == set(np.atleast_1d(m["infinite_terms"]))
    # R stops at a large positive value; only the direction is meaningful
    r_coef = dict(zip(m["term"], m["coef"], strict=True))
    assert float(r_coef["x"]) > 10
    assert fit.summary["coef"].to_numpy()[list(fit.summary.index).index("x")] > 5
