"""``mirprog screen`` without --markers never screens outcome columns (issue 14, item 10).

On the Rotterdam cohort (dtime/death as the outcome, rtime/recur beside it) the
old default screened ``rtime``, ``recur`` and the like as markers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.cli.screen import default_markers


def rotterdam_like(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(14)
    return pd.DataFrame({
        "pid": np.arange(1, n + 1), "dtime": rng.integers(30, 4000, n),
        "death": rng.integers(0, 2, n), "rtime": rng.integers(30, 4000, n),
        "recur": rng.integers(0, 2, n), "os_time": rng.integers(30, 4000, n),
        "Vital.Status": rng.integers(1, 3, n), "FU-months": rng.normal(60, 10, n),
        "relapse_free": rng.normal(size=n), "er": rng.integers(0, 2, n),
        "grade": rng.choice(["I", "II", "III"], n), "age": rng.integers(30, 90, n),
        "mir21": rng.normal(5, 2, n), "mir125b": rng.normal(3, 1, n)})


EXPECTED_LEFT_OUT = {
    "pid": "the id column", "dtime": "the time column", "death": "the event column",
    "rtime": "outcome-like name", "recur": "outcome-like name",
    "os_time": "outcome-like name", "Vital.Status": "outcome-like name",
    "FU-months": "outcome-like name", "relapse_free": "outcome-like name",
    "er": "0/1 values (event-like)", "grade": "not numeric"}


def test_default_markers_leave_out_outcomes_with_the_reason() -> None:
    cohort = mp.Cohort(rotterdam_like(), time="dtime", event="death", id="pid")
    markers, left_out = default_markers(cohort)
    assert markers == ["age", "mir21", "mir125b"]
    assert left_out == EXPECTED_LEFT_OUT
    # without --id, a numeric id column is still no marker (by name, or as row numbers)
    for name, why in [("pid", "id-like name"),
                      ("row", "consecutive whole numbers (row numbers or ids)")]:
        df = rotterdam_like().rename(columns={"pid": name})
        _, left_out = default_markers(mp.Cohort(df, time="dtime", event="death"))
        assert left_out[name] == why


def test_screen_output_says_what_was_screened_and_left_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rotterdam.csv"
    rotterdam_like().to_csv(path, index=False)
    out = tmp_path / "s.csv"
    assert main(["screen", str(path), "--time", "dtime", "--event", "death", "--id", "pid",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Markers screened (3, every numeric column but those left out): age, mir21, " \
           "mir125b." in text
    assert "Left out (11; name one with --markers to screen it): 'pid': the id column; " \
           "'dtime': the time column; 'death': the event column; 'rtime': outcome-like " \
           "name;" in text
    assert set(pd.read_csv(out)["marker"]) == {"age", "mir21", "mir125b"}


def test_naming_markers_still_screens_them(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rotterdam.csv"
    rotterdam_like().to_csv(path, index=False)
    out = tmp_path / "s.csv"
    assert main(["screen", str(path), "--time", "dtime", "--event", "death", "--id", "pid",
                 "--markers", "rtime", "mir21", "--out", str(out)]) == 0
    assert "Left out" not in capsys.readouterr().out
    assert set(pd.read_csv(out)["marker"]) == {"rtime", "mir21"}


def test_nothing_left_to_screen_is_refused(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outcomes.csv"
    rotterdam_like().assign(nr=range(80))[["nr", "dtime", "death", "rtime",
                                                   "er"]].to_csv(path, index=False)
    assert main(["screen", str(path), "--time", "dtime", "--event", "death",
                 "--out", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirprog: error: No marker columns to screen: every column was left "
                          "out ('nr': consecutive whole numbers")
    assert "Name the markers with --markers." in err
