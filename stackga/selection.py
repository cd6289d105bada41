"""Which of a follower's optimal answers the leader gets when the follower is indifferent.

Pricing games put the leader's best prices exactly where a follower ties (its optimum is
not unique): a battery indifferent between hours at one price, an EV hub among the equal
hours of its window. Which optimal answer the follower gives then decides the leader's
value there, so :class:`~stackga.game.Game` names the rule (``selection``), per game or
per follower:

* ``"optimistic"`` (the default of a user's game; the standard bilevel convention, under
  which the leader's best value is attained): among the follower's optimal answers, the
  one the leader values most;
* ``"pessimistic"``: the one it values least;
* ``"own"``: the follower's own deterministic rule (the storage followers: the move closest
  to idle; a game from matrices: the rule of its :class:`~stackga.bilevel.Bilevel`). The
  paper cases use it, as their text supports.

How it is done, for a follower with the selection methods (``ties``, ``select`` and
``select_arrays``, e.g. :class:`~stackga.followers.Battery`): the follower first finds the
individuals whose answer is not unique (``ties``; a game without ties pays that test and
nothing more). For those, the leader's valuation of the follower's arrays is derived from
the leader's own function: its exact change when each entry of each array in
``select_arrays`` moves (one stacked call of the leader on copies of those individuals,
forward differences; exact for a leader linear in the follower's arrays, as a pricing
leader's revenue and energy cost are; for a nonlinear leader, its linearisation at the
own rule's answer), or stated by the game (``Game.views``: follower -> ``view(X, prices)
-> {array: weights}``, e.g. ``{"ch": prices - wholesale, "dis": wholesale - prices}`` for
a retailer that sells at its prices what a battery draws and buys it at wholesale; a
stated view skips the derivation's leader call, which costs a leader evaluation on
(1 + entries) copies of each tied individual). The follower then returns, among its optimal answers, one maximising
(optimistic) or minimising (pessimistic) that valuation, checked to be optimal for the
follower. A follower that cannot test or choose for some individuals (the battery where
its binaries bind or its prices leave the recursion's premise: a MILP) answers them by its
own rule and counts them (``undecided``). A follower whose answer is always unique says so (``unique = True``, e.g.
:class:`~stackga.followers.FlexibleUsers`, strictly concave); followers with neither
answer by their own rule under every selection (the counts say so). Every step is a function of the individual alone.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from stackga.errors import InputError
from stackga.followers.response import Response

__all__ = ["ExactView", "RULES", "rules", "select", "selectable"]

RULES = ("optimistic", "pessimistic", "own")


def selectable(follower) -> bool:
    """True when the follower can choose among its ties (``ties``, ``select``, ``select_arrays``)."""
    return all(hasattr(follower, k) for k in ("ties", "select", "select_arrays"))


def rules(selection, followers: dict) -> dict[str, str]:
    """follower name -> rule from a game's ``selection`` (a rule, or a dict name -> rule
    whose missing names take ``"optimistic"``); InputError naming a bad rule or name."""
    if isinstance(selection, str):
        given = dict.fromkeys(followers, selection)
    elif isinstance(selection, dict):
        unknown = set(selection) - set(followers)
        if unknown:
            raise InputError(f"Game.selection names no follower {sorted(unknown)}; followers "
                             f"are {sorted(followers)}")
        given = {k: selection.get(k, "optimistic") for k in followers}
    else:
        raise InputError(f"Game.selection must be one of {RULES} or a dict follower -> rule, "
                         f"got {selection!r}")
    for k, rule in given.items():
        if rule not in RULES:
            raise InputError(f"Game.selection[{k!r}] = {rule!r}; choose one of {RULES}")
    return given


def _take(r: Response, rows: np.ndarray) -> Response:
    return Response(r.objective[rows], r.status[rows], {k: v[rows] for k, v in r.arrays.items()})


def _tile(r: Response, reps: int) -> Response:
    return Response(np.tile(r.objective, reps), np.tile(r.status, reps),
                    {k: np.tile(v, (reps,) + (1,) * (v.ndim - 1)) for k, v in r.arrays.items()})


#: leader rows per call of the derived valuation (memory: a follower stated with K copies
#: has K times the entries, each a leader row per tied individual)
VALUATION_ROWS = 4096


def valuation(leader, X: np.ndarray, prices: np.ndarray, responses: dict, name: str,
              arrays: tuple) -> dict[str, np.ndarray]:
    """The leader's objective's change per unit of each entry of the follower ``name``'s
    ``arrays`` (name -> (n, ...) shaped like the arrays, m entries a row), at the responses
    given: forward differences with step 1e-4 (1 + max |array|), n (1 + sum m) leader rows
    in calls of at most about :data:`VALUATION_ROWS` rows."""
    r = responses[name]
    n = len(X)
    sizes = [int(np.prod(r.arrays[a].shape[1:])) for a in arrays]
    steps = {a: 1e-4 * (1.0 + np.abs(r.arrays[a].reshape(n, -1)).max(axis=1, initial=0.0))
             for a in arrays}
    entries = [(a, e) for a, m in zip(arrays, sizes) for e in range(m)]   # one perturbed entry each
    per_call = max(1, VALUATION_ROWS // max(n, 1))
    F = np.empty((1 + len(entries), n))
    todo = [None] + entries                      # None: the answers as they are
    for start in range(0, len(todo), per_call):
        block = todo[start:start + per_call]
        reps = len(block)
        tiled = {k: (_tile(v, reps) if k != name else None) for k, v in responses.items()}
        own = _tile(r, reps)
        for j, item in enumerate(block):
            if item is None:
                continue
            a, e = item
            flat = own.arrays[a].reshape(len(own.arrays[a]), -1)  # a view of the tiled copy
            flat[j * n:(j + 1) * n, e] += steps[a]
        tiled[name] = own
        Xt = np.tile(X, (reps, 1))
        pt = np.tile(prices, (reps,) + (1,) * (prices.ndim - 1))
        F[start:start + reps] = np.asarray(leader(Xt, pt, tiled).objective, float).reshape(reps, n)
    F[:, ~np.all(np.isfinite(F), axis=0)] = 0.0     # no valuation: the own rule's answer stays
    out, j = {}, 1
    for a, m in zip(arrays, sizes):
        out[a] = ((F[j:j + m] - F[0]) / steps[a][None, :]).T.reshape(r.arrays[a].shape)
        j += m
    return out


@dataclass(frozen=True)
class ExactView:
    """A stated view the follower can maximise exactly over its optimal set (a follower
    with ``select_exact``): ``leaders(X, prices, responses) -> list`` of one leader view
    per row (e.g. :class:`~stackga.followers.certify.tie_values.ConcaveLeader`: concave
    and piecewise linear in what the follower draws, as a grid exchange priced to buy and
    to sell). Used for the optimistic rule; the pessimistic rule and followers without
    ``select_exact`` fall back to the derived linear valuation."""

    leaders: Callable


def _stated(view, X, prices, r: Response, name: str, arrays) -> dict[str, np.ndarray]:
    """A stated valuation ``view(X, prices) -> {array: weights}``, checked: every array of
    ``arrays`` (a missing one weighs 0), each shaped like the response's array, finite."""
    w = view(X, prices)
    if not isinstance(w, dict) or set(w) - set(arrays):
        raise InputError(f"Game.views[{name!r}] must return a dict with keys among {tuple(arrays)}, "
                         f"got {w!r:.80}")
    out = {}
    for a in arrays:
        v = np.asarray(w.get(a, 0.0), float)
        shape = r.arrays[a].shape
        if v.ndim == len(shape) - 1 and len(shape) == 3 and v.shape == (shape[0], shape[2]):
            v = v[:, None, :]                   # a follower with copies: the same weights for each
        try:
            v = np.broadcast_to(v, shape)
        except ValueError:
            raise InputError(f"Game.views[{name!r}][{a!r}] has shape {v.shape}; the response's "
                             f"array has shape {shape}") from None
        if not np.all(np.isfinite(v)):
            raise InputError(f"Game.views[{name!r}][{a!r}] has values that are not finite")
        out[a] = v
    return out


