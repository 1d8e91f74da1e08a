"""Risk groups by the number of adverse factors a patient carries: built here, once.

:func:`mirprog.risk_groups` (the reference study's A/B/C signature, tested with KM
and log-rank) and :meth:`mirprog.PrognosticModel.score` (frozen groups of new
patients) both call :func:`adverse_groups`, so a patient lands in the same group
in the analysis and in scoring.
"""

from __future__ import annotations

import string
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["adverse_groups", "default_labels"]


def default_labels(k: int) -> tuple[str, ...]:
    """Labels of the k + 1 groups of k adverse factors: ``A`` (none), ``B``, ...

    Examples
    --------
    >>> default_labels(2)
    ('A', 'B', 'C')
    """
    return tuple(string.ascii_uppercase[: k + 1])


def adverse_groups(frame: pd.DataFrame, adverse: Mapping[str, Hashable], labels: Sequence[str],
                   *, levels: Mapping[str, Sequence[Hashable]] | None = None
                   ) -> pd.Categorical[str]:
    """Ordered groups: label ``labels[j]`` for a row with ``j`` adverse factors.

    Parameters
    ----------
    frame : pandas.DataFrame
        Holds every factor column of ``adverse``.
    adverse : mapping
        Factor column -> the value that counts as adverse.
    labels : sequence of str
        ``len(adverse) + 1`` labels, from no adverse factor to all.
    levels : mapping, optional
        Factor -> its known levels: a value outside them (as a missing value) leaves
        the row without a group (a frozen model meeting a level it never saw).

    Returns
    -------
    pandas.Categorical
        Ordered, with categories ``labels``; missing where a factor is missing or unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"mir_high": [0, 1, 1, None], "nodes": [0, 0, 1, 1]})
    >>> list(adverse_groups(df, {"mir_high": 1, "nodes": 1}, default_labels(2)))
    ['A', 'B', 'C', nan]
    """
    count = pd.Series(0.0, index=frame.index)
    for factor, value in adverse.items():
        values = frame[factor]
        known = values.notna()
        if levels is not None and levels.get(factor) is not None:
            known = values.isin(levels[factor])
        count += (values == value).astype(float)
        count[~known.to_numpy()] = np.nan
    codes = np.where(count.isna(), -1, count.fillna(0)).astype(np.int64)
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(labels)), ordered=True)
