"""The published bilevel problems of ``stackga/bilevel/problems/published.py``: the GA with the improvement step
(default settings: pop 100, 100 generations, seeds 1-3) against the reported optimum,
and the exact references (HiGHS big-M for linear leaders, SCIP SOS1 for all), one run.

    python benchmarks/bench_bilevel.py [--seeds 3] [--generations 100] [--only NAME,...]

Prints one line per problem (reached within max(1e-3, 1e-3 |F*|) for how many seeds,
the best gap, GA seconds, exact seconds) and a summary: the share reached, and median
seconds per problem for the GA and for each exact method.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from machine import machine  # noqa: E402

import stackga  # noqa: E402
from stackga.bilevel import solve_bilevel, solve_exact  # noqa: E402
from stackga.bilevel.problems.published import PROBLEMS  # noqa: E402


def reached(F, F_star) -> bool:
    return F is not None and abs(F - F_star) <= max(1e-3, 1e-3 * abs(F_star))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--generations", type=int, default=100)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    probs = [p for p in PROBLEMS if only is None or p["name"] in only]
    print(f"{len(probs)} problems, pop {a.pop_size}, {a.generations} generations, seeds "
          f"1-{a.seeds}; {machine()}\n")
    print(f"{'problem':28} {'class':6} {'F*':>12} {'reached':>8} {'worst gap':>10} {'GA s':>6} "
          f"{'bigm s':>7} {'sos1 s':>7} {'exact F':>12}")
    hits, runs, t_ga, t_bigm, t_sos1, misses = 0, 0, [], [], [], []
    for p in probs:
        F_star, k, worst, secs = p["F"], 0, 0.0, []
        for s in range(1, a.seeds + 1):
            t0 = time.perf_counter()
            r = solve_bilevel(p["build"](), stackga.GAConfig(pop_size=a.pop_size,
                                                            generations=a.generations, seed=s))
            secs.append(time.perf_counter() - t0)
            ok = reached(r.F, F_star)
            k += ok
            gap = abs(r.F - F_star) if r.F is not None else np.inf
            worst = max(worst, gap)
            if not ok:
                misses.append((p["name"], s, r.F, r.how))
        hits, runs = hits + k, runs + a.seeds
        t_ga.append(np.median(secs))
        bl = p["build"]()
        tb = np.nan
        if bl.is_linear_leader:
            eb = solve_exact(bl, "bigm")
            tb = eb.seconds
            t_bigm.append(tb)
        es = solve_exact(p["build"](), "sos1")
        t_sos1.append(es.seconds)
        print(f"{p['name']:28} {p['cls']:6} {F_star:>12.6g} {k:>5}/{a.seeds} {worst:>10.2e} "
              f"{t_ga[-1]:>6.2f} {tb:>7.3f} {es.seconds:>7.3f} {es.F if es.F is not None else float('nan'):>12.6g}")
    print(f"\nGA with the improvement step reached the optimum in {hits} of {runs} runs "
          f"({100 * hits / max(runs, 1):.1f} %); median seconds per problem: GA {np.median(t_ga):.2f} "
          f"(per seed), HiGHS big-M {np.median(t_bigm) if t_bigm else float('nan'):.3f} "
          f"({len(t_bigm)} linear leaders), SCIP SOS1 {np.median(t_sos1):.3f}")
    for m in misses:
        print(f"  missed: {m[0]} seed {m[1]}: F = {m[2]} ({m[3]})")


if __name__ == "__main__":
    main()
