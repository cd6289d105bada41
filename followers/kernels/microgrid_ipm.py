"""Compiled (numba) interior-point solver of the eva dispatch QP, with a Riccati solve of
its Newton systems and a certificate; it releases the GIL, so the caller runs a batch's
rows on threads.

The QP (:class:`stackga.followers.recourse.microgrid_dispatch.MicrogridDispatch`, ordered by hour as in
:mod:`stackga.followers.recourse.microgrid_stages`): per hour t the variables z_t = (P, c, d, g, s, v, E)
(diesel, battery charge and discharge, grid buy and sell, the scaled imbalance
v = sqrt(gamma) u, the stored energy after the hour)::

    min  sum_t a P^2 + b P + m (c - d)^2 + H_b g - H_s s + v^2
    s.t. P - c + d + g - s + v / sqrt(gamma) = r(t)              (balance)
         E(t) - E(t-1) - eta c + d / eta = 0   (E(-1) = e0)      (energy)
         lo <= w_t <= hi for the ten functions w_t = (z_t; P(t) - P(t-1), c + d, g - s)
         (bounds, ramp, hull, exchange; E(T-1) >= e0 among the bounds where the battery
         must end where it started)
         E(T-1) - E(0) >= 0 where it must end where the first hour left it (``couple``;
         eq. 18 of the eva paper as written, SOC(24) >= SOC(1))

Method: Mehrotra's predictor-corrector primal-dual interior point (infeasible start;
every finite side of a function has a slack and a multiplier). Each Newton system, with
the slacks and their multipliers eliminated, is an equality-constrained QP in the step
whose hours couple only through (P(t-1), E(t-1)): it is solved exactly by backward
dynamic programming on a quadratic value function of those two numbers
(:mod:`stackga.followers.kernels.microgrid_riccati`). O(T) per iteration, no fill, no pivoting.
The coupling row E(T-1) - E(0) >= 0, where present, borders the system with its row g and
its multiplier's step dz (K dx - A'dy - g dz = f, g'dx + (s/z) dz = rho): one more
Riccati solve per factorisation, M^-1 (g, 0), and a scalar equation per direction
(:func:`_solve_c`; the bordered form stays exact as the row's slack s goes to 0, where
the eliminated rank-one term z/s g g' would not).

Accepted only with a certificate: the primal residuals (the two equalities, every
function's bounds) within TOL = 1e-10 of their scale, the dual residual within TOL of
its largest term, and the objective within TOL (relative) of a strict lower bound on the
optimum: the Lagrangian at the iterate's multipliers, bounded below over the column box
(the dual objective plus the dual residual's worst case over the box, exact in the free
v). A row that does not certify within MAX_ITER iterations, or whose Newton system stops
being positive definite (iterates that collapse onto the boundary before the residuals
vanish, e.g. with a tight grid exchange, where huge barrier weights make the recovered
multipliers' step inexact), is solved again with each direction refined once against the
unreduced Newton system (:func:`_refine`; only then, so rows that certify without it
keep their answer); a row that still does not certify is reported as such (the caller
solves it by PIQP, then HiGHS). The caller puts near-bound values on their bounds.
"""
from __future__ import annotations

import numba as nb
import numpy as np

from .jit import JIT
from .microgrid_riccati import factor, solve

__all__ = ["solve_rows", "MAX_ITER"]

MAX_ITER = 80
TOL = 1e-10
_STEP = 0.995                        # fraction of the way to the boundary
# the coupling row's scalars, cpl (10,): slack, multiplier, residual, corrector step (ds,
# dz), predictor step (ds, dz), g' M^-1 g, on (1.0) or off (0.0), the row's value
_SL, _Z, _RL, _DS, _DZ, _AS, _AZ, _GQ, _ON, _W = range(10)


@nb.njit(**JIT)
def _functions(x, w):
    """w (T, 10) = the functions' values at x (T, 7)."""
    for t in range(x.shape[0]):
        for j in range(7):
            w[t, j] = x[t, j]
        w[t, 7] = x[t, 0] - x[t - 1, 0] if t > 0 else 0.0
        w[t, 8] = x[t, 1] + x[t, 2]
        w[t, 9] = x[t, 3] - x[t, 4]


