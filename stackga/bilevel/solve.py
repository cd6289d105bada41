"""``solve_bilevel(bl, config)``: the GA over the batched followers, then the exact
improvement step (:mod:`stackga.bilevel.improve`); every reported figure is recomputed at
the answer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import GAConfig
from ..solve import solve
from .certificate import follower_certificate
from .game import to_game
from .improve import EXACT_NODES, NEIGHBOUR_NODES, Improvement, improve
from .model import Bilevel

__all__ = ["BilevelResult", "solve_bilevel"]


@dataclass
class BilevelResult:
    """x (n_x,), y (n_y,) the followers' (selected) response at x, F the leader's objective
    in its own sense; ``ga_F`` the GA's best before the improvement step; ``how`` "ga" or
    "polished" (the step found a better point); ``feasible``; ``result`` the GA run
    (:class:`stackga.Result`); ``certificates``: one per follower
    (:func:`~stackga.bilevel.certificate.follower_certificate`); ``improvement``: how the
    step ended (:class:`~stackga.bilevel.improve.Improvement`: ``status`` "local_optimum"
    when no piece through x is better), None when it did not run."""

    x: np.ndarray
    y: np.ndarray
    F: float | None
    ga_F: float | None
    how: str
    feasible: bool
    result: object
    certificates: list
    improvement: Improvement | None = None


def solve_bilevel(bl: Bilevel, config: GAConfig | None = None, polish: bool = True,
                  initial: np.ndarray | None = None, improve_limit: float = 30.0,
                  neighbour_nodes: int | None = NEIGHBOUR_NODES,
                  exact_nodes: int | None = EXACT_NODES) -> BilevelResult:
    """``initial`` (k, n_x): leader vectors seeded into the GA's initial population;
    ``polish``: run the improvement step from the GA's best, within ``neighbour_nodes``
    nodes a neighbour step and ``exact_nodes`` for its exact search
    (:func:`~stackga.bilevel.improve.improve`), ``improve_limit`` seconds its safety net."""
    game = to_game(bl)
    res = solve(game, config or GAConfig(), initial=initial, improve=False)
    sign = -1.0 if bl.sense == "min" else 1.0
    ga_F = sign * res.leader if res.report.get("feasible") else None
    x = np.asarray(res.x, float)
    how, step = "ga", None
    if polish and res.report.get("feasible"):
        step = improve(bl, game, x, time_limit=improve_limit, neighbour_nodes=neighbour_nodes,
                       exact_nodes=exact_nodes)
        x = step.x
        how = "polished" if step.how == "improved" else "ga"
    ev = game.evaluate(x[None], strict=False)
    ok = bool(ev.feasible[0])
    y = ev.arrays["y"][0] if ok else np.full(bl.n_y, np.nan)
    F = float(bl.value(x, y)[0]) if ok else None
    certs = [follower_certificate(bl, k, x, y) for k in range(len(bl.followers))] if ok else []
    return BilevelResult(x, y, F, ga_F, how, ok, res, certs, step)
