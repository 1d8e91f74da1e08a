"""mp.concordance / mp.compare_concordance and the concordance engine against R survival.

Fixture: tests/reference/concordance_reference.R -> concordance_concordance_rotterdam_gbsg.json
(a Royston-Altman-like model developed on survival::rotterdam, validated on survival::gbsg;
survival::heart for (start, stop] rows).  Beside R, an independent O(n^2) reference
(:func:`_pairs_reference`: every pair looked at, time weights from explicit Kaplan-Meier
loops, the influence as the derivative of C in each case weight) checks the engine on
small random data, and scikit-survival and lifelines where they compute the same thing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog._engine.concordance import ahead_sums, concordance_fit, dominance
from mirprog._engine.coxph import concordance_counts
from mirprog.errors import ArgumentError, CohortError
from tests._reference import REF, ref

F = ref("concordance_concordance_rotterdam_gbsg")
COVS = ["age", "meno", "size", "grade", "nodes", "pgr", "er", "hormon"]
KEYS = ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")


@cache
def rotterdam() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "concordance_rotterdam.csv"), time="rfstime",
                     event="rfs", id="pid")


@cache
def gbsg() -> mp.Cohort:
    return mp.Cohort(pd.read_csv(REF / "concordance_gbsg.csv"), time="rfstime", event="rfs",
                     id="pid")


@cache
def heart() -> mp.Cohort:
    return mp.Cohort(pd.DataFrame(ref("cohort_intervals_heart")["heart"]), time="stop",
                     event="event", id="id", entry="start")


@cache
def fit(kind: str, ties: str = "efron") -> mp.results.CoxResult:
    if kind == "full":
        return mp.cox(rotterdam(), COVS, ties=ties)  # type: ignore[arg-type]
    if kind == "small":
        return mp.cox(rotterdam(), ["nodes", "size"], ties="efron")
    if kind == "strata":
        return mp.cox(rotterdam(), [c for c in COVS if c != "meno"], ties="efron",
                      strata="meno")
    if kind == "weights":
        return mp.cox(rotterdam(), COVS, ties="efron", weights="w")
    if kind == "weights_small":
        return mp.cox(rotterdam(), ["nodes", "size"], ties="efron", weights="w")
    hcovs = ["age", "year", "surgery", "transplant"]
    if kind == "heart":
        return mp.cox(heart(), hcovs)
    return mp.cox(heart(), hcovs, cluster="id")


def _run(case_id: str) -> mp.results.ConcordanceResult:
    parts = case_id.split("|")
    ymax = float(parts[-1][4:]) if parts[-1].startswith("ymax") else None
    kind = parts[0]
    if kind in ("own", "new"):
        return mp.concordance(fit("full", parts[1]), None if kind == "own" else gbsg(),
                              timewt=parts[2], ymax=ymax)  # type: ignore[arg-type]
    tw: Any = parts[1]
    if kind.startswith("strata"):
        return mp.concordance(fit("strata"), None if kind == "strata_own" else gbsg(),
                              timewt=tw)
    if kind == "weights_own":
        return mp.concordance(fit("weights"), timewt=tw)
    if kind == "column_nodes":
        return mp.concordance("nodes", gbsg(), timewt=tw, ymax=ymax)
    return mp.concordance(fit(kind), ymax=ymax)


@pytest.mark.r_reference
def test_the_models_are_rs() -> None:
    assert_allclose(fit("full").summary["coef"], F["coef_own_efron"], rtol=1e-8)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", F["cases"], ids=lambda c: c["id"])
def test_concordance_matches_r(case: dict[str, Any]) -> None:
    res = _run(case["id"])
    assert res.n == case["n"]
    assert abs(res.c - case["c"]) < 1e-10
    assert_allclose(res.se, np.sqrt(case["var"]), rtol=1e-8)
    assert_allclose([getattr(res, k) for k in KEYS], case["count"], rtol=1e-10, atol=1e-8)
    if "dfbeta" in case:
        assert_allclose(res.dfbeta, case["dfbeta"], rtol=1e-8, atol=1e-14)
    z = 1.959963984540054
    assert_allclose([res.ci_lower, res.ci_upper], [res.c - z * res.se, res.c + z * res.se])


def _compare(case_id: str) -> mp.results.ConcordanceComparison:
    kind, tw = case_id.split("|")
    if kind == "weights":
        return mp.compare_concordance(fit("weights"), fit("weights_small"))
    return mp.compare_concordance(fit("full"), fit("small"),
                                  gbsg() if kind == "new" else None,
                                  timewt=tw)  # type: ignore[arg-type]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", F["compare"], ids=lambda c: c["id"])
def test_compare_concordance_matches_r(case: dict[str, Any]) -> None:
    res = _compare(case["id"])
    assert res.n == case["n"]
    assert abs(res.c_a - case["c"][0]) < 1e-10
    assert abs(res.c_b - case["c"][1]) < 1e-10
    assert abs(res.difference - case["difference"]) < 1e-10
    assert_allclose(res.vcov, np.array(case["var"]), rtol=1e-8)
    assert_allclose(res.se, case["se"], rtol=1e-8)
    z = res.difference / res.se
    from scipy.stats import norm
    assert_allclose(res.p, 2 * norm.sf(abs(z)), rtol=1e-10)
    assert list(res.to_frame().index) == ["a", "b", "difference"]


def test_cox_concordance_is_the_engines() -> None:
    f = fit("full")
    res = mp.concordance(f)
    assert res.c == pytest.approx(f.concordance, abs=1e-15)
    assert f.concordance_counts["tied_x"] == res.tied_x


# --- the independent O(n^2) reference ------------------------------------------------


def _km_weights(time: np.ndarray, event: np.ndarray, w: np.ndarray, timewt: str,
                entry: np.ndarray | None) -> dict[float, float]:
    """Each event time's weight, from explicit loops over the distinct times."""
    out: dict[float, float] = {}
    s = g = 1.0
    total = w.sum()
    for t in np.unique(time):
        at = (time >= t) if entry is None else ((time >= t) & (entry < t))
        n_risk = w[at].sum()
        d = w[(time == t) & (event == 1)].sum()
        cens = w[(time == t) & (event == 0)].sum()
        if d > 0:
            out[float(t)] = {"n": 1.0, "S": total * s / n_risk,
                             "S/G": total * s / (g * n_risk), "n/G": 1 / g,
                             "n/G2": 1 / g ** 2, "I": 1 / n_risk}[timewt]
            s *= 1 - d / n_risk
        if cens > 0:   # censorings at t happen after the events at t
            g *= 1 - cens / (n_risk - d)
    return out


