"""The command line under bad input (issue 14, items 1 and 7): no hang, no traceback.

Third-party warnings used to hang every command (re-emitted into the list being
looped over); they are now one-line notes.  Output paths are checked before any
work; contradictory arguments, closed pipes and internal errors end with one line.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.cli import commands as cli
from mirprog.cli.checks import WarningNotes
from mirprog.cli.commands import main

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 60.0  # seconds: every command here takes a few


def run_subprocess(argv: list[str], cwd: Path, *, limit: float = LIMIT
                   ) -> subprocess.CompletedProcess[str]:
    """``python -m mirprog.cli argv`` with this tree first on the path; fails on a hang."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="error")
    try:
        return subprocess.run([sys.executable, "-m", "mirprog.cli", *argv], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"mirprog {' '.join(argv)} did not finish in {limit:g} s")


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    """Exit 0 or 2, nothing on stderr but one-line mirprog notes, never a traceback."""
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert all(line.startswith("mirprog: ") for line in proc.stderr.splitlines()), proc.stderr


def cohort_frame(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": [f"p{i}" for i in range(n)], "t": rng.integers(1, 100, n) + 0.5,
                         "e": rng.integers(0, 2, n), "m": rng.normal(5, 2, n).round(2),
                         "g": rng.integers(0, 2, n)})


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "d.csv"
    cohort_frame().to_csv(path, index=False)
    return path


# --------------------------------------------------------------------------- item 1: the hang


def _sep_file(tmp: Path) -> list[str]:  # pandas ParserWarning (regex separator)
    (tmp / "sep.csv").write_text(cohort_frame().to_csv(index=False).replace(",", ", "))
    return ["analyze", "sep.csv", "--sep", ", ", "--time", "t", "--event", "e", "--markers", "m"]


def _late_text_cell(tmp: Path) -> list[str]:  # pandas DtypeWarning (mixed types by chunk)
    df = cohort_frame(300_000, seed=2)
    df["m"] = df["m"].astype(object)
    df.loc[len(df) - 1, "m"] = "high"
    df.to_csv(tmp / "big.csv", index=False)
    return ["analyze", "big.csv", "--time", "t", "--event", "e", "--factors", "g"]


def _group_without_events(tmp: Path) -> list[str]:  # numpy overflow RuntimeWarning
    df = cohort_frame(40, seed=3).assign(g=[0] * 20 + [1] * 20)
    df.loc[df["g"] == 1, "e"] = 0
    df.to_csv(tmp / "noev.csv", index=False)
    return ["fit", "noev.csv", "--time", "t", "--event", "e", "--clinical", "g",
            "--out", "model.json"]


def _non_latin_marker(tmp: Path) -> list[str]:  # matplotlib missing-glyph UserWarning
    from mirprog.datasets import load_reference_cohort

    name = "微小核糖核酸"
    load_reference_cohort().data.rename(columns={"mir125b": name}).to_csv(tmp / "cjk.csv",
                                                                           index=False)
    return ["report", "--cohort", "cjk.csv", "--map", f"marker={name}", "--out", "r.html"]


@pytest.mark.parametrize("make", [_sep_file, _late_text_cell, _group_without_events,
                                  _non_latin_marker],
                         ids=["parser-warning", "dtype-warning", "overflow", "missing-glyph"])
def test_third_party_warnings_neither_hang_nor_raise(tmp_path: Path, make: object) -> None:
    argv = make(tmp_path)  # type: ignore[operator]
    proc = run_subprocess(argv, tmp_path)
    assert_clean(proc)


