"""mp.validate's smoothed calibration curve with R's DEFAULT bandwidth.

Fixture: tests/reference/dpik_reference.R -> calibration_plotcalibration_default.json:
plotCalibration(Score(..., plots = "calibration"), cens.method = "jackknife") without a
bandwidth (prodlim::neighborhood: KernSmooth::dpik of the risk ranks, box kernel) for
validation_reference.R's model (rotterdam -> gbsg, Breslow and Efron, 1, 3, 5 years).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

import mirprog as mp
from mirprog.errors import BandwidthWarning
from mirprog.stats.validation.calibration import default_bandwidth
from tests._reference import ref
from tests.stats.validation.test_validation import cohorts, fitted

CASES = ref("calibration_plotcalibration_default")["cases"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=[c["ties"] for c in CASES])
def test_default_bandwidth_curve_is_plotcalibration(case: dict[str, Any]) -> None:
    v = mp.validate(fitted(case["ties"]), cohorts()[1], horizons=case["horizons"], groups=5)
    for curve in case["curves"]:
        ours = v.calibration_curve[v.calibration_curve["time"] == curve["time"]]
        assert curve["bandwidth"] == pytest.approx(curve["bandwidth_by_hand"], rel=1e-15)
        assert_allclose(ours["bandwidth"], curve["bandwidth"], rtol=1e-12)
        assert len(ours) == len(curve["predicted"])
        assert_allclose(ours["predicted"], curve["predicted"], rtol=1e-10, atol=1e-12)
        assert_allclose(ours["observed"], curve["observed"], rtol=1e-10, atol=1e-12)


def test_default_bandwidth_edge_cases() -> None:
    assert default_bandwidth(np.full(20, 0.3)) == 1.0          # one value: plotCalibration's 1
    assert np.isnan(default_bandwidth(np.r_[np.zeros(30), 0.01, 0.02]))   # zero IQR


def test_no_default_bandwidth_warns_and_uses_n_to_the_minus_quarter() -> None:
    with pytest.warns(BandwidthWarning, match=r"At horizon 66.7 .* n\^\(-1/4\)"):
        v = mp.validate(fitted("breslow"), cohorts()[1], horizons=[66.7, 1095.75], groups=3)
    bw = v.calibration_curve.groupby("time")["bandwidth"].first()
    n = len(v.predictions)
    assert bw.loc[66.7] == pytest.approx(n ** -0.25, rel=1e-15)
    assert bw.loc[1095.75] == pytest.approx(CASES[0]["curves"][1]["bandwidth"], rel=1e-12)
