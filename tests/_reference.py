"""Shared helpers for the tests that compare mirprog with committed R fixtures."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.testing import assert_allclose

import mirprog as mp

REF = Path(__file__).parent / "reference"
RTOL = 1e-6
ATOL = 1e-10


@cache
def ref(name: str) -> dict[str, Any]:
    """A fixture file ``tests/reference/<name>.json``."""
    with open(REF / f"{name}.json") as fh:
        return json.load(fh)


def arr(x: Any) -> np.ndarray:
    """A JSON value (scalar or list; null -> NaN) as a 1-d float array."""
    return np.atleast_1d(np.array(x, dtype=float))


def close(actual: Any, expected: Any, what: str) -> None:
    """Agreement with an R value at the suite's tolerance (NaN where R has NA)."""
    assert_allclose(np.asarray(actual, dtype=float), arr(expected), rtol=RTOL, atol=ATOL,
                    equal_nan=True, err_msg=what)


def gbsg2_cohort(time_col: str) -> mp.Cohort:
    """GBSG2 in days (``"time"``) or with times rounded up to whole years (``"tyear"``)."""
    gbsg = mp.datasets.load_gbsg2()
    if time_col == "time":
        return gbsg
    data = gbsg.data.assign(tyear=np.ceil(gbsg.data["time"] / 365.25)).reset_index(drop=True)
    return mp.Cohort(data, time="tyear", event="cens", id="id")
