"""Property-based tests of the statistical core (hypothesis).

Random valid cohorts (8-80 patients; follow-up either distinct quarter-day
floats or small integers with heavy ties; 0/1 events; a binary group ``x``
in which both groups have events; a continuous covariate ``z`` and a marker
``m`` with some missing values, both from a seeded numpy generator) are
checked for properties that must hold whatever the data:

1. invariance to row order (KM, log-rank, Cox);
2. swapping the groups (x -> 1 - x) inverts the hazard ratio and leaves the
   log-rank and the Cox LR / score / Wald statistics unchanged;
3. without tied times, the log-rank chi2 equals the Cox score statistic
   (Breslow and Efron coincide then);
4. a change of time unit changes nothing but the time axis;
5. Kaplan-Meier invariants (bounds, monotonicity, CI around the estimate);
6. cutpoints survive a JSON round trip and are re-applied, never refitted;
7. every analysis is deterministic.

A regression test at the end pins an edge case hypothesis found (a log-rank
test with zero variance).

Reproducibility: every test runs with ``derandomize=True`` (the examples are a
fixed function of the test, so CI sees the same cases on every run),
``database=None`` (nothing is written to ``.hypothesis/``), ``deadline=None``
(timing noise on shared CI runners is not a failure) and a modest
``max_examples`` so that this module runs in a few seconds.  Shrinking is off
unless ``MIRPROG_HYPOTHESIS_SHRINK=1`` (a failing 80-row cohort can take minutes
to shrink); the unshrunk failing example is still printed.

Generated cohorts always contain a group-0 event while a group-1 patient is
at risk and vice versa, which is exactly the condition for a finite Cox
estimate of ``x`` alone; so fits on ``x`` must not warn (the suite turns
warnings into errors).  Fits that also include ``z`` may, rarely, be
monotone or fail to converge: those draws are discarded with ``assume``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, assume, given, reject, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal, assert_series_equal

import mirprog as mp

# Shrinking a failing cohort of up to 80 rows can take minutes per test, so it is off by
# default (the failing example is still reported, and is the same on every run);
# MIRPROG_HYPOTHESIS_SHRINK=1 turns it on to get a minimal example.
PHASES = tuple(Phase) if os.environ.get("MIRPROG_HYPOTHESIS_SHRINK") else (
    Phase.explicit, Phase.reuse, Phase.generate)
# Long run: MIRPROG_HYPOTHESIS_EXAMPLES=2000 python -m pytest tests/test_properties.py
EXAMPLES = int(os.environ.get("MIRPROG_HYPOTHESIS_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    print_blob=False, phases=PHASES)
REL = 1e-10          # "equal up to floating-point summation order"
TIES = ("breslow", "efron")
KM_VALUES = ["n_at_risk", "n_events", "n_censored", "survival", "std_err", "ci_lower",
             "ci_upper"]


# --------------------------------------------------------------------------- strategies


def finite_hr(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> bool:
    """True when the Cox estimate for binary ``x`` alone is finite (no monotone likelihood).

    The partial likelihood falls to -inf as beta -> +inf iff some group-0 event
    happens while a group-1 patient is at risk, and as beta -> -inf iff the
    converse holds.
    """
    ev0 = time[(event == 1) & (x == 0)]
    ev1 = time[(event == 1) & (x == 1)]
    if ev0.size == 0 or ev1.size == 0:
        return False
    return bool(ev0.min() <= time[x == 1].max() and ev1.min() <= time[x == 0].max())


@st.composite
def cohort_frames(draw: Callable[..., Any], distinct_times: bool = False) -> pd.DataFrame:
    """A valid cohort DataFrame with columns time, event, x (0/1), z (float), m (marker, NaNs)."""
    n = draw(st.integers(8, 80), label="n")
    if distinct_times:
        ticks = draw(st.lists(st.integers(1, 40_000), min_size=n, max_size=n, unique=True))
        time: np.ndarray = np.asarray(ticks, dtype=float) / 4  # exact multiples of 1/4
    else:
        top = draw(st.sampled_from([3, 6, 15, 40_000]), label="distinct time values")
        ticks = draw(st.lists(st.integers(1, top), min_size=n, max_size=n))
        # small integer times (heavy ties) stay integer-typed; the rest are quarter days
        time = np.asarray(ticks) if top < 40_000 else np.asarray(ticks, dtype=float) / 4
    event_pct = draw(st.sampled_from([3, 6, 9]), label="events per 10 patients")
    event = np.asarray(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))) < event_pct
    x = np.asarray(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    # both groups present, each with an event
    event[:2] = True
    x[:2] = [0, 1]
    event = event.astype(int)
    assume(finite_hr(np.asarray(time, float), event, x))
    # someone outlives an event (otherwise the log-rank variance is 0: see the regression test)
    assume(np.asarray(time)[event == 1].min() < np.asarray(time).max())
    # the covariate z and the marker m (a third of rows may be missing) come from a seeded
    # generator: cheaper to draw, and they matter less than the survival structure
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed for z and m"))
    z = rng.integers(-40, 41, n) / 8
    assume(len(np.unique(z)) >= 3)
    m = rng.integers(0, 1001, n) / 10
    missing = (rng.random(n) < draw(st.sampled_from([0.0, 0.3]))) & (np.arange(n) >= 2)
    m[missing] = np.nan
    return pd.DataFrame({"time": time, "event": event, "x": x, "z": z, "m": m})


def make(df: pd.DataFrame) -> mp.Cohort:
    return mp.Cohort(df, time="time", event="event")


def cox_xz(cohort: mp.Cohort, ties: str, covariates: tuple[str, ...] = ("x", "z")
           ) -> mp.CoxResult:
    """A multivariable fit; monotone or non-converged draws are discarded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mp.MonotoneLikelihoodWarning)
        warnings.simplefilter("ignore", mp.ConvergenceWarning)
        fit = mp.cox(cohort, list(covariates), ties=ties)
    assume(fit.converged and not fit.monotone)
    return fit


