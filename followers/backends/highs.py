"""Minimal HiGHS interface: one LP/MILP/QP in matrix form -> status and solution.

A fresh ``highspy.Highs`` is created per call and never stored, so followers
stay picklable and a result never depends on what was solved before it
(see ENGINEERING.md: hot starts returned non-optimal answers on ~1% of price
vectors). Used for the battery's MILP fallback and the single-level scenarios.

Every model is built with limits (:data:`LIMITS`, :func:`quiet_highs`): a time limit and
iteration limits for the simplex, the interior point and the QP solver (HiGHS's QP
solver was seen cycling, 767,692 iterations in 5 s on an 8-variable QP). Reaching one is
the status ``LIMIT``, never a hang. "Unbounded or infeasible" (HiGHS's presolve cannot
tell) is settled by one re-solve without presolve (:func:`run`); if still undecided it
is its own status, never INFEASIBLE. What the QP solver prints on the C stdout despite
``output_flag`` off is captured and counted (:mod:`.c_output`).

A QP's "optimal" answer is checked against its rows and bounds (:data:`QP_FEAS_TOL` of
its largest entry) before it is returned: HiGHS's QP solver was seen to call optimal a
point 28 MWh off a follower's energy balance (after printing "error" lines: an
inconsistent basis). One that breaks them comes back ``SOLVER_FAILED``, counted in
:data:`QP_REJECTED`.
"""
from __future__ import annotations

import os
import sys
import threading

import highspy
import numpy as np
import scipy.sparse as sp

from ..response import Status
from .c_output import captured

__all__ = ["build_highs", "solve_highs", "quiet_highs", "run", "violation", "LIMITS", "STATUS_MAP",
           "QP_FEAS_TOL", "QP_REJECTED"]

_M = highspy.HighsModelStatus
#: HiGHS model status -> follower status; anything not listed is SOLVER_FAILED.
STATUS_MAP = {
    _M.kOptimal: Status.OPTIMAL,
    _M.kInfeasible: Status.INFEASIBLE,
    _M.kUnboundedOrInfeasible: Status.UNBOUNDED_OR_INFEASIBLE,
    _M.kUnbounded: Status.UNBOUNDED,
    _M.kTimeLimit: Status.LIMIT,
    _M.kIterationLimit: Status.LIMIT,
    _M.kSolutionLimit: Status.LIMIT,
    _M.kInterrupt: Status.LIMIT,
}

#: default limits of every HiGHS model built here (options may override them per call)
LIMITS = {
    "time_limit": 60.0,                     # s
    "simplex_iteration_limit": 1_000_000,
    "ipm_iteration_limit": 10_000,
    "qp_iteration_limit": 100_000,
}


#: relative feasibility (of the answer's largest entry) a QP's answer must meet
QP_FEAS_TOL = 1e-7
#: QP answers called optimal by HiGHS and refused for breaking their rows or bounds
QP_REJECTED = {"count": 0}


def violation(A, row_lo, row_hi, col_lo, col_hi, x) -> float:
    """The largest violation of row_lo <= A x <= row_hi and col_lo <= x <= col_hi."""
    r = A @ x
    return float(max(np.max(np.asarray(row_lo) - r, initial=0.0), np.max(r - np.asarray(row_hi), initial=0.0),
                     np.max(np.asarray(col_lo) - x, initial=0.0), np.max(x - np.asarray(col_hi), initial=0.0)))


_BANNER = {"done": False}
_BANNER_LOCK = threading.Lock()


def _new_highs() -> highspy.Highs:
    """``highspy.Highs()``; the first one of the process prints HiGHS's banner on the C
    stdout before any option can be set, so that one is made with fd 1 on /dev/null."""
    if _BANNER["done"]:
        return highspy.Highs()
    with _BANNER_LOCK:
        if _BANNER["done"]:
            return highspy.Highs()
        sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
        _BANNER["done"] = True
        return h


def quiet_highs(options: dict | None = None) -> highspy.Highs:
    """A fresh, quiet, deterministic ``highspy.Highs`` with :data:`LIMITS` (then
    ``options``) set; HiGHS prints nothing."""
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    # "threads" is left at HiGHS's default: HiGHS has one thread scheduler per process, and
    # a model asking for another thread count than the one it was started with fails
    # (kError, no solve), e.g. after a user's own HiGHS model ran first
    for k, v in {**LIMITS, **(options or {})}.items():
        h.setOptionValue(k, v)
    return h


def run(h: highspy.Highs, time_limit: float | None = None) -> Status:
    """Run ``h`` and map its model status; "unbounded or infeasible" is re-solved once
    without presolve, which tells them apart (the model keeps presolve off after).

    ``time_limit``: seconds for this run. Give it for a model that is re-solved: HiGHS's
    clock runs on across a model's runs and its time limit counts from the model's first
    run (a persistent model with a 10 s limit stopped every solve after 10 s of solving in
    all), so the limit is moved to this run's start plus ``time_limit``."""
    if time_limit is not None:
        h.setOptionValue("time_limit", h.getRunTime() + float(time_limit))
    h.run()
    status = STATUS_MAP.get(h.getModelStatus(), Status.SOLVER_FAILED)
    if status == Status.UNBOUNDED_OR_INFEASIBLE:
        h.setOptionValue("presolve", "off")
        h.clearSolver()
        if time_limit is not None:
            h.setOptionValue("time_limit", h.getRunTime() + float(time_limit))
        h.run()
        status = STATUS_MAP.get(h.getModelStatus(), Status.SOLVER_FAILED)
    return status


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
    h = quiet_highs(options)
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
    if hessian is not None:                  # the QP solver's printf: captured and counted
        with captured():
            status = run(h)
    else:
        status = run(h)
    if status != Status.OPTIMAL:
        out = (status, np.zeros(n_col), 0.0)
        return out + (np.zeros(n_row),) if row_duals else out
    sol = h.getSolution()
    x = np.asarray(sol.col_value, float)
    if hessian is not None and violation(sp.csr_matrix(A), row_lo, row_hi, col_lo, col_hi, x) > \
            QP_FEAS_TOL * (1.0 + np.abs(x).max(initial=0.0)):
        QP_REJECTED["count"] += 1                  # an "optimal" QP answer off its rows
        out = (Status.SOLVER_FAILED, np.zeros(n_col), 0.0)
        return out + (np.zeros(n_row),) if row_duals else out
    out = (status, x, float(h.getInfo().objective_function_value))
    return out + (np.asarray(sol.row_dual, float),) if row_duals else out
