"""The strata of a frozen prognostic model: one baseline hazard per stratum.

A :class:`~mirprog.PrognosticModel` fitted with ``strata=`` keeps, for each
stratum (combination of the strata columns' values, as R ``strata()``), its
own baseline cumulative hazard (:class:`StratumBaseline`); a scored patient's
predicted survival uses the baseline of their stratum.  Here: building the
baselines from a stratified :func:`~mirprog.cox` fit, and finding each scored
row's stratum (a missing value is a row not scored; a level unseen in
training is an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties, baseline_cumhaz_strata
from mirprog.data._checks import native
from mirprog.errors import CohortError, format_ids
from mirprog.stats.cox.coxph import CoxResult

__all__ = ["StratumBaseline", "fit_baselines", "stratum_label", "stratum_rows"]



@dataclass(frozen=True)
class StratumBaseline:
    """The frozen baseline cumulative hazard of one stratum.

    Attributes
    ----------
    level : tuple
        The stratum: one value per strata column, in the model's column order.
    time, cumhaz : tuple of float
        Baseline cumulative hazard at the model's ``center`` (a right-continuous
        step function) at each distinct training event time of the stratum, as
        R ``basehaz(fit, centered = TRUE)`` for that stratum.
    max_time : float
        Longest training follow-up in the stratum; predictions beyond it are NaN.
    n, events : int
        Training rows of the stratum and their events (unweighted counts).
    """

    level: tuple[Any, ...]
    time: tuple[float, ...]
    cumhaz: tuple[float, ...]
    max_time: float
    n: int
    events: int

    def cumulative_hazard(self, times: Sequence[float] | np.ndarray) -> np.ndarray:
        """H0(t) of the stratum at ``times`` (NaN beyond its training follow-up)."""
        t = np.asarray(times, dtype=float)
        pos = np.searchsorted(np.array(self.time), t, side="right")
        h = np.array((0.0, *self.cumhaz))[pos]
        return np.where(t > self.max_time, np.nan, h)


def stratum_label(columns: Sequence[str], level: Sequence[Any]) -> str:
    """``"horTh=yes"``, or ``"a=1, b=x"`` for several strata columns."""
    return ", ".join(f"{c}={v}" for c, v in zip(columns, level, strict=True))


def fit_baselines(fit: CoxResult, raw_time: np.ndarray, ties: Ties) -> tuple[StratumBaseline,
                                                                              ...]:
    """The baseline of each stratum of the stratified (optionally weighted) fit ``fit``.

    ``raw_time`` is the follow-up of the fit's rows before ``timefix`` (its
    maximum per stratum is the stratum's ``max_time``).
    """
    inputs = fit.inputs
    assert inputs is not None
    assert inputs.strata is not None
    codes = inputs.strata
    curves = baseline_cumhaz_strata(inputs.time, inputs.event, fit.linear_predictor, ties,
                                    codes, weights=inputs.weights)
    out = []
    for k, (bt, bh) in enumerate(curves):
        sel = codes == k
        out.append(StratumBaseline(
            level=tuple(native(v) for v in fit.strata_levels[k]),
            time=tuple(float(t) for t in bt), cumhaz=tuple(float(h) for h in bh),
            max_time=float(np.max(raw_time[sel])), n=int(sel.sum()),
            events=int(inputs.event[sel].sum())))
    return tuple(out)


def stratum_rows(frame: pd.DataFrame, columns: Sequence[str],
                 baselines: Sequence[StratumBaseline], ids: pd.Index) -> np.ndarray:
    """Per row of ``frame``: the index of its stratum in ``baselines``, -1 when a value is missing.

    Raises
    ------
    CohortError
        A strata column is absent, or a row holds a stratum unseen in training
        (the column, the level and the rows are named).
    """
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise CohortError(
            f"The scored table has no column {absent[0]!r}, a stratum of the model (strata "
            f"{list(columns)}): each patient's predicted survival uses the baseline hazard "
            "of their stratum. Add the column, coded as in training.", column=absent[0])
    keys = frame[list(columns)]
    missing = keys.isna().any(axis=1).to_numpy()
    lookup = {b.level: i for i, b in enumerate(baselines)}
    idx = np.full(len(frame), -1, dtype=np.int64)
    unseen: dict[tuple[Any, ...], list[int]] = {}
    for pos, row in enumerate(keys.itertuples(index=False, name=None)):
        if missing[pos]:
            continue
        level = tuple(native(v) for v in row)
        found = lookup.get(level)
        if found is None:
            unseen.setdefault(level, []).append(pos)
        else:
            idx[pos] = found
    if unseen:
        level, rows = next(iter(unseen.items()))
        bad = [native(ids[r]) for r in rows]
        known = [stratum_label(columns, b.level) for b in baselines]
        raise CohortError(
            f"Stratum {stratum_label(columns, level)} was not seen in training (strata: "
            f"{', '.join(known)}), at ids {format_ids(bad)}; the model has no baseline "
            "hazard for it. Recode those rows to a training stratum, or leave them out.",
            column=_culprit(columns, level, baselines), rows=bad)
    return idx


def _culprit(columns: Sequence[str], level: tuple[Any, ...],
             baselines: Sequence[StratumBaseline]) -> str:
    """The first strata column whose value in ``level`` no training stratum has (else the first)."""
    for j, (col, v) in enumerate(zip(columns, level, strict=True)):
        if all(b.level[j] != v for b in baselines):
            return col
    return columns[0]
