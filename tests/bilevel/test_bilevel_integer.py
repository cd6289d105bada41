"""The exact reference for integer (MILP) followers (stackga.bilevel.integer, value-function
cuts): the published problems of stackga/bilevel/problems/published_milp.py, random games against an
independent enumeration (scipy's milp at every integer x), refusals, and the GA's
optimistic selection among a MILP follower's optima."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from stackga.bilevel import Bilevel, Follower, MatrixFollower, solve_exact
from stackga.bilevel.problems.published_milp import PROBLEMS_MILP, PROBLEMS_MILP_NOT_ATTAINED


@pytest.mark.parametrize("p", PROBLEMS_MILP, ids=[p["name"] for p in PROBLEMS_MILP])
def test_published_milp_follower_problems(p):
    r = solve_exact(p["build"]())
    assert r.method == "cuts" and r.status == "optimal"
    assert r.F == pytest.approx(p["F"], abs=1e-6 * (1 + abs(p["F"])))
    assert r.bound == pytest.approx(r.F)
    bounds = [b for _, _, b in r.trace]
    assert all(b2 >= b1 - 1e-9 for b1, b2 in zip(bounds, bounds[1:])) if p["build"]().sense == "min" \
        else all(b2 <= b1 + 1e-9 for b1, b2 in zip(bounds, bounds[1:]))


def test_continuous_linking_variables_are_refused():
    """Yue et al.'s toy example 3 has only an infimum; a continuous x enters the follower."""
    p = PROBLEMS_MILP_NOT_ATTAINED[0]
    with pytest.raises(ValueError, match=r"x\[0\] enters a follower's problem but is continuous"):
        solve_exact(p["build"]())


def brute_force(bl: Bilevel) -> float:
    """min over every integer x in the box of the leader's best over the follower's optima
    (one follower, no coupling rows): scipy's milp twice per x."""
    f = bl.followers[0]
    s = np.array(f.sense)
    best = np.inf
    for x in itertools.product(*[range(int(a), int(b) + 1) for a, b in zip(bl.x_lb, bl.x_ub)]):
        x = np.array(x, float)
        if bl.A_x is not None and np.any(bl.A_x @ x > bl.b_x + 1e-9):
            continue
        rhs = f.b - f.A @ x
        rows = LinearConstraint(f.B, np.where(s == "<=", -np.inf, rhs), np.where(s == ">=", np.inf, rhs))
        c = f.d + x @ f.M
        r = milp(c, constraints=[rows], integrality=f.integer.astype(int), bounds=Bounds(f.lb, f.ub))
        if r.status != 0:
            continue
        cut = LinearConstraint(c[None], -np.inf, r.fun + 1e-9 * (1 + abs(r.fun)))
        sign = 1.0 if bl.sense == "min" else -1.0
        r2 = milp(sign * bl.c_y, constraints=[rows, cut], integrality=f.integer.astype(int),
                  bounds=Bounds(f.lb, f.ub))
        best = min(best, sign * float(bl.value(x, r2.x)[0]))
    return best if bl.sense == "min" else -best


def random_game(seed: int) -> Bilevel:
    rng = np.random.default_rng(seed)
    nx, ny, m = 2, 3, 3
    f = Follower(d=rng.integers(-3, 4, ny).astype(float), A=rng.integers(-2, 3, (m, nx)).astype(float),
                 B=rng.integers(-2, 4, (m, ny)).astype(float), b=rng.integers(3, 12, m).astype(float),
                 M=rng.integers(-1, 2, (nx, ny)).astype(float) if seed % 2 else None,
                 ub=np.full(ny, 4.0), integer=[True, True, False])
    return Bilevel("min" if seed % 3 else "max", c_x=rng.integers(-3, 4, nx).astype(float),
                   c_y=rng.integers(-4, 5, ny).astype(float), followers=[f], x_lb=[0, 0], x_ub=[4, 3],
                   x_integer=[True, True])


@pytest.mark.parametrize("seed", range(10))
def test_random_mixed_integer_followers_against_enumeration(seed):
    bl = random_game(seed)
    ref = brute_force(bl)
    r = solve_exact(bl)
    if not np.isfinite(ref):
        assert r.status == "infeasible"
        return
    assert r.status == "optimal" and r.F == pytest.approx(ref, abs=1e-6 * (1 + abs(ref)))
    # the answer is bilevel feasible: y optimal for the follower at x
    f = bl.followers[0]
    r0 = milp(f.d + r.x @ f.M, constraints=[LinearConstraint(f.B, -np.inf, f.b - f.A @ r.x)],
              integrality=f.integer.astype(int), bounds=Bounds(f.lb, f.ub))
    assert (f.d + r.x @ f.M) @ r.y <= r0.fun + 1e-6 * (1 + abs(r0.fun))


def test_refusals():
    f = Follower(d=[1.0], B=[[1.0]], b=[3.0], A=[[1.0]], ub=[3.0], integer=[True])
    pes = Bilevel("min", c_x=[1.0], followers=[f], x_lb=[0], x_ub=[3], x_integer=[True],
                  selection="pessimistic")
    with pytest.raises(ValueError, match="optimistic"):
        solve_exact(pes)
    ok = Bilevel("min", c_x=[1.0], followers=[f], x_lb=[0], x_ub=[3], x_integer=[True])
    with pytest.raises(ValueError, match="no KKT reformulation"):
        solve_exact(ok, "bigm")
    quad = Bilevel("min", c_x=[1.0], Q_xx=[[2.0]], followers=[f], x_lb=[0], x_ub=[3], x_integer=[True])
    with pytest.raises(ValueError, match="linear leader"):
        solve_exact(quad)


def test_ga_follower_selects_among_milp_optima():
    """The follower is indifferent among y in {0, 1, 2} (zero cost, y <= 2.5 x); the
    optimistic leader (min -y) gets y = 2 at x = 1, the pessimistic one y = 0."""
    def game(sel):
        f = Follower(d=[0.0], A=[[-2.5]], B=[[1.0]], b=[0.0], ub=[5.0], integer=[True])
        return Bilevel("min", c_x=[0.0], c_y=[-1.0], followers=[f], x_lb=[0], x_ub=[2], selection=sel)
    X = np.array([[1.0]])
    assert MatrixFollower(game("optimistic"), 0).respond(X).arrays["y"][0, 0] == pytest.approx(2.0)
    assert MatrixFollower(game("pessimistic"), 0).respond(X).arrays["y"][0, 0] == pytest.approx(0.0)
