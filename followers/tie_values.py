"""The leader's best and worst values over a follower's optimal set, for an LP follower
that ties (its optimum is not unique) and a leader whose value, with everything else
held, is concave and piecewise linear in what the follower draws from it:

    F(y) = sum_t min_s ( slope[t, s] z_t + icpt[t, s] ),   z = z_at + P (y - y_at)
    z_lo <= z <= z_hi                    (the leader's own limits on z; optional)

(e.g. the island MGO: z the grid exchange, -cost(z) = min(-buy z, -sell z, sell e_max)).
Over the follower's optimal face {row_lo <= A y <= row_hi, bounds, cost y <= phi + tol}:

* the best (optimistic) value: an LP, F's epigraph (maximising a concave function);
* the worst (pessimistic) value: a MILP, one binary per (t, piece) choosing the piece
  that is active (minimising a concave function: a vertex); each M from the range of z_t
  over the follower's box (interval arithmetic, so y's bounds must be finite).

Both are exact (HiGHS, MILP gap 1e-9) and reported as changes from the answer's value:
``leader_best`` >= 0 >= ``leader_worst`` (up to tolerances).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .highs_model import solve_highs
from .response import Status

__all__ = ["ConcaveLeader", "tie_range"]

TOL = 1e-9          # relative slack on the follower's optimum defining its optimal face


@dataclass
class ConcaveLeader:
    """F as above. z_at, z_lo, z_hi: (m,); slope, icpt: (m, S); P (m, n): set by the
    follower (its LP vector -> z), None until then."""

    z_at: np.ndarray
    slope: np.ndarray
    icpt: np.ndarray
    z_lo: np.ndarray | None = None
    z_hi: np.ndarray | None = None
    P: sp.spmatrix | None = None

    def value(self, z: np.ndarray) -> float:
        return float(np.min(self.slope * z[:, None] + self.icpt, axis=1).sum())


def tie_range(cost, A, row_lo, row_hi, col_lo, col_hi, y, phi: float, leader: ConcaveLeader) -> dict:
    """{"leader_best", "leader_worst"}: F's largest and smallest change from its value at
    the answer y over the follower's optimal face (None where a solve fails)."""
    P = sp.csr_matrix(leader.P)
    m, n = P.shape
    S = leader.slope.shape[1]
    y = np.asarray(y, float)
    c0 = np.asarray(leader.z_at, float) - P @ y              # z = c0 + P y
    at = leader.value(leader.z_at)
    A = sp.csr_matrix(A)
    face_rows = [A, sp.csr_matrix(np.asarray(cost, float)[None])]
    face_lo = [np.asarray(row_lo, float), [-np.inf]]
    face_hi = [np.asarray(row_hi, float), [phi + TOL * (1 + abs(phi))]]
    if leader.z_lo is not None or leader.z_hi is not None:
        lo = np.full(m, -np.inf) if leader.z_lo is None else leader.z_lo - c0
        hi = np.full(m, np.inf) if leader.z_hi is None else leader.z_hi - c0
        face_rows.append(P)
        face_lo.append(lo)
        face_hi.append(hi)
    face = sp.vstack(face_rows, format="csr")
    flo, fhi = np.concatenate(face_lo), np.concatenate(face_hi)
    # rows w_t - slope_ts (P y)_t  (<= or >=)  slope_ts c0_t + icpt_ts (- M_ts (1 - d_ts))
    rep = sp.kron(sp.identity(m), np.ones((S, 1)), format="csr")         # (m S, m): t of row
    slope = leader.slope.reshape(-1)
    piece = sp.hstack([-sp.diags(slope) @ rep @ P, rep], format="csr")
    rhs = slope * np.repeat(c0, S) + leader.icpt.reshape(-1)
    out = {}
    # best: max sum w  s.t. w_t <= each piece
    A_b = sp.vstack([sp.hstack([face, sp.csr_matrix((face.shape[0], m))]), piece], format="csr")
    st, v, obj = solve_highs(np.r_[np.zeros(n), -np.ones(m)], A_b,
                             np.r_[flo, np.full(m * S, -np.inf)], np.r_[fhi, rhs],
                             np.r_[col_lo, np.full(m, -np.inf)], np.r_[col_hi, np.full(m, np.inf)])
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
        st, v, obj = solve_highs(np.r_[np.zeros(n), np.ones(m), np.zeros(m * S)], A_w,
                                 np.r_[flo, rhs - M, np.ones(m)],
                                 np.r_[fhi, np.full(m * S, np.inf), np.ones(m)],
                                 np.r_[col_lo, np.full(m, -np.inf), np.zeros(m * S)],
                                 np.r_[col_hi, np.full(m, np.inf), np.ones(m * S)],
                                 integer=np.r_[np.zeros(n + m, bool), np.ones(m * S, bool)],
                                 options={"mip_feasibility_tolerance": 1e-9})
        out["leader_worst"] = obj - at if st == Status.OPTIMAL else None
    else:
        out["leader_worst"] = None
    return out
