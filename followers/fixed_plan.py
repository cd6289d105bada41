"""A follower whose decisions a central plan fixed (single-level references): it answers
every individual with the plan, and its objective is still the follower's own, evaluated
at the plan."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .response import Response, Status

__all__ = ["FixedPlan"]


class FixedPlan:
    """``arrays``: name -> the plan's array (any shape, repeated per individual);
    ``objective(prices (n, ...), arrays) -> (n,)``."""

    def __init__(self, arrays: dict, objective: Callable, status: Status = Status.OPTIMAL) -> None:
        self.arrays, self.objective, self.status = arrays, objective, status

    def respond(self, prices: np.ndarray) -> Response:
        n = len(prices)
        arrays = {k: np.repeat(np.asarray(v)[None], n, axis=0) for k, v in self.arrays.items()}
        return Response(self.objective(prices, arrays), np.full(n, self.status, np.int8), arrays)
