"""Speed of a full v2g GA run (pop 100, 300 generations), one run each:

  stackga (plan mode, tariff mode)  the batched agent (exact storage recursion) and the
                                    exact batched dispatch (hourly closed form + dual
                                    active set)
  HiGHS per individual              the baseline a user would write: per individual, the
                                    agent's LP and the dispatch QP built and solved by
                                    HiGHS (tests/oracle_v2g.py); timed on the first
                                    ``--baseline-generations`` generations of the same run
                                    and scaled per evaluation (``--full-baseline``: all)
  stub                              agent and dispatch replaced by a zero-cost stub (the
                                    GA's own floor)

    python benchmarks/bench_v2g.py [--generations 300] [--baseline-generations 10]

Prints a markdown table (seconds, seconds per evaluation, ratios) and where the
dispatch's answers came from. Each configuration first runs a 2-generation warm-up
(imports, compiled kernels loaded), outside the timings.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from machine import machine, timed  # noqa: E402
from oracle_v2g import agent_lp, dispatch_qp  # noqa: E402
from scipy_baseline import ZeroStub  # noqa: E402
from stackga.cases import v2g  # noqa: E402
from stackga.followers import Response  # noqa: E402
from stackga.followers.response import Status  # noqa: E402

import stackga  # noqa: E402
from stackga.game import LeaderOutcome  # noqa: E402


class HighsAgent:
    """The agent's LP per individual, HiGHS (a model built per call)."""

    def __init__(self, agent):
        self.a = agent

    def respond(self, M):
        a, T = self.a, self.a.T
        kc, kd, cc, cd = a.split(M)
        out = {k: np.zeros((len(M), T + (k == "energy"))) for k in ("p_ch", "p_dis", "energy")}
        obj, status = np.zeros(len(M)), np.zeros(len(M), np.int8)
        for k in range(len(M)):
            r = agent_lp(kc[k], kd[k], cc[k], cd[k], a.wear, a.e0, a.e_min, a.e_max, a.e_final,
                         a.p_ch_max, a.p_dis_max, a.eta_c, a.eta_d, a.need, a.available)
            if r is None:
                status[k] = Status.INFEASIBLE
                continue
            for key in out:
                out[key][k] = r[key]
            obj[k] = r["objective"]
        return Response(obj, status, out)


class HighsDispatch:
    """The dispatch QP per individual, HiGHS (a model built per call)."""

    def __init__(self, d):
        self.d = d
        self.p_min = d.p_min

    @property
    def qp_matrices(self):
        """The model's matrices (the reported point's tie values read them)."""
        return self.d.qp_matrices

    def solve(self, D):
        from stackga.followers.recourse.unit_dispatch import DispatchResult
        d, n = self.d, len(D)
        p, shed = np.zeros((n, d.G, d.T)), np.zeros((n, d.T))
        cost, status = np.zeros(n), np.zeros(n, np.int8)
        for k in range(n):
            r = dispatch_qp(d.a, d.b, d.c, d.p_min, d.p_max, d.ramp_up, d.ramp_down, d.shed_cost, D[k])
            if r is None:
                status[k] = Status.SOLVER_FAILED
                continue
            p[k], shed[k], cost[k] = r["p"], r["shed"], r["objective"]
        return DispatchResult(p, shed, cost - d.shed_cost * shed.sum(axis=1), cost,
                              np.zeros((n, d.T)), status)


def baseline_game(mode):
    g = v2g.build(mode, **v2g.PREVIOUS)        # the documented readings (docs/speed.md)
    g.followers = {"ev": HighsAgent(g.followers["ev"])}
    cell = g.leader.__closure__
    for c in cell:                           # swap the leader's dispatch for the baseline's
        if type(c.cell_contents).__name__ == "ThermalDispatch":
            c.cell_contents = HighsDispatch(c.cell_contents)
    return g


def stub_game(mode):
    g = v2g.build(mode, **v2g.PREVIOUS)        # the documented readings (docs/speed.md)
    g.followers = {"ev": StubAgent()}
    g.leader = lambda X, P, R: LeaderOutcome(np.zeros(len(X)), np.zeros(len(X)), {})
    g.meta["report"] = None
    g.meta["tie_views"] = None          # the stub has no dispatch to value the agent's ties
    return g


class StubAgent(ZeroStub):
    def __init__(self):
        super().__init__(["p_ch", "p_dis"])


def dispatch_of(game):
    return next(c.cell_contents for c in game.leader.__closure__
                if type(c.cell_contents).__name__ == "ThermalDispatch")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-generations", type=int, default=10)
    ap.add_argument("--full-baseline", action="store_true")
    a = ap.parse_args()
    cfg = stackga.GAConfig(pop_size=a.pop_size, generations=a.generations, seed=a.seed)
    warm = stackga.GAConfig(pop_size=10, generations=2, seed=a.seed)
    evals = a.pop_size * (a.generations + 1)
    rows, paths = {}, {}
    for mode in ("plan", "tariff"):
        timed(v2g.build(mode, **v2g.PREVIOUS), warm)
        g = v2g.build(mode, **v2g.PREVIOUS)
        rows[f"stackga, {mode} mode"] = (*timed(g, cfg), evals)
        paths[mode] = dict(dispatch_of(g).stats)
    timed(stub_game("plan"), warm)
    rows["stub (GA floor), plan mode"] = (*timed(stub_game("plan"), cfg), evals)
    gens = a.generations if a.full_baseline else a.baseline_generations
    bcfg = stackga.GAConfig(pop_size=a.pop_size, generations=gens, seed=a.seed)
    t, res = timed(baseline_game("plan"), bcfg)
    rows[f"HiGHS per individual, plan mode ({gens} generations)"] = (t, res, a.pop_size * (gens + 1))
    print(f"v2g, pop {a.pop_size}, {a.generations} generations, seed {a.seed}; {machine()}\n")
    ref = rows["stackga, plan mode"]
    per_ref = ref[0] / ref[2]
    print("| configuration | seconds | ms per evaluation | vs stackga plan (per evaluation) | total cost $ |")
    print("|---|---:|---:|---:|---:|")
    for name, (t, res, n) in rows.items():
        cost = f"{res.report['total_cost']:.1f}" if res.report.get("total_cost") is not None else "n/a"
        print(f"| {name} | {t:.1f} | {1e3 * t / n:.3f} | {t / n / per_ref:.1f}x | {cost} |")
    floor = rows["stub (GA floor), plan mode"][0]
    base = [v for k, v in rows.items() if k.startswith("HiGHS")][0]
    print(f"\nplan mode: stackga / floor = {ref[0] / floor:.2f}x; tariff mode / floor = "
          f"{rows['stackga, tariff mode'][0] / floor:.2f}x; HiGHS per individual / stackga "
          f"(per evaluation) = {base[0] / base[2] / per_ref:.0f}x")
    for mode, st in paths.items():
        print(f"dispatch answers, {mode} mode: {st}")


if __name__ == "__main__":
    main()
