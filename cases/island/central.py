"""Scenario 1 of the island case: the MGO plans the flexible load and the battery
itself at the fixed TOU price (no game), one MILP solved by HiGHS.

    max  sum_t [ R(t) * (P_d + P_s) - R_buy * G_buy + R_sell * G_sell ]
    s.t. P_wt - curt + G_buy - G_sell + P_dis - P_ch = P_d + P_s
         0 <= P_s <= P_s_max, 0 <= curt <= P_wt, 0 <= G_buy <= P_gb_max, 0 <= G_sell <= P_gs_max
         battery constraints of eq. 20-21 (binaries when they bind)
R_buy >= R_sell in every hour keeps the exchange cost convex (checked).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

from stackga.errors import InputError


def plan_for_mgo(users, battery, wind, price, buy, sell, imax, emax) -> dict:
    """Returns the plan: load (T,), ch, dis (T,), soc (T + 1,) and the MGO profit."""
    T = len(price)
    if np.any(buy < sell):
        t = int(np.argmax(buy < sell))
        raise InputError(f"island: grid_buy[{t}] = {buy[t]} < grid_sell[{t}] = {sell[t]}: "
                         "the MGO could buy and sell in the same hour")
    A_bt, lo_bt, hi_bt, clo_bt, chi_bt, int_bt = battery.milp_matrices
    if not battery.binaries_bind:
        int_bt = np.zeros_like(int_bt)
    nb = A_bt.shape[1]
    # columns: battery (5T) | P_s | curt | G_buy | G_sell
    eye = sp.identity(T)
    zeros = sp.csr_matrix((A_bt.shape[0], 4 * T))
    balance = sp.hstack([-eye, eye, sp.csr_matrix((T, 3 * T)), -eye, -eye, eye, -eye])
    A = sp.vstack([sp.hstack([A_bt, zeros]), balance], format="csc")
    rhs = users.rigid - wind
    lo = np.r_[lo_bt, rhs]
    hi = np.r_[hi_bt, rhs]
    col_lo = np.r_[clo_bt, np.zeros(4 * T)]
    col_hi = np.r_[chi_bt, users.flex_max, wind, np.full(T, imax), np.full(T, emax)]
    dt = battery.dt
    cost = np.r_[np.zeros(nb), -price * dt, np.zeros(T), buy * dt, -sell * dt]
    status, x, obj = solve_highs(cost, A, lo, hi, col_lo, col_hi,
                                 np.r_[int_bt, np.zeros(4 * T, bool)])
    if status != Status.OPTIMAL:
        return None                 # no central plan: scenario 1 reports its followers infeasible
    ch, dis = x[:T], x[T:2 * T]
    return {"load": users.rigid + x[nb:nb + T], "ch": ch, "dis": dis,
            "soc": np.r_[battery.soc0 * battery.capacity, x[2 * T:3 * T]]}
