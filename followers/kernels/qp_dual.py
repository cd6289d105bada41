"""Compiled (numba) dual active-set method (Goldfarb-Idnani) for a strictly convex QP
with a diagonal Hessian, box bounds and sparse inequality rows:

    min  1/2 sum_i h_i x_i^2 + q_i x_i
    s.t. lo_i <= x_i <= hi_i,   N_j x <= r_j   (N in CSR: ptr, col, val)

The method keeps x optimal for the QP restricted to an active set (bounds held at
their value, rows held as equalities, every multiplier >= 0) and adds one violated
constraint at a time: raising its multiplier either satisfies it (it joins the set)
or first drives an active multiplier to zero (that one leaves). Dual feasibility
holds throughout, so the method stops at the optimum (nothing violated) or proves the
QP infeasible (a violated constraint no step can reduce); finite, and exact up to
rounding: the answer meets the KKT conditions within ``tol_p``.

Active bounds are eliminated (their variables fixed; their multipliers read from
stationarity), so only the active rows enter the Gram matrix
K = N_AF H_F^-1 N_AF' over the free variables F, kept as a Cholesky factor and
changed in O(k^2) per step: extended when a row joins, Givens-rotated when a row
leaves, a rank-one update or downdate when a variable leaves or joins F (refactored
only if a downdate loses definiteness). The method may start from any dual-feasible active set (e.g. the optimum
of a relaxation), so a good start leaves few steps.

Assumptions: h > 0; each row lists a column at most once; the start is dual-feasible
(the method does not check it). "Infeasible" means a violated constraint admitted no step
within the method's thresholds: a caller that knows the QP is feasible should treat it as
a numerical failure. Before returning OPTIMAL the point is checked against the KKT
conditions (active rows hold, multipliers >= 0), so rounding that broke an invariant
returns NUMERICAL instead of a wrong optimum.

Codes: 0 optimal, 1 infeasible, 2 step limit, 3 numerical failure.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT

__all__ = ["dual_active_set", "solve_rows", "work", "OPTIMAL", "INFEASIBLE", "STEP_LIMIT", "NUMERICAL"]

OPTIMAL, INFEASIBLE, STEP_LIMIT, NUMERICAL = 0, 1, 2, 3



@nb.njit(**JIT)
def work(n, m):
    """Scratch arrays for :func:`dual_active_set` (n variables, m rows)."""
    k = min(n, m) + 1
    return (np.zeros(n), np.empty((k, k)), np.empty(k), np.empty(k), np.empty(k),
            np.empty(n), np.empty(n), np.zeros(m, np.bool_))


@nb.njit(**JIT)
def _factor(act, k, ptr, col, val, hinv, bst, L, dense):
    """Cholesky factor of K = N_AF H_F^-1 N_AF' into L[:k, :k]; False if not positive definite."""
    for a in range(k):
        ja = act[a]
        for p in range(ptr[ja], ptr[ja + 1]):
            if bst[col[p]] == 0:
                dense[col[p]] = val[p] * hinv[col[p]]
        for b in range(a + 1):
            jb = act[b]
            s = 0.0
            for p in range(ptr[jb], ptr[jb + 1]):
                s += dense[col[p]] * val[p]
            L[a, b] = s
        for p in range(ptr[ja], ptr[ja + 1]):
            dense[col[p]] = 0.0
    for j in range(k):
        d = L[j, j]
        for p in range(j):
            d -= L[j, p] * L[j, p]
        if d <= 1e-12 * (1.0 + abs(L[j, j])):
            return False
        d = np.sqrt(d)
        L[j, j] = d
        for i in range(j + 1, k):
            v = L[i, j]
            for p in range(j):
                v -= L[i, p] * L[j, p]
            L[i, j] = v / d
    return True


