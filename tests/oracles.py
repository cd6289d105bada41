"""Independent reference solves (scipy's HiGHS interface), written from the
model statements in each follower's docstring, not from the follower code."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


def storage_lp(T, s0, s_lo, s_hi, up_max, dn_max, drift, decay, s_final, c_up, c_dn):
    """max sum -c_up*up + c_dn*dn, s(t+1) = a s(t) + up - dn + d. Returns value or None."""
    eye = sp.identity(T)
    dyn = sp.hstack([-eye, eye, eye - decay * sp.eye(T, k=-1)])
    rhs = np.asarray(drift, float).copy()
    rhs[0] += decay * s0
    lo = np.r_[np.zeros(2 * T), s_lo[1:]]
    hi = np.r_[up_max, dn_max, s_hi[1:]]
    lo[-1] = max(lo[-1], s_final)
    r = linprog(np.r_[c_up, -np.asarray(c_dn), np.zeros(T)], A_eq=dyn, b_eq=rhs,
                bounds=list(zip(lo, hi)), method="highs")
    return -r.fun if r.status == 0 else None


def battery_milp(price, cap, p_max, p_min, soc_min, soc_max, soc0, eta_c, eta_d, alpha, n_active):
    """The battery MILP of the island paper (eq. 19-21), E(T) >= E(0). Returns value or None."""
    T = len(price)
    # x = [ch(T), dis(T), E(T), xc(T), xd(T)]
    n = 5 * T
    cons = []
    for t in range(T):
        row = np.zeros(n); row[t] = -eta_c; row[T + t] = 1 / eta_d; row[2 * T + t] = 1
        if t > 0:
            row[2 * T + t - 1] = -1
        b = soc0 * cap if t == 0 else 0.0
        cons.append((row, b, b))
        for k, off in ((t, 3 * T + t), (T + t, 4 * T + t)):
            r1 = np.zeros(n); r1[k] = 1; r1[off] = -p_max; cons.append((r1, -np.inf, 0))
            r2 = np.zeros(n); r2[k] = 1; r2[off] = -p_min; cons.append((r2, 0, np.inf))
        r3 = np.zeros(n); r3[3 * T + t] = 1; r3[4 * T + t] = 1; cons.append((r3, -np.inf, 1))
    r4 = np.zeros(n); r4[3 * T:] = 1; cons.append((r4, -np.inf, n_active))
    A = np.array([c[0] for c in cons])
    e_lo = np.full(T, soc_min * cap); e_lo[-1] = max(e_lo[-1], soc0 * cap)
    lb = np.r_[np.zeros(2 * T), e_lo, np.zeros(2 * T)]
    ub = np.r_[np.full(2 * T, p_max), np.full(T, soc_max * cap), np.ones(2 * T)]
    c = np.r_[price + alpha, -(price - alpha), np.zeros(3 * T)]
    r = milp(c, constraints=LinearConstraint(A, [x[1] for x in cons], [x[2] for x in cons]),
             bounds=Bounds(lb, ub), integrality=np.r_[np.zeros(3 * T), np.ones(2 * T)],
             options={"mip_rel_gap": 1e-9})
    return -r.fun if r.status == 0 else None


def storage_binaries_milp(T, s0, s_lo, s_hi, up_max, dn_max, drift, decay, s_final,
                          c_up, c_dn, n_active, up_min, dn_min):
    """storage_lp plus on/off binaries: up_min x_up <= up <= C x_up,
    dn_min x_dn <= dn <= D x_dn, x_up + x_dn <= 1, sum (x_up + x_dn) <= n_active.
    Returns the maximal value or None."""
    eye = sp.identity(T)
    z = sp.csr_matrix((T, T))
    # columns: up, dn, s(1..T), x_up, x_dn
    dyn = sp.hstack([-eye, eye, eye - decay * sp.eye(T, k=-1), z, z])
    rhs = np.asarray(drift, float).copy()
    rhs[0] += decay * s0
    link_hi = sp.vstack([sp.hstack([eye, z, z, -sp.diags(up_max), z]),
                         sp.hstack([z, eye, z, z, -sp.diags(dn_max)])])
    link_lo = sp.vstack([sp.hstack([eye, z, z, -up_min * eye, z]),
                         sp.hstack([z, eye, z, z, -dn_min * eye])])
    one_way = sp.hstack([z, z, z, eye, eye])
    count = sp.hstack([sp.csr_matrix((1, 3 * T)), sp.csr_matrix(np.ones((1, 2 * T)))])
    s_low = np.asarray(s_lo[1:], float).copy()
    s_low[-1] = max(s_low[-1], s_final)
    r = milp(np.r_[c_up, -np.asarray(c_dn), np.zeros(3 * T)],
             constraints=[LinearConstraint(dyn, rhs, rhs),
                          LinearConstraint(link_hi, -np.inf, 0.0),
                          LinearConstraint(link_lo, 0.0, np.inf),
                          LinearConstraint(one_way, -np.inf, 1.0),
                          LinearConstraint(count, -np.inf, n_active)],
             bounds=Bounds(np.r_[np.zeros(2 * T), s_low, np.zeros(2 * T)],
                           np.r_[up_max, dn_max, s_hi[1:], np.ones(2 * T)]),
             integrality=np.r_[np.zeros(3 * T), np.ones(2 * T)], options={"mip_rel_gap": 1e-9})
    return -r.fun if r.status == 0 else None
