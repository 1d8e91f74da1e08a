"""``mirprog screen --strata COL --adjust COL``: the stratified, covariate-adjusted screen from
the command line (issue 16, items 1 and 9); the numbers are those of :func:`mirprog.screen`
(checked against R in tests/stats/screen/test_strata_adjust.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli import screen as screen_cli
from mirprog.cli.commands import main
from mirprog.errors import MirprogError

DATA = Path(__file__).resolve().parents[1] / "reference" / "gbsg2_markers.csv"
MARKERS = ["m01", "m02", "m16", "tsize"]


def test_strata_and_adjust_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.csv"
    assert main(["screen", str(DATA), "--time", "tmonth", "--event", "cens", "--id", "id",
                 "--markers", *MARKERS, "--strata", "horTh", "--strata", "menostat",
                 "--adjust", "nodes_gt3", "--adjust", "tgrade", "--ties", "efron",
                 "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    cohort = mp.read_cohort(DATA, time="tmonth", event="cens", id="id")
    res = mp.screen(cohort, MARKERS, strata=["horTh", "menostat"],
                    adjust=["nodes_gt3", "tgrade"], ties="efron")
    got = pd.read_csv(out, keep_default_na=False, na_values=[""]).fillna({"note": ""})
    pd.testing.assert_frame_equal(got, res.table, check_dtype=False, rtol=1e-15)
    assert "Screened 4 markers on 676 patients" in text
    assert res.method in text
    assert "adjusted for nodes_gt3, tgrade" in text
    assert "not adjusted" in text
    assert "Rows left out of every marker: 676 of 686 rows used; 10 excluded" in text


def test_default_markers_leave_the_model_columns_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.csv"
    df = pd.read_csv(DATA).assign(grade=lambda d: d["tgrade"].map({"I": 1, "II": 2, "III": 3}))
    path = tmp_path / "g.csv"
    df.to_csv(path, index=False)
    assert main(["screen", str(path), "--time", "time", "--event", "cens", "--id", "id",
                 "--adjust", "pnodes", "--adjust", "grade", "--categorical", "grade",
                 "--strata", "horTh", "--out", str(out), "--no-progress", "--top", "0"]) == 0
    text = capsys.readouterr().out
    assert "'pnodes': an --adjust covariate" in text
    assert "'grade': an --adjust covariate" in text
    assert "terms pnodes, grade[2], grade[3]" in text
    screened = set(pd.read_csv(out)["marker"])
    assert not screened & {"pnodes", "grade", "time", "cens"}
    assert {"m01", "age", "tmonth"} <= screened


def test_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "s.csv")
    base = ["screen", str(DATA), "--time", "time", "--event", "cens", "--id", "id", "--out", out]
    parser = argparse.ArgumentParser(prog="mirprog")
    screen_cli.add_parser(parser.add_subparsers(dest="command"))
    for extra, match in ((["--markers", "m01", "--adjust", "m01"],
                          "both a marker and an adjustment covariate"),
                         (["--strata", "nope"], "stratum column 'nope'"),
                         (["--adjust", "tgrade", "--bootstrap", "10"],
                          "--bootstrap resamples the unstratified")):
        with pytest.raises(MirprogError, match=match):
            screen_cli.run(parser.parse_args([*base, *extra]))
    assert main([*base, "--strata", "nope"]) == 2        # one line on stderr, exit code 2