@nb.njit(**JIT)
def _add_gt(v, out, sign):
    """out (T, 7) += sign * G' v, v (T, 10) one number per function."""
    for t in range(v.shape[0]):
        for j in range(7):
            out[t, j] += sign * v[t, j]
        if t > 0:
            out[t, 0] += sign * v[t, 7]
            out[t - 1, 0] -= sign * v[t, 7]
        out[t, 1] += sign * v[t, 8]
        out[t, 2] += sign * v[t, 8]
        out[t, 3] += sign * v[t, 9]
        out[t, 4] -= sign * v[t, 9]


@nb.njit(**JIT)
def _rows(x, y, a2, m2, B, base, out_d, out_p):
    """out_d (T, 7) = Hx - A'y + base; out_p (T, 2) += A x (the balance and energy rows;
    out_p holds minus their right sides, or a residual, on entry)."""
    T = x.shape[0]
    for t in range(T):
        bat = x[t, 1] - x[t, 2]
        out_d[t, 0] = a2 * x[t, 0]
        out_d[t, 1] = m2 * bat
        out_d[t, 2] = -m2 * bat
        out_d[t, 3] = 0.0
        out_d[t, 4] = 0.0
        out_d[t, 5] = 2.0 * x[t, 5]
        out_d[t, 6] = 0.0
        for j in range(7):
            out_d[t, j] += base[t, j] - B[0, j] * y[t, 0] - B[1, j] * y[t, 1]
        if t > 0:
            out_d[t - 1, 6] += y[t, 1]
            out_p[t, 1] -= x[t - 1, 6]
        for j in range(7):
            out_p[t, 0] += B[0, j] * x[t, j]
            out_p[t, 1] += B[1, j] * x[t, j]


@nb.njit(**JIT)
def _residuals(x, y, zl, zu, sl, su, r, lo, hi, hasl, hasu, q, a2, m2, B, e0, w, rd, rp, rl, ru, cpl):
    """Dual residual rd = Hx + q - A'y - G'(zl - zu) - g z_c, primal rp = Ax - b and the
    slacks' rl = w - lo - sl, ru = hi - w - su (and the coupling row's, in cpl); returns
    (primal objective, dual objective)."""
    T = x.shape[0]
    _functions(x, w)
    quad = 0.0
    lin = 0.0
    for t in range(T):
        bat = x[t, 1] - x[t, 2]
        quad += a2 * x[t, 0] ** 2 + m2 * bat * bat + 2.0 * x[t, 5] ** 2
        for j in range(7):
            lin += q[t, j] * x[t, j]
        rp[t, 0] = -r[t]
        rp[t, 1] = -e0 if t == 0 else -0.0
    _rows(x, y, a2, m2, B, q, rd, rp)
    dual = -0.5 * quad
    for t in range(T):
        dual += r[t] * y[t, 0]
        for j in range(10):
            rl[t, j] = w[t, j] - lo[t, j] - sl[t, j] if hasl[t, j] else 0.0
            ru[t, j] = hi[t, j] - w[t, j] - su[t, j] if hasu[t, j] else 0.0
            if hasl[t, j]:
                dual += lo[t, j] * zl[t, j]
            if hasu[t, j]:
                dual -= hi[t, j] * zu[t, j]
    dual += e0 * y[0, 1]
    _add_gt(zl, rd, -1.0)
    _add_gt(zu, rd, 1.0)
    if cpl[_ON] != 0.0:                                  # E(T-1) - E(0) >= 0, bound 0
        cpl[_W] = x[T - 1, 6] - x[0, 6]
        cpl[_RL] = cpl[_W] - cpl[_SL]
        rd[T - 1, 6] -= cpl[_Z]
        rd[0, 6] += cpl[_Z]
    return 0.5 * quad + lin, dual


@nb.njit(**JIT)
def _steps(sl, dsl, zl, dzl, su, dsu, zu, dzu, hasl, hasu):
    """(primal, dual): the largest steps <= 1 keeping the slacks, and the multipliers, >= 0."""
    ap = ad = 1.0
    for t in range(sl.shape[0]):
        for j in range(sl.shape[1]):
            if hasl[t, j]:
                if dsl[t, j] < 0.0:
                    ap = min(ap, -sl[t, j] / dsl[t, j])
                if dzl[t, j] < 0.0:
                    ad = min(ad, -zl[t, j] / dzl[t, j])
            if hasu[t, j]:
                if dsu[t, j] < 0.0:
                    ap = min(ap, -su[t, j] / dsu[t, j])
                if dzu[t, j] < 0.0:
                    ad = min(ad, -zu[t, j] / dzu[t, j])
    return ap, ad


