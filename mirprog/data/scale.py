"""The scale check: do new marker values look like the training ones?

Shared by :meth:`mirprog.PrognosticModel.score` and :meth:`mirprog.Cutpoints.apply`,
which both re-apply a frozen threshold to new patients: raw Ct values against a
threshold learnt on relative expression, or log against linear values, would
otherwise put (almost) everyone in one group without a word.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data import file_schema as fs
from mirprog.errors import ScaleWarning

__all__ = ["MarkerRange", "ScaleWarning", "check_scale"]


_QUANTILES = ("min", "p01", "q25", "median", "q75", "p99", "max")


@dataclass(frozen=True)
class MarkerRange:
    """Distribution of a marker in the training cohort (for the scale check)."""

    n: int
    min: float
    p01: float
    q25: float
    median: float
    q75: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: pd.Series) -> MarkerRange:
        """Summarise the finite numeric values of ``values`` (there must be one)."""
        v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        q = np.quantile(v, [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0])
        return cls(len(v), *(float(x) for x in q))

    @classmethod
    def from_json(cls, value: Any, path: str) -> MarkerRange:
        """A file schema spec (see :mod:`mirprog.data.file_schema`): the range as saved, checked."""
        d = fs.obj({"n": fs.integer(minimum=1), **{k: fs.number() for k in _QUANTILES}})(
            value, path)
        for lo, hi in itertools.pairwise(_QUANTILES):
            if d[hi] < d[lo]:
                raise fs.Invalid(f"{path}.{hi}", f"is {d[hi]!r}, below {lo} {d[lo]!r}: the "
                                                 "quantiles must not decrease")
        return cls(**d)


def check_scale(marker: str, thresholds: Sequence[float], group_sizes: Sequence[int],
                groups: pd.Series, values: pd.Series, rng: MarkerRange | None,
                stacklevel: int = 2) -> None:
    """Warn (ScaleWarning) when new values of ``marker`` look like another scale.

    On the non-missing new ``values``: the median lies outside the training
    [1st, 99th] percentile range widened by its own width on each side; or
    (with >= 20 values) the interquartile range differs more than 10-fold from
    the training one; or (with >= 20 values) fewer than 2% or more than 98% of
    ``groups`` are above the first threshold while training (``group_sizes``)
    had 10-90%.  Without ``rng`` only the last rule applies.
    """
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return
    issues = []
    if rng is not None:
        width = rng.p99 - rng.p01 or max(abs(rng.median), 1.0)
        med = float(np.median(v))
        if not rng.p01 - width <= med <= rng.p99 + width:
            issues.append(f"its median {med:.4g} is far outside the training 1st-99th "
                          f"percentile range [{rng.p01:.4g}, {rng.p99:.4g}]")
    if len(v) >= 20:
        if rng is not None:
            iqr, iqr_train = float(np.subtract(*np.quantile(v, [0.75, 0.25]))), rng.q75 - rng.q25
            if iqr > 0 and iqr_train > 0 and not 0.1 <= iqr / iqr_train <= 10:
                issues.append(f"its interquartile range {iqr:.4g} is {iqr / iqr_train:.3g} "
                              f"times the training one ({iqr_train:.4g})")
        level = groups.dropna().astype(float).to_numpy()
        base = 0.0 if len(thresholds) == 1 else 1.0
        high = float(np.mean(level > base)) if len(level) else 0.5
        total = sum(group_sizes)
        train_high = 1 - group_sizes[0] / total if total else 0.5
        if 0.1 <= train_high <= 0.9 and not 0.02 <= high <= 0.98:
            issues.append(f"{high:.0%} of patients are above the frozen threshold "
                          f"{thresholds[0]:g} (training: {train_high:.0%})")
    if issues:
        warnings.warn(
            f"Marker {marker!r} looks like it is on another scale than in training: "
            f"{'; '.join(issues)}. Check its units and normalisation (e.g. raw Ct instead of "
            "relative expression, log instead of linear); the frozen threshold is applied "
            "as it is.", ScaleWarning, stacklevel=stacklevel + 1)
