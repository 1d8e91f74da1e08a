"""Cohort validation: every bad input gives a CohortError naming the column, rows and fix.

Sections after the behaviour tests (each tagged with its marker):

* R reference (``r_reference``): the derived columns R computed for the fixture cohorts
  (``cohort_derive_gbsg2.json`` from ``tests/reference/survival_reference.R``).
* Properties (``property``): invariance to id relabelling -- integer ids, shuffled text
  ids and the DataFrame index give the same numbers (KM, log-rank, Cox, univariate), and
  the exclusion ledgers name the same patients under their new ids.
* The bad-input catalogue (``tests/_cohorts.py``): inputs the cohort refuses (column,
  rows and fix named) and codings it accepts with an explicit option.
* Fuzz (``fuzz``, helpers in ``tests/_fuzzing.py``): hostile DataFrames give a
  CohortError naming at most five rows, or a valid cohort on which the analyses raise
  only MirprogErrors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal

import mirprog as mp
from tests._cohorts import check_refused, cohort, frame
from tests._fuzzing import CELLS, exercise, fuzz_settings, only_mirprog_warnings
from tests._reference import GBSG2_CSV, ref
from tests._strategies import HEAVY_SETTINGS, factor_frames, fit_quietly


def _df(**overrides: object) -> pd.DataFrame:
    base = {"pid": ["a", "b", "c", "d"], "t": [1.0, 2.0, 3.0, 4.0], "e": [1, 0, 1, 0],
            "x": [0.1, 0.2, 0.3, 0.4]}
    base.update(overrides)  # type: ignore[arg-type]
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("df", "kwargs", "match", "column", "rows"),
    [
        (_df(), {"time": "T"}, r"time column 'T' is not in the table\. Did you mean 't'", "T", ()),
        (_df(), {"event": "evnt"},
         r"event column 'evnt' is not in the table\. Available columns: 'pid', 't'", "evnt", ()),
        (_df(), {"id": "patient"}, r"id column 'patient' is not in the table", "patient", ()),
        (_df(t=["1", "2 yrs", "3", "x"]), {}, r"non-numeric values \('2 yrs', 'x'\) in rows b, d",
         "t", ("b", "d")),
        (_df(t=[1.0, -2.0, 3.0, 4.0]), {}, r"is negative in 1 row\(s\): b", "t", ("b",)),
        (_df(t=[1.0, np.inf, 3.0, 4.0]), {}, r"is infinite .* b\. Replace", "t", ("b",)),
        (_df(t=[1.0, None, 3.0, 4.0]), {}, r"time column 't' is missing in 1 row\(s\): b", "t",
         ("b",)),
        (_df(e=[1, 2, 1, 2]), {}, r"must be coded 0/1 .* found 2 in rows b, d\. Recode", "e",
         ("b", "d")),
        (_df(e=["yes", "no", "yes", "no"]), {}, r"must be coded 0/1", "e", ("a", "b", "c", "d")),
        (_df(e=[1, None, 1, 0]), {}, r"event column 'e' is missing in 1 row\(s\): b", "e", ("b",)),
        (_df(pid=["a", "b", "a", "c"]), {}, r"duplicated ids: a\. Each patient must appear once",
         "pid", ("a",)),
        (_df(pid=["a", None, "c", "d"]), {}, r"id column 'pid' is missing", "pid", (1,)),
        (_df(e=[0, 0, 0, 0]), {}, r"has no events", "e", ()),
        (_df().iloc[:0], {}, r"cohort is empty", None, ()),
    ],
)
def test_bad_input_raises_typed_error(df: pd.DataFrame, kwargs: dict[str, str], match: str,
                                      column: str | None, rows: tuple[object, ...]) -> None:
    args = {"time": "t", "event": "e", "id": "pid"} | kwargs
    with pytest.raises(mp.CohortError, match=match) as info:
        mp.Cohort(df, **args)
    assert isinstance(info.value, mp.MirprogError)
    assert info.value.column == column
    assert info.value.rows == rows


def test_not_a_dataframe() -> None:
    with pytest.raises(mp.CohortError, match="needs a pandas DataFrame"):
        mp.Cohort([[1, 2]], time="t", event="e")  # type: ignore[arg-type]


def test_error_lists_at_most_five_ids() -> None:
    df = pd.DataFrame({"t": [-1.0] * 9 + [1.0], "e": [1] * 10})
    with pytest.raises(mp.CohortError, match=r"0, 1, 2, 3, 4 \(and 4 more\)") as info:
        mp.Cohort(df, time="t", event="e")
    assert info.value.rows == (0, 1, 2, 3, 4)


def test_boolean_event_and_copy_semantics(small_df: pd.DataFrame) -> None:
    df = small_df.assign(relapse=small_df["relapse"].astype(bool))
    cohort = mp.Cohort(df, time="months", event="relapse", id="pid")
    df.loc[0, "months"] = 999.0
    assert cohort.time[0] == 5.0
    assert cohort.event.tolist() == [1, 1, 0, 1, 0, 1, 0, 0]
    assert cohort.n == 8
    assert cohort.n_events == 4
    assert list(cohort.ids[:2]) == ["p1", "p2"]


def test_missing_factor_is_excluded_per_analysis_and_reported(small: mp.Cohort) -> None:
    fit = mp.cox(small, "size")
    assert fit.n == 7
    assert fit.excluded.rows == ("p3",)
    assert fit.excluded.summary() == "7 of 8 rows used; 1 excluded: missing size (p3)"
    assert mp.cox(small, "mir").n == 8  # the same cohort, another factor: nobody dropped
    frame = fit.excluded.to_frame()
    assert frame.to_dict("records") == [{"row": "p3", "column": "size", "reason": "missing"}]


def test_subset_and_assign(small: mp.Cohort) -> None:
    sub = small.subset(small.data["grade"] == 3)
    assert sub.n == 3
    assert small.n == 8
    with pytest.raises(mp.CohortError, match="no events"):
        small.subset(small.data["grade"] == 1)
    with pytest.raises(mp.CohortError, match="empty"):
        small.subset(np.zeros(8, dtype=bool))
    with pytest.raises(mp.CohortError, match="cannot be replaced"):
        small.assign(months=1)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet"])
def test_read_cohort_formats(tmp_path: Path, small_df: pd.DataFrame, suffix: str) -> None:
    path = tmp_path / f"cohort{suffix}"
    if suffix == ".csv":
        small_df.to_csv(path, index=False)
    elif suffix == ".tsv":
        small_df.to_csv(path, sep="\t", index=False)
    elif suffix == ".xlsx":
        small_df.to_excel(path, index=False)
    else:
        small_df.to_parquet(path)
    cohort = mp.read_cohort(path, time="months", event="relapse", id="pid")
    assert cohort.n == 8
    assert cohort.n_events == 4
    assert np.isnan(cohort.data.loc["p3", "size"])


def test_read_cohort_errors(tmp_path: Path) -> None:
    with pytest.raises(mp.DataFileError, match="No file at"):
        mp.read_cohort(tmp_path / "nope.csv", time="t", event="e")
    odd = tmp_path / "cohort.sav"
    odd.write_text("x")
    with pytest.raises(mp.DataFileError, match=r"Unknown file type '\.sav'"):
        mp.read_cohort(odd, time="t", event="e")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    with pytest.raises(mp.DataFileError, match=r"Could not read broken\.parquet"):
        mp.read_cohort(broken, time="t", event="e")


# -------------------------------------------------------------------- R reference (derived columns)


@pytest.mark.r_reference
def test_derived_formulas_match_r() -> None:
    df = pd.read_csv(GBSG2_CSV)
    d = ref("cohort_derive_gbsg2")
    assert_allclose(np.log2(df["progrec"] + 1), d["lpgr"], rtol=1e-14)
    assert_array_equal(np.ceil(df["time"] / 365.25), d["tyear"])


# --------------------------------------------------------------------------- properties


def summary_of(c: mp.Cohort) -> dict[str, Any]:
    """Every number of a few analyses, for equality checks (ids excluded)."""
    cox = fit_quietly(lambda: mp.cox(c, ["x", "m", "g"]))
    lr = mp.logrank(c, by="x")
    return {"km": mp.km(c, by="x").table, "lr": (lr.chi2, lr.p, lr.n),
            "cox": cox.summary, "cox_n": (cox.n, cox.events, cox.loglik),
            "uni": mp.univariate(c, ["x", "g"]).table}


def assert_same_numbers(a: dict[str, Any], b: dict[str, Any], exact: bool) -> None:
    rtol = 0 if exact else 1e-9
    assert_frame_equal(a["km"], b["km"], check_exact=exact, rtol=rtol or 1e-9)
    assert_allclose(a["lr"], b["lr"], rtol=rtol)
    assert_frame_equal(a["cox"], b["cox"], check_exact=exact, rtol=rtol or 1e-9)
    assert_allclose(a["cox_n"], b["cox_n"], rtol=rtol)
    assert_frame_equal(a["uni"], b["uni"], check_exact=exact, rtol=rtol or 1e-9)


@pytest.mark.property
@HEAVY_SETTINGS
@given(df=factor_frames(), seed=st.integers(0, 2**32 - 1))
def test_id_relabelling(df: pd.DataFrame, seed: int) -> None:
    n = len(df)
    labels = np.random.default_rng(seed).permutation(n)
    as_int = mp.Cohort(df.assign(pid=np.arange(n)), time="time", event="event", id="pid")
    as_text = mp.Cohort(df.assign(pid=[f"pt-{k:03d}" for k in labels]), time="time",
                        event="event", id="pid")
    as_index = mp.Cohort(df.set_axis([f"row{k}" for k in labels]), time="time", event="event")
    base = summary_of(as_int)
    assert_same_numbers(base, summary_of(as_text), exact=True)
    assert_same_numbers(base, summary_of(as_index), exact=True)
    # the ledgers name the same patients under their new ids
    new_id = dict(zip(range(n), (f"pt-{k:03d}" for k in labels), strict=True))
    for cols in (["m"], ["m", "g"]):
        old = as_int.complete_cases(cols).exclusions
        new = as_text.complete_cases(cols).exclusions
        assert [new_id[r] for r in old.rows] == list(new.rows)
        assert [(e.column, e.reason) for e in old.entries] == [
            (e.column, e.reason) for e in new.entries]


# --------------------------------------------------------------------- bad-input catalogue: refused

# (action, error type, message regex (column ... rows ... fix), column, rows)
REFUSED = [
    pytest.param(lambda: cohort(time="T"), mp.CohortError,
                 r"time column 'T' is not in the table\. Did you mean 't'\?", "T", (),
                 id="wrong-column-name-time"),
    pytest.param(lambda: cohort(event="evnt"), mp.CohortError,
                 r"event column 'evnt' is not in the table\. Available columns: 'pid', 't', 'e'",
                 "evnt", (), id="wrong-column-name-event"),
    pytest.param(lambda: mp.cox(cohort(), "mm"), mp.CohortError,
                 r"analysis column 'mm' is not in the table\. Did you mean 'm'\?", "mm", (),
                 id="wrong-column-name-factor"),
    pytest.param(lambda: cohort(frame(t=["5 yrs", "8", "1 yr", "12", "20", "25", "30", "41"])),
                 mp.CohortError,
                 r"time column 't' has non-numeric values \('5 yrs', '1 yr'\) in rows p1, p3\. "
                 r"Convert it to numbers in one unit", "t", ("p1", "p3"), id="time-as-text"),
    pytest.param(lambda: cohort(frame(t=["NA", 8, 12, ".", 20, 25, 30, 41])), mp.CohortError,
                 r"time column 't' has missing-value codes \('NA', '\.'\) in rows p1, p4\. "
                 r"Follow-up is needed", "t", ("p1", "p4"), id="time-missing-codes"),
    pytest.param(lambda: cohort(frame(t=[5.0, -8.0, 12, 12, 20, 25, 30, 41])), mp.CohortError,
                 r"time column 't' is negative in 1 row\(s\): p2\. Check the dates", "t", ("p2",),
                 id="negative-time"),
    pytest.param(lambda: cohort(frame(t=[5.0, 8, np.inf, 12, 20, 25, 30, -np.inf])),
                 mp.CohortError, r"time column 't' is infinite in 2 row\(s\): p3, p8\. Replace",
                 "t", ("p3", "p8"), id="infinite-time"),
    pytest.param(lambda: cohort(frame(t=pd.to_datetime(["2020-01-01"] * 8))), mp.CohortError,
                 r"time column 't' holds dates.*\.dt\.days", "t", (), id="time-as-dates"),
    pytest.param(lambda: cohort(frame(t=pd.to_timedelta(np.arange(1, 9), unit="D"))),
                 mp.CohortError, r"time column 't' holds durations \(timedelta\).*\.dt\.days",
                 "t", (), id="time-as-timedelta"),
    pytest.param(lambda: cohort(frame(e=[2, 2, 1, 2, 1, 2, 1, 2])), mp.CohortError,
                 r"event column 'e' must be coded 0/1 .* found 2 in rows p1, p2, p4, p6, p8\. "
                 r".*event_values=\{2: 1, 1: 0\} for R's coding", "e",
                 ("p1", "p2", "p4", "p6", "p8"), id="event-coded-1-2"),
    pytest.param(lambda: cohort(frame(e=["yes", "yes", "no", "yes", "no", "yes", "no", "no"])),
                 mp.CohortError,
                 r"event column 'e' must be coded 0/1 .* found 'no', 'yes' .*"
                 r"event_values=\{'yes': 1, 'no': 0\} if 'yes' marks the event", "e",
                 ("p1", "p2", "p3", "p4", "p5"), id="event-yes-no"),
    pytest.param(lambda: cohort(frame(e=[2, 2, 1, 3, 1, 2, 1, 2]), event_values={2: 1, 1: 0}),
                 mp.CohortError,
                 r"event column 'e' has code\(s\) 3 that event_values does not name, in rows p4\. "
                 r"Add them", "e", ("p4",), id="event-unknown-code-with-mapping"),
    pytest.param(lambda: cohort(frame(e=["yes"] * 4 + ["no"] * 4), event_values={"yes": "1"}),
                 mp.CohortError, r"event_values must map every code to 1 \(event\) or 0", "e", (),
                 id="event-mapping-not-0-1"),
    pytest.param(lambda: cohort(frame(e=[1, 1, None, 1, 0, 1, None, 1])), mp.CohortError,
                 r"event column 'e' is missing in 2 row\(s\): p3, p7\. Every patient needs",
                 "e", ("p3", "p7"), id="missing-event"),
    pytest.param(lambda: cohort(frame(pid=["p1", "p2", "p1", "p4", "p5", "p2", "p7", "p8"])),
                 mp.CohortError, r"id column 'pid' has duplicated ids: p1, p2\. Each patient "
                 r"must appear once", "pid", ("p1", "p2"), id="duplicated-ids"),
    pytest.param(lambda: cohort(pd.concat([frame(), frame()[["t"]]], axis=1)), mp.CohortError,
                 r"Column names must be unique, but 't' appear\(s\) more than once.*Rename", "t",
                 (), id="duplicated-column-names"),
    pytest.param(lambda: mp.cox(cohort(frame(g=[0, 1, np.inf, 1, 0, 1, 0, -np.inf])), "g"),
                 mp.CohortError, r"Column 'g' is infinite in 2 row\(s\): p3, p8\. Replace it by a "
                 r"finite value, or by NaN", "g", ("p3", "p8"), id="infinite-factor-value"),
    pytest.param(lambda: cohort(frame(g=[0, [1, 2], 0, 1, 0, 1, 0, 1])), mp.CohortError,
                 r"Column 'g' holds containers or complex numbers \(e\.g\. \[1, 2\]\) in rows p2",
                 "g", ("p2",), id="list-in-a-cell"),
    pytest.param(lambda: cohort(frame(e=[0] * 8)), mp.CohortError,
                 r"event column 'e' has no events .* Check the coding \(1 = event\)", "e", (),
                 id="no-events"),
]


@pytest.mark.parametrize(("action", "error", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                 column: str | None, rows: tuple[object, ...]) -> None:
    check_refused(action, error, match, column, rows)


# -------------------------------------------------------------------- bad-input catalogue: accepted

def _event_1_2_mapping() -> None:
    c = cohort(frame(e=[2, 2, 1, 2, 1, 2, 1, 2]), event_values={2: 1, 1: 0})
    assert c.event.tolist() == [1, 1, 0, 1, 0, 1, 0, 1]
    assert c.event_values == {2: 1, 1: 0}
    assert c.subset(c.ids != "p1").event_values == {2: 1, 1: 0}


def _event_yes_no_mapping() -> None:
    c = cohort(frame(e=["yes", "yes", "no", "yes", "no", "yes", "no", "no"]),
               event_values={"yes": 1, "no": 0})
    assert c.event.tolist() == [1, 1, 0, 1, 0, 1, 0, 0]
    assert c.n_events == 4


def _cohort_100k_rows() -> None:
    """Cohort + KM + log-rank + Cox on 100,000 generated rows (no timing assertion)."""
    rng = np.random.default_rng(20240509)
    n = 100_000
    x = rng.integers(0, 2, n)
    z = rng.normal(size=n)
    t = rng.exponential(5 / np.exp(0.5 * x + 0.2 * z))
    cens = rng.exponential(8, n)
    df = pd.DataFrame({"id": np.arange(n), "time": np.minimum(t, cens).round(3),
                       "event": (t <= cens).astype(int), "x": x, "z": z})
    df.loc[::1000, "z"] = np.nan
    c = mp.Cohort(df, time="time", event="event", id="id", time_unit="years")
    assert c.n == n
    fit = mp.km(c, by="x")
    assert fit.n == n
    lr = mp.logrank(c, by="x")
    assert lr.p < 1e-10
    cox = mp.cox(c, ["x", "z"])
    assert cox.n == n - 100
    assert len(cox.excluded) == 100
    assert cox.summary.loc["x", "hr"] == pytest.approx(np.exp(0.5), rel=0.05)


ACCEPTED = [
    pytest.param(_event_1_2_mapping, id="event-coded-1-2-with-mapping"),
    pytest.param(_event_yes_no_mapping, id="event-yes-no-with-mapping"),
    pytest.param(_cohort_100k_rows, id="cohort-100k-rows"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()


# --------------------------------------------------------------------------- fuzz

@pytest.mark.fuzz
@fuzz_settings(300)
@given(cells=st.lists(st.tuples(CELLS, CELLS, CELLS, CELLS, CELLS), min_size=0, max_size=12),
       id_col=st.sampled_from([None, "id"]))
def test_cohort_from_hostile_frames_raises_only_cohort_errors(
        cells: list[tuple[Any, ...]], id_col: str | None) -> None:
    df = pd.DataFrame(cells, columns=["t", "e", "id", "m", "g"]).assign(x=1)
    with only_mirprog_warnings():
        try:
            c = mp.Cohort(df, time="t", event="e", id=id_col)
        except mp.CohortError as exc:
            rows = exc.rows
            c = None
        if c is None:
            assert len(rows) <= 5
            return
        assert np.all(np.isfinite(c.time))
        assert np.all(c.time >= 0)
        assert set(np.unique(c.event)) <= {0, 1}
        exercise(c)
