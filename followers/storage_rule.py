"""A discharge threshold on a store's state ("no discharge below 30 % SOC", v2g paper sec.
3.1), read as written: in an hour the store discharges, the state after it must be at
least the threshold; the state itself may lie below it (e.g. after travel), as long as
the store does not discharge then.

The rule is not convex (a plan that charges then discharges and a plan that idles below
the threshold are both allowed; their average may discharge below it), but it is a union
of convex pieces that can be listed. Take a segment of connected hours a..b (between hours
the store is not connected; its state moves only by its own charge and discharge there).
In an allowed plan, let r be the segment's first hour whose starting state E(r) is at or
above the threshold: before r the store cannot discharge (a discharge would leave it
below), and from r on every state stays at or above it (a state at or above the
threshold is left only by a discharge, which the rule keeps at or above it). Hence the
plan lies in the piece "no discharge in hours a..r-1; E(r), ..., E(b+1) >= threshold", or,
if no such hour exists, in "no discharge in a..b". Every piece obeys the rule, so the
optimum under the rule is the best of the pieces' optima: one LP per combination of the
segments' pieces (a segment starting the day at an energy at or above the threshold has
the one piece r = a). The argument needs the state to move only by the store's own
charge and discharge while it is connected (travel energy drawn only while it is
disconnected); the store checks it. Units: as the store's.
"""
from __future__ import annotations

import itertools

import numpy as np

from stackga.errors import InputError

__all__ = ["discharge_rule_pieces", "MAX_PIECES"]

MAX_PIECES = 1000    # the pieces are solved for every individual: past this, refuse


def _segments(available: np.ndarray) -> list[tuple[int, int]]:
    """(a, b): maximal runs of connected hours a..b."""
    out, t, T = [], 0, len(available)
    while t < T:
        if available[t]:
            a = t
            while t + 1 < T and available[t + 1]:
                t += 1
            out.append((a, t))
        t += 1
    return out


def discharge_rule_pieces(available: np.ndarray, e0: float, threshold: float):
    """The convex pieces of the rule (module docstring) for a store connected in
    ``available`` (T,) bool hours, starting at energy ``e0``.

    Returns (floor_on (V, T + 1) bool: the states that must be >= threshold in piece v,
    no_discharge (V, T) bool: the hours piece v forbids discharging), V the number of
    combinations of the segments' pieces (every segment's piece r taken in order a, a+1,
    ..., b, then "never")."""
    available = np.asarray(available, bool)
    T = len(available)
    choices = []
    for a, b in _segments(available):
        if a == 0:                                      # its starting state is e0, known
            opts: list[int | None] = [0] if e0 >= threshold else list(range(1, b + 1)) + [None]
        else:
            opts = list(range(a, b + 1)) + [None]
        choices.append([(a, b, r) for r in opts])
    count = int(np.prod([len(c) for c in choices])) if choices else 1
    if count > MAX_PIECES:
        raise InputError(f"discharge threshold: {count} convex pieces for these connected hours "
                         f"(the product of each run's length + 1) exceed {MAX_PIECES}; fewer "
                         f"breaks in the connection, or the floor on every state, are needed")
    combos = list(itertools.product(*choices)) if choices else [()]
    floor_on = np.zeros((len(combos), T + 1), bool)
    no_dis = np.zeros((len(combos), T), bool)
    for v, combo in enumerate(combos):
        for a, b, r in combo:
            if r is None:
                no_dis[v, a:b + 1] = True
            else:
                no_dis[v, a:r] = True
                floor_on[v, r:b + 2] = True
    floor_on[:, 0] = False                              # E(0) = e0 is given
    return floor_on, no_dis
