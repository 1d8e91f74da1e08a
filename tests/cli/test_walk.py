"""Every subcommand, with bad arguments: exit 2, one line, no traceback (issue 14, item 7).

The subcommands are listed from the parser, so a new one is walked too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import pytest

from mirprog.cli import commands as cli


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli._build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


SUBPARSERS = _subparsers()
FILE_OPTIONS = {"path", "table", "cohort", "model", "clinical"}


def _missing_inputs(command: str, tmp: Path) -> list[str]:
    """The command with every input file (and every required value) missing."""
    argv = [command]
    for action in SUBPARSERS[command]._actions:
        if not action.option_strings and action.dest in FILE_OPTIONS:
            argv.append(str(tmp / "missing.csv"))
        elif action.option_strings and action.dest in FILE_OPTIONS:
            argv += [action.option_strings[0], str(tmp / "missing.csv")]
        elif action.dest == "out":
            argv += ["--out", str(tmp / ("outdir" if command == "reproduce" else "out.csv"))]
        elif action.required:
            argv += [action.option_strings[0], "zz"]
    return argv


def _typed_option_cases(command: str) -> list[tuple[str, str]]:
    """(option, bad value) for every option with a type or a fixed set of choices."""
    cases = []
    for action in SUBPARSERS[command]._actions:
        if not action.option_strings or action.nargs == 0:
            continue
        if action.choices is not None:
            cases.append((action.option_strings[0], "no-such-choice"))
        elif action.type is not None:
            cases.append((action.option_strings[0], "x=y=z"))
    return cases


def run(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: one line "mirprog X: error: ... (see: ...)"
            code = exc.code if isinstance(exc.code, int) else -1
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1, (argv, err.getvalue())
            assert lines[0].startswith("mirprog")
            assert "error: " in lines[0]
            assert lines[0].endswith("--help)")
            assert "Traceback" not in err.getvalue()
            return code, err.getvalue()
    text = err.getvalue()
    assert "Traceback" not in text, (argv, text)
    errors = [line for line in text.splitlines() if line.startswith("mirprog: error: ")]
    assert len(errors) == 1, (argv, text)
    assert all(line.startswith("mirprog: ") for line in text.splitlines()), (argv, text)
    return code, text


def test_the_walk_covers_every_subcommand() -> None:
    assert {"analyze", "reproduce", "report", "fit", "score", "screen", "audit"} <= \
        set(SUBPARSERS)


# `app` reads no file (it serves until stopped): run without arguments it starts a server
@pytest.mark.parametrize("command", sorted(set(SUBPARSERS) - {"app"}))
def test_missing_inputs_exit_2_with_one_line(command: str, tmp_path: Path) -> None:
    argv = _missing_inputs(command, tmp_path)
    code, err = run(argv)
    assert code == 2, (argv, err)


@pytest.mark.parametrize("command", sorted(SUBPARSERS))
def test_unknown_option_is_a_usage_error(command: str, tmp_path: Path) -> None:
    assert run([*_missing_inputs(command, tmp_path), "--no-such-option"])[0] == 2


@pytest.mark.parametrize(("command", "option", "value"), [
    (command, option, value) for command in sorted(SUBPARSERS)
    for option, value in _typed_option_cases(command)])
def test_badly_typed_values_exit_2(command: str, option: str, value: str,
                                   tmp_path: Path) -> None:
    code, err = run([*_missing_inputs(command, tmp_path), option, value])
    assert code == 2, err
    assert option in err or "missing.csv" in err, err
