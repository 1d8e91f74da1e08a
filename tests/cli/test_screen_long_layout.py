"""mirprog screen --layout long: samples without a clinical row and patients without samples
are named, never dropped without a word (issue 14 item 9)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mirprog.cli.commands import main


def _files(tmp_path: Path, samples: list[str], patients: list[str]) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    long = pd.DataFrame([(m, s, float(rng.normal())) for s in samples for m in ("a", "b")],
                        columns=["marker", "sample", "value"])
    clinical = pd.DataFrame({"pid": patients, "t": rng.uniform(1, 10, len(patients)),
                             "e": rng.integers(0, 2, len(patients))})
    lp, cp = tmp_path / "long.csv", tmp_path / "clin.csv"
    long.to_csv(lp, index=False)
    clinical.to_csv(cp, index=False)
    return lp, cp


def test_unmatched_samples_and_unmeasured_patients_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patients = [f"p{i}" for i in range(30)]
    lp, cp = _files(tmp_path, [*patients[:28], "x1", "x2"], patients)
    code = main(["screen", str(lp), "--layout", "long", "--clinical", str(cp), "--id", "pid",
                 "--time", "t", "--event", "e", "--out", str(tmp_path / "s.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 sample(s) without a clinical row left out" in out
    assert "x1" in out
    assert "x2" in out
    assert "2 patient(s) without any sample" in out
    assert "p28" in out
    assert "p29" in out


def test_no_sample_matching_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    lp, cp = _files(tmp_path, [f"s{i}" for i in range(10)], [f"p{i}" for i in range(10)])
    code = main(["screen", str(lp), "--layout", "long", "--clinical", str(cp), "--id", "pid",
                 "--time", "t", "--event", "e", "--out", str(tmp_path / "s.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "None of the 10 samples matches a clinical 'pid'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("which", ["long", "clinical"])
def test_long_layout_files_get_the_dialect_checks(tmp_path: Path, which: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Both files go through mirprog's one reader: a semicolon CSV is refused, not misread."""
    patients = [f"p{i}" for i in range(12)]
    lp, cp = _files(tmp_path, patients, patients)
    bad = lp if which == "long" else cp
    pd.read_csv(bad).to_csv(bad, sep=";", decimal=",", index=False)
    code = main(["screen", str(lp), "--layout", "long", "--clinical", str(cp), "--id", "pid",
                 "--time", "t", "--event", "e", "--out", str(tmp_path / "s.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert bad.name in err
    assert "sep" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
