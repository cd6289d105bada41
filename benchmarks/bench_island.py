"""Speed of a full island scenario-4 GA run (pop 100, 300 generations), three ways, one run:

  stackga   the batched follower layer (exact recursions, MILP fallback)
  stackga, battery binaries relaxed: the same with the battery's LP relaxation
  scipy     the same followers solved per individual with scipy.optimize (baseline)
  stub      followers replaced by a zero-cost stub (the GA's own floor)

    python benchmarks/bench_island.py [--generations 300] [--pop-size 100] [--skip-baseline]

Prints a markdown table with seconds, ratios and the final leader objective. Every
configuration first runs a 2-generation warm-up (imports, compiled kernels loaded),
outside the timings; the one-off compile of the kernels in a fresh install is timed
separately, in a subprocess with an empty numba cache.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from machine import machine, timed  # noqa: E402
from scipy_baseline import ScipyStorageOperator, ScipyUsers, ZeroStub  # noqa: E402
from stackga.cases import island  # noqa: E402

import stackga  # noqa: E402


def compile_seconds() -> float:
    """Seconds for a fresh process to compile every kernel (empty numba cache)."""
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from stackga.followers.warmup import warm_up; "
                        "warm_up()"], check=True, env={**os.environ, "NUMBA_CACHE_DIR": cache})
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-compile", action="store_true",
                    help="do not time the one-off compile in a fresh process (about 50 s)")
    a = ap.parse_args()
    cfg = stackga.GAConfig(pop_size=a.pop_size, generations=a.generations, seed=a.seed)
    warm = stackga.GAConfig(pop_size=10, generations=2, seed=a.seed)
    games = {"stackga": lambda: island.build(scenario=4),
             "stackga, battery binaries relaxed (LP)":
                 lambda: island.build(scenario=4, integer_battery=False),
             "stub (GA floor)": stub_game}
    if not a.skip_baseline:
        games["scipy per individual"] = baseline_game
    rows, stats = {}, {}
    for name, make in games.items():
        timed(make(), warm)
        g = make()
        rows[name] = timed(g, cfg)
        if name == "stackga":
            stats = dict(g.followers["so"].battery.stats)
    t_s = rows["stackga"][0]
    print(f"island scenario 4, pop {a.pop_size}, {a.generations} generations, seed {a.seed}; "
          f"{machine()}\n")
    print("| follower layer | seconds | vs stackga | leader objective |")
    print("|---|---:|---:|---:|")
    for name, (t, res) in rows.items():
        leader = f"{res.leader:.1f}" if name != "stub (GA floor)" else "n/a"
        print(f"| {name} | {t:.1f} | {t / t_s:.2f}x | {leader} |")
    floor = rows["stub (GA floor)"][0]
    print(f"\nstackga / floor = {t_s / floor:.2f}x, LP-relaxed / floor = "
          f"{rows['stackga, battery binaries relaxed (LP)'][0] / floor:.2f}x")
    print(f"active-hour limit binding: {stats['bnb_solves']} branch-and-bound solves "
          f"({stats['bnb_nodes']} nodes), {stats['milp_solves']} HiGHS MILP fallbacks")
    if not a.skip_compile:
        print(f"one-off compile of the kernels in a fresh install: {compile_seconds():.1f} s")


def stub_game():
    g = island.build(scenario=4)
    g.followers = {"users": ZeroStub(["load"]), "so": ZeroStub(["bt_ch", "bt_dis", "p_virtual"])}
    g.meta["report"] = None
    return g


def baseline_game():
    g = island.build(scenario=4)
    g.followers = {"users": ScipyUsers(g.followers["users"]),
                   "so": ScipyStorageOperator(g.followers["so"])}
    return g


if __name__ == "__main__":
    main()
