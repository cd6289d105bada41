"""The exact reference for games with integer (MILP) followers: value-function cuts on
the high-point relaxation, solved by HiGHS.

An integer follower's optimality has no KKT certificate, so it is imposed point by point.
The high-point relaxation (HPR) keeps the leader's and every follower's constraints and
integrality and drops follower optimality; its optimum bounds the bilevel optimum. At the
HPR's answer x^k each follower is solved (phi_k(x^k), a MILP) and the cut

    x_L = x^k_L   =>   c_k(x^k)' y_k <= phi_k(x^k)                        (every k)

is added (L: the leader variables that enter some follower's problem, "linking"). It holds
at every bilevel-feasible point, so the HPR stays a relaxation; it removes x^k's
non-optimal responses. The implication is stated with binaries z+_i (x_i >= x^k_i + 1),
z-_i (x_i <= x^k_i - 1), i in L:

    c_k(x^k)' y_k - U_k sum_i (z+_i + z-_i) <= phi_k(x^k)

with U_k the largest c_k(x^k)' y_k - phi_k(x^k) over the HPR's LP relaxation. The best
bilevel-feasible point with x_L = x^k_L (the HPR with x_L fixed and the cuts: the
optimistic choice among the followers' optima) is the incumbent. The loop stops when the
HPR's bound meets the incumbent. Linking variables must be integer and bounded: there
are finitely many x_L, so the loop ends, and the optimum is attained (with continuous
linking variables an integer follower's problem can have an infimum only). Optimistic
selection; linear leaders (HiGHS has no MIQP); LP followers are handled by the same cuts
(their phi is an LP), convex-QP followers are not (the cut would be quadratic).
"""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError
from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

from .model import Bilevel

__all__ = ["solve_value_cuts", "linking"]

TOL = 1e-9          # relative slack of the cuts on phi (the MILPs' feasibility tolerance)
OPTS = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}


def linking(bl: Bilevel) -> np.ndarray:
    """Indices of the leader variables in some follower's rows (A) or cost (M)."""
    used = np.zeros(bl.n_x, bool)
    for f in bl.followers:
        used |= np.any(f.A != 0, axis=0) | np.any(f.M != 0, axis=1)
    return np.flatnonzero(used)


def check(bl: Bilevel) -> np.ndarray:
    who = f"Bilevel {bl.name!r}"
    if bl.selection != "optimistic":
        raise InputError(f"{who}: the reference for integer followers solves the optimistic "
                         f"problem (selection='optimistic')")
    if not bl.is_linear_leader:
        raise InputError(f"{who}: the reference for integer followers needs a linear leader "
                         f"(HiGHS has no MIQP)")
    for k, f in enumerate(bl.followers):
        if f.is_qp:
            raise InputError(f"{who}: follower {k} is a QP; the value-function cuts need "
                             f"linear followers when some follower is integer")
    L = linking(bl)
    for i in L:
        if not bl.x_integer[i] or not (np.isfinite(bl.x_lb[i]) and np.isfinite(bl.x_ub[i])):
            raise InputError(f"{who}: x[{i}] enters a follower's problem but is "
                             f"{'continuous' if not bl.x_integer[i] else 'unbounded'}; with "
                             f"integer followers the reference needs every linking leader "
                             f"variable integer and bounded (else the optimum may not be attained)")
    return L


