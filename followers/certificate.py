"""A certificate for one follower's answer, computed independently of how it was found:
the follower's problem, stated as an LP/QP (MILP) in matrix form at the reported prices,
solved afresh by HiGHS.

    primal_violation  the largest violation of the rows and bounds by the answer y
    duality_gap       f(y) - f*: the answer's objective above the certified optimum
                      (for a MILP: above HiGHS's proven optimum, within its gap)
    dual_violation    HiGHS's largest dual infeasibility at its optimum (LP/QP)
    unique            whether the optimum is unique: a strictly convex QP; a QP with a
                      singular Hessian whose optimal set {feasible, H y = H y*, cost'y =
                      cost'y*} is a point (a random direction minimised and maximised over
                      it, two LPs); an LP whose duals are non-degenerate (every nonbasic
                      reduced cost non-zero); ``ties`` is its negation (then the leader's
                      value may depend on the follower's tie-break)
    optimal           primal_violation and duality_gap within ``tol`` (relative)
"""
from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from .highs_model import STATUS_MAP, build_highs
from .response import Status

__all__ = ["lp_certificate", "combine", "unique_lp_optimum", "unique_qp_optimum"]


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


def unique_qp_optimum(cost, A, row_lo, row_hi, col_lo, col_hi, H, y_opt, tol: float = 1e-7) -> bool:
    """A convex QP's optimal set is {feasible y: H y = H y*, cost'y = cost'y*} (every
    optimum has the same H y and linear cost); it is a point when a random direction's
    minimum and maximum over it (within ``tol``, relative) coincide."""
    H, A = sp.csr_matrix(H), sp.csr_matrix(A)
    Hy, cy = H @ y_opt, float(cost @ y_opt)
    scale = 1.0 + np.abs(y_opt).max(initial=0.0)
    band = tol * (1.0 + np.abs(Hy))
    rows = sp.vstack([A, H, sp.csr_matrix(np.asarray(cost, float)[None])]).tocsr()
    lo = np.concatenate([row_lo, Hy - band, [-np.inf]])
    hi = np.concatenate([row_hi, Hy + band, [cy + tol * (1.0 + abs(cy))]])
    w = np.random.default_rng(0).normal(size=len(y_opt))
    ends = []
    for sign in (1.0, -1.0):
        h = build_highs(sign * w, rows, lo, hi, col_lo, col_hi)
        h.run()
        if STATUS_MAP.get(h.getModelStatus()) != Status.OPTIMAL:
            return False                       # cannot tell: report a possible tie
        ends.append(sign * float(h.getInfo().objective_function_value))
    return ends[1] - ends[0] <= 1e-5 * scale * np.abs(w).sum()


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
            unique = bool(np.linalg.eigvalsh(H.toarray()).min() > 1e-12) or unique_qp_optimum(
                cost, A, row_lo, row_hi, col_lo, col_hi, H, np.asarray(h.getSolution().col_value))
        else:
            unique = unique_lp_optimum(h)
        out.update(unique=unique, ties=not unique)
    scale = 1.0 + np.abs(y).max(initial=0.0)
    out["optimal"] = bool(viol <= tol * scale and out["duality_gap"] <= tol * (1 + abs(phi)))
    return out


def combine(parts: dict[str, dict], not_covered: list | None = None) -> dict:
    """One certificate of a follower made of parts (name -> certificate): ``optimal`` when
    every part is, the worst primal violation, the summed duality gap, ``ties`` when any
    part has them; the parts under ``parts``, units without a certificate in
    ``not_covered``."""
    gaps = [c.get("duality_gap") for c in parts.values()]
    return {"optimal": all(c.get("optimal", False) for c in parts.values()),
            "primal_violation": max((c.get("primal_violation", 0.0) for c in parts.values()),
                                    default=0.0),
            "duality_gap": float(sum(g for g in gaps if g is not None)),
            "ties": any(bool(c.get("ties")) for c in parts.values()),
            "parts": parts, "not_covered": list(not_covered or [])}
