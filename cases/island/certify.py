"""The island's scenario 3 with the battery's LP relaxation, stated from matrices
(:class:`stackga.bilevel.Bilevel`), for its exact reference and the GA's gap to it.

    leader x = (R_e (24), imp (24), exp (24)):
        min  -sum_t R_e(t) P_DL(t) + sum_t [buy(t) imp(t) - sell(t) exp(t)]      (-eq. 16)
        s.t. R_e_min <= R_e <= R_e_max,  sum_t R_e(t) <= 24 R_mean_max              (eq. 18)
             0 <= imp <= P_gb_max,  0 <= exp <= P_gs_max                            (eq. 17)
             P_DL - wind + ch - dis <= imp - exp      (coupling: the grid balances, eq. 24;
                                                       wind beyond the export limit is curtailed)
    users:   min  sum_t [ -a P_DL + R_e P_DL + b/2 P_DL^2 ],  rigid <= P_DL <= rigid + flex_max
    battery: min  sum_t [ (R_e + alpha) ch - (R_e - alpha) dis ]
             E(t) = E(t-1) + eta_c ch(t) - dis(t) / eta_d,  E in [SOC_min, SOC_max] cap,
             E(24) >= E(0),  0 <= ch, dis <= P_max

With buy >= sell, the leader's best grid split is imp - exp = max(grid, -P_gs_max): the
island game's grid cost with curtailment. The import limit is a hard constraint here (a
violation in the GA). The leader's objective is bilinear (R_e P_DL), so the reference is
SCIP's global solve (``stackga.bilevel.solve_exact(..., "sos1")``). Followers' ties are
broken optimistically there; the GA's battery takes the optimum closest to idle, so at
one price vector the GA's value can be below the optimistic one.
"""
from __future__ import annotations

import numpy as np

from stackga.bilevel import Bilevel, Follower

from . import data_io
from .case import make_battery

__all__ = ["scenario3_bilevel", "T"]

T = 24


def scenario3_bilevel(data_dir=None) -> Bilevel:
    data = data_io.load(data_dir)
    p, h = data.params, data.hourly
    I, Z = np.eye(T), np.zeros((T, T))
    nx = 3 * T
    # users: y = P_DL (24)
    users = Follower(d=np.full(T, -p["users_a"]), B=np.zeros((0, T)), b=np.zeros(0),
                     M=np.vstack([I, Z, Z]), Q=p["users_b"] * I,
                     lb=h["base_load_kw"], ub=h["base_load_kw"] + h["flex_max_kw"], name="users")
    # battery: y = (ch (24), dis (24), E(1..24) (24)); energy rows E(t) - E(t-1) - eta_c ch + dis/eta_d = 0
    # battery: y = (ch (24), dis (24), E(1..24) (24)); the LP rows of the island's own model
    bat = make_battery(p, integer=False)
    A, lo, _, clo, chi, _ = bat.milp_matrices
    battery = Follower(d=np.concatenate([np.full(2 * T, p["bt_alpha"] * bat.dt), np.zeros(T)]),
                       B=A[:T, :3 * T].toarray(), b=lo[:T], sense="=",
                       M=np.vstack([np.hstack([I, -I, Z]) * bat.dt, np.zeros((2 * T, 3 * T))]),
                       lb=clo[:3 * T], ub=chi[:3 * T], name="battery")
    ny = T + 3 * T
    Q_xy = np.zeros((nx, ny))
    Q_xy[:T, :T] = -I                                       # -R_e P_DL
    c_x = np.concatenate([np.zeros(T), h["grid_buy"], -h["grid_sell"]])
    x_lb = np.concatenate([np.full(T, p["re_min"]), np.zeros(2 * T)])
    x_ub = np.concatenate([np.full(T, p["re_max"]), np.full(T, p["grid_import_max_kw"]),
                           np.full(T, p["grid_export_max_kw"])])
    A_x = np.concatenate([np.ones(T), np.zeros(2 * T)])[None]
    # coupling: P_DL + ch - dis - imp + exp <= wind
    G_x = np.hstack([Z, -I, I])
    G_y = np.hstack([I, I, -I, Z])
    return Bilevel("min", c_x=c_x, followers=[users, battery], Q_xy=Q_xy, x_lb=x_lb, x_ub=x_ub,
                   A_x=A_x, b_x=np.array([T * p["re_mean_max"]]), G_x=G_x, G_y=G_y, h=h["wind_kw"],
                   name="island-s3-lp")


def main(argv=None) -> None:
    """``python -m stackga.cases.island.certify [--seeds 5] [--time-limit 600]``: the exact optimum
    of scenario 3 (LP battery), the GA's best over seeds, and the gap."""
    import argparse
    import time

    import stackga
    from stackga.bilevel import solve_exact

    from .case import build
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--figure", default=None, metavar="PNG",
                    help="also draw the GA's best so far against SCIP's incumbent and bound")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    ref = solve_exact(scenario3_bilevel(), "sos1", time_limit=a.time_limit)
    t_exact = time.perf_counter() - t0
    if ref.F is None:
        print(f"exact reference: {ref.status} after {t_exact:.0f} s")
        return
    best, bound = -ref.F, -ref.bound
    game = build(scenario=3, integer_battery=False)
    at_x = float(game.evaluate(ref.x[None, :T]).leader[0])
    print(f"exact (SCIP, SOS1): {ref.status}, f_ier = {best:.2f} yuan (bound {bound:.2f}), "
          f"{t_exact:.1f} s; the island game at that price (its own tie-break): {at_x:.2f}")
    vals, runs = [], []
    for s in range(1, a.seeds + 1):
        t0 = time.perf_counter()
        r = stackga.solve(build(scenario=3, integer_battery=False), stackga.GAConfig(seed=s))
        vals.append(r.report["f_ier"])
        runs.append((np.asarray(r.log["seconds"]), np.asarray(r.log["best"])))
        print(f"  GA seed {s}: f_ier = {vals[-1]:.2f} yuan, {time.perf_counter() - t0:.1f} s")
    if not vals:
        return
    v = np.array(vals)
    gap = 100 * (bound - v) / abs(bound)
    print(f"GA gap to the certified optimum: median {np.median(gap):.3f} % "
          f"[{gap.min():.3f}, {gap.max():.3f}] over {len(v)} seeds")
    if a.figure:
        from stackga.bilevel.plots import plot_race
        from stackga.plots import save
        trace = [(t, None if i is None else -i, None if b is None else -b) for t, i, b in ref.trace]
        print(save(plot_race(runs, trace, "MGO profit f_ier (yuan)",
                             f"Island scenario 3 (LP battery): GA ({len(runs)} seeds) vs SCIP "
                             f"(certified optimum {best:.2f})"), a.figure))


if __name__ == "__main__":
    main()
