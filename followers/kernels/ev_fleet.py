"""Compiled (numba) kernels of the island's EV fleet (:class:`stackga.followers.EVFleet`):
per-EV plans from the storage recursion's policies (:mod:`.storage`), turned into hourly
arrays or summed into the fleet's weighted totals."""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT
from .storage import row_policy, value_work

__all__ = ["fleet_totals", "to_hours"]


@nb.njit(**JIT)
def to_hours(u, s, ev, ind, step, dep, eta_c, eta_d, dt, n, n_ev, T):
    """Per-start plans (rotated steps) -> per-EV hourly arrays (one vehicle each).

    Returns car_ch, car_dis (n, n_ev, T) kW, car_energy (n, n_ev, T) kWh at the start of
    each plugged hour and of the departure hour (0 otherwise)."""
    car_ch = np.zeros((n, n_ev, T))
    car_dis = np.zeros((n, n_ev, T))
    car_e = np.zeros((n, n_ev, T))
    for j in range(len(ev)):
        e, i, d = ev[j], ind[j], dep[j]
        for t in range(step[j], T):
            h = (d + t) % T
            c = max(u[j, t], 0.0) / (eta_c * dt)
            x = max(-u[j, t], 0.0) * eta_d / dt
            car_ch[i, e, h] = c
            car_dis[i, e, h] = x
            car_e[i, e, h] = s[j, t]
        car_e[i, e, d] = s[j, T]
    return car_ch, car_dis, car_e


@nb.njit(**JIT)
def fleet_totals(a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, first, step, state,
                  ind, dep, w, eta_c, eta_d, dt, n):
    """The weighted fleet totals of the plans ``solve_starts`` gives, without storing any
    per-EV plan: returns ch, dis (n, T) weighted fleet totals by hour, feasible (n,).

    Specialised to the fleet's storages (no decay, no drift, constant power and state
    bounds): the forward pass is ``_follow``'s, on a scalar state."""
    R, T = c_up.shape
    vs, vl, vn = value_work(T)
    y_up = np.empty(T)
    y_dn = np.empty(T)
    ch = np.zeros((n, T))
    dis = np.zeros((n, T))
    feas = np.ones(n, np.bool_)
    for r in range(R):
        if first[r] == first[r + 1]:
            continue
        tol = row_policy(r, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, first, step,
                         vs, vl, vn, y_up, y_dn)
        lo, hi, cap_up, cap_dn = s_lo[r, T], s_hi[r, T], up[r, 0], dn[r, 0]
        for j in range(first[r], first[r + 1]):
            i = ind[j]
            z = state[j]
            h = (dep[j] + step[j]) % T               # hour of day of step t: dep + t (mod T)
            for t in range(step[j], T):
                if y_up[t] > z + tol:
                    y = min(y_up[t], z + cap_up)
                elif y_dn[t] < z - tol:
                    y = max(y_dn[t], z - cap_dn)
                else:
                    y = z
                if y > z:
                    ch[i, h] += w[j] * ((y - z) / (eta_c * dt))
                elif y < z:
                    dis[i, h] += w[j] * ((z - y) * eta_d / dt)
                z = y
                if not lo - 1e3 * tol <= z <= hi + 1e3 * tol:      # (NaN fails too)
                    feas[i] = False
                h = h + 1 if h + 1 < T else 0
            if not z >= s_final[r] - 1e3 * tol:     # the plan must end at >= s_final
                feas[i] = False
    return ch, dis, feas
