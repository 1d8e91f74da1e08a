"""Old import path of :mod:`mirprog.study.report`, kept for one release (README: migration).

Importing it gives that module itself: every name is the same object as at its new home.
"""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("mirprog.study.report")
