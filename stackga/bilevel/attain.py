"""A candidate on a tie made attainable: where the improvement step's better point sits
exactly where a follower is indifferent and the followers' own tie rule (or a coupling
row their selection cannot see) answers otherwise, a leader vector a short way into the
candidate's piece at which the followers answer as the candidate says.

At the candidate (x*, y*) every follower's answer y*_k is optimal; the pairs with slack 0
there are its active set S_k. If at a leader vector x' the answer y*_k is optimal with
every multiplier of S_k strictly positive (sign-oriented) and S_k's rows determine y*_k
(a vertex), y*_k is the follower's only optimum at x', and every tie rule answers it.

1. :func:`vertex_answer` moves each LP follower's answer to a vertex of its optimal face
   (with the coupling rows) no worse for the leader: only a vertex can be a unique answer.
2. :func:`interior_point` finds, over the KKT system with the candidate's active set
   fixed, a point x_c at which as many active multipliers as can be are positive (each
   margin capped small, so none is traded for another; a multiplier that is 0 at every
   such point, e.g. where the leader's box blocks the price move, stays 0, and then y*
   may still not be unique), the nearest such point to x*.
3. On the segment x(t) = x* + t (x_c - x*), 0 < t <= 1, the multipliers (1 - t) lambda*
   + t lambda_c are positive wherever lambda_c's are (convexity), so the followers' answer
   there is the candidate's piece's and the leader's value tends to the candidate's as
   t -> 0: the supremum the optimistic value promises is approached. The followers
   evaluate t = 10^-1 ... 10^-9 in one batched call; whatever they answer, their own
   evaluation decides: the largest t whose value is within ``tol`` of the best is kept
   (the point furthest from the tie), and the caller accepts it only if strictly better.

Not for integer followers (the step does not walk them). Each LP runs under HiGHS's
time limit.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

from .kkt import KKTSystem
from .model import Bilevel

__all__ = ["loose_pairs", "vertex_answer", "interior_point", "attain", "STEPS"]

#: the fractions t of the way from the candidate to the piece's interior point tried
STEPS = np.array([1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9])


def vertex_answer(bl: Bilevel, x: np.ndarray, y: np.ndarray,
                  time_limit: float = 5.0) -> np.ndarray:
    """A vertex of the followers' optimal faces at x (n_x,) at least as good for the leader
    as y (n_y,): max of the leader's value over y' with each LP follower's rows at x and
    its cost at most y's, and the coupling rows (a QP follower's answer, unique, and a
    leader quadratic in y keep y), by HiGHS's simplex, whose answer is basic. Only a
    vertex can be made a follower's unique answer by moving x; where a coupling row cuts
    the face, the answer is a vertex of the cut face, which may not be one of the
    follower's own (then no x makes it unique). y itself is returned where the LP fails
    or is worse."""
    if np.any(bl.Q_yy):
        return y
    lo = np.concatenate([f.lb for f in bl.followers])
    hi = np.concatenate([f.ub for f in bl.followers])
    blocks: list = []
    rlo: list = []
    rhi: list = []
    for f, sl in zip(bl.followers, bl.slices):
        if f.is_qp or np.any(f.integer):
            lo[sl] = hi[sl] = y[sl]
            continue
        r = f.b - (f.A @ x if f.A is not None else 0.0)
        sense = np.array([f.sense] * len(f.b) if isinstance(f.sense, str) else f.sense)
        B = np.zeros((len(f.b), bl.n_y))
        B[:, sl] = f.B
        c = np.zeros(bl.n_y)
        c[sl] = f.d + (x @ f.M if f.M is not None else 0.0)
        blocks += [B, c[None]]
        rlo += [np.where(sense == "<=", -np.inf, r), [-np.inf]]
        rhi += [np.where(sense == ">=", np.inf, r), [float(c @ y)]]
    if bl.h is not None:
        blocks.append(bl.G_y)
        rlo.append(np.full(len(bl.h), -np.inf))
        rhi.append(bl.h - bl.G_x @ x)
    if not blocks:
        return y
    sign = -1.0 if bl.sense == "min" else 1.0
    cost = -sign * (bl.c_y + x @ bl.Q_xy)                      # HiGHS minimises
    st, w, _ = solve_highs(cost, sp.csr_matrix(np.vstack(blocks)), np.concatenate(rlo),
                           np.concatenate(rhi), np.minimum(lo, y), np.maximum(hi, y),
                           options={"time_limit": float(time_limit), "solver": "simplex"})
    if st != Status.OPTIMAL or cost @ w > cost @ y:
        return y
    return w


def interior_point(K: KKTSystem, v: np.ndarray, active: np.ndarray, hold: np.ndarray,
                   cap: float = 1e-3, time_limit: float = 5.0) -> tuple[np.ndarray | None, int]:
    """A leader vector x_c (n_x,) at which the held followers' answers v[n_x:n_x+n_y][hold]
    stay optimal (the others, QP followers whose answer moves with x, within the same
    active set) with as many active pairs' multipliers positive as can be. Two LPs over
    the KKT system with the pattern fixed: the first maximises sum_p t_p, 0 <= t_p <=
    min(oriented multiplier_p, cap * scale) over the active pairs p (with a small cap no
    pair's margin is traded for another's, so every pair that can be positive is; a pair
    whose multiplier is 0 at every such point, e.g. where the leader's box or rows block
    the price move that would make it positive, keeps t_p = 0); the second keeps those
    margins and takes the point nearest x* = v[:n_x] (1-norm), so that the segment from
    x* toward it loses little of the leader's value for its margin. Returns (x_c, the
    number of positive margins), or (None, 0) where none is positive or HiGHS fails.
    ``active`` (n_pairs,) bool: the candidate's pairs with slack 0; ``hold`` (n_y,) bool."""
    n = K.n
    nx = K.n_x
    x0 = v[:nx]
    act = np.flatnonzero(active)
    m = len(act)
    lo = np.r_[K.lo, np.zeros(m), np.zeros(nx)]              # columns: v | t (m) | d (n_x)
    hi = np.r_[K.hi, np.full(m, cap * (1.0 + np.abs(x0).max(initial=0.0))), np.full(nx, np.inf)]
    held = nx + np.flatnonzero(hold)
    lo[held] = hi[held] = v[held]                             # the LP followers' vertices held
    for p, (c, _, _) in enumerate(K.pairs):
        if not active[p]:
            lo[c] = hi[c] = 0.0                               # off the active set: 0
    pad = lambda A: sp.hstack([sp.csr_matrix(A), sp.csr_matrix((A.shape[0], m + nx))])  # noqa: E731
    S = np.array([K.pairs[p][1] for p in act]).reshape(m, n)
    s0 = -np.array([K.pairs[p][2] for p in act])
    T = sp.lil_matrix((m, n + m + nx))                        # oriented multiplier - t_p >= 0
    for i, p in enumerate(act):
        c = K.pairs[p][0]
        T[i, c] = 1.0 if K.lo[c] >= 0.0 else -1.0
        T[i, n + i] = -1.0
    eye = sp.identity(nx, format="csr")
    D = sp.vstack([sp.hstack([eye, sp.csr_matrix((nx, n - nx + m)), -eye]),    # x - d <= x*
                   sp.hstack([eye, sp.csr_matrix((nx, n - nx + m)), eye])])    # x + d >= x*
    A = sp.vstack([pad(K.A_eq), pad(K.A_in), pad(S), T.tocsr(), D]).tocsr()
    rlo = np.concatenate([K.b_eq, np.full(len(K.A_in), -np.inf), s0, np.zeros(m),
                          np.full(nx, -np.inf), x0])
    rhi = np.concatenate([K.b_eq, K.b_in, s0, np.full(m, np.inf), x0, np.full(nx, np.inf)])
    opts = {"time_limit": float(time_limit)}
    st, w, _ = solve_highs(np.r_[np.zeros(n), -np.ones(m), np.zeros(nx)], A, rlo, rhi, lo, hi,
                           options=opts)
    margin = np.where(w[n:n + m] > 1e-9, w[n:n + m], 0.0) if st == Status.OPTIMAL else np.zeros(m)
    if not margin.any():
        return None, 0
    lo[n:n + m] = margin                                      # the margins kept; nearest x*
    st2, w2, _ = solve_highs(np.r_[np.zeros(n + m), np.ones(nx)], A, rlo, rhi, lo, hi, options=opts)
    xc = w2[:nx] if st2 == Status.OPTIMAL else w[:nx]
    return xc, int(np.count_nonzero(margin))