def test_warning_notes_are_one_line_each_and_never_raise() -> None:
    notes = WarningNotes(limit=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as pytest and PYTHONWARNINGS=error do
        with notes.collect():
            for _ in range(3):
                warnings.warn("overflow encountered\nin exp", RuntimeWarning, stacklevel=1)
            warnings.warn("Monotone likelihood for g", mp.MonotoneLikelihoodWarning,
                          stacklevel=1)
            warnings.warn("third", UserWarning, stacklevel=1)
    lines = notes.lines()
    assert lines[0].startswith("mirprog: warning: overflow encountered in exp (RuntimeWarning "
                               "from ")
    assert lines[0].endswith("(3 times)")
    assert lines[1] == "mirprog: warning: Monotone likelihood for g"
    assert lines[2] == "mirprog: warning: 1 more warnings not shown"


# --------------------------------------------------------------------------- item 7: paths


def _argv(command: str, data: Path, out: str, model: Path) -> list[str]:
    base = {"analyze": ["analyze", str(data), "--time", "t", "--event", "e", "--markers", "m"],
            "fit": ["fit", str(data), "--time", "t", "--event", "e", "--markers", "m"],
            "score": ["score", str(data), "--model", str(model)],
            "screen": ["screen", str(data), "--time", "t", "--event", "e"],
            "report": ["report", "--cohort", str(data), "--map", "time=t", "event=e"],
            "reproduce": ["reproduce", "--cohort", str(data), "--map", "time=t", "event=e"]}
    return [*base[command], "--out", out]


@pytest.fixture
def model_json(tmp_path: Path, data_csv: Path) -> Path:
    path = tmp_path / "model.json"
    assert main(["fit", str(data_csv), "--time", "t", "--event", "e", "--markers", "m",
                 "--out", str(path)]) == 0
    return path


BAD_OUTPUTS = {
    "a folder": lambda tmp, data, model: str(tmp),
    "a missing folder": lambda tmp, data, model: str(tmp / "no" / "such" / "out.csv"),
    "an unwritable place": lambda tmp, data, model: "/proc/mirprog-out.csv",
    "the input": lambda tmp, data, model: str(data),
    "the input, spelled differently": lambda tmp, data, model: str(tmp / "." / data.name),
    "the model file": lambda tmp, data, model: str(model),
}


@pytest.mark.parametrize(("command", "kind"), [
    (command, kind) for command in ("analyze", "fit", "score", "screen", "report")
    for kind in BAD_OUTPUTS if kind != "the model file" or command == "score"])
def test_bad_output_paths_are_refused_before_any_work(
        command: str, kind: str, tmp_path: Path, data_csv: Path, model_json: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    out = BAD_OUTPUTS[kind](tmp_path, data_csv, model_json)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (data_csv, model_json)}
    code = main(_argv(command, data_csv, out, model_json))
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""  # refused before any work (nothing computed or printed)
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("mirprog: error: --out ")
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before}