def _pairs_reference(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                     w: np.ndarray, strata: np.ndarray, timewt: str = "n",
                     ymax: float | None = None, entry: np.ndarray | None = None
                     ) -> tuple[np.ndarray, float, np.ndarray]:
    """Counts, C and R's dfbeta (w_i dC/dw_i at fixed time weights), pair by pair."""
    n = len(time)
    tau = np.zeros(n)
    for k in np.unique(strata):
        sel = strata == k
        if event[sel].sum() < 2:
            tw = _km_weights(time[sel], event[sel], w[sel], "n", None)
        else:
            tw = _km_weights(time[sel], event[sel], w[sel], timewt,
                             None if entry is None else entry[sel])
        for i in np.flatnonzero(sel):
            tau[i] = tw.get(float(time[i]), 0.0) if event[i] == 1 else 0.0
    if ymax is not None:
        tau[time > ymax] = 0.0
    counts = np.zeros(5)
    grad = np.zeros((n, 3))   # d(count k)/d w_i, k = concordant, discordant, tied_x
    for i in np.flatnonzero(event == 1):
        for j in range(n):
            if j == i or strata[j] != strata[i]:
                continue
            if entry is not None and not entry[j] < time[i]:
                continue
            if time[j] > time[i] or (time[j] == time[i] and event[j] == 0):
                k = 0 if risk[i] > risk[j] else (1 if risk[i] < risk[j] else 2)
                counts[k] += w[i] * w[j] * tau[i]
                grad[i, k] += w[j] * tau[i]
                grad[j, k] += w[i] * tau[i]
            elif time[j] == time[i] and j > i:   # both events at the same time
                if risk[i] == risk[j]:
                    counts[4] += w[i] * w[j] * tau[i]
                # R 3.5-3's concordance4 ((start, stop] rows) counts tied.y without the
                # time weight, then subtracts the (time-weighted) tied.xy from it
                counts[3] += w[i] * w[j] * (1.0 if entry is not None else tau[i])
    counts[3] -= counts[4]
    npair = counts[:3].sum()
    c = (counts[0] + counts[2] / 2) / npair
    dc = ((grad[:, 0] + grad[:, 2] / 2) - c * grad.sum(axis=1)) / npair
    return counts, c, w * dc


