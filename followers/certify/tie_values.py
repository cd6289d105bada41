"""The leader's best and worst values over a follower's optimal set, for an LP follower
that ties (its optimum is not unique), with everything else held. The follower binds a
leader's view to its LP vector y (:func:`bind`): ch and dis (T,) are selections of y
(the power it draws is z - z_at = P (y - y_at), P = S_ch - S_dis) and the leader's direct
payments are lin y = lin_ch S_ch y + lin_dis S_dis y. Two kinds of leader:

:class:`ConcaveLeader`, concave and piecewise linear in what the follower draws:

    F(y) = sum_t min_s ( slope[t, s] z_t + icpt[t, s] ) + lin y
    z_lo <= z <= z_hi                    (the leader's own limits on z; optional)

(e.g. the island MGO: z the grid exchange, -cost(z) = min(-buy z, -sell z, sell e_max)).
Over the follower's optimal face {row_lo <= A y <= row_hi, bounds, cost y <= phi + tol}:

* the best (optimistic) value: an LP, F's epigraph (maximising a concave function);
* the worst (pessimistic) value: a MILP, one binary per (t, piece) choosing the piece
  that is active (minimising a concave function: a vertex); each M from the range of z_t
  over the follower's box (interval arithmetic, so y's bounds must be finite).

Both are exact (HiGHS, MILP gap 1e-9); the MILP runs under ``WORST_TIME_LIMIT`` seconds,
past which the worst is reported found but not proven (``leader_worst_found``, the
incumbent) and bounded (``leader_worst_bound``, the MILP's dual bound).

:class:`RecourseLeader`, whose cost is a convex QP recourse (its own dispatch) of z:

    F(y) = -R(z) + lin y,   R(z) = min_u 1/2 u'H u + c u  s.t.  lo + E z <= A u <= hi + E z,
                                                                 u_lo <= u <= u_hi
* the best value: one convex QP in (y, u) (HiGHS), exact;
* the worst is max_y R(z(y)) - lin y, a convex function maximised over a polytope
  (NP-hard in general), so it is not computed exactly: ``leader_worst_found`` is the
  worst value at a vertex of the face found by ascent (successive linearisation: an LP
  over the face with R's gradient from the recourse's duals, each step raising R - lin y,
  until a vertex maximises its own linearisation), from the answer and from 15 random
  vertices of the face; the exact worst is at most that
  (``leader_worst_status`` says so). Tried for an exact value on the v2g case (10 units
  x 24 h): SCIP on the recourse's Wolfe dual (bilinear) ended its 30 s with a bound
  15 % of the operator's cost away, and on its KKT conditions (SOS1) found no point.

Both kinds first check whether the tie matters to the leader at all: when what it sees
(z = P y and lin y) is the same at every optimum of the follower (each one's range over
the face is nil: two LPs apiece, after two on a random combination that settle the
usual case, a view that moves), its best and worst values are its value at the answer,
exactly (``leader_worst_status`` "the leader's view is fixed over the face"); a
tie-break that leaves a recourse infeasible is reported as such
(``leader_worst_infeasible``). The optimal face of an LP follower is {rows, bounds,
cost y <= phi}; of a convex QP follower (``hessian`` H), {rows, bounds, H y = H y*,
(cost + H y*)' y <= (cost + H y*)' y*}, every optimum of a convex QP having the same
H y and gradient.

For a recourse leader over an LP follower the face is also stated by its bounds
(:func:`face_bounds`: the columns and rows that complementary slackness with one dual
optimum fixes), beside the cut: the same set where the follower's optimum ties exactly, and
a QP 10-25x faster (the dense cut alone makes HiGHS's QP solver degenerate: 170-370 ms,
and answers off the face's rows, on a v2g agent of 72 columns). Where the follower's
costs differ by less than 1e-9 (1 + |phi|) in all (near-ties), the bounds keep only its
exact optima, so the best is over the exact optimal set, not the cut's 1e-9 slack.

Values are reported as changes from the answer's value: ``leader_best`` >= 0 >=
``leader_worst`` (up to tolerances).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..backends.highs import build_highs, run, solve_highs, violation
from ..response import Status

__all__ = ["ConcaveLeader", "RecourseLeader", "best_on_face", "best_under_recourse", "bind",
           "bind_blocks", "face_bounds", "recourse_value", "supergradient", "tie_range"]

TOL = 1e-9          # relative slack on the follower's optimum defining its optimal face
#: seconds for the pessimistic MILP of a concave leader: a certificate never dominates a run;
#: past it the worst is reported as found (the incumbent) and bounded (the MILP's bound)
WORST_TIME_LIMIT = 0.15


@dataclass(kw_only=True)
class _Payments:
    """What both views share: the leader's direct payments per step, lin_ch, lin_dis (m,)
    (None: none), and what :func:`bind` sets: P (m, n) and lin (n,)."""

    lin_ch: np.ndarray | None = None
    lin_dis: np.ndarray | None = None
    P: sp.spmatrix | None = None
    lin: np.ndarray | None = None


@dataclass
class ConcaveLeader(_Payments):
    """F as above. z_at, z_lo, z_hi: (m,); slope, icpt: (m, S)."""

    z_at: np.ndarray
    slope: np.ndarray
    icpt: np.ndarray
    z_lo: np.ndarray | None = None
    z_hi: np.ndarray | None = None

    def value(self, z: np.ndarray) -> float:
        return float(np.min(self.slope * z[:, None] + self.icpt, axis=1).sum())


def supergradient(leader: ConcaveLeader) -> np.ndarray:
    """(m,) a supergradient of the concave view's F at z_at (the slope of a piece active
    there): F(z) <= F(z_at) + g (z - z_at) for every z."""
    vals = leader.slope * np.asarray(leader.z_at, float)[:, None] + leader.icpt
    return leader.slope[np.arange(len(vals)), np.argmin(vals, axis=1)]


@dataclass
class RecourseLeader(_Payments):
    """F as above; H (k, k) PSD, c (k,), A (r, k), lo, hi (r,), E (r, m), u_lo, u_hi (k,),
    z_at (m,). ``evaluate`` (optional): z (m,) -> (R(z), dR/dz (m,)) from a faster exact
    solver of the same QP, in its convention (1/2 u'Hu + c u, no constant), with (inf,
    None) where it is infeasible and (None, None) where it is not solved; used by
    :func:`recourse_value` in place of HiGHS (certificates always re-solve by HiGHS)."""

    H: sp.spmatrix
    c: np.ndarray
    A: sp.spmatrix
    lo: np.ndarray
    hi: np.ndarray
    E: sp.spmatrix
    u_lo: np.ndarray
    u_hi: np.ndarray
    z_at: np.ndarray
    evaluate: Callable[[np.ndarray], tuple] | None = None


def bind(view, S_ch: sp.spmatrix, S_dis: sp.spmatrix):
    """``view`` bound to a follower's LP vector: S_ch, S_dis (m, n) select the power it
    charges and discharges (kW) per step."""
    S_ch, S_dis = sp.csr_matrix(S_ch), sp.csr_matrix(S_dis)
    lin = np.zeros(S_ch.shape[1])
    if view.lin_ch is not None:
        lin += S_ch.T @ np.asarray(view.lin_ch, float)
    if view.lin_dis is not None:
        lin += S_dis.T @ np.asarray(view.lin_dis, float)
    return replace(view, P=(S_ch - S_dis).tocsr(), lin=lin)


def bind_blocks(view, sel: sp.spmatrix, blocks: int, ch: int, dis: int | None = None):
    """``view`` bound to a follower's vector made of ``blocks`` equal blocks (e.g. [ch,
    dis, energy] over its steps): block ``ch`` is the power it charges, block ``dis`` (if
    any) the power it discharges; ``sel`` (m, k) maps a block's k entries to the leader's
    m steps (the identity for hourly blocks)."""
    sel = sp.csr_matrix(sel)
    zero = sp.csr_matrix(sel.shape)
    pick = lambda b: sp.hstack([sel if i == b else zero for i in range(blocks)])  # noqa: E731
    return bind(view, pick(ch), pick(dis))


def tie_range(cost, A, row_lo, row_hi, col_lo, col_hi, y, phi: float, leader,
              hessian: sp.spmatrix | None = None) -> dict:
    """{"leader_best", "leader_worst"}: F's largest and smallest change from its value at
    the answer y over the follower's optimal face (None where a solve fails; for a
    recourse leader the worst is found, not proven: ``leader_worst_found``). ``phi``: the
    follower's optimum (LP), or ``hessian`` H for a convex QP follower (y its optimum)."""
    y = np.asarray(y, float)
    if isinstance(leader, RecourseLeader) and hessian is None:
        row_lo, row_hi, col_lo, col_hi = face_bounds(cost, A, row_lo, row_hi, col_lo, col_hi, y)
    face, flo, fhi = _face(cost, A, row_lo, row_hi, phi, hessian, y)
    if _view_fixed(face, flo, fhi, col_lo, col_hi, leader, y):
        return {"leader_best": 0.0, "leader_worst": 0.0,
                "leader_worst_status": "the leader's view is fixed over the face"}
    if isinstance(leader, RecourseLeader):
        return _recourse_range(face, flo, fhi, col_lo, col_hi, y, leader)
    face, flo, fhi, piece, rhs, lin, at, c0, m, S = _concave_rows(face, flo, fhi, y, leader)
    P = sp.csr_matrix(leader.P)
    n = P.shape[1]
    out = {}
    st, v, obj = _best(face, flo, fhi, col_lo, col_hi, piece, rhs, lin, m, S)
    out["leader_best"] = -obj - at if st == Status.OPTIMAL else None
    # worst: min sum w  s.t. w_t >= the chosen piece (one per t)
    Pp, Pn = P.maximum(0), P.minimum(0)
    lo_b, hi_b = np.asarray(col_lo, float), np.asarray(col_hi, float)
    if np.all(np.isfinite(lo_b)) and np.all(np.isfinite(hi_b)):
        zl, zu = c0 + Pp @ lo_b + Pn @ hi_b, c0 + Pp @ hi_b + Pn @ lo_b
        ends = [leader.slope * z[:, None] + leader.icpt for z in (zl, zu)]
        F_min = np.minimum(ends[0].min(axis=1), ends[1].min(axis=1))
        M = (np.maximum(ends[0], ends[1]) - F_min[:, None]).reshape(-1) + 1.0
        pick = sp.kron(sp.identity(m), np.ones((1, S)), format="csr")     # sum_s d_ts = 1
        A_w = sp.vstack([
            sp.hstack([face, sp.csr_matrix((face.shape[0], m + m * S))]),
            sp.hstack([piece, -sp.diags(M)]),
            sp.hstack([sp.csr_matrix((m, n + m)), pick])], format="csr")
        trace: list = []
        st, v, obj = solve_highs(np.r_[lin, np.ones(m), np.zeros(m * S)], A_w,
                                 np.r_[flo, rhs - M, np.ones(m)],
                                 np.r_[fhi, np.full(m * S, np.inf), np.ones(m)],
                                 np.r_[col_lo, np.full(m, -np.inf), np.zeros(m * S)],
                                 np.r_[col_hi, np.full(m, np.inf), np.ones(m * S)],
                                 integer=np.r_[np.zeros(n + m, bool), np.ones(m * S, bool)],
                                 options={"mip_feasibility_tolerance": 1e-9,
                                          "time_limit": WORST_TIME_LIMIT}, trace=trace)
        out["leader_worst"] = obj - at if st == Status.OPTIMAL else None
        if st == Status.LIMIT:                      # bounded: the worst lies between the two
            incumbent, bound = trace[-1][1:] if trace else (np.inf, -np.inf)
            if np.isfinite(incumbent):               # the answer is on the face: worst <= 0
                out["leader_worst_found"] = min(incumbent - at, 0.0)
            if np.isfinite(bound):
                out["leader_worst_bound"] = min(bound - at, 0.0)
            out["leader_worst_status"] = (("found, not proven" if np.isfinite(incumbent) else
                                           "not found") + f": the MILP stopped at its "
                                          f"{WORST_TIME_LIMIT:g} s limit")
    else:
        out["leader_worst"] = None
    return out


