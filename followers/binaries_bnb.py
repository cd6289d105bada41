"""Exact branch and bound for a storage LP with on/off binaries (numba).

The storage LP of :mod:`followers.storage_dp` (state s, move u per step, costs
c_up >= c_dn) plus the two binary limits of the island battery (eq. 19-21):

    at most ``n_max`` active steps              (u_t != 0)
    an active step moves at least the minimum   (u_t >= up_min or u_t <= -dn_min)

A node fixes some steps to one of three states (idle: u_t = 0; charge:
u_t in [up_min, C_t]; discharge: u_t in [-D_t, -dn_min]) and leaves the rest
free (u_t in [-D_t, C_t]); a fixed charge/discharge is a shifted box, so every
node is again a storage LP for the compiled recursion. Node bounds (valid
lower bounds on the node's best binary-feasible cost):

- the node's LP (minimum move and count limit dropped);
- the Lagrangian bound L(mu) = LP(c_up + mu / C_t, c_dn - mu / D_t on free
  steps) - mu (n_max - #fixed active), valid for every mu >= 0 because a
  feasible plan has sum_free |u_t| / cap_t <= #free active <= n_max - #fixed
  active. mu is set once, at the root, by bisection on its supergradient.

Branching on a node whose LP plan is not binary-feasible: on the first free
step that moves less than the minimum, three children (idle / charge /
discharge: a partition); otherwise the plan has an active set A with more
than n_max steps and every feasible plan of the node is idle somewhere in
A's free steps, so the children "idle at t", t in A free, cover the node
(duplicates skipped). A plan found binary-feasible is pushed as a leaf with
its true cost; the first leaf popped is optimal (best-first: every open
node's bound is no lower). Ties between equal bounds go to the older node.
"""
from __future__ import annotations

import heapq

import numba as nb
import numpy as np

from .storage_kernel import _JIT, _solve_row

__all__ = ["binaries_bnb"]


@nb.njit(**_JIT)
def _prepare(idle, chg, dis, mu, up, dn, drift, c_up, c_dn, up_min, dn_min,
             up_w, dn_w, drift_w, cu_w, cd_w, shift):
    """The node's storage LP: bounds, drift and (Lagrangian) costs per step."""
    for t in range(len(up)):
        bit = np.int64(1) << t
        shift[t] = 0.0
        drift_w[t] = drift[t]
        cu_w[t] = c_up[t]
        cd_w[t] = c_dn[t]
        if idle & bit:
            up_w[t] = 0.0
            dn_w[t] = 0.0
        elif chg & bit:
            up_w[t] = up[t] - up_min
            dn_w[t] = 0.0
            drift_w[t] = drift[t] + up_min
            shift[t] = up_min
        elif dis & bit:
            up_w[t] = 0.0
            dn_w[t] = dn[t] - dn_min
            drift_w[t] = drift[t] - dn_min
            shift[t] = -dn_min
        else:
            up_w[t] = up[t]
            dn_w[t] = dn[t]
            if up[t] > 0.0:
                cu_w[t] += mu / up[t]
            if dn[t] > 0.0:
                cd_w[t] -= mu / dn[t]


@nb.njit(**_JIT)
def _popcount(x):
    c = 0
    while x:
        x &= x - 1
        c += 1
    return c


@nb.njit(**_JIT)
def _check(u, idle, chg, dis, n_max, up_min, dn_min, tol_up, tol_dn):
    """(feasible, first free step below the minimum or -1, mask of free active steps)."""
    count = _popcount(chg) + _popcount(dis)
    small = -1
    act = np.int64(0)
    for t in range(len(u)):
        bit = np.int64(1) << t
        if (idle | chg | dis) & bit:
            continue
        if u[t] > tol_up:
            count += 1
            act |= bit
            if small < 0 and u[t] < up_min - tol_up:
                small = t
        elif u[t] < -tol_dn:
            count += 1
            act |= bit
            if small < 0 and u[t] > -dn_min + tol_dn:
                small = t
    return small < 0 and count <= n_max, small, act


@nb.njit(**_JIT)
def _cost(u, cu, cd):
    c = 0.0
    for t in range(len(u)):
        c += cu[t] * u[t] if u[t] > 0.0 else cd[t] * u[t]
    return c


