"""survsplit and tmerge against R survSplit / tmerge (veteran; pbc with pbcseq), and the
Cox fits on what they build.  Fixture: tests/reference/cohort_episodes_reference.R."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import mirprog as mp
from tests._reference import close, ref

F = ref("cohort_episodes_veteran_pbc")


@cache
def veteran() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(F["veteran"]), time="time", event="status", id="id")


@cache
def pbc() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(F["pbc"]), time="time", event="dead", id="id")


@cache
def split() -> mp.Cohort:
    return mp.survsplit(veteran(), cut=[180, 90], episode="tgroup")


@cache
def merged() -> mp.Cohort:
    return mp.tmerge(pbc(), pd.DataFrame(F["pbcseq"]), id="id", time="day", value="bili")


@pytest.mark.r_reference
def test_survsplit_rows_match_survsplit() -> None:
    d, r = split().data, F["split"]
    assert_array_equal(d["id"], r["id"])
    for ours, theirs in (("tstart", "tstart"), ("time", "time"), ("status", "status"),
                         ("tgroup", "tgroup")):
        close(d[ours], r[theirs], ours)
    assert split().n_patients == veteran().n
    assert split().n_events == veteran().n_events


SPLIT = {"split_only": ["karno:tgroup"], "split_contrasts": ["trt", "karno", "karno:tgroup"]}


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("name", [*SPLIT, "unsplit"])
def test_time_split_hazard_ratios_match_coxph(name: str, ties: str) -> None:
    r = next(f for f in F["split_fits"] if f["name"] == name and f["ties"] == ties)
    if name == "unsplit":  # splitting changes nothing in a model without the period
        fit = mp.cox(split(), ["trt", "karno"], ties=ties)  # type: ignore[arg-type]
    else:
        fit = mp.cox(split(), SPLIT[name], ties=ties,  # type: ignore[arg-type]
                     categorical=["tgroup"])
    assert len(fit.terms) == len(r["terms"])
    close(fit.summary["coef"], r["coef"], "coef")
    close(fit.vcov.to_numpy(), np.array(r["var"]), "variance")
    close([fit.loglik_null, fit.loglik], r["loglik"], "loglik")


def test_split_term_names_give_the_effect_in_each_period() -> None:
    fit = mp.cox(split(), ["karno:tgroup"], categorical=["tgroup"])
    assert fit.terms == ("karno:tgroup[1]", "karno:tgroup[2]", "karno:tgroup[3]")


@pytest.mark.r_reference
def test_tmerge_rows_match_tmerge() -> None:
    d, r = merged().data, F["tmerge"]
    assert_array_equal(d["id"], r["id"])
    close(d["tstart"], r["tstart"], "tstart")
    close(d["time"], r["tstop"], "tstop")
    close(d["dead"], r["death"], "event on the last piece")
    close(d["bili"], r["bili"], "bilirubin carried forward")


@pytest.mark.r_reference
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_with_time_dependent_covariate_matches_coxph(ties: str) -> None:
    r = next(f for f in F["tmerge_fits"] if f["ties"] == ties)
    c = merged()
    c = c.assign(lbili=np.log(c.data["bili"]))
    fit = mp.cox(c, ["lbili", "age"], ties=ties)  # type: ignore[arg-type]
    assert (fit.n, fit.events) == (r["n"], r["nevent"])
    close(fit.summary["coef"], r["coef"], "coef")
    close(fit.vcov.to_numpy(), np.array(r["var"]), "variance")
    close([fit.loglik_null, fit.loglik], r["loglik"], "loglik")


def test_survsplit_of_an_interval_cohort_and_without_id() -> None:
    noid = mp.Cohort(pd.DataFrame(F["veteran"]).drop(columns="id"), time="time",
                     event="status")
    s = mp.survsplit(noid, cut=[90, 180])
    assert_array_equal(s.data["episode"], split().data["tgroup"])
    again = mp.survsplit(split(), cut=[30])
    assert again.n == split().n + int((veteran().time > 30).sum())
    assert again.n_events == veteran().n_events


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"cut": []}, mp.errors.ArgumentError, "one or more finite positive"),
    ({"cut": [0, 90]}, mp.errors.ArgumentError, "finite positive"),
    ({"cut": ["soon"]}, mp.errors.ArgumentError, "cut= takes numbers"),
    ({"cut": [90], "episode": "karno"}, mp.errors.CohortError, "'karno' already exists"),
])
def test_survsplit_refuses_bad_arguments(kwargs: dict[str, Any], error: type, match: str
                                         ) -> None:
    with pytest.raises(error, match=match):
        mp.survsplit(veteran(), **kwargs)


def test_tmerge_refuses_bad_measurements() -> None:
    seq = pd.DataFrame(F["pbcseq"])
    with pytest.raises(mp.errors.CohortError, match=r"not in the cohort \(999\)"):
        mp.tmerge(pbc(), pd.concat([seq, pd.DataFrame({"id": [999], "day": [0], "bili": [1]})]),
                  id="id", time="day", value="bili")
    with pytest.raises(mp.errors.CohortError, match="two measurements of 'bili' at one time"):
        mp.tmerge(pbc(), pd.concat([seq, seq.iloc[:1]]), id="id", time="day", value="bili")
    with pytest.raises(mp.errors.CohortError, match="'day' is missing or not a finite"):
        mp.tmerge(pbc(), seq.assign(day=seq["day"].where(seq.index != 3)), id="id",
                  time="day", value="bili")
    with pytest.raises(mp.errors.CohortError, match="'visit' is not in the measurements"):
        mp.tmerge(pbc(), seq, id="id", time="visit", value="bili")
