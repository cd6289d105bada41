"""The single-level (KKT) system of a :class:`~stackga.bilevel.model.Bilevel` with LP or
convex-QP followers: every follower replaced by its optimality conditions.

Follower k at x, with c = d + M'x and rows B y (sense) r, r = b - A x:
    stationarity   c + Q y + B' lam - mu_lo + mu_hi = 0
    primal         B_i y <= r_i ("<="), >= ("">="), = ("="); lb <= y <= ub
    signs          lam_i >= 0 ("<="), lam_i <= 0 (">="), free ("="); mu_lo, mu_hi >= 0
    complementary  lam_i * (r_i - B_i y) = 0;  mu_lo_j (y_j - lb_j) = 0;  mu_hi_j (ub_j - y_j) = 0
(mu only for finite bounds). The convex follower's KKT conditions are necessary and
sufficient, so minimising F over them picks the follower optimum best for the leader:
the optimistic bilevel problem.

Variables, in order: x (n_x) | y (n_y) | per follower: lam (m_k), mu_lo, mu_hi. A
complementary pair is (index of a multiplier, row of a "slack" expression >= 0 over the
variables); the solvers in :mod:`stackga.bilevel.exact` and the polish in
:mod:`stackga.bilevel.polish` impose the pairs their own way (binaries with big-M, SOS1,
or a fixed pattern).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

from .model import Bilevel

__all__ = ["KKTSystem", "kkt_system", "solve_pattern", "strong_duality"]


@dataclass
class KKTSystem:
    """Linear parts of the single-level problem (dense; problems here are small).

    eq (A_eq, b_eq): stationarity, follower equality rows, leader equalities.
    ineq (A_in, b_in): A_in v <= b_in: follower "<=" / ">=" rows, leader rows, coupling.
    lo, hi: variable bounds (x box, y bounds, multiplier signs).
    pairs: list of (multiplier column, slack row s (coefficients over v), slack constant):
        the slack is s @ v + s0 >= 0 and multiplier * slack = 0.
    obj_c, obj_Q: the leader's objective to MINIMISE (negated for a maximising leader),
        1/2 v'Q v + c v over the whole vector v (only the x, y block is non-zero).
    bilinear: terms coef * v[a] * v[b] added to equality row r, as (r, a, b, coef) (the
        pessimistic system's t * x; empty for the optimistic one).
    mult: (follower k, "lam" | "mu_lo" | "mu_hi", row or column index) of each multiplier
        column, in order from column n_x + n_y.
    """

    n: int
    n_x: int
    n_y: int
    A_eq: np.ndarray
    b_eq: np.ndarray
    A_in: np.ndarray
    b_in: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    pairs: list
    obj_c: np.ndarray
    obj_Q: np.ndarray
    sign: float
    names: list
    bilinear: list = field(default_factory=list)
    mult: list = field(default_factory=list)


def kkt_system(bl: Bilevel) -> KKTSystem:
    nx, ny = bl.n_x, bl.n_y
    cols = [("x", i) for i in range(nx)] + [("y", j) for j in range(ny)]
    mult = []                                  # (follower, kind, index) per multiplier column
    for k, f in enumerate(bl.followers):
        mult += [(k, "lam", i) for i in range(len(f.b))]
        mult += [(k, "mu_lo", j) for j in range(f.n) if np.isfinite(f.lb[j])]
        mult += [(k, "mu_hi", j) for j in range(f.n) if np.isfinite(f.ub[j])]
    n = nx + ny + len(mult)
    col_of = {m: nx + ny + i for i, m in enumerate(mult)}
    eq_rows, eq_rhs, in_rows, in_rhs, pairs = [], [], [], [], []
    lo = np.concatenate([bl.x_lb, np.concatenate([f.lb for f in bl.followers]), np.full(len(mult), -np.inf)])
    hi = np.concatenate([bl.x_ub, np.concatenate([f.ub for f in bl.followers]), np.full(len(mult), np.inf)])
    for (k, kind, i), c in col_of.items():
        f = bl.followers[k]
        if kind != "lam" or f.sense[i] == "<=":
            lo[c] = 0.0
        elif f.sense[i] == ">=":
            hi[c] = 0.0
    for k, (f, sl) in enumerate(zip(bl.followers, bl.slices)):
        ys = np.arange(sl.start, sl.stop) + nx
        for j in range(f.n):                   # stationarity row j of follower k
            r = np.zeros(n)
            r[:nx] = f.M[:, j]
            r[ys] += f.Q[j]
            for i in range(len(f.b)):
                r[col_of[(k, "lam", i)]] = f.B[i, j]
            if (k, "mu_lo", j) in col_of:
                r[col_of[(k, "mu_lo", j)]] = -1.0
            if (k, "mu_hi", j) in col_of:
                r[col_of[(k, "mu_hi", j)]] = 1.0
            eq_rows.append(r)
            eq_rhs.append(-f.d[j])
        for i in range(len(f.b)):              # primal rows: A x + B y (sense) b
            r = np.zeros(n)
            r[:nx], r[ys] = f.A[i], f.B[i]
            if f.sense[i] == "=":
                eq_rows.append(r)
                eq_rhs.append(f.b[i])
                continue
            s = -r if f.sense[i] == "<=" else r      # slack s v + s0 >= 0
            s0 = f.b[i] if f.sense[i] == "<=" else -f.b[i]
            in_rows.append(-s)
            in_rhs.append(s0)
            pairs.append((col_of[(k, "lam", i)], s, s0))
        for j in range(f.n):                   # bound pairs
            for kind, sgn, bound in (("mu_lo", 1.0, f.lb[j]), ("mu_hi", -1.0, f.ub[j])):
                if (k, kind, j) in col_of:
                    s = np.zeros(n)
                    s[ys[j]] = sgn
                    pairs.append((col_of[(k, kind, j)], s, -sgn * bound))
    def leader_rows(Mx, My, rhs, rows, out):          # leader rows on x (and y): copied
        for i in range(len(rhs)):
            r = np.zeros(n)
            r[:nx] = Mx[i]
            if My is not None:
                r[nx:nx + ny] = My[i]
            rows.append(r)
            out.append(rhs[i])
    if bl.A_x is not None:
        leader_rows(bl.A_x, None, bl.b_x, in_rows, in_rhs)
    if bl.E_x is not None:
        leader_rows(bl.E_x, None, bl.e_x, eq_rows, eq_rhs)
    if bl.h is not None:
        leader_rows(bl.G_x, bl.G_y, bl.h, in_rows, in_rhs)
    sign = 1.0 if bl.sense == "min" else -1.0
    obj_c = np.zeros(n)
    obj_c[:nx], obj_c[nx:nx + ny] = sign * bl.c_x, sign * bl.c_y
    Q = np.zeros((n, n))
    Q[:nx, :nx] = bl.Q_xx
    Q[nx:nx + ny, nx:nx + ny] = bl.Q_yy
    Q[:nx, nx:nx + ny] = bl.Q_xy
    Q[nx:nx + ny, :nx] = bl.Q_xy.T
    names = [f"{a}[{i}]" for a, i in cols] + [f"{kind}{k}[{i}]" for k, kind, i in mult]
    as2d = lambda rows: np.array(rows) if rows else np.zeros((0, n))      # noqa: E731
    return KKTSystem(n, nx, ny, as2d(eq_rows), np.array(eq_rhs), as2d(in_rows), np.array(in_rhs),
                     lo, hi, pairs, obj_c, sign * Q, sign, names, mult=mult)


def strong_duality(K: KKTSystem, bl: Bilevel, rtol: float = 1e-12) -> tuple[KKTSystem, list]:
    """The optimistic system with the leader's price x quantity terms replaced by the
    followers' dual objective, where that is exact; returns (system, followers replaced).

    Follower k's block of the leader's bilinear term is x'Q_xy[:, k] y_k. Where it is
    alpha_k x'M_k y_k (what the follower pays, scaled) and x is not in the follower's rows
    (A_k = 0), every point of the KKT system has (stationarity times y, then
    complementarity: lam_i B_i y = lam_i b_i, mu_lo_j y_j = mu_lo_j lb_j, mu_hi_j y_j =
    mu_hi_j ub_j)

        x'M_k y_k = -d_k'y_k - y_k'Q_k y_k - lam_k'b_k + mu_lo_k'lb_k - mu_hi_k'ub_k,

    linear in (y, multipliers) but for -y'Q y (convex for a leader that maximises what
    it is paid). The bilinear term is dropped and this added: the same objective on the
    whole feasible set, without x y products (the standard MPEC form of pricing games).
    Blocks of any other form are kept as they are."""
    if K.bilinear:
        return K, []
    nx, ny = K.n_x, K.n_y
    obj_c, Q = K.obj_c.copy(), K.obj_Q.copy()
    col = {m: nx + ny + i for i, m in enumerate(K.mult)}
    done = []
    for k, (f, sl) in enumerate(zip(bl.followers, bl.slices)):
        Qk = bl.Q_xy[:, sl]
        if not np.any(Qk) or not np.any(f.M) or np.any(f.A) or np.any(f.integer):
            continue
        alpha = float(np.sum(Qk * f.M) / np.sum(f.M * f.M))
        if np.abs(Qk - alpha * f.M).max() > rtol * np.abs(Qk).max():
            continue
        w = K.sign * alpha                   # the system minimises sign * F
        ys = np.arange(sl.start, sl.stop) + nx
        Q[:nx, ys] = 0.0
        Q[ys, :nx] = 0.0
        Q[np.ix_(ys, ys)] += -2.0 * w * f.Q          # 1/2 v'Qv: -y'Q y
        obj_c[ys] += -w * f.d
        for i in range(len(f.b)):
            obj_c[col[(k, "lam", i)]] += -w * f.b[i]
        for j in range(f.n):
            if (k, "mu_lo", j) in col:
                obj_c[col[(k, "mu_lo", j)]] += w * f.lb[j]
            if (k, "mu_hi", j) in col:
                obj_c[col[(k, "mu_hi", j)]] += -w * f.ub[j]
        done.append(k)
    return replace(K, obj_c=obj_c, obj_Q=Q), done


def solve_pattern(K: KKTSystem, active: np.ndarray, fixed: dict | None = None,
                  status: list | None = None) -> np.ndarray | None:
    """The leader's optimum over the KKT system with each pair's side fixed: active pairs
    have slack 0, the others multiplier 0 (an LP, or a convex QP; None if the leader is
    nonconvex or HiGHS finds no optimum). ``fixed``: column -> value held (integer x).
    Returns the whole vector v (n,); None for a system with bilinear terms. ``status``: a
    list that receives the solve's :class:`~stackga.followers.Status` (None if not solved)."""
    status = status if status is not None else []
    if K.bilinear:
        status.append(None)
        return None
    lo, hi = K.lo.copy(), K.hi.copy()
    for c, val in (fixed or {}).items():
        lo[c] = hi[c] = val
    rows: list = [K.A_eq, K.A_in]
    rlo: list = [K.b_eq, np.full(len(K.A_in), -np.inf)]
    rhi: list = [K.b_eq, K.b_in]
    for p, (c, s, s0) in enumerate(K.pairs):
        if active[p]:                                  # slack = 0
            rows.append(s[None])
            rlo.append([-s0])
            rhi.append([-s0])
        else:                                          # multiplier = 0
            lo[c], hi[c] = 0.0, 0.0
    Q = K.obj_Q
    if np.any(Q) and np.linalg.eigvalsh(Q[:K.n_x + K.n_y, :K.n_x + K.n_y]).min() < -1e-9:
        status.append(None)
        return None                                    # nonconvex leader: HiGHS cannot
    st, v, _ = solve_highs(K.obj_c, sp.csr_matrix(np.vstack(rows)), np.concatenate(rlo),
                           np.concatenate(rhi), lo, hi,
                           hessian=sp.csr_matrix(Q) if np.any(Q) else None)
    status.append(st)
    return v if st == Status.OPTIMAL else None
