"""The Cox engine's arithmetic on arrays (mirprog/_engine/coxph.py).

Sections (each tagged with its marker):

* Cross-checks (``crosscheck``): Harrell's C on hand-made tie patterns against lifelines'
  ``concordance_index`` and scikit-survival's ``concordance_index_censored``.  mirprog (as
  R ``concordance``), lifelines and scikit-survival count pairs the same way: an event and
  a censoring at the same time form a comparable pair (the censored patient was still at
  risk), two events at the same time are not comparable, and tied risk scores count 1/2.
  lifelines scores *survival* (higher = longer), hence ``-risk``.
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines.utils import concordance_index
from numpy.testing import assert_allclose
from sksurv.metrics import concordance_index_censored

# -------------------------------------------------------- cross-checks (lifelines, scikit-survival)


@pytest.mark.crosscheck
@pytest.mark.parametrize(
    ("time", "event", "risk"),
    [
        pytest.param([1.0, 1, 2], [1, 0, 1], [2.0, 1, 0], id="event-and-censoring-tied"),
        pytest.param([1.0, 1], [1, 0], [0.0, 1], id="tied-time-discordant"),
        pytest.param([1.0, 1, 2], [1, 1, 0], [2.0, 1, 0], id="two-events-tied"),
        pytest.param([1.0, 2, 3], [1, 1, 0], [1.0, 1, 0], id="tied-risk"),
    ],
)
def test_concordance_tie_conventions(time: list[float], event: list[int],
                                     risk: list[float]) -> None:
    """Hand-made tie patterns: all three implementations count pairs the same way."""
    from mirprog._engine.coxph import concordance_counts

    t, e, r = np.asarray(time), np.asarray(event), np.asarray(risk)
    ours = concordance_counts(t, e, r)["concordance"]
    assert_allclose(ours, concordance_index(t, -r, e), rtol=1e-12)
    assert_allclose(ours, concordance_index_censored(e.astype(bool), t, r)[0], rtol=1e-12)
