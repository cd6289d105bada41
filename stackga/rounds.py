"""Interaction rounds: a follower block and the leader's recourse answer each other,
round after round, with growing penalty weights, until nothing moves (per individual).

The paper's distributed algorithm (eva case, fig. 2) in a batched form: every individual
of a population runs its own rounds; an individual stops as soon as, between two rounds,
no decision moved by more than ``tol_move`` and its residual (e.g. the largest hourly
imbalance) is at most ``tol_residual``; only the unsettled individuals are solved again.
An individual still moving after ``max_rounds`` is reported as not settled (never
silently accepted): the caller marks it infeasible with a counted status.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Rounds", "RoundsResult", "geometric"]


def geometric(first: float, growth: float) -> Callable[[int], float]:
    """Round k (1-based) -> first * growth ** (k - 1)."""
    return lambda k: first * growth ** (k - 1)


@dataclass
class RoundsResult:
    """Final state of every individual (n rows).

    Attributes:
        state: name -> (n, ...) the last round's arrays.
        rounds: (n,) rounds run.
        settled: (n,) True where the individual settled within the cap.
        move: (n,) largest change of a decision in the last round (kW).
        residual: (n,) the residual after the last round.
    """

    state: dict[str, np.ndarray]
    rounds: np.ndarray
    settled: np.ndarray
    move: np.ndarray
    residual: np.ndarray


@dataclass
class Rounds:
    """The driver.

    Attributes:
        start: f(rows) -> state before the first round (name -> (len(rows), ...)).
        step: f(rows, state, k) -> the state after round k (same names and shapes), for
            the individuals ``rows`` (indices into the population) given their state.
        decisions: names of the state arrays whose change ends the rounds.
        residual: f(state) -> (m,) the residual (must be <= tol_residual to settle).
        max_rounds, tol_move, tol_residual: the cap and the tolerances.
        min_rounds: rounds run before an individual may settle (a change needs two states: 2
            where ``start`` only sets the stage, 1 where it runs a round itself).
        failed: optional f(state) -> (m,) bool: rows that failed in a round stop there
            (settled False) and keep their state; it is also asked of ``start``'s state
            (which may run a round itself), so it must accept that state.
    """

    start: Callable
    step: Callable
    decisions: tuple[str, ...]
    residual: Callable
    max_rounds: int
    tol_move: float
    tol_residual: float
    min_rounds: int = 2
    failed: Callable | None = None

    def run(self, n: int) -> RoundsResult:
        rows = np.arange(n)
        state = self.start(rows)
        rounds = np.zeros(n, int)
        settled = np.zeros(n, bool)
        move = np.full(n, np.inf)
        resid = np.asarray(self.residual(state), float)
        live = np.ones(n, bool)
        if self.failed is not None:                 # a row that failed before round 1
            live &= ~np.asarray(self.failed(state), bool)
        for k in range(1, self.max_rounds + 1):
            idx = np.flatnonzero(live)
            if not len(idx):
                break
            old = {name: state[name][idx] for name in state}
            new = self.step(idx, old, k)
            rounds[idx] = k
            for name, a in new.items():
                state[name][idx] = a
            mv = np.zeros(len(idx))
            for name in self.decisions:
                diff = np.abs(new[name] - old[name]).reshape(len(idx), -1)
                mv = np.maximum(mv, diff.max(axis=1) if diff.shape[1] else 0.0)
            move[idx] = mv
            resid[idx] = self.residual(new)
            done = (mv <= self.tol_move) & (resid[idx] <= self.tol_residual) & (k >= self.min_rounds)
            bad = self.failed(new) if self.failed is not None else np.zeros(len(idx), bool)
            settled[idx] = done & ~bad
            live[idx] = ~(done | bad)
        return RoundsResult(state, rounds, settled, move, resid)