def permuted(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    return df.iloc[np.random.default_rng(seed).permutation(len(df))]


def assert_cox_equal(a: mp.CoxResult, b: mp.CoxResult, rtol: float = REL) -> None:
    assert a.terms == b.terms
    assert_allclose(a.summary["coef"], b.summary["coef"], rtol=rtol, atol=1e-12)
    assert_allclose(a.summary["se"], b.summary["se"], rtol=rtol)
    assert_allclose(a.loglik, b.loglik, rtol=rtol)
    assert_allclose(a.loglik_null, b.loglik_null, rtol=rtol)
    assert_allclose([a.lr_chi2, a.score_chi2, a.wald_chi2],
                    [b.lr_chi2, b.score_chi2, b.wald_chi2], rtol=1e-8, atol=1e-12)
    assert_allclose(a.concordance, b.concordance, rtol=rtol)
    assert (a.n, a.events) == (b.n, b.events)


# --------------------------------------------------------------------------- 1. row order


@SETTINGS
@given(df=cohort_frames(), seed=st.integers(0, 2**32 - 1))
def test_row_order_invariance(df: pd.DataFrame, seed: int) -> None:
    a, b = make(df), make(permuted(df, seed))

    km_a = mp.km(a, by="x").table.sort_values(["group", "time"], ignore_index=True)
    km_b = mp.km(b, by="x").table.sort_values(["group", "time"], ignore_index=True)
    assert_frame_equal(km_a, km_b, check_exact=False, rtol=REL)
    assert_allclose(mp.logrank(a, by="x").chi2, mp.logrank(b, by="x").chi2, rtol=REL)

    for ties in TIES:
        assert_cox_equal(mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties))
        assert_cox_equal(cox_xz(a, ties), cox_xz(b, ties))


