"""A small dense LP solved for every row of a population from one fixed starting basis:
the bounded primal simplex, compiled, for matrix followers whose leader moves their costs
(and, within the basis's reach, their right-hand sides).

The LP of one individual k:

    min  c_k' y   s.t.  row_lo_k <= B y <= row_hi_k,   lb_k <= y <= ub_k      (B (m, n))

is put in the standard form [B, -I] (y, r) = 0 with bounds on y and on the row activities
r. Every row starts from a basis fixed before the population is seen (the optimal basis
of the follower at a reference point, e.g. HiGHS's at x = 0; one per reference where the
caller has several, e.g. copies of a follower with their own data), so an answer depends
on its own data alone, never on the batch or the order of solves. From it: phase 2 of the primal simplex (Dantzig's rule,
then Bland's after 50 steps without progress, which cannot cycle), bounds flipped without
a basis change, the basis inverse updated per pivot and refactorised (Gauss-Jordan with
partial pivoting) every 32 pivots and at the end. Each answer is then checked afresh from
the final basis: primal feasibility (1e-9 (1 + |value|) for each variable and row),
dual feasibility (each reduced cost of the right sign within 1e-9 (1 + |its cost|)), and
uniqueness (every non-fixed nonbasic variable's reduced cost of the right sign beyond
1e-9 (1 + the largest dual): dual non-degeneracy, the test ``unique_lp_optimum`` makes of
HiGHS's answers, except that fixed variables, which cannot move, are not asked it).

Codes per row (``code`` (N,)): ``UNIQUE`` (the only optimum), ``TIED`` (an optimum, not
the only one), ``START_INFEASIBLE`` (the starting basis is not primal feasible at this
row's data: phase 1 is left to HiGHS), ``UNBOUNDED`` (a ray found), ``LIMIT`` (the
iteration cap), ``FAILED`` (a singular basis or a check not met). Anything but ``UNIQUE``
is for the caller's exact solver (HiGHS) to answer.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT

__all__ = ["solve_rows", "UNIQUE", "TIED", "START_INFEASIBLE", "UNBOUNDED", "LIMIT", "FAILED",
           "BASIC", "AT_LOWER", "AT_UPPER", "AT_ZERO"]

UNIQUE, TIED, START_INFEASIBLE, UNBOUNDED, LIMIT, FAILED = 0, 1, 2, 3, 4, 5
#: a variable's place in a basis: basic, nonbasic at its lower or upper bound, or free at 0
BASIC, AT_LOWER, AT_UPPER, AT_ZERO = 0, 1, 2, 3
_REFACTOR = 32          # pivots between refactorisations of the basis inverse
_STALL = 50             # degenerate steps before Bland's rule
_PIVOT = 1e-9           # entries of the entering column below this are not pivots


@nb.njit(**JIT)
def _column(B, j, out):
    """out (m,) = column j of [B, -I]."""
    m, n = B.shape
    if j < n:
        for i in range(m):
            out[i] = B[i, j]
    else:
        for i in range(m):
            out[i] = 0.0
        out[j - n] = -1.0


@nb.njit(**JIT)
def _invert(B, basis, inv, M, col):
    """inv = the inverse of [B, -I][:, basis] by Gauss-Jordan with partial pivoting;
    False where the basis is singular."""
    m = len(basis)
    for k in range(m):
        _column(B, basis[k], col)
        for i in range(m):
            M[i, k] = col[i]
    for i in range(m):
        for k in range(m):
            inv[i, k] = 1.0 if i == k else 0.0
    for k in range(m):
        p, big = k, abs(M[k, k])
        for i in range(k + 1, m):
            if abs(M[i, k]) > big:
                p, big = i, abs(M[i, k])
        if big < 1e-11:
            return False
        if p != k:
            for j in range(m):
                M[k, j], M[p, j] = M[p, j], M[k, j]
                inv[k, j], inv[p, j] = inv[p, j], inv[k, j]
        d = M[k, k]
        for j in range(m):
            M[k, j] /= d
            inv[k, j] /= d
        for i in range(m):
            if i != k and M[i, k] != 0.0:
                f = M[i, k]
                for j in range(m):
                    M[i, j] -= f * M[k, j]
                    inv[i, j] -= f * inv[k, j]
    return True


@nb.njit(**JIT)
def _basic_values(B, basis, stat, x, inv, w):
    """x[basis] = the basic values given the nonbasic ones: [B, -I] x = 0."""
    m, n = B.shape
    for i in range(m):
        w[i] = -x[n + i] if stat[n + i] != BASIC else 0.0
    for j in range(n):
        if stat[j] != BASIC and x[j] != 0.0:
            for i in range(m):
                w[i] += B[i, j] * x[j]
    for k in range(m):
        s = 0.0
        for i in range(m):
            s -= inv[k, i] * w[i]
        x[basis[k]] = s


@nb.njit(**JIT)
def _duals(B, basis, cost, inv, pi, d):
    """pi (m,) = c_B' inv and the reduced costs d (n + m) (0 on the basic variables)."""
    m, n = B.shape
    for i in range(m):
        s = 0.0
        for k in range(m):
            s += cost[basis[k]] * inv[k, i]
        pi[i] = s
    for j in range(n):
        s = cost[j]
        for i in range(m):
            s -= pi[i] * B[i, j]
        d[j] = s
    for i in range(m):
        d[n + i] = pi[i]
    for k in range(m):
        d[basis[k]] = 0.0