@nb.njit(**JIT)
def _coupling_steps(cpl, i_ds, i_dz, ap, ad):
    """(ap, ad) shortened so the coupling row's slack and multiplier stay >= 0."""
    if cpl[_ON] != 0.0:
        if cpl[i_ds] < 0.0:
            ap = min(ap, -cpl[_SL] / cpl[i_ds])
        if cpl[i_dz] < 0.0:
            ad = min(ad, -cpl[_Z] / cpl[i_dz])
    return ap, ad


@nb.njit(**JIT)
def _solve_c(f, h, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, dx, dy, cpl, qx, qy, rho):
    """:func:`~stackga.followers.kernels.microgrid_riccati.solve` of the system bordered
    by the coupling row: K dx - A'dy - g dz = f, A dx = h, g'dx + (s/z) dz = rho, with
    (qx, qy) = M^-1 (g, 0) from :func:`_coupling_factor`. Returns dz (0 without the row)."""
    solve(f, h, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, dx, dy)
    if cpl[_ON] == 0.0:
        return 0.0
    T = dx.shape[0]
    dz = (rho - (dx[T - 1, 6] - dx[0, 6])) / (cpl[_GQ] + cpl[_SL] / cpl[_Z])
    for t in range(T):
        for j in range(7):
            dx[t, j] += dz * qx[t, j]
        dy[t, 0] += dz * qy[t, 0]
        dy[t, 1] += dz * qy[t, 1]
    return dz


@nb.njit(**JIT)
def _coupling_factor(B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, f, hh, cpl, qx, qy):
    """(qx, qy) = M^-1 (g, 0) for the factors' Newton operator M and the coupling row g
    (+1 on E(T-1), -1 on E(0)), and g' qx in cpl; nothing where there is no coupling."""
    if cpl[_ON] == 0.0:
        return
    T = f.shape[0]
    f[:, :] = 0.0
    hh[:, :] = 0.0
    f[T - 1, 6] += 1.0
    f[0, 6] -= 1.0
    solve(f, hh, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, qx, qy)
    cpl[_GQ] = qx[T - 1, 6] - qx[0, 6]


@nb.njit(**JIT)
def _direction(smu, asl, asu, azl, azu, x, sl, su, zl, zu, rd, rp, rl, ru, hasl, hasu, B, Rinv,
               YB, Ginv, Z, Lam, S00, z0, l0, f, hh, dx, dy, dsl, dsu, dzl, dzu, w, beta, cpl, qx, qy):
    """The step (dx, dy, ds, dz) whose complementarity targets are s z + ds z + s dz = k,
    k = smu - asl azl (Mehrotra's corrector, from the predictor's step asl, azl, ...) or,
    with smu < 0, k = 0 (the predictor, ``as``, ``az`` unused); the coupling row's step
    goes to cpl (_AS, _AZ for the predictor, _DS, _DZ for the corrector)."""
    T = x.shape[0]
    pred = smu < 0.0
    for t in range(T):
        for j in range(10):
            b = 0.0
            if hasl[t, j]:
                k = -zl[t, j] * sl[t, j] if pred else smu - zl[t, j] * sl[t, j] - asl[t, j] * azl[t, j]
                b += (k - zl[t, j] * rl[t, j]) / sl[t, j]
            if hasu[t, j]:
                k = -zu[t, j] * su[t, j] if pred else smu - zu[t, j] * su[t, j] - asu[t, j] * azu[t, j]
                b -= (k - zu[t, j] * ru[t, j]) / su[t, j]
            beta[t, j] = b
        for j in range(7):
            f[t, j] = -rd[t, j]
        hh[t, 0], hh[t, 1] = -rp[t, 0], -rp[t, 1]
    _add_gt(beta, f, 1.0)
    rho = 0.0
    if cpl[_ON] != 0.0:
        kc = -cpl[_Z] * cpl[_SL] if pred else smu - cpl[_Z] * cpl[_SL] - cpl[_AS] * cpl[_AZ]
        rho = (kc - cpl[_Z] * cpl[_RL]) / cpl[_Z]
    dzc = _solve_c(f, hh, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, dx, dy, cpl, qx, qy, rho)
    if cpl[_ON] != 0.0:
        cpl[_AS if pred else _DS] = dx[T - 1, 6] - dx[0, 6] + cpl[_RL]
        cpl[_AZ if pred else _DZ] = dzc
    _functions(dx, w)                                    # G dx
    for t in range(T):
        for j in range(10):
            if hasl[t, j]:
                k = -zl[t, j] * sl[t, j] if pred else smu - zl[t, j] * sl[t, j] - asl[t, j] * azl[t, j]
                dsl[t, j] = w[t, j] + rl[t, j]
                dzl[t, j] = (k - zl[t, j] * dsl[t, j]) / sl[t, j]
            if hasu[t, j]:
                k = -zu[t, j] * su[t, j] if pred else smu - zu[t, j] * su[t, j] - asu[t, j] * azu[t, j]
                dsu[t, j] = -w[t, j] + ru[t, j]
                dzu[t, j] = (k - zu[t, j] * dsu[t, j]) / su[t, j]