# --------------------------------------------------------------------------- 2. swap groups


@SETTINGS
@given(df=cohort_frames())
def test_swapping_groups_inverts_hr(df: pd.DataFrame) -> None:
    a = make(df)
    b = make(df.assign(x=1 - df["x"]))
    lr_a, lr_b = mp.logrank(a, by="x"), mp.logrank(b, by="x")
    assert_allclose(lr_a.chi2, lr_b.chi2, rtol=REL)
    assert_allclose(lr_a.p, lr_b.p, rtol=1e-8, atol=1e-300)
    # the groups trade places in the KM table and in the observed/expected table
    km_a, km_b = mp.km(a, by="x").table, mp.km(b, by="x").table
    for g in (0, 1):
        assert_frame_equal(km_a[km_a["group"] == g].drop(columns="group").reset_index(drop=True),
                           km_b[km_b["group"] == 1 - g].drop(columns="group")
                           .reset_index(drop=True))
    assert_allclose(lr_a.table[["observed", "expected"]].to_numpy()[::-1],
                    lr_b.table[["observed", "expected"]].to_numpy(), rtol=REL)

    for ties in TIES:
        for fa, fb in ((mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties)),
                       (cox_xz(a, ties), cox_xz(b, ties))):
            sa, sb = fa.summary, fb.summary
            assert_allclose(sb.loc["x", "coef"], -sa.loc["x", "coef"], rtol=1e-9)
            assert_allclose(sb.loc["x", "hr"], 1 / sa.loc["x", "hr"], rtol=1e-9)
            assert_allclose(sb["se"], sa["se"], rtol=1e-9)
            assert_allclose(sb.loc["x", "p"], sa.loc["x", "p"], rtol=1e-8, atol=1e-300)
            if "z" in sa.index:
                assert_allclose(sb.loc["z", "coef"], sa.loc["z", "coef"], rtol=1e-9)
            assert_allclose(fb.loglik, fa.loglik, rtol=REL)
            assert_allclose([fb.lr_chi2, fb.score_chi2, fb.wald_chi2],
                            [fa.lr_chi2, fa.score_chi2, fa.wald_chi2], rtol=1e-8, atol=1e-12)
            # equal up to a constant: like R, 0/1 columns are not centred, so the swap shifts
            # every patient's linear predictor by the same amount (risk ordering unchanged)
            shift = fb.linear_predictor - fa.linear_predictor
            assert_allclose(shift, shift[0], rtol=1e-8, atol=1e-10)
            assert_allclose(fb.concordance, fa.concordance, rtol=REL)


# --------------------------------------------------------------------------- 3. score = log-rank


@SETTINGS
@given(df=cohort_frames(distinct_times=True))
def test_logrank_equals_cox_score_without_ties(df: pd.DataFrame) -> None:
    assert df["time"].is_unique
    cohort = make(df)
    lr = mp.logrank(cohort, by="x")
    breslow = mp.cox(cohort, "x", ties="breslow")
    efron = mp.cox(cohort, "x", ties="efron")
    assert_allclose(breslow.score_chi2, lr.chi2, rtol=1e-8)
    assert_allclose(efron.score_chi2, lr.chi2, rtol=1e-8)
    assert_allclose(breslow.score_p, lr.p, rtol=1e-8, atol=1e-300)
    # without ties Efron's and Breslow's likelihoods are the same function
    assert_cox_equal(breslow, efron)


# --------------------------------------------------------------------------- 4. time unit