def _best(face, flo, fhi, col_lo, col_hi, piece, rhs, lin, m: int, S: int):
    """The best LP: max lin y + sum_t w_t over the face, w_t below each of its pieces."""
    A_b = sp.vstack([sp.hstack([face, sp.csr_matrix((face.shape[0], m))]), piece], format="csr")
    return solve_highs(np.r_[-lin, -np.ones(m)], A_b,
                       np.r_[flo, np.full(m * S, -np.inf)], np.r_[fhi, rhs],
                       np.r_[col_lo, np.full(m, -np.inf)], np.r_[col_hi, np.full(m, np.inf)])


def _concave_rows(face, flo, fhi, y, leader: ConcaveLeader):
    """The concave leader's rows on the face: (face, flo, fhi with z's limits, piece,
    rhs, lin, at, m, S)."""
    P = sp.csr_matrix(leader.P)
    m, n = P.shape
    S = leader.slope.shape[1]
    c0 = np.asarray(leader.z_at, float) - P @ y              # z = c0 + P y
    lin = np.zeros(n) if leader.lin is None else leader.lin
    at = leader.value(leader.z_at) + lin @ y
    if leader.z_lo is not None or leader.z_hi is not None:
        lo = np.full(m, -np.inf) if leader.z_lo is None else leader.z_lo - c0
        hi = np.full(m, np.inf) if leader.z_hi is None else leader.z_hi - c0
        face = sp.vstack([face, P], format="csr")
        flo, fhi = np.r_[flo, lo], np.r_[fhi, hi]
    rep = sp.kron(sp.identity(m), np.ones((S, 1)), format="csr")         # (m S, m): t of row
    slope = leader.slope.reshape(-1)
    piece = sp.hstack([-sp.diags(slope) @ rep @ P, rep], format="csr")
    rhs = slope * np.repeat(c0, S) + leader.icpt.reshape(-1)
    return face, flo, fhi, piece, rhs, lin, at, c0, m, S


