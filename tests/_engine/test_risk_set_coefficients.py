"""The information matrix without an n x p x p cumulative sum (issue 20).

``derivatives`` gets sum_i m_i S2_i / S0_i from per-row coefficients
(:func:`risk_set_coefficients`, the transpose of :func:`risk_set_sums`).  Here that
transpose is checked against the explicit per-event sums, and the information against
the old n x p x p construction, for every kind of risk set: plain, Efron ties, strata,
weights and (start, stop] rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mirprog._engine.coxph import derivatives, risk_set_coefficients, risk_set_sums, risk_sets


def _sample(seed: int, n: int = 300) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    entry = np.floor(rng.uniform(0, 5, n))
    return {"time": entry + np.ceil(rng.exponential(8, n)), "event": rng.integers(0, 2, n),
            "strata": rng.integers(0, 3, n), "weights": rng.uniform(0.2, 3, n),
            "entry": entry, "x": rng.normal(size=(n, 3))}


CASES = [(ties, strata, weights, entry)
         for ties in ("breslow", "efron") for strata in (False, True)
         for weights in (False, True) for entry in (False, True)]


@pytest.mark.parametrize(("ties", "strata", "weights", "entry"), CASES)
def test_coefficients_are_the_transpose_and_info_is_unchanged(
        ties: str, strata: bool, weights: bool, entry: bool) -> None:
    d = _sample(7)
    rs = risk_sets(d["time"], d["event"], ties,  # type: ignore[arg-type]
                   strata=d["strata"] if strata else None,
                   weights=d["weights"] if weights else None,
                   entry=d["entry"] if entry else None)
    n = len(d["time"])
    v = np.random.default_rng(1).normal(size=n)
    coef = np.random.default_rng(2).uniform(size=len(rs.event_rows))
    assert_allclose(risk_set_coefficients(coef, rs, n) @ v, coef @ risk_set_sums(v, rs),
                    rtol=1e-12)
    # the information as it was built before: per-event S2 from an n x p x p sum
    x = d["x"][rs.order] - d["x"].mean(axis=0)
    beta = np.array([0.3, -0.2, 0.1])
    r = np.exp(x @ beta) * (rs.weights if rs.weights is not None else 1.0)
    rx = r[:, None] * x
    s0, s1 = risk_set_sums(r, rs), risk_set_sums(rx, rs)
    s2 = risk_set_sums(rx[:, :, None] * x[:, None, :], rs)
    mw = rs.event_weight if rs.event_weight is not None else np.ones(len(s0))
    a = s1 / s0[:, None]
    info_old = (mw[:, None, None] * s2 / s0[:, None, None]).sum(axis=0) - (mw[:, None] * a).T @ a
    assert_allclose(derivatives(beta, x, rs)[2], info_old, rtol=1e-12, atol=1e-12)
