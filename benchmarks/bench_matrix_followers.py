"""Matrix followers (games from matrices, CVXPY followers): the compiled simplex that
answers an LP follower's unique optima (stackga/followers/kernels/lp_simplex.py) against
every row solved by HiGHS from the same fixed basis (``stackga.bilevel.response.FAST =
False``), in the same run: the seconds per LP row in the follower layer and a whole GA
run of the retailer game with 20 prosumers, each its own LP follower of 72 variables (pop
100 x 300 by default), written from matrices and with CVXPY followers; the HiGHS way on
its first ``--baseline-generations`` (its time per LP row is the ratio's base); one run
each.

    python benchmarks/bench_matrix_followers.py [--generations 300] [--pop-size 100]
                                                [--baseline-generations 20] [--prosumers 20]
                                                [--only matrices,cvxpy]

Per game and way: GA seconds, the follower layer's seconds, LP rows answered (by the
simplex / by HiGHS), microseconds per LP row (the LP followers' time over their rows), the
leader's final value (the same either way up to the solvers' tolerances: the simplex
answers only rows whose optimum is unique). Each configuration first runs a 2-generation
warm-up (kernels compiled or loaded), outside the timings.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from machine import machine  # noqa: E402

import stackga  # noqa: E402
from stackga.bilevel import response, to_game  # noqa: E402
from stackga.bilevel.problems.pricing import retailer  # noqa: E402


def games(n: int = 20) -> dict:
    out = {"matrices": lambda: to_game(retailer(n, n, seed=0))}
    try:
        import cvxpy  # noqa: F401

        from stackga.bilevel.problems.retailer_cvxpy import retailer_cvxpy
        out["cvxpy"] = lambda: retailer_cvxpy(n, n, seed=0)
    except ImportError:
        pass
    return out


class Clock:
    """Adds up MatrixFollower.respond's seconds and rows for LP followers."""

    def __init__(self):
        self.seconds, self.rows, self.fast = 0.0, 0, 0
        self._orig = response.MatrixFollower.respond

    def __enter__(self):
        clock, orig = self, self._orig

        def respond(mf, X, starts=None):
            lp = not (np.any(mf.f.Q) or np.any(mf.f.integer))
            t0, before = time.perf_counter(), mf.stats["fast"]
            out = orig(mf, X, starts)
            if lp:
                clock.seconds += time.perf_counter() - t0
                clock.rows += len(np.atleast_2d(X))
                clock.fast += mf.stats["fast"] - before
            return out
        response.MatrixFollower.respond = respond
        return self

    def __exit__(self, *exc):
        response.MatrixFollower.respond = self._orig


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--baseline-generations", type=int, default=20)
    ap.add_argument("--prosumers", type=int, default=20)
    ap.add_argument("--only", default="")
    a = ap.parse_args(argv)
    print(f"matrix followers: retailer ({a.prosumers} prosumers, each an LP follower; a customer (QP), an EV "
          f"hub), pop {a.pop_size}, {a.generations} generations (HiGHS: {a.baseline_generations}), "
          f"seed 1; {machine()}\n")
    print("| game | LP rows by | GA s | LP follower s | rows by simplex / HiGHS | us per LP row | leader |")
    print("|---|---|---:|---:|---:|---:|---:|")
    only = [s for s in a.only.split(",") if s]
    for name, build in games(a.prosumers).items():
        if only and name not in only:
            continue
        per = {}
        for fast in (True, False):
            response.FAST = fast
            try:
                stackga.solve(build(), stackga.GAConfig(pop_size=10, generations=2, seed=1), improve=False)
                g = build()
                with Clock() as c:
                    t0 = time.perf_counter()
                    gens = a.generations if fast else min(a.baseline_generations, a.generations)
                    res = stackga.solve(g, stackga.GAConfig(pop_size=a.pop_size, generations=gens,
                                                            seed=1), improve=False)
                    total = time.perf_counter() - t0
            finally:
                response.FAST = True
            us = 1e6 * c.seconds / max(c.rows, 1)
            per[fast] = us
            way = "simplex, then HiGHS" if fast else f"HiGHS ({gens} generations)"
            print(f"| {name} | {way} | {total:.1f} | {c.seconds:.1f} | {c.fast} / {c.rows - c.fast} | "
                  f"{us:.0f} | {res.leader:.6f} |", flush=True)
        print(f"\n{name}: HiGHS / simplex per LP row = {per[False] / per[True]:.2f}x\n")


if __name__ == "__main__":
    main()
