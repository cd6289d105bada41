"""The storage operator (SO) of the island paper: a battery plus, optionally,
virtual storage units (AC buildings, EV fleet), eq. 19-21.

    f_ser = sum_t [ C_BT(t) + C_virtual(t) - C_m(t) ]

The SO's problem separates: no constraint couples the battery and the
virtual units, so each part is solved on its own and the objectives add up.
The parts that are single storages (battery, AC buildings) go through the
storage recursion together, as one stacked batch of ``n_units * n_pop`` rows
(one call instead of one per unit); a unit with its own batched method (the
per-EV fleet) answers through ``respond``. An individual's SO response is
OPTIMAL only if every part is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .battery import Battery
from .certify.certificate import Certificate, combine
from .certify.tie_values import supergradient
from .response import Response, Status, check_prices
from .storage_dp import outside_method, solve_storage, stack

__all__ = ["StorageOperator"]


@dataclass(frozen=True)
class StorageOperator:
    """A battery and a tuple of named virtual storage units (``respond``-able)."""

    battery: Battery
    virtual: dict = field(default_factory=dict)   # name -> storage follower with "p_virtual"
    _stacked: dict = field(default_factory=dict, compare=False, repr=False)
    #: how many rows of :meth:`select_exact` needed the exact LP (a kink crossed)
    stats: dict = field(default_factory=lambda: {"exact_lps": 0}, compare=False, repr=False)

    def _stackable(self) -> dict:
        """Units solved as one stacked storage recursion (those exposing ``storage``)."""
        units = {"bt": self.battery, **self.virtual}
        return {k: u for k, u in units.items() if hasattr(u, "storage")}

    def _stacked_storage(self, n: int):
        """The stackable units' StorageLPs stacked for a population of n (cached per n)."""
        if n not in self._stacked:
            units = list(self._stackable().values())
            self._stacked[n] = stack([u.storage for u in units], [n] * len(units))
        return self._stacked[n]

    def respond(self, prices: np.ndarray) -> Response:
        """Arrays: ``bt_ch``, ``bt_dis``, ``bt_soc``, ``p_virtual`` (n, T) kW
        (total, discharge positive) and each unit's arrays prefixed ``<name>_``."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        n = len(p)
        units = self._stackable()
        costs = [u.dp_costs(p) for u in units.values()]
        u, s, feas = solve_storage(self._stacked_storage(n), np.vstack([c[0] for c in costs]),
                                   np.vstack([c[1] for c in costs]))
        parts = {name: unit.from_dp(p, u[k * n:(k + 1) * n], s[k * n:(k + 1) * n],
                                    feas[k * n:(k + 1) * n])
                 for k, (name, unit) in enumerate(units.items())}
        parts.update({name: unit.respond(p) for name, unit in self.virtual.items()
                      if name not in units})               # units with their own method
        status = np.max([r.status for r in parts.values()], axis=0).astype(np.int8)
        for unit, (c_up, c_dn) in zip(units.values(), costs):   # outside the recursion's
            if unit is not self.battery:                  # premise (the battery solves those)
                status[outside_method(c_up, c_dn)] = Status.SOLVER_FAILED
        ok = status == Status.OPTIMAL
        objective = np.where(ok, sum(r.objective for r in parts.values()), 0.0)
        arrays = {f"{name}_{k}": v for name, r in parts.items() for k, v in r.arrays.items()}
        arrays["p_virtual"] = sum((parts[name].arrays["p_virtual"] for name in self.virtual),
                                  np.zeros_like(arrays["bt_ch"]))
        arrays["p_virtual"][~ok] = 0.0
        return Response(objective, status, arrays)

    #: the arrays a leader's valuation may weigh (:meth:`select`): the battery's
    select_arrays = ("bt_ch", "bt_dis", "bt_soc")

    def _battery_part(self, p: np.ndarray, base: Response) -> Response:
        a = base.arrays
        ch, dis = a["bt_ch"], a["bt_dis"]
        return Response(np.where(base.ok, self.battery.profit(p, ch, dis), 0.0), base.status,
                        {"ch": ch, "dis": dis, "soc": a["bt_soc"]})

    def ties(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose battery plan is not unique (:meth:`Battery.ties`). The virtual
        units keep their own rule (they have no selection methods; their answers are the
        units' own)."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        return self.battery.ties(p, self._battery_part(p, base))

    def undecided(self, prices: np.ndarray, base: Response) -> np.ndarray:
        """(n,) rows whose battery plan comes from the exact MILP/LP path
        (:meth:`Battery.undecided`)."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        return self.battery.undecided(p, self._battery_part(p, base))

    def select(self, prices: np.ndarray, weights: dict, base: Response) -> tuple[Response, np.ndarray]:
        """Among the battery's optimal plans, one maximising the leader's linear valuation
        (``weights``: ``bt_ch``, ``bt_dis`` (n, T), ``bt_soc`` (n, T + 1);
        :meth:`Battery.select`); the virtual units' answers and the operator's objective
        (equal at a tie) are kept. Returns (response, moved (n,) bool)."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        new, moved = self.battery.select(p, {k: weights[f"bt_{k}"] for k in ("ch", "dis", "soc")},
                                         self._battery_part(p, base))
        arrays = {k: v.copy() for k, v in base.arrays.items()}
        for k in ("ch", "dis", "soc"):
            arrays[f"bt_{k}"] = new.arrays[k]
        return Response(base.objective.copy(), base.status.copy(), arrays), moved

    def select_exact(self, prices: np.ndarray, leaders: list, base: Response) -> tuple[Response, np.ndarray]:
        """Among the battery's optimal plans, one maximising a concave leader view per row
        (``leaders``: one :class:`~stackga.followers.certify.tie_values.ConcaveLeader` per
        row of ``prices`` (n, T), z the operator's draw), exactly. First the recursion's
        selection with the view's supergradient g at the answer (batched): a concave F has
        F(z) <= F(z0) + g (z - z0), so where the chosen plan reaches that bound (no kink
        crossed, the view's limits on z met) it is a best plan; the other rows solve one
        LP over the optimal face (:meth:`Battery.best_for`). A row moves when the leader
        gains more than 1e-9 relative. Returns (response, moved (n,) bool)."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        a = base.arrays
        g = np.array([supergradient(L) for L in leaders]).reshape(len(p), -1)
        lin = np.zeros_like(g), np.zeros_like(g)
        for i, L in enumerate(leaders):
            if L.lin_ch is not None:
                lin[0][i] = L.lin_ch
            if L.lin_dis is not None:
                lin[1][i] = L.lin_dis
        part = self._battery_part(p, base)
        w = {"ch": g + lin[0], "dis": -g + lin[1], "soc": np.zeros_like(a["bt_soc"])}
        new, _ = self.battery.select(p, w, part)
        arrays = {k: v.copy() for k, v in a.items()}
        moved = np.zeros(len(p), bool)
        for i in np.flatnonzero(base.ok):
            L = leaders[i]
            at = L.value(L.z_at)
            tol = 1e-9 * (1.0 + abs(at))
            ch, dis, soc = (new.arrays[k][i] for k in ("ch", "dis", "soc"))
            d_ch, d_dis = ch - a["bt_ch"][i], dis - a["bt_dis"][i]
            z = L.z_at + d_ch - d_dis
            gain = L.value(z) - at + lin[0][i] @ d_ch + lin[1][i] @ d_dis
            bound = w["ch"][i] @ d_ch + w["dis"][i] @ d_dis
            inside = ((L.z_hi is None or np.all(z <= L.z_hi + tol))
                      and (L.z_lo is None or np.all(z >= L.z_lo - tol)))
            if not (inside and gain >= bound - tol):           # a kink crossed: the exact LP
                self.stats["exact_lps"] += 1
                plan, gain = self.battery.best_for(p[i], a["bt_ch"][i], a["bt_dis"][i],
                                                   a["bt_soc"][i], L)
                if plan is None:
                    continue
                ch, dis, soc = plan
            if gain > tol:
                arrays["bt_ch"][i], arrays["bt_dis"][i], arrays["bt_soc"][i] = ch, dis, soc
                moved[i] = True
        return Response(base.objective.copy(), base.status.copy(), arrays), moved

    def certificate(self, price: np.ndarray, arrays: dict, leader=None) -> Certificate:
        """Each unit's certificate at one price vector (T,): the battery
        (:meth:`Battery.certify_plan`) and every virtual unit that has one, under ``parts``;
        at the top, the worst primal violation, the summed duality gap, ``optimal`` when
        every part is, and ``ties`` when any part has them. Units without a certificate are
        named in ``not_covered``. ``leader``: a leader's view (:mod:`stackga.followers.certify.tie_values`),
        passed to every unit (each unit's ties, the others held); a unit's ``certificate``
        then takes it as ``leader=``."""
        parts = {"battery": self.battery.certify_plan(price, arrays["bt_ch"], arrays["bt_dis"],
                                                      arrays["bt_soc"], leader)}
        missing = []
        for name, unit in self.virtual.items():
            cert = getattr(unit, "certificate", None)
            if callable(cert):
                own = {k[len(name) + 1:]: v for k, v in arrays.items() if k.startswith(name + "_")}
                parts[name] = cert(price, own) if leader is None else cert(price, own, leader=leader)
            else:
                missing.append(name)
        return combine(parts, missing)

    def describe(self, prices: np.ndarray) -> dict[str, np.ndarray]:
        """Reporting detail of the units that have it (the per-EV plans), prefixed
        ``<name>_``, for the rows of ``prices`` (n, T)."""
        p = check_prices(prices, self.battery.T, "StorageOperator")
        return {f"{name}_{k}": v for name, unit in self.virtual.items()
                if hasattr(unit, "describe") for k, v in unit.describe(p).items()}
