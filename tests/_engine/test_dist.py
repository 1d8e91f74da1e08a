"""The chi-square tail of the engine against scipy.stats (df = 1 takes its own formula)."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose
from scipy import stats

from mirprog._engine.dist import chi2_sf, chi2_sf_array


def test_chi2_sf_one_df_is_scipy_over_the_whole_range() -> None:
    """erfc(sqrt(x/2)) for df = 1, from x ~ 0 to tails of ~1e-220 (where p-values end up)."""
    x = np.r_[0.0, np.logspace(-12, 3, 400)]
    assert_allclose(chi2_sf_array(x, 1), stats.chi2.sf(x, 1), rtol=2e-13, atol=0)
    assert chi2_sf_array(np.array([1e4]), 1)[0] == 0.0


def test_chi2_sf_edges_and_mixed_df() -> None:
    np.testing.assert_array_equal(chi2_sf_array(np.array([-1.0, np.inf, np.nan]), 1),
                                  [1.0, 0.0, np.nan])
    assert (chi2_sf(-1.0, 1), chi2_sf(np.inf, 1)) == (1.0, 0.0)
    assert np.isnan(chi2_sf(np.nan, 1))
    x, df = np.array([3.0, 3.0, 0.5, 7.0]), np.array([1, 2, 1, 3.5])
    assert_allclose(chi2_sf_array(x, df), stats.chi2.sf(x, df), rtol=2e-13)
