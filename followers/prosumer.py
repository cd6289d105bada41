"""A prosumer: a fixed load, PV and a battery behind one meter, buying at the leader's
prices and selling back at a feed-in price (net metering: the same price).

    min  sum_t [ c_imp(t) imp(t) - c_exp(t) exp(t) + alpha (ch(t) + dis(t)) ] dt
    s.t. imp(t) - exp(t) = load(t) - pv(t) + ch(t) - dis(t)                     (the meter)
         E(t) = E(t-1) + (eta_c ch(t) - dis(t) / eta_d) dt,  E(0) = soc0 capacity
         soc_min capacity <= E(t) <= soc_max capacity,  E(T) >= E(0)
         0 <= ch, dis <= p_max,  0 <= imp <= import_max,  0 <= exp <= export_max

``export``: "net" (net metering, c_exp = c_imp: the leader's prices (n, T)), a fixed
feed-in tariff (T,) yuan/kWh (c_exp at most c_imp in every hour, else exporting what it
imports pays without limit), or "leader" (the leader sets both: prices (n, 2T) = [c_imp |
c_exp]; an individual with c_exp > c_imp and no finite limit is UNBOUNDED, counted).
An LP (:class:`~stackga.followers.stated_lp.StatedLP`), solved exactly per individual;
ties (equal prices, net metering's simultaneous import and export) are chosen by the
game's selection. Units: kW, kWh, yuan.
"""
from __future__ import annotations

import numpy as np

from stackga.errors import InputError

from .response import check_prices
from .stated_lp import StatedLP

__all__ = ["Prosumer"]


class Prosumer(StatedLP):
    """A prosumer. Every parameter that shapes the model is stated:

    | parameter | unit | meaning | default |
    |---|---|---|---|
    | ``load``, ``pv`` | kW | (T,) its demand and PV output | required |
    | ``capacity`` | kWh | the battery's energy at SOC 1 (0: no battery) | required |
    | ``p_max`` | kW | the battery's power limit | required |
    | ``soc_min``, ``soc_max``, ``soc0`` | - | SOC limits and start (the day ends at least as full) | required |
    | ``eta_c``, ``eta_d`` | - | efficiencies in (0, 1] | required |
    | ``export`` | - | "net", a feed-in tariff (T,) yuan/kWh, or "leader" | required |
    | ``alpha`` | yuan/kWh | wear per kWh charged or discharged | 0 |
    | ``import_max``, ``export_max`` | kW | the meter's limits | inf |

    Response arrays (n, T): ``ch``, ``dis``, ``energy`` (E(1..T)), ``imp``, ``exp`` (what
    the leader delivers is imp - exp; a leader function reads these arrays, which the
    game's selection values); the objective is the bill (yuan)."""

    def __init__(self, load, pv, capacity: float, p_max: float, soc_min: float, soc_max: float,
                 soc0: float, eta_c: float, eta_d: float, export, alpha: float = 0.0,
                 import_max: float = np.inf, export_max: float = np.inf, dt: float = 1.0) -> None:
        load, pv = np.asarray(load, float), np.asarray(pv, float)
        T = len(load)
        if load.ndim != 1 or pv.shape != load.shape or not np.all(np.isfinite(load)) \
                or not np.all(np.isfinite(pv)):
            raise InputError(f"Prosumer: load and pv must be finite and (T,) alike, got shapes "
                             f"{load.shape} and {pv.shape}")
        if not capacity >= 0 or not p_max >= 0 or not 0 <= soc_min <= soc0 <= soc_max <= 1:
            raise InputError(f"Prosumer: need capacity, p_max >= 0 and 0 <= soc_min <= soc0 <= "
                             f"soc_max <= 1, got {capacity}, {p_max}, {soc_min}, {soc0}, {soc_max}")
        if not (0 < eta_c <= 1 and 0 < eta_d <= 1):
            raise InputError(f"Prosumer: efficiencies must be in (0, 1], got {eta_c}, {eta_d}")
        if isinstance(export, str):
            if export not in ("net", "leader"):
                raise InputError(f"Prosumer.export: {export!r}; choose 'net', 'leader' or a feed-in "
                                 f"tariff (T,)")
            feed_in = None
        else:
            feed_in = np.asarray(export, float)
            if feed_in.shape != (T,) or not np.all(np.isfinite(feed_in)):
                raise InputError(f"Prosumer.export: a feed-in tariff must be finite with shape ({T},), "
                                 f"got {feed_in.shape}")
        mode = export if isinstance(export, str) else "feed-in"
        self.T, self.dt, self.mode, self.feed_in = T, dt, mode, feed_in
        self.p = 2 * T if mode == "leader" else T
        E0 = soc0 * capacity
        n = 5 * T                                   # ch, dis, E(1..T), imp, exp
        cols = {k: i * T for i, k in enumerate(("ch", "dis", "energy", "imp", "exp"))}
        eye, z = np.eye(T), np.zeros((T, T))
        shift = np.eye(T, k=-1)
        dyn = np.hstack([-eta_c * dt * eye, dt / eta_d * eye, eye - shift, z, z])
        meter = np.hstack([-eye, eye, z, eye, -eye])
        b = np.r_[E0, np.zeros(T - 1), load - pv]
        d = np.r_[np.full(2 * T, alpha * dt), np.zeros(T), np.zeros(T),
                  np.zeros(T) if feed_in is None else -feed_in * dt]
        M = np.zeros((self.p, n))
        M[:T, cols["imp"]:cols["imp"] + T] = eye * dt
        if mode == "net":
            M[:T, cols["exp"]:cols["exp"] + T] = -eye * dt
        elif mode == "leader":
            M[T:, cols["exp"]:cols["exp"] + T] = -eye * dt
        e_lo = np.full(T, soc_min * capacity)
        e_lo[-1] = max(e_lo[-1], E0)
        lb = np.r_[np.zeros(2 * T), e_lo, np.zeros(2 * T)]
        ub = np.r_[np.full(2 * T, p_max), np.full(T, soc_max * capacity), np.full(T, import_max),
                   np.full(T, export_max)]
        super().__init__(d=d, B=np.vstack([dyn, meter]), b=b, sense="=", A=np.zeros((2 * T, self.p)),
                         M=M, Q=None, lb=lb, ub=ub, theta_of=self._theta,
                         outputs={k: (j, T) for k, j in cols.items()}, name="prosumer")

    def _theta(self, prices: np.ndarray) -> np.ndarray:
        P = check_prices(prices, self.p, "Prosumer")
        if self.feed_in is not None and np.any(self.feed_in > P + 1e-12):
            i, t = np.argwhere(self.feed_in > P + 1e-12)[0]
            raise InputError(f"Prosumer: feed-in tariff {self.feed_in[t]:g} above the price "
                             f"{P[i, t]:g} (row {i}, hour {t}): exporting what it imports would pay")
        return P
