"""``stackga compare``, ``figures``, ``sweep``, ``tune`` and ``plot``: many runs and their figures."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from .. import interrupt, rundir
from ..errors import InputError
from .common import (
    EXIT_INFEASIBLE,
    _case,
    _check_counts,
    _cluster,
    _config,
    _scenario,
    _stopped,
)
from .progress import SweepProgress


def _compare_folder(a, manifest: dict):
    """The folder of ``compare`` (checked before any run): a new one, an old output folder
    of stackga's with --overwrite (emptied once its lock is held), or with --resume the
    folder of the same comparison."""
    if a.resume:
        if a.out is None:
            raise InputError("--resume needs --out: the folder of the comparison to finish")
        out = rundir.check_writable(a.out, "compare --out")
        held = out / "compare.json"
        if not held.is_file():
            raise rundir.RunDirError(f"compare --out {out}: holds no comparison ({held.name} is "
                                     f"missing); run it without --resume")
        was = json.loads(held.read_text())
        changed = [k for k in manifest if k != "seeds" and was.get(k) != manifest[k]]
        if changed:
            raise rundir.RunDirError(
                f"compare --out {out}: holds a comparison with other settings ("
                + ", ".join(f"{k}: {was.get(k)!r} then, {manifest[k]!r} now" for k in changed)
                + "); --resume must repeat them (more seeds may be added)")
        return out
    if a.out is None:
        return rundir.fresh(f"{a.case}-compare")
    return rundir.check_out(a.out, a.overwrite, "compare --out")


def cmd_compare(a) -> int:
    from ..experiments.store import RunStore, storing
    case = _case(a.case)
    cfg = _config(a)
    _check_counts(a)
    case.load(a.data)                              # bad data stops here, before any run
    t0 = time.perf_counter()
    live = sys.stderr.isatty()
    manifest = {"case": a.case, "config": {k: v for k, v in cfg.to_dict().items() if k != "jobs"},
                "seeds": a.seeds, "data": None if a.data is None else str(Path(a.data).resolve())}
    out = _compare_folder(a, manifest)
    with rundir.writer_lock(out, "compare --out"):
        if not a.resume and out.is_dir() and any(out.iterdir()):   # --overwrite, checked above
            import shutil
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        rundir.mark(out)
        (out / "compare.json").write_text(json.dumps(manifest, indent=1) + "\n")
        (out / "summary.txt").unlink(missing_ok=True)
        store = RunStore(out, a.resume)
        with interrupt.graceful() as stop, storing(store):
            text, results = case.compare(cfg, data_dir=a.data, seeds=a.seeds, jobs=a.jobs,
                                         on_run=lambda s: print(f"done: {s}", file=sys.stderr)
                                         if live else None)
        bad = [name for name, r in results.items() if r.infeasibility]
        store.save_changed(results)              # with what compare added to their reports
        (out / "summary.txt").write_text(text + "\n")
        if not (stop() or bad):
            case.write_compare_figures(results, out, seeds=a.seeds, first_seed=a.seed)
    if stop():
        print(f"stackga: {text}; they are saved in {out}/; finish with: stackga compare "
              f"{a.case} ... --out {out} --resume", file=sys.stderr)
        return interrupt.exit_code()
    if bad:
        print(f"stackga: {text}; the runs are saved in {out}/ (no figures)", file=sys.stderr)
        return EXIT_INFEASIBLE
    print(text)
    print(f"\n{time.perf_counter() - t0:.1f} s; results in {out}/")
    return 0


def cmd_figures(a) -> int:
    """Regenerate the README's figures: the figures of ``compare`` (every scenario, the
    median-seed runs, the convergence band across seeds), without the tables."""
    case = _case(a.case)
    cfg = _config(a)
    _check_counts(a)
    case.load(a.data)
    # a figures folder is refreshed in place: the case's FIGURES_DIR
    out = rundir.check_writable(a.out or case.FIGURES_DIR)
    if (out / "run.json").exists() or (out / rundir.MARKER).exists():
        raise InputError(f"figures --out {out}: is a run folder (its figures belong to its run); "
                         f"write the comparison's figures to another folder")
    with interrupt.graceful() as stop:
        text, results = case.compare(cfg, data_dir=a.data, seeds=a.seeds, jobs=a.jobs)
    bad = [r for r in results.values() if r.infeasibility or r.status != "complete"]
    if stop() or bad:
        code = _stopped(bad[0], cfg.generations, None) if bad else interrupt.exit_code()
        print(f"stackga: no figures written ({text.splitlines()[0]})", file=sys.stderr)
        return code or interrupt.exit_code()
    for p in case.write_compare_figures(results, out, seeds=a.seeds, first_seed=a.seed):
        print(p)
    return 0


def cmd_sweep(a) -> int:
    from ..experiments import Sweep, run_sweep
    from ..experiments.plots import plot_sweep
    case = _case(a.case)
    if a.seeds < 1 or a.jobs < 1:
        raise InputError(f"--seeds and --jobs must be >= 1, got {a.seeds} and {a.jobs}")
    case.load(a.data)                              # bad data stops here, before any run
    grid = {"crossover_prob": a.crossover_prob, "mutation_prob": a.mutation_prob,
            "pop_size": a.pop_size}
    scenario = _scenario(case, a.scenario)
    sweep = Sweep(case=a.case, game={"scenario": scenario, "variant": a.variant, "data_dir": a.data},
                  grid=grid, seeds=[a.seed + k for k in range(a.seeds)],
                  base={"generations": a.generations, "engine": a.engine})
    if a.resume and a.out is None:
        raise InputError("--resume needs --out: the folder of the sweep to finish")
    out = a.out or rundir.fresh(f"{a.case}-sweep")
    progress = SweepProgress(len(sweep.settings()) * len(sweep.seeds))
    with interrupt.graceful() as stop, _cluster(a) as pool:
        table, results = run_sweep(sweep, case.build, out, jobs=a.jobs, resume=a.resume,
                                   on_done=progress, pool=pool)
    total = len(sweep.settings()) * len(sweep.seeds)
    if stop() or len(table) < total or any(r["status"] != "complete" for r in table):
        done = sum(r["status"] == "complete" for r in table)
        print(f"stackga: interrupted: {done} of {total} runs finished and saved in {out}/; "
              f"finish with: stackga sweep ... --out {out} --resume", file=sys.stderr)
        return interrupt.exit_code()
    print(f"{'setting':>28} {'median':>10} {'min':>10} {'max':>10} {'gen of best':>11}")
    for st in sweep.settings():
        label = sweep.label(st)
        rows = [r for r in table if r["name"].startswith(label + "_seed")]
        v = [r["leader"] for r in rows]
        g = sorted(r["best_generation"] for r in rows)
        print(f"{label:>28} {float(np.median(v)):>10.1f} {min(v):>10.1f} {max(v):>10.1f} "
              f"{float(np.median(g)):>11g}")             # the true median (even counts averaged)
    plot_sweep(out, results)
    print(f"{len(table)} runs; runs.csv, generations.csv, figures and run folders in {out}/")
    return 0


def cmd_tune(a) -> int:
    from ..experiments.plots import plot_tuning
    from ..experiments.tune import Tuning, tune
    case = _case(a.case)
    if a.seeds < 2 or a.jobs < 1:
        raise InputError(f"--seeds must be >= 2 and --jobs >= 1, got {a.seeds} and {a.jobs}")
    case.load(a.data)
    if a.resume and a.out is None:
        raise InputError("--resume needs --out: the folder of the tuning to continue")
    scenario = _scenario(case, a.scenario)
    base = {"generations": a.generations, "engine": a.engine}
    if not a.pop_sizes:
        base["pop_size"] = a.pop_size
    tuning = Tuning(case=a.case, game={"scenario": scenario, "variant": a.variant, "data_dir": a.data},
                    seeds=[a.seed + k for k in range(a.seeds)], trials=a.trials,
                    pop_sizes=a.pop_sizes or [], budget=a.budget if a.pop_sizes else None,
                    base=base, sampler_seed=a.sampler_seed)
    out = a.out or rundir.fresh(f"{a.case}-tune")
    live, t0, best = sys.stderr.isatty(), time.perf_counter(), [-float("inf")]

    def progress(trial):
        if live and trial.value is not None:
            best[0] = max(best[0], trial.value)
            done = trial.number + 1
            left = (time.perf_counter() - t0) / done * max(a.trials - done, 0)
            bar = "#" * int(30 * min(done, a.trials) / a.trials)
            sys.stderr.write(f"\r[{bar:<30}] trials {done}/{a.trials}  best mean {best[0]:.1f}  "
                             f"~{left:.0f} s left   ")
            sys.stderr.flush()
    try:
        with interrupt.graceful() as stop, _cluster(a) as pool:
            report = tune(tuning, case.build, out, jobs=a.jobs, resume=a.resume, on_trial=progress,
                          pool=pool)
            if stop():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        print(f"\nstackga: interrupted; finished runs are saved in {out}/; continue with: "
              f"stackga tune ... --out {out} --resume", file=sys.stderr)
        return interrupt.exit_code()
    if live:
        sys.stderr.write("\n")
    plot_tuning(out)
    best, paper, test = report.get("best"), report.get("paper"), report.get("test")
    print(f"{report['trials']} trials ({report.get('pruned_trials', 0)} stopped early by the "
          f"Wilcoxon pruner), {len(tuning.seeds)} seeds each")
    for name, r in (("best", best), ("paper", paper)):
        if r:
            vals = ", ".join(f"{v:.1f}" for v in r["values"])
            print(f"{name:>6}: {r['params']}  mean {r['mean']:.1f}  per seed: {vals}")
    if test:
        print(f"best vs paper: p = {test['p_value']:.3g} ({test['note']}); "
              f"{'significant' if test['significant'] else 'not significant'} at 0.05")
    print(f"study (journal), runs, report.json and figures in {out}/")
    return 0


def cmd_plot(a) -> int:
    from ..experiments.plots import plot_folder
    for p in plot_folder(a.dir):
        print(p)
    return 0
