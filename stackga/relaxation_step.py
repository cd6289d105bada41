"""An improvement step from a relaxation's optimum, for games whose leader has a relaxation
that proves a bound (e.g. the single-level model with the followers' optimality dropped).

The relaxation's optimum gives a candidate leader vector and a bound on the leader's value.
The step re-evaluates the candidate with the game's own followers (under its selection):
where they answer it and the leader is better off than at the GA's best, the candidate is
taken; where its value reaches the bound, the answer is a proven global optimum
(``status == "bound_attained"``, within ``tol``; else ``"bound_not_reached"``). A
candidate is judged by the followers' answer, never on paper: where they answer it worse
than the GA's best, the GA's answer stays.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["RelaxationStep"]


@dataclass
class RelaxationStep:
    """``game.improve`` from a relaxation. ``candidate()`` -> the relaxation's leader
    vector (n_var,), or None where the relaxation has no solution; ``bound``: the
    relaxation's value as a bound on the leader's value (maximised), or None; ``tol``:
    relative, for "reaches the bound" and "better off"."""

    game: object
    candidate: Callable[[], np.ndarray | None]
    bound: float | None
    tol: float = 1e-9

    def __call__(self, x: np.ndarray) -> dict:
        t0 = time.perf_counter()
        x = np.asarray(x, float)
        cand = self.candidate()
        if cand is not None:                  # within the game's box and rows (solver rounding)
            cand = self.game.project(np.asarray(cand, float)[None])[0]  # type: ignore[attr-defined]
        ev = self.game.evaluate(x[None] if cand is None else np.vstack([x, cand]),  # type: ignore[attr-defined]
                                strict=False)
        F_ga = float(ev.leader[0]) if ev.feasible[0] else None
        out: dict = {"x": x, "F": F_ga, "F_ga": F_ga, "how": "ga", "bound": self.bound}
        if cand is None:
            out["status"] = "no_relaxation"
        else:
            F_c = float(ev.leader[1]) if ev.feasible[1] else None
            scale = self.tol * (1.0 + abs(F_ga if F_ga is not None else 0.0))
            if F_c is not None and (F_ga is None or F_c > F_ga + scale):
                out.update(x=np.asarray(cand, float), F=F_c, how="improved")
            reached = (self.bound is not None and out["F"] is not None
                       and out["F"] >= self.bound - self.tol * (1.0 + abs(self.bound)))
            out["status"] = "bound_attained" if reached else "bound_not_reached"
        out["seconds"] = time.perf_counter() - t0
        return out
