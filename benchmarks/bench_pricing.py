"""Pricing games whose optima sit on the followers' ties (stackga/bilevel/problems/pricing.py,
and the island paper's scenario 3 with an LP battery stated from matrices):
the GA alone, the GA with the improvement step, and the exact reference, with the gap of
each to the best proven bound, over several seeds; one run.

    python benchmarks/bench_pricing.py [--seeds 5] [--generations 300] [--pop-size 100]
                                       [--exact-limit 600] [--only NAME,...] [--quick]
                                       [--improve-every K]

Per game: the exact reference (dual form: big-M in HiGHS for LP followers, SCIP
otherwise; its status, value, bound and seconds); then per seed the GA's best (the
paper's procedure, default budget) and the value after the improvement step. The gap
of a value F (the leader maximises) is (bound - F) / |bound|, the bound being the exact
reference's (its optimum when it closed). Printed: median and worst gap over seeds for
the GA alone and with the step, the step's statuses and the median seconds of each part.
``retailer_api_*``: the retailer written with the Game API (library followers, a leader
function, its matrix form stated for the step; ``_own``: the followers' own tie rule
instead of the default optimistic selection).
``--improve-every K``: the GA also steps from its best every K generations
(``GAConfig.improve_every``); its column then includes those steps.
``--quick``: one small game, one seed, 5 generations of 10 (a smoke run: tests run it).
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
from stackga.bilevel import improve, solve_exact, to_game  # noqa: E402
from stackga.bilevel.problems.pricing import retailer, tolls  # noqa: E402
from stackga.bilevel.problems.retailer_game import retailer_game  # noqa: E402

GAMES = {
    "tolls_3x4_a": lambda: tolls(3, 4, 8, 2, seed=0),
    "tolls_3x4_b": lambda: tolls(3, 4, 8, 2, seed=1),
    "tolls_3x4_c": lambda: tolls(3, 4, 8, 2, seed=2),
    "tolls_4x5": lambda: tolls(4, 5, 12, 3, seed=0),
    "retailer_n6": lambda: retailer(6, 2, seed=0),
    "retailer_n20": lambda: retailer(20, 3, seed=0),
    "island_s3_lp": lambda: _island_s3(),
    "retailer_api_n20": lambda: retailer(20, 3, seed=0),
    "retailer_api_n20_own": lambda: retailer(20, 3, seed=0),
    "retailer_cvxpy_n20": lambda: retailer(20, 3, seed=0),
}
#: the retailer written with the Game API (library followers, a leader function, its
#: matrix form stated for the step): optimistic selection (the default) and the own rule
API_GAMES = {
    "island_s3_lp": lambda: _island_s3_game(),
    "retailer_api_n20": lambda: retailer_game(20, 3, seed=0),
    "retailer_api_n20_own": lambda: retailer_game(20, 3, seed=0, selection="own"),
    "retailer_cvxpy_n20": lambda: _retailer_cvxpy(),
}


def _retailer_cvxpy():
    """The retailer with its followers written as CVXPY problems (the cvxpy extra)."""
    from stackga.bilevel.problems.retailer_cvxpy import retailer_cvxpy
    return retailer_cvxpy(20, 3, seed=0)


def _island_s3():
    """The island paper's scenario 3 with the battery's LP relaxation, from matrices (its
    prices, grid import and export as the leader's vector; optimistic ties): the exact
    reference's statement."""
    from stackga.cases.island.certify import scenario3_bilevel
    return scenario3_bilevel()


def _island_s3_game():
    """The same game as the case builds it (the GA over the 24 prices, the grid settled
    from the followers' answers, the matrix form above stated for the step): what a user
    runs. (The matrix form itself as a GA game, with the grid's import and export as 48
    more genes, ends about 25 % below the optimum and its step's candidates break the
    coupling rows the followers' selection cannot see.)"""
    from stackga.cases.island.case import build
    return build(scenario=3, integer_battery=False, selection="optimistic")
QUICK = ("tolls_3x4_b",)


def gap(F, bound, sense: str = "max") -> float:
    """How far F is from the bound, relative, in the direction the leader wants (>= 0)."""
    if F is None or bound is None:
        return np.inf
    return (bound - F if sense == "max" else F - bound) / max(abs(bound), 1e-12)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--exact-limit", type=float, default=600.0)
    ap.add_argument("--improve-limit", type=float, default=60.0)
    ap.add_argument("--only", default=None)
    ap.add_argument("--improve-every", type=int, default=0, metavar="K",
                    help="GAConfig.improve_every: the step from the best every K generations "
                         "during the run (default 0: the GA alone, then the step)")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.quick:
        a.seeds, a.generations, a.pop_size, a.exact_limit = 1, 5, 10, 60.0
    names = a.only.split(",") if a.only else (QUICK if a.quick else list(GAMES))
    unknown = [n for n in names if n not in GAMES]
    if unknown:
        raise SystemExit(f"unknown game(s) {unknown}; choose from {list(GAMES)}")
    print(f"pricing games: pop {a.pop_size}, {a.generations} generations, seeds 1-{a.seeds}, "
          f"exact limit {a.exact_limit:g} s; {machine()}\n")
    print(f"{'game':20} {'n_x':>4} {'n_y':>5} {'exact':>10} {'F*':>11} {'bound':>11} {'s':>6} | "
          f"{'GA gap med/worst %':>19} {'+step gap med/worst %':>22} {'GA s':>6} {'step s':>6}  step statuses")
    summary = []
    for name in names:
        bl = GAMES[name]()
        ex = solve_exact(bl, time_limit=a.exact_limit)
        bound = ex.bound if ex.bound is not None else ex.F
        ga, st, t_ga, t_st, statuses = [], [], [], [], []
        for s in range(1, a.seeds + 1):
            game = API_GAMES[name]() if name in API_GAMES else to_game(bl)
            game.improve.time_limit = a.improve_limit
            t0 = time.perf_counter()
            res = stackga.solve(game, stackga.GAConfig(pop_size=a.pop_size,
                                                       generations=a.generations, seed=s,
                                                       improve_every=a.improve_every),
                                improve=False)
            t_ga.append(time.perf_counter() - t0)
            F_ga = res.leader * (1.0 if bl.sense == "max" else -1.0) if res.report["feasible"] else None
            if name in API_GAMES:
                step = game.improve(res.x)
                F_step, seconds, status = step["F"], step["seconds"], step["status"]
            else:
                out = improve(bl, game, res.x, time_limit=a.improve_limit)
                F_step, seconds, status = out.F, out.seconds, out.status
            t_st.append(seconds)
            ga.append(gap(F_ga, bound, bl.sense))
            st.append(gap(F_step, bound, bl.sense))
            statuses.append(status)
        sgn = 1.0 if bl.sense == "max" else -1.0
        best_found = sgn * max([sgn * ex.F if ex.F is not None else -np.inf]
                               + [sgn * bound - g * abs(bound) for g in st])
        summary.append((name, ga, st))
        counts = {k: statuses.count(k) for k in sorted(set(statuses))}
        print(f"{name:20} {bl.n_x:>4} {bl.n_y:>5} {ex.status:>10} {ex.F if ex.F is not None else np.nan:>11.4f} "
              f"{bound if bound is not None else np.nan:>11.4f} {ex.seconds:>6.1f} | "
              f"{100 * np.median(ga):>8.3f} / {100 * max(ga):>8.3f} "
              f"{100 * np.median(st):>10.4f} / {100 * max(st):>9.4f} "
              f"{np.median(t_ga):>6.1f} {np.median(t_st):>6.2f}  {counts}"
              + ("" if ex.status == "optimal" or ex.F is None or sgn * best_found <= sgn * ex.F
                 else f"  (the step beat the reference's incumbent: best {best_found:.4f})"))
    all_ga = [g for _, ga, _ in summary for g in ga]
    all_st = [g for _, _, st in summary for g in st]
    print(f"\nover {len(all_st)} runs: GA alone median gap {100 * np.median(all_ga):.3f} %, worst "
          f"{100 * max(all_ga):.3f} %; with the improvement step median {100 * np.median(all_st):.4f} %, "
          f"worst {100 * max(all_st):.4f} % (gaps to the exact reference's bound)")


if __name__ == "__main__":
    main()
