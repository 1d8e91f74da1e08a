"""Checks and reporting shared by the ``mirprog`` subcommands (issue 14).

* :func:`check_output`: an output path is usable *before* any work starts
  (not a directory, its folder exists and is writable, not one of the inputs);
* :func:`refuse_repeats`: an option naming the same column twice, or one column
  in two contradictory options, is refused instead of one value silently winning;
* :class:`WarningNotes`: every warning raised while a command runs (mirprog's
  and third-party ones) becomes a one-line ``mirprog: warning: ...`` note on
  stderr, printed once per distinct message.

Why notes and not re-emitted warnings: a user of the command line cannot act
on a Python warning's traceback-like two-line display, and a re-emitted warning
obeys whatever filter is active around :func:`mirprog.cli.main` -- under
``-W error`` (pytest's warnings-as-errors, ``PYTHONWARNINGS=error``) it becomes
an exception escaping after the command has finished.  A note cannot hang,
cannot raise and says where the warning came from.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mirprog.errors import MirprogError, MirprogWarning

__all__ = ["WarningNotes", "check_output", "refuse_repeats"]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(path: str | os.PathLike[str], *, option: str = "--out",
                 inputs: Iterable[tuple[str, str | os.PathLike[str] | None]] = (),
                 directory: bool = False) -> Path:
    """Refuse an output path that cannot be written, or that would overwrite an input.

    ``inputs``: (option, path) pairs of the files the command reads.  ``directory``:
    the output is a folder that the command creates (its parent must exist) and
    fills; an input inside it would be overwritten, so it is refused too.
    """
    out = Path(path)
    if str(path).strip() == "":
        raise MirprogError(f"{option} is empty: give the path to write.")
    for role, given in inputs:
        if given is None:
            continue
        src = Path(given)
        if _same(out, src) or out.resolve() == src.resolve():
            raise MirprogError(f"{option} {str(out)!r} is the {role} file: writing it would "
                               f"overwrite the input. Give another {option} path.")
        if directory and src.resolve().parent == out.resolve():
            raise MirprogError(f"{option} {str(out)!r} is the folder holding the {role} file "
                               f"{src.name!r}, whose outputs could overwrite it. Give another "
                               f"{option} folder.")
    if directory:
        if out.exists() and not out.is_dir():
            raise MirprogError(f"{option} {str(out)!r} is a file, not a folder: give a folder "
                               "to write the outputs into (it is created if needed).")
        _check_folder(out if out.is_dir() else out.parent, option, out)
        return out
    if out.is_dir():
        raise MirprogError(f"{option} {str(out)!r} is a folder: give a file name inside it, "
                           f"e.g. {str(out / 'results.csv')!r}.")
    _check_folder(out.parent, option, out)
    if out.exists() and not os.access(out, os.W_OK):
        raise MirprogError(f"{option} {str(out)!r} exists and is read-only: give another path "
                           "or make it writable.")
    return out


def _check_folder(folder: Path, option: str, out: Path) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.exists():
        raise MirprogError(f"{option} {str(out)!r}: the folder {str(folder)!r} does not exist. "
                           "Create it first or give another path.")
    if not folder.is_dir():
        raise MirprogError(f"{option} {str(out)!r}: {str(folder)!r} is a file, not a folder.")
    try:  # the only test that holds for root and for read-only file systems alike
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise MirprogError(f"{option} {str(out)!r}: cannot write into the folder "
                           f"{str(folder)!r} ({exc.strerror or exc}). Give a writable "
                           "place.") from None


def refuse_repeats(groups: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Refuse a column named twice in one option or in two options that contradict.

    ``groups``: (option, columns) pairs, e.g. ``[("--markers", ["m"]), ("--cut", ["m"])]``.
    """
    seen: dict[str, str] = {}
    for option, columns in groups:
        for col in columns:
            if col in seen:
                where = (f"twice in {option}" if seen[col] == option
                         else f"in both {seen[col]} and {option}")
                raise MirprogError(f"Column {col!r} is given {where}: give each column once, "
                                   "with one role and one threshold.")
            seen[col] = option


def _source(category: type[Warning], filename: str) -> str:
    """The package a warning comes from: its class's (pandas.errors.ParserWarning: pandas),
    else, for a built-in category, the package of the file it is attributed to."""
    if category.__module__ != "builtins":
        return category.__module__.split(".")[0]
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages", "lib-dynload"):
        if anchor in parts and parts.index(anchor) + 1 < len(parts):
            return Path(parts[parts.index(anchor) + 1]).stem
    return Path(filename).stem or "python"


class WarningNotes:
    """Collect the warnings of one command; render them as one-line notes.

    Examples
    --------
    >>> notes = WarningNotes()
    >>> with notes.collect():
    ...     warnings.warn("a note", RuntimeWarning)
    ...     warnings.warn("a note", RuntimeWarning)
    >>> notes.lines()[0].startswith("mirprog: warning: a note (RuntimeWarning from ")
    True
    """

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._counts: dict[tuple[type[Warning], str], int] = {}
        self._sources: dict[tuple[type[Warning], str], str] = {}
        self._dropped = 0

    def _show(self, message: Warning | str, category: type[Warning], filename: str,
              lineno: int, file: Any = None, line: str | None = None) -> None:
        key = (category, " ".join(str(message).split()))
        if key in self._counts:
            self._counts[key] += 1
        elif len(self._counts) < self.limit:
            self._counts[key] = 1
            self._sources[key] = _source(category, filename)
        else:
            self._dropped += 1

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Record every warning raised inside the block (none is shown or raised)."""
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = self._show  # restored by catch_warnings on exit
            yield

    def lines(self) -> list[str]:
        """One ``mirprog: warning: ...`` line per distinct warning, in order of appearance."""
        out = []
        for (category, text), count in self._counts.items():
            times = f" ({count} times)" if count > 1 else ""
            if issubclass(category, MirprogWarning):
                out.append(f"mirprog: warning: {text}{times}")
            else:
                out.append(f"mirprog: warning: {text} ({category.__name__} from "
                           f"{self._sources[(category, text)]}){times}")
        if self._dropped:
            out.append(f"mirprog: warning: {self._dropped} more warnings not shown")
        return out
