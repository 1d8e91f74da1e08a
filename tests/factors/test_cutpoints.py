"""Cutpoints: median split convention, other rules, freezing and JSON round trip.

Sections after the behaviour tests (each tagged with its marker):

* R reference (``r_reference``): median and fixed splits of GBSG2 and ``survival::lung``
  equal the columns R derived (``cohort_derive_{gbsg2,lung}.json`` from
  ``tests/reference/survival_reference.R``).
* The splits the cross-checks of KM, log-rank and Cox rely on (the ``gbsg_split``
  fixture): nullable 0/1 columns, as documented.
* Properties (``property``): cutpoints survive a JSON round trip and are re-applied to
  another cohort, never refitted.
* The bad-input catalogue (``tests/_cohorts.py``): markers that cannot be split, and
  ties at the median.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from pandas.testing import assert_frame_equal, assert_series_equal

import mirprog as mp
from tests._cohorts import check_refused, cohort, frame
from tests._reference import GBSG2_CSV, REF, ref
from tests._strategies import EXAMPLES, SETTINGS, cohort_frames, make


def test_median_split_is_strictly_above(small: mp.Cohort) -> None:
    cuts = mp.Cutpoints.fit(small, ["mir"])
    # mir = 3.1 2.2 0.4 5.0 0.9 1.8 0.2 0.7 -> median 1.35
    assert cuts.thresholds == {"mir": pytest.approx(1.35)}
    out = cuts.apply(small).data["mir_high"]
    assert out.tolist() == [1, 1, 0, 1, 0, 1, 0, 0]
    assert cuts["mir"].group_sizes == (4, 4)
    assert cuts["mir"].column == "mir_high"


def test_ties_at_the_median_go_low_unless_at_or_above() -> None:
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0], "m": [1.0, 2, 2, 2, 3]})
    cohort = mp.Cohort(df, time="t", event="e")
    above = mp.Cutpoints.fit(cohort, "m")
    assert above["m"].thresholds == (2.0,)
    assert above["m"].n_at_threshold == 3
    assert above.apply(cohort).data["m_high"].tolist() == [0, 0, 0, 0, 1]
    at = mp.Cutpoints.fit(cohort, "m", high="at_or_above")
    assert at.apply(cohort).data["m_high"].tolist() == [0, 1, 1, 1, 1]


def test_constant_marker_cannot_be_split() -> None:
    df = pd.DataFrame({"t": [1.0, 2, 3], "e": [1, 0, 1], "m": [4.0, 4.0, 4.0]})
    with pytest.raises(mp.CohortError, match=r"cannot be split .* group sizes would be \[3, 0\]"):
        mp.Cutpoints.fit(mp.Cohort(df, time="t", event="e"), "m")


def test_bad_marker_columns(small: mp.Cohort) -> None:
    with pytest.raises(mp.CohortError, match="marker column 'mirr' is not in the table"):
        mp.Cutpoints.fit(small, "mirr")
    df = small.data.reset_index(drop=True).assign(txt=["1", "2", "three", "4", "5", "6", "7", "8"])
    cohort = mp.Cohort(df, time="months", event="relapse", id="pid")
    with pytest.raises(mp.CohortError, match=r"non-numeric values \('three'\) in rows p3"):
        mp.Cutpoints.fit(cohort, "txt")
    allnan = cohort.assign(z=np.nan)
    with pytest.raises(mp.CohortError, match="no non-missing value"):
        mp.Cutpoints.fit(allnan, "z")


def test_missing_marker_values_stay_missing(small: mp.Cohort) -> None:
    cuts = mp.Cutpoints.fit(small, "size")
    col = cuts.apply(small).data["size_high"]
    assert col.isna().tolist() == [False, False, True] + [False] * 5
    assert cuts["size"].n_fit == 7


def test_quantile_and_fixed_rules(gbsg: mp.Cohort) -> None:
    tert = mp.Cutpoints.fit(gbsg, "age", rule="tertiles")
    assert tert["age"].column == "age_level"
    levels = tert.apply(gbsg).data["age_level"]
    assert sorted(levels.unique().tolist()) == [1, 2, 3]
    np.testing.assert_allclose(tert["age"].thresholds,
                               np.quantile(gbsg.data["age"], [1 / 3, 2 / 3]))
    quart = mp.Cutpoints.fit(gbsg, "age", rule="quantile", q=4)
    assert len(quart["age"].thresholds) == 3
    nodes = mp.Cutpoints.fit(gbsg, "pnodes", rule="fixed", thresholds={"pnodes": 3})
    applied = nodes.apply(gbsg).data
    assert (applied["pnodes_high"] == (applied["pnodes"] > 3)).all()
    with pytest.raises(mp.CohortError, match="needs a threshold"):
        mp.Cutpoints.fit(gbsg, "pnodes", rule="fixed")
    with pytest.raises(mp.CohortError, match="Unknown cutpoint rule"):
        mp.Cutpoints.fit(gbsg, "age", rule="optimalish")  # type: ignore[arg-type]


def test_apply_to_new_cohort_reuses_training_threshold(gbsg: mp.Cohort) -> None:
    train = gbsg.subset(gbsg.data.index <= 300)
    test = gbsg.subset(gbsg.data.index > 300)
    cuts = mp.Cutpoints.fit(train, "progrec")
    applied = cuts.apply(test).data
    assert ((applied["progrec"] > cuts.thresholds["progrec"]) == applied["progrec_high"]).all()
    assert cuts.thresholds["progrec"] != np.median(test.data["progrec"])
    with pytest.raises(mp.CohortError, match="marker column 'progrec'"):
        cuts.apply(mp.Cohort(pd.DataFrame({"t": [1.0], "e": [1]}), time="t", event="e"))


def test_json_round_trip_is_exact(gbsg: mp.Cohort) -> None:
    cuts = mp.Cutpoints.fit(gbsg, ["progrec", "estrec", "age"], rule="median")
    back = mp.Cutpoints.from_json(cuts.to_json())
    assert back == cuts
    assert '"schema": "mirprog.cutpoints/2"' in cuts.to_json()
    with pytest.raises(mp.MirprogError, match="not a mirprog cutpoints file"):
        mp.Cutpoints.from_json('{"schema": "other"}')
    with pytest.raises(mp.MirprogError, match="cutpoints JSON is corrupted"):
        mp.Cutpoints.from_json("{not json")
    assert list(cuts.to_frame().index) == ["progrec", "estrec", "age"]


# -------------------------------------------------------------------- R reference (derived columns)


@pytest.mark.r_reference
def test_cutpoints_median_match_r() -> None:
    d = ref("cohort_derive_gbsg2")
    base = mp.Cohort(pd.read_csv(GBSG2_CSV), time="time", event="cens", id="id")
    cuts = mp.Cutpoints.fit(base, ["progrec", "estrec"], rule="median")
    data = cuts.apply(base).data
    assert_array_equal(data["progrec_high"].to_numpy(), d["pgr_high"])
    assert_array_equal(data["estrec_high"].to_numpy(), d["er_high"])


@pytest.mark.r_reference
def test_cutpoints_fixed_match_r() -> None:
    base = mp.Cohort(pd.read_csv(GBSG2_CSV), time="time", event="cens", id="id")
    nodes = mp.Cutpoints.fit(base, ["pnodes"], rule="fixed", thresholds={"pnodes": 3})
    assert_array_equal(
        nodes.apply(base).data["pnodes_high"].to_numpy(), ref("cohort_derive_gbsg2")["nodes_gt3"]
    )


@pytest.mark.r_reference
def test_cutpoints_median_lung_match_r() -> None:
    base = mp.Cohort(pd.read_csv(REF / "lung.csv"), time="time", event="event", id="id")
    cuts = mp.Cutpoints.fit(base, ["age"], rule="median")
    assert_array_equal(
        cuts.apply(base).data["age_high"].to_numpy(), ref("cohort_derive_lung")["age_high"]
    )


# ------------------------------------------------------------------ the splits the cross-checks use


def test_derived_columns(split_frame: pd.DataFrame) -> None:
    """The splits the other checks rely on: nullable 0/1 columns, as documented."""
    for col in ("progrec_high", "estrec_high", "pnodes_high"):
        assert str(split_frame[col].dtype) == "Int64"
        assert set(split_frame[col].unique()) == {0, 1}
    assert_array_equal(split_frame["pnodes_high"].to_numpy(int),
                       (split_frame["pnodes"] > 3).to_numpy(int))
    assert_array_equal(split_frame["progrec_high"].to_numpy(int),
                       (split_frame["progrec"] > split_frame["progrec"].median()).to_numpy(int))


# --------------------------------------------------------------------------- properties

RULES = [
    pytest.param({"rule": "median"}, id="median"),
    pytest.param({"rule": "median", "high": "at_or_above"}, id="median-at-or-above"),
    pytest.param({"rule": "tertiles"}, id="tertiles"),
    pytest.param({"rule": "fixed", "thresholds": {"m": 50.0}}, id="fixed"),
]



def expected_groups(values: pd.Series, thresholds: tuple[float, ...], high: str) -> pd.Series:
    """The documented assignment, written independently of mirprog's searchsorted."""
    v = values.to_numpy(dtype=float)
    thr = np.asarray(thresholds)
    beyond = (v[:, None] > thr) if high == "above" else (v[:, None] >= thr)
    level = beyond.sum(axis=1).astype(float) + (1 if len(thr) > 1 else 0)
    level[np.isnan(v)] = np.nan
    return pd.Series(level, index=values.index).astype("Int64")


