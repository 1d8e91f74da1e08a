"""Optional progress bars for long work (screens, bootstraps): tqdm when installed, or a
hook of the caller's (``progress=fn``: ``fn(done, total)`` after each finished piece, e.g.
a block of markers; the web app's progress bar)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from mirprog.errors import MirprogError

AUTO_WORK = 2e7  # with progress=None, jobs with less work than this get no bar

#: ``hook(done, total)``: called after each finished piece of work, in the calling thread.
ProgressHook = Callable[[int, int], None]


class HookBar:
    """tqdm's ``update``/``close`` on a caller's hook: ``hook(done, total)`` per update."""

    def __init__(self, hook: ProgressHook, total: int) -> None:
        self.hook, self.total, self.done = hook, total, 0

    def update(self, n: int = 1) -> None:
        """Count ``n`` more finished and tell the hook."""
        self.done += n
        self.hook(self.done, self.total)

    def close(self) -> None:
        """Nothing to close (tqdm's interface)."""


def progress_bar(progress: bool | ProgressHook | None, total: int, *, unit: str, desc: str,
                 work: float | None = None) -> Any:
    """A tqdm bar, a :class:`HookBar` (``progress`` is a callable), or None.

    ``progress=False`` never shows one; ``None`` shows one when tqdm is installed and
    the output is a terminal (tqdm's ``disable=None``), and, if ``work`` (e.g. rows x
    markers) is given, the job is at least ``AUTO_WORK`` large; ``True`` requires tqdm.
    A callable ``progress`` is always called, whatever the size of the job.
    """
    if callable(progress):
        return HookBar(progress, total)
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
