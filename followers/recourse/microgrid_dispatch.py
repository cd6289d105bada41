"""A microgrid operator's own dispatch: diesel, battery and grid exchange against an
imbalance penalty, one convex QP per individual (the eva case's leader recourse,
eq. 11-19 of its paper).

Model (T hours, dt = 1 h; r(t) the net load it must balance, kW)::

    min  sum_t [ a P(t)^2 + b P(t) + c0                       (diesel: fuel + upkeep)
                 + m (c(t) - d(t))^2                           (battery upkeep, eq. 13)
                 + H_b(t) g(t) - H_s(t) s(t)                   (grid buy / sell, eq. 15)
                 + gamma (r(t) - (g(t) - s(t)) - P(t) + (c(t) - d(t)))^2 ]   (eq. 16)
    s.t. P_min <= P(t) <= P_max;  |P(t) - P(t-1)| <= R  (t >= 2)           (eq. 17)
         c, d >= 0, c + d <= P_ba (the hull of charge or discharge within the hour);
         E(t) = E(t-1) + eta c(t) - d(t) / eta;  E_min <= E(t) <= E_max;
         E(T) >= E(0) (end_state "initial": the battery ends where it started) or
         E(T) >= E(1) (end_state "first_hour": where the first hour left it; eq. 18 as written)
         g, s >= 0;  x_min <= g - s <= x_max                              (eq. 18-19)

Solved first by a compiled interior point that exploits the hours' chain structure
(:mod:`stackga.followers.kernels.microgrid_ipm`: Mehrotra's method, each Newton system solved by a Riccati
recursion over the hours; about 0.15 ms per QP, it releases the GIL, so the batch's
distinct rows run on threads), accepted only with its certificate: primal and dual
residuals within 1e-10 of their scale and the objective within 1e-10 of a strict lower
bound on the optimum (weak duality: the Lagrangian at its multipliers, bounded below over
the column box); values within 1e-7 of a bound are then put on it (an interior point
stops a hair inside its active bounds) and the imbalance recomputed so the balance
holds.
Where it does not certify, PIQP (a proximal interior-point method, Schwan et al. 2023),
one fresh solver per individual, at tolerance 1e-10, with the same kind of certificate
(gap within 1e-9), on the QP ordered by hour (:mod:`stackga.followers.recourse.microgrid_stages`); PIQP
holds the GIL, so those rows are cut over helper processes (:mod:`stackga.followers.parallel.processes`;
bit for bit the one-process answer). Where PIQP does not certify either, HiGHS's
active-set QP solver, one fresh model per individual (the Hessian is only semi-definite:
HiGHS regularises by 1e-12, far below the 1e-6 the answers are checked to), at
tolerances 1e-10, or HiGHS's default 1e-7 where those end in a solve error, or with u
eliminated where that errs too. Every answer is checked against the constraints before
it is OPTIMAL. Every path is a function of the row alone, so the answer depends neither
on the batch nor on threads or processes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from ..backends.highs import solve_highs
from ..certify.certificate import Certificate, lp_certificate
from ..kernels.microgrid_ipm import solve_rows as kernel_rows
from ..parallel.processes import map_rows_processes
from ..parallel.threads import map_rows
from ..qp_form import QPForm
from ..response import Status
from .microgrid_stages import ipm_data, snap, solve_stages, stage_model

__all__ = ["MicrogridDispatch", "stats", "END_STATES"]

END_STATES = ("initial", "first_hour")

stats = {"kernel_rows": 0, "fallback_rows": 0}   # distinct rows the compiled kernel certified / not
_STATS_LOCK = threading.Lock()

_LIMITS = {"qp_iteration_limit": 20000}          # no time limit: answers never depend on load
_TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10,
          "optimality_tolerance": 1e-10, **_LIMITS}
# tried in order until one is OPTIMAL: tight tolerances first; HiGHS's own (1e-7) when the
# tight ones end in a solve error (seen at gamma ~1e4 on ~1 in 3000 QPs)
_ATTEMPTS = ({**_TIGHT, "qp_regularization_value": 1e-12}, {**_TIGHT, "qp_regularization_value": 1e-10},
             {**_LIMITS, "qp_regularization_value": 1e-12})


@dataclass
class MicrogridDispatch:
    """Data of the dispatch (kW, kWh, yuan).

    Attributes:
        a, b, c0: diesel cost a P^2 + b P + c0 per hour (yuan/kW^2h, yuan/kWh, yuan/h).
        p_min, p_max, ramp: diesel limits (kW, kW/h).
        ba_p_max, e_min, e_max, e0, eta, m: battery power, energy bounds, initial energy,
            efficiency (each way), upkeep m (yuan/kW^2h).
        x_min, x_max: grid exchange limits (kW; x > 0 buys).
        grid_buy, grid_sell: (T,) the grid's prices H_b, H_s (yuan/kWh), H_s <= H_b.
        end_state: the battery's end condition, "initial" (E(T) >= E(0) = e0) or
            "first_hour" (E(T) >= E(1), the state after the first hour; ``END_STATES``).
        threads: threads for the batch's compiled solves, and processes (this one and
            helpers) for the rows left to PIQP (0 = every core); the answer does not
            depend on it.
    """

    a: float
    b: float
    c0: float
    p_min: float
    p_max: float
    ramp: float
    ba_p_max: float
    e_min: float
    e_max: float
    e0: float
    eta: float
    m: float
    x_min: float
    x_max: float
    grid_buy: np.ndarray
    grid_sell: np.ndarray
    end_state: str = "initial"
    threads: int = 0

    def __post_init__(self) -> None:
        self.grid_buy = np.asarray(self.grid_buy, float)
        self.grid_sell = np.asarray(self.grid_sell, float)
        self.T = len(self.grid_buy)
        if self.end_state not in END_STATES:
            raise InputError(f"MicrogridDispatch.end_state: unknown end state {self.end_state!r}; "
                             f"choose one of {END_STATES}")
        if self.grid_sell.shape != (self.T,) or np.any(self.grid_sell > self.grid_buy):
            raise InputError("MicrogridDispatch: grid_sell must be (T,) and <= grid_buy")
        if not (self.p_min <= self.p_max and self.e_min <= self.e0 <= self.e_max
                and self.x_min <= self.x_max and 0 < self.eta <= 1):
            raise InputError(f"MicrogridDispatch: inconsistent limits {self!r}")
        self._rows = self._constraints()
        self._kernel = ipm_data(self)                 # None where a variable is fixed
        self._by_gamma: dict = {}                    # gamma -> rows, u's columns scaled

    def __getstate__(self) -> dict:
        """Pickled without the per-gamma cache (sent to helper processes per call)."""
        return {**self.__dict__, "_by_gamma": {}}

    def _constraints(self):
        """Rows over x = [P, c, d, g, s, u] (6T): ramps, hull, energy, the end state (E(T) -
        E(0) >= 0, or E(T) - E(1) >= 0: hour 0's terms left out), exchange, and the
        imbalance u = r - (g - s) - P + (c - d) (its right side r set per solve)."""
        T = self.T
        I, Z = sp.identity(T, format="csr"), sp.csr_matrix((T, T))
        diff = (sp.eye(T, k=0) - sp.eye(T, k=-1)).tocsr()[1:]            # P(t) - P(t-1)
        low = sp.csr_matrix(np.tril(np.ones((T, T))))                      # prefix sums
        final = np.concatenate([np.zeros(T), np.full(T, self.eta), np.full(T, -1 / self.eta),
                                np.zeros(3 * T)])
        if self.end_state == "first_hour":
            final[[T, 2 * T]] = 0.0                                        # E(T) - E(1)
        blocks = [
            (sp.hstack([diff, *[sp.csr_matrix((T - 1, T))] * 5]), -self.ramp, self.ramp),
            (sp.hstack([Z, I, I, Z, Z, Z]), -np.inf, self.ba_p_max),
            (sp.hstack([Z, self.eta * low, -low / self.eta, Z, Z, Z]),
             self.e_min - self.e0, self.e_max - self.e0),
            (sp.csr_matrix(final[None]), 0.0, np.inf),                    # the end state
            (sp.hstack([Z, Z, Z, I, -I, Z]), self.x_min, self.x_max),
            (sp.hstack([I, -I, I, I, -I, I]), 0.0, 0.0),                  # = r, set per solve
        ]
        A = sp.vstack([blk for blk, _, _ in blocks]).tocsr()
        lo = np.concatenate([np.full(blk.shape[0], lo) for blk, lo, _ in blocks])
        hi = np.concatenate([np.full(blk.shape[0], hi) for blk, _, hi in blocks])
        col_lo = np.concatenate([np.full(T, self.p_min), np.zeros(4 * T), np.full(T, -np.inf)])
        col_hi = np.concatenate([np.full(T, self.p_max), np.full(2 * T, self.ba_p_max),
                                 np.full(T, max(self.x_max, 0.0)), np.full(T, max(-self.x_min, 0.0)),
                                 np.full(T, np.inf)])
        cost = np.concatenate([np.full(T, self.b), np.zeros(2 * T), self.grid_buy, -self.grid_sell,
                               np.zeros(T)])
        M = sp.kron(np.array([[0, 1.0, -1.0, 0, 0, 0]]), sp.identity(T)).tocsr()   # battery net
        # the imbalance enters as v = sqrt(gamma) u, so its curvature is 2 whatever gamma
        # (conditioning: gamma1 grows to ~5e4 in the rounds); see _scaled_rows
        H = 2 * self.m * (M.T @ M) + sp.diags(np.concatenate([np.full(T, 2 * self.a), np.zeros(4 * T),
                                                              np.full(T, 2.0)]))
        return A, lo, hi, col_lo, col_hi, cost, H.tocsc()

    def qp_matrices(self, r: np.ndarray, gamma: float, eliminated: bool = False) -> QPForm:
        """The dispatch as a :class:`~stackga.followers.qp_form.QPForm`. Over x = [P, c,
        d, g, s, v] (6T) with v = sqrt(gamma) u and the balance rows (the formulation
        solved), or with ``eliminated`` over x = [P, c, d, g, s] (5T), u = r + W x (``W``
        (T, 5T) in the form)."""
        T, n5 = self.T, 5 * self.T
        A, lo, hi, col_lo, col_hi, cost, H = self._rows
        r = np.asarray(r, float)
        if not eliminated:
            lo, hi = lo.copy(), hi.copy()
            lo[-T:] = hi[-T:] = r
            return QPForm(cost, self._scaled_rows(gamma), lo, hi, col_lo, col_hi, H, T * self.c0)
        I = sp.identity(T)
        W = sp.hstack([-I, I, -I, -I, I]).tocsr()
        return QPForm(cost[:n5] + 2 * gamma * (W.T @ r), A[:-T, :n5], lo[:-T], hi[:-T],
                      col_lo[:n5], col_hi[:n5], H[:n5, :n5] + 2 * gamma * (W.T @ W),
                      gamma * float(r @ r) + T * self.c0, W=W)

    def balance_map(self) -> sp.csr_matrix:
        """E (rows, T): where the net load enters :meth:`qp_matrices`' rows (the balance
        rows, the last T: their bounds are E r), e.g. for a recourse view of the dispatch
        (:class:`stackga.followers.certify.tie_values.RecourseLeader`)."""
        n_rows, T = self._rows[0].shape[0], self.T
        return sp.csr_matrix((np.ones(T), (np.arange(n_rows - T, n_rows), np.arange(T))),
                             shape=(n_rows, T))

    def certificate(self, r: np.ndarray, gamma: float, plan: dict) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of one dispatch ``plan`` (``p_de``,
        ``ba_ch``, ``ba_dis``, ``buy``, ``sell``, each (T,)) for net load r (T,) at gamma:
        the QP re-solved from scratch; values in yuan (the fuel constant included)."""
        q = self.qp_matrices(r, gamma)
        y5 = np.concatenate([plan[k] for k in ("p_de", "ba_ch", "ba_dis", "buy", "sell")])
        u = np.asarray(r, float) - (plan["buy"] - plan["sell"]) - plan["p_de"] + plan["ba_ch"] - plan["ba_dis"]
        return lp_certificate(*q.lp_args(), np.concatenate([y5, np.sqrt(gamma) * u]),
                              hessian=q.hessian, offset=q.offset)

    def _scaled_rows(self, gamma: float):
        """The rows with u's columns scaled by 1/sqrt(gamma)."""
        return self._gamma_rows(gamma)[0]

    def _gamma_rows(self, gamma: float):
        """(rows with u's columns scaled by 1/sqrt(gamma), the stage-wise model for PIQP
        (:func:`stackga.followers.recourse.microgrid_stages.stage_model`)), built once per gamma (a few
        distinct values per run: the rounds' weights)."""
        out = self._by_gamma.get(gamma)
        if out is None:
            if len(self._by_gamma) > 64:
                self._by_gamma.clear()
            T = self.T
            A_k = (self._rows[0] @ sp.diags(np.concatenate([np.ones(5 * T),
                                                            np.full(T, 1.0 / np.sqrt(gamma))]))).tocsr()
            out = (A_k, stage_model(self, gamma))
            self._by_gamma[gamma] = out
        return out

    def _ipm(self, r: np.ndarray, gamma: float) -> np.ndarray | None:
        """PIQP's certified answer (6T,) in the scaled formulation of :meth:`qp_matrices`,
        else None (:func:`stackga.followers.recourse.microgrid_stages.solve_stages`)."""
        _, _, _, col_lo, col_hi, _, _ = self._rows
        return solve_stages(self._gamma_rows(gamma)[1], r, col_lo, col_hi)

    def _one(self, r: np.ndarray, gamma: float):
        """One individual by PIQP, then HiGHS: (status, x (6T,) with u unscaled) for net
        load r (T,)."""
        x = self._ipm(r, gamma)
        if x is not None:
            x[5 * self.T:] *= 1.0 / np.sqrt(gamma)
            return Status.OPTIMAL, x
        q = self.qp_matrices(r, gamma)
        for options in _ATTEMPTS:
            status, x, _ = solve_highs(*q.lp_args(), hessian=q.hessian, options=options)
            if status == Status.OPTIMAL:
                x[5 * self.T:] *= 1.0 / np.sqrt(gamma)
                return status, x
        # a second formulation where every attempt above ends in a solve error (seen on ~1
        # in 30,000 QPs): u = r + W x eliminated, gamma |u|^2 in the Hessian and the cost
        e = self.qp_matrices(r, gamma, eliminated=True)
        for options in _ATTEMPTS:
            status, x5, _ = solve_highs(*e.lp_args(), hessian=e.hessian, options=options)
            if status == Status.OPTIMAL:
                return status, np.concatenate([x5, r + e.W @ x5])
        return status, np.zeros(6 * self.T)

    def _kernel_rows(self, r: np.ndarray, gam: np.ndarray) -> tuple:
        """(X (n, 6T) with u unscaled, certified (n,) bool) for rows r (n, T) with weights
        gam (n,) from the compiled interior point (:mod:`stackga.followers.kernels.microgrid_ipm`) on
        ``threads`` threads; a row it does not certify is zero and False. Near-bound values
        are put on their bounds (:func:`stackga.followers.recourse.microgrid_stages.snap`) and the imbalance
        recomputed from the others, so the balance holds exactly."""
        n, T = r.shape
        if self._kernel is None or not n:
            return np.zeros((n, 6 * T)), np.zeros(n, bool)
        lo, hi, q, consts = self._kernel
        col_lo, col_hi = self._rows[3], self._rows[4]
        sq = np.sqrt(gam)
        X, it = map_rows(lambda k: kernel_rows(r[k], sq[k], lo, hi, q, consts), n, self.threads, 8)
        ok = it >= 0
        Y = snap(X[ok], col_lo, col_hi)
        P, c, d, g, s = (Y[:, k * T:(k + 1) * T] for k in range(5))
        Y[:, 5 * T:] = sq[ok, None] * (r[ok] - P + c - d - g + s)
        X[ok] = Y
        X[:, 5 * T:] *= (1.0 / sq)[:, None]
        return np.clip(X, col_lo, col_hi), ok

    def _rows_hold(self, X: np.ndarray, r: np.ndarray) -> np.ndarray:
        """(n,) True where answer X[i] (6T, u unscaled, within its column bounds) meets every
        row for net load r[i] within 1e-6 of the row's scale: its bound, or its terms'
        size where that is larger (E(T) - E(0) >= 0 sums 48 terms of up to ~100 kWh; a
        bound of 0 alone would ask 1e-6 kWh of it, below what the bound snap moves)."""
        A, lo, hi = self._rows[:3]
        T = self.T
        V = (A @ X.T).T
        LO, HI = np.tile(lo, (len(X), 1)), np.tile(hi, (len(X), 1))
        LO[:, -T:] = HI[:, -T:] = r
        size = (abs(A) @ np.abs(X).T).T
        tol = 1e-6 * (1 + np.maximum(np.abs(np.where(np.isfinite(HI), HI, LO)), size))
        return np.all(V >= LO - tol, axis=1) & np.all(V <= HI + tol, axis=1)   # (NaN fails)

    def _solve_rows(self, r: np.ndarray, gam: np.ndarray) -> tuple:
        """(X (n, 6T), status (n,)) for rows r (n, T) with weights gam (n,) by PIQP, then
        HiGHS (:meth:`_one`), each answer checked against the rows."""
        n, T = r.shape
        X = np.zeros((n, 6 * T))
        status = np.zeros(n, np.int8)
        col_lo, col_hi = self._rows[3], self._rows[4]
        for i in range(n):
            status[i], x = self._one(r[i], gam[i])
            X[i] = np.clip(x, col_lo, col_hi)
        ok = status == Status.OPTIMAL
        status[ok & ~self._rows_hold(X, r)] = Status.SOLVER_FAILED
        X[status != Status.OPTIMAL] = 0.0
        return X, status

    def solve(self, r: np.ndarray, gamma) -> dict:
        """The dispatch for every individual (identical rows solved once; the distinct ones
        by the compiled kernel on ``threads`` threads, those it does not certify by PIQP
        or HiGHS on ``threads`` processes, each row on its own, so the answer depends on
        neither).

        Args: r (n, T) net load to balance (kW); gamma scalar or (n,) > 0.
        Returns dict: ``p_de``, ``ba_ch``, ``ba_dis``, ``buy``, ``sell``, ``imbalance`` (n, T),
        ``energy`` (n, T + 1), ``diesel``, ``battery``, ``grid``, ``penalty`` (n,) yuan, and
        ``status`` (n,) int8."""
        r = np.asarray(r, float)
        n, T = r.shape
        gam = np.broadcast_to(np.asarray(gamma, float).reshape(-1), (n,))
        if not np.all(np.isfinite(r)):
            bad = np.flatnonzero(~np.all(np.isfinite(r), axis=1))
            raise InputError(f"MicrogridDispatch.solve: r (net load) is not finite in rows {bad[:10].tolist()}")
        if not np.all(np.isfinite(gam) & (gam > 0)):
            raise InputError(f"MicrogridDispatch.solve: gamma must be finite and > 0, got {gamma}")
        _, first, back = np.unique(np.column_stack([r, gam]), axis=0, return_index=True,
                                   return_inverse=True)
        ur, ug = r[first], gam[first]
        Xu, ok = self._kernel_rows(ur, ug)
        ok[ok] = self._rows_hold(Xu[ok], ur[ok])
        su = np.full(len(ur), Status.OPTIMAL, np.int8)
        rest = np.flatnonzero(~ok)
        with _STATS_LOCK:
            stats["kernel_rows"] += int(ok.sum())
            stats["fallback_rows"] += len(rest)
        if len(rest):
            Xu[rest], su[rest] = map_rows_processes(self, "_solve_rows", (ur[rest], ug[rest]),
                                                    self.threads, 4)
        X, status = Xu[back.ravel()], su[back.ravel()]
        P, c, d, g, s = (X[:, k * T:(k + 1) * T] for k in range(5))
        imb = r - (g - s) - P + (c - d)
        energy = self.e0 + np.concatenate([np.zeros((n, 1)), np.cumsum(self.eta * c - d / self.eta, 1)], 1)
        ok = status == Status.OPTIMAL
        return {"p_de": P, "ba_ch": c, "ba_dis": d, "buy": g, "sell": s, "imbalance": imb,
                "energy": energy, "status": status,
                "diesel": np.where(ok, (self.a * P ** 2 + self.b * P + self.c0).sum(1), 0.0),
                "battery": np.where(ok, self.m * ((c - d) ** 2).sum(1), 0.0),
                "grid": np.where(ok, (self.grid_buy * g - self.grid_sell * s).sum(1), 0.0),
                "penalty": np.where(ok, gam * (imb ** 2).sum(1), 0.0)}
