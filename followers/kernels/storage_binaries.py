"""Exact branch and bound for a storage LP with on/off binaries (numba).

The storage LP of :mod:`stackga.followers.storage_dp` (state s, move u per step, costs
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

from .jit import JIT
from .storage import solve_row

__all__ = ["binaries_bnb"]

MU_STEPS = 1   # bisection steps on each node's multiplier (1: the root's optimum; more
#               cut nodes but cost more per node, measured no faster)


@nb.njit(**JIT)
def _work(T):
    """Work arrays: value functions (vs, vl, vn), the node's LP data, the plan."""
    K = 4 * T + 4
    return (np.empty((T + 1, K)), np.empty((T + 1, K)), np.empty(T + 1, np.int64),
            np.empty(T), np.empty(T), np.empty(T), np.empty(T), np.empty(T), np.empty(T),
            np.empty(T), np.empty(T + 1))


@nb.njit(**JIT)
def _solve_node(idle, chg, dis, mu, s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn,
                big_m, up_min, dn_min, w):
    """The node's LP with multiplier mu on the free steps; the plan goes to w's u, s.

    Returns (feasible, cost of the plan at the node's (Lagrangian) costs)."""
    vs, vl, vn, up_w, dn_w, drift_w, cu_w, cd_w, shift, u, s = w
    for t in range(len(up)):
        bit = np.int64(1) << t
        shift[t] = 0.0
        drift_w[t] = drift[t]
        cu_w[t] = c_up[t]
        cd_w[t] = c_dn[t]
        if idle & bit:
            up_w[t] = 0.0
            dn_w[t] = 0.0
        elif chg & bit:                 # u in [up_min, C]: a shifted box
            up_w[t] = up[t] - up_min
            dn_w[t] = 0.0
            drift_w[t] = drift[t] + up_min
            shift[t] = up_min
        elif dis & bit:                 # u in [-D, -dn_min]
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
    feas = solve_row(s0, a, s_final, s_lo, s_hi, up_w, dn_w, drift_w, cu_w, cd_w, big_m,
                         vs, vl, vn, u, s)
    u += shift
    return feas, _cost(u, cu_w, cd_w)


@nb.njit(**JIT)
def _popcount(x):
    c = 0
    while x:
        x &= x - 1
        c += 1
    return c


@nb.njit(**JIT)
def _check(u, idle, chg, dis, n_max, up_min, dn_min, tol_up, tol_dn):
    """(binary-feasible, first free step below the minimum or -1, mask of free active steps)."""
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


@nb.njit(**JIT)
def _cost(u, c_up, c_dn):
    """sum_t c_up u_t+ - c_dn u_t- of a plan."""
    c = 0.0
    for t in range(len(u)):
        c += c_up[t] * u[t] if u[t] > 0.0 else c_dn[t] * u[t]
    return c


@nb.njit(**JIT)
def _mu_cap(c_up, c_dn, up, dn):
    """A multiplier large enough that no free step is worth moving."""
    spread, cap = 0.0, 0.0
    for t in range(len(up)):
        spread = max(spread, c_up[t] - c_dn[t], abs(c_up[t]), abs(c_dn[t]))
        cap = max(cap, up[t], dn[t])
    return 2.0 * spread * cap + 1.0


@nb.njit(**JIT)
def _lagrangian(idle, chg, dis, lo, hi, steps, s0, a, s_final, s_lo, s_hi, up, dn, drift,
                c_up, c_dn, big_m, n_max, up_min, dn_min, tol_up, tol_dn, w):
    """Best Lagrangian bound of a node over mu in [lo, hi] (bisection on the
    supergradient sum_free |u_t| / cap_t - quota). Returns (bound, its mu, cost
    of the cheapest binary-feasible plan met, its mu or -1)."""
    u = w[9]
    quota = n_max - _popcount(chg) - _popcount(dis)
    best, best_mu, leaf_cost, leaf_mu = -np.inf, 0.0, np.inf, -1.0
    for _ in range(steps):
        mu = 0.5 * (lo + hi)
        feas, value = _solve_node(idle, chg, dis, mu, s0, a, s_final, s_lo, s_hi, up, dn,
                                  drift, c_up, c_dn, big_m, up_min, dn_min, w)
        if not feas:
            break
        if value - mu * quota > best:
            best, best_mu = value - mu * quota, mu
        ok, _, _ = _check(u, idle, chg, dis, n_max, up_min, dn_min, tol_up, tol_dn)
        if ok:
            c = _cost(u, c_up, c_dn)
            if c < leaf_cost:
                leaf_cost, leaf_mu = c, mu
        g = -float(quota)
        for t in range(len(up)):
            if (idle | chg | dis) & (np.int64(1) << t):
                continue
            if u[t] > 0.0 and up[t] > 0.0:
                g += u[t] / up[t]
            elif u[t] < 0.0 and dn[t] > 0.0:
                g -= u[t] / dn[t]
        if g > 0.0:
            lo = mu
        else:
            hi = mu
    return best, best_mu, leaf_cost, leaf_mu


