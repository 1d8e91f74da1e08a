"""Bad strata, weights, cluster and interaction options of ``mp.cox`` (mirprog/stats/cox/
_options.py and the option checks of coxph.py), end to end: each refusal is a
MirprogError naming the column, the rows at fault and the fix; and a fuzz of the options
over odd column dtypes.

R for comparison (survival 3.5-3): ``coxph`` refuses weights <= 0 ("Invalid weights, must
be >0"); mirprog accepts a weight of 0 (the row counts for nothing, as in ``survfit``) but
refuses weights that are all 0 or that leave no event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import mirprog as mp
from tests._cohorts import check_refused
from tests._fuzzing import fuzz_settings, only_mirprog_warnings
from tests._reference import ref

BAD = [3, 7]  # ids given bad values


def _gbsg2(**columns: Any) -> mp.Cohort:
    d = mp.datasets.load_gbsg2().data.assign(w=1.0)
    for name, value in columns.items():
        d[name] = d[name].astype(object) if isinstance(value, str) else d[name]
        d.loc[d["id"].isin(BAD), name] = value
    return mp.Cohort(d, time="time", event="cens", id="id")


def _with(transform: Callable[[pd.DataFrame], pd.DataFrame]) -> mp.Cohort:
    return mp.Cohort(transform(mp.datasets.load_gbsg2().data.assign(w=1.0)), time="time",
                     event="cens", id="id")


def _first_ids(d: pd.DataFrame, mask: pd.Series) -> tuple[Any, ...]:
    return tuple(d.loc[mask, "id"].head(5))


def _veteran_without_large_events() -> tuple[mp.Cohort, tuple[Any, ...]]:
    d = pd.DataFrame(ref("coxph_strata_veteran")["data"])
    d.loc[d["celltype"] == "large", "status"] = 0
    return (mp.Cohort(d, time="time", event="status", id="id"),
            _first_ids(d, d["celltype"] == "large"))


def _grade1_events_weigh_nothing(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(w=np.where((d["tgrade"] == "I") & (d["cens"] == 1), 0.0, 1.0))


_G = mp.datasets.load_gbsg2().data
REFUSED = [
    pytest.param(lambda: mp.cox(_veteran_without_large_events()[0], ["karno"],
                                strata="celltype"),
                 r"Stratum large of \['celltype'\] has no events among the rows used \(ids "
                 r".*Merge it with a neighbouring stratum", "celltype",
                 _veteran_without_large_events()[1], id="stratum-without-events"),
    pytest.param(lambda: mp.cox(_with(_grade1_events_weigh_nothing), ["age"], strata="tgrade",
                                weights="w"),
                 r"Stratum I of \['tgrade'\] has no events with weight > 0 in 'w'.*Merge",
                 "tgrade", _first_ids(_G, _G["tgrade"] == "I"),
                 id="stratum-whose-events-weigh-0"),
    pytest.param(lambda: mp.cox(_gbsg2(w=-1.0), ["age"], weights="w"),
                 r"weights column 'w' holds negative or infinite values at ids 3, 7; case "
                 r"weights must be finite and >= 0", "w", (3, 7), id="negative-weights"),
    pytest.param(lambda: mp.cox(_gbsg2(w=np.nan), ["age"], weights="w"),
                 r"'w' column is missing for 2 of the rows used \(ids 3, 7\).*Fill them in",
                 "w", (3, 7), id="missing-weights"),
    pytest.param(lambda: mp.cox(_gbsg2(w=np.inf), ["age"], weights="w"),
                 r"Column 'w' is infinite in 2 row\(s\): 3, 7\. Replace it by a finite value",
                 "w", (3, 7), id="infinite-weights"),
    pytest.param(lambda: mp.cox(_with(lambda d: d.assign(w=0.0)), ["age"], weights="w"),
                 r"Every weight in 'w' is 0 among the 686 rows used.*leave weights= out", "w",
                 (), id="all-zero-weights"),
    pytest.param(lambda: mp.cox(_with(lambda d: d.assign(w=1.0 - d["cens"])), ["age"],
                                weights="w"),
                 r"Every event among the rows used has weight 0 in 'w' \(ids 1, 2, 3, 4, 5 "
                 r"\(and 294 more\)\).*Check the weights column", "w",
                 _first_ids(_G, _G["cens"] == 1), id="events-weigh-0"),
    pytest.param(lambda: mp.cox(_gbsg2(w="two"), ["age"], weights="w"),
                 r"Column 'w' has non-numeric values \('two'\) in rows 3, 7.*Correct those",
                 "w", (3, 7), id="text-in-weights"),
    pytest.param(lambda: mp.cox(_with(lambda d: d.assign(w=np.where(d["id"] > 2, "one", "two"))),
                                ["age"], weights="w"),
                 r"weights column 'w' is not numeric: it holds 'two' at ids 1, 2, 3, 4, 5 "
                 r"\(and 681 more\)\. Case weights are numbers.*recode", "w", (1, 2, 3, 4, 5),
                 id="text-weights"),
    pytest.param(lambda: mp.cox(_gbsg2(), ["age", "w"], weights="w"),
                 r"'w' is both a covariate and the weights column; use it in one place", "w",
                 (), id="weights-is-a-covariate"),
    pytest.param(lambda: mp.cox(_gbsg2(), ["age:w"], weights="w"),
                 r"'w' is both a covariate and the weights column", "w", (),
                 id="weights-in-an-interaction"),
    pytest.param(lambda: mp.cox(_gbsg2(), ["age", "tgrade"], strata="tgrade"),
                 r"'tgrade' is both a covariate and a stratum.*Use it in one place", "tgrade",
                 (), id="strata-is-a-covariate"),
    pytest.param(lambda: mp.cox(_gbsg2(), ["age*horTh"], strata="horTh"),
                 r"'horTh' is both a covariate and a stratum", "horTh", (),
                 id="strata-in-an-interaction"),
    pytest.param(lambda: mp.cox(_gbsg2(), ["age", "horTh"], cluster="horTh"),
                 r"'horTh' is both a covariate and the cluster column; use it in one place",
                 "horTh", (), id="cluster-is-a-covariate"),
    pytest.param(lambda: mp.cox(_gbsg2(menostat=np.nan), ["age"], cluster="menostat"),
                 r"'menostat' column is missing for 2 of the rows used \(ids 3, 7\); weights "
                 r"and clusters are needed for every row\. Fill them in", "menostat", (3, 7),
                 id="cluster-with-missing-values"),
    *[pytest.param(lambda spec=spec: mp.cox(_gbsg2(), [spec]),
                   r"is of a column with itself; for a quadratic effect add a column age\*\*2 "
                   r"to the cohort, or use mp.spline_cox", "age", (), id=f"self-interaction-{i}")
      for i, spec in enumerate(["age:age", "age*age", " age * age "])],
]


@pytest.mark.parametrize(("action", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], match: str, column: str | None,
                 rows: tuple[Any, ...]) -> None:
    check_refused(action, mp.CohortError, match, column, rows)


def test_zero_weighted_group_says_the_weights_leave_it_constant() -> None:
    c = _with(lambda d: d.assign(w=np.where(d["horTh"] == "yes", 0.0, 1.0)))
    with pytest.raises(mp.CohortError, match=r"\['horTh'\] are collinear or constant among "
                       r"the 686 rows used \(440 of them with weight > 0 in 'w'"):
        mp.cox(c, ["horTh"], weights="w")


def test_one_column_as_weights_and_cluster() -> None:
    """Found while checking the options: this raised a bare AttributeError."""
    w = pd.DataFrame(ref("coxph_weights_gbsg2")["data"])
    d = mp.datasets.load_gbsg2().data.merge(w, on="id").assign(w2=lambda f: f["w"])
    c = mp.Cohort(d, time="time", event="cens", id="id")
    same = mp.cox(c, ["age", "horTh"], weights="w", cluster="w")
    apart = mp.cox(c, ["age", "horTh"], weights="w", cluster="w2")
    pd.testing.assert_frame_equal(same.summary, apart.summary)


def _every_fifth_weighs_0() -> mp.Cohort:
    return _with(lambda d: d.assign(w=np.where(d["id"] % 5 == 0, 0.0, 1.0)))


def test_zero_weights_count_for_nothing_with_breslow_ties() -> None:
    """A weight of 0 (refused by R's coxph, allowed here) is the row left out (Breslow)."""
    c = _every_fifth_weighs_0()
    fit = mp.cox(c, ["age", "horTh"], weights="w", ties="breslow")
    kept = mp.cox(c.subset(c.data["id"] % 5 != 0), ["age", "horTh"], ties="breslow")
    np.testing.assert_allclose(fit.summary["coef"], kept.summary["coef"], rtol=1e-9)
    np.testing.assert_allclose(fit.summary["se"], kept.summary["se"], rtol=1e-9)


@pytest.mark.r_reference
def test_zero_weights_with_efron_ties_are_rs_small_weight_limit() -> None:
    """With Efron ties a 0-weight event still counts in its tie group's d (R's coxfit6 rule),
    so it is *not* the row left out: the fit is R's with weight 1e-10.  R 4.2.2, survival
    3.5-3: ``coef(coxph(Surv(time, cens) ~ age + horTh, gbsg2, weights = ifelse(id %% 5 ==
    0, 1e-10, 1)))`` = 0.00463913540493, -0.29099711355661; without those rows
    0.00463977864947, -0.29098785811376."""
    fit = mp.cox(_every_fifth_weighs_0(), ["age", "horTh"], weights="w", ties="efron")
    np.testing.assert_allclose(fit.summary["coef"], [0.00463913540493, -0.29099711355661],
                               rtol=1e-9)


# --------------------------------------------------------------------------- fuzz

_DTYPES = ["float", "float-nan", "int", "text", "text-nan", "bool", "category", "category-nan",
           "constant", "zeros", "negative"]


def _column(kind: str, rng: np.random.Generator, n: int) -> pd.Series:
    levels = rng.integers(0, int(rng.integers(1, 6)) + 1, n)
    values: dict[str, Any] = {
        "float": rng.uniform(0, 3, n), "int": levels, "text": [f"c{v}" for v in levels],
        "bool": levels % 2 == 0, "category": pd.Categorical([f"k{v}" for v in levels]),
        "constant": np.ones(n), "zeros": np.zeros(n), "negative": rng.normal(0, 1, n),
    }
    s = pd.Series(values[kind.removesuffix("-nan")])
    if kind.endswith("-nan"):
        s = s.astype(object) if kind.startswith("text") else s
        s[rng.random(n) < 0.1] = np.nan
    return s


@pytest.mark.fuzz
@fuzz_settings(60)
@given(seed=st.integers(0, 2**32 - 1), strata=st.sampled_from([None, *_DTYPES]),
       weights=st.sampled_from([None, *_DTYPES]), cluster=st.sampled_from([None, *_DTYPES]),
       robust=st.booleans(), covariates=st.sampled_from([["age"], ["horTh", "tsize"],
                                                          ["tgrade*age"], ["s"]]))
# an event time whose tie group and whole risk set weigh 0 once gave log(0) in the engine
@example(seed=2008, strata="int", weights="int", cluster="int", robust=False,
         covariates=["tgrade*age"])
def test_options_raise_only_mirprog_errors(seed: int, strata: str | None, weights: str | None,
                                           cluster: str | None, robust: bool,
                                           covariates: list[str]) -> None:
    """Random strata/weights/cluster columns on gbsg2: a fit, or a MirprogError."""
    rng = np.random.default_rng(seed)
    d = mp.datasets.load_gbsg2().data.sample(120, random_state=seed % 1000)
    d = d.reset_index(drop=True)
    for name, kind in (("s", strata), ("w", weights), ("k", cluster)):
        if kind is not None:
            d[name] = _column(kind, rng, len(d))
    kwargs = {"strata": "s" if strata else None, "weights": "w" if weights else None,
              "cluster": "k" if cluster else None}
    with only_mirprog_warnings():
        try:
            c = mp.Cohort(d, time="time", event="cens", id="id")
            fit = mp.cox(c, covariates, robust=robust, ties="efron", **kwargs)
        except mp.MirprogError:
            return
    assert np.isfinite(fit.loglik)
    assert fit.n <= len(d)
