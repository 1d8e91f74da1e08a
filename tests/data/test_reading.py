"""Files read as written (issue 14, items 8-10, reader parts).

Ids are read as text (``00001`` stays ``00001``), a header that repeats a column name is
refused, a file written by R's ``write.csv`` (row names under an empty header cell) is
recognised, and a missing Excel sheet is named together with the sheets there are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mirprog as mp
from mirprog.data.reading import read_table

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
