"""The island's scenario 3 with the battery's LP relaxation, stated from matrices
(:class:`stackga.bilevel.Bilevel`): for its exact reference (``certify.py``) and the exact
improvement step after the GA (``case.py``).

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
from stackga.followers import Battery, FlexibleUsers

from stackga.bilevel import Bilevel, Follower

__all__ = ["island_bilevel"]


def island_bilevel(users: FlexibleUsers, battery: Battery, wind: np.ndarray, buy: np.ndarray,
                   sell: np.ndarray, import_max: float, export_max: float, re_min: float,
                   re_max: float, re_mean_max: float) -> Bilevel:
    """The matrix form above for the users, the LP battery (its binaries dropped) and the
    grid's data (T,) of one island game."""
    T = len(wind)
    I, Z = np.eye(T), np.zeros((T, T))
    rigid, flex = np.asarray(users.rigid, float), np.asarray(users.flex_max, float)
    # users: y = P_DL (T)
    u = Follower(d=-np.broadcast_to(np.asarray(users.a, float), (T,)).copy(), B=np.zeros((0, T)),
                 b=np.zeros(0), M=np.vstack([I, Z, Z]), Q=users.b * I, lb=rigid, ub=rigid + flex,
                 name="users")
    # battery: y = (ch (T), dis (T), E(1..T) (T)); the LP rows of the island's own model
    A, lo, _, clo, chi, _ = battery.milp_matrices
    bat = Follower(d=np.concatenate([np.full(2 * T, battery.alpha * battery.dt), np.zeros(T)]),
                   B=A[:T, :3 * T].toarray(), b=lo[:T], sense="=",
                   M=np.vstack([np.hstack([I, -I, Z]) * battery.dt, np.zeros((2 * T, 3 * T))]),
                   lb=clo[:3 * T], ub=chi[:3 * T], name="battery")
    nx, ny = 3 * T, T + 3 * T
    Q_xy = np.zeros((nx, ny))
    Q_xy[:T, :T] = -I                                       # -R_e P_DL
    c_x = np.concatenate([np.zeros(T), buy, -sell])
    x_lb = np.concatenate([np.full(T, re_min), np.zeros(2 * T)])
    x_ub = np.concatenate([np.full(T, re_max), np.full(T, import_max), np.full(T, export_max)])
    A_x = np.concatenate([np.ones(T), np.zeros(2 * T)])[None]
    # coupling: P_DL + ch - dis - imp + exp <= wind
    G_x = np.hstack([Z, -I, I])
    G_y = np.hstack([I, I, -I, Z])
    return Bilevel("min", c_x=c_x, followers=[u, bat], Q_xy=Q_xy, x_lb=x_lb, x_ub=x_ub,
                   A_x=A_x, b_x=np.array([T * re_mean_max]), G_x=G_x, G_y=G_y, h=np.asarray(wind, float),
                   name="island-s3-lp")
