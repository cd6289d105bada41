"""A certificate for a follower's response: is y optimal for follower k at x, and is it
the only optimum?

Computed independently of how y was found: the follower's problem at x is solved afresh
(HiGHS, from scratch), and

* ``primal_violation``: the largest violation of the follower's rows and bounds by y;
* ``dual_violation``: HiGHS's largest dual infeasibility at its optimum (the duals
  certify the optimum value phi*);
* ``duality_gap``: f(y) - phi*, the follower's objective at y above its certified
  optimum (>= 0 up to tolerances; 0 means y is optimal);
* ``unique``: whether the follower's optimum is unique, decided by solving the
  leader's objective in both directions over the follower's optimal set
  {feasible, f <= phi* + tol}: ``F_optimistic`` and ``F_pessimistic`` are the leader's
  best and worst values there (equal when the optimum is unique or the leader does not
  care which optimum; then ``ties`` is False).
"""
from __future__ import annotations

import dataclasses

import highspy
import numpy as np

from stackga.followers.backends.highs import run
from stackga.followers.certify.certificate import Certificate
from stackga.followers.response import Status

from .model import Bilevel
from .response import MatrixFollower

__all__ = ["follower_certificate"]


def follower_certificate(bl: Bilevel, k: int, x: np.ndarray, y_all: np.ndarray,
                         tol: float = 1e-6) -> Certificate:
    """Certificate of follower ``k``'s part of ``y_all`` (n_y,) at ``x`` (n_x,)."""
    f, sl = bl.followers[k], bl.slices[k]
    x, y_all = np.asarray(x, float), np.asarray(y_all, float)
    y = y_all[sl]
    r = f.B @ y - (f.b - f.A @ x)
    sense = np.array(f.sense)
    viol = np.where(sense == "<=", np.maximum(r, 0), np.where(sense == ">=", np.maximum(-r, 0), np.abs(r)))
    viol = max(float(viol.max(initial=0.0)), float(np.maximum(f.lb - y, 0).max(initial=0.0)),
               float(np.maximum(y - f.ub, 0).max(initial=0.0)))
    cost = f.d + x @ f.M
    fy = float(cost @ y + 0.5 * y @ f.Q @ y)
    fresh = MatrixFollower(bl, k)
    h = fresh._model("follower")
    n, m = f.n, len(f.b)
    lo, hi = fresh.bounds_of(f.b - f.A @ x)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.changeRowsBounds(m, np.arange(m, dtype=np.int32), lo, hi)  # type: ignore[attr-defined]  # highspy's stub lacks it
    h.clearSolver()
    run(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return Certificate(status=Status(fresh._run(h)).name, primal_violation=viol)
    info = h.getInfo()
    phi = float(info.objective_function_value)
    out = Certificate(status="OPTIMAL", primal_violation=viol,
                      dual_violation=float(max(info.max_dual_infeasibility, 0.0)),
                      duality_gap=fy - phi, follower_value=fy, follower_optimum=phi)
    # the leader's best and worst over the follower's optima (F with the other followers'
    # parts and x held at the reported point)
    vals = []
    for sel in ("optimistic", "pessimistic"):
        g = dataclasses.replace(bl, selection=sel)
        ys = MatrixFollower(g, k).respond(x[None]).arrays["y"][0]
        full = y_all.copy()
        full[sl] = ys
        vals.append(float(bl.value(x, full)[0]))
    out.F_optimistic, out.F_pessimistic = vals
    out.ties = abs(vals[0] - vals[1]) > tol * (1 + abs(vals[0]))
    out.optimal = bool(viol <= tol * (1 + np.abs(y).max(initial=0)) and fy - phi <= tol * (1 + abs(phi)))
    return out
