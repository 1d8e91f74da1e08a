"""The mirprog command: real output on the bundled cohort, exit code 2 for user mistakes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from mirprog.cli.commands import main


def test_analyze_bundled_dataset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "uni.csv"
    assert main(["analyze", "--dataset", "gbsg2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Cohort: 686 patients, 299 events" in text
    assert "progrec_high: progrec > 32.5 (median); low/high = 343/343" in text
    assert "Multivariate Cox model (686 patients, 299 events" in text
    table = pd.read_csv(out, index_col="term")
    assert table.loc["progrec_high", "logrank_chi2"] == pytest.approx(43.2096, rel=1e-4)


def test_analyze_file_reports_exclusions(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         small_df: pd.DataFrame) -> None:
    path = tmp_path / "c.csv"
    small_df.to_csv(path, index=False)
    code = main(["analyze", str(path), "--time", "months", "--event", "relapse", "--id", "pid",
                 "--markers", "mir", "size"])
    assert code == 0
    captured = capsys.readouterr()
    assert "size_high: 7 of 8 rows used; 1 excluded: missing size_high (p3)" in captured.out
    # every relapse is in the high-mir group: flagged, shown as not estimable, warned once
    assert re.search(r"mir_high +8 +4 +6\.16 +0\.013 +not estimable", captured.out)
    assert "mir_high         not estimable (monotone likelihood)" in captured.out
    assert "mirprog: warning: Monotone likelihood for mir_high" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", "missing.csv", "--time", "t", "--event", "e"], "No file at"),
        (["analyze", "{path}", "--time", "month", "--event", "relapse"],
         "time column 'month' is not in the table. Did you mean 'months'?"),
        (["analyze", "{path}", "--event", "relapse"], "Give the column roles"),
        (["analyze", "{path}", "--time", "months", "--event", "relapse"], "Nothing to analyse"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    small_df: pd.DataFrame,
) -> None:
    path = tmp_path / "c.csv"
    small_df.to_csv(path, index=False)
    assert main([a.replace("{path}", str(path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirprog: error: ")
    assert message in err
    assert "Traceback" not in err


def test_bad_cut_syntax_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["analyze", "--dataset", "gbsg2", "--cut", "pnodes:3"])
    assert info.value.code == 2
    assert "--cut expects COLUMN=THRESHOLD" in capsys.readouterr().err


def test_analyze_model_language_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", "--dataset", "gbsg2", "--factors", "tgrade", "horTh",
                 "--reference", "tgrade=II", "--strata", "menostat", "--robust"])
    assert code == 0
    out = capsys.readouterr().out
    assert "stratified by menostat, robust SE" in out
    assert "tgrade[I] " in out  # II is the reference, so I and III get terms
    assert "tgrade           2 df: LR p" in out
    assert "(vs II)" in out


def test_analyze_categorical_numeric_column(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    import mirprog as mp

    d = mp.datasets.load_gbsg2().data
    d = d.assign(grade=d["tgrade"].map({"I": 1, "II": 2, "III": 3}))
    path = tmp_path / "c.csv"
    d.to_csv(path, index=False)
    assert main(["analyze", str(path), "--time", "time", "--event", "cens", "--id", "id",
                 "--factors", "grade", "horTh", "--categorical", "grade"]) == 0
    out = capsys.readouterr().out
    assert "grade[2]" in out
    assert "grade[3]" in out
    assert "(vs 1)" in out


def test_analyze_unknown_reference_level_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--dataset", "gbsg2", "--factors", "tgrade",
                 "--reference", "tgrade=IV"]) == 2
    err = capsys.readouterr().err
    assert "'IV' is not a level of 'tgrade'" in err
    assert "Traceback" not in err
