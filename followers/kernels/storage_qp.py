"""Compiled (numba) exact solver of a storage QP with quadratic stage costs, row by row.

Model of one row (L hourly steps, k = 1..L; every row its own data)::

    min  sum_k  p_k c_k - q_k d_k + g_k (D_k + c_k - d_k)^2
    s.t. e_k = e_{k-1} + eta_c c_k - d_k / eta_d          (e_0 given)
         lo <= e_k <= hi  (k = 1..L),   e_L >= need
         c_k, d_k >= 0,   c_k / C + d_k / Dm <= 1          (one hour's charge/discharge hull)

with g_k > 0 and eta_c eta_d < 1. (An EV cluster: p, q its buy and sell prices, D the
imbalance it is told, C = Dm = n x 8 kW; the hull row says that within an hour each car
charges or discharges, or switches, at its rated power at most.)

Method: backward dynamic programming on the value function W_k(e), convex and piecewise
quadratic, held by its inverse derivative: the nondecreasing curve lambda -> {e :
W_k'(e) = lambda}, stored as vertices (lambda_i, e_i) joined by segments (vertical
segments are linear pieces of W, horizontal ones its kinks) and extended flat beyond the
ends. One step back adds the stage's curve lambda -> -X_k(-lambda), where X_k(mu) is the
energy the stage stores when energy is worth mu (closed form: a net power P clipped to
its bounds; below mu* = -(p - q) / (1/eta_d - eta_c) the stage also charges and
discharges within the hour as far as the hull allows, which is what makes the stage
convex), a merge of two sorted vertex lists; then clips to [lo, hi]. The forward pass
finds the multiplier of the current state on the stored curve and reads the next state;
a step's (c, d) is the unique cheapest split of its energy change. Exact up to
rounding; O(L^2) per row. Ties (a vertical segment of both the stage's and the future's
curves at the same multiplier) go to the step whose energy change is closest to zero.
The answer is checked against the bounds before it is reported (codes below).

Codes: 0 optimal, 1 infeasible (no plan meets the bounds; ``gap`` says by how many kWh
the start misses the feasible range), 3 numerical failure (a bound broken after rounding).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT

__all__ = ["solve_rows", "split", "OPTIMAL", "INFEASIBLE", "NUMERICAL"]

OPTIMAL, INFEASIBLE, NUMERICAL = 0, 1, 3
_ZMAX = 8                     # vertices of one stage's curve
_INF = np.inf


@nb.njit(**JIT)
def _x0(mu, p, q, D, g, C, Dm, ec, ed):
    """Energy stored at value mu with no simultaneous charge/discharge (mu >= mu*)."""
    r = (mu * ec - p) / (2.0 * g) - D
    if r > 0.0 and C > 0.0:
        return ec * min(C, r)
    lft = (mu / ed - q) / (2.0 * g) - D
    if lft < 0.0 and Dm > 0.0:
        return max(-Dm, lft) / ed
    return 0.0


@nb.njit(**JIT)
def _stage(p, q, D, g, C, Dm, ec, ed, lam, z, mus, xs, cand):
    """The stage's curve lambda -> -X(-lambda) into lam, z; returns its vertex count.
    mus, xs (_ZMAX,) and cand (4,) are scratch."""
    kappa = 1.0 / ed - ec
    H = C * Dm / (C + Dm) if C > 0.0 and Dm > 0.0 else 0.0
    mu_s = -(p - q) / kappa if H > 0.0 else -_INF
    m = 0
    if H > 0.0:
        aw = ec + kappa * H / C
        bw = p - (p - q) * H / C
        for mu in ((bw + 2.0 * g * (D - Dm)) / aw, (bw + 2.0 * g * (D + C)) / aw):
            if mu < mu_s:
                mus[m] = mu
                xs[m] = -kappa * H + aw * min(C, max(-Dm, (mu * aw - bw) / (2.0 * g) - D))
                m += 1
        mus[m] = mu_s
        xs[m] = -kappa * H + aw * min(C, max(-Dm, (mu_s * aw - bw) / (2.0 * g) - D))
        m += 1
        mus[m] = mu_s
        xs[m] = max(xs[m - 1], _x0(mu_s, p, q, D, g, C, Dm, ec, ed))
        m += 1
    k = 0
    if Dm > 0.0:
        cand[k] = (q + 2.0 * g * (D - Dm)) * ed
        cand[k + 1] = (q + 2.0 * g * D) * ed
        k += 2
    if C > 0.0:
        cand[k] = (p + 2.0 * g * D) / ec
        cand[k + 1] = (p + 2.0 * g * (D + C)) / ec
        k += 2
    for i in range(k):
        if cand[i] > mu_s and (m == 0 or cand[i] >= mus[m - 1]):
            mus[m] = cand[i]
            xs[m] = max(xs[m - 1], _x0(cand[i], p, q, D, g, C, Dm, ec, ed)) if m else \
                _x0(cand[i], p, q, D, g, C, Dm, ec, ed)
            m += 1
    if m == 0:                                   # C = Dm = 0: the stage stores nothing
        mus[0] = 0.0
        xs[0] = 0.0
        m = 1
    for i in range(m):                           # lambda = -mu, z = -x, reversed
        lam[i] = -mus[m - 1 - i]
        z[i] = -xs[m - 1 - i]
    return m


@nb.njit(**JIT)
def _at(lam, e, n, i, x):
    """Left and right values of curve (lam, e, n) at x; i = first index with lam[i] >= x.
    Returns (left, right, index past the vertices at x)."""
    if i < n and lam[i] == x:
        left = e[i]
        while i + 1 < n and lam[i + 1] == x:
            i += 1
        return left, e[i], i + 1
    if i == 0:
        return e[0], e[0], i
    if i == n:
        return e[n - 1], e[n - 1], i
    v = e[i - 1] + (e[i] - e[i - 1]) * (x - lam[i - 1]) / (lam[i] - lam[i - 1])
    return v, v, i


@nb.njit(**JIT)
def _value(lam, e, n, x):
    """(left, right) values of a curve at x (any x)."""
    i = 0
    while i < n and lam[i] < x:
        i += 1
    left, right, _ = _at(lam, e, n, i, x)
    return left, right


@nb.njit(**JIT)
def _merge(l1, e1, n1, l2, e2, n2, lo_, eo):
    """The sum of two curves (as set-valued maps) into (lo_, eo); returns its count."""
    i = 0
    j = 0
    m = 0
    while i < n1 or j < n2:
        x = min(l1[i] if i < n1 else _INF, l2[j] if j < n2 else _INF)
        a_l, a_r, i = _at(l1, e1, n1, i, x)
        b_l, b_r, j = _at(l2, e2, n2, j, x)
        lo_[m] = x
        eo[m] = a_l + b_l
        m += 1
        if a_r + b_r > a_l + b_l:
            lo_[m] = x
            eo[m] = a_r + b_r
            m += 1
    return m


@nb.njit(**JIT)
def _clamp(lam, e, n, lo, hi, lo_, eo):
    """The curve clipped to [lo, hi] into (lo_, eo); returns its count (0 if it misses)."""
    if e[n - 1] < lo or e[0] > hi:
        return 0
    m = 0
    for i in range(n):
        if i > 0:
            for b in (lo, hi):                   # a segment crossing a bound: its point
                if e[i - 1] < b < e[i]:
                    lo_[m] = lam[i - 1] + (b - e[i - 1]) * (lam[i] - lam[i - 1]) / (e[i] - e[i - 1])
                    eo[m] = b
                    m += 1
        if lo <= e[i] <= hi:
            lo_[m] = lam[i]
            eo[m] = e[i]
            m += 1
    return m


@nb.njit(**JIT)
def split(x, p, q, D, g, C, Dm, ec, ed):
    """The cheapest (c, d) of one step that stores x: unique for g > 0."""
    if C <= 0.0:
        return 0.0, max(0.0, -x * ed)
    if Dm <= 0.0:
        return max(0.0, x / ec), 0.0
    c_lo = max(0.0, x / ec)
    c_hi = min(C, (x + Dm / ed) / ec, (1.0 + ed * x / Dm) / (1.0 / C + ed * ec / Dm))
    r = 1.0 - ec * ed
    P = -D - (p - q * ec * ed) / (2.0 * g * r)
    c = (P - ed * x) / r
    c = min(max(c, c_lo), c_hi) if c_lo <= c_hi else 0.5 * (c_lo + c_hi)
    return c, max(0.0, ed * (ec * c - x))


@nb.njit(**JIT)
def _solve_row(L, p, q, D, g, C, Dm, ec, ed, e0, lo, hi, need, SL, SE, SN, ZL, ZE, ZN,
               yl, ye, scratch, c, d, e):
    """One row; fills c, d (L,), e (L + 1,). Returns (code, gap kWh)."""
    tol = 1e-9 * max(1.0, abs(hi), abs(lo))
    top = max(need, lo)
    if top > hi + tol:
        return INFEASIBLE, top - hi
    yl[0] = 0.0
    ye[0] = top
    yl[1] = 0.0
    ye[1] = hi
    ny = 2
    for k in range(L, 0, -1):                    # stage k (1-based) -> curve of e_{k-1}
        ZN[k - 1] = _stage(p[k - 1], q[k - 1], D[k - 1], g[k - 1], C, Dm, ec, ed,
                           ZL[k - 1], ZE[k - 1], scratch[0], scratch[1], scratch[2, :4])
        SN[k - 1] = _merge(yl, ye, ny, ZL[k - 1], ZE[k - 1], ZN[k - 1], SL[k - 1], SE[k - 1])
        if k > 1:
            ny = _clamp(SL[k - 1], SE[k - 1], SN[k - 1], lo, hi, yl, ye)
            if ny == 0:
                n = SN[k - 1]
                return INFEASIBLE, max(lo - SE[k - 1, n - 1], SE[k - 1, 0] - hi)
    n0 = SN[0]
    if e0 < SE[0, 0] - tol or e0 > SE[0, n0 - 1] + tol:
        return INFEASIBLE, max(SE[0, 0] - e0, e0 - SE[0, n0 - 1])
    e[0] = e0
    for k in range(1, L + 1):
        cur = e[k - 1]
        n = SN[k - 1]
        sl, se = SL[k - 1], SE[k - 1]
        i = 0
        while i < n and se[i] < cur:
            i += 1
        if i == 0:
            x = sl[0]
        elif i == n:
            x = sl[n - 1]
        elif sl[i] == sl[i - 1]:
            x = sl[i]
        else:
            x = sl[i - 1] + (cur - se[i - 1]) * (sl[i] - sl[i - 1]) / (se[i] - se[i - 1])
        if k < L:
            y_l, y_r = _value(SL[k], SE[k], SN[k], x)
            y_l = min(max(y_l, lo), hi)
            y_r = min(max(y_r, lo), hi)
        else:
            y_l = top if x <= 0.0 else hi
            y_r = hi if x >= 0.0 else top
        z_l, z_r = _value(ZL[k - 1], ZE[k - 1], ZN[k - 1], x)
        a = max(z_l, cur - y_r)
        b = min(z_r, cur - y_l)
        z = min(max(0.0, a), b) if a <= b else 0.5 * (a + b)
        ck, dk = split(-z, p[k - 1], q[k - 1], D[k - 1], g[k - 1], C, Dm, ec, ed)
        c[k - 1] = ck
        d[k - 1] = dk
        e[k] = cur + ec * ck - dk / ed
        if not lo - tol <= e[k] <= hi + tol:     # (NaN fails too)
            return NUMERICAL, 0.0
    if not e[L] >= need - tol:
        return NUMERICAL, 0.0
    return OPTIMAL, 0.0


@nb.njit(**JIT)
def solve_rows(length, p, q, D, g, C, Dm, ec, ed, e0, lo, hi, need):
    """Every row r: steps 0..length[r]-1 of p, q, D, g (n, T); the rest (n,) per row.

    Returns c, d (n, T) (zero past each row's length), e (n, T + 1) (held past it),
    objective (n,), code (n,) int8, gap (n,) (kWh by which an infeasible row misses)."""
    n, T = p.shape
    M = 10 * T + 4
    SL = np.empty((T, M))
    SE = np.empty((T, M))
    SN = np.zeros(T, np.int64)
    ZL = np.empty((T, _ZMAX))
    ZE = np.empty((T, _ZMAX))
    ZN = np.zeros(T, np.int64)
    yl = np.empty(M)
    ye = np.empty(M)
    scratch = np.empty((3, _ZMAX))
    c = np.zeros((n, T))
    d = np.zeros((n, T))
    e = np.zeros((n, T + 1))
    obj = np.zeros(n)
    code = np.zeros(n, np.int8)
    gap = np.zeros(n)
    for r in range(n):
        L = length[r]
        code[r], gap[r] = _solve_row(L, p[r], q[r], D[r], g[r], C[r], Dm[r], ec[r], ed[r], e0[r],
                                     lo[r], hi[r], need[r], SL, SE, SN, ZL, ZE, ZN, yl, ye,
                                     scratch, c[r], d[r], e[r])
        if code[r] != OPTIMAL:
            for k in range(L):
                c[r, k] = 0.0
                d[r, k] = 0.0
            e[r, 0] = e0[r]
        for k in range(L + 1, T + 1):
            e[r, k] = e[r, L]
        if code[r] == OPTIMAL:
            s = 0.0
            for k in range(L):
                P = D[r, k] + c[r, k] - d[r, k]
                s += p[r, k] * c[r, k] - q[r, k] * d[r, k] + g[r, k] * P * P
            obj[r] = s
    return c, d, e, obj, code, gap
