"""Command line: ``stackga run|compare|figures|data|sweep|tune <case>``, ``stackga plot|resume DIR``
(also ``python -m stackga``).

Exit codes: 0 done; 1 a follower or the leader broke its contract, or failed everywhere;
2 bad input (the message names the field and value); 3 no feasible individual (the run
is saved, and the message names the follower statuses and leader constraints that made
every individual infeasible); 130 interrupted with Ctrl-C (the best so far is saved,
marked ``interrupted`` in ``run.json``).
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from . import interrupt, rundir
from .config import GAConfig
from .contract import ContractError, FollowerError

EXIT_CONTRACT, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_INTERRUPTED = 1, 2, 3, 130


def _ga_args(p: argparse.ArgumentParser) -> None:
    d = GAConfig()
    p.add_argument("--generations", type=int, default=d.generations)
    p.add_argument("--pop-size", type=int, default=d.pop_size)
    p.add_argument("--crossover-prob", type=float, default=d.crossover_prob,
                   help="per mating pair (paper: 0.89)")
    p.add_argument("--mutation-prob", type=float, default=d.mutation_prob,
                   help="per gene (paper: 0.076)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    p.add_argument("--data", default=None, metavar="DIR",
                   help="run on the case's data files in DIR (write them with 'stackga data CASE DIR')")


def _seed_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=int, default=5,
                   help="GA seeds per scenario and variant: --seed, --seed + 1, ... (default 5)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel processes (default: the number of cores; results do not depend on it)")


def _experiment_args(p: argparse.ArgumentParser, what: str) -> None:
    """Where a sweep or tuning runs, on which game, and its folder."""
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on this Dask scheduler (default: $DASK_SCHEDULER_ADDRESS, else local processes)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel processes")
    p.add_argument("--scenario", default=None, help="the case's scenario (default: its main game)")
    p.add_argument("--variant", default="base")
    p.add_argument("--data", default=None, metavar="DIR")
    p.add_argument("--out", default=None, help=f"{what} folder (default: a new runs/CASE-{what}-DATE-TIME)")
    p.add_argument("--resume", action="store_true", help=f"finish the {what} in --out without redoing its runs")


def _out_args(p: argparse.ArgumentParser, default_help: str) -> None:
    p.add_argument("--out", default=None, help=f"output folder (default: {default_help})")
    p.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out folder")


def _config(a) -> GAConfig:
    return GAConfig(pop_size=a.pop_size, generations=a.generations,
                    crossover_prob=a.crossover_prob, mutation_prob=a.mutation_prob,
                    seed=a.seed, engine=a.engine)


class Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, label: str = "") -> None:
        self.total, self.label = total, label
        self.live = sys.stderr.isatty()
        self.open = False

    def __call__(self, row: dict) -> None:
        if self.live:
            done = int(30 * row["gen"] / self.total)
            sys.stderr.write(f"\r{self.label} [{'#' * done}{'.' * (30 - done)}] "
                             f"gen {row['gen']}/{self.total}  best {row['best']:.1f}   ")
            self.open = row["gen"] != self.total
            if not self.open:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            self.open = False


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
        return EXIT_INTERRUPTED
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
    raise ValueError(f"unknown scenario {text!r} for this case; choose one of "
                     f"{', '.join(map(str, case.SCENARIOS))}")


def cmd_run(a) -> int:
    case = _case(a.case)
    if a.mode is not None and a.scenario is not None and a.mode != a.scenario:
        raise ValueError(f"--mode {a.mode} and --scenario {a.scenario} disagree; give one")
    scenario = _scenario(case, a.mode if a.mode is not None else a.scenario)
    cfg = _config(a)
    if a.checkpoint_every is not None and a.checkpoint_every < 1:
        raise ValueError(f"--checkpoint-every must be >= 1 generation, got {a.checkpoint_every}")
    game_args = {"scenario": scenario, "variant": a.variant, "data_dir": a.data}
    if a.lp_battery:
        if "integer_battery" not in inspect.signature(case.build).parameters:
            raise ValueError(f"--lp-battery: the {a.case} case has no battery binaries")
        game_args["integer_battery"] = False
    with _output(a, f"{a.case}-s{scenario}-{a.variant}") as out:
        ckpt = None
        if a.checkpoint_every:
            ckpt = _start_checkpoint(out, a.case, game_args, cfg, a.checkpoint_every)
        return _solve_and_save(case, game_args, cfg, out, ckpt, a.overwrite or ckpt is not None)


CHECKPOINT_DIR = ".checkpoint"


def _start_checkpoint(out: Path, case: str, game_args: dict, cfg: GAConfig, every: int):
    """Checkpoints go into OUT/.checkpoint (with what is needed to rebuild the run), and
    OUT is marked as stackga's so that the finished run replaces it whole."""
    from .checkpoint import Checkpoint
    folder = out / CHECKPOINT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (out / rundir.MARKER).write_text("a run in progress (stackga resume can continue it)\n")
    spec = {"case": case, "game": game_args, "config": cfg.to_dict(), "every": every}
    (folder / "spec.json").write_text(json.dumps(spec, indent=2))
    ckpt = Checkpoint(folder, every)
    ckpt.clear()                                   # a new run never continues an old one
    return ckpt


