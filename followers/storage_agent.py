"""An aggregate store (e.g. a V2G fleet) run by an agent that minimises its owners' cost
under tariffs and power caps set by the leader, per individual (v2g paper, eq. 7-14).

    min  f = sum_t [ k_c(t) P_c(t) + k_b (P_c(t) + P_d(t)) - k_d(t) P_d(t) ] dt
    s.t. E(t+1) = E(t) + (eta_c P_c(t) - P_d(t) / eta_d) dt - E_need(t)       (eq. 11)
         E_min <= E(t) <= E_max  (t = 1..T),   E(T) >= E_final,   E(0) = E0  (eq. 12)
         0 <= P_c(t) <= min(cap_c(t), P_c_max) avail(t)                       (eq. 10, 13)
         0 <= P_d(t) <= min(cap_d(t), P_d_max) avail(t)
         P_c(t) P_d(t) = 0                                                    (eq. 14)

The leader's input for n individuals is one matrix (n, 4T): [k_c | k_d | cap_c | cap_d]
($/MWh, $/MWh, MW, MW). Units: MW, MWh, $.

Method: the exact storage recursion (:mod:`stackga.followers.storage_dp`) on the state E with
per-individual move limits up = eta_c cap_c dt, down = cap_d dt / eta_d, a cost of
(k_c + k_b) / eta_c per MWh stored and a revenue of (k_d - k_b) eta_d per MWh drawn.
It plans the net move of each hour, so eq. 14 holds in every response, and it is the
LP's optimum wherever storing costs at least what drawing earns in the same hour
(or only one direction is open): then charging and discharging in one hour never
pays. Where both directions are open and drawing earns more (same-hour arbitrage,
which eq. 14 forbids and the LP without it would exploit), the problem needs binaries;
those individuals are marked SOLVER_FAILED and counted in ``stats["arbitrage"]``.
Among the agent's optimal plans the recursion takes, hour by hour, the one closest to
idle (so charging that costs the same in every hour is deferred): an explicit
tie-break that depends on the individual alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .certify.tie_values import bind_blocks
from .response import Response, Status
from .storage_dp import StorageLP, outside_method, solve_storage

__all__ = ["StorageAgent"]


@dataclass(frozen=True)
class StorageAgent:
    """The store's data (energies MWh, powers MW, k_b $/MWh); ``need`` and ``available``
    are (T,): travel energy drawn in each hour and whether the store is connected."""

    capacity: float
    e0: float
    e_min: float
    e_max: float
    e_final: float
    p_ch_max: float
    p_dis_max: float
    eta_c: float
    eta_d: float
    wear: float
    need: np.ndarray
    available: np.ndarray
    dt: float = 1.0
    stats: dict = field(default_factory=lambda: {"arbitrage": 0}, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("capacity", "eta_c", "eta_d", "dt"):
            if not getattr(self, name) > 0:
                raise InputError(f"StorageAgent.{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.e_min <= self.e0 <= self.e_max <= self.capacity:
            raise InputError(f"StorageAgent: need 0 <= e_min <= e0 <= e_max <= capacity, got "
                             f"{self.e_min}, {self.e0}, {self.e_max}, {self.capacity}")
        if self.e_final > self.e_max:
            raise InputError(f"StorageAgent: e_final = {self.e_final} > e_max = {self.e_max}: "
                             f"no plan can end that full")
        need = np.asarray(self.need, float)
        avail = np.asarray(self.available, bool)
        if need.ndim != 1 or avail.shape != need.shape or np.any(need < 0):
            raise InputError("StorageAgent: need must be >= 0 and need, available (T,) alike")
        object.__setattr__(self, "need", need)
        object.__setattr__(self, "available", avail)

    @property
    def T(self) -> int:
        return len(self.need)

    def split(self, leader: np.ndarray) -> tuple[np.ndarray, ...]:
        """(k_c, k_d, cap_c, cap_d), each (n, T), from the leader's matrix (n, 4T)."""
        m = np.asarray(leader, float)
        T = self.T
        if m.ndim != 2 or m.shape[1] != 4 * T or not np.all(np.isfinite(m)):
            raise InputError(f"StorageAgent: the leader's input must be finite with shape "
                             f"(n, {4 * T}) = [k_c | k_d | cap_c | cap_d], got {m.shape}")
        if np.any(m[:, 2 * T:] < 0):
            raise InputError("StorageAgent: power caps must be >= 0")
        return m[:, :T], m[:, T:2 * T], m[:, 2 * T:3 * T], m[:, 3 * T:]

    def respond(self, leader: np.ndarray) -> Response:
        k_c, k_d, cap_c, cap_d = self.split(leader)
        T, dt = self.T, self.dt
        up = np.minimum(cap_c, self.p_ch_max) * self.available * self.eta_c * dt
        dn = np.minimum(cap_d, self.p_dis_max) * self.available * dt / self.eta_d
        c_up = (k_c + self.wear) / self.eta_c            # $ per MWh stored
        c_dn = (k_d - self.wear) * self.eta_d            # $ per MWh drawn
        # a closed direction's price is irrelevant: align it so the premise c_up >= c_dn holds
        c_up = np.where(up > 0, c_up, np.maximum(c_up, c_dn))
        c_dn = np.where(dn > 0, c_dn, np.minimum(c_up, c_dn))
        # within 1e-8 (relative) of the premise the leader's constraint counts as met
        # (its own tolerance is 1e-9 of the tariffs): c_dn is then clipped to c_up
        arbitrage = outside_method(c_up, c_dn, rel=1e-8)
        self.stats["arbitrage"] += int(arbitrage.sum())
        s_lo = np.full(T + 1, self.e_min)
        s_hi = np.full(T + 1, self.e_max)
        m = StorageLP(s0=self.e0, s_lo=s_lo, s_hi=s_hi, up_max=up, dn_max=dn, drift=-self.need,
                      s_final=self.e_final)
        u, e, feasible = solve_storage(m, c_up, np.minimum(c_dn, c_up))
        p_ch = np.maximum(u, 0.0) / (self.eta_c * dt)
        p_dis = np.maximum(-u, 0.0) * self.eta_d / dt
        ok = feasible & ~arbitrage
        status = np.where(ok, Status.OPTIMAL,
                          np.where(arbitrage, Status.SOLVER_FAILED, Status.INFEASIBLE)).astype(np.int8)
        p_ch[~ok], p_dis[~ok], e[~ok] = 0.0, 0.0, 0.0
        return Response(np.where(ok, self.cost(k_c, k_d, p_ch, p_dis), 0.0), status,
                        {"p_ch": p_ch, "p_dis": p_dis, "energy": e})

    def certificate(self, leader_row: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of a plan at one leader input (4T,):
        the LP eq. 7-13 with separate P_c, P_d (eq. 14 is checked in the response).
        ``leader``: a leader's view (:mod:`stackga.followers.certify.tie_values`), bound to P_c and P_d, for
        the leader's values over the LP's ties."""
        k_c, k_d, cap_c, cap_d = (v[0] for v in self.split(np.asarray(leader_row)[None]))
        T, dt = self.T, self.dt
        eye, shift = sp.identity(T, format="csr"), sp.eye(T, k=-1, format="csr")
        A = sp.hstack([-self.eta_c * dt * eye, dt / self.eta_d * eye, eye - shift])
        rhs = -self.need.copy()
        rhs[0] += self.e0
        e_lo = np.full(T, self.e_min)
        e_lo[-1] = max(e_lo[-1], self.e_final)
        col_lo = np.r_[np.zeros(2 * T), e_lo]
        col_hi = np.r_[np.minimum(cap_c, self.p_ch_max) * self.available,
                       np.minimum(cap_d, self.p_dis_max) * self.available, np.full(T, self.e_max)]
        cost = np.r_[(k_c + self.wear) * dt, (self.wear - k_d) * dt, np.zeros(T)]
        if leader is not None:
            leader = bind_blocks(leader, eye, 3, ch=0, dis=1)
        return lp_certificate(cost, A, rhs, rhs, col_lo, col_hi,
                              np.r_[arrays["p_ch"], arrays["p_dis"], arrays["energy"][1:]],
                              leader=leader)

    def cost(self, k_c, k_d, p_ch, p_dis) -> np.ndarray:
        """(n,) the owners' cost f (eq. 7-8) of plans p_ch, p_dis (n, T) at tariffs k_c, k_d."""
        return ((k_c + self.wear) * p_ch + (self.wear - k_d) * p_dis).sum(axis=1) * self.dt
