"""The bootstrap's engines: Cox fits on frequency-weighted rows, many Harrell's C at once.

* :mod:`mirprog._engine.cox_freq` with integer counts must be the fit on the
  duplicated rows (``fit_cox``, R ``coxph``), for Breslow and Efron ties; R's own
  ``coxph(weights = )`` with Efron is a different fit (fixture
  ``bootstrap_rmsvalidate_rotterdam.json``, ``weights_vs_duplicates``, written by
  ``tests/reference/bootstrap_rmsvalidate_reference.R``).
* A slow reference (loops over event times and the duplicated rows) for the
  log-likelihood, score and information.
* :func:`mirprog._engine.concordance.concordance_many` against ``concordance_counts`` and an
  O(n^2) pair loop.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from mirprog._engine.concordance import concordance_many, concordance_sets
from mirprog._engine.cox_freq import (
    FreqCox,
    fit_freq,
    loglik_many,
    r_cholesky_step,
)
from mirprog._engine.coxph import concordance_counts, fit_cox

REF = Path(__file__).resolve().parents[1] / "reference"


def _data(n: int = 60, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.integers(1, 15, n).astype(float)        # many tied times
    event = rng.integers(0, 2, n)
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.integers(0, 4, n)])
    return time, event, x


def _slow_derivs(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: np.ndarray,
                 ties: str) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, score, information of the rows as given (duplicates as rows), by loops."""
    r = np.exp(x @ beta)
    ll, u, info = 0.0, np.zeros(len(beta)), np.zeros((len(beta), len(beta)))
    for t in np.unique(time[event == 1]):
        dead = np.flatnonzero((time == t) & (event == 1))
        risk = np.flatnonzero(time >= t)
        d = len(dead)
        for k in range(d):
            f = k / d if ties == "efron" else 0.0
            s0 = r[risk].sum() - f * r[dead].sum()
            s1 = r[risk] @ x[risk] - f * (r[dead] @ x[dead])
            s2 = (x[risk].T * r[risk]) @ x[risk] - f * ((x[dead].T * r[dead]) @ x[dead])
            ll -= np.log(s0)
            u -= s1 / s0
            info += s2 / s0 - np.outer(s1, s1) / s0 ** 2
        ll += (x[dead] @ beta).sum()
        u += x[dead].sum(axis=0)
    return ll, u, info


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_counts_are_duplicated_rows(ties: str) -> None:
    time, event, x = _data()
    rng = np.random.default_rng(8)
    rows = [rng.integers(0, len(time), len(time)) for _ in range(5)]
    counts = np.stack([np.bincount(r, minlength=len(time)) for r in rows], axis=1)
    model = FreqCox(time, event, x, counts, ties)  # type: ignore[arg-type]
    beta = rng.normal(scale=0.3, size=(5, 3))
    ll, u, info, _ = model(beta, None)
    fits = fit_freq(model, max_iter=30, eps=1e-12)
    for b, r in enumerate(rows):
        s_ll, s_u, s_info = _slow_derivs(time[r], event[r], x[r], beta[b], ties)
        assert ll[b] == pytest.approx(s_ll, rel=1e-12)
        assert_allclose(u[b], s_u, rtol=1e-10, atol=1e-10)
        assert_allclose(info[b], s_info, rtol=1e-10, atol=1e-10)
        dup = fit_cox(time[r], event[r], x[r], ties, max_iter=30)  # type: ignore[arg-type]
        assert_allclose(fits.coef[b], dup.coef, rtol=1e-8, atol=1e-10)
        assert fits.loglik[b] == pytest.approx(dup.loglik, rel=1e-12)
        assert fits.loglik_null[b] == pytest.approx(dup.loglik_null, rel=1e-12)
    assert fits.converged.all()
    assert not fits.singular.any()
    assert not fits.monotone.any()


@pytest.mark.r_reference
def test_efron_counts_are_rs_duplicated_rows_not_rs_weights() -> None:
    with open(REF / "bootstrap_rmsvalidate_rotterdam.json") as fh:
        case = json.load(fh)["cases"][0]
    rot = pd.read_csv(REF / "rotterdam_validate.csv")
    x = np.column_stack([rot.age, rot.meno, rot["size"] == "20-50", rot["size"] == ">50",
                         rot.grade, rot.nodes, rot.pgr]).astype(float)
    counts = np.bincount(np.array(case["indices"][0]) - 1, minlength=len(rot))[:, None]
    for wd in case["weights_vs_duplicates"]:
        fit = fit_freq(FreqCox(rot.dtime.to_numpy(), rot.death.to_numpy(), x, counts,
                               wd["ties"]), max_iter=30, eps=1e-9)
        assert_allclose(fit.coef[0], wd["duplicated"], rtol=1e-8)
        gap = np.abs(np.array(wd["weighted"]) - wd["duplicated"]).max()
        assert (gap < 1e-10) if wd["ties"] == "breslow" else (gap > 1e-4)


def test_singular_and_monotone_resamples() -> None:
    time, event, x = _data(n=40)
    x = np.column_stack([x[:, 0], (np.arange(40) < 3).astype(float)])   # rare 0/1 column
    event = event.copy()
    event[:3] = [1, 0, 0]
    counts = np.ones((40, 3), dtype=int)
    counts[:3, 0] = 0                              # rare level absent: singular
    counts[0, 1] = 0                               # rare level without its event: monotone
    fit = fit_freq(FreqCox(time, event, x, counts, "efron"), max_iter=10, eps=1e-4)
    assert fit.singular.tolist() == [True, False, False]
    assert fit.monotone.tolist() == [False, True, False]
    assert fit.converged[1]
    assert fit.coef[1, 1] < -5


