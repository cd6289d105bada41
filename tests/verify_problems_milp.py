"""Brute-force verification of stackga/bilevel/problems/published_milp.py, independent of stackga's solvers.

Run:  python tests/verify_problems_milp.py        (a few minutes; exit status 0 when all agree)

Uses only the Bilevel/Follower data classes and Bilevel.value from stackga.bilevel; every
optimisation is done here with scipy.optimize (milp, linprog; HiGHS).

* Optimistic MILP followers (PROBLEMS_MILP, PROBLEMS_MILP_NOT_ATTAINED): enumerate the
  integer leader points of the box (continuous components on a grid, then refined 8 times
  around the best point); at each x solve the follower (milp: phi(x)), then among its
  optima pick the best for the leader within the coupling rows (a second milp with the
  follower's objective <= phi(x) + 1e-9 (1 + |phi|)).  The minimum over x is compared with
  the reported F; where a box was added the search is repeated on a wider box.
* Pessimistic LP followers (PROBLEMS_PESSIMISTIC): F_pess(x) = leader value at the worst y
  (in the leader's sense) over {feasible, follower objective <= phi(x) + tiny} (two linprog
  calls), minimised over a dense grid of x (dimension 1-2) refined 8 times around the best
  point.  Next to a tie the tolerance alone lets the worst case move by O(sqrt(tiny)),
  which biases an infimum approached at a tie (bard_1991_ex1_pess: 2.00023 instead of 2);
  the first LP's duals are therefore used to fix the variables and rows that complementary
  slackness puts at a bound / tight (the same optimal set in exact arithmetic).  The
  tolerance-only search is printed too, with the optimistic value for comparison.
* At the reported x: the value of the selection there, and whether the reported y is a
  response giving it ("attained: yes"); "no" means the reported point is only the limit.

One line per problem: name, class, reported F, verified F and where, F at the reported x,
attained?, OK or DISCREPANCY (verified F differs from the reported one by more than 1e-6
relative), and the extra checks.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stackga.bilevel.problems.published_milp import (  # noqa: E402
    NOT_ATTAINED,
    PROBLEMS_MILP,
    PROBLEMS_MILP_NOT_ATTAINED,
    PROBLEMS_PESSIMISTIC,
)

TOL = 1e-6                 # reported vs verified F
MILP_OPTS = {"mip_rel_gap": 0.0, "disp": False}


def tiny(phi):
    return 1e-9 * (1.0 + abs(phi))


# --------------------------------------------------------------------------- the game at x

def leader_x_ok(P, x):
    if np.any(x < P.x_lb - 1e-9) or np.any(x > P.x_ub + 1e-9):
        return False
    if P.A_x is not None and np.any(P.A_x @ x > P.b_x + 1e-9):
        return False
    if P.E_x is not None and np.any(np.abs(P.E_x @ x - P.e_x) > 1e-9):
        return False
    return True


def follower_rows(f, x):
    """B y in [lo, hi] for the follower's rows at x."""
    rhs = f.b - f.A @ x
    lo = np.array([-np.inf if s == "<=" else r for s, r in zip(f.sense, rhs)])
    hi = np.array([np.inf if s == ">=" else r for s, r in zip(f.sense, rhs)])
    return f.B, lo, hi


def leader_y_coef(P, x):
    """The leader's objective is linear in y at fixed x (Q_yy = 0): c_y + Q_xy' x."""
    assert not np.any(P.Q_yy), "verification assumes Q_yy = 0"
    return P.c_y + P.Q_xy.T @ x


