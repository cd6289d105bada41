"""The batched response of one matrix follower (:class:`~stackga.bilevel.model.Follower`)
for a population of leader vectors X (n, n_x): one HiGHS model built once per follower
and re-solved per individual with new costs (d + M'x) and right sides (b - A x).

Per individual:
1. the follower's problem at x (LP, convex QP or MILP): its optimum phi*;
2. optimistic (or pessimistic) selection among its optima: minimise (maximise) the
   leader's objective over the follower's optimal set {y feasible, cost y <= phi* + tol,
   Q y = Q y*}, keeping the coupling rows that involve this follower alone when a tied
   optimum meets them (the leader's part that depends on y: (c_y + Q_xy' x) y
   + 1/2 y'Q_yy y where that block is PSD in the selection's direction; otherwise its
   linear part only, an approximation counted in ``stats["approximate"]``); skipped when
   the optimum is unique (a positive definite Q, or an LP whose duals are
   non-degenerate); for a MILP follower it is a second MILP. Each follower selects on
   its own: a leader Hessian linking two followers' y is not used in the selection;
3. if the follower is infeasible at x, how far: the phase-1 LP min sum |slack| of its
   rows (the ``infeasibility`` the GA ranks infeasible individuals by).

Statuses map one to one (``stackga.followers.backends.highs.STATUS_MAP``); every solve runs under
HiGHS's time and iteration limits (``LIMITS``; a limit reached is the status LIMIT). Every LP solve starts
from the same basis (the model's at its own data, kept once; QPs and MILPs from
scratch): a hot start from the previous individual would return whichever optimum lies
nearest it within the solver's tolerances, so answers would depend on the evaluation
order. A solve that ends SOLVER_FAILED is repeated once, from scratch. Handles are created lazily
and dropped when pickled (a ``highspy.Highs`` cannot be copied).

An LP follower (no Q, no integers) is first answered for the whole population by a
compiled simplex (:mod:`stackga.followers.kernels.lp_simplex`) from a fixed basis (the
optimum at the middle of the leader's box; ``fast``, on by default): a row whose optimum it proves unique (checked afresh: primal
and dual feasible, dual non-degenerate) is answered there, 3-8x faster than a HiGHS
solve of these sizes; every other row (a tie, a start infeasible at the row's right
sides, a limit, a failed check) goes through the HiGHS steps above, so a tie is selected
exactly as before. A QP follower with a diagonal positive definite Q (its optimum is
unique) is answered likewise by the compiled dual active-set method
(:mod:`stackga.followers.kernels.qp_dual`), HiGHS taking what it does not settle. Counted
in ``stats["fast"]``.
"""
from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from stackga.followers.backends.highs import quiet_highs, run
from stackga.followers.certify.certificate import unique_lp_optimum
from stackga.followers.kernels.jit import kernel_array
from stackga.followers.kernels.lp_simplex import AT_LOWER, AT_UPPER, AT_ZERO, BASIC, UNIQUE
from stackga.followers.kernels.lp_simplex import solve_rows as simplex_rows
from stackga.followers.kernels.qp_dual import OPTIMAL as QP_OPTIMAL
from stackga.followers.kernels.qp_dual import solve_rows as qp_rows
from stackga.followers.parallel.threads import map_rows
from stackga.followers.response import Response, Status

from .model import Bilevel

__all__ = ["FAST", "MatrixFollower", "TIE_TOL"]

TIE_TOL = 1e-9       # relative slack on the follower's optimum in the selection stage
TIME_LIMIT = 10.0    # s for one follower solve (a limit reached is the status LIMIT)
QP_REGULARIZATION = 1e-12   # HiGHS's QP regularisation (its default 1e-7 moves flat QPs' answers)
INF = highspy.kHighsInf
#: the default of ``MatrixFollower(fast=None)``: LP followers answered by the compiled
#: simplex first (a benchmark's baseline sets it False: every row by HiGHS)
FAST = True




