"""v2g plan mode: the GA alone and with the relaxation step (stackga/relaxation_step.py),
gap to the single-level bound over several seeds; one run.

    python benchmarks/bench_v2g_plan_step.py [--seeds 5] [--generations 300] [--pop-size 100]

Per seed: the GA's best (the paper's procedure), the answer after the step (the
single-level optimum's plan answered by the agent itself), their gaps to the bound
(relative, the operator's cost), the step's status and seconds against the GA's.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from machine import machine  # noqa: E402
from stackga.cases import v2g  # noqa: E402

import stackga  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    a = ap.parse_args(argv)
    print(f"v2g plan mode: pop {a.pop_size}, {a.generations} generations, seeds 1-{a.seeds}; {machine()}")
    rows = []
    for seed in range(1, a.seeds + 1):
        g = v2g.build("plan", **v2g.PREVIOUS)     # the documented readings (issue 24)
        t0 = time.perf_counter()
        res = stackga.solve(g, stackga.GAConfig(pop_size=a.pop_size, generations=a.generations,
                                                seed=seed))
        total = time.perf_counter() - t0
        step = res.report["improvement"]
        bound = step["bound"]
        gap_ga = (bound - step["F_ga"]) / abs(bound)
        gap = (bound - res.leader) / abs(bound)
        rows.append((gap_ga, gap, step["seconds"], total - step["seconds"]))
        print(f"seed {seed}: GA alone gap {100 * gap_ga:.4f} %, with the step {100 * gap:.2e} %, "
              f"{step['status']}; step {step['seconds']:.4f} s, GA {total - step['seconds']:.2f} s")
    r = np.array(rows)
    print(f"\nGA alone: median gap {100 * np.median(r[:, 0]):.4f} %, worst {100 * r[:, 0].max():.4f} %; "
          f"with the step: median {100 * np.median(r[:, 1]):.2e} %, worst {100 * r[:, 1].max():.2e} %; "
          f"the step costs a median {100 * np.median(r[:, 2] / r[:, 3]):.3f} % of the GA's time")


if __name__ == "__main__":
    main()
