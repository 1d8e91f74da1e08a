"""Optional progress bars for long work (screens, bootstraps): tqdm when installed."""

from __future__ import annotations

import importlib
from typing import Any

from mirprog.errors import MirprogError

AUTO_WORK = 2e7  # with progress=None, jobs with less work than this get no bar


def progress_bar(progress: bool | None, total: int, *, unit: str, desc: str,
                 work: float | None = None) -> Any:
    """A tqdm bar, or None.

    ``progress=False`` never shows one; ``None`` shows one when tqdm is installed and
    the output is a terminal (tqdm's ``disable=None``), and, if ``work`` (e.g. rows x
    markers) is given, the job is at least ``AUTO_WORK`` large; ``True`` requires tqdm.
    """
    if progress is False or (progress is None and work is not None and work < AUTO_WORK):
        return None
    try:
        tqdm = importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        if progress:
            raise MirprogError("progress=True needs the tqdm package: pip install tqdm "
                               "(or pass progress=False).") from None
        return None
    return tqdm(total=total, unit=unit, desc=desc, disable=None if progress is None else False)
