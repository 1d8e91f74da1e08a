"""``mirprog reproduce --cohort`` on a real cohort (issue 19, item 3): Rotterdam has no grade-1
tumours and times in days; the template used to abort ("['sbr1v2'] are collinear or
constant") and to label a days axis "Time (years)"."""

from __future__ import annotations

from pathlib import Path

import pytest

import mirprog as mp
from mirprog.cli.commands import main
from mirprog.study.reproduce import StudyColumns, run_study

DATA = Path(__file__).parent / "data" / "rotterdam.csv"
MAP = ["time=rtime", "event=recur", "marker=pgr", "other_markers=none", "nodes=nodes",
       "grade=grade", "er=none", "pr=none", "her2=none", "age=age", "size=none", "id=pid",
       "marker_adverse=0"]


def test_missing_grade_level_drops_its_contrasts_with_a_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["reproduce", "--cohort", str(DATA), "--map", *MAP, "--time-unit", "days",
                 "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Grade (SBR2; SBR3)" in out
    assert "SBR1; SBR2" not in out
    assert "Grade (SBR1; SBR2): level 1 does not occur in 'grade'" in err


def test_axes_use_the_cohorts_time_unit() -> None:
    cohort = mp.read_cohort(DATA, time="rtime", event="recur", id="pid", time_unit="days")
    cols = StudyColumns.from_mapping(dict(m.split("=", 1) for m in MAP))
    assert cols.time_unit == "years"           # the template's default ...
    with pytest.warns(mp.MirprogWarning, match="level 1 does not occur in 'grade'"):
        res = run_study(cohort, cols)
    assert res.columns.time_unit == "days"     # ... gives way to the cohort's unit
