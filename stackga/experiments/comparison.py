"""What every case's ``compare`` shares: its runs as run specs, and the median run.

A case lists its runs as ``(name, game keyword arguments, seed or None)`` (None: the
configuration's own seed, for runs without a GA such as exact references);
:func:`run_specs` turns them into :class:`~stackga.experiments.RunSpec` for
:func:`~stackga.experiments.run_many`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import GAConfig
from ..result import Result
from .runner import RunSpec

__all__ = ["median_run", "run_specs"]


def run_specs(build: Callable, config: GAConfig, jobs: list[tuple[str, dict, int | None]],
              data_dir=None) -> list[RunSpec]:
    """One :class:`RunSpec` per job: ``build(**kwargs, data_dir=data_dir)`` solved with
    ``config`` at the job's seed."""
    cfg = config.to_dict()
    return [RunSpec(name, build, {**kwargs, "data_dir": data_dir},
                    {**cfg, "seed": seed if seed is not None else cfg["seed"]})
            for name, kwargs, seed in jobs]


def median_run(runs: list[Result], value: Callable[[Result], float]) -> Result:
    """The run whose ``value`` is the median; for an even count the lower of the middle
    two (a run that exists, not an average of two)."""
    order = np.argsort([value(r) for r in runs], kind="stable")
    return runs[order[(len(runs) - 1) // 2]]
