"""KernSmooth::dpik, bkfe and linbin (mirprog._engine.dpik) against R and a slow reference.

R fixture: tests/reference/dpik_reference.R -> dpik_dpik.json: normal, uniform,
exponential, mixture, tied and heavy-tailed samples (n 10 to 5000) and the rank grids
``cumtabx / N`` that prodlim::neighborhood passes to dpik, each with dpik for kernels
normal and box at levels 0-5, linbin with and without truncation and bkfe of
derivatives 4, 6 and 8.  The reference here computes the binned functional as a
direct double sum over the grid points (no FFT).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mirprog._engine.dpik import bkfe, dpik, linbin, r_mean
from tests._reference import arr, ref

CASES = ref("dpik_dpik")["cases"]


def _x(case: dict[str, Any]) -> np.ndarray:
    return arr(case["x_num"]) / case["x_den"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_dpik_is_kernsmooth(case: dict[str, Any]) -> None:
    x = _x(case)
    for row in case["dpik"]:
        assert dpik(x, kernel=row["kernel"], level=row["level"]) == pytest.approx(
            row["value"], rel=1e-12), (row["kernel"], row["level"])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_linbin_and_bkfe_are_kernsmooth(case: dict[str, Any]) -> None:
    x = _x(case)
    a, b = float(x.min()), float(x.max())
    assert_allclose(linbin(x, a, b, 401, truncate=True), case["linbin_truncate"], atol=1e-11)
    assert_allclose(linbin(x, a, b, 401, truncate=False), case["linbin_keep"], atol=1e-11)
    g = linbin(x, a, b, 401)
    for row in case["bkfe"]:
        assert bkfe(g, row["drv"], row["h"], a, b) == pytest.approx(row["value"], rel=1e-11)


def _hermite(arg: np.ndarray, drv: int) -> np.ndarray:
    h0, h1 = np.ones_like(arg), arg
    if drv == 0:
        return h0
    for i in range(2, drv + 1):
        h0, h1 = h1, arg * h1 - (i - 1) * h0
    return h1


def _bkfe_direct(g: np.ndarray, drv: int, h: float, a: float, b: float) -> float:
    """sum_k sum_l c_k c_l K_h^(drv)(g_k - g_l) / n^2 over lags within (4 + drv) h."""
    m = len(g)
    delta = (b - a) / (m - 1)
    ell = min(math.floor((4 + drv) * h / delta), m)
    total = 0.0
    for k in range(m):
        for l_ in range(max(0, k - ell), min(m, k + ell + 1)):
            u = (k - l_) * delta / h
            kern = _hermite(np.array([abs(u)]), drv)[0] * math.exp(-u * u / 2) / math.sqrt(
                2 * math.pi) / h ** (drv + 1)
            total += g[k] * g[l_] * kern
    return total / g.sum() ** 2


@pytest.mark.parametrize("drv", [4, 6])
def test_bkfe_is_the_binned_double_sum(drv: int) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=300)
    a, b = float(x.min()), float(x.max())
    g = linbin(x, a, b, 101)
    assert bkfe(g, drv, 0.4, a, b) == pytest.approx(_bkfe_direct(g, drv, 0.4, a, b), rel=1e-10)


def test_linbin_weights_sum_to_the_points_inside() -> None:
    x = np.array([0.0, 0.3, 0.5, 0.999, 1.0])
    g = linbin(x, 0.0, 1.0, 11)
    assert g.sum() == pytest.approx(4.0)          # x == b is dropped when truncated
    assert linbin(x, 0.0, 1.0, 11, truncate=False).sum() == pytest.approx(5.0)


@pytest.mark.skipif(np.finfo(np.longdouble).nmant < 63, reason="no x87 long double here")
def test_r_mean_is_a_long_double_mean() -> None:
    x = np.array([1e16, 1.0, -1e16, 1.0])
    assert r_mean(x) == pytest.approx(0.5)   # long double keeps the 1s; a plain sum loses one


def test_zero_scale_and_bad_level_raise() -> None:
    with pytest.raises(ValueError, match="scale estimate is zero"):
        dpik(np.r_[np.zeros(10), 1.0])
    with pytest.raises(ValueError, match="Level should be between 0 and 5"):
        dpik(np.arange(5.0), level=6)
