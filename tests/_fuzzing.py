"""Fuzzing helpers: generators of hostile input, the contract checks, the CLI driver.

Contract checked on random and malformed input (the ``fuzz`` tests of tests/data,
tests/cli and tests/model):

* the API (:func:`mirprog.read_cohort`, :class:`mirprog.Cohort`, and the
  analyses run on whatever cohort comes out) raises nothing but
  :class:`~mirprog.errors.MirprogError` subclasses, and warns with nothing but
  :class:`~mirprog.errors.MirprogWarning` subclasses;
* the command line (:func:`mirprog.cli.main`) never raises for a user mistake:
  it returns 0, or 2 with a one-paragraph ``mirprog: error: ...`` message on
  stderr and no traceback (argparse's own usage errors exit with code 2 too);
  every subcommand of the parser is called with random options and paths, and
  each call runs under a watchdog (``MIRPROG_FUZZ_CALL_LIMIT`` seconds, default 30).

Inputs: almost-valid cohort tables with a share of cells replaced by hostile
tokens (text, missing codes, decimal commas, huge or infinite numbers,
quotes...), odd headers (duplicates, blanks, title lines), other separators
and encodings (Latin-1, UTF-16, BOMs), written as CSV/TSV/TXT, Excel or Parquet
and sometimes truncated or bit-flipped; plain random bytes; corrupted model
files; random command lines over those files.

The short CI run is ``python -m pytest -m fuzz`` (about 20-30 s).  Settings:
``MIRPROG_FUZZ_EXAMPLES`` scales the number of examples (default 1 = the CI budget);
``MIRPROG_FUZZ_RANDOM=1`` turns off ``derandomize`` so that ``--hypothesis-seed`` picks
new examples (the long run, ``scripts/fuzz.py``, sets both).  Shrinking is on only for
the random runs, to report a small failing example.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, currently_in_test_context, event, settings
from hypothesis import strategies as st

import mirprog as mp
from mirprog.cli import commands as cli
from mirprog.cli.commands import main

SCALE = float(os.environ.get("MIRPROG_FUZZ_EXAMPLES", "1"))
RANDOM = bool(os.environ.get("MIRPROG_FUZZ_RANDOM"))


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)), deadline=None, derandomize=not RANDOM,
        database=None, print_blob=False,
        phases=tuple(Phase) if RANDOM else (Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large])


# --------------------------------------------------------------------------- generators

HOSTILE = ["", " ", "NA", "nan", "NaN", "NULL", ".", "-", "?", "inf", "-inf", "Infinity",
           "1e308", "1e999", "-1", "-0", "0", "2", "3", "0.5", "12,5", "1.234,5", "5 yrs",
           "yes", "no", "TRUE", "False", "2020-01-01", "01/02/2020", "é", "Ω", "∞", "0x10",
           "1_000", "+7", " 4 ", '"', "'", "\\", "a,b", "x;y", "1\t2", "#N/A", "9" * 40,
           "-" + "9" * 400, "\x00"]
NAMES = ["t", "e", "id", "m", "g", "x", "T", "t ", "", "Unnamed: 1", "é", "t", "event",
         "time", "1", "nan"]
ROLES = ["t", "e", "id", "m", "g", "x"]


def _base_cell(role: str, i: int, rng: np.random.Generator) -> str:
    if role == "t":
        return f"{rng.integers(1, 400) / 4:g}"
    if role == "e":
        return str(int(rng.random() < 0.6))
    if role == "id":
        return f"p{i}"
    if role == "m":
        return f"{rng.normal(5, 2):.3f}"
    if role in ("g", "x"):
        return str(int(rng.integers(0, 2)))
    return str(rng.integers(0, 5))


@st.composite
def tables(draw: Callable[..., Any], wild: bool) -> tuple[list[str], list[list[str]]]:
    """A header and rows of text cells: a valid cohort with a share of hostile cells.

    ``wild``: odd headers, empty tables, ragged rows and many hostile cells; otherwise a
    mostly valid table, so that the analyses behind the readers are reached too.
    """
    columns = list(ROLES)
    if wild and draw(st.booleans(), label="odd header"):
        extra = draw(st.lists(st.sampled_from(NAMES) | st.text(max_size=6), max_size=3))
        columns = draw(st.permutations(columns + extra))
        columns = columns[: draw(st.integers(1, len(columns)), label="keep columns")]
    n = draw(st.integers(0 if wild else 6, 40), label="rows")
    rates = [0.0, 0.02, 0.1, 0.5, 1.0] if wild else [0.0, 0.0, 0.02]
    rate = draw(st.sampled_from(rates), label="hostile share")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    rows = []
    for i in range(n):
        row = [HOSTILE[rng.integers(len(HOSTILE))] if rng.random() < rate
               else _base_cell(c, i, rng) for c in columns]
        if wild and rate and rng.random() < rate / 4:  # ragged row
            row = row[:-1] if rng.random() < 0.5 else [*row, "extra"]
        rows.append(row)
    return columns, rows


def _quote(cell: str, sep: str) -> str:
    if any(ch in cell for ch in (sep, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def files(draw: Callable[..., Any]) -> tuple[str, bytes]:
    """(file suffix, content): delimited text in various dialects, Excel, Parquet or junk.

    One file in three is "wild" (other separators, UTF-16, title lines, damaged bytes,
    random bytes); the others are plain files with a few hostile cells.
    """
    wild = draw(st.sampled_from([False, False, True]), label="wild")
    kinds = ["text", "text", "text", "excel", "parquet"] + (["bytes"] if wild else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "bytes":
        suffix = draw(st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet", ".txt"]))
        return suffix, draw(st.binary(max_size=600))
    columns, rows = draw(tables(wild))
    if kind == "text":
        suffix = draw(st.sampled_from([".csv", ".csv", ".tsv", ".txt"]))
        sep = "\t" if suffix == ".tsv" else ","
        if wild:
            sep = draw(st.sampled_from([sep, sep, ";", "|"]), label="separator")
        newline = draw(st.sampled_from(["\n", "\r\n"]))
        lines = [sep.join(_quote(c, sep) for c in row) for row in [columns, *rows]]
        if wild and draw(st.booleans(), label="title line"):
            lines.insert(0, "Cohort export")
        text = newline.join(lines) + newline
        encodings = ["utf-8", "utf-8-sig", "latin-1"] + (["utf-16"] if wild else [])
        data = text.encode(draw(st.sampled_from(encodings)), errors="replace")
    else:
        width = len(columns)
        df = pd.DataFrame([(r + [""] * width)[:width] for r in rows],
                          columns=pd.Index(columns).astype(str))
        if draw(st.booleans(), label="numeric columns"):
            df = df.apply(lambda s: pd.to_numeric(s, errors="coerce") if s.name in "tegmx"
                          else s)
        buf = io.BytesIO()
        try:
            if kind == "excel":
                suffix = ".xlsx"
                df.to_excel(buf, index=False)
            else:
                suffix = ".parquet"
                df.to_parquet(buf, index=False)
        except Exception:  # a frame the writer refuses (e.g. duplicate columns): junk file
            return ".parquet", b"PAR1junk"
        data = buf.getvalue()
    damage = draw(st.sampled_from(["none", "truncate", "flip"]), label="damage") if wild else ""
    # positions are drawn independently of the length: an .xlsx embeds its creation time, so
    # its size can differ between runs, and hypothesis' draws must not depend on it
    pos = draw(st.integers(0, 2**20), label="damage position") % max(len(data), 1)
    if damage == "truncate":
        data = data[:pos]
    elif damage == "flip" and data:
        data = data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1:]
    return suffix, data


CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE),
    st.text(max_size=5), st.just(pd.NaT), st.just(pd.Timestamp("2020-01-01")),
    st.just(complex(1, 1)), st.just([1]))


# --------------------------------------------------------------------------- contract helpers


@contextlib.contextmanager
def only_mirprog_warnings() -> Iterator[None]:
    """Record every warning; fail on any that is not a MirprogWarning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    others = [w for w in caught if not issubclass(w.category, mp.MirprogWarning)]
    assert not others, [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                        for w in others]