def _random_data(seed: int, n: int, counting: bool = False) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 15, n).astype(float)
    d = {"time": time, "event": (rng.random(n) < 0.6).astype(np.int64),
         "risk": rng.integers(0, 6, n).astype(float), "w": rng.uniform(0.5, 2.0, n),
         "strata": rng.integers(0, 2, n)}
    if counting:
        d["entry"] = np.maximum(time - rng.integers(1, 8, n), 0.0)
    return d


@pytest.mark.parametrize("timewt", ["n", "S", "S/G", "n/G", "n/G2", "I"])
@pytest.mark.parametrize("seed", [1, 2])
def test_engine_matches_the_pairwise_reference(timewt: str, seed: int) -> None:
    d = _random_data(seed, 80)
    ymax = 12.0 if seed == 2 else None
    got = concordance_fit(d["time"], d["event"], d["risk"], weights=d["w"], strata=d["strata"],
                          timewt=timewt, ymax=ymax)
    counts, c, dfbeta = _pairs_reference(d["time"], d["event"], d["risk"], d["w"],
                                         d["strata"], timewt, ymax)
    assert_allclose(got.counts, counts, rtol=1e-12, atol=1e-10)
    assert got.concordance == pytest.approx(c, abs=1e-14)
    assert_allclose(got.dfbeta, dfbeta, rtol=1e-10, atol=1e-15)
    assert got.var == pytest.approx(float(dfbeta @ dfbeta), rel=1e-10)


@pytest.mark.parametrize("timewt", ["n", "S", "I"])
def test_engine_on_intervals_matches_the_pairwise_reference(timewt: str) -> None:
    d = _random_data(3, 70, counting=True)
    got = concordance_fit(d["time"], d["event"], d["risk"], weights=d["w"], strata=d["strata"],
                          entry=d["entry"], timewt=timewt, ymax=13.0)
    counts, c, dfbeta = _pairs_reference(d["time"], d["event"], d["risk"], d["w"],
                                         d["strata"], timewt, 13.0, d["entry"])
    assert_allclose(got.counts, counts, rtol=1e-12, atol=1e-10)
    assert got.concordance == pytest.approx(c, abs=1e-14)
    assert_allclose(got.dfbeta, dfbeta, rtol=1e-10, atol=1e-15)


def test_clustered_variance_sums_dfbeta_by_cluster() -> None:
    d = _random_data(4, 60)
    cl = np.arange(60) // 3
    plain = concordance_fit(d["time"], d["event"], d["risk"])
    clus = concordance_fit(d["time"], d["event"], d["risk"], cluster=cl)
    sums = np.bincount(cl, plain.dfbeta)
    assert_allclose(clus.dfbeta, sums)
    assert clus.var == pytest.approx(float(sums @ sums))


