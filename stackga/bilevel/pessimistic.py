"""The pessimistic bilevel problem as a single-level one: the KKT system of
:mod:`stackga.bilevel.kkt` plus, per follower, the optimality conditions of the
follower's worst choice for the leader.

With s = +1 for a minimising leader (-1 for a maximising one), the pessimistic leader
faces, for each follower k at x,

    y_k in argmax { s F(x, y) : y_k in S_k(x), coupling rows on y_k alone }

where S_k(x) is the follower's optimal set. If y_k is itself a follower optimum (its KKT
block is in the system), then phi_k(x) = c(x)'y_k (c(x) = d + M'x) and every optimum has
the same Q y, so

    S_k(x) = { y feasible for follower k : c(x)'y <= c(x)'y_k,  Q y = Q y_k }.

For a leader concave in y_k in its min sense (s Q_yy[k, k] negative semidefinite;
linear leaders always are) y_k maximises s F over that set iff, for some multipliers,

    -s (c_y,k + Q_xy,k' x + Q_yy,kk y_k) + B'a + t c(x) + Q w + b_hi - b_lo + G_k' g = 0
    a_i >= 0 on "<=" rows, <= 0 on ">=" rows, free on "="; t, b, g >= 0; w free
    a_i (slack of row i at y_k) = 0,  b (bound slacks) = 0,  g (coupling slacks) = 0

(the cut c(x)'y <= c(x)'y_k and Q y = Q y_k hold with equality at y_k: no complementarity).
Minimising s F over the whole system is then min_x of the pessimistic value, with the
followers' coupling rows held by their worst choice, as the GA's selection does
(:mod:`stackga.bilevel.response`). The term t c(x) = t d + t M'x is bilinear when the
leader's x enters the follower's cost (M != 0): only SCIP solves that system.

Where the pessimistic problem has no minimum (its value function is not lower
semicontinuous) the multipliers of points approaching the infimum grow without bound:
the big-M reference returns the best point with multipliers within its M and the audit
reports when larger Ms improve it.
"""
from __future__ import annotations

import numpy as np

from stackga.errors import InputError

from .kkt import KKTSystem, kkt_system
from .model import Bilevel

__all__ = ["check_pessimistic", "pessimistic_system", "pessimistic_value"]


def check_pessimistic(bl: Bilevel) -> list[np.ndarray]:
    """Refuse what the reformulation cannot state; return, per follower, the coupling rows
    on that follower's y alone."""
    s = 1.0 if bl.sense == "min" else -1.0
    own = []
    Gy = bl.G_y if bl.h is not None else np.zeros((0, bl.n_y))
    touches = np.array([[np.any(Gy[r, sl] != 0) for sl in bl.slices] for r in range(len(Gy))],
                       bool).reshape(len(Gy), len(bl.slices))
    if np.any(touches.sum(axis=1) > 1):
        r = int(np.argmax(touches.sum(axis=1) > 1))
        raise InputError(f"Bilevel {bl.name!r}: coupling row {r} links two followers' y; the "
                         f"pessimistic reference needs each coupling row on one follower at most")
    for k, sl in enumerate(bl.slices):
        Qk = s * bl.Q_yy[sl, sl]
        if np.any(Qk) and np.linalg.eigvalsh(Qk).max() > 1e-9 * (1 + np.abs(Qk).max()):
            raise InputError(f"Bilevel {bl.name!r}: the leader is not concave in follower {k}'s y "
                             f"(in its min sense); its pessimistic choice is then a nonconvex "
                             f"problem the reference does not state")
        rest = np.ones(bl.n_y, bool)
        rest[sl] = False
        if np.any(bl.Q_yy[sl][:, rest]):
            raise InputError(f"Bilevel {bl.name!r}: Q_yy links follower {k}'s y with another "
                             f"follower's; the pessimistic reference needs it block diagonal")
        own.append(np.flatnonzero(touches[:, k]))
    return own