def test_r_cholesky_step() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 3, 3))
    info = a @ np.swapaxes(a, 1, 2) + np.eye(3)
    u = rng.normal(size=(4, 3))
    step, bad = r_cholesky_step(info, u)
    assert_allclose(step, np.linalg.solve(info, u[..., None])[..., 0], rtol=1e-12)
    assert not bad.any()
    sing = np.diag([2.0, 1e-12, 3.0])[None]          # a pivot below 1e-9 x the largest: frozen
    step, bad = r_cholesky_step(sing, np.ones((1, 3)))
    assert_allclose(step[0], [0.5, 0.0, 1 / 3])


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_loglik_many_is_the_likelihood_at_fixed_predictors(ties: str) -> None:
    time, event, x = _data()
    eta = np.column_stack([x[:, 0], 400 * x[:, 1], -x[:, 2]])   # one far beyond exp's range
    got = loglik_many(time, event, eta, ties)
    for j in (0, 2):
        slow = _slow_derivs(time, event, eta[:, j:j + 1], np.ones(1), ties)[0]
        assert got[j] == pytest.approx(slow, rel=1e-12)
    assert np.isfinite(got[1])
    shifted = loglik_many(time, event, eta + 7.0, ties)
    assert_allclose(shifted, got, rtol=1e-12)
    fit = fit_cox(time, event, x[:, :1], ties)  # type: ignore[arg-type]
    assert loglik_many(time, event, x[:, :1] * fit.coef[0], ties)[0] == pytest.approx(
        fit.loglik, rel=1e-12)


def _slow_concordance(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                      w: np.ndarray) -> tuple[float, float, float]:
    conc = disc = tied = 0.0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                ww = w[i] * w[j]
                conc += ww * (risk[i] > risk[j])
                disc += ww * (risk[i] < risk[j])
                tied += ww * (risk[i] == risk[j])
    return conc, disc, tied


@pytest.mark.parametrize("n", [1, 2, 7, 30, 97])
def test_concordance_many_counts_pairs(n: int) -> None:
    rng = np.random.default_rng(n)
    time = rng.integers(1, 8, n).astype(float)
    event = rng.integers(0, 2, n)
    risk = rng.integers(0, 5, (n, 4)).astype(float)
    w = rng.integers(0, 3, (n, 4)).astype(float)
    got = concordance_many(time, event, risk, w)
    plain = concordance_many(time, event, risk)
    for b in range(4):
        c, d, t = _slow_concordance(time, event, risk[:, b], w[:, b])
        assert (got["concordant"][b], got["discordant"][b], got["tied_x"][b]) == (c, d, t)
        ref = concordance_counts(time, event, risk[:, b])
        assert plain["concordant"][b] == ref["concordant"]
        assert plain["tied_x"][b] == ref["tied_x"]
        assert plain["discordant"][b] == ref["discordant"]
        if not np.isnan(ref["concordance"]):
            assert plain["concordance"][b] == pytest.approx(ref["concordance"], abs=1e-15)


def test_concordance_many_continuous_risks() -> None:
    rng = np.random.default_rng(5)
    n = 500
    time, event = rng.exponential(size=n).round(2), rng.integers(0, 2, n)
    risk = rng.normal(size=(n, 3))
    got = concordance_many(time, event, risk)["concordance"]
    for b in range(3):
        assert got[b] == pytest.approx(concordance_counts(time, event, risk[:, b])["concordance"],
                                       abs=1e-14)


@pytest.mark.parametrize("n", [1, 5, 40, 123])
def test_concordance_sets_share_ranks(n: int) -> None:
    """Several weightings of one risk matrix in one call: each as the slow pair loop."""
    rng = np.random.default_rng(100 + n)
    time = rng.integers(1, 6, n).astype(float)
    event = rng.integers(0, 2, n)
    risk = rng.integers(0, 4, (n, 3)).astype(float)
    w = rng.integers(0, 4, (n, 3)).astype(float)
    counted, plain = concordance_sets(time, event, risk, [w, None])
    for b in range(3):
        c, d, t = _slow_concordance(time, event, risk[:, b], w[:, b])
        assert (counted["concordant"][b], counted["discordant"][b], counted["tied_x"][b]) == (
            c, d, t)
        c, d, t = _slow_concordance(time, event, risk[:, b], np.ones(n))
        assert (plain["concordant"][b], plain["discordant"][b], plain["tied_x"][b]) == (c, d, t)


def test_gini_many_is_gini_md_per_column() -> None:
    """The bootstrap's vectorised Gini mean difference equals the per-column one."""
    from mirprog._engine.optimism import gini_many, gini_md

    rng = np.random.default_rng(11)
    x = rng.normal(size=(60, 5)).round(1)                  # ties in x
    counts = rng.integers(0, 3, (60, 5))
    got = gini_many(x, counts)
    plain = gini_many(x)
    for j in range(5):
        assert got[j] == pytest.approx(gini_md(x[:, j], counts[:, j]), rel=1e-13)
        assert plain[j] == pytest.approx(gini_md(x[:, j]), rel=1e-13)
    assert np.isnan(gini_many(np.array([[1.0]]))).all()