class MatrixFollower:
    """Follower ``k`` of ``game``, answering populations of leader vectors."""

    def __init__(self, game: Bilevel, k: int, select: bool = True, fast: bool | None = None,
                 references: np.ndarray | None = None) -> None:
        """``select``: break ties by the game's leader (step 2); False leaves the first
        optimum and marks the individuals whose optimum is not unique (``arrays["tied"]``
        (n,) 1.0), for a caller that selects itself (:meth:`select_by`). ``fast``: answer
        an LP follower's unique optima by the compiled simplex first (module docstring);
        None: :data:`FAST`. ``references`` (R, n_x): the points whose optimal bases start
        the simplex (default: the middle of the leader's box, 0 where a side is infinite,
        within the box); :meth:`respond`'s ``starts`` picks one per row
        (copies of a follower with their own data start each from its own). Where the LP
        has no optimum at a reference, its rows go to HiGHS (``stats["fast"]`` stays 0)."""
        self.game, self.k, self.select = game, k, select
        self.fast = FAST if fast is None else bool(fast)
        if references is None:              # the middle of the leader's box where it has one
            lo, hi = np.asarray(game.x_lb, float), np.asarray(game.x_ub, float)
            both = np.isfinite(lo) & np.isfinite(hi)
            mid = np.where(both, 0.5 * (np.where(both, lo, 0.0) + np.where(both, hi, 0.0)), 0.0)
            references = np.clip(mid, lo, hi)[None]
        self.references = np.atleast_2d(np.asarray(references, float))
        self.f = game.followers[k]
        self.cols = game.slices[k]
        self.unique = bool(self.f.Q.size) and np.linalg.eigvalsh(self.f.Q).min() > 1e-9
        self._le, self._ge = np.array(self.f.sense) == "<=", np.array(self.f.sense) == ">="
        self._h: dict = {}
        self._basis: dict = {}
        self._q_rows = [i for i in range(self.f.n) if np.any(self.f.Q[i])]
        # coupling rows that involve this follower's y and no other follower's: the
        # selection keeps them when some tied optimum can (the KKT reference does too)
        Gy = game.G_y if game.h is not None else np.zeros((0, game.n_y))
        mine = np.zeros(game.n_y, bool)
        mine[self.cols] = True
        self._coupling = [i for i in range(len(Gy)) if np.any(Gy[i, self.cols])
                          and not np.any(Gy[i, ~mine])]
        self.stats = {"solves": 0, "retries": 0, "selections": 0, "phase1": 0, "approximate": 0,
                      "fast": 0}
        self.approximate = False            # the selection drops a nonconvex leader term

    def identity_data(self, prices=None) -> dict:
        """What defines this follower's answers (a checkpoint's identity,
        :mod:`stackga.checkpoint`): the game's matrices, which follower, and whether it
        selects among ties (not ``fast`` nor ``references``, which change only its speed)."""
        return {"bilevel": self.game, "k": self.k, "select": self.select}

    def bounds_of(self, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi): the row bounds of B y (sense) rhs, rhs (m,)."""
        return np.where(self._le, -INF, rhs), np.where(self._ge, INF, rhs)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_h"], state["_basis"] = {}, {}
        return state

    # ---- models (built once, lazily)
    def _model(self, kind: str) -> highspy.Highs:
        if kind in self._h:
            return self._h[kind]
        f, n = self.f, self.f.n
        h = quiet_highs({"mip_rel_gap": 1e-9})           # a MILP follower's optimum, not 1e-4 off
        lo, hi = self.bounds_of(f.b)
        if kind == "phase1":                   # y, s+ (m), s- (m): B y + s+ - s- (sense) b
            m = len(f.b)
            h.addVars(n + 2 * m, np.concatenate([f.lb, np.zeros(2 * m)]),
                      np.concatenate([f.ub, np.full(2 * m, INF)]))
            h.changeColsCost(n + 2 * m, np.arange(n + 2 * m, dtype=np.int32),
                             np.concatenate([np.zeros(n), np.ones(2 * m)]))
            for i in range(m):
                idx = np.r_[np.flatnonzero(f.B[i]), n + i, n + m + i].astype(np.int32)
                val = np.r_[f.B[i][f.B[i] != 0], 1.0, -1.0]
                h.addRow(lo[i], hi[i], len(idx), idx, val)
        else:
            h.addVars(n, f.lb, f.ub)
            for i in range(len(f.b)):
                idx = np.flatnonzero(f.B[i]).astype(np.int32)
                h.addRow(lo[i], hi[i], len(idx), idx, f.B[i][idx])
            if kind in ("select", "select_linear"):   # rows m: the cut, Q rows, coupling
                idx = np.arange(n, dtype=np.int32)
                h.addRow(-INF, INF, n, idx, np.ones(n))   # follower's linear cost <= phi + tol
                for i in self._q_rows:                     # Q y = Q y0 (a convex QP's optima)
                    j = np.flatnonzero(f.Q[i]).astype(np.int32)
                    h.addRow(-INF, INF, len(j), j, f.Q[i][j])
                for i in self._coupling:                   # coupling rows on this y alone
                    g = self.game.G_y[i, self.cols]
                    j = np.flatnonzero(g).astype(np.int32)
                    h.addRow(-INF, INF, len(j), j, g[j])
            Q = f.Q if kind == "follower" else (self._leader_q() if kind == "select" else 0 * f.Q)
            if np.any(Q):
                Ql = np.tril(Q)
                start = np.r_[0, np.cumsum([(Ql[:, j] != 0).sum() for j in range(n)])].astype(np.int32)
                rows = np.concatenate([np.flatnonzero(Ql[:, j]) for j in range(n)]).astype(np.int32)
                vals = np.concatenate([Ql[Ql[:, j] != 0, j] for j in range(n)])
                h.passHessian(n, len(vals), int(highspy.HessianFormat.kTriangular), start, rows, vals)
                # HiGHS regularises its QPs by 1e-7 by default, which moves the answer of a
                # flat QP by as much as 1e-2 (seen on a load with curvature 0.004)
                h.setOptionValue("qp_regularization_value", QP_REGULARIZATION)
            if np.any(f.integer):
                h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                        np.where(f.integer, highspy.HighsVarType.kInteger,
                                                 highspy.HighsVarType.kContinuous))
        self._h[kind] = h
        if kind != "phase1" and not np.any(f.integer) and not np.any(f.Q):
            h.run()                            # the fixed starting basis: the data at x = 0
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                self._basis[kind] = h.getBasis()
        return h

    def _leader_q(self) -> np.ndarray:
        """The leader's Hessian on this follower's y in the selection's direction when it
        is PSD; else none (the selection uses the linear part: counted as approximate)."""
        g = self.game
        Q = g.Q_yy[self.cols, self.cols] * (1.0 if g.sense == "min" else -1.0)
        if self.game.selection == "pessimistic":
            Q = -Q
        if not np.any(Q):
            return np.zeros_like(Q)
        if np.linalg.eigvalsh(Q).min() < -1e-12:
            self.approximate = True
            return np.zeros_like(Q)
        return Q

    def _run(self, h: highspy.Highs, kind: str | None = None) -> Status:
        self.stats["solves"] += 1
        h.clearSolver()                    # forget the previous individual's solve, then
        basis = self._basis.get(kind)      # start from the fixed basis: an answer depends on
        if basis is not None:              # x alone, never on what was solved before
            h.setBasis(basis)
        status = run(h, TIME_LIMIT)
        if status == Status.SOLVER_FAILED:                 # proven statuses stand
            self.stats["retries"] += 1
            h.clearSolver()
            status = run(h, TIME_LIMIT)
        return status

    # ---- one population
    def respond(self, X: np.ndarray, starts: np.ndarray | None = None) -> Response:
        """The follower's answers for every row of X (n, n_x); ``starts`` (n,) the index
        of each row's reference (``references``) for the simplex's start (default 0)."""
        X = np.atleast_2d(np.asarray(X, float))
        f, n, g = self.f, self.f.n, self.game
        N = len(X)
        y = np.zeros((N, n))
        obj = np.zeros(N)
        status = np.zeros(N, np.int8)
        infeas = np.zeros(N)
        idx = np.arange(n, dtype=np.int32)
        m = len(f.b)
        rows = np.arange(m, dtype=np.int32)
        sign = 1.0 if g.sense == "min" else -1.0
        if g.selection == "pessimistic":
            sign = -sign
        tied = np.zeros(N)
        costs, rhss = f.d + X @ f.M, f.b - X @ f.A.T          # the whole population at once
        done = self._fast_rows(costs, rhss, y, obj, starts) if not np.any(f.Q) else \
            self._fast_qp_rows(costs, rhss, y, obj)
        for k, (x, cost, rhs) in enumerate(zip(X, costs, rhss)):
            if done[k]:
                continue
            lo, hi = self.bounds_of(rhs)
            h = self._model("follower")
            h.changeColsCost(n, idx, cost)
            h.changeRowsBounds(m, rows, lo, hi)  # type: ignore[attr-defined]  # highspy's stub lacks it
            st = self._run(h, "follower")
            if st == Status.INFEASIBLE:
                infeas[k] = self._phase1(rhs)
            elif st != Status.OPTIMAL:           # unbounded or failed: behind every measured one
                infeas[k] = 1e9
            if st != Status.OPTIMAL:
                status[k] = st
                continue
            sol = h.getSolution()
            yk = np.asarray(sol.col_value, float)
            phi = float(cost @ yk + 0.5 * yk @ f.Q @ yk)
            if not (self.unique or self._unique_lp(h, sol)):
                if self.select:
                    lead = sign * (g.c_y[self.cols] + x @ g.Q_xy[:, self.cols])
                    yk = self._select(x, cost, lo, hi, phi, yk, lead)
                else:
                    tied[k] = 1.0
            y[k], obj[k] = yk, float(cost @ yk + 0.5 * yk @ f.Q @ yk)
        arrays = {"y": y, "infeasibility": infeas}
        if not self.select:
            arrays["tied"] = tied
        return Response(obj, status, arrays)

    def _fast_rows(self, costs: np.ndarray, rhss: np.ndarray, y: np.ndarray, obj: np.ndarray,
                   starts: np.ndarray | None = None) -> np.ndarray:
        """(N,) bool: the rows the compiled simplex answered (their unique optimum written
        into y and obj); none unless an LP follower with a starting basis. Rows of one
        nonzero (a bound written as a row, as CVXPY states ``y <= u``) become each row's
        column bounds first, so the simplex's basis holds only the true rows."""
        f, N = self.f, len(costs)
        done = np.zeros(N, bool)
        if not self.fast or np.any(f.Q) or np.any(f.integer) or N == 0:
            return done
        form = self._fast_form()
        if form is None:
            return done
        B, keep, single, cols, coef, bases, stats, usable = form
        ref = np.zeros(N, np.int64) if starts is None else np.asarray(starts, np.int64)
        lo, hi = self.bounds_of(rhss)
        LB, UB = self._column_bounds(lo, hi, single, cols, coef)
        empty = np.flatnonzero(~np.any(f.B, axis=1))
        ok = np.all(LB <= UB, axis=1) & np.all(lo[:, empty] <= 0.0, axis=1) & \
            np.all(hi[:, empty] >= 0.0, axis=1) & usable[ref]
        if not ok.any():
            return done
        rows = np.flatnonzero(ok)
        C = kernel_array(costs[rows])          # one compiled signature (kernel_array)
        RL, RH = kernel_array(lo[rows][:, keep]), kernel_array(hi[rows][:, keep])
        LB, UB = kernel_array(LB[rows]), kernel_array(UB[rows])
        BS, ST = kernel_array(bases[ref[rows]], np.int64), kernel_array(stats[ref[rows]], np.int8)
        cap = 20 * (f.n + len(keep)) + 100

        def chunk(r: slice):
            n_r = r.stop - r.start
            Y, o, code = np.zeros((n_r, f.n)), np.zeros(n_r), np.zeros(n_r, np.int64)
            simplex_rows(B, C[r], RL[r], RH[r], LB[r], UB[r], BS[r], ST[r], cap, Y, o, code)
            return Y, o, code
        Y, o, code = map_rows(chunk, len(rows))
        hit = code == UNIQUE
        done[rows[hit]] = True
        y[rows[hit]], obj[rows[hit]] = Y[hit], o[hit]
        self.stats["fast"] += int(hit.sum())
        return done

    def _fast_qp_rows(self, costs: np.ndarray, rhss: np.ndarray, y: np.ndarray, obj: np.ndarray) -> np.ndarray:
        """(N,) bool: the rows of a QP follower with a diagonal positive definite Q (a
        flexible load's utility) answered by the compiled dual active-set method
        (:mod:`stackga.followers.kernels.qp_dual`: its optimum is unique and checked
        against the KKT conditions); the others (infeasible, a limit, a numerical
        failure) go to HiGHS."""
        f, N = self.f, len(costs)
        done = np.zeros(N, bool)
        Q = np.asarray(f.Q, float)
        h = np.diag(Q).copy()
        if not self.fast or N == 0 or np.any(f.integer) or np.any(Q - np.diag(h)) or np.any(h <= 0):
            return done
        # the rows as N y <= r: "<=" as is, ">=" negated, "=" both ways
        le, ge = self._le | ~(self._le | self._ge), self._ge | ~(self._le | self._ge)
        Bm = np.vstack([f.B[le], -f.B[ge]])
        if len(Bm) == 0:
            Bm = np.zeros((0, f.n))
        Rm = kernel_array(np.hstack([rhss[:, le], -rhss[:, ge]]))
        Ncsr = sp.csr_matrix(Bm)
        ptr, col = kernel_array(Ncsr.indptr, np.int64), kernel_array(Ncsr.indices, np.int64)
        val = kernel_array(Ncsr.data)
        lb, ub = kernel_array(f.lb), kernel_array(f.ub)
        C, h = kernel_array(costs), kernel_array(h)
        cap = 50 * (f.n + len(Bm)) + 100

        def chunk(r: slice):
            Y, code = np.zeros((r.stop - r.start, f.n)), np.zeros(r.stop - r.start, np.int64)
            qp_rows(h, C[r], lb, ub, ptr, col, val, Rm[r], cap, 1e-9, 1e-9, Y, code)
            return Y, code
        Y, code = map_rows(chunk, N)
        # each row and bound re-checked on its own scale (the kernel's tolerance is the
        # largest right side's, which could let a small row slip)
        slack = Y @ Bm.T - Rm if len(Bm) else np.zeros((N, 0))
        ok_rows = np.all(slack <= 1e-9 * (1.0 + np.abs(Rm)), axis=1)
        ok_box = np.all((Y >= lb - 1e-9 * (1.0 + np.abs(lb))) & (Y <= ub + 1e-9 * (1.0 + np.abs(ub))), axis=1)
        hit = (code == QP_OPTIMAL) & ok_rows & ok_box
        y[hit] = Y[hit]
        obj[hit] = (C[hit] * Y[hit]).sum(axis=1) + 0.5 * (h * Y[hit] ** 2).sum(axis=1)
        self.stats["fast"] += int(hit.sum())
        return hit

    def _column_bounds(self, lo, hi, single, cols, coef):
        """(LB, UB) (N, n): the follower's column bounds with each one-nonzero row's
        lo <= a y_j <= hi (lo, hi (N, m)) folded into y_j's."""
        f, N = self.f, len(lo)
        LB, UB = np.tile(np.asarray(f.lb, float), (N, 1)), np.tile(np.asarray(f.ub, float), (N, 1))
        for i, j, a in zip(single, cols, coef):
            lo_j, hi_j = (lo[:, i] / a, hi[:, i] / a) if a > 0 else (hi[:, i] / a, lo[:, i] / a)
            np.maximum(LB[:, j], lo_j, out=LB[:, j])
            np.minimum(UB[:, j], hi_j, out=UB[:, j])
        return LB, UB

    def _fast_form(self):
        """The follower's LP for the simplex, built once: (B of the rows with two or more
        nonzeros, their indices, the one-nonzero rows with their column and coefficient,
        a starting basis and statuses per reference point (HiGHS's optimum of this LP
        there), whether each reference has one). None where no reference has one (every
        row then goes to HiGHS)."""
        if "fast" in self._basis:
            return self._basis["fast"]
        f = self.f
        nnz = np.count_nonzero(f.B, axis=1)
        keep, single = np.flatnonzero(nnz >= 2), np.flatnonzero(nnz == 1)
        cols = np.array([int(np.flatnonzero(f.B[i])[0]) for i in single], int)
        coef = f.B[single, cols] if len(single) else np.zeros(0)
        B = np.ascontiguousarray(f.B[keep], float)
        R, m, n = len(self.references), len(keep), f.n
        bases, stats = np.zeros((R, m), np.int64), np.zeros((R, n + m), np.int8)
        usable = np.zeros(R, bool)
        S = highspy.HighsBasisStatus
        code_of = {S.kBasic: BASIC, S.kLower: AT_LOWER, S.kUpper: AT_UPPER, S.kZero: AT_ZERO}
        for r, x in enumerate(self.references):
            lo, hi = self.bounds_of(f.b - f.A @ x)
            lb, ub = (v[0] for v in self._column_bounds(lo[None], hi[None], single, cols, coef))
            if not np.all(lb <= ub):
                continue
            h = quiet_highs()
            h.addVars(n, lb, ub)
            h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(f.d + x @ f.M, float))
            for i in keep:
                idx = np.flatnonzero(f.B[i]).astype(np.int32)
                h.addRow(lo[i], hi[i], len(idx), idx, f.B[i][idx])
            if run(h, TIME_LIMIT) != Status.OPTIMAL:
                continue
            b = h.getBasis()
            stat = np.array([code_of.get(v, -1) for v in list(b.col_status) + list(b.row_status)], np.int8)
            basic = np.flatnonzero(stat == BASIC)
            if not np.any(stat < 0) and len(basic) == m:
                bases[r], stats[r], usable[r] = basic, stat, True
        form = (kernel_array(B), keep, single, cols, coef, bases, stats, usable) if usable.any() else None
        self._basis["fast"] = form
        return form

    def select_by(self, X: np.ndarray, Y0: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """(n, n_y): for each leader vector of X (n, n_x) and its optimum Y0 (n, n_y), the
        optimum minimising lead (n, n_y) . y over the follower's optimal set (the
        selection LP of step 2, without the leader's Hessian); Y0's row where it fails."""
        f = self.f
        out = np.array(Y0, float)
        for k, (x, y0) in enumerate(zip(np.atleast_2d(X), out)):
            cost, rhs = f.d + x @ f.M, f.b - f.A @ x
            lo, hi = self.bounds_of(rhs)
            phi = float(cost @ y0 + 0.5 * y0 @ f.Q @ y0)
            out[k] = self._select(x, cost, lo, hi, phi, y0, np.asarray(lead[k], float), hessian=False)
        return out

    def _unique_lp(self, h: highspy.Highs, sol) -> bool:
        """No tie to break: an LP optimum with non-degenerate duals is unique."""
        return not (np.any(self.f.Q) or np.any(self.f.integer)) and unique_lp_optimum(h, sol)

    def _select(self, x, cost, lo, hi, phi, y0, lead, hessian: bool = True) -> np.ndarray:
        """Optimistic (pessimistic) choice among the follower's optima; y0 if it fails.
        The optimal set of the follower's LP or convex QP is {feasible y: cost y <=
        cost y0 (+ tol), Q y = Q y0} (every optimum of a convex QP has the same Q y and
        the same objective). The coupling rows on this y alone are kept when a tied
        optimum meets them, else dropped (the leader then sees the violation)."""
        f, n, g = self.f, self.f.n, self.game
        h = self._model("select" if hessian else "select_linear")
        m, nq, nc = len(f.b), len(self._q_rows), len(self._coupling)
        for j in range(n):
            h.changeCoeff(m, j, float(cost[j]))
        tol = TIE_TOL * (1.0 + abs(phi))
        qy = f.Q[self._q_rows] @ y0
        qtol = TIE_TOL * (1.0 + np.abs(qy))
        rhs_c = (g.h[self._coupling] - g.G_x[self._coupling] @ x) if nc else np.zeros(0)
        rows = np.arange(m + 1 + nq + nc, dtype=np.int32)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), lead)
        self.stats["selections"] += 1
        self.stats["approximate"] += int(self.approximate)
        for keep_coupling in ((True, False) if nc else (False,)):
            c_lo = np.full(nc, -INF)
            c_hi = rhs_c if keep_coupling else np.full(nc, INF)
            h.changeRowsBounds(len(rows), rows, np.r_[lo, -INF, qy - qtol, c_lo],  # type: ignore[attr-defined]
                               np.r_[hi, cost @ y0 + tol, qy + qtol, c_hi])
            if self._run(h, "select" if hessian else "select_linear") != Status.OPTIMAL:
                continue
            ys = np.asarray(h.getSolution().col_value, float)
            if cost @ ys + 0.5 * ys @ f.Q @ ys <= phi + 10 * tol:   # still a follower optimum
                return ys
        return y0

    def _phase1(self, rhs: np.ndarray) -> float:
        f = self.f
        h = self._model("phase1")
        m = len(f.b)
        lo, hi = self.bounds_of(rhs)
        h.changeRowsBounds(m, np.arange(m, dtype=np.int32), lo, hi)  # type: ignore[attr-defined]  # highspy's stub lacks it
        self.stats["phase1"] += 1
        if self._run(h) != Status.OPTIMAL:
            return 1.0
        return float(h.getInfo().objective_function_value)