def test_dominance_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    pk, qk = rng.integers(0, 10, 50).astype(float), rng.integers(0, 10, 30).astype(float)
    pr, qr = rng.integers(0, 7, 50), rng.integers(0, 7, 30)
    pw = rng.random(50)
    pg, qg = rng.integers(0, 3, 50), rng.integers(0, 3, 30)
    for strict in (True, False):
        lt, eq, gt = dominance(pk, pr, pw, qk, qr, strict=strict, pgroup=pg, qgroup=qg)
        for q in range(30):
            ok = ((pk > qk[q]) if strict else (pk >= qk[q])) & (pg == qg[q])
            assert lt[q] == pytest.approx(pw[ok & (pr < qr[q])].sum())
            assert eq[q] == pytest.approx(pw[ok & (pr == qr[q])].sum())
            assert gt[q] == pytest.approx(pw[ok & (pr > qr[q])].sum())
    lt2, eq2, gt2 = ahead_sums(np.arange(3), np.zeros(3, int), np.array([2, 0, 2]),
                               np.ones((3, 1)))
    assert lt2[0].tolist() == [0, 0, 1]
    assert eq2[0].tolist() == [0, 0, 1]
    assert gt2[0].tolist() == [0, 1, 0]


def test_concordance_counts_keeps_its_contract() -> None:
    d = _random_data(5, 50)
    counts = concordance_counts(d["time"], d["event"], d["risk"], weights=d["w"])
    full = concordance_fit(d["time"], d["event"], d["risk"], weights=d["w"])
    assert set(counts) == {*KEYS, "concordance"}
    assert_allclose([counts[k] for k in KEYS], full.counts, rtol=1e-14)
    assert counts["concordance"] == pytest.approx(full.concordance, abs=1e-15)


# --- other libraries -------------------------------------------------------------------


def test_harrell_c_equals_scikit_survival_and_lifelines() -> None:
    """sksurv's concordance_index_censored pairs exactly as R (an event and a censoring at
    the same time are comparable, tied event times are not), so C, concordant, discordant
    and tied_risk (R's tied.x) agree; its ``tied_time`` is a different count (it is not
    R's tied.y + tied.xy).  lifelines' concordance_index (score = survival, so -risk)
    gives the same C."""
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_censored

    g = gbsg()
    res = mp.concordance("nodes", g)
    c, conc, disc, tied_risk, _ = concordance_index_censored(
        g.event.astype(bool), g.time, g.data["nodes"].to_numpy(float))
    assert c == pytest.approx(res.c, abs=1e-12)
    assert (conc, disc, tied_risk) == (res.concordant, res.discordant, res.tied_x)
    lif = concordance_index(g.time, -g.data["nodes"].to_numpy(float), g.event)
    assert lif == pytest.approx(res.c, abs=1e-12)


def test_uno_c_is_close_to_scikit_survival_ipcw() -> None:
    """sksurv's concordance_index_ipcw weights an event at t by 1/G(t)^2 like R's "n/G2",
    but its G is the censoring Kaplan-Meier at t (not t-) from sksurv's own estimator and
    it truncates at tau; the two agree to ~1e-3 here, not to rounding."""
    from sksurv.metrics import concordance_index_ipcw
    from sksurv.util import Surv

    g = gbsg()
    y = Surv.from_arrays(g.event.astype(bool), g.time)
    tau = float(np.quantile(g.time[g.event == 1], 0.8))
    sk = concordance_index_ipcw(y, y, g.data["nodes"].to_numpy(float), tau=tau)[0]
    ours = mp.concordance("nodes", g, timewt="n/G2", ymax=tau).c
    assert abs(sk - ours) < 5e-3


# --- errors ------------------------------------------------------------------------------


def test_g_weights_are_refused_on_intervals() -> None:
    with pytest.raises(ArgumentError, match="not defined for \\(start, stop\\] rows"):
        mp.concordance(fit("heart"), timewt="S/G")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"timewt": "uno"}, "timewt must be one of"),
    ({"ymax": "1000"}, "ymax must be a finite number"),
    ({"ymax": float("nan")}, "ymax must be a finite number"),
    ({"conf_level": 1.5}, "conf_level must be between 0 and 1"),
])
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        mp.concordance("nodes", gbsg(), **kwargs)