@nb.njit(**JIT)
def _one(B, c, lo, hi, basis0, stat0, max_iter, y):
    """One row: (code, objective); y (n,) its answer."""
    m, n = B.shape
    N = n + m
    cost = np.zeros(N)
    cost[:n] = c
    basis = basis0.copy()
    stat = stat0.copy()
    x = np.zeros(N)
    inv, M = np.empty((m, m)), np.empty((m, m))
    col, a, w, pi, d = np.empty(m), np.empty(m), np.empty(m), np.empty(m), np.empty(N)
    dtol = np.empty(N)                 # a reduced cost's tolerance, per variable: one large
    for j in range(N):                 # cost must not hide another column's wrong sign
        dtol[j] = 1e-9 * (1.0 + abs(cost[j]))
    for j in range(N):
        if stat[j] == AT_LOWER:
            x[j] = lo[j]
        elif stat[j] == AT_UPPER:
            x[j] = hi[j]
        if stat[j] != BASIC and not np.isfinite(x[j]):
            return FAILED, 0.0
    if not _invert(B, basis, inv, M, col):
        return FAILED, 0.0
    _basic_values(B, basis, stat, x, inv, w)
    for k in range(m):
        j = basis[k]
        tol = 1e-9 * (1.0 + abs(x[j]))
        if x[j] < lo[j] - tol or x[j] > hi[j] + tol:
            return START_INFEASIBLE, 0.0
    since, stall, it = 0, 0, 0
    while True:
        if since >= _REFACTOR:
            if not _invert(B, basis, inv, M, col):
                return FAILED, 0.0
            _basic_values(B, basis, stat, x, inv, w)
            since = 0
        _duals(B, basis, cost, inv, pi, d)
        bland = stall >= _STALL
        enter, best, sense = -1, 0.0, 0.0
        for j in range(N):
            if stat[j] == BASIC or lo[j] == hi[j]:
                continue
            dj, s, tj = d[j], 0.0, dtol[j]
            if stat[j] == AT_LOWER and dj < -tj:
                s = 1.0
            elif stat[j] == AT_UPPER and dj > tj:
                s = -1.0
            elif stat[j] == AT_ZERO and abs(dj) > tj:
                s = -1.0 if dj > 0.0 else 1.0
            if s != 0.0 and abs(dj) > best:
                enter, best, sense = j, abs(dj), s
                if bland:
                    break
        if enter < 0:
            break                                           # optimal
        it += 1
        if it > max_iter:
            return LIMIT, 0.0
        _column(B, enter, col)
        for k in range(m):
            s = 0.0
            for i in range(m):
                s += inv[k, i] * col[i]
            a[k] = s
        t = hi[enter] - lo[enter]                           # a bound flip
        leave = -1
        for k in range(m):
            delta = -sense * a[k]
            if abs(a[k]) <= _PIVOT:
                continue
            j = basis[k]
            if delta < 0.0:
                if not np.isfinite(lo[j]):
                    continue
                lim = max((x[j] - lo[j]) / -delta, 0.0)
            else:
                if not np.isfinite(hi[j]):
                    continue
                lim = max((hi[j] - x[j]) / delta, 0.0)
            if lim < t:
                t, leave = lim, k
            elif leave >= 0 and lim == t:               # a tie: the larger pivot (Bland:
                if (basis[k] < basis[leave]) if bland else (abs(a[k]) > abs(a[leave])):
                    t, leave = lim, k                   # the smaller index)
        if not np.isfinite(t):
            return UNBOUNDED, 0.0
        stall = stall + 1 if t <= 1e-12 else 0
        for k in range(m):
            x[basis[k]] -= sense * t * a[k]
        x[enter] += sense * t
        since += 1
        if leave < 0:                                       # the entering one flips bounds
            stat[enter] = AT_UPPER if sense > 0.0 else AT_LOWER
            x[enter] = hi[enter] if sense > 0.0 else lo[enter]
            continue
        out = basis[leave]
        if -sense * a[leave] < 0.0:
            stat[out], x[out] = AT_LOWER, lo[out]
        else:
            stat[out], x[out] = AT_UPPER, hi[out]
        basis[leave] = enter
        stat[enter] = BASIC
        p = a[leave]
        for i in range(m):
            inv[leave, i] /= p
        for k in range(m):
            if k != leave and a[k] != 0.0:
                f = a[k]
                for i in range(m):
                    inv[k, i] -= f * inv[leave, i]
    # the answer checked afresh from its final basis
    if not _invert(B, basis, inv, M, col):
        return FAILED, 0.0
    _basic_values(B, basis, stat, x, inv, w)
    _duals(B, basis, cost, inv, pi, d)
    for j in range(N):
        tol = 1e-9 * (1.0 + abs(x[j]))
        if x[j] < lo[j] - tol or x[j] > hi[j] + tol:
            return FAILED, 0.0
    dmax = 0.0
    for j in range(N):
        dmax = max(dmax, abs(d[j]))
    utol = 1e-9 * (1.0 + dmax)
    unique = True
    for j in range(N):
        if stat[j] == BASIC or lo[j] == hi[j]:
            continue
        dj, tj = d[j], dtol[j]
        if (stat[j] == AT_LOWER and dj < -tj) or (stat[j] == AT_UPPER and dj > tj) or \
                (stat[j] == AT_ZERO and abs(dj) > tj):
            return FAILED, 0.0
        # unique: every nonbasic's reduced cost of the right sign and nonzero
        if not ((stat[j] == AT_LOWER and dj > utol) or (stat[j] == AT_UPPER and dj < -utol)):
            unique = False
    obj = 0.0
    for j in range(n):
        y[j] = x[j]
        obj += c[j] * x[j]
    return (UNIQUE if unique else TIED), obj


@nb.njit(**JIT)
def solve_rows(B, C, row_lo, row_hi, col_lo, col_hi, basis0, stat0, max_iter, Y, obj, code):
    """Every row k of C (N, n) costs, row_lo / row_hi (N, m), col_lo / col_hi (N, n):
    Y[k] (n,), obj[k] and code[k] (see the module), from row k's starting basis basis0[k]
    (m,) (indices into (y, r)) with statuses stat0[k] (n + m,) (``BASIC``, ``AT_LOWER``,
    ``AT_UPPER``, ``AT_ZERO``); ``max_iter`` pivots at most per row."""
    m, n = B.shape
    lo, hi = np.empty(n + m), np.empty(n + m)
    for k in range(C.shape[0]):
        lo[:n], hi[:n] = col_lo[k], col_hi[k]
        lo[n:], hi[n:] = row_lo[k], row_hi[k]
        code[k], obj[k] = _one(B, C[k], lo, hi, basis0[k], stat0[k], max_iter, Y[k])