def select(leader, X: np.ndarray, prices: np.ndarray, responses: dict, followers: dict,
           chosen: dict[str, str], views: dict | None = None) -> tuple[dict, dict]:
    """The responses under each follower's rule ``chosen`` (name -> rule), and counts
    name -> {"rule", "tied", "moved"} (``rule`` "own (no selection methods)" for a
    follower that cannot choose). ``views``: follower -> a stated valuation
    ``view(X, prices) -> {array: weights (n, m)}`` used instead of the derived one.
    Responses not OPTIMAL are left as they are."""
    out, counts, views = dict(responses), {}, views or {}
    for name, f in followers.items():
        rule = chosen[name]
        if rule == "own":
            continue
        if getattr(f, "unique", False):          # a strictly convex follower: no ties
            counts[name] = {"rule": rule, "tied": 0, "moved": 0}
            continue
        if not selectable(f):
            counts[name] = {"rule": "own (no selection methods)", "tied": None, "moved": 0}
            continue
        base = out[name]
        tied = np.asarray(f.ties(prices, base), bool) & base.ok
        rows = np.flatnonzero(tied)
        counts[name] = {"rule": rule, "tied": int(len(rows)), "moved": 0}
        undecided = getattr(f, "undecided", None)
        if callable(undecided):                  # answers it cannot choose among (own rule)
            counts[name]["undecided"] = int(np.sum(np.asarray(undecided(prices, base)) & base.ok))
        if not len(rows):
            continue
        sub = {k: _take(v, rows) for k, v in out.items()}
        exact = isinstance(views.get(name), ExactView)
        if exact and rule == "optimistic" and hasattr(f, "select_exact"):
            new, moved = f.select_exact(prices[rows], views[name].leaders(X[rows], prices[rows], sub),
                                        sub[name])
        else:
            new, moved = _select_linear(leader, X, prices, rows, sub, f, name, rule,
                                        None if exact else views.get(name))
        merged = replace(base, objective=base.objective.copy(), status=base.status.copy(),
                         arrays={k: v.copy() for k, v in base.arrays.items()})
        merged.objective[rows] = new.objective
        for k in merged.arrays:
            merged.arrays[k][rows] = new.arrays[k]
        out[name] = merged
        counts[name]["moved"] = int(np.sum(moved))
    return out, counts


def _select_linear(leader, X, prices, rows, sub, f, name: str, rule: str, view):
    """The follower's ``select`` with the leader's linear valuation: stated (``view``) or
    derived (:func:`valuation`); negated for the pessimistic rule."""
    if view is not None:
        w = _stated(view, X[rows], prices[rows], sub[name], name, f.select_arrays)
    else:
        w = valuation(leader, X[rows], prices[rows], sub, name, tuple(f.select_arrays))
    if rule == "pessimistic":
        w = {k: -v for k, v in w.items()}
    return f.select(prices[rows], w, sub[name])