@pytest.mark.parametrize("where", ["a file", "the input's folder", "a missing parent"])
def test_reproduce_output_folder(where: str, tmp_path: Path, data_csv: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = {"a file": str(data_csv), "the input's folder": str(tmp_path),
           "a missing parent": str(tmp_path / "no" / "out")}[where]
    assert main(_argv("reproduce", data_csv, out, data_csv)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("mirprog: error: --out ")


def test_screen_stability_file_is_checked_too(tmp_path: Path, data_csv: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.stability.csv").mkdir()
    argv = _argv("screen", data_csv, str(tmp_path / "s.csv"), data_csv)
    assert main([*argv, "--bootstrap", "5"]) == 2
    assert ".stability.csv" in capsys.readouterr().err


# --------------------------------------------------------------------------- contradictions

CONTRADICTIONS = [
    (["analyze", "{d}", "--time", "t", "--event", "e", "--markers", "m", "--cut", "m=3"],
     "Column 'm' is given in both --markers and --cut"),
    (["analyze", "{d}", "--time", "t", "--event", "e", "--cut", "m=3", "m=4"],
     "Column 'm' is given twice in --cut"),
    (["analyze", "{d}", "--time", "t", "--event", "e", "--cut", "m=3", "--cut", "m=4"],
     "Column 'm' is given twice in --cut"),
    (["analyze", "{d}", "--time", "t", "--event", "e", "--factors", "g", "g"],
     "Column 'g' is given twice in --factors"),
    (["fit", "{d}", "--time", "t", "--event", "e", "--markers", "m", "--cut", "m=3",
      "--out", "{tmp}/m.json"], "Column 'm' is given in both --markers and --cut"),
    (["fit", "{d}", "--time", "t", "--event", "e", "--cut", "m=3", "--cut", "m=5",
      "--out", "{tmp}/m.json"], "Column 'm' is given twice in --cut"),
    (["reproduce", "--cohort", "{d}", "--map", "time=t", "time=e", "--out", "{tmp}/o"],
     "--map gives the role(s) time more than once"),
    (["report", "--cohort", "{d}", "--map", "time=t", "event=e", "age_cut=old",
      "--out", "{tmp}/r.html"], "Study role age_cut needs a finite float"),
    (["report", "--cohort", "{d}", "--map", "time=t", "event=e", "nodes_cut=inf",
      "--out", "{tmp}/r.html"], "Study role nodes_cut needs a finite float"),
    (["reproduce", "--cohort", "{d}", "--map", "time=t", "event=e", "marker_adverse=2",
      "--out", "{tmp}/o"], "marker_adverse must be 1 (high) or 0 (low)"),
    (["report", "--cohort", "{d}", "--map", "time=t", "event=e", "marker=nope",
      "--out", "{tmp}/r.html"], "'nope' is not in the table"),
    (["audit", "--events", "-3"], "--events expects a positive number"),
]


@pytest.mark.parametrize(("argv", "message"), CONTRADICTIONS)
def test_contradictory_or_bad_arguments_name_the_option(
        argv: list[str], message: str, tmp_path: Path, data_csv: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    filled = [a.replace("{d}", str(data_csv)).replace("{tmp}", str(tmp_path)) for a in argv]
    try:
        code = main(filled)
    except SystemExit as exc:  # argparse type errors
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_repeated_option_adds_to_the_first(tmp_path: Path, data_csv: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(data_csv), "--time", "t", "--event", "e", "--cut", "m=5",
                 "--cut", "g=0.5"]) == 0
    out = capsys.readouterr().out
    assert "m_high: m > 5" in out
    assert "g_high: g > 0.5" in out


def test_an_unreachable_dask_scheduler_fails_fast(tmp_path: Path, data_csv: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    code = main(["screen", str(data_csv), "--time", "t", "--event", "e", "--out",
                 str(tmp_path / "s.csv"), "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert code == 2
    assert time.monotonic() - start < 8
    err = capsys.readouterr().err
    assert err.startswith("mirprog: error: --scheduler 'tcp://127.0.0.1:")
    assert main(["screen", str(data_csv), "--time", "t", "--event", "e", "--out",
                 str(tmp_path / "s.csv"), "--scheduler", "nonsense"]) == 2
    assert "--scheduler expects a Dask scheduler address" in capsys.readouterr().err


def test_unreachable_scheduler_in_the_api_is_a_mirprog_error() -> None:
    from mirprog._compute.parallel import run_tasks

    with pytest.raises(mp.MirprogError, match="scheduler='nonsense': cannot reach"):
        run_tasks(abs, [1, 2], scheduler="nonsense")


# --------------------------------------------------------------------------- pipes, internals


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "mirprog.cli", "audit"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.close()  # as `| head -0` does: the reader is gone before the first write
    _, err = proc.communicate(timeout=LIMIT)
    assert proc.returncode == 128 + 13, err  # 141: what the shell reports for `yes | head`
    assert err == ""


def _boom(args: argparse.Namespace) -> None:
    raise KeyError("an internal slip")


def test_an_internal_error_is_one_line_asking_for_a_report(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_analyze", _boom)
    monkeypatch.delenv("MIRPROG_DEBUG", raising=False)
    assert main(["analyze", "--dataset", "gbsg2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("mirprog: internal error: KeyError at test_trust.py:")
    assert "please report it" in err
    monkeypatch.setenv("MIRPROG_DEBUG", "1")
    assert main(["analyze", "--dataset", "gbsg2"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_file_system_refusal_while_writing_is_exit_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def full(args: argparse.Namespace) -> None:
        raise OSError(28, "No space left on device", "out.csv")

    monkeypatch.setattr(cli, "_analyze", full)
    assert main(["analyze", "--dataset", "gbsg2"]) == 2
    assert capsys.readouterr().err == "mirprog: error: No space left on device: out.csv\n"
