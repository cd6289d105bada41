"""The game model in plain numpy: leader bounds and linear constraints, the
followers, and the leader objective; ``evaluate`` answers a whole population.

Knows nothing of pymoo or DEAP. The leader maximises its objective.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from followers.response import Response, Status

from .projection import is_feasible, project

__all__ = ["Game", "Evaluation", "LeaderOutcome"]


@dataclass
class LeaderOutcome:
    """What the leader's objective function returns for a population.

    Attributes:
        objective: (n,) leader objective (money), maximised.
        violation: (n,) >= 0, how far the leader's own constraints are broken
            (e.g. kW over the grid import limit); 0 where feasible.
        arrays: name -> (n, T) leader-side arrays (grid power, curtailment...).
    """

    objective: np.ndarray
    violation: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Evaluation:
    """A population's evaluation (n individuals).

    Attributes:
        leader: (n,) leader objective; -inf where a follower failed.
        followers: name -> (n,) follower objective.
        responses: name -> the follower's :class:`Response`.
        violation: (n,) constraint violation; > 0 means infeasible
            (a follower that is not OPTIMAL adds 1).
        arrays: leader-side arrays from :class:`LeaderOutcome`.
    """

    leader: np.ndarray
    followers: dict[str, np.ndarray]
    responses: dict[str, Response]
    violation: np.ndarray
    arrays: dict[str, np.ndarray]

    @property
    def feasible(self) -> np.ndarray:
        return self.violation <= 0.0

    def status_counts(self) -> dict[str, dict[str, int]]:
        """follower -> status name -> count, for every non-optimal status seen."""
        out = {}
        for name, r in self.responses.items():
            codes, counts = np.unique(r.status, return_counts=True)
            out[name] = {Status(int(c)).name: int(k) for c, k in zip(codes, counts)}
        return out


@dataclass
class Game:
    """A Stackelberg game with one leader vector x of ``n_var`` variables.

    Attributes:
        name: short identifier.
        lb, ub: (n_var,) bounds of x.
        followers: name -> follower with ``respond(prices (n, T)) -> Response``.
        leader: f(X (n, n_var), prices (n, T), responses) -> LeaderOutcome.
        A, b: (m, n_var), (m,) linear leader constraints A x <= b (optional).
        to_prices: X (n, n_var) -> the price matrix the followers see (default identity).
        single_level: for fixed-price scenarios, a function returning the exact
            solution x without a GA; ``stackga.solve`` then skips the GA.
        meta: free description (case, scenario, units) copied into results.
    """

    name: str
    lb: np.ndarray
    ub: np.ndarray
    followers: dict
    leader: Callable
    A: np.ndarray | None = None
    b: np.ndarray | None = None
    to_prices: Callable | None = None
    single_level: Callable | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lb = np.asarray(self.lb, float)
        self.ub = np.asarray(self.ub, float)
        if self.lb.shape != self.ub.shape or self.lb.ndim != 1:
            raise ValueError(f"Game.lb and Game.ub must be 1-D of equal length, got "
                             f"{self.lb.shape} and {self.ub.shape}")
        if not (np.all(np.isfinite(self.lb)) and np.all(np.isfinite(self.ub))):
            raise ValueError("Game.lb and Game.ub must be finite")
        if np.any(self.lb > self.ub):
            i = int(np.argmax(self.lb > self.ub))
            raise ValueError(f"Game: lb[{i}] = {self.lb[i]} > ub[{i}] = {self.ub[i]}")
        if self.A is not None:
            self.A = np.atleast_2d(np.asarray(self.A, float))
            self.b = np.atleast_1d(np.asarray(self.b, float))
            if self.A.shape != (len(self.b), self.n_var):
                raise ValueError(f"Game.A must have shape ({len(self.b)}, {self.n_var}), "
                                 f"got {self.A.shape}")
            # an empty leader set is a configuration error, reported now
            lowest = (np.where(self.A > 0, self.lb, self.ub) * self.A).sum(axis=1)
            if len(self.b) == 1 and lowest[0] > self.b[0]:
                raise ValueError(f"Game: no x satisfies the bounds and A x <= b "
                                 f"(smallest A x is {lowest[0]:.6g} > b = {self.b[0]:.6g})")

    @property
    def n_var(self) -> int:
        return len(self.lb)

    def project(self, X: np.ndarray) -> np.ndarray:
        """Exact projection of each row onto {lb <= x <= ub, A x <= b}."""
        return project(X, self.lb, self.ub, self.A, self.b)

    def is_feasible(self, X: np.ndarray) -> np.ndarray:
        return is_feasible(X, self.lb, self.ub, self.A,
                           self.b if self.b is not None else np.zeros(0))

    def evaluate(self, X: np.ndarray) -> Evaluation:
        """Followers' responses and leader objective for a population X (n, n_var)."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise ValueError(f"Game.evaluate: X must have shape (n_pop, {self.n_var}), got {X.shape}")
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValueError(f"Game.evaluate: X[{bad[0]}, {bad[1]}] = {X[tuple(bad)]} is not finite")
        prices = self.to_prices(X) if self.to_prices is not None else X
        responses = {name: f.respond(prices) for name, f in self.followers.items()}
        failed = np.zeros(len(X), bool)
        for r in responses.values():
            failed |= r.status != Status.OPTIMAL
        out = self.leader(X, prices, responses)
        violation = np.maximum(np.asarray(out.violation, float), 0.0) + failed
        leader = np.where(failed, -np.inf, out.objective)
        if np.any(np.isnan(leader)):
            raise FloatingPointError(f"{self.name}: leader objective is NaN for a feasible individual")
        return Evaluation(leader, {k: r.objective for k, r in responses.items()},
                          responses, violation, out.arrays)