@SETTINGS
@given(df=cohort_frames(), factor=st.sampled_from([365.25, 1 / 12, 1 / 30.4375, 7.0]))
def test_time_rescaling(df: pd.DataFrame, factor: float) -> None:
    a = make(df)
    b = make(df.assign(time=df["time"] * factor))
    assert_allclose(mp.logrank(a, by="x").chi2, mp.logrank(b, by="x").chi2, rtol=REL)
    for ties in TIES:
        assert_cox_equal(mp.cox(a, "x", ties=ties), mp.cox(b, "x", ties=ties))
        assert_cox_equal(cox_xz(a, ties), cox_xz(b, ties))

    km_a, km_b = mp.km(a, by="x"), mp.km(b, by="x")
    assert_allclose(km_b.table["time"], km_a.table["time"] * factor, rtol=1e-12)
    assert_frame_equal(km_b.table[KM_VALUES], km_a.table[KM_VALUES], check_exact=False,
                       rtol=REL)
    for col in ("median", "ci_lower", "ci_upper"):
        assert_allclose(km_b.median[col], km_a.median[col] * factor, rtol=1e-12,
                        equal_nan=True, err_msg=col)


# --------------------------------------------------------------------------- 5. KM invariants


@SETTINGS
@given(df=cohort_frames(), conf_type=st.sampled_from(["log", "log-log", "plain"]))
def test_km_invariants(df: pd.DataFrame, conf_type: str) -> None:
    fit = mp.km(make(df), by="x", conf_type=conf_type)
    assert fit.groups == (0, 1)
    assert fit.n == len(df)
    assert fit.events == int(df["event"].sum())
    for g in fit.groups:
        tab = fit.table[fit.table["group"] == g]
        sub = df[df["x"] == g]
        t = tab["time"].to_numpy()
        s = tab["survival"].to_numpy()
        n_risk = tab["n_at_risk"].to_numpy()
        assert np.all(np.diff(t) > 0)
        assert_array_equal(t, np.unique(sub["time"].to_numpy(float)))
        assert np.all((s >= 0) & (s <= 1))
        assert np.all(np.diff(s) <= 0)
        assert np.all(np.diff(n_risk) < 0)
        assert n_risk[0] == len(sub)
        assert tab["n_events"].sum() == sub["event"].sum()
        assert (tab["n_events"] + tab["n_censored"]).sum() == len(sub)
        # survival only drops at event times
        drops = np.diff(np.concatenate([[1.0], s])) < 0
        assert_array_equal(drops, tab["n_events"].to_numpy() > 0)
        lo, hi = tab["ci_lower"].to_numpy(), tab["ci_upper"].to_numpy()
        ok = ~np.isnan(lo) & ~np.isnan(hi)
        slack = 1e-12
        assert np.all(lo[ok] <= s[ok] + slack)
        assert np.all(s[ok] <= hi[ok] + slack)
        assert np.all((lo[ok] >= 0) & (hi[ok] <= 1 + slack))
        assert np.all(tab["std_err"].dropna().to_numpy() >= 0)
        # the median, when defined, is inside the follow-up
        med = fit.median.loc[g, "median"]
        if not np.isnan(med):
            assert t[0] <= med <= t[-1]


# --------------------------------------------------------------------------- 6. cutpoints

RULES = [
    pytest.param({"rule": "median"}, id="median"),
    pytest.param({"rule": "median", "high": "at_or_above"}, id="median-at-or-above"),
    pytest.param({"rule": "tertiles"}, id="tertiles"),
    pytest.param({"rule": "fixed", "thresholds": {"m": 50.0}}, id="fixed"),
]


def expected_groups(values: pd.Series, thresholds: tuple[float, ...], high: str) -> pd.Series:
    """The documented assignment, written independently of mirprog's searchsorted."""
    v = values.to_numpy(dtype=float)
    thr = np.asarray(thresholds)
    beyond = (v[:, None] > thr) if high == "above" else (v[:, None] >= thr)
    level = beyond.sum(axis=1).astype(float) + (1 if len(thr) > 1 else 0)
    level[np.isnan(v)] = np.nan
    return pd.Series(level, index=values.index).astype("Int64")


