"""``mp.power_cox`` and ``mp.events_needed`` against R ``Hmisc::cpower`` and Schoenfeld's formula.

Fixture: tests/reference/power_cpower.json (tests/reference/power_reference.R): 96 cpower
trials (accrual or not, unequal arms, alpha 0.05/0.01) with their expected events per arm,
and Schoenfeld's events for several HRs, powers and allocations.  The independent
reference here is a Monte-Carlo-free simulation of the Wald statistic's distribution:
the normal test's rejection probability integrated numerically.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import ArgumentError
from tests._reference import ref

FIX = ref("power_cpower")


@pytest.mark.parametrize("case", FIX["cpower"], ids=lambda c: c["id"])
def test_power_matches_cpower(case: dict) -> None:
    power = mp.power_cox(case["hr"], alpha=case["alpha"], events_by_group=(
        case["events_control"], case["events_intervention"]))
    assert_allclose(power, case["power"], rtol=1e-12)


@pytest.mark.parametrize("case", FIX["schoenfeld"], ids=lambda c: c["id"])
def test_events_needed_matches_schoenfeld_and_inverts_power(case: dict) -> None:
    d = mp.events_needed(case["hr"], power=case["power"], alloc=case["alloc"])
    assert_allclose(d, case["events"], rtol=1e-12)
    assert_allclose(mp.power_cox(case["hr"], d, alloc=case["alloc"]), case["power"], atol=1e-6)


def test_power_by_numerical_integration_of_the_test() -> None:
    """Reject when |b/sd| > z, b ~ N(log hr, sd^2): the rejection probability by quadrature."""
    hr, events, alloc = 0.65, 120.0, 0.4
    sd = 1 / math.sqrt(events * alloc * (1 - alloc))
    b = np.linspace(math.log(hr) - 12 * sd, math.log(hr) + 12 * sd, 400_001)
    dens = np.exp(-((b - math.log(hr)) / sd) ** 2 / 2) / (sd * math.sqrt(2 * math.pi))
    reject = np.abs(b / sd) > 1.959963984540054
    expected = float(np.sum(dens * reject) * (b[1] - b[0]))
    assert_allclose(mp.power_cox(hr, events, alloc=alloc), expected, atol=1e-5)


def test_the_same_for_hr_and_its_inverse() -> None:
    assert_allclose(mp.power_cox(0.5, 80), mp.power_cox(2.0, 80), rtol=1e-14)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"hr": 1.0, "events": 50}, "hazard ratio other than 1"),
    ({"hr": -2, "events": 50}, "positive hazard ratio"),
    ({"hr": 0.7, "events": 0}, "events must be a positive number"),
    ({"hr": 0.7, "events": 50, "alloc": 1.0}, "alloc"),
    ({"hr": 0.7, "events": 50, "alpha": 0}, "alpha"),
    ({"hr": 0.7, "events": 50, "events_by_group": (20, 30)}, "not both"),
    ({"hr": 0.7, "events_by_group": (20, 0)}, "two positive numbers"),
])
def test_bad_input_is_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        mp.power_cox(**kwargs)


def test_events_needed_refuses_a_power_out_of_range() -> None:
    with pytest.raises(ArgumentError, match="power must be"):
        mp.events_needed(0.7, power=1.0)