@nb.njit(**JIT)
def _refine(a2, m2, B, x, sl, su, zl, zu, rd, rp, hasl, hasu, Rinv, YB, Ginv, Z, Lam, S00, z0, l0,
            f, hh, dx, dy, dsl, dsu, dzl, dzu, w, ex, ey, cpl, qx, qy, pred):
    """One step of iterative refinement of a direction against the unreduced Newton system
    (where huge barrier weights make the recovered multipliers' step inexact): its residual
    e = (H dx - A'dy - G'(dzl - dzu) + rd, A dx + rp) is solved for again and the
    correction added (the slack and complementarity equations stay exact)."""
    T = x.shape[0]
    for t in range(T):
        hh[t, 0], hh[t, 1] = rp[t, 0], rp[t, 1]
    _rows(dx, dy, a2, m2, B, rd, f, hh)
    _add_gt(dzl, f, -1.0)
    _add_gt(dzu, f, 1.0)
    i_ds, i_dz = (_AS, _AZ) if pred else (_DS, _DZ)
    if cpl[_ON] != 0.0:
        f[T - 1, 6] -= cpl[i_dz]
        f[0, 6] += cpl[i_dz]
    for t in range(T):
        for j in range(7):
            f[t, j] = -f[t, j]
        hh[t, 0], hh[t, 1] = -hh[t, 0], -hh[t, 1]
    dzc = _solve_c(f, hh, B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, ex, ey, cpl, qx, qy, 0.0)
    if cpl[_ON] != 0.0:
        cpl[i_ds] += ex[T - 1, 6] - ex[0, 6]
        cpl[i_dz] += dzc
    _functions(ex, w)
    for t in range(T):
        for j in range(7):
            dx[t, j] += ex[t, j]
        dy[t, 0] += ey[t, 0]
        dy[t, 1] += ey[t, 1]
        for j in range(10):
            if hasl[t, j]:
                dsl[t, j] += w[t, j]
                dzl[t, j] -= zl[t, j] / sl[t, j] * w[t, j]
            if hasu[t, j]:
                dsu[t, j] -= w[t, j]
                dzu[t, j] += zu[t, j] / su[t, j] * w[t, j]


