"""An EV fleet as virtual storage, exact per EV (island paper, eq. 3-4, 19).

The day repeats. EV i is plugged in from the start of hour ``arr_i`` to the start
of hour ``dep_i`` (cyclic: an EV arriving at 18 and leaving at 7 is plugged in
hours 18..23 and 0..6, one session, one run of its state of charge). It arrives
with energy ``B_i soc_arr_i`` and plans its own charge ``ch_i(t)`` and V2G
discharge ``dis_i(t)``::

    E_i(t+1) = E_i(t) + (eta_c ch_i(t) - dis_i(t) / eta_d) dt
    B_i soc_min <= E_i <= B_i soc_max   at the end of every plugged hour
    0 <= ch_i(t), dis_i(t) <= p_ev      (0 when not plugged)
    E_i(departure) >= leave_i

Departure requirement ``leave_i`` (``departure=``): "baseline" (default) at least
the energy the baseline leaves with, and at least SOC_min + trip energy (eq. 4),
so the scheme only shifts energy in time; "trip": SOC_min + trip energy only.
Baseline: every EV charges at full power from arrival until SOC_max.
EV i stands for ``weight_i`` identical vehicles (default 1; the load variants
scale the fleet this way). Virtual storage power, fleet total:
P_v(t) = sum_i weight_i (baseline_i(t) - ch_i(t) + dis_i(t)).
Storage operator's value (eq. 19):
    sum_t (lam + R) * P_v - kappa * sum_i weight_i [ (1 - eta_c) ch_i + (1/eta_d - eta_d) dis_i ]
with kappa (yuan/kWh) pricing the losses (the paper writes the loss terms in kW with no
price; the island case reads them at 1 yuan/kWh).

Method: every EV is its own storage LP. Rotating each EV's time axis so that it
ends at its departure hour, all EVs leaving at the same hour (with the same
battery and requirement) share one storage LP that they enter at different
steps with different states; one backward pass per (individual, group) serves
them all (:func:`stackga.followers.storage_dp.solve_storage_starts`). The island's 60
EVs form 3 such groups, so a population of 100 costs 300 backward passes and
6,000 short forward passes. Units: kW, kWh, hours, yuan.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stackga.errors import InputError

from .certify.certificate import Certificate, lp_certificate
from .certify.tie_values import bind
from .kernels.ev_fleet import fleet_totals, to_hours
from .kernels.jit import kernel_array
from .response import Response, Status, check_prices, status_from
from .storage_dp import (
    _FIELDS,
    StorageLP,
    _per_row,
    default_big_m,
    outside_method,
    solve_storage_starts,
    stack,
)

__all__ = ["EVFleet", "plugged"]

DEPARTURE_RULES = ("baseline", "trip")


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
    soc_need: np.ndarray       # SOC_min + trip energy, as a state of charge (eq. 4)
    p_ev: float = 7.0          # kW per EV, charge and discharge
    eta_c: float = 0.92
    eta_d: float = 0.92
    soc_min: float = 0.2
    soc_max: float = 0.9
    subsidy: float = 0.0       # lam, yuan/kWh
    kappa: float = 1.0         # price of the loss terms, yuan/kWh (a reading of eq. 19)
    weight: np.ndarray | None = None   # vehicles each EV stands for (default 1)
    departure: str = "baseline"
    T: int = 24
    dt: float = 1.0
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.arr)
        put = object.__setattr__
        put(self, "arr", np.asarray(self.arr, np.int64))
        put(self, "dep", np.asarray(self.dep, np.int64))
        put(self, "weight", np.ones(n) if self.weight is None
            else np.broadcast_to(np.asarray(self.weight, float), (n,)).copy())
        for name in ("dep", "battery", "soc_arr", "soc_need"):
            if len(getattr(self, name)) != n:
                raise InputError(f"EVFleet.{name} must have {n} entries, got {len(getattr(self, name))}")
        for name in ("arr", "dep"):
            v = getattr(self, name)
            if np.any((v < 0) | (v >= self.T)):
                i = int(np.argmax((v < 0) | (v >= self.T)))
                raise InputError(f"EVFleet.{name}[{i}] = {v[i]} is not an hour in 0..{self.T - 1}")
        if np.any(self.arr == self.dep):
            i = int(np.argmax(self.arr == self.dep))
            raise InputError(f"EVFleet: EV {i} arrives and departs in the same hour ({self.arr[i]})")
        if self.departure not in DEPARTURE_RULES:
            raise InputError(f"EVFleet.departure must be one of {DEPARTURE_RULES}, got {self.departure!r}")
        if np.any(self.weight < 0):
            raise InputError("EVFleet.weight must be >= 0")
        self._check_reachable()

    # -- the sessions, on each EV's rotated time axis (step T = its departure) ------------
    @property
    def step(self) -> np.ndarray:
        """(n_ev,) the step at which EV i arrives on its rotated axis: (arr - dep) mod T."""
        return (self.arr - self.dep) % self.T

    @property
    def _bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per EV: (arrival energy, lowest and highest energy) kWh."""
        b = np.asarray(self.battery, float)
        return np.asarray(self.soc_arr, float) * b, self.soc_min * b, self.soc_max * b

    def _session_baseline(self) -> tuple[np.ndarray, np.ndarray]:
        """Per EV: baseline power on the rotated axis (n_ev, T) and energy at departure."""
        e, _, hi = self._bounds
        e = e.copy()
        power = np.zeros((len(self.arr), self.T))
        for t in range(self.T):
            on = t >= self.step
            p = np.where(on, np.clip((hi - e) / (self.eta_c * self.dt), 0.0, self.p_ev), 0.0)
            power[:, t] = p
            e = e + self.eta_c * p * self.dt
        return power, e

    @property
    def leave(self) -> np.ndarray:
        """(n_ev,) energy each EV must leave with, kWh."""
        need = np.asarray(self.soc_need, float) * np.asarray(self.battery, float)
        return np.maximum(need, self._session_baseline()[1]) if self.departure == "baseline" else need

    def _check_reachable(self) -> None:
        """An EV whose limits cannot all be met is a configuration error, named here."""
        e0, lo, hi = self._bounds
        up, dn = self.eta_c * self.p_ev * self.dt, self.p_ev * self.dt / self.eta_d
        low, high = e0.copy(), e0.copy()
        leave = self.leave
        for t in range(self.T):
            on = t >= self.step
            low = np.where(on, np.maximum(low - dn, lo), low)
            high = np.where(on, np.minimum(high + up, hi), high)
            bad = on & (low > high + 1e-9)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"EVFleet: EV {i} cannot stay within [{lo[i]:g}, {hi[i]:g}] kWh "
                                 f"from its arrival energy {e0[i]:g} kWh")
        short = high < leave - 1e-9
        if short.any():
            i = int(np.argmax(short))
            raise InputError(f"EVFleet: EV {i} cannot reach its departure energy {leave[i]:g} kWh "
                             f"(at most {high[i]:g} kWh in {self.T - self.step[i]} h)")

    @property
    def baseline(self) -> np.ndarray:
        """(T,) kW fleet consumption without the scheme, by hour of day."""
        if "baseline" not in self._cache:
            power = self._session_baseline()[0]
            hours = (self.dep[:, None] + np.arange(self.T)[None, :]) % self.T
            total = np.zeros(self.T)
            np.add.at(total, hours, self.weight[:, None] * power)
            self._cache["baseline"] = total
        return self._cache["baseline"]

    def _groups(self):
        """EVs sharing a storage LP (departure hour, battery, requirement): (keys, group of EV)."""
        if "groups" not in self._cache:
            keys = np.column_stack([self.dep, np.asarray(self.battery, float), self.leave])
            uniq, group = np.unique(keys, axis=0, return_inverse=True)
            _, lo, hi = self._bounds
            first = [int(np.argmax(group == g)) for g in range(len(uniq))]
            T = self.T
            models = [StorageLP(s0=0.0, s_lo=np.full(T + 1, lo[i]), s_hi=np.full(T + 1, hi[i]),
                                up_max=np.full(T, self.eta_c * self.p_ev * self.dt),
                                dn_max=np.full(T, self.p_ev * self.dt / self.eta_d),
                                drift=np.zeros(T), s_final=float(uniq[g, 2]))
                      for g, i in enumerate(first)]
            # _fleet_totals relies on this shape: no decay, no drift, constant bounds
            assert all(m.decay == 1.0 and not np.any(m.drift) and np.ptp(m.s_lo) == 0 == np.ptp(m.s_hi)
                       and np.ptp(m.up_max) == 0 == np.ptp(m.dn_max) for m in models)
            self._cache["groups"] = (uniq[:, 0].astype(np.int64), group.reshape(-1), models)
        return self._cache["groups"]

    def _starts(self, n: int):
        """For a population of n: the stacked storage (row g * n + i) and the starts,
        sorted by row: (storage, row, ev, individual, step, state, departure)."""
        key = ("starts", n)
        if key not in self._cache:
            dep_g, group, models = self._groups()
            G = len(models)
            ev = np.concatenate([np.flatnonzero(group == g) for g in range(G) for _ in range(n)])
            ind = np.concatenate([np.full((group == g).sum(), i) for g in range(G) for i in range(n)])
            row = group[ev] * n + ind
            e0 = self._bounds[0]
            self._cache[key] = (stack(models, [n] * G), row, ev, *(kernel_array(a, a.dtype) for a in (
                ind, self.step[ev], e0[ev], self.dep[ev])), dep_g)   # the kernel's own layout, once
        return self._cache[key]

    # -- the follower ------------------------------------------------------------------------
    def value(self, prices, ch, dis) -> np.ndarray:
        """(n,) operator's value of the fleet schedule (eq. 19 terms) from the fleet's
        weighted totals ch, dis (n, T), yuan."""
        pv = self.baseline - ch + dis
        loss = self.kappa * ((1 - self.eta_c) * ch + (1 / self.eta_d - self.eta_d) * dis)
        return ((self.subsidy + prices) * pv - loss).sum(axis=1) * self.dt

    def dp_costs(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cost of raising / revenue of lowering an EV's energy by 1 kWh, (n, T) each."""
        lam, k = self.subsidy + p, self.kappa
        c_up = (lam + k * (1 - self.eta_c)) / self.eta_c
        c_dn = (lam - k * (1 / self.eta_d - self.eta_d)) * self.eta_d
        return c_up / self.dt, c_dn / self.dt

    def _rotated_costs(self, p: np.ndarray, dep_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Costs (G * n, T) on each group's rotated axis, row g * n + i."""
        T = self.T
        c_up, c_dn = self.dp_costs(p)
        rot = (dep_g[:, None] + np.arange(T)[None, :]) % T          # (G, T) hour of each step
        return (c_up[:, rot].transpose(1, 0, 2).reshape(-1, T),
                c_dn[:, rot].transpose(1, 0, 2).reshape(-1, T))

    def respond(self, prices: np.ndarray) -> Response:
        """Optimal plan of every EV for every row of ``prices`` (n, T) yuan/kWh.

        Arrays: ``ch``, ``dis``, ``p_virtual`` (n, T) kW, weighted fleet totals by hour.
        The per-EV plans behind them: :meth:`describe`."""
        p = check_prices(prices, self.T, "EVFleet")
        n = len(p)
        storage, row, ev, ind, step, state, dep, dep_g = self._starts(n)
        key = ("fields", n)
        if key not in self._cache:
            r = _per_row(storage, len(dep_g) * n)
            first = np.searchsorted(row, np.arange(len(dep_g) * n + 1))
            self._cache[key] = ([kernel_array(r[k]) for k in _FIELDS[1:]],
                                kernel_array(first, np.int64), kernel_array(self.weight[ev]))
        fields, first, w = self._cache[key]
        c_up, c_dn = (kernel_array(c) for c in self._rotated_costs(p, dep_g))
        ch, dis, feas = fleet_totals(*fields, c_up, c_dn, float(default_big_m(c_up, c_dn)), first,
                                      step, state, ind, dep, w, self.eta_c, self.eta_d, self.dt, n)
        status = status_from(feas)
        status[outside_method(*self.dp_costs(p))] = Status.SOLVER_FAILED
        ok = status == Status.OPTIMAL
        ch[~ok], dis[~ok] = 0.0, 0.0
        return Response(np.where(ok, self.value(p, ch, dis), 0.0), status,
                        {"ch": ch, "dis": dis, "p_virtual": self.baseline - ch + dis})

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """:func:`stackga.followers.certify.certificate.lp_certificate` of the fleet's plan at one price
        vector (T,): every EV's LP (its session's ch, dis and end-of-hour energies) in one
        block LP, against the per-EV plans (``car_ch``, ``car_dis``, ``car_energy`` (n_ev, T)
        in ``arrays``, as :meth:`describe` reports them; computed here if absent).
        ``leader``: a leader's view (:mod:`stackga.followers.certify.tie_values`), bound to the fleet's
        weighted ch and dis (kW), for the leader's values over the LP's ties."""
        T, dt = self.T, self.dt
        plans = arrays if "car_ch" in arrays else \
            {k: v[0] for k, v in self.describe(np.asarray(price, float)[None]).items()}
        e0, lo, hi = self._bounds
        leave, w = self.leave, self.weight
        lam = self.subsidy + np.asarray(price, float)
        c_ch = (lam + self.kappa * (1 - self.eta_c)) * dt
        c_dis = -(lam - self.kappa * (1 / self.eta_d - self.eta_d)) * dt
        rows: list = []
        cols: list = []
        vals: list = []
        rhs: list = []
        cost: list = []
        c_lo: list = []
        c_hi: list = []
        y: list = []
        draw: tuple[list, list, list, list] = ([], [], [], [])                # (hour, column, weight, is ch): power drawn
        col = 0
        for i in range(len(self.arr)):
            hours = [(int(self.arr[i]) + k) % T for k in range((int(self.dep[i]) - int(self.arr[i])) % T)]
            L = len(hours)
            for k, hr in enumerate(hours):     # columns ch, dis, E of step k: col + 3k + (0, 1, 2)
                r = len(rhs)
                for c, v in ((3 * k, -self.eta_c * dt), (3 * k + 1, dt / self.eta_d), (3 * k + 2, 1.0)):
                    rows.append(r)
                    cols.append(col + c)
                    vals.append(v)
                if k:
                    rows.append(r)
                    cols.append(col + 3 * (k - 1) + 2)
                    vals.append(-1.0)
                rhs.append(e0[i] if k == 0 else 0.0)
                cost += [w[i] * c_ch[hr], w[i] * c_dis[hr], 0.0]
                e_lo = max(lo[i], leave[i]) if k == L - 1 else lo[i]
                c_lo += [0.0, 0.0, e_lo]
                c_hi += [self.p_ev, self.p_ev, hi[i]]
                nxt = hours[k + 1] if k + 1 < L else int(self.dep[i])
                y += [plans["car_ch"][i, hr], plans["car_dis"][i, hr], plans["car_energy"][i, nxt]]
                for c in (3 * k, 3 * k + 1):
                    draw[0].append(hr)
                    draw[1].append(col + c)
                    draw[2].append(w[i])
                    draw[3].append(c == 3 * k)
            col += 3 * L
        import scipy.sparse as sp
        A = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), col))
        if leader is not None:
            hr_, col_, w_, is_ch = (np.array(v) for v in draw)
            S = [sp.csr_matrix((w_[m], (hr_[m], col_[m])), shape=(T, col)) for m in (is_ch, ~is_ch)]
            leader = bind(leader, *S)
        return lp_certificate(np.array(cost), A, np.array(rhs), np.array(rhs), np.array(c_lo),
                              np.array(c_hi), np.array(y), leader=leader)

    def describe(self, prices: np.ndarray) -> dict[str, np.ndarray]:
        """Per-EV plans for the rows of ``prices`` (n, T) (for reporting a result; the same
        optimum as :meth:`respond`): ``car_ch``, ``car_dis`` (n, n_ev, T) kW per vehicle,
        ``car_energy`` (n, n_ev, T) kWh at the start of each plugged hour and of the
        departure hour (0 otherwise); ``car_weight``, ``car_arrival``, ``car_departure``
        (n, n_ev). Weighted and summed over EVs they give the fleet totals ``ch``, ``dis``
        of :meth:`respond`."""
        p = check_prices(prices, self.T, "EVFleet")
        n, T = p.shape
        storage, row, ev, ind, step, state, dep, dep_g = self._starts(n)
        u, s, _ = solve_storage_starts(storage, *self._rotated_costs(p, dep_g), row, step, state)
        car_ch, car_dis, car_e = to_hours(u, s, ev, ind, step, dep, self.eta_c, self.eta_d,
                                           self.dt, n, len(self.arr), T)
        each = np.ones((n, 1))
        return {"car_ch": car_ch, "car_dis": car_dis, "car_energy": car_e,
                "car_weight": each * self.weight, "car_arrival": each * self.arr,
                "car_departure": each * self.dep}
