"""(start, stop] cohorts: what Cohort(entry=) accepts, refuses and how rows are labelled.

The numbers of KM / log-rank / Cox on interval cohorts are checked against R in
tests/stats/test_intervals_r.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from tests._cohorts import check_refused
from tests._reference import ref


def _tv(**overrides: Any) -> pd.DataFrame:
    """Three patients: "a" switches treatment at month 4, "b" enters late (month 2), "c"."""
    base: dict[str, Any] = {"pid": ["a", "a", "b", "c"], "start": [0.0, 4.0, 2.0, 0.0],
                            "stop": [4.0, 12.0, 30.5, 9.0], "relapse": [0, 1, 0, 1],
                            "treated": [0, 1, 0, 1], "age": [50.0, 50.0, np.nan, 61.0]}
    base.update(overrides)
    return pd.DataFrame(base)


def _cohort(df: pd.DataFrame | None = None, **kw: Any) -> mp.Cohort:
    return mp.Cohort(_tv() if df is None else df, time="stop", event="relapse", id="pid",
                     entry="start", **kw)


def test_rows_are_intervals_labelled_by_patient_and_start() -> None:
    c = _cohort()
    assert (c.n, c.n_patients, c.n_events) == (4, 3, 2)
    assert list(c.ids) == [("a", 0.0), ("a", 4.0), ("b", 2.0), ("c", 0.0)]
    assert list(c.patients) == ["a", "a", "b", "c"]
    assert c.entry.tolist() == [0.0, 4.0, 2.0, 0.0]  # type: ignore[union-attr]
    assert c.data.loc["a", "treated"].tolist() == [0, 1]
    assert "entry='start'" in repr(c)
    assert "patients=3" in repr(c)


def test_without_id_every_row_is_its_own_patient() -> None:
    c = mp.Cohort(_tv().drop(columns="pid").iloc[[0, 2, 3]], time="stop", event="relapse",
                  entry="start")
    assert list(c.ids) == [0, 2, 3]
    assert c.n_patients == 3


def test_ids_repeat_only_with_entry() -> None:
    with pytest.raises(mp.errors.CohortError, match=r"duplicated ids: a.*entry="):
        mp.Cohort(_tv(), time="stop", event="relapse", id="pid")


@pytest.mark.parametrize(("override", "match", "column", "rows"), [
    ({"start": [0.0, 4.0, 30.5, 0.0]}, r"not before the time column 'stop'.*patients b",
     "start", ("b",)),
    ({"start": [0.0, 12.0, 2.0, 0.0]}, r"not before.*patients a", "start", ("a",)),
    ({"start": [0.0, 3.0, 2.0, 0.0]}, r"Patients a have overlapping intervals", "start",
     ("a",)),
    ({"relapse": [1, 1, 0, 1]}, r"Patients a have intervals after their event.*recurrent=True",
     "stop", ("a",)),
    ({"start": [0.0, 4.0, -1.0, 0.0]}, r"'start' is negative in 1 row\(s\): b", "start",
     ("b",)),
    ({"start": [0.0, 4.0, np.nan, 0.0]}, r"'start' is missing in 1 row\(s\): b", "start",
     ("b",)),
    ({"start": ["0", "4", "2 mo", "0"]}, r"'start' has non-numeric values \('2 mo'\)", "start",
     ("b",)),
])
def test_bad_intervals_are_refused_naming_column_and_patients(
        override: dict[str, Any], match: str, column: str, rows: tuple[object, ...]) -> None:
    check_refused(lambda: _cohort(_tv(**override)), mp.errors.CohortError, match, column, rows)


def test_recurrent_events_are_allowed_when_asked() -> None:
    c = _cohort(_tv(relapse=[1, 1, 0, 1]), recurrent=True)
    assert c.n_events == 3
    assert c.recurrent


def test_gaps_between_intervals_are_allowed() -> None:
    c = _cohort(_tv(start=[0.0, 6.0, 2.0, 0.0]))
    fit = mp.km(c)
    assert fit.table.loc[fit.table["time"] == 4.0, "n_censored"].item() == 1  # "a" leaves at 4


def test_entry_role_is_protected_and_kept_by_derived_cohorts() -> None:
    c = _cohort()
    with pytest.raises(mp.errors.CohortError, match="'start' is the cohort's start role"):
        c.assign(start=1.0)
    sub = c.subset(c.data["treated"] == 1)
    assert sub.entry_col == "start"
    assert list(sub.ids) == [("a", 4.0), ("c", 0.0)]
    assert c.assign(older=c.data["age"] > 55).entry_col == "start"


def _heart(**changes: Any) -> mp.Cohort:
    """R's `heart` (transplant as a time-varying covariate), with ``changes`` applied."""
    d = pd.DataFrame(ref("cohort_intervals_heart")["heart"])
    for col, (rows, value) in changes.items():
        d.loc[rows, col] = value
    return mp.Cohort(d, time="stop", event="event", id="id", entry="start")


def test_exclusions_name_the_interval() -> None:
    c = _heart(age=([2, 3], np.nan))   # patient 3's two intervals
    fit = mp.cox(c, ["age", "transplant"])
    assert fit.n == 170
    assert list(fit.excluded.rows) == [(3, 0.0), (3, 1.0)]
    assert "missing age ((3, 0.0), (3, 1.0))" in fit.excluded.summary()


def test_analyses_that_need_one_row_per_patient_refuse_intervals() -> None:
    c = _heart()
    refusals = [
        lambda: mp.Cutpoints.fit(c, ["age"], "median"),
        lambda: mp.PrognosticModel.fit(c, [], ["age"]),
        lambda: mp.optimal_cutpoint(c, "age"),
        lambda: mp.bootstrap_validate(c, ["age"], n_boot=2),
        lambda: mp.cox(c, ["age"], firth=True),
        lambda: mp.screen(c, markers=["age", "year"]),
        lambda: mp.screen_bootstrap(c, markers=["age", "year"], n_boot=2),
    ]
    for action in refusals:
        with pytest.raises(mp.MirprogError, match=r"\(start, stop\] intervals"):
            action()


def test_interval_cohort_read_from_file(tmp_path: Any) -> None:
    path = tmp_path / "tv.csv"
    _tv().to_csv(path, index=False)
    c = mp.read_cohort(path, time="stop", event="relapse", id="pid", entry="start")
    assert c.n_patients == 3
    assert c.entry_col == "start"