@pytest.mark.parametrize("kwargs", RULES)
@settings(SETTINGS, max_examples=max(25, EXAMPLES // 4))  # x 4 rules
@given(df=cohort_frames(), seed=st.integers(0, 2**32 - 1))
def test_cutpoints_round_trip_and_reuse(kwargs: dict[str, Any], df: pd.DataFrame,
                                        seed: int) -> None:
    cohort = make(df)
    try:
        cuts = mp.Cutpoints.fit(cohort, ["m"], **kwargs)
    except mp.CohortError:
        reject()  # a degenerate split (e.g. most values tied at the threshold)
    cut = cuts["m"]
    frozen = dict(cuts.thresholds)

    loaded = mp.Cutpoints.from_json(cuts.to_json())
    assert loaded == cuts
    assert mp.Cutpoints.from_json(cuts.to_json(indent=None)) == cuts
    applied = cuts.apply(cohort).data
    assert_frame_equal(loaded.apply(cohort).data, applied)
    assert_series_equal(applied[cut.column], expected_groups(df["m"], cut.thresholds, cut.high),
                        check_names=False, check_index=False)
    assert applied[cut.column].isna().sum() == df["m"].isna().sum()
    assert sum(cut.group_sizes) == df["m"].notna().sum()
    assert cut.n_fit == (0 if kwargs["rule"] == "fixed" else df["m"].notna().sum())

    # re-applied to another cohort (a random subset), the thresholds are reused as they are
    keep = np.random.default_rng(seed).random(len(df)) < 0.5
    keep[:2] = True  # keeps an event
    sub_df = df[keep]
    sub = cohort.subset(keep)
    sub_applied = loaded.apply(sub).data
    assert cuts.thresholds == frozen
    assert loaded.thresholds == frozen
    assert_series_equal(sub_applied[cut.column],
                        expected_groups(sub_df["m"], cut.thresholds, cut.high),
                        check_names=False, check_index=False)
    assert_series_equal(sub_applied[cut.column], applied.loc[keep, cut.column])


# --------------------------------------------------------------------------- 7. determinism


@SETTINGS
@given(df=cohort_frames())
def test_deterministic(df: pd.DataFrame) -> None:
    cohort = make(df)
    k1, k2 = mp.km(cohort, by="x"), mp.km(cohort, by="x")
    assert_frame_equal(k1.table, k2.table, check_exact=True)
    assert_frame_equal(k1.median, k2.median, check_exact=True)
    l1, l2 = mp.logrank(cohort, by="x"), mp.logrank(cohort, by="x")
    assert (l1.chi2, l1.p) == (l2.chi2, l2.p)
    assert_array_equal(l1.variance, l2.variance)
    for ties in TIES:
        c1, c2 = cox_xz(cohort, ties), cox_xz(cohort, ties)
        assert_frame_equal(c1.summary, c2.summary, check_exact=True)
        assert (c1.loglik, c1.score_chi2, c1.wald_chi2, c1.concordance) == (
            c2.loglik, c2.score_chi2, c2.wald_chi2, c2.concordance)
        assert_array_equal(c1.linear_predictor, c2.linear_predictor)
    j1 = mp.Cutpoints.fit(cohort, ["m"], rule="fixed", thresholds={"m": 50.0}).to_json()
    j2 = mp.Cutpoints.fit(cohort, ["m"], rule="fixed", thresholds={"m": 50.0}).to_json()
    assert j1 == j2


# --------------------------------------------------------------------------- regressions


def test_logrank_with_zero_variance_raises_a_mirprog_error() -> None:
    """Found by hypothesis: every patient has the event at the same time.

    The log-rank variance is then 0 (no one outlives the only event time), so
    the statistic is undefined; R's ``survdiff`` stops ("system is exactly
    singular").  mirprog must stop with its own error, not numpy's LinAlgError.
    """
    df = pd.DataFrame({"time": [1.0] * 8, "event": [1] * 8, "x": [0, 1] * 4})
    cohort = make(df)
    with pytest.raises(mp.MirprogError):
        mp.logrank(cohort, by="x")
