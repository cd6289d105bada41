"""Exact Euclidean projection onto the leader's feasible set {lb <= x <= ub, A x <= b}.

Used as the GA's repair: an individual already in the set is returned
unchanged (bit for bit); any other is replaced by the nearest point of the set.

* one linear row (the island's average-price cap), or several rows on disjoint sets of
  variables (e.g. one per hour): x* = clip(x - mu_row(i) a_i, lb, ub) with one
  multiplier mu >= 0 per row, found by bisection on the monotone function a . x*(mu),
  for every (individual, row) at once (the rows separate), to machine precision,
  keeping the feasible side of the bracket;
* other rows (e.g. the eva case's 26 coupled rows): the compiled dual active-set method
  (:mod:`stackga.followers.kernels.qp_dual`, Goldfarb-Idnani) for every violating individual in one call,
  started from the box clip (a dual-feasible set: the clipped bounds' multipliers are >= 0)
  and verified against the KKT conditions; an individual it cannot certify is solved by
  HiGHS's QP instead.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from stackga.errors import InputError
from stackga.followers.backends.highs import solve_highs
from stackga.followers.kernels.qp_dual import OPTIMAL, solve_rows

__all__ = ["project", "is_feasible"]

TOL = 1e-9


def is_feasible(X, lb, ub, A, b, tol: float = TOL) -> np.ndarray:
    """(n,) True where the row is inside the box and satisfies A x <= b (+tol)."""
    ok = np.all((X >= lb) & (X <= ub), axis=1)
    if A is not None and len(b):
        ok &= np.all(X @ A.T <= b + tol * (1 + np.abs(b)), axis=1)
    return ok


def _project_separable(X, lb, ub, A, b):
    """Rows of A on disjoint variables: x*(mu) = clip(x - mu_row(i) a_i, lb, ub) with one
    multiplier per row, found for every (individual, row) at once by bisection."""
    has = A != 0
    row = np.argmax(has, axis=0)                     # each variable's row (0 if in none)
    a = A[row, np.arange(A.shape[1])] * has.any(axis=0)

    def at(mu):
        return np.clip(X - mu[:, row] * a, lb, ub)
    lo = np.zeros((len(X), len(b)))
    slack = b + TOL * (1 + np.abs(b))                # the tolerance of is_feasible
    viol = at(lo) @ A.T > slack
    hi = viol.astype(float)
    while True:                                      # grow each bracket until feasible
        over = (at(hi) @ A.T > b) & viol
        if not over.any():
            break
        hi = np.where(over, hi * 2, hi)
        if np.any(hi > 1e300):
            if np.all(at(hi) @ A.T <= slack):          # feasible within the tolerance
                break
            raise InputError("projection: {lb <= x <= ub, A x <= b} is empty")
    for _ in range(200):
        mid = np.where(viol, 0.5 * (lo + hi), 0.0)
        if np.all((mid == lo) | (mid == hi)):
            break
        feas = at(mid) @ A.T <= b
        hi = np.where(viol & feas, mid, hi)
        lo = np.where(viol & ~feas, mid, lo)
    return at(hi)


def _project_dual(X, lb, ub, ptr, col, val, b):
    """min 1/2 |y - x|^2 over the set for every row x of X (n, n_var) -> (Y, code (n,)):
    the dual active-set method from the clip (clipped bounds held, multipliers >= 0),
    :func:`stackga.followers.kernels.qp_dual.solve_rows` with h = 1 and q = -x."""
    n, nv = X.shape
    m = len(b)
    Y, code = np.empty_like(X), np.zeros(n, np.int64)
    solve_rows(np.ones(nv), np.ascontiguousarray(-X), lb, ub, ptr, col, val,
               np.ascontiguousarray(np.broadcast_to(b, (n, m))), 50 * (nv + m), 1e-12, 0.0, Y, code)
    return Y, code


def _project_qp(x, lb, ub, A, b):
    n = len(x)
    status, y, _ = solve_highs(-2 * x, sp.csr_matrix(A), np.full(len(b), -np.inf), b, lb, ub,
                               hessian=2 * sp.identity(n))
    if status != 0:
        raise InputError("projection: {lb <= x <= ub, A x <= b} is empty")
    return np.clip(y, lb, ub)


def project(X: np.ndarray, lb: np.ndarray, ub: np.ndarray, A=None, b=None) -> np.ndarray:
    """Project every row of ``X`` (n, n_var) onto the feasible set; feasible rows unchanged."""
    X = np.asarray(X, dtype=float)
    out = X.copy()
    todo = ~is_feasible(X, lb, ub, A, b if b is not None else np.zeros(0))
    if not todo.any():
        return out
    if A is None or len(b) == 0:
        out[todo] = np.clip(X[todo], lb, ub)
    elif np.all((A != 0).sum(axis=0) <= 1):            # one row, or rows on disjoint variables
        out[todo] = _project_separable(X[todo], lb, ub, A, b)
    else:
        R = sp.csr_matrix(A)
        Y, code = _project_dual(np.ascontiguousarray(X[todo]), np.asarray(lb, float),
                                np.asarray(ub, float), R.indptr.astype(np.int64),
                                R.indices.astype(np.int64), R.data.astype(float),
                                np.asarray(b, float))
        Y = np.clip(Y, lb, ub)
        bad = (code != OPTIMAL) | ~is_feasible(Y, lb, ub, A, b)
        Y[bad] = np.array([_project_qp(x, lb, ub, A, b) for x in X[todo][bad]]).reshape(-1, X.shape[1])
        out[todo] = Y
    return out