def _solve_and_save(case, game_args: dict, cfg: GAConfig, out: Path, ckpt, overwrite: bool) -> int:
    import stackga
    scenario = game_args["scenario"]
    progress = Progress(cfg.generations, f"scenario {scenario}")
    try:
        game = case.build(**game_args)
        res = stackga.solve(game, cfg, on_generation=progress, checkpoint=ckpt)
    finally:
        progress.close()
    if res.status == "interrupted" and ckpt is not None:
        print(f"stackga: interrupted at generation {len(res.log['gen'])} of {cfg.generations}; "
              f"continue with: stackga resume {out}", file=sys.stderr)
        return EXIT_INTERRUPTED
    with rundir.staged(out, overwrite=overwrite) as tmp:
        res.write_files(tmp)
        if res.report["feasible"]:
            case.write_figures({scenario: res}, tmp)
    code = _stopped(res, cfg.generations, out)
    if code is not None:
        return code
    print(case.summarize(res))
    certs = res.report.get("certificates", {})
    if certs:
        print("follower certificates (independent re-solve): " + "; ".join(
            f"{f}: {'optimal' if c.get('optimal') else 'NOT optimal'}, gap {c.get('duality_gap', float('nan')):.1e}"
            + (", ties" if c.get("ties") else "") + _tie_note(c) for f, c in certs.items()))
    odd = {f: c for f, c in res.statuses.items() if set(c) - {"OPTIMAL"}}
    if odd:
        print(f"follower statuses over the run (individuals marked infeasible): {odd}")
    for f, m in res.messages.items():
        print(f"follower {f!r} raised for some individuals; first message: {m}")
    print(f"{res.seconds:.1f} s; results and figures in {out}/")
    return 0


def _tie_note(cert: dict) -> str:
    """The leader's values over the ties of a certificate's parts, where computed."""
    notes = []
    for name, c in [("", cert), *cert.get("parts", {}).items()]:
        if "F_optimistic" not in c:
            continue
        who = f"{name}: " if name else ""
        if c.get("leader_indifferent"):
            notes.append(who + "the leader's value is the same over them")
        elif "F_pessimistic" in c:
            notes.append(who + f"leader's value {c['F_pessimistic']:.6g} (pessimistic) to "
                         f"{c['F_optimistic']:.6g} (optimistic)")
        else:
            worst = (f"; pessimistic at most {c['F_pessimistic_at_most']:.6g} (a tie-break "
                     f"found, not a proven worst)" if "F_pessimistic_at_most" in c else
                     "; pessimistic: a tie-break leaves the leader's recourse infeasible"
                     if c.get("F_pessimistic_infeasible") else "")
            notes.append(who + f"leader's value up to {c['F_optimistic']:.6g} (optimistic)" + worst)
    return f" ({'; '.join(notes)})" if notes else ""


