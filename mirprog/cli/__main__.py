"""``python -m mirprog.cli``."""

import sys

from mirprog.cli.commands import main

sys.exit(main())