def exercise(c: mp.Cohort) -> None:
    """Run the core analyses on a cohort that passed validation; only MirprogErrors may escape."""
    steps: list[Callable[[], object]] = [
        lambda: mp.km(c, by="g"),
        lambda: mp.logrank(c, by="g"),
        lambda: mp.cox(c, ["g", "m"]),
        lambda: mp.univariate(c, ["g", "x"]),
        lambda: mp.Cutpoints.fit(c, "m").apply(c),
        lambda: mp.associate(c, "g", "x"),
        lambda: mp.table4(c, "m", {"x": "x"}, marker_rule="median"),
        lambda: mp.risk_groups(c, {"g": 1, "x": 1}),
    ]
    for step in steps:
        with contextlib.suppress(mp.MirprogError):
            step()


def write(tmp: Path, suffix: str, data: bytes, name: str = "cohort") -> Path:
    path = tmp / f"{name}{suffix}"
    path.write_bytes(data)
    return path


def raises_only_mirprog_error(action: Callable[[], object], match: str) -> None:
    """``action`` raises a MirprogError matching ``match`` and warns only MirprogWarnings."""
    with only_mirprog_warnings(), pytest.raises(mp.MirprogError, match=match):
        action()


# Crashes the fuzzing found outside mirprog/cohort.py, fixed by the diffs of the issue 9
# report (subtypes.subgroup_mask, km, cutpoint_opt.scan_splits, phtest._quad, _coxengine.fit_cox,
# model_cli._score, the from_json of model.py and cutpoints.py); each module's
# test_external_regressions runs its share on this cohort.