@nb.njit(**JIT)
def _children(idle, chg, dis, small, act, up, dn, up_min, dn_min, T):
    """The branches of a node whose LP plan is not binary-feasible."""
    out = [(idle, chg, dis)]
    out.pop()
    if small >= 0:                      # a partition of the step's states
        bit = np.int64(1) << small
        out.append((idle | bit, chg, dis))
        if up[small] >= up_min:
            out.append((idle, chg | bit, dis))
        if dn[small] >= dn_min:
            out.append((idle, chg, dis | bit))
    else:                               # a cover: some active free step is idle
        for t in range(T - 1, -1, -1):
            bit = np.int64(1) << t
            if act & bit:
                out.append((idle | bit, chg, dis))
    return out


@nb.njit(**JIT)
def binaries_bnb(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m,
                 n_max, up_min, dn_min, tol_up, tol_dn, max_nodes, mu_steps=MU_STEPS):
    """Exact optimum of one row (arrays (T + 1,) and (T,), T <= 62) under the binaries.

    Returns (status, u (T,), s (T + 1,), nodes): status 0 optimal, 1 infeasible,
    2 node limit reached (the caller falls back to a MILP)."""
    T = len(up)
    w = _work(T)
    zero = np.int64(0)
    # node store by id: (idle, chg, dis, small, act, leaf) and mu; the heap holds (bound, id)
    store = [(zero, zero, zero, zero, zero, zero)]
    store.pop()
    store_mu = [0.0]
    store_mu.pop()
    heap = [(0.0, 0)]
    heap.pop()
    seen = {(zero, zero, zero)}
    stack = [(zero, zero, zero)]
    mu_top = 0.0
    nodes = 0
    while True:
        while len(stack) > 0:                     # evaluate the waiting children
            idle, chg, dis = stack.pop()
            nodes += 1
            if nodes > max_nodes:
                return 2, w[9], w[10], nodes
            feas, value = _solve_node(idle, chg, dis, 0.0, s0, a, s_final, s_lo, s_hi, up, dn,
                                      drift, c_up, c_dn, big_m, up_min, dn_min, w)
            if not feas:
                continue
            ok, small, act = _check(w[9], idle, chg, dis, n_max, up_min, dn_min, tol_up, tol_dn)
            node = len(store)
            store.append((idle, chg, dis, np.int64(small), act, np.int64(ok)))
            store_mu.append(0.0)
            if not ok and mu_steps > 0:
                if nodes == 1:                    # the root sets the multiplier's range
                    mu_top = 2.0 * _lagrangian(zero, zero, zero, 0.0, _mu_cap(c_up, c_dn, up, dn),
                                               40, s0, a, s_final, s_lo, s_hi, up, dn, drift,
                                               c_up, c_dn, big_m, n_max, up_min, dn_min,
                                               tol_up, tol_dn, w)[1]
                if mu_top > 0.0:
                    bound, _, leaf_cost, leaf_mu = _lagrangian(
                        idle, chg, dis, 0.0, mu_top, mu_steps, s0, a, s_final, s_lo, s_hi, up,
                        dn, drift, c_up, c_dn, big_m, n_max, up_min, dn_min, tol_up, tol_dn, w)
                    value = max(value, bound)
                    if leaf_mu >= 0.0:            # a binary-feasible plan: a leaf, true cost
                        heapq.heappush(heap, (leaf_cost, len(store)))
                        store.append((idle, chg, dis, np.int64(-1), zero, np.int64(1)))
                        store_mu.append(leaf_mu)
            heapq.heappush(heap, (value, node))
        if len(heap) == 0:
            return 1, w[9], w[10], nodes
        _, node = heapq.heappop(heap)
        idle, chg, dis, small, act, leaf = store[node]
        if leaf:
            _solve_node(idle, chg, dis, store_mu[node], s0, a, s_final, s_lo, s_hi, up, dn,
                        drift, c_up, c_dn, big_m, up_min, dn_min, w)
            return 0, w[9], w[10], nodes
        for c_idle, c_chg, c_dis in _children(idle, chg, dis, small, act, up, dn, up_min,
                                              dn_min, T):
            fixed = _popcount(c_chg) + _popcount(c_dis)
            if fixed > n_max:
                continue
            if fixed == n_max:                    # no room left: every other step is idle
                c_idle = ((np.int64(1) << T) - 1) & ~(c_chg | c_dis)
            key = (c_idle, c_chg, c_dis)
            if key not in seen:
                seen.add(key)
                stack.append(key)
