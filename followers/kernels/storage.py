"""Compiled (numba) kernels of the storage recursion and the active-hour branch and bound.

The same method as :mod:`stackga.followers.storage_dp` (which keeps the numpy
reference implementation and the model statement), written row by row so
that a population costs O(n T K) machine operations instead of O(T) numpy
calls over (n, K) arrays (K <= 4 T + 4 segments per value function).

Value functions are stored as segments (slope, length), slopes decreasing,
over the state interval [s_lo[t], s_hi[t]]. States from which the bounds can
no longer be met carry the exact-penalty slope +-big_m.

:mod:`stackga.followers.kernels.storage_binaries` uses :func:`solve_row` as its node solver;
:func:`solve_starts` serves many entry points (step, state) per row with one
backward pass (an EV fleet: every car leaving at the same hour shares it).
Compiled with ``cache=True``: the first call in a fresh install compiles (a
few seconds), later processes load the cache.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT

__all__ = ["row_policy", "solve_row", "solve_rows", "solve_starts", "value_work"]



@nb.njit(**JIT)
def _step_back(src_s, src_l, n_src, c_up, c_dn, C, D, a, lo_next, lo, hi, d, big_m,
               dst_s, dst_l):
    """V_t (written into dst, returns its segment count) from V_{t+1} (src)."""
    # 1. sup-convolution: insert (c_up, C) and (c_dn, D) into the sorted list,
    #    existing segments first among equal slopes; rescale by the decay.
    n = 0
    extra_s = (c_up, c_dn)
    extra_l = (C, D)
    k = 0
    for j in range(n_src + 1):
        while k < 2 and (j == n_src or extra_s[k] > src_s[j]):
            if extra_l[k] > 0.0:
                dst_s[n] = extra_s[k] * a
                dst_l[n] = extra_l[k] / a
                n += 1
            k += 1
        if j < n_src:
            dst_s[n] = src_s[j] * a
            dst_l[n] = src_l[j] / a
            n += 1
    # 2. trim to [lo, hi]; the domain of W(a s) starts at w_lo.
    w_lo = (lo_next - d - C) / a
    total = hi - lo
    trim = max(lo - w_lo, 0.0)
    ext_l = min(max(w_lo - lo, 0.0), total)
    room = total - ext_l
    m = 0
    used = 0.0
    for j in range(n):
        ln = dst_l[j]
        if trim > 0.0:
            cut = min(trim, ln)
            ln -= cut
            trim -= cut
        ln = min(ln, room - used)
        if ln > 0.0:
            dst_s[m] = dst_s[j]
            dst_l[m] = ln
            used += ln
            m += 1
    ext_r = max(room - used, 0.0)
    # 3. penalty segments at both ends.
    if ext_l > 0.0:
        for j in range(m, 0, -1):
            dst_s[j] = dst_s[j - 1]
            dst_l[j] = dst_l[j - 1]
        dst_s[0] = big_m
        dst_l[0] = ext_l
        m += 1
    if ext_r > 0.0:
        dst_s[m] = -big_m
        dst_l[m] = ext_r
        m += 1
    return m


@nb.njit(**JIT)
def _backward(a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, t_stop, vs, vl, vn):
    """Value functions V_t for t = T down to t_stop (>= 1) into vs, vl (T + 1, K), vn (T + 1,)."""
    T = len(up)
    lo, hi = s_lo[T], s_hi[T]
    below = min(max(s_final - lo, 0.0), hi - lo)
    n = 0
    if below > 0.0:
        vs[T, n] = big_m
        vl[T, n] = below
        n += 1
    if hi - lo - below > 0.0:
        vs[T, n] = 0.0
        vl[T, n] = hi - lo - below
        n += 1
    vn[T] = n
    for t in range(T - 1, t_stop - 1, -1):
        vn[t] = _step_back(vs[t + 1], vl[t + 1], vn[t + 1], c_up[t], c_dn[t], up[t], dn[t],
                           a, s_lo[t + 1], s_lo[t], s_hi[t], drift[t], big_m, vs[t], vl[t])


@nb.njit(**JIT)
def _targets(k, s_lo, drift, c_up, c_dn, vs, vl, vn, y_up, y_dn):
    """For steps t >= k, the optimal policy's targets (independent of the state): from
    a (decayed) state z the plan moves toward y_up[t] if above z, else toward y_dn[t] if
    below z, else stays (the move closest to idle among optima)."""
    T = len(c_up)
    for t in range(k, T):
        lo = s_lo[t + 1] - drift[t]
        yu = 0.0
        yd = 0.0
        for j in range(vn[t + 1]):
            if vs[t + 1, j] > c_up[t]:
                yu += vl[t + 1, j]
            if vs[t + 1, j] >= c_dn[t]:
                yd += vl[t + 1, j]
        y_up[t] = yu + lo
        y_dn[t] = yd + lo


@nb.njit(**JIT)
def _tolerance(s_hi):
    """Feasibility tolerance of a row: 1e-9 x (1 + largest |state bound|)."""
    s_max = 0.0
    for t in range(len(s_hi)):
        s_max = max(s_max, abs(s_hi[t]))
    return 1e-9 * (1.0 + s_max)


@nb.njit(inline="always", **JIT)
def _follow(s0, k, a, s_final, s_lo, s_hi, up, dn, drift, r, y_up, y_dn, tol, u, s, j):
    """The plan from state s0 at step k along the targets, for row r of the (rows, T)
    storage data: fills u[j, k:], s[j, k:] (entries before k are the caller's). Returns
    whether the plan meets the bounds. (Indices, not row views, keep it cheap.)"""
    T = up.shape[1]
    s[j, k] = s0
    viol = -np.inf
    for t in range(k, T):
        z = a * s[j, t]
        if y_up[t] > z + tol:
            y = min(y_up[t], z + up[r, t])
        elif y_dn[t] < z - tol:
            y = max(y_dn[t], z - dn[r, t])
        else:
            y = z
        u[j, t] = y - z
        s[j, t + 1] = y + drift[r, t]
        viol = max(viol, s_lo[r, t + 1] - s[j, t + 1], s[j, t + 1] - s_hi[r, t + 1])
    viol = max(viol, s_final - s[j, T])
    return viol <= 1e3 * tol


@nb.njit(**JIT)
def solve_row(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m,
               vs, vl, vn, u, s):
    """One row: fills u (T,), s (T + 1,); returns whether the plan meets the bounds.

    vs, vl (T + 1, K) and vn (T + 1,) are work arrays for the value functions."""
    _backward(a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, 1, vs, vl, vn)
    y_up = np.empty(len(up))
    y_dn = np.empty(len(up))
    _targets(0, s_lo, drift, c_up, c_dn, vs, vl, vn, y_up, y_dn)
    T = len(up)
    return _follow(s0, 0, a, s_final, s_lo.reshape(1, T + 1), s_hi.reshape(1, T + 1),
                   up.reshape(1, T), dn.reshape(1, T), drift.reshape(1, T), 0, y_up, y_dn,
                   _tolerance(s_hi), u.reshape(1, T), s.reshape(1, T + 1), 0)


@nb.njit(**JIT)
def value_work(T):
    """Work arrays for the value functions of a T-step storage: slopes and lengths
    (T + 1, K) with K = 4 T + 4 segments at most, and the segment counts (T + 1,)."""
    K = 4 * T + 4
    return np.empty((T + 1, K)), np.empty((T + 1, K)), np.empty(T + 1, np.int64)


@nb.njit(**JIT)
def solve_rows(s0, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m):
    """Every row of a per-row StorageLP (arrays (n,), (n, T + 1), (n, T)).

    Returns u (n, T), s (n, T + 1), feasible (n,) bool."""
    n, T = c_up.shape
    vs, vl, vn = value_work(T)
    u = np.empty((n, T))
    s = np.empty((n, T + 1))
    feas = np.empty(n, np.bool_)
    for i in range(n):
        feas[i] = solve_row(s0[i], a[i], s_final[i], s_lo[i], s_hi[i], up[i], dn[i],
                             drift[i], c_up[i], c_dn[i], big_m, vs, vl, vn, u[i], s[i])
    return u, s, feas


@nb.njit(**JIT)
def row_policy(r, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, first, step,
               vs, vl, vn, y_up, y_dn):
    """Row r's optimal policy for its starts first[r] .. first[r + 1] - 1: the value
    functions back to the earliest start, the targets y_up, y_dn from there; returns
    the row's feasibility tolerance."""
    T = c_up.shape[1]
    k_min = T
    for j in range(first[r], first[r + 1]):
        k_min = min(k_min, step[j])
    _backward(a[r], s_final[r], s_lo[r], s_hi[r], up[r], dn[r], drift[r], c_up[r], c_dn[r],
              big_m, max(k_min + 1, 1), vs, vl, vn)
    _targets(k_min, s_lo[r], drift[r], c_up[r], c_dn[r], vs, vl, vn, y_up, y_dn)
    return _tolerance(s_hi[r])


@nb.njit(**JIT)
def solve_starts(a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, first, step, state):
    """Many starts per row: the starts of row r are first[r] .. first[r + 1] - 1; start j
    enters row r's storage at step[j] with state state[j]. One backward pass per row
    serves all its starts. Returns u (S, T), s (S, T + 1), feasible (S,) per start."""
    R, T = c_up.shape
    S = len(step)
    vs, vl, vn = value_work(T)
    u = np.empty((S, T))
    s = np.empty((S, T + 1))
    feas = np.empty(S, np.bool_)
    y_up = np.empty(T)
    y_dn = np.empty(T)
    for r in range(R):
        if first[r] == first[r + 1]:
            continue
        tol = row_policy(r, a, s_final, s_lo, s_hi, up, dn, drift, c_up, c_dn, big_m, first, step,
                         vs, vl, vn, y_up, y_dn)
        for j in range(first[r], first[r + 1]):
            for t in range(step[j]):                 # before its start: idle, state held
                u[j, t] = 0.0
                s[j, t] = state[j]
            feas[j] = _follow(state[j], step[j], a[r], s_final[r], s_lo, s_hi, up, dn, drift, r,
                              y_up, y_dn, tol, u, s, j)
    return u, s, feas
