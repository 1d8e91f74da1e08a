"""Distribution helpers shared by every statistic: one normal quantile, one chi-square tail."""

from __future__ import annotations

import numpy as np
from scipy import special

from mirprog.errors import ArgumentError

__all__ = ["chi2_sf", "zcrit"]


def zcrit(conf_level: float) -> float:
    """Two-sided normal critical value, e.g. 1.959964 for 0.95."""
    if not 0 < conf_level < 1:
        raise ArgumentError(f"conf_level must be between 0 and 1, got {conf_level}.",
                            argument="conf_level")
    return float(special.ndtri(1 - (1 - conf_level) / 2))   # = scipy.stats.norm.ppf


def chi2_sf(x: float, df: float) -> float:
    """Upper tail of the chi-square distribution (NaN-safe)."""
    if not np.isfinite(x):
        return float("nan") if np.isnan(x) else 0.0
    return float(special.chdtrc(df, max(x, 0.0)))            # = scipy.stats.chi2.sf
