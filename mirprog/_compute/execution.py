"""How a long computation runs, as one object: :class:`ExecOptions`.

Every function that can run in parallel or show progress (:func:`mirprog.screen`,
:func:`mirprog.screen_bootstrap`, :func:`mirprog.optimal_cutpoint` with
permutations, :func:`mirprog.bootstrap_validate`) takes ``execution=ExecOptions(...)``;
their old keywords (``threads=``, ``client=``, ``scheduler=``, ``block_size=``,
``progress=``) keep working, silently.  None of these options changes a number: they
say where and in what pieces the work is done, and whether a bar shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from mirprog._compute.progress import ProgressHook
from mirprog.errors import ArgumentError

__all__ = ["ExecOptions", "execution_options"]


def _positive_int(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)
                              or value < 1):
        raise ArgumentError(f"{name} must be a positive integer, got {value!r}.", argument=name)


@dataclass(frozen=True)
class ExecOptions:
    """Where and how a long computation runs (never what it computes).

    Parameters
    ----------
    threads : int, optional
        Tasks computed at once in threads of this process (numpy releases the GIL
        in the arithmetic).  Default: the CPUs available to the process, at most 8.
        Ignored with Dask.
    client : dask.distributed.Client or True, optional
        Run the tasks on this Dask client (its workers need mirprog installed);
        ``True`` starts an in-process ``LocalCluster`` of 2 workers for the call.
    scheduler : str, optional
        Address of a running Dask scheduler (e.g. ``"tcp://10.0.0.5:8786"``); a
        client is opened and closed for the call.
    block_size : int, optional
        Markers per block of a screen (default: blocks of about 2**21 values).
    progress : bool or callable, optional
        A tqdm progress bar: ``True`` requires tqdm, ``False`` never; default: for
        long work on a terminal when tqdm is installed.  A callable
        ``progress(done, total)`` is called instead of a bar after each finished
        piece of work (a block of markers, a resample), in the calling thread: how
        an application (the web app) shows its own progress.

    Examples
    --------
    >>> import mirprog as mp
    >>> ex = mp.ExecOptions(threads=2, progress=False)
    >>> res = mp.screen(mp.datasets.load_gbsg2(), ["progrec", "age"], execution=ex)
    >>> res.table["marker"].tolist()
    ['progrec', 'age']
    """

    threads: int | None = None
    client: Any = None
    scheduler: str | None = None
    block_size: int | None = None
    progress: bool | ProgressHook | None = None

    def __post_init__(self) -> None:
        _positive_int("threads", self.threads)
        _positive_int("block_size", self.block_size)
        if (self.progress is not None and not isinstance(self.progress, bool | np.bool_)
                and not callable(self.progress)):
            raise ArgumentError(f"progress must be True, False, None or a callable "
                                f"progress(done, total), got "
                                f"{self.progress!r}.", argument="progress")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            raise ArgumentError(f"scheduler must be an address such as 'tcp://host:8786', "
                                f"got {self.scheduler!r}.", argument="scheduler")


def execution_options(execution: ExecOptions | None = None, **keywords: Any) -> ExecOptions:
    """``execution`` with the old keywords (``threads=...``) merged in.

    A keyword left at None takes the value of ``execution``; a keyword that
    contradicts ``execution`` is refused (which one would win is not obvious).

    Examples
    --------
    >>> execution_options(None, threads=2).threads
    2
    >>> execution_options(ExecOptions(progress=False), threads=3)
    ExecOptions(threads=3, client=None, scheduler=None, block_size=None, progress=False)
    """
    names = {f.name for f in fields(ExecOptions)}
    unknown = sorted(set(keywords) - names)
    if unknown:
        raise ArgumentError(f"Unknown execution option(s) {unknown}; known: {sorted(names)}.",
                            argument=unknown[0])
    given = {k: v for k, v in keywords.items() if v is not None}
    if execution is None:
        return ExecOptions(**given)
    if not isinstance(execution, ExecOptions):
        raise ArgumentError(f"execution must be an ExecOptions, got "
                            f"{type(execution).__name__}.", argument="execution")
    clash = [k for k, v in given.items()
             if getattr(execution, k) is not None and getattr(execution, k) is not v
             and getattr(execution, k) != v]
    if clash:
        raise ArgumentError(f"{clash[0]} is given twice, as {clash[0]}={given[clash[0]]!r} and "
                            f"in execution= ({getattr(execution, clash[0])!r}); give it once.",
                            argument=clash[0])
    return replace(execution, **given)
