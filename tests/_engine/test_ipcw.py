"""The IPCW kernels (mirprog._engine.ipcw) against slow, obvious references.

The references below loop over patients and pairs and build the censoring
survival from its definition; they share no code with the engine (style note 18).
The R agreement (riskRegression::Score) is in tests/stats/validation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirprog._engine.ipcw import censoring_survival, ipcw_auc, ipcw_brier, roc_curve


def _reverse_km(time: np.ndarray, event: np.ndarray, t: float, left: bool) -> float:
    """prod over censoring times s (< t if left, else <= t) of 1 - c(s) / (Y(s) - d(s))."""
    g = 1.0
    for s in sorted(set(time[event == 0].tolist())):
        if (s >= t) if left else (s > t):
            break
        at_risk = np.sum(time >= s) - np.sum((time == s) & (event == 1))
        g *= 1.0 - np.sum((time == s) & (event == 0)) / at_risk
    return g


def _brier_reference(time: np.ndarray, event: np.ndarray, risk: np.ndarray, t: float) -> float:
    total = 0.0
    for ti, di, ri in zip(time, event, risk, strict=True):
        if ti <= t and di == 1:
            total += (1 - ri) ** 2 / _reverse_km(time, event, ti, left=True)
        elif ti > t:
            total += ri**2 / _reverse_km(time, event, t, left=False)
    return total / len(time)


def _auc_reference(time: np.ndarray, event: np.ndarray, risk: np.ndarray, t: float) -> float:
    num = den = 0.0
    g_t = _reverse_km(time, event, t, left=False)
    for i in range(len(time)):
        if not (time[i] <= t and event[i] == 1):
            continue
        wi = 1.0 / _reverse_km(time, event, time[i], left=True)
        for j in range(len(time)):
            if time[j] > t:
                wj = 1.0 / g_t
                num += wi * wj * (1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0)
                den += wi * wj
    return num / den


def _brier_influence_reference(time: np.ndarray, event: np.ndarray, risk: np.ndarray,
                               t: float) -> np.ndarray:
    """riskRegression's Brier IF as a double loop over patients i and k:
    IF_i = r_i - mean(r) + (1/n) sum_k r_k phi_ik, r_k the residual of k and phi_ik the
    Nelson-Aalen influence of i on the censoring hazard in k's weight: at T_k- for a
    case k, at t for a control (riskRegression evaluates it at min(T_i, t))."""
    n = len(time)
    uniq = np.unique(time)
    y = np.array([np.sum(time >= u) for u in uniq], float)
    c = np.array([np.sum((time == u) & (event == 0)) for u in uniq], float)
    mc = np.cumsum(c / y * n / y)

    g_t = _reverse_km(time, event, t, left=False)
    res = np.zeros(n)
    for k in range(n):
        if time[k] <= t and event[k] == 1:
            res[k] = (1 - risk[k]) ** 2 / _reverse_km(time, event, time[k], left=True)
        elif time[k] > t:
            res[k] = risk[k] ** 2 / g_t
    out = res - res.mean()
    first = np.searchsorted(np.sort(time), t, side="right") - 1
    for i in range(n):
        acc = 0.0
        for k in range(n):
            if time[k] <= t and event[k] == 1:
                # weight 1/G(T_k-): its influence is that of Lambda_c(T_k-)
                if time[i] < time[k]:
                    acc += res[k] * _own(i, time, event, y, uniq, mc, n)
                else:
                    j = np.searchsorted(uniq, time[k], side="left") - 1
                    acc += res[k] * (-mc[j] if j >= 0 else 0.0)
            elif time[k] > t:
                if first < 0:
                    continue
                if time[i] <= t:
                    acc += res[k] * _own(i, time, event, y, uniq, mc, n)
                else:
                    acc += res[k] * -mc[np.searchsorted(uniq, t, side="right") - 1]
        out[i] += acc / n
    return out


def _own(i: int, time: np.ndarray, event: np.ndarray, y: np.ndarray, uniq: np.ndarray,
         mc: np.ndarray, n: int) -> float:
    """Influence of patient i on Lambda_c at its own time: (1 - d_i) n / Y(T_i) - MC(T_i)."""
    g = np.searchsorted(uniq, time[i])
    return float((1 - event[i]) * n / y[g] - mc[g])


def _sample(seed: int, n: int, ties: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.exponential(10, n)
    if ties:
        time = np.ceil(time)
    event = (rng.random(n) < 0.6).astype(float)
    risk = np.round(rng.random(n), 1 if ties else 6)
    return time, event, risk


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_estimates_equal_the_slow_references(seed: int, ties: bool) -> None:
    time, event, risk = _sample(seed, 60, ties)
    for t in np.quantile(time, [0.3, 0.6]):
        assert ipcw_brier(time, event, risk, t).estimate == pytest.approx(
            _brier_reference(time, event, risk, t), rel=1e-12)
        assert ipcw_auc(time, event, risk, t).estimate == pytest.approx(
            _auc_reference(time, event, risk, t), rel=1e-12)
        assert censoring_survival(time, event, np.array([t]))[0] == pytest.approx(
            _reverse_km(time, event, t, left=False), rel=1e-14)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [4, 5])
def test_brier_influence_equals_the_slow_reference(seed: int, ties: bool) -> None:
    time, event, risk = _sample(seed, 40, ties)
    t = float(np.quantile(time, 0.5))
    np.testing.assert_allclose(ipcw_brier(time, event, risk, t).influence,
                               _brier_influence_reference(time, event, risk, t),
                               rtol=1e-10, atol=1e-12)


def test_influence_is_invariant_to_row_order() -> None:
    time, event, risk = _sample(7, 50, True)
    perm = np.random.default_rng(0).permutation(50)
    t = float(np.median(time))
    for f in (ipcw_brier, ipcw_auc):
        a, b = f(time, event, risk, t), f(time[perm], event[perm], risk[perm], t)
        assert a.estimate == pytest.approx(b.estimate, rel=1e-13)
        np.testing.assert_allclose(a.influence[perm], b.influence, rtol=1e-10, atol=1e-13)


def test_roc_area_is_the_auc() -> None:
    time, event, risk = _sample(8, 80, True)
    t = float(np.median(time))
    _, fpr, tpr = roc_curve(time, event, risk, t)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    assert area == pytest.approx(ipcw_auc(time, event, risk, t).estimate, rel=1e-12)
    assert fpr[0] == tpr[0] == 0
    assert fpr[-1] == tpr[-1] == 1
    assert np.all(np.diff(fpr) >= 0)
    assert np.all(np.diff(tpr) >= 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(8, 40))
def test_invariants(seed: int, n: int) -> None:
    time, event, risk = _sample(seed, n, seed % 2 == 0)
    t = float(np.median(time))
    g = censoring_survival(time, event, np.sort(time))
    assert np.all((g >= 0) & (g <= 1))
    assert np.all(np.diff(g) <= 1e-15)
    b = ipcw_brier(time, event, risk, t)
    assert b.estimate >= 0
    assert np.isfinite(b.influence).all()
    if np.any((time <= t) & (event == 1)) and np.any(time > t):
        a = ipcw_auc(time, event, risk, t)
        assert 0 <= a.estimate <= 1
        flipped = ipcw_auc(time, event, -risk, t)
        assert flipped.estimate == pytest.approx(1 - a.estimate, abs=1e-12)
        np.testing.assert_allclose(flipped.se, a.se, rtol=1e-8, atol=1e-12)
