"""The eva dispatch QP (:class:`stackga.followers.recourse.microgrid_dispatch.MicrogridDispatch`) ordered by
hour, and its PIQP solve with a certificate.

x = [P, c, d, g, s, v, E](t) (7T): diesel, battery charge and discharge, grid buy and
sell, the scaled imbalance v = sqrt(gamma) u, and the energy E(t) as a state variable
(E(t) = E(t-1) + eta c - d / eta, E(0) = e0), so every row couples hours t - 1 and t at
most; the model as written keeps E as prefix sums (dense lower-triangular rows), which
make PIQP's factorisation about 1.7x slower (0.74 vs 0.50 ms per QP on one thread, 600
QPs of a run).

    min  sum_t a P^2 + b P + m (c - d)^2 + H_b g - H_s s + v^2
    s.t. P - c + d + g - s + v / sqrt(gamma) = r(t)          (balance; b_eq rows 0, 2, ...)
         E(t) - E(t-1) - eta c + d / eta = 0 (e0 at t = 0)   (energy; rows 1, 3, ...)
         |P(t) - P(t-1)| <= R;  c + d <= P_ba;  x_min <= g - s <= x_max
         bounds on P, c, d, g, s, E;  E(T) >= E(0) (end_state "initial") or
         E(T) - E(1) >= 0 (end_state "first_hour": one more inequality row)

Units: kW, kWh, yuan, as the dispatch.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..backends.piqp import solve_piqp

__all__ = ["ipm_data", "stage_data", "stage_model", "solve_stages", "snap", "SNAP"]

SNAP = 1e-7          # PIQP's values this close to a bound (relative) are put on it


def stage_data(d) -> tuple:
    """Per hour, for dispatch ``d``: the bounds of x_t = (P, c, d, g, s, v, E) and of the
    three row functions (ramp P(t) - P(t-1), none into the first hour; hull c + d;
    exchange g - s), and the linear costs: (x_lo, x_hi (T, 7), f_lo, f_hi (T, 3) with
    +-inf where none, cost (T, 7))."""
    T, inf = d.T, np.inf
    x_lo = np.tile([d.p_min, 0.0, 0.0, 0.0, 0.0, -inf, d.e_min], (T, 1))
    x_hi = np.tile([d.p_max, d.ba_p_max, d.ba_p_max, max(d.x_max, 0.0), max(-d.x_min, 0.0), inf,
                    d.e_max], (T, 1))
    if d.end_state == "initial":
        x_lo[T - 1, 6] = max(d.e_min, d.e0)             # E(T) >= E(0)
    f_lo = np.tile([-d.ramp, -inf, d.x_min], (T, 1))
    f_hi = np.tile([d.ramp, d.ba_p_max, d.x_max], (T, 1))
    f_lo[0, 0], f_hi[0, 0] = -inf, inf                  # no ramp into the first hour
    cost = np.zeros((T, 7))
    cost[:, 0], cost[:, 3], cost[:, 4] = d.b, d.grid_buy, -d.grid_sell
    return x_lo, x_hi, f_lo, f_hi, cost


def snap(x: np.ndarray, col_lo: np.ndarray, col_hi: np.ndarray) -> np.ndarray:
    """x (..., n) with its values within SNAP (relative) of a finite bound col_lo, col_hi
    (n,) put on it, in place: an interior point stops a hair inside its active bounds (e.g.
    1e-10 kWh sold) where an active-set answer has them on it."""
    for b in (col_lo, col_hi):
        near = np.isfinite(b) & (np.abs(x - b) <= SNAP * (1.0 + np.abs(b)))
        x[...] = np.where(near, b, x)
    return x


def stage_model(d, gamma: float) -> tuple:
    """The model above for dispatch ``d`` at weight gamma: (H, cost, A_eq, b_eq (its
    balance entries set to r per solve), A_in, lo, hi, x_lo, x_hi)."""
    T, eta, sq = d.T, d.eta, np.sqrt(gamma)
    t = np.arange(T)
    at = lambda k, h=t: 7 * h + k                      # noqa: E731  column of (hour, kind)
    # equalities: balance P - c + d + g - s + v / sq = r (row 2t); energy (row 2t + 1)
    r_b = np.repeat(2 * t, 6)
    c_b = (7 * t[:, None] + np.arange(6)).ravel()
    v_b = np.tile([1.0, -1.0, 1.0, 1.0, -1.0, 1.0 / sq], T)
    r_e = np.concatenate([2 * t + 1] * 3 + [2 * t[1:] + 1])
    c_e = np.concatenate([at(6), at(1), at(2), at(6, t[1:] - 1)])
    v_e = np.concatenate([np.ones(T), np.full(T, -eta), np.full(T, 1.0 / eta), -np.ones(T - 1)])
    A_eq = sp.csc_matrix((np.r_[v_b, v_e], (np.r_[r_b, r_e], np.r_[c_b, c_e])), shape=(2 * T, 7 * T))
    b_eq = np.zeros(2 * T)
    b_eq[1] = d.e0
    # inequalities: ramps (T - 1), hull c + d (T), exchange g - s (T), and E(T) - E(1) >= 0
    # (end_state "first_hour")
    k = np.arange(T - 1)
    rows = np.concatenate([k, k, T - 1 + t, T - 1 + t, 2 * T - 1 + t, 2 * T - 1 + t])
    cols = np.concatenate([at(0, t[1:]), at(0, t[:-1]), at(1), at(2), at(3), at(4)])
    vals = np.concatenate([np.ones(T - 1), -np.ones(T - 1), np.ones(2 * T), np.ones(T), -np.ones(T)])
    couple = d.end_state == "first_hour"
    if couple:
        rows = np.concatenate([rows, [3 * T - 1, 3 * T - 1]])
        cols = np.concatenate([cols, [at(6, T - 1), at(6, 0)]])
        vals = np.concatenate([vals, [1.0, -1.0]])
    A_in = sp.csc_matrix((vals, (rows, cols)), shape=(3 * T - 1 + couple, 7 * T))
    x_lo, x_hi, f_lo, f_hi, cost = stage_data(d)
    lo = np.concatenate([f_lo[1:, 0], f_lo[:, 1], f_lo[:, 2], [0.0] * couple])
    hi = np.concatenate([f_hi[1:, 0], f_hi[:, 1], f_hi[:, 2], [np.inf] * couple])
    x_lo, x_hi, cost = x_lo.ravel(), x_hi.ravel(), cost.ravel()
    m2 = 2.0 * d.m
    H = sp.csc_matrix((np.concatenate([np.full(T, 2.0 * d.a), np.full(2 * T, m2),
                                       np.full(2 * T, -m2), np.full(T, 2.0)]),
                       (np.concatenate([at(0), at(1), at(2), at(1), at(2), at(5)]),
                        np.concatenate([at(0), at(1), at(2), at(2), at(1), at(5)]))),
                      shape=(7 * T, 7 * T))
    return H, cost, A_eq, b_eq, A_in, lo, hi, x_lo, x_hi


def solve_stages(model: tuple, r: np.ndarray, col_lo: np.ndarray, col_hi: np.ndarray):
    """PIQP's answer for net load r (T,) as x = [P, c, d, g, s, v] (6T: P of every hour, then c, .., the
    layout of ``MicrogridDispatch.qp_matrices``) when it certifies it, else None: one
    fresh solver at tolerance 1e-10, accepted only with primal and dual residuals within
    tolerance and a duality gap within 1e-9 of the objective (a bound on the distance to
    the optimum by weak duality); then values within SNAP of a bound (col_lo, col_hi
    (6T,)) are put on it (:func:`snap`)."""
    H, cost, A_eq, b_eq, A_in, lo, hi, x_lo, x_hi = model
    T = len(b_eq) // 2
    b_eq = b_eq.copy()
    b_eq[0::2] = r
    _, x7 = solve_piqp(H, cost, A_eq, b_eq, A_in, lo, hi, x_lo, x_hi)
    if x7 is None:
        return None
    x = x7.reshape(T, 7)[:, :6].T.ravel()                               # [P, c, d, g, s, v]
    return snap(x, col_lo, col_hi)


def ipm_data(d) -> tuple:
    """The arrays of dispatch ``d`` the kernel needs (:func:`stage_data`): (lo, hi (T, 10) the ten functions' bounds (+-inf where none), q (T, 7)
    linear costs, (a2, m2, eta, e0) scalars), or None where a variable is fixed (lo == hi;
    the interior point needs an interior)."""
    x_lo, x_hi, f_lo, f_hi, q = stage_data(d)
    lo, hi = np.hstack([x_lo, f_lo]), np.hstack([x_hi, f_hi])
    if np.any(np.isfinite(lo) & (hi - lo <= 0)):
        return None
    return lo, hi, q, np.array([2.0 * d.a, 2.0 * d.m, d.eta, d.e0, float(d.end_state == "first_hour")])
