"""Shared helpers for the tests that compare mirprog with committed R fixtures.

The fixtures are ``tests/reference/<statistic>_<Rfunction>[_<data>].json`` (see
``tests/reference/README.md``); R is never needed to read them.  The R-fixture cohorts
(:func:`r_cohort`) are GBSG2 (``mirprog/datasets/gbsg2.csv``), GBSG2 with time coarsened
to years (``tyear = ceiling(time / 365.25)``, heavy ties) and ``survival::lung``
(``tests/reference/lung.csv``), with the derived columns R computed
(``cohort_derive_*.json``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp

REF = Path(__file__).parent / "reference"
GBSG2_CSV = Path(__file__).parents[1] / "mirprog" / "datasets" / "gbsg2.csv"
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


def labels(x: Any) -> list[str]:
    """Group labels as R prints them ("0", "1", "II"): 1.0 -> "1"."""
    out = []
    for v in np.atleast_1d(np.asarray(x, dtype=object)).tolist():
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        out.append(str(v))
    return out


def cases(name: str) -> list[Any]:
    """The ``cases`` of a fixture as pytest params, each with the case's ``id``."""
    return [pytest.param(c, id=c["id"]) for c in ref(name)["cases"]]


def gbsg2_cohort(time_col: str) -> mp.Cohort:
    """GBSG2 in days (``"time"``) or with times rounded up to whole years (``"tyear"``)."""
    gbsg = mp.datasets.load_gbsg2()
    if time_col == "time":
        return gbsg
    data = gbsg.data.assign(tyear=np.ceil(gbsg.data["time"] / 365.25)).reset_index(drop=True)
    return mp.Cohort(data, time="tyear", event="cens", id="id")


@cache
def gbsg2_frame() -> pd.DataFrame:
    """GBSG2 with the columns R derived (``cohort_derive_gbsg2.json``), rows checked by id."""
    df = pd.read_csv(GBSG2_CSV)
    d = ref("cohort_derive_gbsg2")
    assert_array_equal(df["id"].to_numpy(), d["id"])
    return df.assign(
        pgr_high=d["pgr_high"],
        er_high=d["er_high"],
        nodes_gt3=d["nodes_gt3"],
        horth_yes=(df["horTh"] == "yes").astype(int),
        lpgr=d["lpgr"],
        tyear=d["tyear"],
    )


@cache
def lung_frame() -> pd.DataFrame:
    """``survival::lung`` with the columns R derived (``cohort_derive_lung.json``)."""
    df = pd.read_csv(REF / "lung.csv")
    d = ref("cohort_derive_lung")
    assert_array_equal(df["id"].to_numpy(), d["id"])
    return df.assign(age_high=d["age_high"], female=d["female"], ecog3=arr(d["ecog3"]))


@cache
def r_cohort(dataset: str) -> mp.Cohort:
    """The cohort of a fixture case's ``dataset``: ``gbsg2``, ``ties`` (tyear) or ``lung``."""
    if dataset == "gbsg2":
        return mp.Cohort(gbsg2_frame(), time="time", event="cens", id="id")
    if dataset == "ties":
        return mp.Cohort(gbsg2_frame().drop(columns="time"), time="tyear", event="cens", id="id")
    if dataset == "lung":
        return mp.Cohort(lung_frame(), time="time", event="event", id="id")
    raise KeyError(dataset)