def tiny(**columns: list[Any]) -> mp.Cohort:
    base: dict[str, list[Any]] = {"t": [21.5, 20, 75, 11.25, 5.5], "e": [0, 0, 0, 1, 0],
                                  "g": [0, 0, 1, 1, 1], "m": [4.6, 0.7, 5.8, 2.9, 4.5]}
    """Five patients with follow-up ``t``, event ``e``, a group ``g`` and a marker ``m``
    (``columns`` replace or add columns)."""
    return mp.Cohort(pd.DataFrame(base | columns), time="t", event="e")


# --------------------------------------------------------------------------- the command line

SENSIBLE = {
    "analyze": ["--time", "t", "--event", "e", "--id", "id", "--markers", "m", "--factors",
                "g", "x"],
    "fit": ["--time", "t", "--event", "e", "--id", "id", "--markers", "m", "--clinical", "g",
            "--groups", "default"],
    "score": ["--horizons", "10", "50"],
    "audit": [],
}


@st.composite
def argvs(draw: Callable[..., Any], path: str, model: str, out: str) -> list[str]:
    """A command line over ``path``: sensible options, or a random subset of options."""
    command = draw(st.sampled_from(["analyze", "analyze", "fit", "score", "audit"]))
    argv = [command]
    if command != "audit" or draw(st.booleans()):
        argv.append(path)
    if draw(st.sampled_from([True, True, False]), label="sensible options"):
        argv += SENSIBLE[command]
        if command == "score" and draw(st.booleans()):
            argv.append("--validate")
    elif command == "audit":
        if draw(st.booleans()):
            argv += ["--events", draw(st.sampled_from(["10", "-1", "x", "nan"]))]
    else:
        if command in ("analyze", "fit") and draw(st.integers(0, 3)):
            argv += ["--time", "t", "--event", "e"]
        opt = draw(st.lists(st.sampled_from(["time", "event", "id", "markers", "factors", "cut",
                                             "clinical", "groups", "ties", "validate",
                                             "horizons"]), unique=True, max_size=6))
        argv += _options(draw, command, opt)
    if command in ("fit", "score"):
        argv += ["--out", out]
    if command == "score":
        argv += ["--model", model]
    return argv


def _options(draw: Callable[..., Any], command: str, opt: list[str]) -> list[str]:
    cols = st.sampled_from(["t", "e", "id", "m", "g", "x", "T", "progrec", "horTh", "", "-t"])
    argv: list[str] = []
    for o in opt:
        if o in ("time", "event", "id") or (o == "groups" and command == "fit"):
            argv += [f"--{o}", draw(cols)]
        elif o in ("markers", "factors", "clinical"):
            argv += [f"--{o}", *draw(st.lists(cols, max_size=3))]
        elif o == "cut":
            argv += ["--cut", draw(st.sampled_from(["m=5", "g=0.5", "m=x", "=3", "m=inf",
                                                     "nodes=3"]))]
        elif o == "ties":
            argv += ["--ties", draw(st.sampled_from(["breslow", "efron", "exact"]))]
        elif o == "validate" and command == "score":
            argv.append("--validate")
        elif o == "horizons" and command == "score":
            argv += ["--horizons", *draw(st.lists(st.sampled_from(["1", "365", "-2", "inf",
                                                                   "0"]), min_size=1,
                                                  max_size=2))]
    return argv


CALL_LIMIT = float(os.environ.get("MIRPROG_FUZZ_CALL_LIMIT", "30"))  # seconds per CLI call


class CallTimeout(BaseException):
    """Raised by the watchdog; a BaseException, so no ``except Exception`` swallows it."""


