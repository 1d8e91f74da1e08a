"""The baseline cumulative hazard of a Cox fit, per stratum and with case weights.

R fixture (``r_reference``): ``tests/reference/prognostic_strata_reference.R`` wrote
``prognostic_survfit_strata.json``: ``basehaz(fit, centered = TRUE)`` of
``coxph(..., strata(), weights = w)`` on the training rows of GBSG2 (strata horTh; time
in days and in whole years, heavily tied) and veteran (strata celltype), with seeded
non-integer weights, Breslow and Efron.  The fit itself comes from
:func:`mirprog._engine.coxph.fit_cox` on the same arrays.

Independent reference (``crosscheck``): a slow loop over the distinct event times of each
stratum, written from R's ``agsurv`` formulas, on random tied data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from mirprog._engine.coxph import baseline_cumhaz, baseline_cumhaz_strata, fit_cox
from mirprog._engine.timefix import aeq_times
from tests._reference import GBSG2_CSV, close, ref

FIXTURE = "prognostic_survfit_strata"


@cache
def training_frame(data: str) -> pd.DataFrame:
    """The training rows of a case's data set, with the weights and derived columns R used."""
    d = ref(FIXTURE)
    if data == "gbsg2":
        df = pd.read_csv(GBSG2_CSV).merge(pd.DataFrame(d["gbsg2"]), on="id")
        df = df[df["id"] <= 400].reset_index(drop=True)
        return df.assign(tyear=np.ceil(df["time"] / 365.25),
                         progrec_high=(df["progrec"] > d["progrec_median"]).astype(float),
                         pnodes_high=(df["pnodes"] > 3).astype(float))
    df = pd.DataFrame(d["veteran"])
    df = df[df["id"] % 3 != 0].reset_index(drop=True)
    return df.assign(karno_high=(df["karno"] > d["karno_median"]).astype(float))


def _arrays(case: dict[str, Any]) -> tuple[np.ndarray, ...]:
    df = training_frame(case["data"])
    time = aeq_times(df[case["time"]].to_numpy(float))
    event = df[case["event"]].to_numpy(int)
    x = df[case["terms"]].to_numpy(float)
    codes = (pd.factorize(df[case["strata"]], sort=True)[0] if case["strata"]
             else np.zeros(len(df), np.int64))
    w = df["w"].to_numpy(float) if case["weighted"] else None
    return time, event, x, codes, w


CASES = [pytest.param(c, id=c["id"]) for c in ref(FIXTURE)["cases"]]


def _step(times: np.ndarray, cumhaz: np.ndarray, at: Any) -> np.ndarray:
    pos = np.searchsorted(times, np.asarray(at, float), side="right")
    return np.concatenate([[0.0], cumhaz])[pos]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES)
def test_baseline_per_stratum_with_weights_agrees_with_r_basehaz(case: dict[str, Any]) -> None:
    time, event, x, codes, w = _arrays(case)
    fit = fit_cox(time, event, x, case["ties"], strata=codes if case["strata"] else None,
                  weights=w)
    close(fit.coef, case["coef"], "coef")
    close(fit.means, case["means"], "means (weighted with weights)")
    lp = (x - fit.means) @ fit.coef
    curves = baseline_cumhaz_strata(time, event, lp, case["ties"], codes, weights=w)
    assert len(curves) == len(case["baselines"])
    for k, ((bt, bh), expected) in enumerate(zip(curves, case["baselines"], strict=True)):
        close(_step(bt, bh, expected["time"]), expected["hazard"],
              f"basehaz of stratum {expected['level']}")
        # the stored times are exactly the stratum's distinct event times
        assert_allclose(bt, np.unique(time[(codes == k) & (event == 1)]), rtol=0)
    if not case["strata"]:
        bt, bh = baseline_cumhaz(time, event, lp, case["ties"], weights=w)
        close(_step(bt, bh, case["baselines"][0]["time"]), case["baselines"][0]["hazard"],
              "basehaz")


def _slow_baseline(time: np.ndarray, event: np.ndarray, lp: np.ndarray, w: np.ndarray,
                   ties: str) -> tuple[np.ndarray, np.ndarray]:
    """R's agsurv, one distinct event time at a time (Efron: ctype 2 increments)."""
    out_t, out_h, total = [], [], 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        dead = (time == t) & (event == 1)
        s = float(np.sum(w[at_risk] * np.exp(lp[at_risk])))
        dsum = float(np.sum(w[dead] * np.exp(lp[dead])))
        d, wd = int(dead.sum()), float(w[dead].sum())
        if ties == "breslow":
            inc = wd / s
        else:
            inc = wd * sum(1.0 / (s - dsum * j / d) for j in range(d)) / d
        total += inc
        out_t.append(t)
        out_h.append(total)
    return np.array(out_t), np.array(out_h)


@pytest.mark.crosscheck
@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_baseline_agrees_with_a_slow_loop(ties: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    time = rng.integers(1, 15, n).astype(float)  # heavily tied
    event = (rng.random(n) < 0.7).astype(int)
    lp = rng.normal(0, 0.8, n)
    w = np.round(rng.uniform(0.2, 3, n), 2)
    codes = rng.integers(0, 3, n)
    curves = baseline_cumhaz_strata(time, event, lp, ties, codes, weights=w)  # type: ignore[arg-type]
    for k, (bt, bh) in enumerate(curves):
        sel = codes == k
        st, sh = _slow_baseline(time[sel], event[sel], lp[sel], w[sel], ties)
        assert_allclose(bt, st, rtol=0, atol=0)
        assert_allclose(bh, sh, rtol=1e-13)
    # unit weights are no weights
    bt, bh = baseline_cumhaz(time, event, lp, ties)  # type: ignore[arg-type]
    bt1, bh1 = baseline_cumhaz(time, event, lp, ties, weights=np.ones(n))  # type: ignore[arg-type]
    assert_allclose(bh, bh1, rtol=1e-14)
    assert_allclose(bt, bt1, rtol=0)


def test_a_stratum_without_events_has_an_empty_baseline() -> None:
    time = np.array([1.0, 2, 3, 4])
    event = np.array([1, 0, 0, 1])
    curves = baseline_cumhaz_strata(time, event, np.zeros(4), "breslow", np.array([0, 1, 1, 0]))
    assert [len(t) for t, _ in curves] == [2, 0]
    assert_allclose(curves[0][1], [0.5, 1.5])
