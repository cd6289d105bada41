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
from .response import Response, Status, check_prices
from .storage_dp import outside_method, solve_storage, stack

__all__ = ["StorageOperator"]


@dataclass(frozen=True)
class StorageOperator:
    """A battery and a tuple of named virtual storage units (``respond``-able)."""

    battery: Battery
    virtual: dict = field(default_factory=dict)   # name -> storage follower with "p_virtual"
    _stacked: dict = field(default_factory=dict, compare=False, repr=False)

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