def best_on_face(cost, A, row_lo, row_hi, col_lo, col_hi, y, phi: float,
                 leader: ConcaveLeader) -> tuple[np.ndarray | None, float]:
    """(y_best, gain): an optimum of the LP follower (cost, rows, bounds; y its answer,
    phi its optimal cost) that maximises the concave ``leader`` (bound to y, :func:`bind`)
    over the follower's optimal face, exactly (one LP, HiGHS), and how much the leader
    gains over y (>= 0 up to tolerances). (None, 0.0) when the LP does not solve."""
    y = np.asarray(y, float)
    face, flo, fhi = _face(cost, A, row_lo, row_hi, phi)
    face, flo, fhi, piece, rhs, lin, at, _, m, S = _concave_rows(face, flo, fhi, y, leader)
    st, v, obj = _best(face, flo, fhi, col_lo, col_hi, piece, rhs, lin, m, S)
    if st != Status.OPTIMAL:
        return None, 0.0
    return v[:len(y)], -obj - at


def _face(cost, A, row_lo, row_hi, phi, H=None, y=None):
    """The follower's optimal face's rows: its own and cost y <= phi (+ TOL) (LP), or
    H y = H y* and (cost + H y*)' y <= (cost + H y*)' y* (+ TOL) (convex QP, y* = y)."""
    cost = np.asarray(cost, float)
    rows = [sp.csr_matrix(A)]
    lo, hi = [np.asarray(row_lo, float)], [np.asarray(row_hi, float)]
    if H is not None and sp.csr_matrix(H).nnz:
        H = sp.csr_matrix(H)
        Hy = H @ y
        keep = np.diff(H.indptr) > 0                       # H's non-empty rows
        slack = TOL * (1.0 + np.abs(Hy[keep]))
        rows.append(H[keep])
        lo.append(Hy[keep] - slack)
        hi.append(Hy[keep] + slack)
        cost = cost + Hy
        phi = float(cost @ y)
    rows.append(sp.csr_matrix(cost[None]))
    lo.append([-np.inf])
    hi.append([phi + TOL * (1 + abs(phi))])
    return sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi)