@contextlib.contextmanager
def watchdog(seconds: float, argv: list[str]) -> Iterator[None]:
    """Fail a CLI call that runs longer than ``seconds`` (a hang, as in issue 14 item 1)."""
    def expire(signum: int, frame: object) -> None:
        raise CallTimeout(f"mirprog {' '.join(argv)} ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run ``main(argv)`` as the shell would, under a time limit; return exit code and stderr."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), \
            warnings.catch_warnings(), watchdog(CALL_LIMIT, argv):
        warnings.simplefilter("ignore")  # the CLI prints warnings; not an exit-code matter
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors: one line "mirprog X: error: ..."
            code = exc.code if isinstance(exc.code, int) else 2
            assert code == 2, (argv, err.getvalue())
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1, (argv, err.getvalue())
            assert "error: " in lines[0], (argv, err.getvalue())
            return -2, err.getvalue()
    return code, err.getvalue()


def check_cli(argv: list[str]) -> None:
    code, err = run_cli(argv)
    if currently_in_test_context():
        event(f"{argv[0]}: exit {'2 (argparse)' if code == -2 else code}")
    assert code in (0, 2, -2), (argv, code, err)  # 1: an internal error (a bug)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        message = [line for line in err.splitlines() if line.startswith("mirprog: error:")]
        assert len(message) == 1, (argv, err)
        assert "\n\n" not in err.strip(), (argv, err)


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# every command that reads input; `app` starts a web server (tests/app drives it in a browser)
SUBCOMMANDS = {name: p for name, p in _subcommands().items() if name != "app"}
JUNK = ["", "-1", "0", "2", "nan", "inf", "1e999", "x", "m=3", "m=x", "=", "t", "e", "m", "g",
        "time=t", "event=e", "marker=m", "age_cut=x", "none", "é", "--", "-x"]
SKIP = {"--dask", "--help"}  # a local Dask cluster takes seconds to start: tested elsewhere


@st.composite
def any_command(draw: Callable[..., Any], paths: dict[str, str]) -> list[str]:
    """Any subcommand of the parser, with a random subset of its options and random values.

    Values come from the option's kind: choices (or a wrong one), numbers (or junk),
    files (the fuzz file, the model, a folder, a missing file), output paths (good,
    a folder, a missing folder, the input itself), column names and junk.
    """
    command = draw(st.sampled_from(sorted(SUBCOMMANDS)))
    actions = [a for a in SUBCOMMANDS[command]._actions
               if not set(a.option_strings) & SKIP and a.dest != "help"]
    chosen = draw(st.lists(st.sampled_from(actions), unique_by=id, max_size=7))
    required = [a for a in actions if a.required or (not a.option_strings and a.nargs is None)]
    files = st.sampled_from([paths["data"], paths["data"], paths["model"], paths["dir"],
                             paths["missing"]])
    argv = [command]
    for action in [*required, *(a for a in chosen if a not in required)]:
        if action.dest == "out":
            values = [draw(st.sampled_from([paths["out"], paths["out"], paths["dir"],
                                            paths["missing"] + "/o.csv", paths["data"]]))]
        elif action.dest == "model":  # binary model files: wt-model's ModelFileError checks
            values = [draw(st.sampled_from([paths["model"], paths["model"], paths["dir"],
                                            paths["missing"], paths["broken_model"]]))]
        elif action.dest in ("path", "table", "cohort", "clinical"):
            values = [draw(files)]
        elif action.nargs == 0:
            values = []
        elif action.choices is not None:
            values = [draw(st.sampled_from([*map(str, action.choices), "bogus"]))]
        else:
            n = 1 if action.nargs in (None, "?") else draw(st.integers(0, 3))
            values = draw(st.lists(st.sampled_from(JUNK), min_size=n, max_size=n))
        argv += [*action.option_strings[:1], *values]
    return argv


@st.composite
def broken_models(draw: Callable[..., Any], text: str) -> str:
    how = draw(st.sampled_from(["truncate", "replace", "insert", "json"]))
    if how == "json":
        return draw(st.sampled_from(["", "{}", "[]", "null", '{"schema": "mirprog.model/1"}',
                                     '{"schema": "mirprog.model/9"}', "1e999", '"x"']))
    pos = draw(st.integers(0, len(text)))
    if how == "truncate":
        return text[:pos]
    junk = draw(st.sampled_from(['"', "}", "{", ",", "null", "-1", "NaN", "1e999", "[]", "x"]))
    return text[:pos] + junk + text[pos + (len(junk) if how == "replace" else 0):]
