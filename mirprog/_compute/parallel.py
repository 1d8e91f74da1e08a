"""Run independent tasks locally (threads) or on a Dask cluster, results in task order.

The screen's marker blocks and the bootstrap's replicates both go through
:func:`run_tasks`: the same function runs on each item, locally in a thread
pool (numpy releases the GIL in the arithmetic) or as Dask tasks, so a
result never depends on where or in how many workers it was computed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

from mirprog.errors import MirprogError

__all__ = ["check_threads", "run_tasks"]

_MAX_THREADS = 8
SCHEDULER_TIMEOUT = 10.0  # seconds to reach a scheduler address (distributed: 30)


def check_threads(threads: int | None) -> int:
    """``threads`` validated; default the CPUs available to the process, at most 8."""
    if threads is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:                       # not on Linux
            cpus = os.cpu_count() or 1
        return max(1, min(cpus, _MAX_THREADS))
    if not (isinstance(threads, int | np.integer) and not isinstance(threads, bool)
            and threads > 0):
        raise MirprogError(f"threads must be a positive integer, got {threads!r}.")
    return int(threads)


def run_tasks(fn: Callable[..., Any], items: Sequence[Any], *, shared: tuple[Any, ...] = (),
              prepare: Callable[[Any], Any] | None = None, threads: int = 1,
              client: Any = None, scheduler: str | None = None,
              done: Callable[[Any], None] | None = None) -> list[Any]:
    """``[fn(prepare(item), *shared) for item in items]``, in parallel, in the items' order.

    ``prepare`` (default: the item itself) runs in the calling process, so a
    task carries only its own data; ``shared`` is sent to each Dask worker
    once.  ``done(item)`` is called in order as results arrive (progress).
    ``client``: a ``dask.distributed.Client``, or True for an in-process
    ``LocalCluster`` of 2 workers; ``scheduler``: a scheduler address.
    """
    prep = prepare if prepare is not None else (lambda item: item)
    if client is not None or scheduler is not None:
        with _dask_client(client, scheduler) as c:
            return _run_dask(c, fn, items, shared, prep, done)
    results = []
    if threads == 1 or len(items) <= 1:
        for item in items:
            results.append(fn(prep(item), *shared))
            if done is not None:
                done(item)
        return results
    def task(item: Any) -> Any:
        return fn(prep(item), *shared)

    with ThreadPoolExecutor(min(threads, len(items)), thread_name_prefix="mirprog") as pool:
        futures = [pool.submit(task, item) for item in items]
        for item, fut in zip(items, futures, strict=True):
            results.append(fut.result())
            if done is not None:
                done(item)
    return results


@contextmanager
def _dask_client(client: Any, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MirprogError("client=/scheduler= need Dask: pip install 'dask[distributed]'.") \
            from None
    if client is not None and scheduler is not None:
        raise MirprogError("Give client= or scheduler=, not both.")
    owned: list[Any] = []
    if scheduler is not None:
        try:  # distributed waits 30 s by default for an address nobody answers
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except Exception as exc:  # refused, timed out, or not a Dask server (MemoryError...)
            raise MirprogError(f"scheduler={scheduler!r}: cannot reach a Dask scheduler there "
                               f"(time limit {SCHEDULER_TIMEOUT:g} s): {exc}. Check the "
                               "address (e.g. tcp://host:8786) and that the scheduler "
                               "runs.") from None
        owned.append(client)
    elif client is True:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                               dashboard_address=None)
        client = Client(cluster)
        owned += [client, cluster]
    elif not isinstance(client, Client):
        raise MirprogError(f"client must be a dask.distributed.Client or True, got "
                           f"{type(client).__name__}; for a scheduler address use scheduler=.")
    try:
        yield client
    finally:
        for obj in owned:
            obj.close()


def _run_dask(client: Any, fn: Callable[..., Any], items: Sequence[Any],
              shared: tuple[Any, ...], prep: Callable[[Any], Any],
              done: Callable[[Any], None] | None) -> list[Any]:
    """Tasks on the cluster, about two per worker thread in flight (memory stays bounded)."""
    from distributed import as_completed

    # scattered, not in the task graph; hash=False: a key of its own per call
    common = [client.scatter(obj, broadcast=True, hash=False) for obj in shared]
    results: list[Any] = [None] * len(items)
    arrived = [False] * len(items)
    index: dict[str, int] = {}
    queue = iter(range(len(items)))
    finished = as_completed()
    reported = 0

    def submit_next() -> None:
        i = next(queue, None)
        if i is not None:
            data = client.scatter(prep(items[i]), hash=False)
            fut = client.submit(fn, data, *common, pure=False)
            index[fut.key] = i
            finished.add(fut)

    for _ in range(2 * max(1, sum(client.nthreads().values()))):
        submit_next()
    for fut in finished:
        i = index.pop(fut.key)
        results[i], arrived[i] = fut.result(), True
        fut.release()
        while reported < len(items) and arrived[reported]:   # progress in item order
            if done is not None:
                done(items[reported])
            reported += 1
        submit_next()
    return results