def face_bounds(cost, A, row_lo, row_hi, col_lo, col_hi, y):
    """The LP follower's optimal face stated by its bounds: (row_lo, row_hi, col_lo,
    col_hi), each a copy. Every optimum of an LP is complementary to any one optimum of
    its dual, so a column whose reduced cost is nonzero stays at the bound it prices, and
    a row whose dual is nonzero at its side: those are fixed there. One HiGHS LP (its
    duals; nonzero beyond 1e-9 (1 + max |cost|)). The face QP with these bounds is 10-25x
    faster than with the cost cut alone (a dense row that makes HiGHS's QP degenerate),
    and the cut is kept beside them. The bounds as given where the LP does not solve or
    where ``y`` (an optimum) breaks a fixing by more than 1e-7 of its scale (the duals
    then are not trusted)."""
    out = [np.array(v, float) for v in (row_lo, row_hi, col_lo, col_hi)]
    cost = np.asarray(cost, float)
    h = build_highs(cost, A, *out)
    if run(h) != Status.OPTIMAL:
        return out
    sol = h.getSolution()
    eps = 1e-9 * (1.0 + np.abs(cost).max(initial=0.0))
    new = [v.copy() for v in out]
    r_lo, r_hi, c_lo, c_hi = new
    for dual, lo, hi in ((np.asarray(sol.row_dual), r_lo, r_hi), (np.asarray(sol.col_dual), c_lo, c_hi)):
        at_lo = (dual > eps) & np.isfinite(lo)            # raising the lower side costs
        at_hi = (dual < -eps) & np.isfinite(hi)
        hi[at_lo], lo[at_hi] = lo[at_lo], hi[at_hi]
    y = np.asarray(y, float)
    Ay = sp.csr_matrix(A) @ y
    scale = 1e-7 * (1.0 + np.abs(y).max(initial=0.0) + np.abs(Ay).max(initial=0.0))
    if violation(sp.csr_matrix(A), r_lo, r_hi, c_lo, c_hi, y) > scale:
        return out
    return new


