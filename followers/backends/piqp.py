"""PIQP (a sparse interior-point QP solver) behind the one status map of the backends:

    min  x'Hx/2 + c'x   s.t.  A_eq x = b_eq,  lo <= A_in x <= hi,  x_lo <= x <= x_hi

solved by a fresh solver at tight tolerances with its duality gap checked, under an
iteration limit (reaching it is :attr:`Status.LIMIT`, never a hang). PIQP's statuses map to
:class:`~stackga.followers.response.Status` like HiGHS's (:mod:`.highs`).
"""
from __future__ import annotations

import numpy as np
import piqp
import scipy.sparse as sp

from ..response import Status

__all__ = ["solve_piqp", "STATUS_MAP", "MAX_ITER"]

MAX_ITER = 250          # interior-point iterations (PIQP's default, stated)

STATUS_MAP = {
    piqp.PIQP_SOLVED: Status.OPTIMAL,
    piqp.PIQP_MAX_ITER_REACHED: Status.LIMIT,
    piqp.PIQP_PRIMAL_INFEASIBLE: Status.INFEASIBLE,
    piqp.PIQP_DUAL_INFEASIBLE: Status.UNBOUNDED,
}


def _canonical(M: sp.csc_matrix) -> sp.csc_matrix:
    """M with duplicates summed and sorted indices (PIQP misreads other CSC layouts: a
    product B'B from scipy came back with unsorted indices and PIQP solved another QP)."""
    M = M.copy()
    M.sum_duplicates()
    M.sort_indices()
    return M


def solve_piqp(H, c, A_eq, b_eq, A_in, lo, hi, x_lo, x_hi, gap_rel: float = 1e-9
               ) -> tuple[Status, np.ndarray | None]:
    """(status, x) with x only where OPTIMAL and the primal-dual gap is within ``gap_rel``
    of the objective (a bound on the distance to the optimum by weak duality; else
    SOLVER_FAILED)."""
    H = _canonical(sp.triu(H, format="csc"))        # PIQP reads P's upper triangle
    A_eq, A_in = _canonical(sp.csc_matrix(A_eq)), _canonical(sp.csc_matrix(A_in))
    s = piqp.SparseSolver()
    s.settings.eps_abs, s.settings.eps_rel = 1e-10, 1e-12
    s.settings.check_duality_gap = True
    s.settings.eps_duality_gap_abs, s.settings.eps_duality_gap_rel = 1e-9, 1e-11
    s.settings.max_iter = MAX_ITER
    s.setup(H, c, A_eq, b_eq, A_in, lo, hi, x_lo, x_hi)
    status = STATUS_MAP.get(s.solve(), Status.SOLVER_FAILED)
    if status != Status.OPTIMAL:
        return status, None
    info = s.result.info
    if abs(info.primal_obj - info.dual_obj) > gap_rel * (1.0 + abs(info.primal_obj)):
        return Status.SOLVER_FAILED, None
    return status, np.asarray(s.result.x, float)
