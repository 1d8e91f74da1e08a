"""Root pytest configuration: headless plotting for the tests and the docstring examples."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

# The old module paths kept for one release are aliases of their new homes (importing
# mirprog/screen.py gives mirprog.stats.screen.markers): their docstring examples are
# collected there, once.
_OLD_PATHS = "kept for one release"
collect_ignore = [str(p) for p in Path(__file__).parent.joinpath("mirprog").rglob("*.py")
                  if _OLD_PATHS in p.read_text(encoding="utf-8").split('"""')[1]]
