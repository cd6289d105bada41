"""Speed of experiments at scale, one run of each, on this machine:

  sweep   island scenario 4, a 4 x 3 grid (crossover 0.6, 0.8, 0.89, 0.95 x mutation
          0.01, 0.076, 0.2) x 10 seeds = 120 runs, on one process and on the local pool
          (one process per core); the two tables must be equal
  tune    a 50-trial x 5-seed tuning on the local pool

    python benchmarks/bench_experiments.py [--generations 300] [--pop-size 100]
           [--seeds 10] [--trials 50] [--tune-seeds 5] [--skip-serial] [--only sweep|tune]

Prints wall times, the pool's speed-up against one process (target: near-linear in
cores) and the tuning's wall time (target: under 10 minutes on 2 cores).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import stackga.cases.island as island  # noqa: E402
from machine import cpu  # noqa: E402

from stackga.experiments import Sweep, run_sweep  # noqa: E402
from stackga.experiments.tune import Tuning, tune  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--tune-seeds", type=int, default=5)
    ap.add_argument("--skip-serial", action="store_true")
    ap.add_argument("--only", choices=("sweep", "tune"), default=None)
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    base = {"generations": a.generations, "pop_size": a.pop_size}
    sweep = Sweep(case="island", game={"scenario": 4}, seeds=list(range(1, a.seeds + 1)),
                  grid={"crossover_prob": [0.6, 0.8, 0.89, 0.95], "mutation_prob": [0.01, 0.076, 0.2],
                        "pop_size": [a.pop_size]},
                  base={"generations": a.generations})
    print(f"{cpu()}, {cores} cores, Python {platform.python_version()}; island scenario 4, "
          f"pop {a.pop_size}, {a.generations} generations\n")
    with tempfile.TemporaryDirectory() as tmp:
        times, tables = {}, {}
        plan = ((("one process", 1),) if not a.skip_serial else ()) + ((f"local pool ({cores})", cores),)
        for label, jobs in plan if a.only != "tune" else ():
            t0 = time.perf_counter()
            tables[label], _ = run_sweep(sweep, island.build, f"{tmp}/{jobs}", jobs=jobs)
            times[label] = time.perf_counter() - t0
        n = len(sweep.settings()) * len(sweep.seeds)
        if times:
            print(f"sweep: 4 x 3 grid x {a.seeds} seeds = {n} runs")
        for label, t in times.items():
            print(f"  {label:>20}: {t:7.1f} s  ({t / n:.2f} s per run)")
        if len(times) == 2:
            one, pool = times["one process"], times[f"local pool ({cores})"]
            same = [r["leader"] for r in tables["one process"]] == [r["leader"] for r in tables[f"local pool ({cores})"]]
            print(f"  speed-up {one / pool:.2f}x on {cores} cores; tables equal: {same}")
        if a.only == "sweep":
            return
        tuning = Tuning(case="island", game={"scenario": 4}, seeds=list(range(1, a.tune_seeds + 1)),
                        trials=a.trials, base=base)
        t0 = time.perf_counter()
        report = tune(tuning, island.build, f"{tmp}/tune", jobs=cores)
        t = time.perf_counter() - t0
        print(f"\ntune: {a.trials} trials x {a.tune_seeds} seeds on {cores} processes: {t:.1f} s "
              f"({report.get('pruned_trials', 0)} trials stopped early by the pruner)")
        print(f"  best {report['best']['params']} mean {report['best']['mean']:.1f}; paper mean "
              f"{report['paper']['mean']:.1f}; p = {report['test']['p_value']:.3g}")


if __name__ == "__main__":
    main()