def pessimistic_system(bl: Bilevel) -> KKTSystem:
    """The single-level system of the pessimistic problem (``KKTSystem.bilinear`` lists
    the t * x terms when some follower has M != 0)."""
    own = check_pessimistic(bl)
    K = kkt_system(bl)
    s = K.sign
    nx = bl.n_x
    new_cols: list[tuple[str, float, float]] = []          # (name, lo, hi)

    def col(name, lo, hi):
        new_cols.append((name, lo, hi))
        return K.n + len(new_cols) - 1
    eq_rows, eq_rhs, pairs, bilinear = [], [], [], []
    row_pairs: dict = {}                       # a multiplier's name -> its slack (sv, s0)
    for c, sv, s0 in K.pairs:
        row_pairs.setdefault(K.names[c], (sv, s0))
    for k, (f, sl) in enumerate(zip(bl.followers, bl.slices)):
        ys = np.arange(sl.start, sl.stop) + nx
        cols: dict = {}
        for i, sense in enumerate(f.sense):
            lo, hi = {"<=": (0.0, np.inf), ">=": (-np.inf, 0.0), "=": (-np.inf, np.inf)}[sense]
            cols[("a", i)] = col(f"a{k}[{i}]", lo, hi)
            if sense != "=":
                pairs.append((cols[("a", i)],) + row_pairs[f"lam{k}[{i}]"])
        cols["t"] = col(f"t{k}", 0.0, np.inf)
        q_rows = [r for r in range(f.n) if np.any(f.Q[r])]
        for r in q_rows:
            cols[("w", r)] = col(f"w{k}[{r}]", -np.inf, np.inf)
        for j in range(f.n):
            for kind, bound in (("b_lo", f.lb[j]), ("b_hi", f.ub[j])):
                if np.isfinite(bound):
                    cols[(kind, j)] = col(f"{kind}{k}[{j}]", 0.0, np.inf)
                    pairs.append((cols[(kind, j)],) + row_pairs[f"mu_{kind[2:]}{k}[{j}]"])
        for r in own[k]:
            cols[("g", r)] = col(f"g{k}[{r}]", 0.0, np.inf)
            sv = np.zeros(K.n)                             # slack h - G_x x - G_y y >= 0
            sv[:nx], sv[nx:nx + bl.n_y] = -bl.G_x[r], -bl.G_y[r]
            pairs.append((cols[("g", r)], sv, float(bl.h[r])))
        for j in range(f.n):                               # stationarity of the worst choice
            row = {}
            for i in range(nx):
                row[i] = -s * bl.Q_xy[i, sl.start + j]
            for jj in range(f.n):
                row[ys[jj]] = row.get(ys[jj], 0.0) - s * bl.Q_yy[sl.start + j, sl.start + jj]
            for i in range(len(f.b)):
                row[cols[("a", i)]] = f.B[i, j]
            row[cols["t"]] = f.d[j]
            for r in q_rows:
                row[cols[("w", r)]] = f.Q[r, j]
            if ("b_hi", j) in cols:
                row[cols[("b_hi", j)]] = 1.0
            if ("b_lo", j) in cols:
                row[cols[("b_lo", j)]] = -1.0
            for r in own[k]:
                row[cols[("g", r)]] = bl.G_y[r, sl.start + j]
            eq_rows.append(row)
            eq_rhs.append(s * bl.c_y[sl.start + j])
            for i in np.flatnonzero(f.M[:, j]):
                bilinear.append((len(eq_rows) - 1, cols["t"], int(i), float(f.M[i, j])))
    n = K.n + len(new_cols)
    pad = lambda A: np.hstack([A, np.zeros((len(A), n - K.n))])        # noqa: E731
    new_eq = np.zeros((len(eq_rows), n))
    for r, row in enumerate(eq_rows):
        for c, v in row.items():
            new_eq[r, c] += v
    base = len(K.A_eq)
    Q = np.zeros((n, n))
    Q[:K.n, :K.n] = K.obj_Q
    grow = lambda v: np.concatenate([v, np.zeros(n - K.n)])             # noqa: E731
    return KKTSystem(
        n, K.n_x, K.n_y, np.vstack([pad(K.A_eq), new_eq]), np.concatenate([K.b_eq, eq_rhs]),
        pad(K.A_in), K.b_in,
        np.concatenate([K.lo, [c[1] for c in new_cols]]),
        np.concatenate([K.hi, [c[2] for c in new_cols]]),
        [(c, grow(sv), s0) for c, sv, s0 in K.pairs + pairs], grow(K.obj_c), Q, K.sign,
        K.names + [c[0] for c in new_cols],
        bilinear=[(base + r, a, b, v) for r, a, b, v in bilinear])


def pessimistic_value(bl: Bilevel, x: np.ndarray, tol: float = 1e-6) -> float | None:
    """The leader's value at x (n_x,) with every follower's worst optimum for it (the GA's
    own batched selection, independent of the KKT system); None if a follower cannot
    answer or the worst choices break a coupling row (by more than ``tol``)."""
    from .response import MatrixFollower
    x = np.asarray(x, float)
    y = np.zeros(bl.n_y)
    for k, sl in enumerate(bl.slices):
        r = MatrixFollower(bl, k).respond(x[None])
        if r.status[0] != 0:
            return None
        y[sl] = r.arrays["y"][0]
    if bl.h is not None and np.any(bl.G_x @ x + bl.G_y @ y - bl.h > tol * (1 + np.abs(bl.h))):
        return None
    return float(bl.value(x, y)[0])
