"""The exact final step after the GA: fix the followers' active set at the GA's best
point and solve the single-level problem it leaves, then accept the answer only if it
is bilevel feasible.

At (x, y) from the GA each complementary pair of the KKT system
(:mod:`stackga.bilevel.kkt`) is either active (its slack is 0: the multiplier may be
non-zero) or inactive (the multiplier is 0, the slack free >= 0). With that pattern
fixed the KKT conditions are linear, and the leader's problem over them is an LP (a QP
for a quadratic leader; HiGHS, which needs it convex) in (x, y, multipliers): every
point of it keeps y optimal for the followers at x. Pairs whose slack is near zero are
tried active (at 1e-6 of the scale), then with the tighter threshold 1e-12. The polished
x (clipped to its box; the pattern LP holds the leader's own rows) is re-evaluated by
the batched followers (the GA's own evaluation, with its tie-break): accepted only if
the followers answer, the coupling rows hold, and the leader is strictly better off.
For a pessimistic game the pattern is taken in its pessimistic system
(:mod:`stackga.bilevel.pessimistic`) when that is linear, else in the optimistic one.
"""
from __future__ import annotations

import numpy as np

from .kkt import kkt_system, solve_pattern
from .model import Bilevel
from .pessimistic import pessimistic_system

__all__ = ["polish"]


def polish(bl: Bilevel, game, x: np.ndarray, y: np.ndarray, tol: float = 1e-6):
    """(x, leader value F in its own sense, how) for the best of the GA's point and its
    polished versions; ``game`` is ``to_game(bl)`` (its followers re-evaluate x)."""
    K = pessimistic_system(bl) if bl.selection == "pessimistic" else kkt_system(bl)
    if K.bilinear:                     # x in a follower's cost: the optimistic patterns
        K = kkt_system(bl)             # (the re-evaluation below judges them)
    v = np.concatenate([x, y])
    scale = 1.0 + np.abs(v).max(initial=0.0)
    slack = np.array([s[:K.n_x + K.n_y] @ v + s0 for _, s, s0 in K.pairs])
    sign = -1.0 if bl.sense == "min" else 1.0          # the game maximises sign * F
    ev0 = game.evaluate(np.asarray(x, float)[None], strict=False)
    best = (np.asarray(x, float), float(ev0.leader[0]), "ga")
    near = np.abs(slack) <= tol * scale
    for active in (near, np.abs(slack) <= 1e-12 * scale):
        sol = solve_pattern(K, active)
        if sol is None:
            continue
        xp = np.clip(sol[:K.n_x], bl.x_lb, bl.x_ub)
        ev = game.evaluate(xp[None], strict=False)
        if ev.feasible[0] and ev.leader[0] > best[1] + 1e-12 * (1 + abs(best[1])):
            best = (xp, float(ev.leader[0]), "polished")      # strictly better only
    x_best, lead, how = best
    return x_best, sign * lead if np.isfinite(lead) else None, how
