"""Competing-risks kernels against R and against slow, independent references.

R fixtures: tests/reference/competing_reference.R (survival::survfit multi-state,
cmprsk::cuminc and cmprsk::crr on rotterdam and mgus2).  The references here do
things differently: the cumulative incidence is a per-time loop over a weighted
risk set and its infinitesimal-jackknife SE the finite-difference derivative of that
weighted estimator in each case weight; the Fine-Gray fit maximises a
pseudo-likelihood written as a double loop, with scipy's optimiser.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize

from mirprog._engine.cif import aalen_johansen, gray_scores
from mirprog._engine.finegray import censoring_km_minus, fine_gray_fit
from tests._reference import arr, ref


def _data(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    d = ref(f"competing_{name}")["data"]
    return arr(d["time"]), np.asarray(d["status"], dtype=np.int64), d


# -- slow references -----------------------------------------------------------------------

def _aj_weighted(t: np.ndarray, s: np.ndarray, w: np.ndarray, n_causes: int,
                 at: np.ndarray) -> np.ndarray:
    """Weighted Aalen-Johansen at times ``at``: (len(at), 1 + n_causes), by brute force."""
    out = np.zeros((len(at), n_causes + 1))
    for a, when in enumerate(at):
        surv, cif = 1.0, np.zeros(n_causes)
        for u in np.unique(t[t <= when]):
            y = w[t >= u].sum()
            d = np.array([w[(t == u) & (s == k)].sum() for k in range(1, n_causes + 1)])
            cif += surv * d / y
            surv *= 1 - d.sum() / y
        out[a, 0], out[a, 1:] = surv, cif
    return out


def _ij_se(t: np.ndarray, s: np.ndarray, n_causes: int, at: np.ndarray,
           h: float = 1e-6) -> np.ndarray:
    w = np.ones(len(t))
    grads = []
    for i in range(len(t)):
        up, down = w.copy(), w.copy()
        up[i] += h
        down[i] -= h
        grads.append((_aj_weighted(t, s, up, n_causes, at)
                      - _aj_weighted(t, s, down, n_causes, at)) / (2 * h))
    return np.sqrt(np.sum(np.square(grads), axis=0))


def _fg_negloglik(b: np.ndarray, t: np.ndarray, s: np.ndarray, x: np.ndarray) -> float:
    """Fine-Gray minus log pseudo-likelihood as a double loop over failures and subjects."""
    g = censoring_km_minus(t, s == 0)      # G(T-) per (sorted) row; checked separately below
    total = 0.0
    for i in np.flatnonzero(s == 1):
        u = t[i]
        g_u = g[np.searchsorted(t, u, side="left")]
        denom = 0.0
        for j in range(len(t)):
            if t[j] >= u:
                denom += np.exp(x[j] @ b)
            elif s[j] == 2:
                denom += np.exp(x[j] @ b) * g_u / g[j]
        total += x[i] @ b - np.log(denom)
    return -total


def _km_censoring_before(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """G(t_i-) by the product-limit formula over censoring times strictly before t_i."""
    out = np.ones(len(t))
    for i, ti in enumerate(t):
        for u in np.unique(t[(s == 0) & (t < ti)]):
            out[i] *= 1 - np.sum((t == u) & (s == 0)) / np.sum(t >= u)
    return out


def _small(seed: int, n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.sort(np.round(rng.exponential(5.0, n), 0) + 1)      # ties
    s = rng.choice([0, 1, 2], size=n, p=[0.3, 0.45, 0.25])
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    return t, s, x


# -- Aalen-Johansen ------------------------------------------------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "case"), [("rotterdam", "all"), ("mgus2", "all")])
def test_aj_matches_survfit_at_times(name: str, case: str) -> None:
    t, s, _ = _data(name)
    fit = aalen_johansen(t, s, 2)
    at = ref(f"competing_{name}")["cif"][case]["at"]
    times = arr(at["times"])
    keep = times <= t.max()
    idx = np.searchsorted(fit.time, times[keep], side="right") - 1
    for k, key in enumerate(["s0", "c1", "c2"]):
        assert_allclose(fit.pstate[idx, k], arr(at[f"pstate_{key}"])[keep], rtol=1e-12,
                        atol=1e-14)
        assert_allclose(fit.se[idx, k], arr(at[f"se_{key}"])[keep], rtol=1e-10, atol=1e-14)


@pytest.mark.r_reference
def test_aj_full_table_matches_survfit_mgus2() -> None:
    t, s, _ = _data("mgus2")
    fit = aalen_johansen(t, s, 2)
    r = ref("competing_mgus2")["cif"]["all"]
    assert_allclose(fit.time, arr(r["time"]), rtol=0, atol=0)
    assert_allclose(fit.n_risk, arr(r["n_risk"]))
    assert_allclose(fit.n_censor, arr(r["n_censor"]))
    for k, key in enumerate(["s0", "c1", "c2"]):
        assert_allclose(fit.pstate[:, k], arr(r[f"pstate_{key}"]), rtol=1e-12, atol=1e-15)
        assert_allclose(fit.se[:, k], arr(r[f"se_{key}"]), rtol=1e-10, atol=1e-15)
    assert_allclose(fit.n_event, np.column_stack([arr(r["nevent_c1"]), arr(r["nevent_c2"])]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aj_matches_a_brute_force_weighted_estimator_and_its_derivative(seed: int) -> None:
    t, s, _ = _small(seed, n=25)
    fit = aalen_johansen(t, s, 2)
    at = fit.time
    assert_allclose(fit.pstate, _aj_weighted(t, s, np.ones(len(t)), 2, at), rtol=1e-12)
    assert_allclose(fit.se, _ij_se(t, s, 2, at), rtol=1e-6, atol=1e-9)


@pytest.mark.r_reference
def test_aj_point_estimates_equal_cuminc_whose_variance_differs() -> None:
    """cmprsk::cuminc has the same estimates but Aalen's variance, not survfit's jackknife."""
    t, s, d = _data("rotterdam")
    g = np.asarray(d["node_pos"])
    for curve in ref("competing_rotterdam")["cuminc_node_pos"]:
        group, cause = (int(v) for v in curve["name"].split())
        fit = aalen_johansen(t[g == group], s[g == group], 2)
        times, est = arr(curve["time"]), arr(curve["est"])
        last = np.r_[times[1:] != times[:-1], True]      # step coordinates: right limits
        times, est = times[last], est[last]
        idx = np.searchsorted(fit.time, times, side="right") - 1
        mine = np.where(idx >= 0, fit.pstate[np.maximum(idx, 0), cause], 0.0)
        assert_allclose(mine, est, rtol=1e-12, atol=1e-15)
        var = arr(curve["var"])[last][-1]
        assert var != pytest.approx(fit.se[idx[-1], cause] ** 2, rel=1e-6)
        assert var == pytest.approx(fit.se[idx[-1], cause] ** 2, rel=0.3)   # same order


def test_aj_invariants() -> None:
    t, s, _ = _data("rotterdam")
    fit = aalen_johansen(t, s, 2)
    assert_allclose(fit.pstate.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all(np.diff(fit.pstate[:, 1:], axis=0) >= -1e-15)
    assert np.all((fit.pstate >= 0) & (fit.pstate <= 1))


# -- Gray's test ---------------------------------------------------------------------------

def _gray_stat(t: np.ndarray, s: np.ndarray, group: np.ndarray, cause: int,
               rho: float = 0.0, strata: np.ndarray | None = None) -> float:
    levels, codes = np.unique(group, return_inverse=True)
    m = np.where(s == cause, 1, np.where(s == 0, 0, 2))
    score, var = gray_scores(t, m, codes, len(levels), strata, rho)
    return float(score @ np.linalg.solve(var, score))


@pytest.mark.r_reference
@pytest.mark.parametrize("name", ["rotterdam", "mgus2"])
def test_gray_matches_cuminc_tests(name: str) -> None:
    t, s, d = _data(name)
    for case in ref(f"competing_{name}")["gray"]:
        for cause, stat in zip(case["causes"], case["stat"], strict=True):
            got = _gray_stat(t, s, np.asarray(d[case["by"]]), int(cause), case["rho"])
            assert got == pytest.approx(stat, rel=1e-10)


def test_gray_does_not_depend_on_group_labels_or_row_order() -> None:
    t, s, x = _small(7, n=60)
    g = x[:, 1].astype(int)
    base = _gray_stat(t, s, g, 1)
    assert _gray_stat(t, s, 1 - g, 1) == pytest.approx(base, rel=1e-10)
    perm = np.random.default_rng(0).permutation(len(t))
    assert _gray_stat(t[perm], s[perm], g[perm], 1) == pytest.approx(base, rel=1e-10)


def test_gray_three_groups_and_strata_add_up() -> None:
    t, s, x = _small(11, n=90)
    g = np.digitize(x[:, 0], [-0.5, 0.5])
    m = np.where(s == 1, 1, np.where(s == 0, 0, 2))
    st = x[:, 1].astype(int)
    score, var = gray_scores(t, m, g, 3, st)
    parts = [gray_scores(t[st == k], m[st == k], g[st == k], 3) for k in (0, 1)]
    assert_allclose(score, parts[0][0] + parts[1][0], rtol=1e-12)
    assert_allclose(var, parts[0][1] + parts[1][1], rtol=1e-12)
    assert_allclose(var, var.T)


# -- Fine-Gray -----------------------------------------------------------------------------

@pytest.mark.r_reference
@pytest.mark.parametrize("name", ["rotterdam", "mgus2"])
def test_fine_gray_matches_crr(name: str) -> None:
    t, s, d = _data(name)
    for case in ref(f"competing_{name}")["crr"]:
        x = np.column_stack([arr(d[c]) for c in case["covariates"]])
        m = np.where(s == case["cause"], 1, np.where(s == 0, 0, 2))
        fit = fine_gray_fit(t, m, x)
        assert fit.converged is case["converged"]
        assert_allclose(fit.coef, arr(case["coef"]), rtol=1e-9)
        assert_allclose(np.sqrt(np.diag(fit.var)), arr(case["se"]), rtol=1e-9)
        assert_allclose(fit.var.ravel(), arr(case["var"]), rtol=1e-8, atol=1e-15)
        assert fit.loglik == pytest.approx(case["loglik"], rel=1e-12)
        assert_allclose(fit.information.ravel(), arr(case["inf"]), rtol=1e-9)


def test_censoring_km_matches_the_product_limit_formula() -> None:
    t, s, _ = _small(5)
    assert_allclose(censoring_km_minus(t, s == 0), _km_censoring_before(t, s), rtol=1e-14)


@pytest.mark.parametrize("seed", [3, 4])
def test_fine_gray_maximises_a_brute_force_pseudo_likelihood(seed: int) -> None:
    t, s, x = _small(seed)
    fit = fine_gray_fit(t, s, x, gtol=1e-12, max_iter=50)
    slow = optimize.minimize(_fg_negloglik, np.zeros(2), args=(t, s, x), method="BFGS",
                             options={"gtol": 1e-10})
    assert_allclose(fit.coef, slow.x, rtol=1e-5, atol=1e-6)
    assert -fit.loglik == pytest.approx(slow.fun, rel=1e-10)
