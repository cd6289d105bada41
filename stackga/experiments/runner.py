"""Run many independent GA runs: in this process, in a local process pool, or on a Dask
cluster (:func:`dask_client`).

Parallel over runs, never over individuals (one task per individual costs more than
the follower solve). A run is a :class:`RunSpec`: a module-level ``build`` function
(picklable by reference) with its keyword arguments, and a GA configuration. Every
run is seeded, so the results do not depend on the number of processes or their
order; they are returned in the order of the specs. Ctrl-C (inside
:func:`stackga.interrupt.graceful`) stops submitting runs; on local processes the running
ones stop at their current generation and come back marked ``interrupted``; on Dask,
whose workers see no Ctrl-C, they are cancelled (and absent from the results).
"""
from __future__ import annotations

import multiprocessing as mp
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

from stackga import interrupt
from stackga.errors import InputError

from ..config import GAConfig
from ..result import Result

__all__ = ["RunSpec", "dask_client", "execute", "local_pool", "run_many", "unfinished"]


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


def dask_client(address: str):
    """A ``distributed.Client`` for the scheduler at ``address`` (e.g. ``tcp://host:8786``;
    ``DASK_SCHEDULER_ADDRESS`` is the usual environment variable), with every worker
    warmed once. Pass it to :func:`run_many` as ``pool``."""
    from distributed import Client
    client = Client(address)
    try:
        client.run(_warm)
    except BaseException:
        client.close()
        raise
    return client


def _worker_init() -> None:
    """Once per worker process: load the compiled follower kernels (from numba's cache) and
    the GA engines, so no run pays for them, and ignore Ctrl-C between runs (inside a run,
    ``solve`` stops it cleanly)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm()


def local_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` spawned worker processes, each warmed once (kernels, engines).
    Pass it to :func:`run_many` to reuse it across calls; shut it down when done."""
    return ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn"), initializer=_worker_init)


def run_many(specs: list[RunSpec], jobs: int = 1,
             on_done: Callable[[RunSpec, Result], object] | None = None,
             pool: Any = None) -> dict[str, Result]:
    """name -> Result of every spec, in the specs' order. ``jobs`` > 1 runs them in that many
    processes (spawned, or those of ``pool``), never more than ``jobs`` at a time.
    ``on_done(spec, result)`` is called in this process as each run finishes (e.g. to save
    it at once)."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise InputError("run_many: run names must be distinct")
    results: dict[str, Result] = {}

    def finish(spec, res):
        results[spec.name] = res
        if on_done:
            on_done(spec, res)

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
        first = lambda fs: dask_wait(list(fs), return_when="FIRST_COMPLETED")    # noqa: E731
    else:
        submit = lambda spec: pool.submit(execute, spec)                          # noqa: E731
        first = lambda fs: wait(fs, return_when=FIRST_COMPLETED)                 # noqa: E731
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