@nb.njit(**JIT)
def _rank_one(L, k, x, sign):
    """L L' + sign x x' (x (k,) overwritten) in place, O(k^2); False if a downdate
    (sign < 0) leaves the matrix not positive definite."""
    for i in range(k):
        if x[i] == 0.0:
            continue
        d2 = L[i, i] * L[i, i] + sign * x[i] * x[i]
        if d2 <= 1e-12 * L[i, i] * L[i, i]:
            return False
        r = np.sqrt(d2)
        c, s = r / L[i, i], x[i] / L[i, i]
        L[i, i] = r
        for j in range(i + 1, k):
            L[j, i] = (L[j, i] + sign * s * x[j]) / c
            x[j] = c * x[j] - s * L[j, i]
    return True


@nb.njit(**JIT)
def _delete(L, k, a):
    """The factor of K without row and column a (k -> k - 1), O(k^2): drop row a of L,
    then Givens rotations on column pairs (j, j + 1) clear the superdiagonal it leaves."""
    for i in range(a, k - 1):
        for j in range(i + 2):
            L[i, j] = L[i + 1, j]
    for j in range(a, k - 1):
        f, g = L[j, j], L[j, j + 1]
        r = np.sqrt(f * f + g * g)
        c, s = f / r, g / r
        for i in range(j, k - 1):
            u, v = L[i, j], L[i, j + 1]
            L[i, j] = c * u + s * v
            L[i, j + 1] = -s * u + c * v
        if L[j, j] < 0.0:
            for i in range(j, k - 1):
                L[i, j] = -L[i, j]


@nb.njit(**JIT)
def _column(act, k, ptr, col, val, j, scale, x):
    """x[a] = N_{act[a], j} * scale: the active rows' coefficients of variable j."""
    for a in range(k):
        x[a] = 0.0
        ja = act[a]
        for p in range(ptr[ja], ptr[ja + 1]):
            if col[p] == j:
                x[a] = val[p] * scale


@nb.njit(**JIT)
def _grad(h, q, lo, hi, ptr, col, val, act, k, u, p_row, p_var, p_sign, u_p, bst, x, g):
    """g = q + N_A' u + u_p n_p (without the Hessian term); x on the free variables from
    stationarity, at the bound elsewhere."""
    n = len(h)
    for i in range(n):
        g[i] = q[i]
    for a in range(k):
        j = act[a]
        for p in range(ptr[j], ptr[j + 1]):
            g[col[p]] += val[p] * u[a]
    if p_row >= 0:
        for p in range(ptr[p_row], ptr[p_row + 1]):
            g[col[p]] += val[p] * u_p
    elif p_var >= 0:
        g[p_var] += p_sign * u_p
    for i in range(n):
        if bst[i] < 0:
            x[i] = lo[i]
        elif bst[i] > 0:
            x[i] = hi[i]
        else:
            x[i] = -g[i] / h[i]


@nb.njit(**JIT)
def _verified(h, q, lo, hi, ptr, col, val, r, bst, act, k, u, x, g, tol_p):
    """OPTIMAL only if the final point meets the KKT conditions it should by construction:
    the active rows hold, every multiplier (rows and bounds) is >= 0 within tolerance;
    else NUMERICAL (rounding broke an invariant, or a NaN or infinity came in: the caller
    solves the QP another way)."""
    for i in range(len(x)):
        if not np.isfinite(x[i]):
            return NUMERICAL
    scale = 0.0
    for i in range(len(h)):
        scale = max(scale, abs(q[i]), abs(h[i] * x[i]))
    tol_d = 1e-7 * (1.0 + scale)
    for a in range(k):
        j = act[a]
        s = -r[j]
        for p in range(ptr[j], ptr[j + 1]):
            s += val[p] * x[col[p]]
        if not (abs(s) <= 1e3 * tol_p and u[a] >= -tol_d):     # (NaN fails too)
            return NUMERICAL
    for i in range(len(h)):
        if bst[i] != 0 and not -bst[i] * (h[i] * x[i] + g[i]) >= -tol_d:
            return NUMERICAL
    return OPTIMAL