def test_a_column_or_model_needs_a_cohort() -> None:
    with pytest.raises(ArgumentError, match="needs the cohort holding that column"):
        mp.concordance("nodes")
    with pytest.raises(ArgumentError, match=r"takes a mp\.cox fit"):
        mp.concordance(3.0, gbsg())  # type: ignore[arg-type]


def test_bad_score_columns() -> None:
    with pytest.raises(CohortError, match="has no column 'nope'"):
        mp.concordance("nope", gbsg())
    with pytest.raises(CohortError, match="is not numeric"):
        mp.concordance("size", gbsg())


def test_no_comparable_pair() -> None:
    with pytest.raises(CohortError, match="No comparable pair"):
        mp.concordance("nodes", gbsg(), ymax=1.0)


def test_compare_needs_the_same_patients() -> None:
    with pytest.raises(CohortError, match="not on the same patients"):
        mp.compare_concordance(fit("full"), fit("heart"))
    with pytest.raises(CohortError, match="different case weights"):
        mp.compare_concordance(fit("full"), fit("weights"))


def test_prognostic_model_is_scored_on_the_cohort() -> None:
    train = rotterdam()
    model = mp.PrognosticModel.fit(train, markers=["pgr"], clinical=["nodes", "age"])
    res = mp.concordance(model, gbsg())
    lp = model.score(gbsg(), horizons=[])["linear_predictor"].to_numpy()
    direct = concordance_fit(gbsg().time, gbsg().event, lp)
    assert res.c == pytest.approx(direct.concordance, abs=1e-15)
    assert res.n == gbsg().n
    with pytest.raises(ArgumentError, match="needs the cohort to score"):
        mp.concordance(model)


def test_stratified_prognostic_model_counts_within_strata_as_validate() -> None:
    model = mp.PrognosticModel.fit(rotterdam(), markers=["pgr"], clinical=["nodes"],
                                   strata="meno")
    res = mp.concordance(model, gbsg())
    assert res.strata == ("meno",)
    assert res.c == pytest.approx(model.validate(gbsg(), horizon=1000).harrell_c, abs=1e-14)
    pooled = mp.concordance(mp.PrognosticModel.fit(rotterdam(), markers=["pgr"],
                                                   clinical=["nodes"]), gbsg())
    assert pooled.c != pytest.approx(res.c, abs=1e-6)


@settings(max_examples=60, deadline=None)
@example(seed=1000000, n=8, counting=True, timewt="n")  # every comparable pair entered late
@given(seed=st.integers(0, 10 ** 6), n=st.integers(2, 30), counting=st.booleans(),
       timewt=st.sampled_from(["n", "S", "I", "S/G", "n/G2"]))
def test_engine_equals_the_reference_on_random_small_data(seed: int, n: int, counting: bool,
                                                          timewt: str) -> None:
    if counting and timewt in ("S/G", "n/G2"):
        timewt = "n"
    rng = np.random.default_rng(seed)
    d = _random_data(seed, n, counting=counting)
    d["w"] = np.where(rng.random(n) < 0.5, 1.0, d["w"])
    entry = d.get("entry")
    got = concordance_fit(d["time"], d["event"], d["risk"], weights=d["w"], strata=d["strata"],
                          entry=entry, timewt=timewt)
    with np.errstate(invalid="ignore", divide="ignore"):
        counts, c, dfbeta = _pairs_reference(d["time"], d["event"], d["risk"], d["w"],
                                             d["strata"], timewt, None, entry)
    assert_allclose(got.counts, counts, rtol=1e-10, atol=1e-10)
    if counts[:3].sum() > 0:
        assert got.concordance == pytest.approx(c, abs=1e-12)
        assert_allclose(got.dfbeta, dfbeta, rtol=1e-9, atol=1e-13)
    else:
        assert np.isnan(got.concordance)
