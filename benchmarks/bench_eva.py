"""Speed of an eva GA run (default pop 100, 300 generations, the paper's rounds), one run each:

  stackga                 the clusters' exact batched kernel (followers/kernels/storage_qp.py)
                          and the EVA's dispatch (a compiled certified interior point per
                          distinct individual, followers/kernels/microgrid_ipm.py; PIQP, then HiGHS,
                          where it does not certify), on every core (the population
                          cut into blocks, each block's rounds on its own thread,
                          followers/parallel/threads.py; PIQP, which holds the GIL, on this
                          process and helper processes, followers/parallel/processes.py)
  HiGHS per cluster       the baseline a user would write: every cluster of every individual
                          in every round solved as its own HiGHS QP (tests/oracle_eva.py), the
                          dispatch as above, one thread; timed on the first
                          ``--baseline-generations`` generations of the same run and scaled
                          per evaluation
  stackga, previous       the same under the readings the case used before they became
  readings                options (``eva.PREVIOUS``: exclusive window, SOC(24) >= SOC(0)),
                          the speed reference of the paper's readings (issue 24)
  stub                    the market (clusters, dispatch, rounds) replaced by a zero-cost stub
                          (the GA's own floor)

    python benchmarks/bench_eva.py [--generations 300] [--baseline-generations 3]

Prints a markdown table (seconds, seconds per evaluation, ratios), where the follower
layer's time goes (clusters vs dispatch) and the rounds. Each configuration first runs a
2-generation warm-up (imports, compiled kernels loaded), outside the timings.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from machine import machine, timed  # noqa: E402
from oracle_eva import cluster_qp  # noqa: E402
from scipy_baseline import ZeroStub  # noqa: E402
from stackga.cases import eva  # noqa: E402
from stackga.followers.parallel.threads import n_threads  # noqa: E402
from stackga.followers.recourse import microgrid_dispatch  # noqa: E402
from stackga.followers.response import Status  # noqa: E402

import stackga  # noqa: E402
from stackga.game import LeaderOutcome  # noqa: E402


class Timed:
    """Wraps a ``solve`` (or ``respond``) method and adds up its seconds and rows (calls
    from several threads at once add up each thread's seconds)."""

    def __init__(self, obj):
        self.obj, self.seconds, self.calls = obj, 0.0, 0
        self.lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.obj, name)

    def _timed(self, method, *args):
        t0 = time.perf_counter()
        out = getattr(self.obj, method)(*args)
        with self.lock:
            self.seconds += time.perf_counter() - t0
            self.calls += len(args[0])
        return out

    def solve(self, *args):
        return self._timed("solve", *args)

    def respond(self, *args):
        return self._timed("respond", *args)


class HighsClusters:
    """Every cluster's QP on its own (HiGHS, a model per call): the plain user's layer."""

    def __init__(self, cl):
        self.cl = cl
        self.n = cl.n

    def __getattr__(self, name):                 # everything else (e.g. certificate) as EVClusters
        return getattr(self.cl, name)

    def solve(self, h_b, h_s, D, gamma):
        cl, T = self.cl, self.cl.T
        n, m = len(h_b), cl.n
        D = np.broadcast_to(D[:, None] if D.ndim == 2 else D, (n, m, T))
        gam = np.broadcast_to(np.asarray(gamma, float).reshape(-1), (n,))
        out = {k: np.zeros((n, m, T)) for k in ("p_ch", "p_dis")}
        cost, pen = np.zeros((n, m)), np.zeros((n, m))
        status = np.zeros((n, m), np.int8)
        for i in range(n):
            for j in range(m):
                hrs = cl.hours[j, :cl.length[j]]
                r = cluster_qp(h_b[i, hrs], h_s[i, hrs], D[i, j, hrs], gam[i], cl.p_ch[j], cl.p_dis[j],
                               cl.eta_c, cl.eta_d, cl.e0[j], cl.e_min[j], cl.e_max[j], cl.e_need[j])
                if r is None:
                    status[i, j] = Status.INFEASIBLE
                    continue
                out["p_ch"][i, j, hrs], out["p_dis"][i, j, hrs] = r["c"], r["d"]
                cost[i, j] = h_b[i, hrs] @ r["c"] - h_s[i, hrs] @ r["d"]
                pen[i, j] = gam[i] * np.sum((D[i, j, hrs] + r["c"] - r["d"]) ** 2)
        return {**out, "status": status, "cost": cost, "penalty": pen}