def attain(K: KKTSystem, bl: Bilevel, game, v: np.ndarray, time_limit: float = 5.0,
           tol: float = 1e-7):
    """The point the followers confirm on the segment from the candidate x* = v[:n_x]
    into its piece (module docstring): (x (n_x,), y (n_y,), the game's leader value,
    maximised) or None (no interior point, or no t at which the followers answer).
    ``game``: evaluates a batch of leader vectors (its ``arrays["y"]``: the followers'
    answers, and where it lifts the vector, ``arrays["x"]``); ``time_limit``: seconds for
    each LP; ``tol``: relative, on slacks and on the leader's value."""
    x0 = v[:K.n_x]
    y = vertex_answer(bl, x0, v[K.n_x:K.n_x + K.n_y], time_limit)
    v = np.r_[x0, y, v[K.n_x + K.n_y:]] if len(v) > K.n_x + K.n_y else np.r_[x0, y]
    # held: LP followers whose rows do not hold x (their vertex stays put as x moves); a QP
    # follower's answer moves with x, and an LP follower's with x in its rows moves along
    # its tight rows: both left to the pattern
    hold = np.zeros(K.n_y, bool)
    for f, sl in zip(bl.followers, bl.slices):
        hold[sl] = not f.is_qp and (f.A is None or not np.any(f.A))
    xc, _ = interior_point(K, v, ~loose_pairs(K, x0, y, tol), hold, time_limit=time_limit)
    if xc is None:
        return None
    X = np.clip(x0[None] + STEPS[:, None] * (xc - x0)[None], bl.x_lb, bl.x_ub)
    ev = game.evaluate(X, strict=False)
    lead = np.where(ev.feasible & np.isfinite(ev.leader), ev.leader, -np.inf)
    best = float(lead.max())
    if not np.isfinite(best):
        return None
    i = int(np.flatnonzero(lead >= best - tol * (1.0 + abs(best)))[0])   # the largest such t
    x = ev.arrays["x"][i] if "x" in ev.arrays else X[i]
    return x, ev.arrays["y"][i], float(lead[i])


def loose_pairs(K: KKTSystem, x: np.ndarray, y: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """(n_pairs,) bool: the pairs whose slack at (x, y) is clearly positive (relative tol)."""
    v = np.concatenate([x, y, np.zeros(K.n - K.n_x - K.n_y)])
    scale = 1.0 + np.abs(v).max(initial=0.0)
    return np.array([s @ v + s0 for _, s, s0 in K.pairs]) > tol * scale
