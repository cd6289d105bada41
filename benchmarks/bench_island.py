"""Speed of a full island scenario-4 GA run (pop 100, 300 generations), three ways, one run:

  stackga   the batched follower layer (exact recursions, MILP fallback)
  stackga, battery binaries relaxed: the same with the battery's LP relaxation
  scipy     the same followers solved per individual with scipy.optimize (baseline)
  stub      followers replaced by a zero-cost stub (the GA's own floor)

    python benchmarks/bench_island.py [--generations 300] [--pop-size 100] [--skip-baseline]

Prints a markdown table with seconds, ratios and the final leader objective.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import stackga  # noqa: E402
from cases import island  # noqa: E402
from scipy_baseline import ScipyStorageOperator, ScipyUsers, ZeroStub  # noqa: E402


def timed(game, cfg):
    t0 = time.perf_counter()
    res = stackga.solve(game, cfg)
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-baseline", action="store_true")
    a = ap.parse_args()
    cfg = stackga.GAConfig(pop_size=a.pop_size, generations=a.generations, seed=a.seed)
    rows = {}
    g = island.build(scenario=4)
    rows["stackga"] = timed(g, cfg)
    milp = g.followers["so"].battery.stats["milp_solves"]
    rows["stackga, battery binaries relaxed (LP)"] = timed(
        island.build(scenario=4, integer_battery=False), cfg)
    stub = island.build(scenario=4)
    stub.followers = {"users": ZeroStub(["load"]), "so": ZeroStub(["bt_ch", "bt_dis", "p_virtual"])}
    stub.meta["report"] = None
    rows["stub (GA floor)"] = timed(stub, cfg)
    if not a.skip_baseline:
        base = island.build(scenario=4)
        base.followers = {"users": ScipyUsers(base.followers["users"]),
                          "so": ScipyStorageOperator(base.followers["so"])}
        rows["scipy per individual"] = timed(base, cfg)
    t_s = rows["stackga"][0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if "model name" in l), "?") \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    print(f"island scenario 4, pop {a.pop_size}, {a.generations} generations, seed {a.seed}; "
          f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| follower layer | seconds | vs stackga | leader objective |")
    print("|---|---:|---:|---:|")
    for name, (t, res) in rows.items():
        leader = f"{res.leader:.1f}" if name != "stub (GA floor)" else "n/a"
        print(f"| {name} | {t:.1f} | {t / t_s:.2f}x | {leader} |")
    floor = rows["stub (GA floor)"][0]
    print(f"\nstackga: {milp} MILP fallbacks (active-hour limit binding); "
          f"stackga / floor = {t_s / floor:.2f}x, "
          f"LP-relaxed / floor = {rows['stackga, battery binaries relaxed (LP)'][0] / floor:.2f}x")


if __name__ == "__main__":
    main()
