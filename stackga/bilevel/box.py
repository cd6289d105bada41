"""The leader's rows and box as the GA needs them.

The GA samples a finite box, but many bilevel problems bound x only through their rows:
the leader's own (A_x x <= b_x, E_x x = e_x), and followers' rows in x alone (a row with no
y, A_k x (<=, =, >=) b_k: the follower has no feasible answer where x breaks it, so it is a
constraint on x, accepted as stated). :func:`x_rows` gathers them as A x <= b;
:func:`leader_box` derives the box they imply where x_lb / x_ub are infinite (one LP per
open side: min and max of x_j over the rows and the known bounds) and names every
variable they leave unbounded.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from stackga.errors import InputError

from .model import Bilevel

__all__ = ["x_rows", "leader_box", "BOX_TOL"]

BOX_TOL = 1e-9      # relative: a derived side is widened by this past the LP's optimum


def x_rows(bl: Bilevel) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(A (m, n_x), b (m,)) with every constraint on x alone as A x <= b, or (None, None)."""
    rows: list = []
    rhs: list = []
    if bl.A_x is not None:
        rows.append(bl.A_x)
        rhs.append(bl.b_x)
    if bl.E_x is not None:
        rows += [bl.E_x, -bl.E_x]
        rhs += [bl.e_x, -bl.e_x]
    for f in bl.followers:
        alone = ~np.any(f.B != 0, axis=1)
        for i in np.flatnonzero(alone):
            s = f.sense[i]
            if s in ("<=", "="):
                rows.append(f.A[i][None])
                rhs.append([f.b[i]])
            if s in (">=", "="):
                rows.append(-f.A[i][None])
                rhs.append([-f.b[i]])
    if bl.h is not None:                          # coupling rows with no y
        alone = ~np.any(bl.G_y != 0, axis=1)
        if alone.any():
            rows.append(bl.G_x[alone])
            rhs.append(bl.h[alone])
    if not rows:
        return None, None
    return np.vstack(rows), np.concatenate([np.asarray(r, float) for r in rhs])


def leader_box(bl: Bilevel) -> tuple[np.ndarray, np.ndarray]:
    """(lb, ub) (n_x,): x_lb and x_ub with each infinite side replaced by the extreme of
    x_j over :func:`x_rows` and the finite bounds. InputError naming the variables that
    stay unbounded (or the rows, if they leave no x at all)."""
    lb, ub = np.array(bl.x_lb, float), np.array(bl.x_ub, float)
    if np.all(np.isfinite(lb)) and np.all(np.isfinite(ub)):
        return lb, ub
    A, b = x_rows(bl)
    open_ = []
    bounds = list(zip(np.where(np.isfinite(lb), lb, None), np.where(np.isfinite(ub), ub, None)))
    for j in range(len(lb)):
        for side, sign in (("lower", 1.0), ("upper", -1.0)):
            if np.isfinite(lb[j] if side == "lower" else ub[j]):
                continue
            if A is None:
                open_.append(f"x[{j}] ({side})")
                continue
            c = np.zeros(len(lb))
            c[j] = sign
            r = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
            if r.status == 2:
                raise InputError(f"Bilevel {bl.name!r}: no x satisfies the leader's rows, the "
                                 f"followers' rows in x alone and the bounds together")
            if r.status != 0:
                open_.append(f"x[{j}] ({side})")
            elif side == "lower":                 # widened past the LP's rounding
                lb[j] = r.x[j] - BOX_TOL * (1.0 + abs(r.x[j]))
            else:
                ub[j] = r.x[j] + BOX_TOL * (1.0 + abs(r.x[j]))
    if open_:
        raise InputError(f"Bilevel {bl.name!r}: the GA needs a finite box on x, and its rows "
                         f"leave {', '.join(open_)} unbounded; give x_lb / x_ub for them")
    return lb, ub
