"""Optional progress bars for long work (screens, bootstraps): tqdm when installed."""

from __future__ import annotations

import importlib
from typing import Any

from mirprog.errors import MirprogError


def progress_bar(progress: bool | None, total: int, *, unit: str, desc: str) -> Any:
    """A tqdm bar, or None.

    ``progress=False`` never shows one; ``None`` shows one when tqdm is installed and
    the output is a terminal (tqdm's ``disable=None``); ``True`` requires tqdm.
    """
    if progress is False:
        return None
    try:
        tqdm = importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        if progress:
            raise MirprogError("progress=True needs the tqdm package: pip install tqdm "
                               "(or pass progress=False).") from None
        return None
    return tqdm(total=total, unit=unit, desc=desc, disable=None if progress is None else False)
