"""The one interface every follower answers: a whole population per call."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

import numpy as np

from stackga.errors import InputError

__all__ = ["Status", "Response", "Follower", "check_prices", "status_from"]


class Status(IntEnum):
    """Per-individual solve status of a follower (one explicit map)."""

    OPTIMAL = 0
    INFEASIBLE = 1       # the follower's model has no feasible plan at these prices
    SOLVER_FAILED = 2    # the solver returned no proven optimum (or raised, or non-finite values)
    UNBOUNDED = 3        # the follower's objective is unbounded at these prices
    NOT_SETTLED = 4      # interaction rounds still moving at their cap (stackga.rounds)
    LIMIT = 5            # the solver stopped at its iteration or time limit (no proven answer)
    UNBOUNDED_OR_INFEASIBLE = 6   # proven to have no optimum, not which of the two


@dataclass
class Response:
    """A follower's optimal response for a population of ``n`` individuals.

    Attributes:
        objective: (n,) the follower's own objective (money, yuan); 0 where
            the status is not OPTIMAL.
        status: (n,) int8 codes of :class:`Status`.
        arrays: name -> (n, T) or (n, T + 1) decision arrays (kW, kWh, degC).
    """

    objective: np.ndarray
    status: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> np.ndarray:
        """(n,) bool: True where the response is a proven optimum."""
        return self.status == Status.OPTIMAL


class Follower(Protocol):
    """A follower: ``respond(prices (n, T)) -> Response``, batch-first."""

    def respond(self, prices: np.ndarray) -> Response: ...


def check_prices(prices: np.ndarray, T: int, who: str) -> np.ndarray:
    """Validate a (n, T) price matrix: finite, right width. Returns float array."""
    p = np.asarray(prices, dtype=float)
    if p.ndim != 2 or p.shape[1] != T:
        raise InputError(f"{who}: prices must have shape (n_pop, {T}), got {p.shape}")
    if not np.all(np.isfinite(p)):
        bad = np.argwhere(~np.isfinite(p))[0]
        raise InputError(f"{who}: prices[{bad[0]}, {bad[1]}] = {p[tuple(bad)]} is not finite")
    return p


def status_from(feasible: np.ndarray) -> np.ndarray:
    """(n,) int8 statuses from a feasibility mask: OPTIMAL where True, else INFEASIBLE."""
    return np.where(feasible, Status.OPTIMAL, Status.INFEASIBLE).astype(np.int8)
