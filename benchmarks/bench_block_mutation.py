"""Evidence for the GA's block mutation on v2g's plan mode: the gap of the GA's answer to
the mode's exact optimum (the plan-exact reference) over seeds, per block-mutation
probability; one run.

    python benchmarks/bench_block_mutation.py [--probs 0,0.05,0.2,0.5] [--seeds 5] [--generations 300]
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
    ap.add_argument("--probs", default="0,0.05,0.2,0.5")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=300)
    a = ap.parse_args(argv)
    # the readings of the documented measurement (docs/guide/optimum.md; issue 24)
    best = stackga.solve(v2g.build(scenario="plan-exact", **v2g.PREVIOUS)).report["total_cost"]
    print(f"v2g plan mode, exact optimum {best:.1f} $; pop 100, {a.generations} generations, "
          f"seeds 1-{a.seeds}; {machine()}")
    for p in (float(v) for v in a.probs.split(",")):
        t0, gaps = time.perf_counter(), []
        for s in range(1, a.seeds + 1):
            r = stackga.solve(v2g.build(scenario="plan", **v2g.PREVIOUS),     # the GA alone
                              stackga.GAConfig(seed=s, generations=a.generations, block_mutation=p),
                              improve=False)
            gaps.append((r.report["total_cost"] - best) / best)
        print(f"block_mutation {p:g}: gap median {100 * np.median(gaps):.3f} % "
              f"[{100 * min(gaps):.3f}, {100 * max(gaps):.3f}], {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
