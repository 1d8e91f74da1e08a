"""Cutpoints files under tampering (issue 14, item 6) and the scale check of apply (item 10).

The cases edit a real saved file: GBSG2 progrec and estrec split at their medians
(32.5 and 36), age at its tertiles.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

import mirprog as mp
from mirprog.data.scale import ScaleWarning
from mirprog.errors import ModelFileError
from mirprog.model.prognostic import PrognosticModel
from tests._tamper import pop_field, set_field


@cache
def gbsg() -> mp.Cohort:
    return mp.datasets.load_gbsg2()


@cache
def cuts() -> mp.Cutpoints:
    g = gbsg()
    return mp.Cutpoints((*mp.Cutpoints.fit(g, ["progrec", "estrec"]).cutpoints,
                         *mp.Cutpoints.fit(g, ["age"], "tertiles").cutpoints),
                        {**mp.Cutpoints.fit(g, ["progrec", "estrec", "age"]).ranges})


def _edit(path: str, value: Any = ..., pop: bool = False) -> Callable[[dict[str, Any]], object]:
    return pop_field(path) if pop else set_field(path, value)


TAMPERINGS = [
    pytest.param(_edit("cutpoints/0/thresholds/0", "32.5"), r"cutpoints\[0\]\.thresholds\[0\] is "
                 "'32.5' \\(a string\\)", id="string-threshold"),
    pytest.param(_edit("cutpoints/2/thresholds/1", float("nan")),
                 r"cutpoints\[2\]\.thresholds\[1\] is nan", id="nan-threshold"),
    pytest.param(_edit("cutpoints/2/thresholds/1", float("-inf")),
                 r"cutpoints\[2\]\.thresholds\[1\] is -inf", id="infinite-threshold"),
    pytest.param(_edit("cutpoints/0/thresholds", []), r"cutpoints\[0\]\.thresholds has 0",
                 id="empty-thresholds"),
    pytest.param(_edit("cutpoints/2/thresholds", [60.0, 40.0]),
                 r"cutpoints\[2\]\.thresholds\[1\] is 40.0, not above", id="decreasing"),
    pytest.param(_edit("cutpoints/2/thresholds", [50.0, 50.0]),
                 r"cutpoints\[2\]\.thresholds\[1\] .*must increase", id="duplicated"),
    pytest.param(_edit("cutpoints/2/column", "age_high"), r"cutpoints\[2\]\.column is "
                 "'age_high', but .* writes 'age_level'", id="column-level-mismatch"),
    pytest.param(_edit("cutpoints/0/group_sizes", [343]), r"cutpoints\[0\]\.group_sizes has 1",
                 id="group-sizes"),
    pytest.param(_edit("cutpoints/0/group_sizes/0", "343"),
                 r"cutpoints\[0\]\.group_sizes\[0\] is '343'", id="string-size"),
    pytest.param(_edit("cutpoints/0/n_at_threshold", True),
                 r"cutpoints\[0\]\.n_at_threshold is True \(a boolean\)", id="bool-count"),
    pytest.param(_edit("cutpoints/0/high", "above "), r"cutpoints\[0\]\.high", id="side"),
    pytest.param(_edit("cutpoints/0/rule", None), r"cutpoints\[0\]\.rule is None", id="rule"),
    pytest.param(_edit("cutpoints/0/marker", ""), r"cutpoints\[0\]\.marker is an empty string",
                 id="empty-marker"),
    pytest.param(_edit("cutpoints/1/marker", "progrec"), r"cutpoints\[1\]\.column",
                 id="marker-column-mismatch"),
    pytest.param(_edit("cutpoints/0/extra", 1), r"cutpoints\[0\]\.extra is not a known field",
                 id="unknown-nested-key"),
    pytest.param(_edit("cutpoints/0/n_fit", pop=True), r"cutpoints\[0\]\.n_fit is missing",
                 id="missing-nested-key"),
    pytest.param(_edit("cutpoints", {"progrec": 32.5}), r"cutpoints is  ?\(an object\), "
                 "expected a list", id="cutpoints-an-object"),
    pytest.param(_edit("cutpoints", pop=True), r"cutpoints is missing", id="missing-key"),
    pytest.param(_edit("note", "hi"), r"note is not a known field", id="unknown-key"),
    pytest.param(_edit("marker_ranges/nodes", {"n": 1, "min": 0, "p01": 0, "q25": 0,
                                               "median": 0, "q75": 0, "p99": 0, "max": 0}),
                 r"marker_ranges\.nodes is not a marker of the cutpoints", id="stray-range"),
    pytest.param(_edit("marker_ranges/age/median", 99.0), r"marker_ranges\.age\.q75 is .* below "
                 "median", id="range-order"),
    pytest.param(_edit("marker_ranges/age/n", 0), r"marker_ranges\.age\.n is 0", id="range-n"),
]


@pytest.mark.parametrize(("edit", "field"), TAMPERINGS)
def test_tampered_cutpoints_file_names_the_field(edit: Callable[[dict[str, Any]], None],
                                                  field: str) -> None:
    payload = json.loads(cuts().to_json())
    edit(payload)
    with pytest.raises(ModelFileError, match=rf"The cutpoints JSON is corrupted: {field}.*"
                                             "Restore the file as mirprog wrote it"):
        mp.Cutpoints.from_json(json.dumps(payload))


@pytest.mark.parametrize(("text", "match"), [
    pytest.param('{"schema": "mirprog.cutpoints/3"}', "newer mirprog", id="newer-schema"),
    pytest.param('{"schema": "mirprog.cutpoints/0"}', "no mirprog release", id="older-schema"),
    pytest.param('{"schema": "mirprog.cutpoints/1.0"}', "not a mirprog cutpoints file",
                 id="non-integer-schema"),
    pytest.param('{"schema": "mirprog.model/2"}', "not a mirprog cutpoints file", id="model"),
    pytest.param("[]", r"top level is \(a list\)", id="list"),
    pytest.param("null", r"top level is None", id="null"),
    pytest.param("{not json", "not valid JSON", id="invalid-json"),
    pytest.param('{"a": ' * 50_000, "nested far deeper", id="deep-nesting"),
    pytest.param('{"schema": "mirprog.cutpoints/2", "schema": "mirprog.cutpoints/2"}',
                 "has the key 'schema' twice", id="duplicated-key"),
])
def test_malformed_cutpoints_text(text: str, match: str) -> None:
    with pytest.raises(ModelFileError, match=match):
        mp.Cutpoints.from_json(text)


def test_round_trip_and_schema_1_files() -> None:
    text = cuts().to_json()
    back = mp.Cutpoints.from_json(text)
    assert back == cuts()
    assert back.ranges == cuts().ranges
    old = json.loads(text)
    old["schema"] = "mirprog.cutpoints/1"
    del old["marker_ranges"]
    loaded = mp.Cutpoints.from_json(json.dumps(old))
    assert loaded.cutpoints == cuts().cutpoints
    assert loaded.ranges == {}
    g = gbsg()
    assert loaded.apply(g).data.equals(cuts().apply(g).data)


# --------------------------------------------------------------------------- scale shift


def _log_scale(cohort: mp.Cohort, marker: str) -> mp.Cohort:
    return cohort.assign(**{marker: np.log1p(cohort.data[marker])})


def test_apply_warns_on_a_scale_shift() -> None:
    g = gbsg()
    fitted = mp.Cutpoints.fit(g, ["progrec"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.apply(g)  # the training cohort itself: no warning
    with pytest.warns(ScaleWarning, match=r"Marker 'progrec' looks like it is on another scale"
                                          r".*its interquartile range 2\.8\d* is 0\.0225 times"):
        fitted.apply(_log_scale(g, "progrec"))
    # a file without marker ranges (schema 1) still catches it by the share above the threshold
    bare = mp.Cutpoints(fitted.cutpoints)
    with pytest.warns(ScaleWarning, match=r"0% of patients are above the frozen threshold 32\.5 "
                                          r"\(training: 50%\)"):
        bare.apply(_log_scale(g, "progrec"))


def test_apply_and_score_share_one_scale_check() -> None:
    g = gbsg()
    model = PrognosticModel.fit(g, ["progrec"])
    fitted = mp.Cutpoints(model.cutpoints.cutpoints, model.marker_ranges)
    shifted = _log_scale(g, "progrec")
    with pytest.warns(ScaleWarning) as from_score:
        model.score(shifted, horizons=[365])
    with pytest.warns(ScaleWarning) as from_apply:
        fitted.apply(shifted)
    assert [str(w.message) for w in from_apply] == [str(w.message) for w in from_score]