def cmd_resume(a) -> int:
    """Continue a run started with --checkpoint-every from its last checkpoint."""
    from .checkpoint import Checkpoint
    out = Path(a.dir).resolve()
    spec_path = out / CHECKPOINT_DIR / "spec.json"
    if (out / "run.json").exists() and not spec_path.exists():
        raise ValueError(f"{out}: the run is complete (run.json); nothing to resume")
    if not spec_path.exists():
        raise ValueError(f"{out}: no checkpoint ({spec_path} not found); start runs with "
                         f"--checkpoint-every K to be able to resume them")
    spec = json.loads(spec_path.read_text())
    ckpt = Checkpoint(out / CHECKPOINT_DIR, spec["every"])
    state = ckpt.load()
    start = state["gen"] if state else 0
    print(f"resuming {out} from generation {start}", file=sys.stderr)
    return _solve_and_save(_case(spec["case"]), spec["game"], GAConfig(**spec["config"]), out,
                           ckpt, True)


def cmd_compare(a) -> int:
    case = _case(a.case)
    cfg = _config(a)
    _check_counts(a)
    case.load(a.data)                              # bad data stops here, before any run
    t0 = time.perf_counter()
    live = sys.stderr.isatty()
    with _output(a, f"{a.case}-compare") as out:
        with interrupt.graceful() as stop:
            text, results = case.compare(cfg, data_dir=a.data, seeds=a.seeds, jobs=a.jobs,
                                         on_run=lambda s: print(f"done: {s}", file=sys.stderr)
                                         if live else None)
        bad = [name for name, r in results.items() if r.infeasibility]
        with rundir.staged(out, overwrite=a.overwrite) as tmp:
            for name, r in results.items():
                (tmp / name).mkdir()
                r.write_files(tmp / name)
            (tmp / "summary.txt").write_text(text + "\n")
            if not (stop() or bad):
                case.write_compare_figures(results, tmp, seeds=a.seeds, first_seed=a.seed)
    if stop():
        print(f"stackga: {text}; they are saved in {out}/", file=sys.stderr)
        return EXIT_INTERRUPTED
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
    # a figures folder is refreshed in place: figures/ for the island case, figures/CASE otherwise
    out = rundir.check_writable(a.out or ("figures" if a.case == "island" else f"figures/{a.case}"))
    with interrupt.graceful() as stop:
        text, results = case.compare(cfg, data_dir=a.data, seeds=a.seeds, jobs=a.jobs)
    bad = [r for r in results.values() if r.infeasibility or r.status != "complete"]
    if stop() or bad:
        code = _stopped(bad[0], cfg.generations, None) if bad else EXIT_INTERRUPTED
        print(f"stackga: no figures written ({text.splitlines()[0]})", file=sys.stderr)
        return code or EXIT_INTERRUPTED
    for p in case.write_compare_figures(results, out, seeds=a.seeds, first_seed=a.seed):
        print(p)
    return 0


def _check_counts(a) -> None:
    for name in ("seeds", "jobs"):
        if getattr(a, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(a, name)}")