def _view_fixed(face, flo, fhi, col_lo, col_hi, leader, y) -> bool:
    """Whether what the leader sees, z = P y and lin y, is the same at every point of the
    face: each of them has a nil range over it (two LPs each; first two LPs on a random
    combination, which end the check at once where the view moves, the usual case). A
    range is nil within 1e-6 (1 + |its value at y|), in the view's own units."""
    P = sp.csr_matrix(leader.P)
    m, n = P.shape
    lin = np.zeros(n) if leader.lin is None else np.asarray(leader.lin, float)
    V = sp.vstack([P, sp.csr_matrix(lin[None])], format="csr")
    V = V[np.diff(V.indptr) > 0]                       # rows the follower's y enters
    if V.shape[0] == 0:
        return True
    at = V @ y

    def moves(d, value) -> bool:
        ends = []
        for sign in (1.0, -1.0):
            st, _, obj = solve_highs(sign * d, face, flo, fhi, col_lo, col_hi,
                                     options={"primal_feasibility_tolerance": 1e-10,
                                              "dual_feasibility_tolerance": 1e-10})
            if st != Status.OPTIMAL:
                return True                             # undecided: not claimed fixed
            ends.append(sign * obj)
        return ends[1] - ends[0] > 1e-6 * (1.0 + abs(value))

    w = np.random.default_rng(0).normal(size=V.shape[0])
    if moves(V.T @ w, np.abs(w) @ np.abs(at)):
        return False
    return not any(moves(V[i].toarray().ravel(), at[i]) for i in range(V.shape[0]))


def _recourse(L: RecourseLeader, z: np.ndarray):
    """(R(z), dR/dz (m,)); (inf, None) where the recourse is infeasible; (None, None)
    where it is not solved."""
    E = sp.csr_matrix(L.E)
    st, _, R, dual = solve_highs(L.c, L.A, L.lo + E @ z, L.hi + E @ z, L.u_lo, L.u_hi,
                                 hessian=L.H, row_duals=True)
    if st == Status.OPTIMAL:
        return R, E.T @ dual
    return (np.inf, None) if st == Status.INFEASIBLE else (None, None)


def _recourse_range(face, flo, fhi, col_lo, col_hi, y, L: RecourseLeader, starts: int = 16) -> dict:
    P = sp.csr_matrix(L.P)
    n = P.shape[1]
    c0 = np.asarray(L.z_at, float) - P @ y
    lin = np.zeros(n) if L.lin is None else L.lin
    R_at, _ = _recourse(L, np.asarray(L.z_at, float))
    if R_at is None or not np.isfinite(R_at):
        return {"leader_best": None, "leader_worst": None}
    at = -R_at + lin @ y
    st, v, obj = _recourse_best(face, flo, fhi, col_lo, col_hi, c0, lin, L)
    worst, steps = _ascent(face, flo, fhi, col_lo, col_hi, y, c0, lin, L, starts)
    out = {"leader_best": -obj - at if st == Status.OPTIMAL else None, "leader_worst": None}
    if worst == np.inf:                 # a tie-break the leader cannot answer at all
        out.update(leader_worst_infeasible=True,
                   leader_worst_status="a tie-break leaves the leader's recourse infeasible")
    elif worst is not None:
        out.update(leader_worst_found=-worst - at,
                   leader_worst_status=f"found, not proven (ascent to a vertex from {starts} "
                                       f"starts, {steps} LPs): the exact worst is at most this")
    return out


