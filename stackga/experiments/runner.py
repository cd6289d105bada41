"""Run many independent GA runs: in this process, in a local process pool, or on a Dask
cluster (:func:`dask_client`).

Parallel over runs, never over individuals (one task per individual costs more than
the follower solve). A run is a :class:`RunSpec`: a module-level ``build`` function
(picklable by reference) with its keyword arguments, and a GA configuration. Every
run is seeded, so the results do not depend on the number of processes or their
order; they are returned in the order of the specs. Ctrl-C or SIGTERM to this process
(inside :func:`stackga.interrupt.graceful`) stops submitting runs; on local processes the
request is passed on to the workers (they ignore the terminal's Ctrl-C themselves), whose
running runs stop at the end of their current generation and come back marked
``interrupted``; on Dask they are cancelled (and absent from the results).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from stackga import interrupt
from stackga.errors import InputError

from ..config import GAConfig
from ..result import Result
from . import store as store_mod

__all__ = ["LocalPool", "RunSpec", "check_same_data", "dask_client", "execute", "local_pool",
           "run_many", "unfinished"]


def _data_files(meta: dict) -> dict | None:
    data = (meta or {}).get("data")
    return data.get("sha256") if isinstance(data, dict) else None


def check_same_data(found: dict, specs: dict, where: str) -> None:
    """Refuse, naming the run and the files, finished runs (``found``: name -> Result)
    made on other data than their spec (``specs``: name -> RunSpec) reads now: a resumed
    sweep or tuning never mixes runs on two data sets."""
    from ..rundir import RunDirError
    now: dict = {}
    for name, r in found.items():
        spec = specs[name]
        key = repr(sorted(spec.kwargs.items()))
        if key not in now:
            now[key] = _data_files(spec.build(**spec.kwargs).meta)
        was, cur = _data_files(r.meta), now[key]
        if was != cur:
            changed = sorted(f for f in set(was or {}) | set(cur or {})
                             if (was or {}).get(f) != (cur or {}).get(f))
            raise RunDirError(f"{where}: the finished run {name} was made on other data "
                              f"(changed: {', '.join(changed) or 'the data folder'}); resume it "
                              f"with the data it started on, or start afresh in another folder")


@dataclass(frozen=True)
class RunSpec:
    """One run: ``build(**kwargs) -> Game`` solved with ``GAConfig(**config)``."""

    name: str
    build: Callable
    kwargs: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)


def execute(spec: RunSpec) -> Result:
    """Build and solve one run (a top-level function, so a process pool can call it): the
    GA alone (``improve=False``), so sweeps, tuning and paper comparisons measure the GA's
    own answer; ``stackga run`` adds the improvement step and reports both."""
    import stackga  # looked up at call time: ``stackga.solve`` may be wrapped
    return stackga.solve(spec.build(**spec.kwargs), GAConfig(**spec.config), improve=False)


def _warm() -> None:
    """Load the compiled follower kernels (from numba's cache) and the GA engines once per
    worker, so no run pays for them."""
    from stackga.followers.warmup import warm_up
    warm_up()
    from ..engines import deap_engine, pymoo_engine  # noqa: F401


#: seconds between the "no Dask worker" messages while a run waits for one
NO_WORKER_EVERY = 60.0


def dask_client(address: str, worker_timeout: float | None = None):
    """A ``distributed.Client`` for the scheduler at ``address`` (e.g. ``tcp://host:8786``;
    ``DASK_SCHEDULER_ADDRESS`` is the usual environment variable), with every worker
    warmed once. Pass it to :func:`run_many` as ``pool``. While no worker is connected,
    :func:`run_many` says so on stderr (every ``NO_WORKER_EVERY`` seconds) and waits, or,
    past ``worker_timeout`` seconds, stops with an InputError (the runs finished so far
    are kept)."""
    if worker_timeout is not None and not worker_timeout > 0:
        raise InputError(f"--worker-timeout must be > 0 seconds, got {worker_timeout}")
    from distributed import Client
    client = Client(address)
    client.stackga_worker_timeout = worker_timeout     # type: ignore[attr-defined]  # read by run_many
    try:
        client.run(_warm)
    except BaseException:
        client.close()
        raise
    return client


#: seconds between a worker's looks at its parent and at the pool's stop request
WATCH_EVERY = 0.25


def _watch(parent: int | None, stop, every: float = WATCH_EVERY) -> None:
    """A worker's watcher thread: end the worker at once (exit code 1) when its parent is
    gone (killed with -9, or ended without shutting the pool down), so an orphaned worker
    never runs on; and while the pool's ``stop`` event is set, ask the running run to stop
    at the end of its generation (:func:`stackga.interrupt.request`)."""
    while True:
        time.sleep(every)
        if parent is not None and os.getppid() != parent:
            os._exit(1)
        if stop is not None and stop.is_set():
            interrupt.request()


def _worker_init(parent: int | None = None, stop=None) -> None:
    """Once per worker process: load the compiled follower kernels (from numba's cache) and
    the GA engines, so no run pays for them; ignore the terminal's Ctrl-C (it reaches the
    whole process group: the parent decides and passes the stop on through ``stop``); and
    watch the parent and the stop event (:func:`_watch`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None or stop is not None:
        threading.Thread(target=_watch, args=(parent, stop), daemon=True,
                         name="stackga-worker-watch").start()
    _warm()


class LocalPool(ProcessPoolExecutor):
    """A process pool whose workers stop their running runs when ``stop`` is set."""

    def __init__(self, jobs: int) -> None:
        ctx = mp.get_context("spawn")
        self.stop = ctx.Event()
        super().__init__(jobs, mp_context=ctx, initializer=_worker_init,
                         initargs=(os.getpid(), self.stop))


def local_pool(jobs: int) -> LocalPool:
    """A pool of ``jobs`` spawned worker processes, each warmed once (kernels, engines),
    each ending by itself if this process dies, each stopping its running run when this
    process is asked to stop inside :func:`run_many`. Pass it to :func:`run_many` to reuse
    it across calls; shut it down when done."""
    return LocalPool(jobs)


#: seconds between looks at the stop flag while waiting for a local run
POLL_EVERY = 0.2


def run_many(specs: list[RunSpec], jobs: int = 1,
             on_done: Callable[[RunSpec, Result], object] | None = None,
             pool: Any = None) -> dict[str, Result]:
    """name -> Result of every spec, in the specs' order. ``jobs`` > 1 runs them in that many
    processes (spawned, or those of ``pool``), never more than ``jobs`` at a time.
    ``on_done(spec, result)`` is called in this process as each run finishes (e.g. to save
    it at once). Inside :func:`stackga.experiments.store.storing`, every run is saved as it
    ends and the store's finished runs are returned instead of being run again."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise InputError("run_many: run names must be distinct")
    store = store_mod.current()          # inside ``storing``: save as they end, reuse found ones
    results: dict[str, Result] = store.reuse(specs) if store else {}
    specs = [s for s in specs if s.name not in results]

    def finish(spec, res):
        results[spec.name] = res
        if store:
            store.save(spec, res)
        if on_done:
            on_done(spec, res)

    if not specs:
        return {n: results[n] for n in names if n in results}
    if jobs <= 1 and pool is None:
        for spec in specs:
            if interrupt.requested():
                break
            res = execute(spec)
            finish(spec, res)
            if res.status == "interrupted":
                break
        return results
    own = pool is None
    executor: Any = local_pool(jobs) if own else pool     # a process pool or a Dask client
    pool = executor
    dask = type(pool).__module__.startswith("distributed")
    if dask:                                   # a Dask cluster: as many runs as worker threads
        from distributed import wait as dask_wait
        jobs = max(jobs, sum(pool.nthreads().values()))
        submit = lambda spec: pool.submit(execute, spec, pure=False)             # noqa: E731
        first = lambda fs: _dask_first(pool, list(fs), dask_wait)                 # noqa: E731
    else:
        stop = getattr(pool, "stop", None)     # a LocalPool passes a stop on to its runs
        if stop is not None:
            stop.clear()
        submit = lambda spec: pool.submit(execute, spec)                          # noqa: E731
        first = lambda fs: _local_first(list(fs), stop)                           # noqa: E731
    running: dict = {}
    try:
        queue = list(specs)
        while queue or running:
            while queue and len(running) < jobs and not interrupt.requested():
                spec = queue.pop(0)
                running[submit(spec)] = spec
            if not running:
                break
            if dask and interrupt.requested():   # Dask workers see no Ctrl-C: cancel their runs
                break
            done, _ = first(running)
            for fut in done:
                finish(running.pop(fut), fut.result())
    finally:
        if dask:
            pool.cancel(list(running))
        elif own:
            pool.shutdown(wait=False, cancel_futures=True)  # nothing is left running normally
    return {n: results[n] for n in names if n in results}


def _local_first(futures: list, stop) -> tuple[set, set]:
    """Wait for the first of ``futures`` to finish, passing a stop request on to the
    workers (``stop.set()``) as soon as one is made."""
    while True:
        done, pending = wait(futures, timeout=POLL_EVERY, return_when=FIRST_COMPLETED)
        if done:
            return done, pending
        if stop is not None and interrupt.requested() and not stop.is_set():
            stop.set()


def _dask_first(client, futures: list, dask_wait, poll: float = 2.0):
    """Wait for the first of ``futures`` to finish; while the cluster has no worker, say so
    on stderr (naming the scheduler) and give up past the client's worker timeout."""
    import sys

    from distributed.utils import TimeoutError as DaskTimeout
    timeout = getattr(client, "stackga_worker_timeout", None)
    alone_since, said = None, -np.inf
    while True:
        try:
            return dask_wait(futures, timeout=poll, return_when="FIRST_COMPLETED")
        except (DaskTimeout, TimeoutError):
            pass
        if interrupt.requested():
            return set(), set(futures)
        if client.nthreads():
            alone_since = None
            continue
        now = time.monotonic()
        alone_since = now if alone_since is None else alone_since
        if timeout is not None and now - alone_since > timeout:
            raise InputError(f"Dask scheduler {client.scheduler.address}: no worker connected "
                             f"for {timeout:g} s (--worker-timeout); stopped, the runs finished "
                             f"so far are saved")
        if now - said >= NO_WORKER_EVERY:
            said = now
            print(f"stackga: no Dask worker is connected to {client.scheduler.address}; "
                  f"waiting for one (the runs continue when one joins"
                  + ("" if timeout is None else f"; giving up after {timeout:g} s") + ")",
                  file=sys.stderr, flush=True)


def unfinished(results: dict[str, Result], total: int) -> str | None:
    """Why a comparison of ``total`` runs has no tables: runs interrupted (fewer than
    ``total`` complete) or runs with no feasible individual; None if all are usable."""
    done = [k for k, r in results.items() if r.status == "complete"]
    if len(done) < total:
        return f"interrupted: {len(done)} of {total} runs finished; no tables or claims"
    bad = [r.infeasibility for r in results.values() if r.infeasibility]
    if bad:
        return (f"{len(bad)} of {total} runs found no feasible individual; no tables or claims:\n  "
                + "\n  ".join(bad))
    return None


def run_comparison(specs: list[RunSpec], jobs: int = 1, on_run: Callable[[str], None] | None = None
                   ) -> tuple[str | None, dict[str, Result]]:
    """A case's comparison runs: (why there are no tables, or None; name -> Result), in
    ``jobs`` processes; ``on_run(name)`` is called as each run finishes."""
    done = (lambda spec, res: on_run(spec.name)) if on_run else None
    results = run_many(specs, jobs, done)
    return unfinished(results, len(specs)), results