@nb.njit(**JIT)
def _one(r, sq, lo, hi, q, a2, m2, eta, e0, couple, out, refine):
    """One QP: net load r (T,), sqrt(gamma) sq; out (6T,) = [P, c, d, g, s, v] (v scaled)
    when certified; ``couple``: with the row E(T-1) - E(0) >= 0; ``refine``: each
    direction refined once (:func:`_refine`). Returns the iterations used, or -1 if not
    certified."""
    T = r.shape[0]
    B = np.zeros((2, 7))
    B[0, 0], B[0, 1], B[0, 2], B[0, 3], B[0, 4], B[0, 5] = 1.0, -1.0, 1.0, 1.0, -1.0, 1.0 / sq
    B[1, 1], B[1, 2], B[1, 6] = -eta, 1.0 / eta, 1.0
    hasl = np.isfinite(lo)
    hasu = np.isfinite(hi)
    x = np.zeros((T, 7))
    for t in range(T):
        for j in range(7):
            if hasl[t, j] and hasu[t, j]:
                x[t, j] = 0.5 * (lo[t, j] + hi[t, j])
            elif hasl[t, j]:
                x[t, j] = lo[t, j] + 1.0
            elif hasu[t, j]:
                x[t, j] = hi[t, j] - 1.0
    w = np.empty((T, 10))
    _functions(x, w)
    sl, su, zl, zu = np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10))
    n_c = 0
    for t in range(T):
        for j in range(10):
            if hasl[t, j]:
                sl[t, j] = max(w[t, j] - lo[t, j], 1.0)
                zl[t, j] = 1.0
                n_c += 1
            if hasu[t, j]:
                su[t, j] = max(hi[t, j] - w[t, j], 1.0)
                zu[t, j] = 1.0
                n_c += 1
    cpl = np.zeros(10)
    if couple and T > 1:
        cpl[_ON] = 1.0
        cpl[_SL] = max(x[T - 1, 6] - x[0, 6], 1.0)
        cpl[_Z] = 1.0
        n_c += 1
    qx, qy = np.zeros((T, 7)), np.zeros((T, 2))
    y = np.zeros((T, 2))
    rd, rp, rl, ru = np.empty((T, 7)), np.empty((T, 2)), np.empty((T, 10)), np.empty((T, 10))
    th, beta = np.empty((T, 10)), np.empty((T, 10))
    Rinv, YB, Ginv = np.empty((T, 7, 7)), np.empty((T, 7, 2)), np.empty((T, 2, 2))
    Z, Lam, S00, W = np.empty((T, 7, 2)), np.empty((T, 2, 2)), np.empty(T), np.empty((T + 1, 2, 2))
    z0, l0, f, hh = np.empty((T, 7)), np.empty((T, 2)), np.empty((T, 7)), np.empty((T, 2))
    dx, dy = np.empty((T, 7)), np.empty((T, 2))
    ex, ey = np.empty((T, 7)), np.empty((T, 2))
    dsl, dsu, dzl, dzu = np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10))
    asl, asu, azl, azu = np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10)), np.zeros((T, 10))
    scale_p = 1.0 + max(np.abs(r).max(), abs(e0))
    scale_d = 1.0 + np.abs(q).max()
    for it in range(MAX_ITER):
        pobj, dobj = _residuals(x, y, zl, zu, sl, su, r, lo, hi, hasl, hasu, q, a2, m2, B, e0, w,
                                rd, rp, rl, ru, cpl)
        ok = True                                        # primal residuals first (cheap)
        mu = 0.0
        for t in range(T):
            for k in range(2):
                ok &= abs(rp[t, k]) <= TOL * scale_p
            for j in range(10):
                th[t, j] = 0.0
                if hasl[t, j]:
                    ok &= abs(rl[t, j]) <= TOL * (1.0 + abs(lo[t, j]))
                    th[t, j] += zl[t, j] / sl[t, j]
                    mu += sl[t, j] * zl[t, j]
                if hasu[t, j]:
                    ok &= abs(ru[t, j]) <= TOL * (1.0 + abs(hi[t, j]))
                    th[t, j] += zu[t, j] / su[t, j]
                    mu += su[t, j] * zu[t, j]
        if cpl[_ON] != 0.0:
            ok &= abs(cpl[_RL]) <= TOL
            mu += cpl[_SL] * cpl[_Z]
        if ok:
            # the dual residual's scale: the largest term of Hx + q - A'y - G'z; and a
            # strict lower bound on the optimum: the Lagrangian at (y, z) is >= its value
            # at x plus rd'(x' - x) over the column box (plus the exact (v' - v)^2 in the
            # free v)
            sd = max(scale_d, 1.0 + 2.0 * cpl[_Z])
            lb = dobj
            for t in range(T):
                sd = max(sd, 1.0 + abs(y[t, 0]) * max(1.0, 1.0 / sq), 1.0 + abs(y[t, 1]) * max(1.0, 1.0 / eta),
                         1.0 + a2 * abs(x[t, 0]), 1.0 + 2.0 * abs(x[t, 5]), 1.0 + m2 * abs(x[t, 1] - x[t, 2]))
                for j in range(10):
                    sd = max(sd, 1.0 + 2.0 * zl[t, j], 1.0 + 2.0 * zu[t, j])
                for j in range(7):
                    g = rd[t, j]
                    lb += g * x[t, j]
                    if j == 5:
                        lb -= 0.25 * g * g
                    elif g != 0.0:
                        lb += min(g * (lo[t, j] - x[t, j]), g * (hi[t, j] - x[t, j]))
            for t in range(T):
                for j in range(7):
                    ok &= abs(rd[t, j]) <= TOL * sd
            if ok and pobj - lb <= TOL * (1.0 + abs(pobj)):
                for k in range(6):
                    for t in range(T):
                        out[k * T + t] = x[t, k]
                return it
        mu /= n_c
        if not factor(th, a2, m2, B, Rinv, YB, Ginv, Z, Lam, S00, W):
            return -1
        _coupling_factor(B, Rinv, YB, Ginv, Z, Lam, S00, z0, l0, f, hh, cpl, qx, qy)
        _direction(-1.0, asl, asu, azl, azu, x, sl, su, zl, zu, rd, rp, rl, ru, hasl, hasu, B, Rinv,
                   YB, Ginv, Z, Lam, S00, z0, l0, f, hh, dx, dy, asl, asu, azl, azu, w, beta, cpl, qx, qy)
        if refine:
            _refine(a2, m2, B, x, sl, su, zl, zu, rd, rp, hasl, hasu, Rinv, YB, Ginv, Z, Lam, S00,
                    z0, l0, f, hh, dx, dy, asl, asu, azl, azu, w, ex, ey, cpl, qx, qy, True)
        ap, ad = _steps(sl, asl, zl, azl, su, asu, zu, azu, hasl, hasu)
        ap, ad = _coupling_steps(cpl, _AS, _AZ, ap, ad)
        mu_aff = 0.0
        for t in range(T):
            for j in range(10):
                if hasl[t, j]:
                    mu_aff += (sl[t, j] + ap * asl[t, j]) * (zl[t, j] + ad * azl[t, j])
                if hasu[t, j]:
                    mu_aff += (su[t, j] + ap * asu[t, j]) * (zu[t, j] + ad * azu[t, j])
        if cpl[_ON] != 0.0:
            mu_aff += (cpl[_SL] + ap * cpl[_AS]) * (cpl[_Z] + ad * cpl[_AZ])
        mu_aff /= n_c
        sigma = (mu_aff / mu) ** 3 if mu > 0.0 else 0.0
        _direction(sigma * mu, asl, asu, azl, azu, x, sl, su, zl, zu, rd, rp, rl, ru, hasl, hasu, B,
                   Rinv, YB, Ginv, Z, Lam, S00, z0, l0, f, hh, dx, dy, dsl, dsu, dzl, dzu, w, beta,
                   cpl, qx, qy)
        if refine:
            _refine(a2, m2, B, x, sl, su, zl, zu, rd, rp, hasl, hasu, Rinv, YB, Ginv, Z, Lam, S00,
                    z0, l0, f, hh, dx, dy, dsl, dsu, dzl, dzu, w, ex, ey, cpl, qx, qy, False)
        ap, ad = _steps(sl, dsl, zl, dzl, su, dsu, zu, dzu, hasl, hasu)
        a = min(1.0, _STEP * min(_coupling_steps(cpl, _DS, _DZ, ap, ad)))
        for t in range(T):
            for j in range(7):
                x[t, j] += a * dx[t, j]
            y[t, 0] += a * dy[t, 0]
            y[t, 1] += a * dy[t, 1]
            for j in range(10):
                if hasl[t, j]:
                    sl[t, j] += a * dsl[t, j]
                    zl[t, j] += a * dzl[t, j]
                if hasu[t, j]:
                    su[t, j] += a * dsu[t, j]
                    zu[t, j] += a * dzu[t, j]
        cpl[_SL] += a * cpl[_DS]
        cpl[_Z] += a * cpl[_DZ]
        if not np.isfinite(a):
            return -1
    return -1


@nb.njit(**JIT)
def solve_rows(R, SQ, lo, hi, q, consts):
    """Rows R (n, T) net loads, SQ (n,) sqrt(gamma), consts (a2, m2, eta, e0, couple):
    (X (n, 6T) = [P, c, d, g, s, v] with v
    scaled; iters (n,) the iterations, -1 where not certified (X's row is then zero))."""
    n, T = R.shape
    X = np.zeros((n, 6 * T))
    iters = np.empty(n, np.int64)
    for i in range(n):
        a2, m2, eta, e0, couple = consts[0], consts[1], consts[2], consts[3], consts[4] != 0.0
        it = _one(R[i], SQ[i], lo, hi, q, a2, m2, eta, e0, couple, X[i], False)
        if it < 0:                          # again, each direction refined once
            it = _one(R[i], SQ[i], lo, hi, q, a2, m2, eta, e0, couple, X[i], True)
        iters[i] = it
        if it < 0:
            X[i, :] = 0.0
    return X, iters