def response_milp(P, x, worst=False, coupling=True):
    """Optimistic (or worst) follower response at x by two milp calls.
    Returns (F, y, phi) or None when the follower is infeasible or no optimal y satisfies
    the coupling rows."""
    assert len(P.followers) == 1, "verification handles one follower"
    f = P.followers[0]
    assert not np.any(f.Q), "MILP followers must have Q = 0"
    cf = f.d + f.M.T @ x
    B, lo, hi = follower_rows(f, x)
    cons = [LinearConstraint(B, lo, hi)] if B.shape[0] else []
    bounds = Bounds(f.lb, f.ub)
    integ = f.integer.astype(int)
    r = milp(cf, constraints=cons, integrality=integ, bounds=bounds, options=MILP_OPTS)
    if r.status == 3 or (r.status != 0 and r.status != 2):
        raise RuntimeError(f"{P.name}: follower milp status {r.status} at x = {x}: {r.message}")
    if r.status == 2:
        return None
    phi = r.fun
    g = leader_y_coef(P, x)
    sign = 1.0 if (P.sense == "min") != worst else -1.0      # minimise sign * g y
    cons2 = cons + [LinearConstraint(cf[None, :], -np.inf, phi + tiny(phi))]
    if coupling and P.h is not None:
        cons2.append(LinearConstraint(P.G_y, -np.inf, P.h - P.G_x @ x))
    r2 = milp(sign * g, constraints=cons2, integrality=integ, bounds=bounds, options=MILP_OPTS)
    if r2.status == 2 and not (coupling and P.h is not None):
        for loose in (1e-7, 1e-6):      # no coupling: the face cannot be empty, only numerics
            cons2[len(cons)] = LinearConstraint(cf[None, :], -np.inf, phi + loose * (1 + abs(phi)))
            r2 = milp(sign * g, constraints=cons2, integrality=integ, bounds=bounds,
                      options=MILP_OPTS)
            if r2.status != 2:
                break
    if r2.status == 2:
        return None
    if r2.status != 0:
        raise RuntimeError(f"{P.name}: selection milp status {r2.status} at x = {x}")
    y = r2.x.copy()
    y[f.integer] = np.round(y[f.integer])
    return float(P.value(x, y)[0]), y, phi


def response_lp_worst(P, x, exact_face=True):
    """Pessimistic response at x by two linprog calls: phi(x), then the worst y for the
    leader over the follower's optimal set {feasible, follower objective <= phi + tiny}.
    With exact_face, the variables and rows that the first LP's duals (reduced cost or
    multiplier above 1e-9 (1 + |c|)) show to be at a bound / tight are fixed there
    (complementary slackness with that dual: the same set in exact arithmetic). Without it
    the tolerance tiny lets the worst case drift by O(sqrt(tiny)) next to a tie, which
    biases an infimum that is approached at a tie. Returns (F_pess, y, phi) or None."""
    assert len(P.followers) == 1 and P.h is None, "one follower, no coupling rows"
    f = P.followers[0]
    assert not np.any(f.Q) and not np.any(f.integer), "LP follower expected"
    cf = f.d + f.M.T @ x
    B, lo, hi = follower_rows(f, x)
    A_ub, b_ub, A_eq, b_eq = [], [], [], []
    for i in range(B.shape[0]):
        if lo[i] == hi[i]:
            A_eq.append(B[i]), b_eq.append(hi[i])
        else:
            if np.isfinite(hi[i]):
                A_ub.append(B[i]), b_ub.append(hi[i])
            if np.isfinite(lo[i]):
                A_ub.append(-B[i]), b_ub.append(-lo[i])
    A_ub, b_ub = np.array(A_ub).reshape(-1, f.n), np.array(b_ub)
    A_eq, b_eq = np.array(A_eq).reshape(-1, f.n), np.array(b_eq)
    lb, ub = f.lb.copy(), f.ub.copy()

    def lp(c, A_ub, b_ub, A_eq, b_eq, lb, ub):
        return linprog(c, A_ub=A_ub if len(b_ub) else None, b_ub=b_ub if len(b_ub) else None,
                       A_eq=A_eq if len(b_eq) else None, b_eq=b_eq if len(b_eq) else None,
                       bounds=list(zip(np.where(np.isfinite(lb), lb, None),
                                       np.where(np.isfinite(ub), ub, None))), method="highs")

    r = lp(cf, A_ub, b_ub, A_eq, b_eq, lb, ub)
    if r.status == 2:
        return None
    if r.status != 0:
        raise RuntimeError(f"{P.name}: follower LP status {r.status} at x = {x}: {r.message}")
    y0 = r.x                                 # strict feasibility (HiGHS accepts 1e-7)
    viol = max([0.0, *(A_ub @ y0 - b_ub), *np.abs(A_eq @ y0 - b_eq), *(lb - y0), *(y0 - ub)])
    if viol > 1e-9 * (1.0 + np.abs(np.r_[b_ub, b_eq]).max(initial=0.0)):
        return None
    phi = r.fun
    if exact_face:
        thr = 1e-9 * (1.0 + np.abs(cf).max(initial=0.0))
        at_lb, at_ub = r.lower.marginals > thr, r.upper.marginals < -thr
        ub = np.where(at_lb, lb, ub)
        lb = np.where(at_ub, ub, lb)
        if len(b_ub):
            tight = r.ineqlin.marginals < -thr
            A_eq, b_eq = np.vstack([A_eq, A_ub[tight]]), np.r_[b_eq, b_ub[tight]]
            A_ub, b_ub = A_ub[~tight], b_ub[~tight]
    A2, b2 = np.vstack([A_ub, cf[None, :]]), np.r_[b_ub, phi + tiny(phi)]
    g = leader_y_coef(P, x)
    sign = -1.0 if P.sense == "min" else 1.0                 # worst: maximise F for "min"
    r2 = lp(sign * g, A2, b2, A_eq, b_eq, lb, ub)
    for loose in (1e-7, 1e-6):          # phi's own tolerance can leave the face empty
        if r2.status != 2:
            break
        b2[-1] = phi + loose * (1.0 + abs(phi))
        r2 = lp(sign * g, A2, b2, A_eq, b_eq, lb, ub)
    if r2.status != 0:
        raise RuntimeError(f"{P.name}: worst-case LP status {r2.status} at x = {x}")
    return float(P.value(x, r2.x)[0]), r2.x, phi


