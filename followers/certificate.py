"""A certificate for one follower's answer, computed independently of how it was found:
the follower's problem, stated as an LP/QP (MILP) in matrix form at the reported prices,
solved afresh by HiGHS.

    primal_violation  the largest violation of the rows and bounds by the answer y
    duality_gap       f(y) - f*: the answer's objective above the certified optimum
                      (for a MILP: above HiGHS's proven optimum, within its gap)
    dual_violation    HiGHS's largest dual infeasibility at its optimum (LP/QP)
    unique            whether the optimum is unique: a strictly convex QP, or an LP whose
                      duals are non-degenerate (every nonbasic reduced cost non-zero);
                      ``ties`` is its negation (then the leader's value may depend on the
                      follower's tie-break)
    optimal           primal_violation and duality_gap within ``tol`` (relative)
"""
from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from .highs_model import STATUS_MAP, build_highs
from .response import Status

__all__ = ["lp_certificate", "unique_lp_optimum"]


def unique_lp_optimum(h: highspy.Highs, sol=None) -> bool:
    """An LP optimum just solved by ``h`` (its ``getSolution()``, if already read, as
    ``sol``) is unique when every nonbasic column and row has a non-zero reduced cost
    (dual non-degeneracy)."""
    sol, basis = sol if sol is not None else h.getSolution(), h.getBasis()
    basic = highspy.HighsBasisStatus.kBasic
    cs = np.array([s != basic for s in basis.col_status], bool)
    rs = np.array([s != basic for s in basis.row_status], bool)
    cd = np.abs(np.asarray(sol.col_dual, float))
    rd = np.abs(np.asarray(sol.row_dual, float))
    t = 1e-9 * (1.0 + max(cd.max(initial=0.0), rd.max(initial=0.0)))
    return bool(np.all(cd[cs] > t) and np.all(rd[rs] > t))


def lp_certificate(cost, A, row_lo, row_hi, col_lo, col_hi, y, hessian=None, integer=None,
                   tol: float = 1e-6) -> dict:
    """Certificate of ``y`` for min cost y (+ 1/2 y'Hy) s.t. row_lo <= A y <= row_hi, bounds."""
    A = sp.csr_matrix(A)
    y = np.asarray(y, float)
    cost = np.asarray(cost, float)
    r = A @ y
    viol = max(float(np.maximum(np.asarray(row_lo) - r, 0).max(initial=0.0)),
               float(np.maximum(r - np.asarray(row_hi), 0).max(initial=0.0)),
               float(np.maximum(np.asarray(col_lo) - y, 0).max(initial=0.0)),
               float(np.maximum(y - np.asarray(col_hi), 0).max(initial=0.0)))
    H = None if hessian is None else sp.csr_matrix(hessian)
    fy = float(cost @ y + (0.5 * y @ (H @ y) if H is not None else 0.0))
    mip = integer is not None and np.any(integer)
    h = build_highs(cost, A, row_lo, row_hi, col_lo, col_hi, integer, H)
    h.run()
    status = STATUS_MAP.get(h.getModelStatus(), Status.SOLVER_FAILED)
    out = {"status": status.name, "primal_violation": viol, "follower_value": fy}
    if status != Status.OPTIMAL:
        return out
    info = h.getInfo()
    phi = float(info.objective_function_value)
    out.update(follower_optimum=phi, duality_gap=fy - phi)
    if mip:
        out.update(dual_violation=None, unique=None, ties=None,
                   mip_gap=float(info.mip_gap))
    else:
        out["dual_violation"] = float(max(info.max_dual_infeasibility, 0.0))
        if H is not None and H.nnz:
            unique = bool(np.linalg.eigvalsh(H.toarray()).min() > 1e-12)
        else:
            unique = unique_lp_optimum(h)
        out.update(unique=unique, ties=not unique)
    scale = 1.0 + np.abs(y).max(initial=0.0)
    out["optimal"] = bool(viol <= tol * scale and out["duality_gap"] <= tol * (1 + abs(phi)))
    return out
