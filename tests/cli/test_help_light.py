"""``mirprog --help`` (and each command's ``--help``) builds the parser without numpy,
pandas or scipy (issue 20: ``mirprog --help`` in 0.5 s; the heavy layers load when a
command runs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

CODE = """
import sys
from mirprog.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
heavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') if m in sys.modules]
print('HEAVY', heavy, file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["analyze", "--help"], ["fit", "--help"],
                                  ["score", "--help"], ["screen", "--help"],
                                  ["reproduce", "--help"], ["study", "--help"],
                                  ["app", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    run = subprocess.run([sys.executable, "-c", CODE.format(argv=argv)], capture_output=True,
                         text=True, check=True)
    assert "usage: mirprog" in run.stdout
    assert "HEAVY []" in run.stderr
