"""Minimal HiGHS interface: one LP/MILP/QP in matrix form -> status and solution.

A fresh ``highspy.Highs`` is created per call and never stored, so followers
stay picklable and a result never depends on what was solved before it
(see ENGINEERING.md: hot starts returned non-optimal answers on ~1% of price
vectors). Used for the battery's MILP fallback and the single-level scenarios.
"""
from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from ..response import Status

__all__ = ["build_highs", "solve_highs", "STATUS_MAP"]

#: HiGHS model status -> follower status; anything not listed is SOLVER_FAILED.
STATUS_MAP = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Status.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Status.UNBOUNDED,
}


def build_highs(cost, A, row_lo, row_hi, col_lo, col_hi, integer=None, hessian=None,
                options: dict | None = None) -> highspy.Highs:
    """A fresh, quiet, deterministic ``highspy.Highs`` holding min cost x (+ x'Hx/2) s.t.
    row_lo <= A x <= row_hi and the column bounds (``integer`` marks integer columns)."""
    A = sp.csc_matrix(A)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_, lp.col_upper_ = np.asarray(col_lo, float), np.asarray(col_hi, float)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lo, float), np.asarray(row_hi, float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    if integer is not None and np.any(integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    for k, v in (options or {}).items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    if hessian is not None and sp.csc_matrix(hessian).nnz:
        H = sp.csc_matrix(sp.tril(hessian))  # HiGHS: lower triangle, column-wise
        h.passHessian(H.shape[0], H.nnz, int(highspy.HessianFormat.kTriangular),
                      H.indptr.astype(np.int32), H.indices.astype(np.int32), H.data)
    return h


def solve_highs(
    cost: np.ndarray,
    A: sp.spmatrix,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    integer: np.ndarray | None = None,
    hessian: sp.spmatrix | None = None,
    mip_rel_gap: float = 1e-9,
    row_duals: bool = False,
    options: dict | None = None,
    trace: list | None = None,
) -> tuple:
    """Minimise ``cost @ x (+ x'Hx/2)`` s.t. ``row_lo <= A x <= row_hi``, bounds.

    Returns (status, x (n_col,), objective); x is zeros unless OPTIMAL. With
    ``row_duals`` also the rows' duals (n_row,), HiGHS's sign: d objective / d row bound.
    ``options``: further HiGHS options (name -> value). ``trace``: a list that receives
    (seconds, incumbent, bound) whenever a MIP improves its incumbent or logs progress.
    """
    n_row, n_col = np.shape(A)
    h = build_highs(cost, A, row_lo, row_hi, col_lo, col_hi, integer, hessian,
                    {"mip_rel_gap": mip_rel_gap, **(options or {})})
    if trace is not None:
        def record(e):
            d = e.data_out
            trace.append((float(d.running_time), float(d.mip_primal_bound), float(d.mip_dual_bound)))
        h.cbMipImprovingSolution.subscribe(record)
        h.cbMipLogging.subscribe(record)
    h.run()
    status = STATUS_MAP.get(h.getModelStatus(), Status.SOLVER_FAILED)
    if status != Status.OPTIMAL:
        out = (status, np.zeros(n_col), 0.0)
        return out + (np.zeros(n_row),) if row_duals else out
    sol = h.getSolution()
    out = (status, np.asarray(sol.col_value, float), float(h.getInfo().objective_function_value))
    return out + (np.asarray(sol.row_dual, float),) if row_duals else out
