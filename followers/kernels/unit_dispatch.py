"""Compiled (numba) kernel of the thermal dispatch of :mod:`stackga.followers.recourse.unit_dispatch`.

Per individual (unit outputs x[g * T + t], shedding substituted; h = 2 a dt,
q = (b - V_ls) dt):

1. Drop the ramps: the dispatch splits into hours, each solved in closed form.
   With mu_t >= 0 the multiplier of the hour's row sum_g x_g <= D_t,
   x_g(mu) = clip(-(q_g + mu) / h_g, P_min_g, P_max_g) falls in mu; mu_t = 0 if
   sum_g x_g(0) <= D_t (shedding), else the root of sum_g x_g(mu) = D_t, found
   exactly on the piecewise-linear sum between its 2G breakpoints.
2. If every ramp holds, that point is optimal for the full problem (the optimum
   of a relaxation that is feasible). Otherwise the dual active-set method
   (:mod:`stackga.followers.kernels.qp_dual`) starts from it: its binding bounds and hour rows,
   with their multipliers, are a dual-feasible start, and it adds the ramps.

Rows of the full problem (bounds apart), in order: ramp up / ramp down per unit and
step, then the T hour rows (right side D_t).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT
from .qp_dual import OPTIMAL, dual_active_set, work

__all__ = ["dispatch_rows"]



@nb.njit(**JIT)
def _hour(hg, qg, lo, hi, d, x):
    """Closed-form dispatch of one hour: writes x (G,), returns mu >= 0."""
    G = len(hg)
    tot = 0.0
    for g in range(G):
        x[g] = min(max(-qg[g] / hg[g], lo[g]), hi[g])
        tot += x[g]
    if tot <= d:
        return 0.0
    # breakpoints of the falling sum S(mu): each unit leaves hi at -q - h hi, reaches lo at -q - h lo
    bp = np.empty(2 * G)
    for g in range(G):
        bp[2 * g] = max(-qg[g] - hg[g] * hi[g], 0.0)
        bp[2 * g + 1] = max(-qg[g] - hg[g] * lo[g], 0.0)
    bp.sort()
    prev_mu, prev_s = 0.0, tot
    for b in range(2 * G):
        mu = bp[b]
        s = 0.0
        for g in range(G):
            s += min(max(-(qg[g] + mu) / hg[g], lo[g]), hi[g])
        if s <= d:                             # root between prev_mu and mu (S is linear there)
            root = mu if prev_s == s else prev_mu + (prev_s - d) * (mu - prev_mu) / (prev_s - s)
            for g in range(G):
                x[g] = min(max(-(qg[g] + root) / hg[g], lo[g]), hi[g])
            return root
        prev_mu, prev_s = mu, s
    for g in range(G):                         # d below sum(lo): caller checks feasibility
        x[g] = lo[g]
    return bp[2 * G - 1]


@nb.njit(**JIT)
def dispatch_rows(h, q, lo, hi, G, T, ptr, col, val, rhs, D, max_iter, tol_p):
    """Dispatch every row of D (n, T). ``rhs`` holds the rows' right sides with the
    hour rows left to fill. Returns x (n, G T), hour multipliers mu (n, T), code (n,)
    (0 optimal, else the dual method's code) and the dual method's steps (n,)
    (0: the hourly closed form was already optimal)."""
    n_prob = D.shape[0]
    nv = G * T
    m = len(rhs)
    first_hour = m - T
    X = np.zeros((n_prob, nv))
    MU = np.zeros((n_prob, T))
    code = np.zeros(n_prob, np.int64)
    steps = np.zeros(n_prob, np.int64)
    r = rhs.copy()
    xg = np.empty(G)
    hg, qg, lg, ug = np.empty(G), np.empty(G), np.empty(G), np.empty(G)
    act = np.empty(min(nv, m) + 1, np.int64)
    u = np.empty(min(nv, m) + 1)
    bst = np.empty(nv, np.int64)
    wk = work(nv, m)
    for k in range(n_prob):
        x = X[k]
        for t in range(T):
            for g in range(G):
                i = g * T + t
                hg[g], qg[g], lg[g], ug[g] = h[i], q[i], lo[i], hi[i]
            MU[k, t] = _hour(hg, qg, lg, ug, D[k, t], xg)
            for g in range(G):
                x[g * T + t] = xg[g]
        ok = True
        for j in range(first_hour):
            v = -rhs[j]
            for p in range(ptr[j], ptr[j + 1]):
                v += val[p] * x[col[p]]
            if v > tol_p:
                ok = False
                break
        if ok:
            continue
        # dual-feasible start: binding bounds and hour rows with their multipliers
        na = 0
        for t in range(T):
            r[first_hour + t] = D[k, t]
            if MU[k, t] > 0.0:
                act[na] = first_hour + t
                u[na] = MU[k, t]
                na += 1
            for g in range(G):
                i = g * T + t
                grad = h[i] * x[i] + q[i] + MU[k, t]
                bst[i] = 0
                if x[i] <= lo[i] and grad > 0.0:
                    bst[i] = -1
                elif x[i] >= hi[i] and grad < 0.0:
                    bst[i] = 1
        c, na, it = dual_active_set(h, q, lo, hi, ptr, col, val, r, bst, act, na, u, x,
                                    max_iter, tol_p, wk)
        code[k] = c
        steps[k] = it
        for t in range(T):
            MU[k, t] = 0.0
        if c == OPTIMAL:
            for a in range(na):
                if act[a] >= first_hour:
                    MU[k, act[a] - first_hour] = u[a]
    return X, MU, code, steps
