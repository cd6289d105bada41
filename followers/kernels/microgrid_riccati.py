"""The Newton system of the eva dispatch's interior point (:mod:`stackga.followers.kernels.microgrid_ipm`),
solved by a Riccati recursion over the hours.

With the slacks and their multipliers eliminated, a Newton step (dx (T, 7) over z_t =
(P, c, d, g, s, v, E), dy (T, 2) for the balance and energy rows) solves

    (H + G' diag(th) G) dx - A' dy = f,   A dx = h

(th (T, 10) the barrier weights of the ten functions per hour: the seven variables'
bounds, the ramp P(t) - P(t-1), the hull c + d and the exchange g - s). It is the
equality-constrained QP min 1/2 dx' K dx - f' dx s.t. A dx = h, whose hours couple only
through chi_t = (P(t-1), E(t-1)): the ramp's weight and the energy row's E(t-1). Backward
over the hours, the value of hours t.. is a quadratic 1/2 chi' W_t chi + v_t' chi; hour t's
step is z = z0 + Z chi, its row multipliers l = l0 + Lam chi, from the hour's KKT system
(R z + S chi - f - B' l = 0, B z + C chi = h), where R, the hour's Hessian plus W_{t+1} on
(P, E), is block diagonal in {P, E}, {c, d}, {g, s}, {v} (closed-form 2x2 inverses); a
forward pass then reads chi. O(T) per step, no fill, no pivoting; exact up to rounding
(checked against a dense KKT solve in review: backward-stable).
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT

__all__ = ["factor", "solve"]



@nb.njit(**JIT)
def _inv2(a, b, d, out, i, j):
    """out[[i, j]][:, [i, j]] = inverse of [[a, b], [b, d]]; False unless positive definite."""
    det = a * d - b * b
    if not (a > 0.0 and det > 0.0 and np.isfinite(det)):
        return False
    out[i, i] = d / det
    out[j, j] = a / det
    out[i, j] = out[j, i] = -b / det
    return True


@nb.njit(**JIT)
def _rmul(R, v, out):
    """out (7,) = R v for R (7, 7) with the step's block pattern {P, E}, {c, d}, {g, s}, {v}."""
    out[0] = R[0, 0] * v[0] + R[0, 6] * v[6]
    out[6] = R[6, 0] * v[0] + R[6, 6] * v[6]
    out[1] = R[1, 1] * v[1] + R[1, 2] * v[2]
    out[2] = R[2, 1] * v[1] + R[2, 2] * v[2]
    out[3] = R[3, 3] * v[3] + R[3, 4] * v[4]
    out[4] = R[4, 3] * v[3] + R[4, 4] * v[4]
    out[5] = R[5, 5] * v[5]


@nb.njit(**JIT)
def factor(th, a2, m2, B, Rinv, YB, Ginv, Z, Lam, S00, W):
    """The Riccati factors of the Newton system with weights th (T, 10), backward over
    the hours; False if a block is not positive definite."""
    T = th.shape[0]
    W[T, :, :] = 0.0
    for t in range(T - 1, -1, -1):
        R = Rinv[t]
        R[:, :] = 0.0
        ramp = th[t, 7] if t > 0 else 0.0
        if not _inv2(a2 + th[t, 0] + ramp + W[t + 1, 0, 0], W[t + 1, 0, 1],
                     th[t, 6] + W[t + 1, 1, 1], R, 0, 6):
            return False
        if not _inv2(m2 + th[t, 1] + th[t, 8], -m2 + th[t, 8], m2 + th[t, 2] + th[t, 8], R, 1, 2):
            return False
        if not _inv2(th[t, 3] + th[t, 9], -th[t, 9], th[t, 4] + th[t, 9], R, 3, 4):
            return False
        R[5, 5] = 1.0 / (2.0 + th[t, 5])
        _rmul(R, B[0], YB[t, :, 0])
        _rmul(R, B[1], YB[t, :, 1])
        g00 = g01 = g10 = g11 = 0.0
        for j in range(7):
            g00 += B[0, j] * YB[t, j, 0]
            g01 += B[0, j] * YB[t, j, 1]
            g10 += B[1, j] * YB[t, j, 0]
            g11 += B[1, j] * YB[t, j, 1]
        g01 = g10 = 0.5 * (g01 + g10)
        det = g00 * g11 - g01 * g10
        if not (det > 0.0 and np.isfinite(det)):
            return False
        Ginv[t, 0, 0], Ginv[t, 1, 1] = g11 / det, g00 / det
        Ginv[t, 0, 1] = Ginv[t, 1, 0] = -g01 / det
        s00 = -ramp
        S00[t] = s00
        # Lam = Ginv (B R^-1 S - C), S = s00 e_P e_0', C = -e_1 e_1' (the energy row's E(t-1))
        bs0 = s00 * (B[0, 0] * R[0, 0] + B[0, 6] * R[6, 0])
        bs1 = s00 * (B[1, 0] * R[0, 0] + B[1, 6] * R[6, 0])
        for i in range(2):
            Lam[t, i, 0] = Ginv[t, i, 0] * bs0 + Ginv[t, i, 1] * bs1
            Lam[t, i, 1] = Ginv[t, i, 1]
        for i in range(7):
            for k in range(2):
                Z[t, i, k] = YB[t, i, 0] * Lam[t, 0, k] + YB[t, i, 1] * Lam[t, 1, k]
            Z[t, i, 0] -= R[i, 0] * s00
        # value of the hours t.. as a function of (P(t-1), E(t-1)): Q + S'Z - C'Lam
        w00 = ramp + s00 * Z[t, 0, 0]
        w01 = 0.5 * (s00 * Z[t, 0, 1] + Lam[t, 1, 0])
        W[t, 0, 0], W[t, 0, 1], W[t, 1, 0], W[t, 1, 1] = w00, w01, w01, Lam[t, 1, 1]
    return True


@nb.njit(**JIT)
def solve(f, h, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, dx, dy):
    """The Newton step (dx (T, 7), dy (T, 2)) for right sides f (T, 7) (overwritten), h
    (T, 2), from the factors of :func:`factor`."""
    T = f.shape[0]
    v0 = v1 = 0.0
    for t in range(T - 1, -1, -1):
        f[t, 0] -= v0                    # f is consumed
        f[t, 6] -= v1
        _rmul(Rinv[t], f[t], z0[t])
        b0, b1 = h[t, 0], h[t, 1]
        for i in range(7):
            b0 -= B[0, i] * z0[t, i]
            b1 -= B[1, i] * z0[t, i]
        l0[t, 0] = Ginv[t, 0, 0] * b0 + Ginv[t, 0, 1] * b1
        l0[t, 1] = Ginv[t, 1, 0] * b0 + Ginv[t, 1, 1] * b1
        for i in range(7):
            z0[t, i] += YB[t, i, 0] * l0[t, 0] + YB[t, i, 1] * l0[t, 1]
        v0, v1 = S00[t] * z0[t, 0], l0[t, 1]
    c0 = c1 = 0.0
    for t in range(T):
        for i in range(7):
            dx[t, i] = z0[t, i] + Z[t, i, 0] * c0 + Z[t, i, 1] * c1
        for k in range(2):
            dy[t, k] = l0[t, k] + Lam[t, k, 0] * c0 + Lam[t, k, 1] * c1
        c0, c1 = dx[t, 0], dx[t, 6]
