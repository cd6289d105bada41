"""The storage operator (SO) of the island paper: a battery plus, optionally,
virtual storage units (AC buildings, EV fleet), eq. 19-21.

    f_ser = sum_t [ C_BT(t) + C_virtual(t) - C_m(t) ]

The SO's problem separates: no constraint couples the battery and the
virtual units, so each part is solved on its own (exactly, population-wide)
and the objectives add up. An individual's SO response is OPTIMAL only if
every part is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .battery import Battery
from .response import Response, Status

__all__ = ["StorageOperator"]


@dataclass(frozen=True)
class StorageOperator:
    """A battery and a tuple of named virtual storage units (``respond``-able)."""

    battery: Battery
    virtual: dict = field(default_factory=dict)   # name -> follower with a "p_virtual" array

    def respond(self, prices: np.ndarray) -> Response:
        """Arrays: ``bt_ch``, ``bt_dis``, ``bt_soc``, ``p_virtual`` (n, T) kW
        (total, discharge positive) and each unit's arrays prefixed ``<name>_``."""
        parts = {"bt": self.battery.respond(prices)}
        parts.update({name: unit.respond(prices) for name, unit in self.virtual.items()})
        status = np.max([r.status for r in parts.values()], axis=0).astype(np.int8)
        ok = status == Status.OPTIMAL
        objective = np.where(ok, sum(r.objective for r in parts.values()), 0.0)
        arrays = {f"{name}_{k}": v for name, r in parts.items() for k, v in r.arrays.items()}
        arrays["p_virtual"] = sum((parts[name].arrays["p_virtual"] for name in self.virtual),
                                  np.zeros_like(arrays["bt_ch"]))
        arrays["p_virtual"][~ok] = 0.0
        return Response(objective, status, arrays)
