"""The ``mirprog`` command line: argparse only, each command a thin call into the layers below.

User mistakes end with a one-line message on stderr and exit code 2, never a traceback.
The commands are in :mod:`~mirprog.cli.commands`, the model and screen commands in
:mod:`~mirprog.cli.model` and :mod:`~mirprog.cli.screen`.
"""

from mirprog.cli.commands import main

__all__ = ["main"]