@pytest.mark.property
@pytest.mark.parametrize("kwargs", RULES)
@settings(SETTINGS, max_examples=max(25, EXAMPLES // 4))  # x 4 rules
@given(df=cohort_frames(), seed=st.integers(0, 2**32 - 1))
def test_cutpoints_round_trip_and_reuse(kwargs: dict[str, Any], df: pd.DataFrame,
                                        seed: int) -> None:
    cohort = make(df)
    try:
        cuts = mp.Cutpoints.fit(cohort, ["m"], **kwargs)
    except mp.CohortError:
        reject()  # a degenerate split (e.g. most values tied at the threshold)
    cut = cuts["m"]
    frozen = dict(cuts.thresholds)

    loaded = mp.Cutpoints.from_json(cuts.to_json())
    assert loaded == cuts
    assert mp.Cutpoints.from_json(cuts.to_json(indent=None)) == cuts
    applied = cuts.apply(cohort).data
    assert_frame_equal(loaded.apply(cohort).data, applied)
    assert_series_equal(applied[cut.column], expected_groups(df["m"], cut.thresholds, cut.high),
                        check_names=False, check_index=False)
    assert applied[cut.column].isna().sum() == df["m"].isna().sum()
    assert sum(cut.group_sizes) == df["m"].notna().sum()
    assert cut.n_fit == (0 if kwargs["rule"] == "fixed" else df["m"].notna().sum())

    # re-applied to another cohort (a random subset), the thresholds are reused as they are
    keep = np.random.default_rng(seed).random(len(df)) < 0.5
    keep[:2] = True  # keeps an event
    sub_df = df[keep]
    sub = cohort.subset(keep)
    sub_applied = loaded.apply(sub).data
    assert cuts.thresholds == frozen
    assert loaded.thresholds == frozen
    assert_series_equal(sub_applied[cut.column],
                        expected_groups(sub_df["m"], cut.thresholds, cut.high),
                        check_names=False, check_index=False)
    assert_series_equal(sub_applied[cut.column], applied.loc[keep, cut.column])


# --------------------------------------------------------------------- bad-input catalogue: refused

REFUSED = [
    pytest.param(lambda: mp.Cutpoints.fit(cohort(), "M"), mp.CohortError,
                 r"marker column 'M' is not in the table\. Did you mean 'm'\?", "M", (),
                 id="wrong-column-name-marker"),
    pytest.param(lambda: mp.Cutpoints.fit(cohort(frame(m=[2.0] * 8)), "m"), mp.CohortError,
                 r"Marker 'm' cannot be split by its median .* group sizes would be \[8, 0\].* "
                 r"Try high='at_or_above', or a fixed threshold", "m", (),
                 id="marker-all-constant"),
    pytest.param(lambda: mp.Cutpoints.fit(cohort(frame(m=[np.nan] * 8)), "m"), mp.CohortError,
                 r"Marker 'm' has no non-missing value; it cannot be split", "m", (),
                 id="marker-all-missing"),
]


@pytest.mark.parametrize(("action", "error", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                 column: str | None, rows: tuple[object, ...]) -> None:
    check_refused(action, error, match, column, rows)


# -------------------------------------------------------------------- bad-input catalogue: accepted

def _ties_at_the_median() -> None:
    c = cohort(frame(m=[1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 4.0, 0.5]))
    above = mp.Cutpoints.fit(c, "m")["m"]
    assert above.thresholds == (2.0,)
    assert above.n_at_threshold == 4
    assert above.high == "above"  # the 4 tied values go to the low group
    assert above.group_sizes == (6, 2)
    at = mp.Cutpoints.fit(c, "m", high="at_or_above")["m"]
    assert at.group_sizes == (2, 6)  # ... or, on request, to the high group


ACCEPTED = [
    pytest.param(_ties_at_the_median, id="ties-at-the-median"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()
