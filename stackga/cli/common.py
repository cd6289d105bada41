"""What the commands share: the GA configuration from the arguments, the case by name, the output folder, exit codes."""
from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager

from .. import interrupt, rundir
from ..config import GAConfig
from ..errors import InputError

EXIT_CONTRACT, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_INTERRUPTED = 1, 2, 3, 130


def _config(a) -> GAConfig:
    return GAConfig(pop_size=a.pop_size, generations=a.generations,
                    crossover_prob=a.crossover_prob, mutation_prob=a.mutation_prob,
                    seed=a.seed, engine=a.engine, block_mutation=a.block_mutation,
                    improve_every=a.improve_every, improve_elites=a.improve_elites)


def _case(name: str):
    import stackga.cases as cases
    return cases.get(name)


@contextmanager
def _output(a, stem: str):
    """The output folder, checked before any work (or a new one reserved under runs/,
    removed again if the work fails). Commit into it with ``rundir.staged``."""
    out = rundir.check_out(a.out, a.overwrite) if a.out is not None else rundir.fresh(stem)
    try:
        yield out
    except BaseException:
        if a.out is None:
            try:
                out.rmdir()                        # the empty reservation only
            except OSError:
                pass
        raise


def _stopped(res, total: int, out) -> int | None:
    """Exit code and message for an interrupted or infeasible result, else None.
    ``out``: the folder the result was saved in, or None (not saved)."""
    saved = f"saved in {out}/" if out is not None else "not saved"
    if res.status == "interrupted":
        feasible = "" if res.report["feasible"] else " (no feasible individual yet)"
        print(f"stackga: interrupted at generation {len(res.log['gen'])} of {total}{feasible}; "
              f"the best so far is {saved}" + (" (run.json status 'interrupted')" if out else ""),
              file=sys.stderr)
        return interrupt.exit_code()
    if res.infeasibility:
        print(f"stackga: {res.infeasibility}; the run is {saved} (no figures)", file=sys.stderr)
        return EXIT_INFEASIBLE
    return None


def _scenario(case, text):
    """The case's scenario named by ``text`` (a number or a word), or its default."""
    if text is None:
        return case.DEFAULT_SCENARIO
    for s in case.SCENARIOS:
        if str(s) == str(text):
            return s
    raise InputError(f"unknown scenario {text!r} for this case; choose one of "
                     f"{', '.join(map(str, case.SCENARIOS))}")


def _check_counts(a) -> None:
    for name in ("seeds", "jobs"):
        if getattr(a, name) < 1:
            raise InputError(f"--{name} must be >= 1, got {getattr(a, name)}")


def _list(kind):
    """argparse type: a comma-separated list of numbers, e.g. ``0.6,0.8,0.89``."""
    def parse(text: str):
        try:
            return [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of "
                                             f"{kind.__name__} values, got {text!r}") from None
    return parse


@contextmanager
def _cluster(a):
    """A Dask client for --scheduler (or DASK_SCHEDULER_ADDRESS), else None (local pool)."""
    address = a.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        yield None
        return
    from ..experiments.runner import dask_client
    try:
        client = dask_client(address, getattr(a, "worker_timeout", None))
    except (OSError, TimeoutError) as e:
        raise InputError(f"--scheduler {address}: cannot connect ({e})") from None
    try:
        yield client
    finally:
        client.close()


CHECKPOINT_DIR = ".checkpoint"
