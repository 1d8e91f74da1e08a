"""KM, log-rank and Cox on (start, stop] cohorts against R (`heart`, its post-transplant
rows as a left-truncated cohort, and the recurrent infections of `cgd`).

Fixture: tests/reference/cohort_intervals_reference.R -> cohort_intervals_heart.json.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from tests._reference import close, labels, ref

F = ref("cohort_intervals_heart")


@cache
def heart() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(F["heart"]), time="stop", event="event", id="id",
                     entry="start")


@cache
def post() -> mp.Cohort:
    d = pd.DataFrame(F["heart"])
    return mp.Cohort(d[d["transplant"] == 1], time="stop", event="event", id="id",
                     entry="start")


@cache
def cgd() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(F["cgd"]), time="tstop", event="status", id="id",
                     entry="tstart", recurrent=True)


KM = {"heart": (heart, None), "heart_by_transplant": (heart, "transplant"),
      "heart_by_surgery": (heart, "surgery"), "post": (post, None),
      "cgd_by_treat": (cgd, "treat")}


def _case(section: str, name: str, ties: str | None = None) -> dict[str, Any]:
    return next(c for c in F[section] if c["name"] == name and ties in (None, c.get("ties")))


@pytest.mark.r_reference
def test_interval_cohort_counts() -> None:
    h = heart()
    assert (h.n, h.n_patients, h.n_events) == (172, 103, 75)
    assert isinstance(h.ids, pd.MultiIndex)
    assert h.ids.is_unique
    assert (cgd().n, cgd().n_patients) == (203, 128)


@pytest.mark.r_reference
@pytest.mark.parametrize("name", list(KM))
def test_km_with_delayed_entry_matches_survfit(name: str) -> None:
    make, by = KM[name]
    r = _case("km", name)
    fit = mp.km(make(), by=by)
    tab = fit.table
    assert labels(tab["group"]) == labels(r["group"])
    close(tab["time"], r["time"], "time")
    close(tab["n_at_risk"], r["n_risk"], "n at risk")
    close(tab["n_events"], r["n_event"], "events")
    close(tab["n_censored"], r["n_censor"], "censored (survfit id=: moving on is not censoring)")
    close(tab["survival"], r["surv"], "survival")
    close(tab["se"], r["std_err"], "se")
    close(tab["ci_lower"], r["lower"], "lower")
    close(tab["ci_upper"], r["upper"], "upper")
    close(fit.median["median"], r["median"], "median")
    close(fit.median["ci_lower"], r["median_lower"], "median lower")
    close(fit.median["ci_upper"], r["median_upper"], "median upper")
    d = make().data
    patients = d.groupby(by)["id"].nunique() if by else pd.Series([d["id"].nunique()])
    assert fit.median["n"].tolist() == patients.tolist()
    assert fit.n == int(np.sum(r["records"]))


LR = {"heart_transplant": (heart, "transplant", None), "heart_surgery": (heart, "surgery", None),
      "heart_transplant_strata_surgery": (heart, "transplant", "surgery"),
      "post_surgery": (post, "surgery", None), "cgd_treat": (cgd, "treat", None),
      "cgd_hos": (cgd, "hos.cat", None)}


@pytest.mark.r_reference
@pytest.mark.parametrize("name", list(LR))
def test_logrank_on_intervals_is_the_exact_cox_score_test(name: str) -> None:
    make, by, strata = LR[name]
    r = _case("logrank", name)
    res = mp.logrank(make(), by=by, strata=strata)
    close(res.chi2, r["chi2"], "chi2")
    assert res.df == r["df"]


COX = {"heart": (heart, ["age", "surgery", "transplant"], {}),
       "heart_strata_cluster": (heart, ["age", "transplant"],
                                {"strata": "surgery", "cluster": "id"}),
       "post": (post, ["age", "surgery"], {}),
       "cgd": (cgd, ["treat", "inherit", "steroids", "hos.cat"], {"cluster": "id"})}


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("name", list(COX))
def test_cox_on_intervals_matches_coxph(name: str, ties: str) -> None:
    make, covs, opts = COX[name]
    r = _case("cox", name, ties)
    fit = mp.cox(make(), covs, ties=ties, **opts)  # type: ignore[arg-type]
    assert (fit.n, fit.events) == (r["n"], r["nevent"])
    close(fit.summary["coef"], r["coef"], "coef")
    close(fit.vcov.to_numpy(), np.array(r["var"]), "variance")
    close([fit.loglik_null, fit.loglik], r["loglik"], "loglik")
    close(fit.score_chi2, r["score"], "score test")
    if r["naive_var"] is not None:
        close(fit.naive_vcov.to_numpy(), np.array(r["naive_var"]), "naive variance")
        close(fit.robust_score_chi2, r["rscore"], "robust score test")
    c = fit.concordance_counts
    close([c[k] for k in ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")],
          r["counts"], "concordance pair counts")
    close(fit.concordance, r["concordance"], "concordance")
    ft = fit.factor_tests
    close(ft.loc[r["drop1_terms"], "lr_chi2"], r["drop1_lrt"], "drop1 LR")
    close(ft.loc[r["drop1_terms"], "df"], r["drop1_df"], "drop1 df")
