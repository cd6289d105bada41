"""Exact Euclidean projection onto the leader's feasible set {lb <= x <= ub, A x <= b}.

Used as the GA's repair: an individual already in the set is returned
unchanged (bit for bit); any other is replaced by the nearest point of the set.

* one linear row (the island's average-price cap), or several rows on disjoint sets of
  variables (e.g. one per hour): x* = clip(x - mu_row(i) a_i, lb, ub) with one
  multiplier mu >= 0 per row, found by bisection on the monotone function a . x*(mu),
  for every (individual, row) at once (the rows separate), to machine precision,
  keeping the feasible side of the bracket;
* other rows: a small convex QP per violating individual (HiGHS).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from followers.highs_model import solve_highs

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
            raise ValueError("projection: {lb <= x <= ub, A x <= b} is empty")
    for _ in range(200):
        mid = np.where(viol, 0.5 * (lo + hi), 0.0)
        if np.all((mid == lo) | (mid == hi)):
            break
        feas = at(mid) @ A.T <= b
        hi = np.where(viol & feas, mid, hi)
        lo = np.where(viol & ~feas, mid, lo)
    return at(hi)


def _project_qp(x, lb, ub, A, b):
    n = len(x)
    status, y, _ = solve_highs(-2 * x, sp.csr_matrix(A), np.full(len(b), -np.inf), b, lb, ub,
                               hessian=2 * sp.identity(n))
    if status != 0:
        raise ValueError("projection: {lb <= x <= ub, A x <= b} is empty")
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
        out[todo] = np.array([_project_qp(x, lb, ub, A, b) for x in X[todo]])
    return out
