"""A sweep: every combination of GA settings, each for several seeds, as ordinary runs.

A sweep folder holds ``sweep.json`` (what was asked: case, game arguments, grid, seeds,
the other GA settings), ``runs/<name>/`` (one run folder per run, written as soon as
the run ends, readable by ``Result.load``), ``runs.csv`` (one row per run: settings,
seed, best leader objective, the generation that first reached it, evaluations,
seconds, feasibility, status) and ``generations.csv`` (one row per run and generation).
A killed sweep resumes (``resume=True``) without redoing its finished runs.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from stackga.errors import InputError

from ..config import GAConfig
from ..result import Result, ResultError
from ..rundir import RunDirError, check_writable, writer_lock
from .runner import RunSpec, check_same_data, run_many

__all__ = ["Sweep", "SWEPT", "run_sweep", "load_sweep", "runs_table"]

#: GA settings a sweep may vary, and their short labels in run names
SWEPT = {"crossover_prob": "cx", "mutation_prob": "mut", "pop_size": "pop"}


@dataclass(frozen=True)
class Sweep:
    """What a sweep runs: ``case`` built with ``game`` (keyword arguments of the case's
    ``build``), every combination of ``grid`` (field -> values, fields of ``SWEPT``) for
    each of ``seeds``, with the other GA settings from ``base`` (GAConfig fields)."""

    case: str
    game: dict
    grid: dict
    seeds: list
    base: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for k, values in self.grid.items():
            if k not in SWEPT:
                raise InputError(f"Sweep.grid: cannot sweep {k!r}; choose from {tuple(SWEPT)}")
            if not values:
                raise InputError(f"Sweep.grid[{k!r}] is empty")
            if len(set(values)) != len(values):
                raise InputError(f"Sweep.grid[{k!r}] repeats a value: {list(values)}")
            for v in values:                          # every setting is a valid GAConfig
                GAConfig(**{**self.base, k: v})
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise InputError(f"Sweep.seeds must be distinct and at least one, got {self.seeds}")
        for k in ("seed", *self.grid):
            if k in self.base:
                raise InputError(f"Sweep.base must not set {k!r} (it is swept)")

    def settings(self) -> list[dict]:
        """Every combination of the grid, in order (the last field varies fastest)."""
        keys = list(self.grid)
        return [dict(zip(keys, combo)) for combo in itertools.product(*self.grid.values())]

    @staticmethod
    def label(setting: dict) -> str:
        """The setting's name in run folders (full precision: distinct settings never share one)."""
        return "_".join(f"{SWEPT[k]}{v!r}" for k, v in setting.items()) or "default"

    def specs(self, build: Callable) -> list[RunSpec]:
        return [RunSpec(f"{self.label(st)}_seed{s}", build, dict(self.game),
                        {**self.base, **st, "seed": s})
                for st in self.settings() for s in self.seeds]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def load_sweep(folder) -> Sweep:
    path = Path(folder) / "sweep.json"
    try:
        return Sweep(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as e:
        raise ResultError(f"{path}: not a readable sweep ({e})") from None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _first_reaching(log: dict) -> int:
    """The generation at which the run's best leader objective was first reached."""
    best = log["best"]
    ok = np.isfinite(best)
    if not ok.any():
        return 0
    return int(log["gen"][np.flatnonzero(best >= np.nanmax(best))[0]])


def runs_table(sweep: Sweep, results: dict[str, Result]) -> list[dict]:
    """One row per finished run, in the sweep's order."""
    rows = []
    for st in sweep.settings():
        for s in sweep.seeds:
            name = f"{sweep.label(st)}_seed{s}"
            if name not in results:
                continue
            r = results[name]
            cfg = {**GAConfig().to_dict(), **sweep.base, **st, "seed": s}
            rows.append({"name": name, **{k: cfg[k] for k in SWEPT}, "generations": cfg["generations"],
                         "engine": cfg["engine"], "seed": s, "leader": r.leader,
                         "best_generation": _first_reaching(r.log) if r.log else 0,
                         "evals": int(r.log["evals"][-1]) if r.log else 0,
                         "seconds": round(r.seconds, 3), "feasible": r.report.get("feasible"),
                         "status": r.status})
    return rows


def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def _generations(sweep: Sweep, results: dict[str, Result], table: list[dict]) -> list[dict]:
    rows: list[dict] = []
    for t in table:
        log = results[t["name"]].log
        keys = [k for k in ("gen", "evals", "best", "mean", "worst", "infeasible", "seconds") if k in log]
        for i in range(len(log.get("gen", []))):
            rows.append({"name": t["name"], **{k: t[k] for k in SWEPT}, "seed": t["seed"],
                         **{k: log[k][i].item() for k in keys}})
    return rows


def run_sweep(sweep: Sweep, build: Callable, out, jobs: int = 1, resume: bool = False,
              on_done: Callable | None = None, pool=None) -> tuple[list[dict], dict[str, Result]]:
    """Run (or, with ``resume``, finish) a sweep into the folder ``out``; returns the runs
    table and name -> Result. ``pool``: a local pool or a Dask client (see
    :func:`~stackga.experiments.runner.run_many`). Every run is saved when it ends; the
    tables are written at the end (also after Ctrl-C, with the runs finished so far)."""
    with writer_lock(check_writable(out, "sweep --out"), "sweep --out"):
        return _run_sweep(sweep, build, out=out, jobs=jobs, resume=resume, on_done=on_done, pool=pool)


def _run_sweep(sweep: Sweep, build: Callable, out, jobs: int = 1, resume: bool = False,
               on_done: Callable | None = None, pool=None) -> tuple[list[dict], dict[str, Result]]:
    out = check_writable(out, "sweep --out")
    runs_dir = out / "runs"
    if (out / "sweep.json").exists():
        if not resume:
            raise RunDirError(f"sweep --out {out}: holds a sweep already; pass --resume to finish it "
                              f"or choose another folder")
        held = load_sweep(out)
        extends = sweep.seeds[:len(held.seeds)] == held.seeds and \
            dataclasses.replace(held, seeds=sweep.seeds) == sweep
        if held != sweep and not extends:
            raise RunDirError(f"sweep --out {out}: holds a different sweep ({out / 'sweep.json'}); "
                              f"--resume must repeat its settings (more seeds may be added)")
    elif out.is_dir() and any(out.iterdir()):
        raise RunDirError(f"sweep --out {out}: exists and is not empty")
    runs_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "sweep.json", sweep.to_json())
    specs = sweep.specs(build)
    results, todo = {}, []
    for spec in specs:
        try:
            r = Result.load(runs_dir / spec.name)
        except ResultError:
            todo.append(spec)
            continue
        if r.status == "complete":
            results[spec.name] = r                       # finished before: not redone
        else:
            todo.append(spec)
    check_same_data(results, {s.name: s for s in specs}, f"sweep --resume {out}")

    def save(spec, res):
        res.save(runs_dir / spec.name, overwrite=True)
        if on_done:
            on_done(spec, res)

    results.update(run_many(todo, jobs, save, pool))
    table = runs_table(sweep, results)
    _write_atomic(out / "runs.csv", _csv(table))
    _write_atomic(out / "generations.csv", _csv(_generations(sweep, results, table)))
    return table, results