# --------------------------------------------------------------------------- search over x

def search(P, evaluate, n_grid, rounds=8):
    """Minimum (in the leader's sense) of evaluate(x) over the leader's feasible x:
    integer components enumerated, continuous ones on a grid of n_grid points per
    dimension, then `rounds` refinements of the continuous part around the best point
    (the grid shrunk 10x each time). Returns (best F, best x)."""
    sgn = 1.0 if P.sense == "min" else -1.0
    cont = ~P.x_integer
    ints = [np.arange(np.ceil(P.x_lb[j]), np.floor(P.x_ub[j]) + 1) for j in np.where(~cont)[0]]

    def run(int_lists, cgrids):
        best = (np.inf, None)
        for iv in itertools.product(*int_lists):
            for cv in itertools.product(*cgrids):
                x = np.empty(P.n_x)
                x[~cont], x[cont] = iv, cv
                if not leader_x_ok(P, x):
                    continue
                r = evaluate(P, x)
                if r is not None and sgn * r[0] < best[0]:
                    best = (sgn * r[0], x)
        return best

    lo, hi = P.x_lb[cont], P.x_ub[cont]
    best = run(ints, [np.linspace(a, b, n_grid) for a, b in zip(lo, hi)])
    if cont.any() and best[1] is not None:
        width = (hi - lo) / (n_grid - 1)
        for _ in range(rounds):            # refine the continuous part at the best integer part
            c = best[1][cont]
            grids = [np.unique(np.clip(np.linspace(ci - 2 * w, ci + 2 * w, 41), a, b))
                     for ci, w, a, b in zip(c, width, lo, hi)]
            b2 = run([[v] for v in best[1][~cont]], grids)
            if b2[0] <= best[0]:
                best = b2
            width = width / 10
    return (sgn * best[0] if best[1] is not None else np.nan), best[1]


# --------------------------------------------------------------------------------- report

def line(e, F_ver, x_ver, F_at, attained, extra=""):
    ok = abs(F_ver - e["F"]) <= TOL * max(1.0, abs(e["F"]))
    xs = "None" if x_ver is None else "[" + ", ".join(f"{v:.10g}" for v in x_ver) + "]"
    at = "infeasible" if F_at is None else f"{F_at:.6g}"
    ok &= "DIFFERENT" not in extra and attained != "y?"
    return (f"{e['name']:26s} {e['cls']:9s} reported F {e['F']:>7.6g}  verified {F_ver:>12.8g}"
            f" at x {xs:14s} F(reported x) {at:>10s}  attained: {attained:3s} "
            f"{'OK' if ok else 'DISCREPANCY'}{extra}"), ok


# boxes added where the source leaves x unbounded: the search is repeated with these wider
# bounds and must give the same minimum
WIDER = {"moore_bard_1990": ([0.0], [40.0]), "yue_2019_toy2": ([0.0], [60.0]),
         "jump_mibs_example1": ([-50.0], [10.0]), "jump_mibs_example2": ([-50.0, 0.0], [10.0, 1.0]),
         "jump_mibs_basic1": ([0.0, 0.0], [8.0, 40.0]), "jump_mibs_v5": ([2.0, -50.0], [6.0, 10.0]),
         "bard_812_pess": ([0.0], [40.0])}