@nb.njit(**JIT)
def dual_active_set(h, q, lo, hi, ptr, col, val, r, bst, act, k, u, x, max_steps, tol_p, wk):
    """Solve the QP from a dual-feasible active set: bounds bst (n,) (-1 lower, +1 upper,
    0 free) and rows act[:k] with multipliers u[:k] >= 0 (act, u of length >= min(n, m) + 1).

    All of bst, act, u and x (n,) are overwritten with the final active set, multipliers
    and solution; ``wk`` from :func:`work`. Returns (code, k, steps)."""
    n, m = len(h), len(r)
    hinv = 1.0 / h
    dense, L, w, y, v, g, d, inA = wk
    inA[:] = False
    for a in range(k):
        inA[act[a]] = True
    if k > 0 and not _factor(act, k, ptr, col, val, hinv, bst, L, dense):
        return NUMERICAL, k, 0
    p_row, p_var, p_sign, u_p = -1, -1, 0.0, 0.0
    _grad(h, q, lo, hi, ptr, col, val, act, k, u, p_row, p_var, p_sign, u_p, bst, x, g)
    for step in range(1, max_steps + 1):
        if p_row < 0 and p_var < 0:            # the most violated row or bound
            worst = tol_p
            for j in range(m):
                if not inA[j]:
                    s = -r[j]
                    for p in range(ptr[j], ptr[j + 1]):
                        s += val[p] * x[col[p]]
                    if s > worst:
                        worst, p_row = s, j
            for i in range(n):
                if bst[i] == 0:
                    if lo[i] - x[i] > worst:
                        worst, p_row, p_var, p_sign = lo[i] - x[i], -1, i, -1.0
                    elif x[i] - hi[i] > worst:
                        worst, p_row, p_var, p_sign = x[i] - hi[i], -1, i, 1.0
            if p_row < 0 and p_var < 0:
                return _verified(h, q, lo, hi, ptr, col, val, r, bst, act, k, u, x, g, tol_p), k, step
            u_p = 0.0
        # d = n_p (dense), its violation, w = N_AF H_F^-1 n_pF, kappa = n_pF H_F^-1 n_pF
        for i in range(n):
            d[i] = 0.0
        if p_row >= 0:
            for p in range(ptr[p_row], ptr[p_row + 1]):
                d[col[p]] = val[p]
            viol = -r[p_row]
        else:
            d[p_var] = p_sign
            viol = lo[p_var] if p_sign < 0 else -hi[p_var]   # rows -x <= -lo, x <= hi
        kappa = 0.0
        for i in range(n):
            viol += d[i] * x[i]
            if bst[i] == 0:
                kappa += d[i] * d[i] * hinv[i]
        scale = kappa
        for a in range(k):
            ja = act[a]
            s = 0.0
            for p in range(ptr[ja], ptr[ja + 1]):
                if bst[col[p]] == 0:
                    s += val[p] * hinv[col[p]] * d[col[p]]
            w[a] = s
        for i in range(k):                     # y = L^-1 w, v = L^-T y
            s = w[i]
            for p in range(i):
                s -= L[i, p] * y[p]
            y[i] = s / L[i, i]
        for i in range(k - 1, -1, -1):
            s = y[i]
            for p in range(i + 1, k):
                s -= L[p, i] * v[p]
            v[i] = s / L[i, i]
        for a in range(k):
            kappa -= y[a] * y[a]
        # rate of the gradient per unit step: d = n_p - N_A' v
        for a in range(k):
            ja = act[a]
            for p in range(ptr[ja], ptr[ja + 1]):
                d[col[p]] -= val[p] * v[a]
        vmax = 0.0                             # rates below 1e-10 of the largest are noise
        for a in range(k):
            vmax = max(vmax, abs(v[a]))
        for i in range(n):
            if bst[i] != 0:
                vmax = max(vmax, abs(d[i]))
        cut = 1e-10 * vmax
        t1 = np.inf                            # first active multiplier to reach zero
        drop_row, drop_var = -1, -1
        for a in range(k):
            if v[a] > cut and max(u[a], 0.0) / v[a] < t1:
                t1, drop_row, drop_var = max(u[a], 0.0) / v[a], a, -1
        for i in range(n):
            if bst[i] != 0:
                vb = bst[i] * d[i]             # the bound's multiplier falls at this rate
                if vb > cut:
                    ub = -bst[i] * (h[i] * x[i] + g[i])
                    if max(ub, 0.0) / vb < t1:
                        t1, drop_row, drop_var = max(ub, 0.0) / vb, -1, i
        full = kappa > 1e-9 * max(scale, 1e-300)
        t2 = viol / kappa if full else np.inf
        if not full and drop_row < 0 and drop_var < 0:
            return INFEASIBLE, k, step
        t = min(t1, t2)
        for a in range(k):
            u[a] -= t * v[a]
        u_p += t
        if t == t2:                            # the candidate joins the active set
            if p_row >= 0:
                if k >= min(len(act), L.shape[0]) - 1:
                    return NUMERICAL, k, step
                for a in range(k):
                    L[k, a] = y[a]
                L[k, k] = np.sqrt(kappa)
                act[k], u[k], inA[p_row] = p_row, u_p, True
                k += 1
            else:                              # variable p_var leaves F: K -= c c' / h
                bst[p_var] = -1 if p_sign < 0 else 1
                if k > 0:
                    _column(act, k, ptr, col, val, p_var, np.sqrt(hinv[p_var]), y)
                    if not _rank_one(L, k, y, -1.0) and not _factor(act, k, ptr, col, val, hinv,
                                                                    bst, L, dense):
                        return NUMERICAL, k, step
            p_row, p_var, u_p = -1, -1, 0.0
        else:                                  # a blocking constraint leaves
            if drop_row >= 0:
                inA[act[drop_row]] = False
                for a in range(drop_row, k - 1):
                    act[a], u[a] = act[a + 1], u[a + 1]
                _delete(L, k, drop_row)
                k -= 1
            else:                              # variable drop_var joins F: K += c c' / h
                bst[drop_var] = 0
                if k > 0:
                    _column(act, k, ptr, col, val, drop_var, np.sqrt(hinv[drop_var]), y)
                    _rank_one(L, k, y, 1.0)
        _grad(h, q, lo, hi, ptr, col, val, act, k, u, p_row, p_var, p_sign, u_p, bst, x, g)
    return STEP_LIMIT, k, max_steps


