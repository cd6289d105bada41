"""The exact improvement step after the GA: from the GA's best, climb the leader's value
over the pieces of the bilevel problem until no piece through the point is better.

A piece is a set of leader vectors on which every follower keeps its active set: the
KKT system (:mod:`stackga.bilevel.kkt`) with each complementary pair's side fixed (active:
slack 0; inactive: multiplier 0). On a piece each LP or QP follower's answer is affine
in x, and with the leader's price x quantity terms in the followers' dual form
(:func:`~stackga.bilevel.kkt.strong_duality`) the leader's problem there is an LP or a
convex QP: solved exactly (HiGHS), even for a bilinear pricing leader.

Each round, at the current point (x, y) (y: the followers' answer with the game's
selection, from the GA's own batched followers):

1. **piece step**: the pairs with slack <= tol are fixed active, the others inactive;
   the leader's best point of that piece is solved, then re-evaluated by the followers
   (which may now choose another optimum: optimistic selection moves to the neighbouring
   piece best for the leader). Repeated while the leader gains more than ``tol``.
   A candidate on a tie that the followers' own rule breaks against the leader (or a
   coupling row their selection cannot see) is made attainable where it can be: a point
   a short way into its piece where their answer is the candidate's and unique
   (:mod:`stackga.bilevel.attain`; the optimistic value is then approached, not reached).
2. **neighbour step**, when a piece step gains nothing: every pair with slack > tol is
   held inactive and the others are left free (each may go either side): the union of
   all pieces through the point, a smaller MPEC solved exactly (big-M in HiGHS for a
   linear dual form, else SCIP with SOS1; within a node budget). A better point: back to 1.
   None: the point is optimal over every piece through it, within ``tol``; the result
   says so (``status == "local_optimum"``, with the number of free pairs).
3. **exact search**, where the walk stopped at a limit (a neighbour step's node budget,
   or a time limit) or at a candidate the followers reject (the exact answer may lie on
   another piece, where it can be attained): the exact reference's solver on the whole
   game, started from the point, for ``exact_nodes`` nodes (the rest of the step's time
   as its safety net); its incumbent is a candidate like any other (``status ==
   "exact_search"`` when taken; "optimal" where the solver also proved the optimum and
   the point reaches it).

Budgets: the neighbour step and the exact search stop at a number of branch-and-bound
nodes, so where the step ends is a function of its start alone, on any machine and under
any load (same seed, same result); the time limits (``neighbour_limit`` for one
neighbour step, ``time_limit`` for the whole step) are a safety net, and reaching one is
status "time_limit". Every sub-solve runs under limits; a step that fails or reaches its limit leaves the
best point found so far, with a counted status. A candidate is accepted only if the
followers, re-evaluating it, answer and the leader is strictly better off, so the
result never depends on a sub-solver's tolerance. Needs the game as matrices (a
:class:`~stackga.bilevel.Bilevel`); a black-box leader function cannot be stepped.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from .attain import attain
from .attain import loose_pairs as _loose
from .kkt import KKTSystem, kkt_system, solve_pattern, strong_duality
from .model import Bilevel
from .polish import polish

__all__ = ["Improvement", "improve", "NEIGHBOUR_NODES", "EXACT_NODES"]

#: default node budgets (branch-and-bound nodes) of one neighbour step and of the exact
#: search, round numbers checked on the pricing benchmark and island scenario 3 (whose
#: optimum is SCIP's incumbent after about 14,500 nodes; docs/guide/optimum.md)
NEIGHBOUR_NODES = 2_000
EXACT_NODES = 20_000
#: SCIP's primal heuristics in the step's searches: "fast" (faster nodes; the step looks for
#: incumbents, the proof is the exact reference's job)
HEURISTICS = "fast"


@dataclass
class Improvement:
    """x (n_x,) the best point, F its leader value in the leader's own sense (None if the
    start was infeasible), F_start the value at the start; how "ga" (no better point
    found) or "improved"; status "local_optimum" (no piece through x is better within
    tol), "step_limit", "node_limit" (a neighbour step's node budget and then the exact
    search's ran out: where it ends does not depend on the machine), "time_limit" (a
    neighbour step's, the exact search's or the step's time limit, the safety net, ran
    out: where it ends may depend on the machine's load), "interrupted" (a Ctrl-C caught
    by SCIP in a neighbour step or the exact search: the step stops where it was),
    "neighbour_failed" (its solver is missing or failed: ``counts["neighbour_status"]``),
    "candidate_rejected" (the neighbour step found a better point whose followers, re-
    evaluated, answer otherwise, with no point near it where they answer as it does: e.g.
    a tie broken against a coupling row that links several followers, which each
    follower's own selection cannot see; and the exact search found nothing they
    confirm), "exact_search" (where the walk stopped at a limit or a rejected candidate,
    the exact reference's solver, started from the point for ``exact_nodes`` nodes, found
    a better point the followers confirm; no optimality claim), "optimal" (the exact
    search proved the optimum of the whole game and the followers' value at x reaches
    it within ``tol``: under their own tie rule a value that approaches it that closely
    counts); ``counts["attained"]``: candidates taken a short way into their piece
    (:mod:`stackga.bilevel.attain`); "single_pattern" (integer followers or a pessimistic game: the piece walk is not
    stated for them, so one pattern solve, :func:`~stackga.bilevel.polish.polish`, with no
    optimality claim) or "infeasible_start"; counts: how many piece and
    neighbour steps ran and how they ended; free_pairs: pairs left free in the last
    neighbour step; seconds."""

    x: np.ndarray
    F: float | None
    F_start: float | None
    how: str
    status: str
    counts: dict = field(default_factory=dict)
    free_pairs: int = 0
    seconds: float = 0.0


def improve(bl: Bilevel, game, x: np.ndarray, time_limit: float = 30.0, max_steps: int = 200,
            tol: float = 1e-7, neighbour_limit: float = 10.0,
            neighbour_nodes: int | None = NEIGHBOUR_NODES,
            exact_nodes: int | None = EXACT_NODES) -> Improvement:
    """The improvement step from ``x`` (n_x,); ``game`` is ``to_game(bl)`` (its followers,
    with the game's selection, re-evaluate every candidate). ``tol``: relative, on the
    leader's value (a step must gain more) and on slacks (a slack at most tol times the
    point's scale counts as zero). ``neighbour_nodes`` / ``exact_nodes``: node budgets of
    one neighbour step and of the exact search (None: time limits only);
    ``neighbour_limit``: seconds for one neighbour step and ``time_limit`` for the whole
    step (safety nets)."""
    t0 = time.perf_counter()
    x = np.clip(np.asarray(x, float), bl.x_lb, bl.x_ub)
    counts = {"piece": 0, "piece_gain": 0, "neighbour": 0, "neighbour_gain": 0,
              "neighbour_limit": 0, "rejected": 0}
    sign = -1.0 if bl.sense == "min" else 1.0
    y, lead, x = _answer(game, x)
    if y is None:
        return Improvement(x, None, None, "ga", "infeasible_start", counts,
                           seconds=time.perf_counter() - t0)
    F_start = sign * lead
    if any(np.any(f.integer) for f in bl.followers) or bl.selection == "pessimistic":
        xp, F, how = polish(bl, game, x, y)       # one pattern solve, judged by the followers
        return Improvement(xp, F, F_start, "improved" if how == "polished" else "ga",
                           "single_pattern", counts, seconds=time.perf_counter() - t0)
    K, _ = strong_duality(kkt_system(bl), bl)
    caps: list = []                     # the pairs' slack caps, derived once where needed
    status, free = "step_limit", 0
    for _ in range(max_steps):
        if time.perf_counter() - t0 > time_limit:
            status = "time_limit"
            break
        gap = tol * (1.0 + abs(lead))
        loose = _loose(K, x, y, tol)
        counts["piece"] += 1
        v = solve_pattern(K, ~loose)
        cand = _accept(game, bl, v, lead + gap, counts, K, tol)
        if cand is not None:
            counts["piece_gain"] += 1
            x, y, lead = cand
            continue
        counts["neighbour"] += 1
        free = int((~loose).sum())
        budget = min(neighbour_limit, max(1.0, time_limit - (time.perf_counter() - t0)))
        st, v = _neighbours(K, bl, loose, budget, neighbour_nodes, caps)
        cand = _accept(game, bl, v, lead + gap, counts, K, tol) if v is not None else None
        if cand is not None:
            counts["neighbour_gain"] += 1
            x, y, lead = cand
            continue
        if v is not None and sign * float(bl.value(v[None, :bl.n_x],
                                                   v[None, bl.n_x:bl.n_x + bl.n_y])[0]) > lead + gap:
            status = "candidate_rejected"       # better on paper; the followers' answer differs
        elif st == "interrupted":               # a Ctrl-C caught by SCIP: stop here
            status = st
        elif st in ("time_limit", "node_limit"):
            counts["neighbour_limit"] += 1
            status = st
        elif st != "optimal":                   # no solver (pyscipopt), or it failed
            counts["neighbour_status"] = st
            status = "neighbour_failed"
        else:
            status = "local_optimum"
        break
    left = time_limit - (time.perf_counter() - t0)
    if status in ("time_limit", "node_limit", "candidate_rejected") and left > 0.0:
        x, y, lead, status = _exact_search(bl, game, x, y, lead, tol, left, exact_nodes,
                                           counts, status, K)
    F = sign * lead
    how = "improved" if lead > sign * F_start else "ga"
    return Improvement(x, F, F_start, how, status, counts, free, time.perf_counter() - t0)


def _exact_search(bl: Bilevel, game, x, y, lead, tol, budget, nodes, counts, status,
                  K: KKTSystem):
    """The exact reference's solver on the whole game for ``nodes`` nodes, with the
    step's remaining ``budget`` seconds as its safety net, started from x (SCIP completes
    it as its first incumbent): where the local walk stopped at a limit, a better point
    several pairs away is often an incumbent soon though its proof takes far longer
    (island scenario 3: the optimum is SCIP's incumbent after about 15,000 nodes, 5-7 s,
    proven in 46-84 s). Its incumbent (SCIP's; HiGHS's big-M gives an answer only where
    it closes) is accepted as any candidate (re-evaluated by the followers, strictly
    better): status "exact_search"; "optimal" where the solver proved the optimum and the
    followers' value at the final point reaches it; "time_limit" where the safety net
    ended the search unproven; else the status stays. Counted in
    ``counts["exact_search"]`` (its solver's status)."""
    from .exact import solve_exact  # the exact reference, reused as it is
    try:
        ex = solve_exact(bl, time_limit=budget, start=x, node_limit=nodes, heuristics=HEURISTICS)
    except ImportError:                            # no SCIP where the game needs it
        counts["exact_search"] = "no_solver"
        return x, y, lead, status
    counts["exact_search"] = ex.status
    if ex.status == "interrupted":                  # a Ctrl-C caught by SCIP: stop here
        return x, y, lead, "interrupted"
    # the safety net reached: what it found depends on the clock, and the status says so
    status = "time_limit" if ex.status == "time_limit" else status
    if ex.x is None:
        return x, y, lead, status
    gap = tol * (1.0 + abs(lead))
    v = np.r_[ex.x, ex.y] if ex.y is not None else ex.x
    cand = _accept(game, bl, v, lead + gap, counts, K, tol)
    if cand is not None:
        x, y, lead = cand
        status = "exact_search" if status != "time_limit" else status
    # proven: the solver closed (a big-M answer only with its audit passed) and the
    # followers' value at the point reaches the proven optimum (their own tie rule may not)
    sign = -1.0 if bl.sense == "min" else 1.0
    proven = ex.status == "optimal" and ex.F is not None and ex.audit.get("validated", True) \
        and lead >= sign * ex.F - gap
    return x, y, lead, "optimal" if proven else status


def _answer(game, x: np.ndarray):
    """(y (n_y,), the game's leader value (maximised), x) at x, or (None, -inf, x) where
    the followers do not answer or the leader's rows break; x is the game's lifted vector
    where it states one (its leader decisions settled at the answer)."""
    ev = game.evaluate(x[None], strict=False)
    if not ev.feasible[0]:
        return None, -np.inf, x
    x = ev.arrays["x"][0] if "x" in ev.arrays else x
    return ev.arrays["y"][0], float(ev.leader[0]), x


def _accept(game, bl: Bilevel, v, better_than: float, counts: dict, K: KKTSystem,
            tol: float):
    """The candidate's x re-evaluated by the followers: (x, y, value) if it is strictly
    better than ``better_than`` (the game's maximised value), else None. Where the
    followers answer otherwise than the candidate's y and the candidate is better on
    paper (a tie their rule breaks against the leader, or a coupling row their selection
    cannot see), the point a short way into the candidate's piece where
    their answer is the candidate's (:func:`~stackga.bilevel.attain.attain`) is judged the
    same way; ``counts["attained"]`` counts those taken."""
    if v is None:
        return None
    x = np.clip(v[:bl.n_x], bl.x_lb, bl.x_ub)
    y, lead, x = _answer(game, x)
    if y is not None and lead > better_than:
        return x, y, lead
    counts["rejected"] += int(y is None)
    if len(v) < bl.n_x + bl.n_y:                     # no followers' answer to attain
        return None
    sign = -1.0 if bl.sense == "min" else 1.0
    vx, vy = v[None, :bl.n_x], v[None, bl.n_x:bl.n_x + bl.n_y]
    if sign * float(bl.value(vx, vy)[0]) <= better_than:
        return None                                  # not better even on paper
    got = attain(K, bl, game, v, tol=tol)
    if got is None or got[2] <= better_than:
        return None
    counts["attained"] = counts.get("attained", 0) + 1
    return got


def _neighbours(K: KKTSystem, bl: Bilevel, loose: np.ndarray, time_limit: float,
                node_limit: int | None = None, caps: list | None = None):
    """The best point over all pieces through the current point: loose pairs' multipliers
    held at 0, the other pairs free, within ``time_limit`` seconds and ``node_limit``
    nodes. ``caps``: a list holding the big-M slack caps of all K's pairs once derived
    (they depend only on the primal region; derived on first use, with no deadline, so
    that no M depends on the clock). (status, v or None)."""
    from .exact import _slack_caps, _sos1, bigm_pattern  # the exact solvers, reused
    lo, hi = K.lo.copy(), K.hi.copy()
    for p in np.flatnonzero(loose):
        c = K.pairs[p][0]
        lo[c] = hi[c] = 0.0
    local = replace(K, lo=lo, hi=hi, pairs=[K.pairs[p] for p in np.flatnonzero(~loose)])
    if not np.any(local.obj_Q) and not local.bilinear:
        if caps is not None and not caps:
            caps.append(_slack_caps(K))
        return bigm_pattern(local, bl, time_limit, node_limit,
                            caps[0][~loose] if caps else None)
    else:
        try:
            out = _sos1(local, bl, time_limit, node_limit=node_limit, heuristics=HEURISTICS)
        except ImportError:
            return "no_solver", None
    return out.status, out.v