def y_is_response(P, x, y, phi, coupling=True):
    """y feasible for the follower at x (rows, bounds, integrality), optimal (objective
    <= phi + tiny) and, optimistic, within the coupling rows."""
    f = P.followers[0]
    B, lo, hi = follower_rows(f, x)
    t = 1e-9 * (1.0 + np.abs(y).max(initial=0.0))
    ok = bool(np.all(B @ y >= lo - t) and np.all(B @ y <= hi + t)
              and np.all(y >= f.lb - t) and np.all(y <= f.ub + t)
              and np.all(np.abs(y[f.integer] - np.round(y[f.integer])) <= t)
              and (f.d + f.M.T @ x) @ y <= phi + tiny(phi))
    if coupling and P.h is not None:
        ok &= bool(np.all(P.G_x @ x + P.G_y @ y <= P.h + t))
    return ok


def attained_at(P, e, r):
    """'yes' when the value at the reported x equals the reported F and the reported y is a
    response there giving it, 'no' otherwise."""
    if r is None or abs(r[0] - e["F"]) > TOL * max(1.0, abs(e["F"])):
        return "no"
    x, y = np.asarray(e["x"], float), np.asarray(e["y"], float)
    good = y_is_response(P, x, y, r[2], coupling=P.selection == "optimistic")
    return "yes" if good else "y?"


def widened(e, evaluate, n_grid):
    if e["name"] not in WIDER:
        return ""
    P = e["build"]()
    P.x_lb, P.x_ub = (np.asarray(v, float) for v in WIDER[e["name"]])
    F_w, _ = search(P, evaluate, n_grid)
    same = abs(F_w - e["F"]) <= TOL * max(1.0, abs(e["F"]))
    return f"  wider box: {'same' if same else f'DIFFERENT {F_w:.8g}'}"


def check_milp(e, n_grid=401):
    P = e["build"]()
    evaluate = lambda P, x: response_milp(P, x)                 # noqa: E731
    F_ver, x_ver = search(P, evaluate, n_grid)
    x_rep, y_rep = np.asarray(e["x"], float), np.asarray(e["y"], float)
    assert abs(P.value(x_rep, y_rep)[0] - e["F"]) < 1e-9, e["name"]    # F = value(x, y)
    r = response_milp(P, x_rep) if leader_x_ok(P, x_rep) else None
    return line(e, F_ver, x_ver, None if r is None else r[0], attained_at(P, e, r),
                widened(e, evaluate, n_grid))


def check_pess(e):
    P = e["build"]()
    n_grid = 1001 if P.n_x == 1 else 61
    F_ver, x_ver = search(P, response_lp_worst, n_grid)
    x_rep, y_rep = np.asarray(e["x"], float), np.asarray(e["y"], float)
    assert abs(P.value(x_rep, y_rep)[0] - e["F"]) < 1e-9, e["name"]    # F = value(x, y)
    r = response_lp_worst(P, x_rep)
    # the same search with the tolerance face only (no complementary-slackness fixing)
    F_tol, _ = search(P, lambda P, x: response_lp_worst(P, x, exact_face=False), n_grid,
                      rounds=4)
    # the optimistic value for comparison (same grid, best y instead of worst)
    F_opt, _ = search(P, lambda P, x: response_milp(P, x), n_grid, rounds=4)
    return line(e, F_ver, x_ver, None if r is None else r[0], attained_at(P, e, r),
                widened(e, response_lp_worst, n_grid)
                + f"  (tolerance-face search {F_tol:.8g}; optimistic {F_opt:.6g})")


def main():
    all_ok = True
    print("== PROBLEMS_MILP (optimistic, integer followers)")
    for e in PROBLEMS_MILP:
        s, ok = check_milp(e)
        print(s)
        all_ok &= ok and e["name"] not in NOT_ATTAINED
    print("== PROBLEMS_MILP_NOT_ATTAINED")
    for e in PROBLEMS_MILP_NOT_ATTAINED:
        s, ok = check_milp(e)
        print(s)
        all_ok &= ok
    print("== PROBLEMS_PESSIMISTIC (LP followers; F = min over x of the worst response)")
    for e in PROBLEMS_PESSIMISTIC:
        s, ok = check_pess(e)
        print(s)
        all_ok &= ok
    print("all verified" if all_ok else "SOME DISCREPANCY")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
