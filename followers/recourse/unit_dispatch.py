"""Thermal unit dispatch with ramps and load shedding, exact and batched: a leader's
recourse problem (the system operator of the v2g case), one convex QP per individual.

    min  sum_t [ sum_g (a_g P_g(t)^2 + b_g P_g(t) + c_g) + V_ls P_ls(t) ] dt
    s.t. sum_g P_g(t) + P_ls(t) = D(t)                    (power balance, D = net load)
         P_min_g <= P_g(t) <= P_max_g,  P_ls(t) >= 0
         -R_down_g dt <= P_g(t) - P_g(t-1) <= R_up_g dt    t = 1..T-1

Units MW, MWh, $/MWh ($/MW^2h for a). With every a_g > 0 the problem is strictly
convex once the shedding is substituted, P_ls = D - sum_g P_g >= 0, so the unit
outputs are unique. Feasible iff D(t) >= sum_g P_min_g for every t (all units at
their minimum meet every ramp), checked before any solve: else INFEASIBLE.

Method (:mod:`stackga.followers.kernels.unit_dispatch`, compiled): each hour in closed form without
the ramps; where a ramp is broken, an exact dual active-set method started from that
point. Each individual is solved on its own, so an answer never depends on the rest of
the population (tolerances depend on the units only). Where the dual method stops short
(iteration limit, rounding), HiGHS's QP solver takes the model above as written;
``stats`` counts each path, per individual (identical net loads are solved once).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from ..backends.highs import solve_highs
from ..kernels.unit_dispatch import dispatch_rows
from ..qp_form import QPForm
from ..response import Status

__all__ = ["ThermalDispatch", "DispatchResult"]


@dataclass
class DispatchResult:
    """Dispatch of n individuals. p: (n, G, T) MW; shed: (n, T) MW; emission, cost: (n,) $
    (cost = emission + shedding); marginal: (n, T) $/MWh, the price of one more MW of net
    load (the balance row's multiplier); status: (n,) :class:`Status` codes."""

    p: np.ndarray
    shed: np.ndarray
    emission: np.ndarray
    cost: np.ndarray
    marginal: np.ndarray
    status: np.ndarray


@dataclass(frozen=True)
class ThermalDispatch:
    """G thermal units; arrays (G,); ``max_iter``: steps of the dual method before HiGHS
    takes over."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    p_min: np.ndarray
    p_max: np.ndarray
    ramp_up: np.ndarray
    ramp_down: np.ndarray
    shed_cost: float
    T: int = 24
    dt: float = 1.0
    max_iter: int = 1000
    stats: dict = field(default_factory=lambda: dict.fromkeys(
        ("hourly", "dual", "highs", "failed", "infeasible"), 0), compare=False, repr=False)

    def __post_init__(self) -> None:
        G = len(np.atleast_1d(self.a))
        for name in ("a", "b", "c", "p_min", "p_max", "ramp_up", "ramp_down"):
            v = np.asarray(getattr(self, name), float)
            if v.shape != (G,) or not np.all(np.isfinite(v)):
                raise InputError(f"ThermalDispatch.{name} must be {G} finite values, got {v}")
            object.__setattr__(self, name, v)
        if np.any(self.a <= 0):
            raise InputError(f"ThermalDispatch.a must be > 0 (strictly convex costs), got {self.a}")
        if np.any(self.p_min > self.p_max) or np.any(self.ramp_up < 0) or np.any(self.ramp_down < 0):
            raise InputError("ThermalDispatch: need p_min <= p_max and ramps >= 0")

    @property
    def G(self) -> int:
        return len(self.a)

    # ---- the QP in the unit outputs x[g * T + t], shedding substituted
    @cached_property
    def _qp(self):
        """h, q, lo, hi (G T,) and the rows (ramps, then hours) in CSR with their right sides."""
        G, T, dt = self.G, self.T, self.dt
        h = np.repeat(2.0 * self.a * dt, T)
        q = np.repeat((self.b - self.shed_cost) * dt, T)
        lo, hi = np.repeat(self.p_min, T), np.repeat(self.p_max, T)
        rows, rhs = [], []
        for g in range(G):
            for t in range(1, T):
                i = g * T + t
                rows.append(((i, 1.0), (i - 1, -1.0)))
                rhs.append(self.ramp_up[g] * dt)
                rows.append(((i - 1, 1.0), (i, -1.0)))
                rhs.append(self.ramp_down[g] * dt)
        for t in range(T):
            rows.append(tuple((g * T + t, 1.0) for g in range(G)))
            rhs.append(0.0)                                       # D(t), per individual
        ptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
        col = np.array([i for r in rows for i, _ in r], np.int64)
        val = np.array([v for r in rows for _, v in r], float)
        return h, q, lo, hi, ptr, col, val, np.array(rhs, float)

    def _kernel(self, load: np.ndarray):
        h, q, lo, hi, ptr, col, val, rhs = self._qp
        tol_p = 1e-9 * max(float(self.p_max.sum()), 1.0)      # the same for every individual
        return dispatch_rows(h, q, lo, hi, self.G, self.T, ptr, col, val, rhs,
                             np.ascontiguousarray(load), self.max_iter, tol_p)

    @cached_property
    def qp_matrices(self) -> QPForm:
        """The model as written, a :class:`~stackga.followers.qp_form.QPForm` in u = (unit
        outputs (G T,), shedding (T,)): min 1/2 u'Hu + c u (without the constant sum_g c_g T
        dt) s.t. row_lo + E D <= A u <= row_hi + E D (the T balance rows, then the ramps),
        col_lo <= u <= col_hi; D the net load (T,)."""
        G, T, dt = self.G, self.T, self.dt
        n = G * T
        rows, lo_r, hi_r = [], [], []
        for t in range(T):
            r = np.zeros(n + T)
            r[[g * T + t for g in range(G)]] = 1.0
            r[n + t] = 1.0
            rows.append(r)
            lo_r.append(0.0)
            hi_r.append(0.0)
        for g in range(G):
            for t in range(1, T):
                r = np.zeros(n + T)
                r[g * T + t], r[g * T + t - 1] = 1.0, -1.0
                rows.append(r)
                lo_r.append(-self.ramp_down[g] * dt)
                hi_r.append(self.ramp_up[g] * dt)
        E = sp.vstack([sp.identity(T), sp.csr_matrix((len(rows) - T, T))], format="csr")
        return QPForm(cost=np.concatenate([np.repeat(self.b * dt, T), np.full(T, self.shed_cost * dt)]),
                      A=sp.csr_matrix(np.array(rows)), row_lo=np.array(lo_r), row_hi=np.array(hi_r),
                      col_lo=np.concatenate([np.repeat(self.p_min, T), np.zeros(T)]),
                      col_hi=np.concatenate([np.repeat(self.p_max, T), np.full(T, np.inf)]),
                      hessian=sp.diags(np.concatenate([np.repeat(2.0 * self.a * dt, T), np.zeros(T)])),
                      E=E)

    def _highs(self, load: np.ndarray) -> tuple[bool, np.ndarray, float, np.ndarray]:
        """The model as written (with shedding variables), solved by HiGHS's QP solver.
        Returns (solved, unit outputs (G T,), objective, marginal cost of net load (T,))."""
        q, n, T = self.qp_matrices, self.G * self.T, self.T
        status, x, obj, dual = solve_highs(*q.at(load).lp_args(), hessian=q.hessian,
                                           row_duals=True)
        return status == Status.OPTIMAL, x[:n], obj, dual[:T] / self.dt

    def solve(self, net_load: np.ndarray) -> DispatchResult:
        """Optimal dispatch for every row of ``net_load`` (n, T) MW."""
        D = np.asarray(net_load, float)
        if D.ndim != 2 or D.shape[1] != self.T or not np.all(np.isfinite(D)):
            raise InputError(f"ThermalDispatch.solve: net_load must be finite with shape "
                             f"(n, {self.T}), got {D.shape}")
        n, G, T = len(D), self.G, self.T
        status = np.full(n, Status.OPTIMAL, np.int8)
        feasible = np.all(D >= self.p_min.sum() - 1e-9 * max(1.0, self.p_min.sum()), axis=1)
        status[~feasible] = Status.INFEASIBLE
        self.stats["infeasible"] += int((~feasible).sum())
        x = np.zeros((n, G * T))
        mu = np.zeros((n, T))
        idx = np.flatnonzero(feasible)
        if len(idx):
            # identical net loads (frequent: LP responses are vertices) are solved once
            uniq, back = np.unique(D[idx], axis=0, return_inverse=True)
            back = back.reshape(-1)
            times = np.bincount(back, minlength=len(uniq))      # individuals per net load
            xs, mus, code, steps = self._kernel(uniq)
            ustatus = np.full(len(uniq), Status.OPTIMAL, np.int8)
            self.stats["hourly"] += int(times[(steps == 0) & (code == 0)].sum())
            self.stats["dual"] += int(times[(steps > 0) & (code == 0)].sum())
            for j in np.flatnonzero(code != 0):
                ok, x0, _, marginal = self._highs(uniq[j])
                if not ok:
                    ustatus[j] = Status.SOLVER_FAILED
                    self.stats["failed"] += int(times[j])
                    continue
                self.stats["highs"] += int(times[j])
                xs[j] = x0
                mus[j] = (self.shed_cost - marginal) * self.dt
            x[idx], mu[idx], status[idx] = xs[back], mus[back], ustatus[back]
        x[status != Status.OPTIMAL] = 0.0
        p = x.reshape(n, G, T)
        ok = status == Status.OPTIMAL
        shed = np.where(ok[:, None], np.maximum(D - p.sum(axis=1), 0.0), 0.0)
        emission = ((self.a[:, None] * p ** 2 + self.b[:, None] * p + self.c[:, None]).sum(axis=(1, 2))
                    * self.dt)
        emission = np.where(ok, emission, 0.0)
        cost = emission + self.shed_cost * shed.sum(axis=1) * self.dt
        # the balance multiplier: marginal cost of net load = V_ls - mu(hour row) / dt
        marginal = np.where(ok[:, None], self.shed_cost - mu / self.dt, 0.0)
        return DispatchResult(p, shed, emission, cost, marginal, status)
