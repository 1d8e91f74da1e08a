"""Missing-value codes in numeric columns (issue 14, item 2): one rule wherever numbers are read.

Known codes ('.', 'ND', 'NA', ...) become missing and the ledger names the code seen; any
other text in a mostly-numeric column ('3O', '<0.01', '1,2') is refused by every analysis
that uses the column, naming the column, the cells and the fix.  Genuinely categorical
text columns (grade I/II/III, yes/no, +/-) are left alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.data.missing import MISSING_CODES, parse_numbers
from mirprog.model.prognostic import PrognosticModel
from mirprog.study.reproduce import StudyColumns, run_study


@pytest.fixture(scope="module")
def gbsg() -> pd.DataFrame:
    return mp.datasets.load_gbsg2().data.reset_index(drop=True)


def _with_cells(df: pd.DataFrame, column: str, cells: dict[int, str]) -> pd.DataFrame:
    out = df.copy()
    out[column] = out[column].astype(object)
    for pos, text in cells.items():
        out.loc[pos, column] = text
    return out


def _cohort(df: pd.DataFrame) -> mp.Cohort:
    return mp.Cohort(df, time="time", event="cens", id="id")


@pytest.mark.parametrize("code", [".", "-", "ND", "NA", "N/A", "?", "n.d.", " nan ", "", "NULL",
                                  "unknown", "--", "#N/A"])
def test_missing_code_is_missing_and_named_in_the_ledger(gbsg: pd.DataFrame, code: str) -> None:
    df = _with_cells(gbsg, "progrec", {3: code, 7: code})
    cohort = _cohort(df)
    assert cohort.dtypes["progrec"] == np.float64
    fit = mp.cox(cohort, ["progrec"])
    assert list(fit.summary.index) == ["progrec"]          # one numeric term, not 30 levels
    ids = (int(gbsg["id"][3]), int(gbsg["id"][7]))
    assert fit.excluded.rows == ids
    assert fit.excluded.summary().endswith(f"missing progrec (code {code.strip()!r}; "
                                           f"{ids[0]}, {ids[1]})")
    assert set(fit.excluded.to_frame()["reason"]) == {f"missing (code {code.strip()!r})"}
    # the numbers are those of the same model with the cells set to NaN
    ref = mp.cox(_cohort(gbsg.assign(progrec=gbsg["progrec"].mask(gbsg.index.isin([3, 7])))),
                 ["progrec"])
    np.testing.assert_allclose(fit.summary["coef"], ref.summary["coef"], rtol=0, atol=0)


def test_codes_of_several_kinds_are_listed_apart(gbsg: pd.DataFrame) -> None:
    cohort = _cohort(_with_cells(gbsg, "progrec", {0: ".", 1: "ND", 2: "."}))
    summary = mp.cox(cohort, ["progrec"]).excluded.summary()
    assert "missing progrec (code '.'; 1, 3)" in summary
    assert "missing progrec (code 'ND'; 2)" in summary
    table = mp.univariate(cohort, ["progrec"]).table
    assert table.loc[table["factor"] == "progrec", "n_excluded"].tolist() == [3]


@pytest.mark.parametrize(("cell", "hint"), [("3O", "typo"), ("<0.01", "detection limit"),
                                            ("1,2", "decimal comma"), ("5 yrs", "astype")])
def test_other_text_in_a_numeric_column_is_refused(gbsg: pd.DataFrame, cell: str,
                                                   hint: str) -> None:
    cohort = _cohort(_with_cells(gbsg, "progrec", {4: cell, 9: "."}))
    rid = int(gbsg["id"][4])
    for run in (lambda: mp.cox(cohort, ["progrec", "age"]),
                lambda: mp.univariate(cohort, ["progrec"]),
                lambda: mp.km(cohort, by="progrec"),
                lambda: mp.Cutpoints.fit(cohort, "progrec"),
                lambda: mp.screen(cohort, ["progrec"]),
                lambda: mp.screen(cohort),
                lambda: PrognosticModel.fit(cohort, clinical=["progrec"])):
        with pytest.raises(mp.CohortError, match=rf"'progrec' has non-numeric values "
                                                 rf"\({cell!r}\) in rows {rid}[:.].*{hint}") as e:
            run()
        assert e.value.column == "progrec"
        assert e.value.rows == (rid,)


def test_categorical_text_columns_are_left_alone() -> None:
    rng = np.random.default_rng(14)
    n = 60
    df = pd.DataFrame({"t": rng.uniform(1, 100, n), "e": np.tile([1, 0, 1], n // 3),
                       "grade": rng.choice(["I", "II", "III"], n),
                       "er": rng.choice(["+", "-"], n), "node": rng.choice(["yes", "no"], n),
                       "mixed": ["pos", 0, 1, "neg"] * (n // 4)})
    cohort = mp.Cohort(df, time="t", event="e")
    assert all(cohort.dtypes[c] == np.dtype(object) for c in ("grade", "er", "node"))
    assert set(cohort.column("er")) == {"+", "-"}           # '-' is a level here, not missing
    fit = mp.cox(cohort, ["grade", "er", "node"])
    assert list(fit.summary.index) == ["grade[II]", "grade[III]", "er[-]", "node[yes]"]
    assert len(fit.excluded) == 0
    # a column made a category on purpose is a category, whatever its text
    cat = mp.Cohort(df.assign(mixed=df["mixed"].astype(str).astype("category")), time="t",
                    event="e")
    assert len(mp.cox(cat, ["mixed"]).summary) == 3


def test_read_cohort_csv_with_codes(tmp_path: Path, gbsg: pd.DataFrame) -> None:
    df = _with_cells(gbsg, "pnodes", {5: ".", 6: "ND"})
    path = tmp_path / "codes.csv"
    df.to_csv(path, index=False)
    cohort = mp.read_cohort(path, time="time", event="cens", id="id")
    assert cohort.dtypes["pnodes"] == np.float64
    ex = mp.cox(cohort, ["pnodes"]).excluded
    assert [e.code for e in ex.entries] == [".", "ND"]


def test_cli_analyze_factor_with_codes(tmp_path: Path, gbsg: pd.DataFrame,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "codes.csv"
    _with_cells(gbsg, "pnodes", {5: "."}).to_csv(path, index=False)
    args = ["--time", "time", "--event", "cens", "--id", "id", "--factors", "pnodes"]
    assert main(["analyze", str(path), *args, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr()
    assert "pnodes[" not in out.out + out.err
    bad = tmp_path / "bad.csv"
    _with_cells(gbsg, "pnodes", {5: "3O"}).to_csv(bad, index=False)
    assert main(["analyze", str(bad), *args, "--out", str(tmp_path / "out2")]) == 2
    err = capsys.readouterr().err
    assert "'3O'" in err
    assert "Traceback" not in err


def test_assign_follows_the_rule(gbsg: pd.DataFrame) -> None:
    cohort = _cohort(gbsg)
    added = cohort.assign(x=["."] + [str(v) for v in gbsg["age"][1:]])
    assert added.dtypes["x"] == np.float64
    assert added.complete_cases(["x"]).exclusions.entries[0].code == "."
    junk = cohort.assign(x=["3O"] + [str(v) for v in gbsg["age"][1:]])
    with pytest.raises(mp.CohortError, match="'3O'"):
        mp.cox(junk, ["x"])


def test_scoring_a_raw_table_reads_codes_as_missing(gbsg: pd.DataFrame) -> None:
    model = PrognosticModel.fit(_cohort(gbsg), ["progrec"], ["age"])
    scores = model.score(_with_cells(gbsg, "age", {2: "."}).set_index("id"), horizons=[365])
    assert scores["reason"].notna().sum() == 1
    with pytest.raises(mp.CohortError, match=r"'age' entered the model .* \('3O'\)"):
        model.score(_with_cells(gbsg, "age", {2: "3O"}), horizons=[365])


def test_parse_numbers_direct() -> None:
    s = pd.Series(["1.5", " 2 ", ".", None, 3.0, "1e2"], index=list("abcdef"))
    parsed = parse_numbers(s, "m")
    assert parsed.values.tolist()[:3] == [1.5, 2.0, pytest.approx(np.nan, nan_ok=True)]
    assert parsed.values["f"] == 100.0
    assert parsed.codes.to_dict() == {"c": "."}
    with pytest.raises(mp.CohortError, match=r"'m' has non-numeric values \('x'\) in rows b"):
        parse_numbers(pd.Series(["1", "x"], index=["a", "b"]), "m")
    assert "" in MISSING_CODES
    assert "n.d." in MISSING_CODES


def _study_cohort(**changes: dict[int, str]) -> mp.Cohort:
    df = mp.datasets.load_reference_cohort().data.reset_index(drop=True)
    for column, cells in changes.items():
        df = _with_cells(df, column, cells)
    return mp.Cohort(df, time="rfs_years", event="relapse", id="id")


@pytest.mark.parametrize(("column", "cells", "match"), [
    ("sbr_grade", {0: "3O"}, r"study's grade column 'sbr_grade' has non-numeric values \('3O'\)"),
    ("sbr_grade", {0: "4"}, r"grade column 'sbr_grade' must be coded 1/2/3 .* found 4"),
    ("er", {1: "2"}, r"er column 'er' must be coded 0/1"),
    ("nodes", {2: "many"}, r"'nodes' has non-numeric values \('many'\)"),
])
def test_study_columns_never_quietly_missing(column: str, cells: dict[int, str],
                                             match: str) -> None:
    with pytest.raises(mp.CohortError, match=match):
        run_study(_study_cohort(**{column: cells}), StudyColumns())


def test_study_text_grade_is_refused() -> None:
    df = mp.datasets.load_reference_cohort().data.reset_index(drop=True)
    roman = df.assign(sbr_grade=df["sbr_grade"].map({1: "I", 2: "II", 3: "III"}))
    with pytest.raises(mp.CohortError, match=r"study's grade column 'sbr_grade' has "
                                             r"non-numeric values \('I|II|III'"):
        run_study(mp.Cohort(roman, time="rfs_years", event="relapse", id="id"))
