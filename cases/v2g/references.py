"""Exact single-problem references of the v2g case (no GA): one convex QP each, HiGHS.

``central(data, discharge=True)``: the upper level alone (the paper's "single-level
model", sec. 3.3): the operator schedules the V2G store as its own variables, with the
store's physical limits (eq. 10-12) and its own objective F1 (eq. 1-6). With
``discharge=False`` the store may only charge (managed charging, no V2G).

    min  sum_t [ sum_g (a_g P_g^2 + b_g P_g + c_g) + V_ls P_ls + k_d P_d ] dt
    s.t. sum_g P_g + P_d - P_c + P_ls = P_L;  bounds; ramps;
         E(t+1) = E(t) + (eta_c P_c - P_d / eta_d) dt - E_need;  SOC bounds; E(T) >= E_final
         0 <= P_c <= P_c_max avail,  0 <= P_d <= P_d_max avail
With the store's discharge threshold (the 30 % rule read as written) the model is the
best of its convex pieces (:func:`stackga.followers.storage_rule.discharge_rule_pieces`):
one QP per piece, the cheapest kept (the first of equal ones).
"""
from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp
from stackga.followers.backends.highs import solve_highs
from stackga.followers.response import Status

__all__ = ["central"]

# this process's solved piece QPs by their exact inputs: the scenarios and readings that
# share a model (single, plan, plan-exact; every reading but one) solve it once
_SOLVED: dict[bytes, tuple] = {}
_SOLVED_MAX = 4096


def central(units: dict, load: np.ndarray, agent, shed_cost: float, k_d: float,
            discharge: bool = True) -> dict | None:
    """The operator's optimal plan: p_ch, p_dis (T,), energy (T + 1,), thermal (G, T),
    shed (T,), objective ($); None if HiGHS proves no plan feasible or fails. With a
    discharge threshold, the best over the rule's pieces (``piece``: the one kept)."""
    best = None
    for piece in range(agent.n_pieces if discharge else 1):
        got = _central_piece(units, load, agent, shed_cost, k_d, discharge, piece)
        if got is not None and (best is None or got["objective"] < best["objective"]
                                - 1e-9 * (1.0 + abs(best["objective"]))):
            best = got
    return best


def _central_piece(units: dict, load: np.ndarray, agent, shed_cost: float, k_d: float,
                   discharge: bool, piece: int) -> dict | None:
    """:func:`central` in one piece of the store's discharge rule."""
    T, dt = agent.T, agent.dt
    a, b, c = units["a_usd_per_mw2h"], units["b_usd_per_mwh"], units["c_usd_per_h"]
    lo, hi = units["p_min_mw"], units["p_max_mw"]
    ru, rd = units["ramp_up_mw_per_h"], units["ramp_down_mw_per_h"]
    G = len(a)
    # columns: P_g (G T) | shed (T) | P_c (T) | P_d (T) | E(1..T) (T)
    nP, s0, c0, d0, e0 = G * T, G * T, G * T + T, G * T + 2 * T, G * T + 3 * T
    ncol = G * T + 4 * T
    cost = np.zeros(ncol)
    cost[:nP] = np.repeat(b * dt, T)
    cost[s0:s0 + T] = shed_cost * dt
    cost[d0:d0 + T] = k_d * dt
    hess = np.zeros(ncol)
    hess[:nP] = np.repeat(2 * a * dt, T)
    rows, rlo, rhi = [], [], []

    def row(entries, lo_, hi_):
        r = np.zeros(ncol)
        for j, v in entries:
            r[j] += v
        rows.append(r)
        rlo.append(lo_)
        rhi.append(hi_)
    for t in range(T):                                           # balance
        row([(g * T + t, 1.0) for g in range(G)] + [(s0 + t, 1.0), (d0 + t, 1.0), (c0 + t, -1.0)],
            load[t], load[t])
    for g in range(G):                                           # ramps
        for t in range(1, T):
            row([(g * T + t, 1.0), (g * T + t - 1, -1.0)], -rd[g] * dt, ru[g] * dt)
    for t in range(T):                                           # store energy
        ent = [(e0 + t, 1.0), (c0 + t, -agent.eta_c * dt), (d0 + t, dt / agent.eta_d)]
        rhs = -agent.need[t]
        if t == 0:
            rhs += agent.e0
        else:
            ent.append((e0 + t - 1, -1.0))
        row(ent, rhs, rhs)
    e_lo, may = agent.piece_bounds(piece)
    if not discharge:                   # no discharge at all: the threshold never binds
        e_lo, may = np.full(T + 1, agent.e_min), np.zeros(T, bool)
    col_lo = np.concatenate([np.repeat(lo, T), np.zeros(3 * T), e_lo[1:]])
    col_hi = np.concatenate([np.repeat(hi, T), np.full(T, np.inf),
                             agent.p_ch_max * agent.available,
                             agent.p_dis_max * agent.available * may,
                             np.full(T, agent.e_max)])
    col_lo[e0 + T - 1] = max(col_lo[e0 + T - 1], agent.e_final)
    status, x, obj = _solve_once(cost, np.array(rows), np.array(rlo), np.array(rhi), col_lo, col_hi,
                                 hess)
    if status != Status.OPTIMAL:
        return None
    return {"p_ch": x[c0:c0 + T], "p_dis": x[d0:d0 + T],
            "energy": np.concatenate([[agent.e0], x[e0:e0 + T]]),
            "thermal": x[:nP].reshape(G, T), "shed": x[s0:s0 + T],
            "objective": obj + float(c.sum()) * T * dt, "piece": piece}


def _solve_once(cost, A, row_lo, row_hi, col_lo, col_hi, hess) -> tuple:
    """HiGHS's (status, x, objective) of min cost x + x' diag(hess) x / 2 s.t. row_lo <= A x
    <= row_hi and the column bounds (A dense), from :data:`_SOLVED` where the same inputs
    were solved to optimality before in this process (HiGHS is deterministic: the same
    answer)."""
    parts = [np.asarray(A.shape, float)] + [np.asarray(v, float) for v in
                                            (cost, A, row_lo, row_hi, col_lo, col_hi, hess)]
    key = hashlib.sha256(b"".join(np.ascontiguousarray(v).tobytes() for v in parts)).digest()
    if key in _SOLVED:
        status, x, obj = _SOLVED[key]
        return status, x.copy(), obj
    status, x, obj = solve_highs(cost, sp.csr_matrix(A), row_lo, row_hi, col_lo, col_hi,
                                 hessian=sp.diags(hess))
    if status == Status.OPTIMAL:            # a limit or a failure is not kept: it may not recur
        if len(_SOLVED) >= _SOLVED_MAX:
            _SOLVED.clear()
        _SOLVED[key] = (status, x.copy(), obj)
    return status, x, obj
