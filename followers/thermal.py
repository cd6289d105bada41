"""Air-conditioned buildings as virtual storage (island paper, sec. 2.1-2.3, appendix A).

First-order ETP model of an aggregate of buildings, exact over each step::

    T_in(t+1) = a * T_in(t) + (1 - a) * (T_out(t) - eta * R * P_ac(t)),  a = exp(-dt / (R C))
    T_min <= T_in(t) <= T_max   (comfort band, PMV within +-1),  T_in(0) = T_set,
    T_in(T) <= T_set            (the building hands back the cold it borrowed),
    0 <= P_ac(t) <= P_max.

Baseline: the AC holds the set point, P_base = clip((T_out - T_set) / (eta R), 0, P_max).
Virtual storage power P_v = P_base - P_ac (positive = discharge). The storage
operator earns (lam + R_e) * P_v per hour (eq. 19). The state handed to
:func:`storage_dp.solve_storage` is -T_in, so cooling "charges" it.
Units: degC, kW (electric), kWh/degC, degC/kW, yuan/kWh.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .certify.tie_values import bind_blocks
from .response import Response, check_prices, status_from
from .storage_dp import StorageLP, solve_storage

__all__ = ["ThermalBuildings"]


@dataclass(frozen=True)
class ThermalBuildings:
    """An aggregate of air-conditioned buildings (R, C already aggregated)."""

    t_out: np.ndarray          # (T,) outdoor temperature, degC
    r_th: float                # equivalent thermal resistance, degC/kW
    c_th: float                # equivalent thermal capacity, kWh/degC
    cop: float                 # eta_AC, kW cooling per kW electric
    p_max: float               # kW electric
    t_min: float = 24.0
    t_max: float = 28.0
    t_set: float = 26.0
    subsidy: float = 0.0       # lam, yuan/kWh of virtual discharge
    dt: float = 1.0

    def __post_init__(self) -> None:
        for name in ("r_th", "c_th", "cop", "p_max"):
            if not getattr(self, name) > 0:
                raise InputError(f"ThermalBuildings.{name} must be > 0, got {getattr(self, name)}")
        if not self.t_min <= self.t_set <= self.t_max:
            raise InputError(f"ThermalBuildings: need t_min <= t_set <= t_max, got "
                             f"{self.t_min}, {self.t_set}, {self.t_max}")

    @property
    def decay(self) -> float:
        return float(np.exp(-self.dt / (self.r_th * self.c_th)))

    @cached_property
    def baseline(self) -> np.ndarray:
        """(T,) kW consumed when the set point is held."""
        return np.clip((self.t_out - self.t_set) / (self.cop * self.r_th), 0.0, self.p_max)

    @cached_property
    def storage(self) -> StorageLP:
        """The storage LP handed to the exact recursion (built once)."""
        T, a = len(self.t_out), self.decay
        gain = (1 - a) * self.cop * self.r_th            # degC of cooling per kW
        return StorageLP(
            s0=-self.t_set, s_lo=np.full(T + 1, -self.t_max), s_hi=np.full(T + 1, -self.t_min),
            up_max=np.full(T, gain * self.p_max), dn_max=np.zeros(T),
            drift=-(1 - a) * np.asarray(self.t_out, float), decay=a, s_final=-self.t_set)

    def profit(self, prices: np.ndarray, p_ac: np.ndarray) -> np.ndarray:
        """(n,) virtual-storage revenue sum (lam + R) * (P_base - P_ac) * dt."""
        return ((self.subsidy + prices) * (self.baseline - p_ac)).sum(axis=1) * self.dt

    @property
    def _gain(self) -> float:
        return (1 - self.decay) * self.cop * self.r_th      # degC of cooling per kW

    def dp_costs(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cost per degC of cooling (the state is -T_in), (n, T) twice."""
        c = (self.subsidy + p) * self.dt / self._gain
        return c, c

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of a schedule (``p_ac`` (T,),
        ``t_in`` (T + 1,)) at one price vector (T,): the ETP LP with T_in as variables.
        ``leader``: a leader's view (:mod:`stackga.followers.certify.tie_values`), bound to p_ac (the power
        drawn), for the leader's values over the LP's ties."""
        T, a = len(self.t_out), self.decay
        eye, shift = sp.identity(T, format="csr"), sp.eye(T, k=-1, format="csr")
        A = sp.hstack([(1 - a) * self.cop * self.r_th * eye, eye - a * shift])
        rhs = (1 - a) * np.asarray(self.t_out, float)
        rhs[0] += a * self.t_set
        t_hi = np.full(T, self.t_max)
        t_hi[-1] = min(t_hi[-1], self.t_set)
        cost = np.r_[(self.subsidy + price) * self.dt, np.zeros(T)]
        if leader is not None:
            leader = bind_blocks(leader, eye, 2, ch=0)
        return lp_certificate(cost, A, rhs, rhs, np.r_[np.zeros(T), np.full(T, self.t_min)],
                              np.r_[np.full(T, self.p_max), t_hi],
                              np.r_[arrays["p_ac"], arrays["t_in"][1:]], leader=leader)

    def respond(self, prices: np.ndarray) -> Response:
        """Optimal AC schedule for every row of ``prices`` (n, T) yuan/kWh."""
        p = check_prices(prices, len(self.t_out), "ThermalBuildings")
        return self.from_dp(p, *solve_storage(self.storage, *self.dp_costs(p)))

    def from_dp(self, p, u, s, feas) -> Response:
        gain = self._gain
        p_ac = np.where(feas[:, None], u / gain, 0.0)
        status = status_from(feas)
        return Response(np.where(feas, self.profit(p, p_ac), 0.0), status,
                        {"p_ac": p_ac, "t_in": -s, "p_virtual": self.baseline - p_ac})
