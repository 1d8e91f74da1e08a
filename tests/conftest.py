"""Shared fixtures: small hand-made cohorts, the bundled GBSG2 cohort and its standard splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.model.prognostic import PrognosticModel


@pytest.fixture
def small_df() -> pd.DataFrame:
    """Eight patients, ids p1..p8, one missing tumour size."""
    return pd.DataFrame({
        "pid": [f"p{i}" for i in range(1, 9)],
        "months": [5.0, 8.0, 12.0, 12.0, 20.0, 25.0, 30.0, 41.0],
        "relapse": [1, 1, 0, 1, 0, 1, 0, 0],
        "mir": [3.1, 2.2, 0.4, 5.0, 0.9, 1.8, 0.2, 0.7],
        "size": [25.0, 40.0, None, 31.0, 12.0, 35.0, 20.0, 18.0],
        "grade": [3, 3, 1, 2, 2, 3, 1, 2],
    })


@pytest.fixture
def small(small_df: pd.DataFrame) -> mp.Cohort:
    return mp.Cohort(small_df, time="months", event="relapse", id="pid")


@pytest.fixture(scope="session")
def gbsg() -> mp.Cohort:
    return mp.datasets.load_gbsg2()


@pytest.fixture(scope="module")
def gbsg_split() -> mp.Cohort:
    """GBSG2 (686 patients, 299 events, 29 tied event times) with the splits the
    cross-checks use: median splits of ``progrec``/``estrec``, and ``pnodes > 3``."""
    g = mp.datasets.load_gbsg2()
    g = mp.Cutpoints.fit(g, ["progrec", "estrec"]).apply(g)
    return mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)


@pytest.fixture(scope="module")
def split_frame(gbsg_split: mp.Cohort) -> pd.DataFrame:
    """The data of :func:`gbsg_split`, as handed to the other libraries."""
    return gbsg_split.data


@pytest.fixture(scope="module")
def gappy() -> mp.Cohort:
    """GBSG2 (686 patients) where ids 3 and 7 miss progrec and id 10 misses horTh."""
    df = mp.datasets.load_gbsg2().data.reset_index(drop=True)
    df.loc[df["id"].isin([3, 7]), "progrec"] = np.nan
    df["horTh"] = df["horTh"].astype(object)
    df.loc[df["id"] == 10, "horTh"] = None
    c = mp.Cohort(df, time="time", event="cens", id="id")
    return mp.Cutpoints.fit(c, "progrec").apply(c)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the fuzz tests' files, one per module."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def model_file(scratch: Path) -> Path:
    """A model on the fuzz files' schema: marker m, clinical g, time t, event e, id id."""
    rng = np.random.default_rng(11)
    n = 80
    df = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "t": rng.integers(1, 400, n) / 4,
                       "e": (rng.random(n) < 0.6).astype(int), "m": rng.normal(5, 2, n),
                       "g": rng.integers(0, 2, n), "x": rng.integers(0, 2, n)})
    model = PrognosticModel.fit(mp.Cohort(df, time="t", event="e", id="id"), ["m"], ["g"],
                                groups="default")
    path = scratch / "model.json"
    model.save(path)
    return path
