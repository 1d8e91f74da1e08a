"""The catalogue of bad inputs (issue 9): every item is refused with a typed error, or works.

One test case per catalogue item, each parametrised with an id named after the
item (``pytest tests/test_robustness.py -k decimal-comma``):

* ``REFUSED`` -- the input is refused.  The error is a
  :class:`~mirprog.errors.MirprogError` subclass whose message names the
  column, up to five offending row ids and the fix; ``CohortError.column`` and
  ``.rows`` carry the same information for programs.
* ``FILES`` -- a malformed file is refused by :func:`mirprog.read_cohort` with a
  :class:`~mirprog.errors.DataFileError` naming the ``read_options`` that read
  it correctly, and reading with those options gives the intended cohort.
* ``ACCEPTED`` -- the input is valid (or valid with an explicit option) and the
  result says what happened (group sizes, ties, the unit warning...).
* ``LEDGERS`` -- every analysis result accounts for every row: rows used, and
  rows excluded with the column and the reason.

Decisions documented here and in :mod:`mirprog.cohort`: zero follow-up is
allowed (as R's ``survival``); negative or infinite follow-up is an error;
event codings other than 0/1 need ``event_values=``; files are never re-read
with a guessed separator, decimal mark or encoding.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.data.cohort import UnitWarning
from mirprog.model.prognostic import PrognosticModel


def frame(**overrides: Any) -> pd.DataFrame:
    """Eight patients p1..p8 with time ``t`` (months), event ``e``, marker ``m``, factor ``g``."""
    base: dict[str, Any] = {
        "pid": [f"p{i}" for i in range(1, 9)],
        "t": [5.0, 8.0, 12.0, 12.0, 20.0, 25.0, 30.0, 41.0],
        "e": [1, 1, 0, 1, 0, 1, 0, 1],
        "m": [3.1, 2.2, 0.4, 5.0, 0.9, 1.8, 0.2, 0.7],
        "g": [0, 1, 0, 1, 0, 1, 0, 1],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def cohort(df: pd.DataFrame | None = None, **kwargs: Any) -> mp.Cohort:
    args = {"time": "t", "event": "e", "id": "pid"} | kwargs
    return mp.Cohort(frame() if df is None else df, **args)


# --------------------------------------------------------------------------- refused inputs

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
    pytest.param(lambda: mp.Cutpoints.fit(cohort(), "M"), mp.CohortError,
                 r"marker column 'M' is not in the table\. Did you mean 'm'\?", "M", (),
                 id="wrong-column-name-marker"),
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
    pytest.param(lambda: mp.Cutpoints.fit(cohort(frame(m=[2.0] * 8)), "m"), mp.CohortError,
                 r"Marker 'm' cannot be split by its median .* group sizes would be \[8, 0\].* "
                 r"Try high='at_or_above', or a fixed threshold", "m", (),
                 id="marker-all-constant"),
    pytest.param(lambda: mp.Cutpoints.fit(cohort(frame(m=[np.nan] * 8)), "m"), mp.CohortError,
                 r"Marker 'm' has no non-missing value; it cannot be split", "m", (),
                 id="marker-all-missing"),
    pytest.param(lambda: mp.logrank(cohort(frame(g=[1] * 8)), by="g"), mp.CohortError,
                 r"Column 'g' has 1 group\(s\) \(1\) among the 8 usable rows; a comparison "
                 r"needs at least 2\. Check the cutpoint", "g", (), id="fewer-than-2-groups"),
    pytest.param(lambda: cohort(frame(e=[0] * 8)), mp.CohortError,
                 r"event column 'e' has no events .* Check the coding \(1 = event\)", "e", (),
                 id="no-events"),
    pytest.param(lambda: mp.table4(cohort(frame(g=[0, 1, 2, 0, 1, 2, 0, 1])), "g", {}),
                 mp.CohortError, r"table4\(\) needs a binary 0/1 factor; 'g' has values "
                 r"\[0, 1, 2\]\. Give a marker with marker_rule='median' or cut it first", "g", (),
                 id="factor-with-3-levels-where-binary-needed"),
]


@pytest.mark.parametrize(("action", "error", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                 column: str | None, rows: tuple[object, ...]) -> None:
    with pytest.raises(error, match=match) as info:
        action()
    assert isinstance(info.value, mp.MirprogError)
    assert info.value.column == column  # type: ignore[attr-defined]
    assert info.value.rows == rows  # type: ignore[attr-defined]
    assert len(info.value.rows) <= 5  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- malformed files


def _csv_decimal_comma(path: Path) -> None:
    text = "pid;t;e;m\n" + "".join(
        f"{r.pid};{str(r.t).replace('.', ',')};{r.e};{str(r.m).replace('.', ',')}\n"
        for r in frame().itertuples())
    path.write_text(text, encoding="utf-8")


def _csv_decimal_comma_quoted(path: Path) -> None:
    df = frame().astype({"t": str})
    df["t"] = df["t"].str.replace(".", ",", regex=False)
    df.to_csv(path, index=False)


def _csv_latin1(path: Path) -> None:
    frame(centre=["Créteil", "Orléans"] * 4).to_csv(path, index=False, encoding="latin-1")


def _csv_utf16(path: Path) -> None:
    frame().to_csv(path, index=False, sep="\t", encoding="utf-16")


def _csv_tab_separated(path: Path) -> None:
    frame().to_csv(path, index=False, sep="\t")


def _csv_title_line(path: Path) -> None:
    path.write_text("Cohort export 2024-05-01\n" + frame().to_csv(index=False), encoding="utf-8")


def _xlsx_merged_title(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "Breast cancer cohort (export of 2024-05-01)"
    ws.merge_cells("A1:E1")
    df = frame()
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    wb.save(path)


def _xlsx_two_row_header(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["", "Follow-up", None, "Markers", None])
    ws.merge_cells("B1:C1")
    ws.merge_cells("D1:E1")
    df = frame()
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    wb.save(path)


# (file name, writer, error message regex naming the fix, read_options that read it right)
FILES = [
    pytest.param("c.csv", _csv_decimal_comma,
                 r"c\.csv looks semicolon-separated.*read_options=\{'sep': ';', 'decimal': ','\}",
                 {"sep": ";", "decimal": ","}, id="csv-decimal-comma-semicolons"),
    pytest.param("c.csv", _csv_decimal_comma_quoted,
                 r"Column 't' of c\.csv holds numbers with a decimal comma \('5,0', '8,0', '12,0'"
                 r"\) in rows p1, p2, p3, p4, p5 \(and 3 more\).*read_options=\{'sep': ';', "
                 r"'decimal': ','\}", {"decimal": ",", "quotechar": '"'},
                 id="csv-decimal-comma-quoted"),
    pytest.param("c.csv", _csv_latin1,
                 r"c\.csv is not utf-8 text: byte 0xe9 on line 2 .*read_options=\{'encoding': "
                 r"'latin-1'\}", {"encoding": "latin-1"}, id="non-utf8-latin1"),
    pytest.param("c.txt", _csv_utf16,
                 r"c\.txt is UTF-16 text.*read_options=\{'encoding': 'utf-16', 'sep': '\\t'\}",
                 {"encoding": "utf-16", "sep": "\t"}, id="non-utf8-utf16"),
    pytest.param("c.csv", _csv_tab_separated,
                 r"c\.csv looks tab-separated.*read_options=\{'sep': '\\t'\} or name the file "
                 r"\.tsv", {"sep": "\t"}, id="csv-tab-separated"),
    pytest.param("c.csv", _csv_title_line,
                 r"c\.csv has a title row or a merged header: its first line has 1 field\(s\) but "
                 r"the rows below have 5.*row 2 of the file: pass read_options=\{'header': 1\}",
                 {"header": 1},
                 id="csv-title-line"),
    pytest.param("c.xlsx", _xlsx_merged_title,
                 r"c\.xlsx has a title row or a merged header: 4 column\(s\) have no name "
                 r"\('Breast cancer cohort \(export of 2024-05-01\)', 'Unnamed: 1'.*The column "
                 r"names are in row 2 of the file: pass read_options=\{'header': 1\}",
                 {"header": 1}, id="excel-merged-title-row"),
    pytest.param("c.xlsx", _xlsx_two_row_header,
                 r"c\.xlsx has a title row or a merged header.*read_options=\{'header': 1\}.*"
                 r"\{'header': \[0, 1\]\}", {"header": [0, 1]}, id="excel-two-row-header"),
]


@pytest.mark.parametrize(("name", "write", "match", "options"), FILES)
def test_malformed_file(tmp_path: Path, name: str, write: Callable[[Path], None], match: str,
                        options: dict[str, Any]) -> None:
    path = tmp_path / name
    write(path)
    with pytest.raises(mp.DataFileError, match=match):
        mp.read_cohort(path, time="t", event="e", id="pid")
    fixed = mp.read_cohort(path, time="t", event="e", id="pid", read_options=options)
    expected = cohort()
    assert fixed.ids.tolist() == expected.ids.tolist()
    np.testing.assert_allclose(fixed.time, expected.time)
    assert fixed.event.tolist() == expected.event.tolist()
    np.testing.assert_allclose(fixed.data["m"].astype(float), frame()["m"])


def test_file_level_mistakes(tmp_path: Path) -> None:
    """Path and option mistakes are DataFileErrors too, never a bare TypeError/OSError."""
    path = tmp_path / "c.csv"
    frame().to_csv(path, index=False)
    with pytest.raises(mp.DataFileError, match="read_options must be a mapping"):
        mp.read_cohort(path, time="t", event="e", read_options="sep=;")  # type: ignore[arg-type]
    with pytest.raises(mp.DataFileError, match=r"(Not a usable file path|No file at)"):
        mp.read_cohort("c\x00.csv", time="t", event="e")
    with pytest.raises(mp.DataFileError, match="Not a usable file path"):
        mp.read_cohort(3.5, time="t", event="e")  # type: ignore[arg-type]
    with pytest.raises(mp.DataFileError, match="No file at"):
        mp.read_cohort(tmp_path, time="t", event="e")
    with pytest.raises(mp.DataFileError, match=r"Could not read c\.csv.*unexpected keyword"):
        mp.read_cohort(path, time="t", event="e", read_options={"sepp": ";"})
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(mp.DataFileError, match="The file has no data"):
        mp.read_cohort(empty, time="t", event="e")


# --------------------------------------------------------------------------- accepted inputs


def _zero_time() -> None:
    """Zero follow-up is allowed, as in R (an event on day 0 is in the risk set at 0)."""
    c = cohort(frame(t=[0.0, 8, 12, 12, 20, 25, 0.0, 41]))
    fit = mp.km(c)
    first = fit.table.iloc[0]
    assert (first["time"], first["n_at_risk"], first["n_events"], first["n_censored"]) == (
        0.0, 8, 1, 1)
    assert first["survival"] == pytest.approx(7 / 8)


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


def _ties_at_the_median() -> None:
    c = cohort(frame(m=[1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 4.0, 0.5]))
    above = mp.Cutpoints.fit(c, "m")["m"]
    assert above.thresholds == (2.0,)
    assert above.n_at_threshold == 4
    assert above.high == "above"  # the 4 tied values go to the low group
    assert above.group_sizes == (6, 2)
    at = mp.Cutpoints.fit(c, "m", high="at_or_above")["m"]
    assert at.group_sizes == (2, 6)  # ... or, on request, to the high group


def _group_with_one_patient() -> None:
    c = cohort(frame(g=[0, 0, 0, 1, 0, 0, 0, 0]))
    lr = mp.logrank(c, by="g")
    assert lr.table["n"].tolist() == [7, 1]
    assert np.isfinite(lr.chi2)
    fit = mp.km(c, by="g")
    assert fit.median.loc[1, "n"] == 1
    assert fit.table[fit.table["group"] == 1]["n_at_risk"].tolist() == [1]


def _all_events() -> None:
    c = cohort(frame(e=[1] * 8))
    fit = mp.km(c)
    assert fit.table["survival"].iloc[-1] == 0.0
    # S = 0.5 exactly from 12 to 20: the median is the midpoint, as R's survfit
    assert fit.median.loc["all", "median"] == pytest.approx(16.0)
    lr = mp.logrank(c, by="g")
    assert lr.events == 8
    assert np.isfinite(lr.p)
    cox = mp.cox(c, "g")
    assert cox.events == 8
    assert not cox.monotone


def _risk_groups_with_3_level_factor() -> None:
    c = cohort(frame(g=[0, 1, 2, 0, 1, 2, 0, 1], h=[1, 0, 1, 1, 0, 0, 1, 0]))
    res = mp.risk_groups(c, {"g": 2, "h": 1})  # adverse = level 2 of a 3-level factor
    assert res.counts["n"].sum() == 8
    assert res.labels == ("A", "B", "C")


def _mixed_units() -> None:
    years = [0.5, 1.2, 2.0, 3.1, 4.4, 5.0, 6.2, 7.7, 8.1, 9.9]
    days = [400.0, 730, 812, 1100, 1460, 1825, 2000, 2400, 2900, 3650]
    df = pd.DataFrame({"t": years + days, "e": [1, 0] * 10})
    with pytest.warns(UnitWarning, match=r"time column 't' looks like a mix of units: 10 row\(s\) "
                      r"below 15 \(0, 1, 2, 3, 4 \(and 5 more\)\) and 10 above 200 \(10, 11, "):
        mp.Cohort(df, time="t", event="e")


def _implausible_time_unit() -> None:
    days = frame(t=[150.0, 300, 900, 1200, 2000, 2500, 3100, 45000])
    with pytest.warns(UnitWarning, match=r"in months \(time_unit='months'\), but 4 row\(s\) have "
                      r"more than 110 years of follow-up: p5, p6, p7, p8\. Are the times"):
        cohort(days, time_unit="months")
    with pytest.warns(UnitWarning, match=r"1 row\(s\) have more than 110 years.*: p8"):
        cohort(days, time_unit="days")
    with pytest.raises(mp.CohortError, match="Unknown time_unit 'yrs'"):
        cohort(time_unit="yrs")


def _one_unit_cohorts_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnitWarning)
        gbsg = mp.datasets.load_gbsg2()  # days
        mp.Cohort(gbsg.data.reset_index(drop=True), time="time", event="cens",
                  time_unit="days")
        rng = np.random.default_rng(7)  # years, up to 15 years of follow-up
        years = pd.DataFrame({"t": rng.uniform(0.1, 15, 300), "e": rng.integers(0, 2, 300)})
        mp.Cohort(years, time="t", event="e", time_unit="years")
        cohort(time_unit="months")


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
    pytest.param(_zero_time, id="zero-time"),
    pytest.param(_event_1_2_mapping, id="event-coded-1-2-with-mapping"),
    pytest.param(_event_yes_no_mapping, id="event-yes-no-with-mapping"),
    pytest.param(_ties_at_the_median, id="ties-at-the-median"),
    pytest.param(_group_with_one_patient, id="group-with-one-patient"),
    pytest.param(_all_events, id="all-events"),
    pytest.param(_risk_groups_with_3_level_factor, id="risk-groups-with-3-level-factor"),
    pytest.param(_mixed_units, id="mixed-units-days-and-years"),
    pytest.param(_implausible_time_unit, id="implausible-time-unit"),
    pytest.param(_one_unit_cohorts_do_not_warn, id="one-unit-cohorts-do-not-warn"),
    pytest.param(_cohort_100k_rows, id="cohort-100k-rows"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()


# --------------------------------------------------------------------------- exclusion ledgers


@pytest.fixture(scope="module")
def gappy() -> mp.Cohort:
    """GBSG2 (686 patients) where ids 3 and 7 miss progrec and id 10 misses horTh."""
    df = mp.datasets.load_gbsg2().data.reset_index(drop=True)
    df.loc[df["id"].isin([3, 7]), "progrec"] = np.nan
    df["horTh"] = df["horTh"].astype(object)
    df.loc[df["id"] == 10, "horTh"] = None
    c = mp.Cohort(df, time="time", event="cens", id="id")
    return mp.Cutpoints.fit(c, "progrec").apply(c)


def _ledger_cox(c: mp.Cohort) -> None:
    fit = mp.cox(c, ["progrec_high", "horTh"])
    assert (fit.n, fit.excluded.n_total, fit.excluded.n_used) == (683, 686, 683)
    assert fit.excluded.to_frame().to_dict("records") == [
        {"row": 3, "column": "progrec_high", "reason": "missing"},
        {"row": 7, "column": "progrec_high", "reason": "missing"},
        {"row": 10, "column": "horTh", "reason": "missing"}]


def _ledger_km(c: mp.Cohort) -> None:
    fit = mp.km(c, by="progrec_high")
    assert fit.n == 684
    assert fit.excluded.summary() == "684 of 686 rows used; 2 excluded: missing progrec_high (3, 7)"


def _ledger_logrank(c: mp.Cohort) -> None:
    lr = mp.logrank(c, by="horTh")
    assert (lr.n, lr.excluded.rows) == (685, (10,))
    assert lr.table["n"].sum() == 685


def _ledger_univariate(c: mp.Cohort) -> None:
    table = mp.univariate(c, ["progrec_high", "horTh"]).table
    assert table.set_index("factor")[["n", "n_excluded"]].to_dict("index") == {
        "progrec_high": {"n": 684, "n_excluded": 2}, "horTh": {"n": 685, "n_excluded": 1}}


def _ledger_table3(c: mp.Cohort) -> None:
    t3 = mp.table3(c, clinical=["progrec_high", "horTh"])
    assert t3.frame["n"].tolist() == [684, 685]  # n per row, as the paper's 64 for tumour size
    assert t3.formatted()["n"].tolist() == [684, 685]
    assert t3.selection.excluded.rows == (3, 7, 10)


def _ledger_table4(c: mp.Cohort) -> None:
    t4 = mp.table4(c, "progrec_high", {"Post": c.data["menostat"] == "Post"})
    row = t4.frame.loc["All"]
    assert row["n"] == 684  # ids 3 and 7 (missing progrec_high) not counted
    assert row["n_low"] + row["n_high"] == 684


def _ledger_risk_groups(c: mp.Cohort) -> None:
    res = mp.risk_groups(c, {"progrec_high": 0, "horTh": "no"})
    assert res.counts["n"].sum() == 683
    assert res.logrank.excluded.rows == (3, 7, 10)
    assert res.km.excluded.rows == (3, 7, 10)


def _ledger_associate(c: mp.Cohort) -> None:
    res = mp.associate(c, "progrec_high", "horTh")
    assert res.n == 683
    assert res.excluded.rows == (3, 7, 10)


def _ledger_model(c: mp.Cohort) -> None:
    model = PrognosticModel.fit(c, markers=["progrec"], clinical=["horTh"])
    assert (model.n, model.n_excluded) == (683, 3)
    scores = model.score(c, horizons=[365])
    assert len(scores) == 686  # every row is kept, with the reason it was not scored
    unscored = scores[scores["reason"].notna()]
    assert unscored["id"].tolist() == [3, 7, 10]
    assert unscored["reason"].str.contains("missing").all()


LEDGERS = [
    pytest.param(_ledger_cox, id="cox"),
    pytest.param(_ledger_km, id="km"),
    pytest.param(_ledger_logrank, id="logrank"),
    pytest.param(_ledger_univariate, id="univariate-n-per-row"),
    pytest.param(_ledger_table3, id="table3"),
    pytest.param(_ledger_table4, id="table4"),
    pytest.param(_ledger_risk_groups, id="risk-groups"),
    pytest.param(_ledger_associate, id="associate"),
    pytest.param(_ledger_model, id="model-fit-and-score"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)