def instrumented(baseline: bool = False, readings: dict | None = None):
    """The eva game with its clusters and dispatch timed (the baseline's clusters per QP)."""
    g = eva.build(**(readings or {}))
    m = g.followers["market"]
    if baseline:
        m.threads = m.dispatch.threads = 1
        m.clusters = HighsClusters(m.clusters)
    m.clusters, m.dispatch = Timed(m.clusters), Timed(m.dispatch)
    g.followers["market"] = Timed(m)
    return g


def stub_game():
    g = eva.build()
    g.followers = {"market": ZeroStub(["p_ch", "p_dis"])}
    g.leader = lambda X, P, R: LeaderOutcome(np.zeros(len(X)), np.zeros(len(X)), {})
    g.meta["report"] = g.meta["tie_views"] = None
    return g


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=300)
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-generations", type=int, default=3)
    a = ap.parse_args()
    cfg = stackga.GAConfig(pop_size=a.pop_size, generations=a.generations, seed=a.seed)
    warm = stackga.GAConfig(pop_size=10, generations=2, seed=a.seed)
    rows, layers = {}, {}
    timed(eva.build(), warm)
    g = instrumented()
    before = dict(microgrid_dispatch.stats)
    t, res = timed(g, cfg)
    paths = {k: v - before[k] for k, v in microgrid_dispatch.stats.items()}
    rows["stackga"] = (t, res, int(res.log["evals"][-1]))
    layers["stackga"] = g.followers["market"]
    g = instrumented(readings=eva.PREVIOUS)
    t, res = timed(g, cfg)
    rows["stackga, previous readings"] = (t, res, int(res.log["evals"][-1]))
    layers["stackga, previous readings"] = g.followers["market"]
    timed(stub_game(), warm)
    t, res = timed(stub_game(), cfg)
    rows["stub (GA floor)"] = (t, res, int(res.log["evals"][-1]))
    bcfg = stackga.GAConfig(pop_size=a.pop_size, generations=a.baseline_generations, seed=a.seed)
    g = instrumented(baseline=True)
    t, res = timed(g, bcfg)
    name = f"HiGHS per cluster ({a.baseline_generations} generations)"
    rows[name] = (t, res, int(res.log["evals"][-1]))
    layers[name] = g.followers["market"]
    print(f"eva, pop {a.pop_size}, {a.generations} generations, seed {a.seed}; {machine()}\n")
    ref = rows["stackga"]
    per_ref = ref[0] / ref[2]
    print("| configuration | seconds | ms per evaluation | vs stackga (per evaluation) | best leader |")
    print("|---|---:|---:|---:|---:|")
    for label, (t, res, n) in rows.items():
        print(f"| {label} | {t:.1f} | {1e3 * t / n:.2f} | {t / n / per_ref:.1f}x | {res.leader:.2f} |")
    print("\n| follower layer | layer s | clusters s (thread-seconds) | cluster QPs | dispatch s "
          "(thread-seconds) | dispatch rows (before de-duplication) | layer ms per evaluation |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    per_eval = {}
    for label, m in layers.items():
        n = rows[label][2]
        cl, de = m.clusters, m.dispatch
        per_eval[label] = m.seconds / n
        print(f"| {label} | {m.seconds:.1f} | {cl.seconds:.1f} | {cl.calls * m.clusters.n} | "
              f"{de.seconds:.1f} | {de.calls} | {1e3 * per_eval[label]:.2f} |")
    base = [k for k in per_eval if k.startswith("HiGHS")][0]
    floor = rows["stub (GA floor)"][0]
    prev = rows["stackga, previous readings"][0]
    print(f"\nstackga (the paper's readings) / previous readings = {ref[0] / prev:.2f}x (run time)")
    print(f"stackga / floor = {ref[0] / floor:.1f}x; follower layer, HiGHS per cluster (1 thread) / "
          f"stackga ({n_threads()} threads) per evaluation = {per_eval[base] / per_eval['stackga']:.1f}x")
    print(f"stackga's distinct dispatch rows: {paths['kernel_rows']} certified by the compiled "
          f"kernel, {paths['fallback_rows']} left to PIQP/HiGHS")
    best = ref[1].report
    if best.get("rounds") is not None:
        print(f"best: {best['rounds']} rounds; run statuses {ref[1].statuses}")


if __name__ == "__main__":
    main()
