"""The improvement step from elite individuals during the run (a memetic GA): every
``GAConfig.improve_every`` generations the game's exact improvement step (``game.improve``)
runs from the ``GAConfig.improve_elites`` best distinct feasible individuals of the
population, and an individual whose step found a better point is replaced by that point
(re-evaluated by the followers; kept only where the leader is strictly better off), so
the GA's operators recombine stepped points with the rest.

Engine-neutral: the engines call :meth:`EliteSteps.replacements` with the survivors of a
generation and put the returned vectors in place. The run stays a function of its seed:
the step's budgets are node counts, a step that ends at a time limit (its safety net,
where the clock decides) replaces nothing, and a step cut short by a stop request
replaces nothing and is due again when the run resumes (the engines keep it pending in
their checkpoints, with :meth:`EliteSteps.state`). Steps already taken from a vector are
remembered, not repeated; a better point already in the population is not added twice.
"""
from __future__ import annotations

import numpy as np

from . import interrupt
from .game import Game

__all__ = ["EliteSteps"]


class EliteSteps:
    """``game.improve`` from the ``elites`` best distinct feasible individuals every
    ``every`` generations. Counts: ``steps`` (steps run), ``improved`` (steps that found a
    better point), ``replaced`` (individuals replaced after the followers confirmed it),
    ``seconds`` (time in the steps), ``statuses`` (how the steps ended)."""

    def __init__(self, game: Game, every: int, elites: int) -> None:
        self.game, self.every, self.elites = game, int(every), int(elites)
        self.steps = self.improved = self.replaced = 0
        self.seconds = 0.0
        self.statuses: dict[str, int] = {}
        self._memo: dict[bytes, np.ndarray | None] = {}

    def due(self, generation: int, last: int) -> bool:
        """True after generation ``generation`` (1-based) of ``last`` when a step is due
        (never after the last: the final step is :func:`stackga.solve`'s)."""
        return self.every > 0 and generation % self.every == 0 and generation < last

    def replacements(self, X: np.ndarray, leader: np.ndarray,
                     feasible: np.ndarray) -> list[tuple[int, np.ndarray]] | None:
        """X (n, n_var) the survivors, leader (n,) their leader values, feasible (n,) bool:
        [(row, better vector)] for the elites whose step found a better point (the engine
        evaluates it and keeps it only if the leader is strictly better off); None where a
        stop was requested before or during the steps (the engine keeps the step pending)."""
        order = np.lexsort((np.arange(len(X)), -np.where(feasible, leader, -np.inf)))
        present = {np.asarray(x, float).tobytes() for x in X}
        out: list[tuple[int, np.ndarray]] = []
        seen: set[bytes] = set()
        for i in order:
            if not feasible[i] or len(seen) >= self.elites:
                break
            key = np.asarray(X[i], float).tobytes()
            if key in seen:
                continue
            seen.add(key)
            if key not in self._memo:
                if interrupt.requested():
                    return None
                got = self._step(np.asarray(X[i], float))
                if interrupt.requested():            # cut short: not remembered, not used
                    return None
                self._memo[key] = got
            better = self._memo[key]
            if better is not None and better.tobytes() not in present:
                present.add(better.tobytes())
                out.append((int(i), better))
        return out

    def _step(self, x: np.ndarray) -> np.ndarray | None:
        step = self.game.improve
        if step is None:
            return None
        res = dict(step(x))
        self.steps += 1
        self.seconds += float(res.get("seconds") or 0.0)
        st = str(res.get("status"))
        self.statuses[st] = self.statuses.get(st, 0) + 1
        if st in ("time_limit", "interrupted"):      # where the clock decided: not used
            return None
        if res.get("how") != "improved" or res.get("x") is None:
            return None
        self.improved += 1
        return np.asarray(res["x"], float)

    def state(self) -> dict:
        """What a checkpoint keeps: the counts and the steps taken."""
        return {"counts": (self.steps, self.improved, self.replaced, self.seconds,
                           dict(self.statuses)), "memo": dict(self._memo)}

    def restore(self, state: dict | None) -> None:
        """Continue from :meth:`state` (None: nothing to restore)."""
        if state:
            (self.steps, self.improved, self.replaced, self.seconds,
             statuses) = state["counts"]
            self.statuses = dict(statuses)
            self._memo = dict(state["memo"])

    def record(self) -> dict:
        """The counts, for the run's report."""
        return {"every": self.every, "elites": self.elites, "steps": self.steps,
                "improved": self.improved, "replaced": self.replaced,
                "seconds": self.seconds, "statuses": dict(self.statuses)}
