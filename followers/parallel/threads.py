"""Rows of a batch solved on several threads, with the same answer as one thread.

For kernels that release the GIL (numba ``nogil`` functions, HiGHS's ``run``) and treat
every row independently: the rows are cut into contiguous chunks, one per thread, and the
chunks' outputs concatenated in order, so the result is bit for bit the serial one
whatever the thread count.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable

import numpy as np

from stackga.errors import InputError

__all__ = ["n_threads", "map_rows"]

_POOL: dict = {"pool": None, "size": 0, "pid": None}
_POOL_LOCK = threading.Lock()
_IN_POOL = threading.local()          # .active: this thread is one of a pool's


def n_threads(threads: int = 0) -> int:
    """``threads`` if positive, else the cores this process may use."""
    if threads < 0:
        raise InputError(f"threads: must be >= 0 (0 = all cores), got {threads}")
    if threads:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_rows(fn: Callable[[slice], tuple | dict], n: int, threads: int = 0, min_rows: int = 8):
    """``fn(slice)`` -> a tuple or dict of arrays whose first axis is the slice's rows;
    returns the same structure for ``slice(0, n)``, computed on up to ``threads`` threads
    (chunks of at least ``min_rows`` rows)."""
    k = max(1, min(n_threads(threads), n // max(min_rows, 1)))
    if k == 1:
        return fn(slice(0, n))
    cuts = np.linspace(0, n, k + 1).astype(int)
    chunks = [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    if getattr(_IN_POOL, "active", False):                   # nested: no waiting on the pool
        parts = [fn(c) for c in chunks]
    else:
        pool = _pool(k - 1)
        futures = [pool.submit(fn, c) for c in chunks[1:]]
        try:
            first = _serial_inside(fn, chunks[0])
        finally:
            wait(futures)
        parts = [first] + [f.result() for f in futures]
    if isinstance(parts[0], dict):
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(len(parts[0])))


def _mark() -> None:
    _IN_POOL.active = True


def _serial_inside(fn: Callable, chunk: slice):
    """``fn(chunk)`` on the calling thread, which counts as one of the pool's meanwhile: the
    other threads hold the other chunks, so a ``map_rows`` nested in ``fn`` runs its rows
    here (not queued behind them)."""
    was = getattr(_IN_POOL, "active", False)
    _IN_POOL.active = True
    try:
        return fn(chunk)
    finally:
        _IN_POOL.active = was


def _pool(size: int) -> ThreadPoolExecutor:
    """A pool of this process with at least ``size`` threads: the current one, or a larger
    new one (the old one is left to whoever holds it; its idle threads end with the
    process); a new one after a fork."""
    with _POOL_LOCK:
        if _POOL["pool"] is None or _POOL["size"] < size or _POOL["pid"] != os.getpid():
            _POOL.update(pool=ThreadPoolExecutor(size, thread_name_prefix="stackga-rows",
                                                 initializer=_mark),
                         size=size, pid=os.getpid())
        return _POOL["pool"]