@nb.njit(**JIT)
def solve_rows(h, Cq, lo, hi, ptr, col, val, R, max_steps, tol_abs, tol_rel, Y, code):
    """The QP above for every row k of Cq (N, n) linear costs and R (N, m) right sides
    (h, the box and the rows N shared): Y[k] (n,), code[k]. Each row starts from the same
    dual-feasible active set (no row active; each variable at the bound its unconstrained
    minimiser passes), so an answer depends on its row alone; the feasibility tolerance
    is tol_abs + tol_rel max |R[k]|."""
    N, n = Cq.shape
    m = R.shape[1]
    act = np.empty(min(n, m) + 1, np.int64)
    u = np.empty(min(n, m) + 1)
    bst = np.zeros(n, np.int64)
    wk = work(n, m)
    for k in range(N):
        y = Y[k]
        for i in range(n):
            free = -Cq[k, i] / h[i]
            y[i] = min(max(free, lo[i]), hi[i])
            bst[i] = -1 if free < lo[i] else (1 if free > hi[i] else 0)
        scale = 0.0
        for j in range(m):
            scale = max(scale, abs(R[k, j]))
        code[k], _, _ = dual_active_set(h, Cq[k], lo, hi, ptr, col, val, R[k], bst, act, 0, u, y,
                                        max_steps, tol_abs + tol_rel * scale, wk)
