"""Tune the GA's crossover and mutation probabilities (and, optionally, the population
size at a fixed evaluation budget) with optuna.

* Seeded TPE (``TPESampler(seed=...)``); the paper's 0.89 / 0.076 is the first trial.
* Each trial runs the same seeds and reports one value per seed (``trial.report(value,
  step=seed)``), so optuna's ``WilcoxonPruner`` can stop a trial that is significantly
  worse than the best one; a stopped trial returns the mean of what it ran.
* The study lives in a journal file (``study.log``), and TPE is reseeded before each trial
  from the number of finished trials (optuna does not store the sampler's random
  state), so ``resume=True`` continues a killed tuning to the trials an uninterrupted
  one has; every run is an ordinary run folder under ``runs/`` named by its setting and
  seed, so a resumed tuning never redoes a finished run.
* The trials run one after another (TPE is reproducible only so); the seeds of a trial
  run in parallel processes, and are reported in seed order, so the study does not
  depend on the number of processes.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from stackga.errors import InputError

from ..result import Result, ResultError
from ..rundir import RunDirError, check_writable, writer_lock
from .runner import RunSpec, check_same_data, local_pool, run_many
from .sweep import Sweep, _write_atomic

__all__ = ["Tuning", "tune", "PAPER"]

PAPER = {"crossover_prob": 0.89, "mutation_prob": 0.076}


@dataclass(frozen=True)
class Tuning:
    """What to tune: ``case`` built with ``game``; ``trials`` trials of ``seeds`` each;
    crossover in ``crossover`` (range), mutation in ``mutation`` (log range); with
    ``pop_sizes`` also the population size, at ``budget`` evaluations (generations =
    budget // pop_size); other GA settings from ``base``."""

    case: str
    game: dict
    seeds: list
    trials: int = 50
    crossover: tuple = (0.5, 1.0)
    mutation: tuple = (0.001, 0.3)
    pop_sizes: list = field(default_factory=list)
    budget: int | None = None
    base: dict = field(default_factory=dict)
    sampler_seed: int = 1
    p_threshold: float = 0.1

    def __post_init__(self) -> None:
        if self.trials < 1:
            raise InputError(f"Tuning.trials must be >= 1, got {self.trials}")
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise InputError(f"Tuning.seeds: at least two distinct seeds, got {self.seeds}")
        for name, (lo, hi) in (("crossover", self.crossover), ("mutation", self.mutation)):
            if not 0.0 <= lo < hi <= 1.0:
                raise InputError(f"Tuning.{name} must be a range inside [0, 1], got {(lo, hi)}")
        if self.mutation[0] <= 0:
            raise InputError("Tuning.mutation is searched on a log scale: its low end must be > 0")
        if self.pop_sizes and not self.budget:
            raise InputError("Tuning.pop_sizes needs Tuning.budget (evaluations per run)")
        if self.budget and any(self.budget // p < 2 for p in self.pop_sizes):
            raise InputError(f"Tuning.budget {self.budget} leaves fewer than 2 generations for a "
                             f"population of {max(self.pop_sizes)}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def paper_params(self) -> dict:
        """The paper's trial: 0.89 / 0.076 (and, when the population is tuned, the size in
        ``pop_sizes`` closest to the base population, 100 by default)."""
        if not self.pop_sizes:
            return dict(PAPER)
        want = self.base.get("pop_size", 100)
        return {**PAPER, "pop_size": min(self.pop_sizes, key=lambda p: (abs(p - want), p))}

    def config(self, params: dict) -> dict:
        cfg = {**self.base, **{k: params[k] for k in PAPER}}
        if self.pop_sizes:
            cfg["pop_size"] = params["pop_size"]
            cfg["generations"] = self.budget // params["pop_size"]
        return cfg


def _label(cfg: dict) -> str:
    return Sweep.label({k: cfg[k] for k in ("crossover_prob", "mutation_prob", "pop_size") if k in cfg})


def _is_json(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


def _mend_journal(path: Path) -> None:
    """A journal whose last record was cut off (a kill mid-write, a full disk) is mended:
    the torn tail is set aside in ``<journal>.torn-<time>`` and the journal cut back to
    its last whole record, with a warning naming both. A damaged record before the last
    is refused by name (RunDirError): the study cannot be trusted past it."""
    if not path.exists():
        return
    *records, tail = path.read_bytes().split(b"\n")    # tail: after the last newline
    bad = [k for k, line in enumerate(records) if not _is_json(line)]
    unterminated = bool(tail) and _is_json(tail)
    if unterminated:
        records, tail = records + [tail], b""               # a whole record: end its line
    if bad and (bad[0] < len(records) - 1 or tail):
        raise RunDirError(f"{path}: record {bad[0] + 1} of the tuning journal is damaged; "
                          f"the study cannot be resumed (start afresh in another folder)")
    if bad:
        records, tail = records[:-1], records[-1]
    if tail or unterminated:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(b"".join(line + b"\n" for line in records))
        backup = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%d-%H%M%S')}")
        if tail:
            backup.write_bytes(tail)
        os.replace(tmp, path)
    if tail:
        import warnings
        warnings.warn(f"{path}: its last record was cut off (a killed or full-disk write); "
                      f"set aside in {backup}, the study continues from its last whole record",
                      RuntimeWarning, stacklevel=3)


def _load(path: Path):
    import warnings

    import optuna
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    return JournalStorage(JournalFileBackend(str(path))), optuna


def tune(tuning: Tuning, build: Callable, out, jobs: int = 1, resume: bool = False,
         on_trial: Callable | None = None, pool=None) -> dict:
    """Run (or continue) a tuning into the folder ``out``; returns the report (also written
    to ``report.json``): the best setting and the paper's, with their per-seed values on
    the same seeds and the Wilcoxon signed-rank test between them."""
    with writer_lock(check_writable(out, "tune --out"), "tune --out"):
        return _tune(tuning, build, out=out, jobs=jobs, resume=resume, on_trial=on_trial, pool=pool)


def _tune(tuning: Tuning, build: Callable, out, jobs: int = 1, resume: bool = False,
          on_trial: Callable | None = None, pool=None) -> dict:
    out = check_writable(out, "tune --out")
    if (out / "tuning.json").exists():
        if not resume:
            raise RunDirError(f"tune --out {out}: holds a tuning already; pass --resume to continue it")
        held, now = json.loads((out / "tuning.json").read_text()), json.loads(tuning.to_json())
        if {**held, "trials": None} != {**now, "trials": None}:
            raise RunDirError(f"tune --out {out}: holds a different tuning; --resume must repeat "
                              f"its settings (the number of trials may change)")
    elif out.is_dir() and any(out.iterdir()):
        raise RunDirError(f"tune --out {out}: exists and is not empty")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if resume:
        _check_runs_data(tuning, build, out)
    _write_atomic(out / "tuning.json", tuning.to_json())
    _mend_journal(out / "study.log")
    storage, optuna = _load(out / "study.log")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    state = optuna.trial.TrialState
    study = optuna.create_study(storage=storage, study_name="stackga", direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=tuning.sampler_seed),
                                load_if_exists=True,
                                pruner=optuna.pruners.WilcoxonPruner(p_threshold=tuning.p_threshold))
    for t in study.get_trials(deepcopy=False, states=(state.RUNNING,)):
        storage.set_trial_state_values(t._trial_id, state.FAIL)       # a killed trial
    paper = tuning.paper_params()
    if not any(t.state in (state.COMPLETE, state.WAITING) and t.params == paper for t in study.trials) \
            and not any(t.state == state.WAITING for t in study.trials):
        study.enqueue_trial(paper)                                      # first, or again if killed

    def objective(trial) -> float:
        params = {"crossover_prob": trial.suggest_float("crossover_prob", *tuning.crossover),
                  "mutation_prob": trial.suggest_float("mutation_prob", *tuning.mutation, log=True)}
        if tuning.pop_sizes:
            params["pop_size"] = trial.suggest_categorical("pop_size", tuning.pop_sizes)
        cfg = tuning.config(params)
        values = []
        for start in range(0, len(tuning.seeds), jobs):
            batch = tuning.seeds[start:start + jobs]
            runs = _runs(tuning, build, cfg, batch, out, jobs, pool)
            for s in batch:                              # reported in seed order
                v = runs[s].leader if runs[s].report.get("feasible") else -math.inf
                values.append(v)
                trial.report(v, step=s)
                trial.set_user_attr("values", values)
                if trial.should_prune():
                    return float(np.mean(values))
        trial.set_user_attr("complete", True)
        return float(np.mean(values))

    from stackga import interrupt
    own = pool is None and jobs > 1
    if own:
        pool = local_pool(jobs)                             # one warmed pool for every trial
    try:
        while (done := len(study.get_trials(states=(state.COMPLETE,)))) < tuning.trials:
            if interrupt.requested():
                raise KeyboardInterrupt
            # TPE reseeded from the count of finished trials: a killed and resumed study
            # draws exactly what an uninterrupted one draws (optuna does not store the
            # sampler's random state)
            study.sampler = optuna.samplers.TPESampler(seed=tuning.sampler_seed * 1_000_003 + done)
            study.optimize(objective, n_trials=1)
            if on_trial:
                on_trial(study.trials[-1])
    finally:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
    report = _report(tuning, study)
    _write_atomic(out / "report.json", json.dumps(report, indent=2))
    return report


def _check_runs_data(tuning: Tuning, build, out: Path) -> None:
    """Refuse a resume whose finished runs were made on other data (by name)."""
    found = {}
    for d in sorted((out / "runs").iterdir()):
        try:
            found[d.name] = Result.load(d)
        except ResultError:
            continue
    spec = RunSpec("check", build, dict(tuning.game), {})
    check_same_data(found, dict.fromkeys(found, spec), f"tune --resume {out}")


def _runs(tuning: Tuning, build, cfg: dict, seeds: list, out: Path, jobs: int,
          pool=None) -> dict[int, Result]:
    """The runs of one setting for ``seeds``: loaded if a finished run folder exists, else run
    (in parallel) and saved."""
    found, todo = {}, []
    for s in seeds:
        name = f"{_label(cfg)}_seed{s}"
        try:
            r = Result.load(out / "runs" / name)
            if r.status == "complete" and all(r.config.get(k) == v for k, v in {**cfg, "seed": s}.items()):
                found[s] = r
                continue
        except ResultError:
            pass
        todo.append(RunSpec(name, build, dict(tuning.game), {**cfg, "seed": s}))
    done = run_many(todo, jobs, lambda spec, res: res.save(out / "runs" / spec.name, overwrite=True),
                    pool)
    for spec in todo:
        if spec.name in done and done[spec.name].status == "complete":
            found[spec.config["seed"]] = done[spec.name]
    missing = [s for s in seeds if s not in found]
    if missing:
        from stackga import interrupt
        if interrupt.requested():                  # an interrupted run never becomes a value
            raise KeyboardInterrupt
        raise RuntimeError(f"tune: runs for seeds {missing} did not finish")
    return found


def _report(tuning: Tuning, study) -> dict:
    """The best fully-evaluated setting against the paper's, on the same seeds."""
    from scipy.stats import wilcoxon
    full = [t for t in study.trials if t.user_attrs.get("complete")]
    if not full:
        return {"trials": sum(t.state.name == "COMPLETE" for t in study.trials), "best": None}
    best = max(full, key=lambda t: t.value)
    paper = next((t for t in full if t.params == tuning.paper_params()), None)
    finished = [t for t in study.trials if t.state.name == "COMPLETE"]
    out = {"trials": len(finished), "complete_trials": len(full),
           "pruned_trials": sum(1 for t in study.trials if not t.user_attrs.get("complete")
                                and t.state.name == "COMPLETE"),
           "seeds": tuning.seeds,
           "best": {"params": best.params, "mean": best.value, "values": best.user_attrs["values"]}}
    if paper is not None:
        out["paper"] = {"params": paper.params, "mean": paper.value, "values": paper.user_attrs["values"]}
        d = np.array(best.user_attrs["values"]) - np.array(paper.user_attrs["values"])
        if best.number == paper.number or not np.any(d):
            out["test"] = {"p_value": 1.0, "significant": False,
                           "note": "the best setting is the paper's"}
        else:
            p = float(wilcoxon(best.user_attrs["values"], paper.user_attrs["values"]).pvalue)
            out["test"] = {"p_value": p, "significant": p < 0.05,
                           "note": f"Wilcoxon signed-rank over {len(d)} seeds, two-sided"}
    return out