def _list(kind):
    """argparse type: a comma-separated list of numbers, e.g. ``0.6,0.8,0.89``."""
    def parse(text: str):
        try:
            return [kind(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of "
                                             f"{kind.__name__} values, got {text!r}") from None
    return parse


class SweepProgress:
    """One bar per sweep on a terminal: runs done, best so far, time left; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.best = total, 0, -float("inf")
        self.live, self.t0 = sys.stderr.isatty(), time.perf_counter()

    def __call__(self, spec, res) -> None:
        self.done += 1
        if res.report.get("feasible"):
            self.best = max(self.best, res.leader)
        if self.live:
            el = time.perf_counter() - self.t0
            left = el / self.done * (self.total - self.done)
            bar = "#" * int(30 * self.done / self.total)
            sys.stderr.write(f"\r[{bar:<30}] runs {self.done}/{self.total}  best {self.best:.1f}  "
                             f"~{left:.0f} s left   " + ("\n" if self.done == self.total else ""))
            sys.stderr.flush()


@contextmanager
def _cluster(a):
    """A Dask client for --scheduler (or DASK_SCHEDULER_ADDRESS), else None (local pool)."""
    address = a.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if not address:
        yield None
        return
    from .experiments.runner import dask_client
    try:
        client = dask_client(address)
    except (OSError, TimeoutError) as e:
        raise ValueError(f"--scheduler {address}: cannot connect ({e})") from None
    try:
        yield client
    finally:
        client.close()


def cmd_sweep(a) -> int:
    from .experiments import Sweep, run_sweep
    from .experiments.plots import plot_sweep
    case = _case(a.case)
    if a.seeds < 1 or a.jobs < 1:
        raise ValueError(f"--seeds and --jobs must be >= 1, got {a.seeds} and {a.jobs}")
    case.load(a.data)                              # bad data stops here, before any run
    grid = {"crossover_prob": a.crossover_prob, "mutation_prob": a.mutation_prob,
            "pop_size": a.pop_size}
    scenario = _scenario(case, a.scenario)
    sweep = Sweep(case=a.case, game={"scenario": scenario, "variant": a.variant, "data_dir": a.data},
                  grid=grid, seeds=[a.seed + k for k in range(a.seeds)],
                  base={"generations": a.generations, "engine": a.engine})
    if a.resume and a.out is None:
        raise ValueError("--resume needs --out: the folder of the sweep to finish")
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
        return EXIT_INTERRUPTED
    print(f"{'setting':>28} {'median':>10} {'min':>10} {'max':>10} {'gen of best':>11}")
    for st in sweep.settings():
        label = sweep.label(st)
        rows = [r for r in table if r["name"].startswith(label + "_seed")]
        v = [r["leader"] for r in rows]
        g = sorted(r["best_generation"] for r in rows)
        print(f"{label:>28} {sorted(v)[(len(v) - 1) // 2]:>10.1f} {min(v):>10.1f} {max(v):>10.1f} "
              f"{g[(len(g) - 1) // 2]:>11}")
    plot_sweep(out, results)
    print(f"{len(table)} runs; runs.csv, generations.csv, figures and run folders in {out}/")
    return 0


def cmd_tune(a) -> int:
    from .experiments.plots import plot_tuning
    from .experiments.tune import Tuning, tune
    case = _case(a.case)
    if a.seeds < 2 or a.jobs < 1:
        raise ValueError(f"--seeds must be >= 2 and --jobs >= 1, got {a.seeds} and {a.jobs}")
    case.load(a.data)
    if a.resume and a.out is None:
        raise ValueError("--resume needs --out: the folder of the tuning to continue")
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
        return EXIT_INTERRUPTED
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
    from .experiments.plots import plot_folder
    for p in plot_folder(a.dir):
        print(p)
    return 0


def cmd_certify(a) -> int:
    """A bilevel game from a Python file (a function ``build()`` returning a
    ``stackga.bilevel.Bilevel``): the exact reference, the GA with polish, the gap between
    them and every follower's certificate."""
    import importlib.util

    from .bilevel import Bilevel, solve_bilevel, solve_exact
    path = Path(a.file)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location("stackga_user_game", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    build = getattr(mod, "build", None)
    if not callable(build):
        raise ValueError(f"{path}: define build() returning a stackga.bilevel.Bilevel")
    game = build()
    if not isinstance(game, Bilevel):
        raise ValueError(f"{path}: build() returned {type(game).__name__}, not a Bilevel")
    ref = solve_exact(game, a.method, time_limit=a.time_limit)
    print(f"exact ({ref.method}): {ref.status}, F = {ref.F}, bound {ref.bound}, {ref.seconds:.2f} s"
          + (f", big-M audit {'passed' if ref.audit.get('validated') else 'FAILED'}"
             if ref.method == "bigm" else ""))
    if ref.x is not None:
        print(f"  x = {np.array2string(ref.x, precision=6)}, y = {np.array2string(ref.y, precision=6)}")
    if ref.status == "infimum":
        print(f"  the pessimistic value is an infimum here, not attained: at x it is {ref.F_at_x}")
    if ref.method == "bigm":                 # the dual M is an assumption: cross-check with SOS1
        try:
            other = solve_exact(game, "sos1", time_limit=a.time_limit)
            print(f"cross-check (sos1, no big-M): {other.status}, F = {other.F}")
        except ImportError:
            print("cross-check (sos1) skipped: pip install 'stackga[exact]' for SCIP")
    if a.no_ga:
        return 0
    if np.any(game.x_integer):
        print("GA skipped: it does not take integer leader variables (the exact reference does)")
        return 0
    res = solve_bilevel(game, _config(a))
    print(f"GA ({a.generations} generations, seed {a.seed}): F = {res.ga_F}, after the exact "
          f"polish F = {res.F} ({res.how})")
    if res.F is not None and ref.F is not None:
        print(f"  gap to the exact optimum: {abs(res.F - ref.F):.3e} "
              f"({abs(res.F - ref.F) / max(abs(ref.F), 1e-12):.2e} relative)")
    for k, c in enumerate(res.certificates):
        keys = ("optimal", "primal_violation", "dual_violation", "duality_gap", "ties",
                "F_optimistic", "F_pessimistic")
        print(f"  follower {k}: " + ", ".join(f"{k2} {c[k2]:.3g}" if isinstance(c[k2], float)
                                             else f"{k2} {c[k2]}" for k2 in keys if k2 in c))
    return 0


def cmd_data(a) -> int:
    """Write the case's data files to a folder, to edit and run with --data."""
    from .data import export
    case = _case(a.case)
    for p in export(case.DATA_DIR, [s.file for s in case.DATA_SCHEMAS], a.dir, a.overwrite):
        print(p)
    print(f"edit them, then: stackga run {a.case} --data {a.dir}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="stackga", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="solve one scenario, print its table, write results and figures")
    r.add_argument("case")
    r.add_argument("--scenario", default=None,
                   help="the case's scenario (island: 1-4, default 4; v2g: plan, tariff, single, "
                        "charge-only, none, default plan)")
    r.add_argument("--mode", choices=("plan", "tariff"), default=None,
                   help="v2g: the leader sets the hourly V2G plan (the paper's mode) or hourly "
                        "tariffs (same as --scenario)")
    r.add_argument("--variant", default="base",
                   help="island: base, wind-0.8, wind-1.2, load-0.8, load-1.2 or battery-2mw")
    r.add_argument("--lp-battery", action="store_true",
                   help="island: relax the battery's binaries (LP relaxation)")
    _out_args(r, "a new folder runs/CASE-sS-VARIANT-DATE-TIME")
    _ga_args(r)
    r.add_argument("--checkpoint-every", type=int, default=None, metavar="K",
                   help="write a checkpoint every K generations (then 'stackga resume OUT' "
                        "continues a killed run to exactly the uninterrupted result)")
    c = sub.add_parser("compare", help="every scenario (and variant) over several seeds vs the paper")
    c.add_argument("case")
    _out_args(c, "a new folder runs/CASE-compare-DATE-TIME")
    _ga_args(c)
    _seed_args(c)
    f = sub.add_parser("figures", help="regenerate the README figures (compare's figures, no tables)")
    f.add_argument("case")
    _ga_args(f)
    _seed_args(f)
    f.add_argument("--out", default=None,
                   help="folder for the figures (default: figures for island, figures/CASE otherwise)")
    d = sub.add_parser("data", help="write the case's data files to DIR (to edit, then run with --data DIR)")
    d.add_argument("case")
    d.add_argument("dir")
    d.add_argument("--overwrite", action="store_true", help="replace the files if DIR already has them")
    w = sub.add_parser("sweep", help="GA settings x seeds, in parallel: tidy tables, figures, run folders")
    w.add_argument("case")
    d = GAConfig()
    w.add_argument("--crossover-prob", type=_list(float), default=[d.crossover_prob],
                   help="comma-separated values (per mating pair; paper 0.89)")
    w.add_argument("--mutation-prob", type=_list(float), default=[d.mutation_prob],
                   help="comma-separated values (per gene; paper 0.076)")
    w.add_argument("--pop-size", type=_list(int), default=[d.pop_size], help="comma-separated values")
    w.add_argument("--generations", type=int, default=d.generations)
    w.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    w.add_argument("--seed", type=int, default=d.seed, help="first seed (default 1)")
    w.add_argument("--seeds", type=int, default=10, help="seeds per setting (default 10)")
    _experiment_args(w, "sweep")
    t = sub.add_parser("tune", help="tune crossover and mutation (optuna TPE, Wilcoxon pruning over seeds)")
    t.add_argument("case")
    t.add_argument("--trials", type=int, default=50)
    t.add_argument("--seeds", type=int, default=5, help="seeds per trial (default 5)")
    t.add_argument("--seed", type=int, default=d.seed, help="first seed (default 1)")
    t.add_argument("--sampler-seed", type=int, default=1, help="seed of the TPE sampler")
    t.add_argument("--generations", type=int, default=d.generations)
    t.add_argument("--pop-size", type=int, default=d.pop_size)
    t.add_argument("--pop-sizes", type=_list(int), default=None,
                   help="also tune the population size among these, at --budget evaluations")
    t.add_argument("--budget", type=int, default=d.pop_size * d.generations,
                   help="evaluations per run when tuning the population size (default 30000)")
    t.add_argument("--engine", choices=("pymoo", "deap"), default=d.engine)
    _experiment_args(t, "tune")
    ce = sub.add_parser("certify", help="a bilevel game from FILE.py (build() -> Bilevel): exact "
                                        "reference, GA with polish, gap, certificates")
    ce.add_argument("file")
    ce.add_argument("--method", choices=("bigm", "sos1", "cuts"), default=None,
                    help="exact method (default: cuts with integer followers, else bigm where "
                         "the system is linear, sos1 otherwise)")
    ce.add_argument("--time-limit", type=float, default=60.0, help="seconds for the exact solve")
    ce.add_argument("--no-ga", action="store_true", help="only the exact reference")
    _ga_args(ce)
    rs = sub.add_parser("resume", help="continue a killed run (started with --checkpoint-every)")
    rs.add_argument("dir")
    pl = sub.add_parser("plot", help="regenerate the figures of a sweep, tuning or run folder")
    pl.add_argument("dir")
    a = ap.parse_args(argv)
    import matplotlib                  # the CLI writes figures to files: no window, ever
    matplotlib.use("Agg")
    commands = {"run": cmd_run, "compare": cmd_compare, "figures": cmd_figures, "data": cmd_data,
                "sweep": cmd_sweep, "tune": cmd_tune, "plot": cmd_plot, "resume": cmd_resume,
                "certify": cmd_certify}
    try:
        return commands[a.command](a)
    except ValueError as e:
        print(f"stackga: error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except (ContractError, FollowerError) as e:
        print(f"stackga: error: {e}", file=sys.stderr)
        return EXIT_CONTRACT
    except OSError as e:
        print(f"stackga: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("stackga: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