@nb.njit(**_JIT)
def binaries_bnb(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m,
                 n_max, up_min, dn_min, tol_up, tol_dn, max_nodes):
    """Exact optimum of one row (arrays (T + 1,) and (T,), T <= 62) under the binaries.

    Returns (status, u (T,), s (T + 1,), nodes): status 0 optimal, 1 infeasible,
    2 node limit reached (the caller falls back to a MILP)."""
    T = len(up)
    K = 4 * T + 4
    vs, vl, vn = np.empty((T + 1, K)), np.empty((T + 1, K)), np.empty(T + 1, np.int64)
    up_w, dn_w, drift_w = np.empty(T), np.empty(T), np.empty(T)
    cu_w, cd_w, shift = np.empty(T), np.empty(T), np.empty(T)
    u, s = np.empty(T), np.empty(T + 1)
    # node store, indexed by node id; the heap holds (bound, id)
    n_idle, n_chg, n_dis, n_leaf, n_mu = [0], [0], [0], [False], [0.0]
    n_small, n_act = [0], [0]
    heap = [(0.0, 0)]
    heap.pop()
    seen = {(0, 0, 0)}
    mu_root = 0.0
    nodes = 0
    stack = [(np.int64(0), np.int64(0), np.int64(0))]
    while True:
        # evaluate the children waiting on the stack
        while len(stack) > 0:
            idle, chg, dis = stack.pop()
            nodes += 1
            if nodes > max_nodes:
                return 2, u, s, nodes
            _prepare(idle, chg, dis, 0.0, up, dn, drift, c_up, c_dn, up_min, dn_min,
                     up_w, dn_w, drift_w, cu_w, cd_w, shift)
            feas, _ = _solve_row(s0, a, s_final, s_lo, s_hi, up_w, dn_w, drift_w, cu_w, cd_w,
                                 big_m, vs, vl, vn, u, s)
            if not feas:
                continue
            u += shift
            value = _cost(u, c_up, c_dn)
            ok, small, act = _check(u, idle, chg, dis, n_max, up_min, dn_min, tol_up, tol_dn)
            node = len(n_idle)
            n_idle.append(idle)
            n_chg.append(chg)
            n_dis.append(dis)
            n_small.append(small)
            n_act.append(act)
            n_mu.append(0.0)
            n_leaf.append(ok)
            if ok:
                heapq.heappush(heap, (value, node))
                continue
            bound = value
            if nodes == 1:
                mu_root = _root_mu(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn,
                                   big_m, n_max, up_min, dn_min, up_w, dn_w, drift_w, cu_w,
                                   cd_w, shift, vs, vl, vn, u, s)
            if mu_root > 0.0:
                free_quota = n_max - _popcount(chg) - _popcount(dis)
                _prepare(idle, chg, dis, mu_root, up, dn, drift, c_up, c_dn, up_min, dn_min,
                         up_w, dn_w, drift_w, cu_w, cd_w, shift)
                feas, _ = _solve_row(s0, a, s_final, s_lo, s_hi, up_w, dn_w, drift_w, cu_w,
                                     cd_w, big_m, vs, vl, vn, u, s)
                if feas:
                    u += shift
                    bound = max(bound, _cost(u, cu_w, cd_w) - mu_root * free_quota)
                    ok_mu, _, _ = _check(u, idle, chg, dis, n_max, up_min, dn_min,
                                         tol_up, tol_dn)
                    if ok_mu:           # a binary-feasible plan: a leaf with its true cost
                        leaf = len(n_idle)
                        n_idle.append(idle)
                        n_chg.append(chg)
                        n_dis.append(dis)
                        n_small.append(-1)
                        n_act.append(0)
                        n_mu.append(mu_root)
                        n_leaf.append(True)
                        heapq.heappush(heap, (_cost(u, c_up, c_dn), leaf))
            heapq.heappush(heap, (bound, node))
        if len(heap) == 0:
            return 1, u, s, nodes
        _, node = heapq.heappop(heap)
        idle, chg, dis = n_idle[node], n_chg[node], n_dis[node]
        if n_leaf[node]:
            _prepare(idle, chg, dis, n_mu[node], up, dn, drift, c_up, c_dn, up_min, dn_min,
                     up_w, dn_w, drift_w, cu_w, cd_w, shift)
            _solve_row(s0, a, s_final, s_lo, s_hi, up_w, dn_w, drift_w, cu_w, cd_w, big_m,
                       vs, vl, vn, u, s)
            u += shift
            return 0, u, s, nodes
        small, act = n_small[node], n_act[node]
        if small >= 0:
            bit = np.int64(1) << small
            children = [(idle | bit, chg, dis)]
            if up[small] >= up_min:
                children.append((idle, chg | bit, dis))
            if dn[small] >= dn_min:
                children.append((idle, chg, dis | bit))
        else:
            children = [(idle, chg, dis)]
            children.pop()
            for t in range(T - 1, -1, -1):
                bit = np.int64(1) << t
                if act & bit:
                    children.append((idle | bit, chg, dis))
        for c_idle, c_chg, c_dis in children:
            fixed = _popcount(c_chg) + _popcount(c_dis)
            if fixed > n_max:
                continue
            if fixed == n_max:               # no room left: every other step is idle
                c_idle = ((np.int64(1) << T) - 1) & ~(c_chg | c_dis)
            key = (c_idle, c_chg, c_dis)
            if key in seen:
                continue
            seen.add(key)
            stack.append(key)


@nb.njit(**_JIT)
def _root_mu(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, n_max,
             up_min, dn_min, up_w, dn_w, drift_w, cu_w, cd_w, shift, vs, vl, vn, u, s):
    """The multiplier maximising the root's Lagrangian bound (bisection on its
    supergradient sum_t |u_t| / cap_t - n_max); 0 when the limit does not bind."""
    T = len(up)
    spread = 0.0
    cap = 0.0
    for t in range(T):
        spread = max(spread, c_up[t] - c_dn[t], abs(c_up[t]), abs(c_dn[t]))
        cap = max(cap, up[t], dn[t])
    lo, hi = 0.0, 2.0 * spread * cap + 1.0
    best_mu, best = 0.0, -np.inf
    for _ in range(40):
        mu = 0.5 * (lo + hi)
        _prepare(0, 0, 0, mu, up, dn, drift, c_up, c_dn, up_min, dn_min,
                 up_w, dn_w, drift_w, cu_w, cd_w, shift)
        feas, _ = _solve_row(s0, a, s_final, s_lo, s_hi, up_w, dn_w, drift_w, cu_w, cd_w,
                             big_m, vs, vl, vn, u, s)
        if not feas:
            return 0.0
        g = -float(n_max)
        for t in range(T):
            if u[t] > 0.0 and up[t] > 0.0:
                g += u[t] / up[t]
            elif u[t] < 0.0 and dn[t] > 0.0:
                g -= u[t] / dn[t]
        value = _cost(u, cu_w, cd_w) - mu * n_max
        if value > best:
            best, best_mu = value, mu
        if g > 0.0:
            lo = mu
        else:
            hi = mu
        if hi - lo <= 1e-6 * (1.0 + hi):
            break
    return best_mu
