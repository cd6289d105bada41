"""An EV fleet aggregated into one virtual storage (island paper, eq. 3-4, 19).

Each EV i is plugged in over the cyclic hour window [arr_i, dep_i) (evening
to next morning), arrives with energy B_i * soc_arr_i and leaves with
``dep_energy_i``. The fleet is one storage whose state E(t) is the energy of
the EVs plugged in at time t::

    E(t+1) = E(t) + (eta_c * P_ch - P_dis / eta_d) * dt + arrivals(t+1) - departures(t+1)
    sum_{i plugged at t} B_i soc_min <= E(t) <= sum_{i plugged at t} B_i soc_max
    0 <= P_ch, P_dis <= n_plugged(t) * P_ev,   E(T) >= E(0)

This aggregate is a relaxation of the per-EV model (energy may move between
plugged-in EVs, and the per-EV binaries mu_ch, mu_dis are dropped); it is the
usual virtual-battery model of a fleet. Baseline: every EV charges at full
power from arrival until full. Virtual storage power P_v = baseline - (P_ch - P_dis).
Storage operator's value (eq. 19):
    sum_t (lam + R) * P_v - kappa * [ (1 - eta_c) * P_ch + (1/eta_d - eta_d) * P_dis ]
where kappa (yuan/kWh, default 1 as the paper writes it) prices the losses.
Units: kW, kWh, hours, yuan.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .response import Response, check_prices, status_from
from .storage_dp import StorageLP, solve_storage

__all__ = ["EVFleet"]


def plugged(arr: np.ndarray, dep: np.ndarray, T: int) -> np.ndarray:
    """(n_ev, T) bool: EV i plugged in during hour t (cyclic window [arr, dep))."""
    t = np.arange(T)[None, :]
    a, d = arr[:, None], dep[:, None]
    return np.where(a <= d, (t >= a) & (t < d), (t >= a) | (t < d))


@dataclass(frozen=True)
class EVFleet:
    """A fleet of EVs; per-EV arrays have shape (n_ev,), hours are integers 0..T-1."""

    arr: np.ndarray            # arrival hour (plugged from the start of this hour)
    dep: np.ndarray            # departure hour (unplugged at the start of this hour)
    battery: np.ndarray        # kWh
    soc_arr: np.ndarray        # state of charge on arrival
    soc_need: np.ndarray       # minimum state of charge on departure (eq. 4)
    p_ev: float = 7.0          # kW per EV, charge and discharge
    eta_c: float = 0.92
    eta_d: float = 0.92
    soc_min: float = 0.2
    soc_max: float = 0.9
    subsidy: float = 0.0       # lam, yuan/kWh
    kappa: float = 1.0         # price of the loss terms, yuan/kWh
    T: int = 24
    dt: float = 1.0

    def __post_init__(self) -> None:
        n = len(self.arr)
        for name in ("dep", "battery", "soc_arr", "soc_need"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"EVFleet.{name} must have {n} entries, got {len(getattr(self, name))}")
        if np.any(self.arr == self.dep):
            raise ValueError("EVFleet: an EV arrives and departs in the same hour")
        if np.any(self.soc_need > self.soc_max + 1e-12):
            i = int(np.argmax(self.soc_need))
            raise ValueError(f"EVFleet.soc_need[{i}] = {self.soc_need[i]:.3f} exceeds soc_max "
                             f"{self.soc_max}: the trip cannot be served")

    @cached_property
    def _baseline_energy(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-EV baseline: (power (n_ev, T) kW, energy at each hour start (n_ev, T+1) kWh).

        Simulated over two days so EVs plugged in at midnight carry yesterday's charge.
        """
        T, on = self.T, plugged(self.arr, self.dep, self.T)
        full = self.soc_max * self.battery
        e = np.where(on[:, 0] & (self.arr != 0), full, self.soc_arr * self.battery)
        power = np.zeros((len(self.arr), T))
        energy = np.zeros((len(self.arr), T + 1))
        for day in range(2):
            for t in range(T):
                e = np.where(self.arr == t, self.soc_arr * self.battery, e)
                if day == 1:
                    energy[:, t] = e
                p = np.where(on[:, t], np.clip((full - e) / (self.eta_c * self.dt), 0, self.p_ev), 0.0)
                e = e + self.eta_c * p * self.dt
                if day == 1:
                    power[:, t] = p
        energy[:, T] = e
        return power, energy

    @cached_property
    def baseline(self) -> np.ndarray:
        """(T,) kW fleet consumption without the scheme."""
        return self._baseline_energy[0].sum(axis=0)

    @cached_property
    def storage(self) -> StorageLP:
        """The storage LP handed to the exact recursion (built once)."""
        T, on = self.T, plugged(self.arr, self.dep, self.T)
        _, e_base = self._baseline_energy
        leave = np.maximum(self.soc_need * self.battery, e_base[np.arange(len(self.arr)), self.dep])
        on_k = np.concatenate([on, on[:, :1]], axis=1)            # plugged at time k = 0..T
        drift = np.zeros(T)
        for k in range(1, T + 1):
            arriving = self.arr == k % T
            departing = self.dep == k % T
            drift[k - 1] = (self.soc_arr * self.battery)[arriving].sum() - leave[departing].sum()
        e0 = (e_base[:, 0] * on[:, 0]).sum()
        n_on = on.sum(axis=0)
        return StorageLP(
            s0=e0, s_lo=(on_k * self.battery[:, None]).sum(axis=0) * self.soc_min,
            s_hi=(on_k * self.battery[:, None]).sum(axis=0) * self.soc_max,
            up_max=self.eta_c * self.p_ev * n_on * self.dt,
            dn_max=self.p_ev * n_on * self.dt / self.eta_d, drift=drift, s_final=e0)

    def value(self, prices, ch, dis) -> np.ndarray:
        """(n,) operator's value of the fleet schedule (eq. 19 terms), yuan."""
        pv = self.baseline - ch + dis
        loss = self.kappa * ((1 - self.eta_c) * ch + (1 / self.eta_d - self.eta_d) * dis)
        return ((self.subsidy + prices) * pv - loss).sum(axis=1) * self.dt

    def dp_costs(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cost of raising / revenue of lowering the fleet's energy by 1 kWh, (n, T) each."""
        lam, k = self.subsidy + p, self.kappa
        c_up = (lam + k * (1 - self.eta_c)) / self.eta_c
        c_dn = (lam - k * (1 / self.eta_d - self.eta_d)) * self.eta_d
        return c_up / self.dt, c_dn / self.dt

    def respond(self, prices: np.ndarray) -> Response:
        """Optimal fleet schedule for every row of ``prices`` (n, T) yuan/kWh."""
        p = check_prices(prices, self.T, "EVFleet")
        return self.from_dp(p, *solve_storage(self.storage, *self.dp_costs(p)))

    def from_dp(self, p, u, e, feas) -> Response:
        ch = np.where(feas[:, None], np.maximum(u, 0) / (self.eta_c * self.dt), 0.0)
        dis = np.where(feas[:, None], np.maximum(-u, 0) * self.eta_d / self.dt, 0.0)
        status = status_from(feas)
        return Response(np.where(feas, self.value(p, ch, dis), 0.0), status,
                        {"ch": ch, "dis": dis, "energy": e, "p_virtual": self.baseline - ch + dis})