class _HPR:
    """The high-point relaxation in matrix form (rows over v = [x, y, cut binaries]); L:
    the linking leader variables the cuts test."""

    def __init__(self, bl: Bilevel, L: np.ndarray):
        self.bl, self.L = bl, L
        nx, ny = bl.n_x, bl.n_y
        rows, lo, hi = [], [], []

        def add(r, a, b):
            rows.append(r)
            lo.append(a)
            hi.append(b)
        if bl.A_x is not None:
            for r, b in zip(bl.A_x, bl.b_x):
                add(np.r_[r, np.zeros(ny)], -np.inf, b)
        if bl.E_x is not None:
            for r, b in zip(bl.E_x, bl.e_x):
                add(np.r_[r, np.zeros(ny)], b, b)
        if bl.h is not None:
            for gx, gy, b in zip(bl.G_x, bl.G_y, bl.h):
                add(np.r_[gx, gy], -np.inf, b)
        for f, sl in zip(bl.followers, bl.slices):
            for i, sense in enumerate(f.sense):
                r = np.zeros(nx + ny)
                r[:nx], r[nx + sl.start:nx + sl.stop] = f.A[i], f.B[i]
                add(r, -np.inf if sense == "<=" else f.b[i], np.inf if sense == ">=" else f.b[i])
        self.rows, self.lo, self.hi = rows, lo, hi
        self.col_lo = np.concatenate([bl.x_lb] + [f.lb for f in bl.followers])
        self.col_hi = np.concatenate([bl.x_ub] + [f.ub for f in bl.followers])
        self.integer = np.concatenate([bl.x_integer] + [f.integer for f in bl.followers])
        sign = 1.0 if bl.sense == "min" else -1.0
        self.cost = sign * np.concatenate([bl.c_x, bl.c_y])
        self.cuts: list = []          # (x^k_L, per follower (cost vector c_k(x^k), phi, U))

    def solve(self, fix_L: tuple | None = None, relax: bool = False, cost=None, time_limit=60.0):
        """min cost v over the HPR with its cuts; ``fix_L`` (L, values) holds x_L."""
        nxy = len(self.col_lo)
        L = self.L
        nb = 2 * len(L) * len(self.cuts)
        rows = [np.r_[r, np.zeros(nb)] for r in self.rows]
        lo, hi = list(self.lo), list(self.hi)
        bl = self.bl
        for c, (xk, parts) in enumerate(self.cuts):
            zp = nxy + 2 * len(L) * c + np.arange(len(L))
            zm = zp + len(L)
            for j, i in enumerate(L):        # z+ = 1 => x_i >= x^k_i + 1; z- = 1 => x_i <= x^k_i - 1
                r = np.zeros(nxy + nb)
                r[i], r[zp[j]] = 1.0, -(xk[j] + 1 - bl.x_lb[i])
                rows.append(r)
                lo.append(bl.x_lb[i])
                hi.append(np.inf)
                r = np.zeros(nxy + nb)
                r[i], r[zm[j]] = 1.0, bl.x_ub[i] - xk[j] + 1
                rows.append(r)
                lo.append(-np.inf)
                hi.append(bl.x_ub[i])
            for sl, ck, phi, U in parts:      # c_k' y_k - U sum z <= phi
                r = np.zeros(nxy + nb)
                r[bl.n_x + sl.start:bl.n_x + sl.stop] = ck
                r[zp], r[zm] = -U, -U
                rows.append(r)
                lo.append(-np.inf)
                hi.append(phi + TOL * (1 + abs(phi)))
        col_lo = np.r_[self.col_lo, np.zeros(nb)]
        col_hi = np.r_[self.col_hi, np.ones(nb)]
        if fix_L is not None:
            col_lo[fix_L[0]] = col_hi[fix_L[0]] = fix_L[1]
        integer = None if relax else np.r_[self.integer, np.ones(nb, bool)]
        c = np.r_[self.cost if cost is None else cost, np.zeros(nb)]
        A = sp.csr_matrix(np.array(rows)) if rows else sp.csr_matrix((0, nxy + nb))
        st, v, obj = solve_highs(c, A, np.array(lo, float), np.array(hi, float), col_lo, col_hi,
                                 integer=integer, options={**OPTS, "time_limit": float(time_limit)})
        return st, v[:nxy], obj


def _phi(f, x) -> tuple[Status, float]:
    """Follower f's optimum at x (MILP or LP)."""
    s = np.array(f.sense)
    r = f.b - f.A @ x
    st, _, obj = solve_highs(f.d + x @ f.M, sp.csr_matrix(f.B), np.where(s == "<=", -np.inf, r),
                             np.where(s == ">=", np.inf, r), f.lb, f.ub,
                             integer=f.integer if np.any(f.integer) else None, options=OPTS)
    return st, obj


def solve_value_cuts(bl: Bilevel, time_limit: float = 60.0, max_iter: int = 10_000):
    """(status, F, x, y, bound, audit, trace) of the optimistic bilevel optimum; statuses as
    :class:`~stackga.bilevel.exact.ExactResult`'s."""
    L = check(bl)
    hpr = _HPR(bl, L)
    sign = 1.0 if bl.sense == "min" else -1.0
    t0 = time.perf_counter()
    best = None                                  # (objective to minimise, v)
    trace: list = []
    bound, it = -np.inf, 0
    status = "time_limit"
    while it < max_iter and time.perf_counter() - t0 < time_limit:
        it += 1
        st, v, obj = hpr.solve(time_limit=time_limit)
        if st == Status.INFEASIBLE:
            status = "optimal" if best is not None else "infeasible"
            break
        if st == Status.UNBOUNDED:
            status = "unbounded"
            break
        if st != Status.OPTIMAL:
            status = "failed"
            break
        bound = max(bound, obj)
        if best is not None and bound >= best[0] - 1e-9 * (1 + abs(best[0])):
            status = "optimal"
            break
        x = v[:bl.n_x]
        xL = np.round(x[L])
        x_at = x.copy()
        x_at[L] = xL
        parts = []
        for f, sl in zip(bl.followers, bl.slices):
            st_f, phi = _phi(f, x_at)
            if st_f != Status.OPTIMAL:             # y is feasible there: a solver failure
                return "failed", None, None, None, None, {"iterations": it}, trace
            ck = f.d + x_at @ f.M
            up = np.zeros(hpr.cost.shape)
            up[bl.n_x + sl.start:bl.n_x + sl.stop] = -ck
            st_u, _, top = hpr.solve(relax=True, cost=up)
            if st_u != Status.OPTIMAL:
                raise InputError(f"Bilevel {bl.name!r}: follower {bl.slices.index(sl)}'s objective is "
                                 f"unbounded over the relaxation; bound its y")
            parts.append((sl, ck, phi, max(-top - phi, 0.0) + 1.0))
        hpr.cuts.append((xL, parts))
        st_i, v_i, obj_i = hpr.solve(fix_L=(L, xL), time_limit=time_limit)
        if st_i == Status.OPTIMAL and (best is None or obj_i < best[0]):
            best = (obj_i, v_i)
        trace.append((time.perf_counter() - t0, None if best is None else sign * best[0], sign * bound))
    audit = {"iterations": it, "cuts": len(hpr.cuts), "linking": [int(i) for i in L]}
    if best is None:
        return status, None, None, None, None, audit, trace
    x, y = best[1][:bl.n_x].copy(), best[1][bl.n_x:].copy()
    F = float(bl.value(x, y)[0])
    return status, F, x, y, sign * bound if status != "optimal" else F, audit, trace
