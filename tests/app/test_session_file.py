"""The study file of an app session (issue 21, item 5): it reads back as the same study,
and a bad choice is refused naming the argument (the browser test runs one end to end)."""

from __future__ import annotations

import pandas as pd
import pytest

import mirprog as mp
from mirprog.app.session_file import SessionChoices, factor_kind, study_toml
from mirprog.errors import ArgumentError

CHOICES = SessionChoices(
    file_name="my cohort.csv", time="rfs_days", event="recurrence", marker="pgr",
    rule="fixed", threshold=40.5, event_values={"relapse": 1, "none": 0}, id="pid",
    time_unit="days", sheet=None, other_markers=["er", "pgr"],
    factors={"nodes": "continuous", "size": "categorical", "hormon": "binary"},
    signature={"er": "low", "hormon": 1}, subgroups={"size = <=20": "size == '<=20'"},
    p_remove=0.2)


def test_the_study_file_reads_back_as_the_sessions_study() -> None:
    study = mp.Study.from_toml(text=study_toml(CHOICES))
    assert study.cohort_file == "my cohort.csv"
    assert study.id == "pid"
    assert study.time_unit == "days"
    (ep,) = study.endpoints
    assert (ep.time, ep.event, dict(ep.event_values or {})) == (
        "rfs_days", "recurrence", {"relapse": 1, "none": 0})
    assert [(m.column, m.rule, m.threshold, m.adverse) for m in study.markers] == [
        ("pgr", "fixed", (40.5,), "high"), ("er", "median", (), "low")]
    kinds = {f.column: (f.categorical, f.continuous, f.adverse) for f in study.factors}
    assert kinds == {"nodes": (False, True, None), "size": (True, False, None),
                     "hormon": (False, False, 1)}
    assert study.signature == ("er", "hormon")
    assert study.subgroups[0].conditions == (("size", "==", "<=20"),)
    assert study.analyses["p_remove"] == 0.2
    assert study.analyses["subgroups"] is True


@pytest.mark.parametrize(("change", "match"), [
    ({"rule": "best"}, "rule must be one of"),
    ({"rule": "fixed", "threshold": None}, "threshold"),
    ({"factors": {"nodes": "ordinal"}}, "binary, categorical or continuous"),
])
def test_bad_choices_name_the_argument(change: dict[str, object], match: str) -> None:
    base = {k: getattr(CHOICES, k) for k in CHOICES.__dataclass_fields__}
    with pytest.raises(ArgumentError, match=match):
        study_toml(SessionChoices(**{**base, **change}))  # type: ignore[arg-type]


@pytest.mark.parametrize(("values", "kind"), [
    ([0, 1, 1, None], "binary"), (["no", "yes"], "binary"), ([1, 2, 3, 2], "continuous"),
    (["<=20", "20-50", ">50"], "categorical"),
])
def test_factor_kind(values: list[object], kind: str) -> None:
    assert factor_kind(pd.Series(values)) == kind


def test_the_sessions_weighted_stratified_test_reruns_from_its_file() -> None:
    from pathlib import Path

    data = Path(__file__).parent / "rotterdam_app.csv"
    choices = SessionChoices(file_name=data.as_posix(), time="rfs_days", event="recurrence",
                             marker="pgr", event_values={"relapse": 1, "none": 0}, id="pid",
                             weighting="tarone-ware", strata=("hormon",))
    study = mp.Study.from_toml(text=study_toml(choices))
    assert (study.analyses["weighting"], study.analyses["strata"]) == ("tarone-ware",
                                                                       ("hormon",))
    ep = study.run().endpoints["recurrence"]
    got = ep.get("Log-rank (Tarone-Ware (weights sqrt n), stratified by hormon) by pgr")
    ref = mp.logrank(ep.cohort, by="pgr_high", weighting="tarone-ware", strata="hormon")
    assert (got.chi2, got.p) == (ref.chi2, ref.p)

