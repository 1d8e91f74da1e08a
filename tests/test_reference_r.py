"""mirprog against R ``survival`` reference numbers.

Every expected value here comes from R 4.2.2 with survival 3.5.3 (jsonlite
1.8.4), computed by ``tests/reference/survival_reference.R`` and committed as
``tests/reference/*.json``; R is never needed to run this module.  The data are
GBSG2 (``mirprog/datasets/gbsg2.csv``), GBSG2 with time coarsened to years
(``tyear = ceiling(time / 365.25)``, heavy ties), ``survival::lung``
(``tests/reference/lung.csv``) and a small monotone-likelihood set.

Covered: Kaplan-Meier tables, medians and survival at fixed times for the
three confidence transforms (``survfit``); log-rank chi2/df/p, observed,
expected and variance, and the trend test (``survdiff``); pairwise log-rank
with Holm and BH adjustment (``survdiff`` + ``p.adjust``); Cox models with
Breslow and Efron ties (``coxph``: coefficients, SE, HR with CI, z, p,
log-likelihoods, LR/Wald/score tests, concordance, n and events); the
"coefficient may be infinite" flag.  To regenerate the fixtures, run
``Rscript tests/reference/survival_reference.R`` from the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from tests._reference import REF, arr, close, ref

GBSG2_CSV = Path(__file__).parents[1] / "mirprog" / "datasets" / "gbsg2.csv"


# --------------------------------------------------------------------------- helpers


def labels(x: Any) -> list[str]:
    """Group labels as R prints them ("0", "1", "II"): 1.0 -> "1"."""
    out = []
    for v in np.atleast_1d(np.asarray(x, dtype=object)).tolist():
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        out.append(str(v))
    return out


def cases(name: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in ref(name)["cases"]]


# --------------------------------------------------------------------------- cohorts


@cache
def gbsg2_frame() -> pd.DataFrame:
    df = pd.read_csv(GBSG2_CSV)
    d = ref("cohort_derive_gbsg2")
    assert_array_equal(df["id"].to_numpy(), d["id"])
    return df.assign(
        pgr_high=d["pgr_high"],
        er_high=d["er_high"],
        nodes_gt3=d["nodes_gt3"],
        horth_yes=(df["horTh"] == "yes").astype(int),
        lpgr=d["lpgr"],
        tyear=d["tyear"],
    )


@cache
def lung_frame() -> pd.DataFrame:
    df = pd.read_csv(REF / "lung.csv")
    d = ref("cohort_derive_lung")
    assert_array_equal(df["id"].to_numpy(), d["id"])
    return df.assign(age_high=d["age_high"], female=d["female"], ecog3=arr(d["ecog3"]))


@cache
def cohort(dataset: str) -> mp.Cohort:
    if dataset == "gbsg2":
        return mp.Cohort(gbsg2_frame(), time="time", event="cens", id="id")
    if dataset == "ties":
        return mp.Cohort(gbsg2_frame().drop(columns="time"), time="tyear", event="cens", id="id")
    if dataset == "lung":
        return mp.Cohort(lung_frame(), time="time", event="event", id="id")
    raise KeyError(dataset)


# --------------------------------------------------------------------------- derived columns


def test_cutpoints_median_match_r() -> None:
    d = ref("cohort_derive_gbsg2")
    base = mp.Cohort(pd.read_csv(GBSG2_CSV), time="time", event="cens", id="id")
    cuts = mp.Cutpoints.fit(base, ["progrec", "estrec"], rule="median")
    data = cuts.apply(base).data
    assert_array_equal(data["progrec_high"].to_numpy(), d["pgr_high"])
    assert_array_equal(data["estrec_high"].to_numpy(), d["er_high"])


def test_cutpoints_fixed_match_r() -> None:
    base = mp.Cohort(pd.read_csv(GBSG2_CSV), time="time", event="cens", id="id")
    nodes = mp.Cutpoints.fit(base, ["pnodes"], rule="fixed", thresholds={"pnodes": 3})
    assert_array_equal(
        nodes.apply(base).data["pnodes_high"].to_numpy(), ref("cohort_derive_gbsg2")["nodes_gt3"]
    )


def test_cutpoints_median_lung_match_r() -> None:
    base = mp.Cohort(pd.read_csv(REF / "lung.csv"), time="time", event="event", id="id")
    cuts = mp.Cutpoints.fit(base, ["age"], rule="median")
    assert_array_equal(
        cuts.apply(base).data["age_high"].to_numpy(), ref("cohort_derive_lung")["age_high"]
    )


def test_derived_formulas_match_r() -> None:
    df = pd.read_csv(GBSG2_CSV)
    d = ref("cohort_derive_gbsg2")
    assert_allclose(np.log2(df["progrec"] + 1), d["lpgr"], rtol=1e-14)
    assert_array_equal(np.ceil(df["time"] / 365.25), d["tyear"])


# --------------------------------------------------------------------------- Kaplan-Meier

KM_CASES = cases("km_survfit_gbsg2") + cases("km_survfit_lung") + cases("km_survfit_ties")


@cache
def km_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in KM_CASES if c.values[0]["id"] == case_id)
    return mp.km(
        cohort(case["dataset"]),
        by=case["by"],
        conf_type=case["conf_type"],
        conf_level=case["conf_level"],
    )


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


@pytest.mark.parametrize("case", KM_CASES)
def test_km_median(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    med, exp = fit.median, case["median"]
    assert labels(med.index) == labels(exp["group"])
    for col in ["n", "events", "median", "ci_lower", "ci_upper"]:
        close(med[col], exp[col], col)


@pytest.mark.parametrize("case", KM_CASES)
def test_km_at_times(case: dict[str, Any]) -> None:
    fit = km_fit(case["id"])
    exp = case["at"]
    times = sorted(set(arr(exp["time"]).tolist()))
    at = fit.at(times)
    assert labels(at["group"]) == labels(exp["group"])
    for col in ["time", "n_at_risk", "survival", "std_err", "ci_lower", "ci_upper"]:
        close(at[col], exp[col], col)


# --------------------------------------------------------------------------- log-rank

LR_CASES = (
    cases("logrank_survdiff_gbsg2")
    + cases("logrank_survdiff_lung")
    + cases("logrank_survdiff_ties")
)


@pytest.mark.parametrize("case", LR_CASES)
def test_logrank(case: dict[str, Any]) -> None:
    lr = mp.logrank(cohort(case["dataset"]), by=case["by"], trend=False)
    close(lr.chi2, case["chi2"], "chi2")
    assert lr.df == case["df"]
    close(lr.p, case["p"], "p")
    assert labels(lr.table.index) == labels(case["groups"])
    close(lr.table["n"], case["n"], "n")
    close(lr.table["observed"], case["observed"], "observed")
    close(lr.table["expected"], case["expected"], "expected")
    close(lr.variance, np.array(case["variance"], dtype=float), "variance")


@pytest.mark.parametrize("case", [c for c in LR_CASES if "trend" in c.values[0]])
def test_logrank_trend(case: dict[str, Any]) -> None:
    lr = mp.logrank(cohort(case["dataset"]), by=case["by"], trend=True)
    exp = case["trend"]
    close(lr.chi2, exp["chi2"], "trend chi2")
    assert lr.df == 1
    close(lr.p, exp["p"], "trend p")
    explicit = mp.logrank(
        cohort(case["dataset"]), by=case["by"], trend=True, scores=list(exp["scores"])
    )
    close(explicit.chi2, exp["chi2"], "trend chi2 with explicit scores")


@pytest.mark.parametrize("case", cases("pairwise_survdiff_gbsg2"))
@pytest.mark.parametrize("adjust", ["holm", "bh"])
def test_pairwise_logrank(case: dict[str, Any], adjust: Any) -> None:
    pw = mp.pairwise_logrank(cohort(case["dataset"]), by=case["by"], adjust=adjust)
    tab = pw.table
    pairs = zip(labels(tab["group1"]), labels(tab["group2"]), strict=True)
    got = {pair: i for i, pair in enumerate(pairs)}
    want = list(zip(labels(case["group1"]), labels(case["group2"]), strict=True))
    assert sorted(got) == sorted(want), "pairs"
    rows = tab.iloc[[got[p] for p in want]]
    close(rows["n"], case["n"], "n")
    close(rows["chi2"], case["chi2"], "chi2")
    close(rows["p"], case["p"], "p")
    close(rows["p_adj"], case["p_holm" if adjust == "holm" else "p_bh"], "p_adj")


# --------------------------------------------------------------------------- Cox

COX_CASES = cases("coxph_coxph_gbsg2") + cases("coxph_coxph_lung") + cases("coxph_coxph_ties")


@cache
def cox_fit(case_id: str) -> Any:
    case = next(c.values[0] for c in COX_CASES if c.values[0]["id"] == case_id)
    kwargs = {k: case[k] for k in ("categorical", "reference") if case[k] is not None}
    return mp.cox(cohort(case["dataset"]), list(case["covariates"]), ties=case["ties"], **kwargs)


def test_cox_accepts_explicit_none_options() -> None:
    """The documented defaults ``categorical=None, reference=None`` can be passed explicitly."""
    fit = mp.cox(cohort("gbsg2"), ["pgr_high"], ties="efron", categorical=None, reference=None)
    close(fit.summary["coef"], cox_fit("gbsg2|pgr_high|efron").summary["coef"], "coef")


@pytest.mark.parametrize("case", COX_CASES)
def test_cox_coefficients(case: dict[str, Any]) -> None:
    fit = cox_fit(case["id"])
    summ = fit.summary
    terms = [str(t) for t in np.atleast_1d(case["term"])]
    assert list(summ.index) == terms, "terms"
    for col in ["coef", "se", "hr", "ci_lower", "ci_upper", "z", "p"]:
        close(summ[col], case[col], col)


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


@pytest.mark.parametrize("case", COX_CASES)
def test_cox_concordance(case: dict[str, Any]) -> None:
    close(cox_fit(case["id"]).concordance, case["concordance"], "concordance")


EFRON_TIES = [c for c in cases("coxph_coxph_ties") if c.values[0]["ties"] == "efron"]


@pytest.mark.parametrize("case", EFRON_TIES)
def test_ties_breslow_and_efron_differ(case: dict[str, Any]) -> None:
    """On year-rounded times the two tie methods must give visibly different fits."""
    bres_id = case["id"].replace("|efron", "|breslow")
    diff = np.abs(
        cox_fit(case["id"]).summary["coef"].to_numpy() - cox_fit(bres_id).summary["coef"].to_numpy()
    )
    assert diff.max() > 1e-3


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
