"""The mirprog command: real output on the bundled cohort, exit code 2 for user mistakes.

Fuzz (``fuzz``, helpers in ``tests/_fuzzing.py``): random command lines over fuzzed files,
and every subcommand with random options, values and paths, exit with 0 or 2 (one
``mirprog: error:`` paragraph, no traceback) within a time limit; the options the file
messages name (--sep, --decimal, --encoding, --header, --event-values) read odd files.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirprog.cli.commands import main
from tests._fuzzing import any_command, argvs, check_cli, files, fuzz_settings, run_cli, write


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


def test_analyze_interval_cohort(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tests._reference import ref

    path = tmp_path / "heart.csv"
    pd.DataFrame(ref("cohort_intervals_heart")["heart"]).to_csv(path, index=False)
    argv = ["analyze", str(path), "--time", "stop", "--event", "event", "--id", "id",
            "--factors", "age", "surgery", "transplant"]
    assert main([*argv, "--entry", "start"]) == 0
    out = capsys.readouterr().out
    assert "Cohort: 172 intervals of 103 patients, 75 events" in out
    assert "Multivariate Cox model (172 intervals, 75 events" in out
    assert "transplant       HR 1.01 (0.55–1.86)" in out   # coxph: exp(0.0143) = 1.01
    assert main(argv) == 2
    assert "duplicated ids" in capsys.readouterr().err


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


# --------------------------------------------------------------------------- fuzz

@pytest.mark.fuzz
@fuzz_settings(200)
@given(file=files(), data=st.data())
def test_cli_never_raises(scratch: Path, model_file: Path, file: tuple[str, bytes],
                          data: st.DataObject) -> None:
    path = write(scratch, *file, name="cli")
    check_cli(data.draw(argvs(str(path), str(model_file), str(scratch / "out.json"))))


@pytest.mark.fuzz
@fuzz_settings(60)
@given(file=files(), data=st.data())
def test_every_subcommand_with_random_arguments(scratch: Path, model_file: Path,
                                                file: tuple[str, bytes],
                                                data: st.DataObject) -> None:
    path = write(scratch, *file, name="any")
    paths = {"data": str(path), "model": str(model_file), "dir": str(scratch),
             "missing": str(scratch / "no-such-folder"), "out": str(scratch / "any-out.csv"),
             "broken_model": str(scratch / "broken-model.json")}
    Path(paths["broken_model"]).write_text(model_file.read_text()[:200], encoding="utf-8")
    with contextlib.chdir(scratch):  # default outputs (reproduce, report) land there
        check_cli(data.draw(any_command(paths)))


@pytest.mark.fuzz
def test_score_on_a_table_under_a_title_line(tmp_path: Path, model_file: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("Export 2024\nid,t,e,m,g\np1,3,1,4.2,0\np2,5,0,6.1,1\n", encoding="utf-8")
    code, err = run_cli(["score", str(path), "--model", str(model_file),
                         "--out", str(tmp_path / "s.csv")])
    assert code == 2
    assert "title row or a merged header" in err


@pytest.mark.fuzz
def test_cli_reads_odd_files_with_file_options(tmp_path: Path) -> None:
    """The messages' read_options map to CLI options (--sep, --decimal, --encoding, --header,
    --event-values, --time-unit: the cli.py/model_cli.py diff of the issue 9 report)."""
    rng = np.random.default_rng(1)
    n = 40
    df = pd.DataFrame({"pid": [f"p{i}" for i in range(n)], "t": rng.integers(1, 100, n) + 0.5,
                       "e": np.where(rng.random(n) < 0.6, "yes", "no"),
                       "mir": rng.normal(5, 2, n).round(2), "g": rng.integers(0, 2, n)})
    path = tmp_path / "c.csv"
    path.write_text("Export \xe9\n" + df.to_csv(sep=";", decimal=",", index=False),
                    encoding="latin-1")
    argv = ["analyze", str(path), "--time", "t", "--event", "e", "--id", "pid", "--markers",
            "mir", "--factors", "g"]
    steps = [(["--encoding", "latin-1"], "title line above the header (read_options={'header'"),
             (["--header", "1"], "looks semicolon-separated"),
             (["--sep", ";", "--decimal", ","], "event_values={'yes': 1, 'no': 0}"),
             (["--event-values", "yes=1", "no=0", "--time-unit", "months"], None)]
    code, err = run_cli(argv)
    assert "is not utf-8 text" in err
    for options, message in steps:
        argv += options
        code, err = run_cli(argv)
        if message is None:
            assert code == 0, err
        else:
            assert code == 2
            assert message in err
