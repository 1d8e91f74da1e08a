"""Files read as written (issue 14, items 8-10, reader parts).

Ids are read as text (``00001`` stays ``00001``), a header that repeats a column name is
refused, a file written by R's ``write.csv`` (row names under an empty header cell) is
recognised, and a missing Excel sheet is named together with the sheets there are.

The bad-input catalogue's malformed files (``tests/_cohorts.py``): each is refused with a
DataFileError naming the ``read_options`` that read it correctly, and reading with those
options gives the intended cohort; path and option mistakes are DataFileErrors too.

Fuzz (``fuzz``, helpers in ``tests/_fuzzing.py``): random and malformed files read by
:func:`mirprog.read_cohort` raise only MirprogErrors and warn only MirprogWarnings, and the
analyses on what comes out too; files fuzzing found are kept as regressions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import mirprog as mp
from mirprog.data.reading import read_table
from tests._cohorts import cohort, frame
from tests._fuzzing import check_cli, exercise, files, fuzz_settings, only_mirprog_warnings, write

ROWS = "1,1,0.5\n2,0,0.7\n3,1,0.1\n"


def test_ids_keep_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("pid,t,e,x\n00001,1,1,0.5\n00002,2,0,0.7\n00010,3,1,0.1\n")
    cohort = mp.read_cohort(path, time="t", event="e", id="pid")
    assert list(cohort.ids) == ["00001", "00002", "00010"]
    ledger = cohort.assign(x=[0.5, None, 0.1]).complete_cases(["x"]).exclusions
    assert ledger.rows == ("00002",)


def test_plain_integer_ids_stay_integers(tmp_path: Path) -> None:
    path = tmp_path / "ints.csv"
    path.write_text("pid,t,e\n1,1,1\n2,2,0\n10,3,1\n")
    assert list(mp.read_cohort(path, time="t", event="e", id="pid").ids) == [1, 2, 10]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_repeated_column_names_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"dup{suffix}"
    if suffix == ".xlsx":
        frame = pd.DataFrame([[1, 1, 0.5, 1], [2, 0, 0.7, 2]], columns=["t", "e", "x", "y"])
        frame.columns = ["t", "e", "x", "x"]
        frame.to_excel(path, index=False)
    else:
        sep = "\t" if suffix == ".tsv" else ","
        path.write_text(sep.join(["t", "e", "x", "x"]) + "\n"
                        + "\n".join(sep.join(r.split(",")) + f"{sep}9" for r in
                                    ROWS.strip().split("\n")) + "\n")
    with pytest.raises(mp.DataFileError, match=r"repeated column names: 'x' appear"):
        read_table(path)
    with pytest.raises(mp.DataFileError, match="repeated column names"):
        mp.read_cohort(path, time="t", event="e")


def test_a_column_really_named_x_dot_1_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("t,e,x,x.1\n" + "\n".join(r + ",9" for r in ROWS.strip().split("\n")) + "\n")
    assert list(read_table(path).columns) == ["t", "e", "x", "x.1"]


def test_r_write_csv_row_names(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"      # as written by R: write.csv(data.frame(t=..., e=..., x=...))
    path.write_text('"","t","e","x"\n"1",1,1,0.5\n"2",2,0,0.7\n"3",3,1,0.1\n')
    df = read_table(path)
    assert list(df.columns) == ["t", "e", "x"]
    assert list(df.index) == [1, 2, 3]
    cohort = mp.read_cohort(path, time="t", event="e")
    assert list(cohort.ids) == [1, 2, 3]
    assert mp.screen(cohort).table["marker"].tolist() == ["x"]     # not a marker called Unnamed: 0
    with pytest.raises(mp.CohortError, match=r"time column 'T' is not in the table\. Did you"):
        mp.read_cohort(path, time="T", event="e")


def test_r_write_csv_of_rotterdam_like_ids(tmp_path: Path) -> None:
    path = tmp_path / "named.csv"    # write.csv with row.names = patient ids
    path.write_text('"","t","e"\n"p1",1,1\n"p2",2,0\n"p3",3,1\n')
    assert list(mp.read_cohort(path, time="t", event="e").ids) == ["p1", "p2", "p3"]


def test_missing_excel_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"t": [1, 2], "e": [1, 0]}).to_excel(writer, sheet_name="Patients",
                                                          index=False)
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="Notes", index=False)
    with pytest.raises(mp.DataFileError, match=r"no sheet 'patients' \(did you mean 'Patients'"
                                               r"\?\); its sheets are 'Patients', 'Notes'"):
        read_table(path, sheet="patients")
    with pytest.raises(mp.DataFileError, match=r"no sheet 5; its sheets are 'Patients', 'Notes'"):
        read_table(path, sheet=5)
    assert list(read_table(path, sheet="Notes").columns) == ["a"]


# ------------------------------------------------------------- bad-input catalogue: malformed files

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


# --------------------------------------------------------------------------- fuzz

@pytest.mark.fuzz
@fuzz_settings(500)
@given(file=files(), id_col=st.sampled_from([None, "id", "pid"]),
       event_values=st.sampled_from([None, None, None, {"yes": 1, "no": 0}, {1: 1, 0: 0, 2: 1}]),
       time_unit=st.sampled_from([None, "days", "years"]))
def test_read_cohort_raises_only_mirprog_errors(
        scratch: Path, file: tuple[str, bytes], id_col: str | None,
        event_values: dict[Any, int] | None, time_unit: Any) -> None:
    path = write(scratch, *file)
    with only_mirprog_warnings():
        try:
            c = mp.read_cohort(path, time="t", event="e", id=id_col, event_values=event_values,
                               time_unit=time_unit)
        except mp.MirprogError as exc:
            event(f"refused: {type(exc).__name__}")
            return
        event("read a cohort")
        exercise(c)


REGRESSIONS = [
    pytest.param(b"t,e,t\n1,1,2\n2,0,3\n", id="duplicated-column-names"),
    pytest.param(b"t;e;g\n1,5;1;0\n2;0;1\n", id="semicolon-csv"),
    pytest.param("t,e,g\n1,1,\xe9\n2,0,1\n".encode("latin-1"), id="latin-1"),
    pytest.param(b"\xff\xfet\x00", id="utf-16-fragment"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.fuzz
@pytest.mark.parametrize("data", REGRESSIONS)
def test_regressions(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, ".csv", data)
    with only_mirprog_warnings(), contextlib.suppress(mp.MirprogError):
        exercise(mp.read_cohort(path, time="t", event="e"))
    check_cli(["analyze", str(path), "--time", "t", "--event", "e", "--factors", "g"])
