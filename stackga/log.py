"""Per-generation log, one record per generation (as DEAP's Logbook), shared by engines."""
from __future__ import annotations

import time

import numpy as np

__all__ = ["GenerationLog"]


class GenerationLog:
    """Collects one row per generation.

    Columns: gen, evals (cumulative follower evaluations), best / mean / worst
    leader objective over the feasible survivors, ``f_<follower>`` objective of
    each follower at the generation's best, infeasible (individuals evaluated
    in this generation that were infeasible), seconds (since the start).
    """

    def __init__(self, follower_names, on_generation=None) -> None:
        self.names = list(follower_names)
        self.rows: list[dict] = []
        self.statuses: dict[str, dict[str, int]] = {}   # follower -> status -> count, whole run
        self.violations: dict[str, int] = {}             # leader constraint -> individuals breaking it
        self.messages: dict[str, str] = {}               # follower -> first exception message
        self.on_generation = on_generation
        self.population: np.ndarray | None = None
        self.t0 = time.perf_counter()

    def tally(self, ev) -> None:
        """Add one :class:`~stackga.game.Evaluation`'s follower statuses, leader
        constraint breaches and first follower error messages to the run's totals."""
        for follower, by_status in ev.status_counts().items():
            total = self.statuses.setdefault(follower, {})
            for status, k in by_status.items():
                total[status] = total.get(status, 0) + k
        for name, k in ev.violation_counts().items():
            self.violations[name] = self.violations.get(name, 0) + k
        for follower, message in ev.messages.items():
            self.messages.setdefault(follower, message)

    def record(self, gen: int, evals: int, leader: np.ndarray, feasible: np.ndarray,
               follower_objs: np.ndarray, n_infeasible: int, X: np.ndarray | None = None) -> dict:
        """``leader`` (n,), ``feasible`` (n,) of the survivors; ``follower_objs`` (n, k);
        ``X`` (n, n_var) the survivors themselves, kept as :attr:`population` (the last
        generation's is the run's final population)."""
        if X is not None:
            self.population = np.array(X, dtype=float)
        ok = np.flatnonzero(feasible)
        row: dict = {"gen": gen, "evals": evals}
        if len(ok):
            best = ok[np.argmax(leader[ok])]
            row.update(best=float(leader[best]), mean=float(leader[ok].mean()),
                       worst=float(leader[ok].min()))
            row.update({f"f_{k}": float(follower_objs[best, j]) for j, k in enumerate(self.names)})
        else:
            row.update(best=np.nan, mean=np.nan, worst=np.nan)
            row.update({f"f_{k}": np.nan for k in self.names})
        row.update(infeasible=int(n_infeasible), seconds=time.perf_counter() - self.t0)
        self.rows.append(row)
        if self.on_generation is not None:
            self.on_generation(row)
        return row

    def state(self) -> dict:
        """Everything the log holds, for a checkpoint (seconds so far instead of a clock)."""
        return {"rows": [dict(r) for r in self.rows], "statuses": self.statuses,
                "violations": self.violations, "messages": self.messages,
                "elapsed": time.perf_counter() - self.t0}

    def restore(self, state: dict) -> None:
        """Continue from a checkpoint's :meth:`state`; seconds go on from where it was."""
        self.rows = [dict(r) for r in state["rows"]]
        self.statuses, self.violations = state["statuses"], state["violations"]
        self.messages = state["messages"]
        self.t0 = time.perf_counter() - state["elapsed"]

    def columns(self) -> dict[str, np.ndarray]:
        keys = self.rows[0].keys() if self.rows else ["gen"]
        return {k: np.array([r[k] for r in self.rows]) for k in keys}