def _recourse_best(face, flo, fhi, col_lo, col_hi, c0, lin, L: RecourseLeader):
    """The best QP: min R + (-lin) y jointly in (y, u): rows A u - E P y in [lo + E c0,
    hi + E c0] beside the face's. (status, v = (y, u), objective)."""
    P, E = sp.csr_matrix(L.P), sp.csr_matrix(L.E)
    n, k = P.shape[1], sp.csr_matrix(L.H).shape[0]
    rows = sp.vstack([sp.hstack([face, sp.csr_matrix((face.shape[0], k))]),
                      sp.hstack([-(E @ P), sp.csr_matrix(L.A)])], format="csr")
    lo, hi = np.r_[flo, L.lo + E @ c0], np.r_[fhi, L.hi + E @ c0]
    clo, chi = np.r_[col_lo, L.u_lo], np.r_[col_hi, L.u_hi]
    return solve_highs(np.r_[-lin, L.c], rows, lo, hi, clo, chi,
                       hessian=sp.block_diag([sp.csr_matrix((n, n)), sp.csr_matrix(L.H)], format="csc"))


def best_under_recourse(cost, A, row_lo, row_hi, col_lo, col_hi, y, phi: float,
                        leader: RecourseLeader, R_at: float | None = None
                        ) -> tuple[np.ndarray | None, float]:
    """(y_best, gain): an optimum of the LP follower (y its answer, phi its optimal cost)
    that maximises the recourse ``leader`` (bound to y, :func:`bind`) over the follower's
    optimal face, exactly (one convex QP in the follower's y and the recourse's u), and
    the leader's gain over y (``R_at``: the recourse's cost at y where the caller has it).
    (None, 0.0) where the recourse at y or the QP does not solve."""
    y = np.asarray(y, float)
    row_lo, row_hi, col_lo, col_hi = face_bounds(cost, A, row_lo, row_hi, col_lo, col_hi, y)
    face, flo, fhi = _face(cost, A, row_lo, row_hi, phi)
    P = sp.csr_matrix(leader.P)
    c0 = np.asarray(leader.z_at, float) - P @ y
    lin = np.zeros(P.shape[1]) if leader.lin is None else leader.lin
    if R_at is None:
        R_at, _ = _recourse(leader, np.asarray(leader.z_at, float))
    if R_at is None or not np.isfinite(R_at):
        return None, 0.0
    st, v, obj = _recourse_best(face, flo, fhi, col_lo, col_hi, c0, lin, leader)
    if st != Status.OPTIMAL:
        return None, 0.0
    return v[:len(y)], -obj - (-R_at + lin @ y)


def recourse_value(leader: RecourseLeader, z: np.ndarray):
    """(R(z), dR/dz (m,)) of the recourse view at z; (inf, None) where the recourse is
    infeasible; (None, None) where it does not solve (by the view's ``evaluate`` where it
    has one)."""
    if leader.evaluate is not None:
        return leader.evaluate(np.asarray(z, float))
    return _recourse(leader, np.asarray(z, float))


def _ascent(face, flo, fhi, col_lo, col_hi, y, c0, lin, L: RecourseLeader, starts: int):
    """The largest R(z(y)) - lin y found at vertices of the face by successive
    linearisation (see the module), from y and from the extremes of random directions;
    inf where a point of the face leaves the recourse infeasible (None: nothing solved).
    Returns (value, LPs)."""
    P = sp.csr_matrix(L.P)
    rng = np.random.default_rng(0)
    best, lps = None, 0
    points = [np.asarray(y, float)]
    for _ in range(starts - 1):
        st, v, _ = solve_highs(rng.normal(size=len(y)), face, flo, fhi, col_lo, col_hi)
        lps += 1
        if st == Status.OPTIMAL:
            points.append(v)
    for v in points:
        val = None
        for _ in range(100):
            R, g = _recourse(L, c0 + P @ v)
            if R == np.inf:
                return np.inf, lps
            if R is None:
                break
            val = R - lin @ v
            grad = P.T @ g - lin
            st, w, _ = solve_highs(-grad, face, flo, fhi, col_lo, col_hi)
            lps += 1
            if st != Status.OPTIMAL or grad @ (w - v) <= 1e-9 * (1.0 + abs(val)):
                break
            v = w
        if val is not None and (best is None or val > best):
            best = val
    return best, lps
